"""Guideline calibration trainer: guidelines as code, per-rule agreement, calibration rounds.

Every package's ``__init__`` is a docstring only (and this one the version): import from the modules
(`calibration.answers`, `calibration.responses`, `calibration.errors`, `calibration.boxes`, ...), so
``import calibration.X`` loads no more than X needs. See docs/architecture.md.
"""

__version__ = "0.1.0"
