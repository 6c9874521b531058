"""Guideline calibration trainer: guidelines as code, per-rule agreement, calibration rounds."""

from calibration.answers import Span, answer_to_json, parse_answer
from calibration.errors import (
    AnswerError,
    CalibrationError,
    ConflictError,
    DataError,
    GuidelineError,
    Location,
    NotFoundError,
    PermissionDenied,
    Problem,
)

__all__ = [
    "AnswerError",
    "CalibrationError",
    "ConflictError",
    "DataError",
    "GuidelineError",
    "Location",
    "NotFoundError",
    "PermissionDenied",
    "Problem",
    "Span",
    "answer_to_json",
    "parse_answer",
]
__version__ = "0.1.0"
