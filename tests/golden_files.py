"""Golden files: JSON a refactor must keep byte for byte, rewritten only on purpose.

``CALIBRATION_UPDATE_GOLDEN=1`` rewrites the files under ``tests/golden/`` from the current output;
review the diff before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent / "golden"


def check_golden(name: str, output: str) -> None:
    """Compare ``output`` with ``golden/<name>.json`` byte for byte (rewrite it under CALIBRATION_UPDATE_GOLDEN=1)."""
    path = GOLDEN / f"{name}.json"
    if os.environ.get("CALIBRATION_UPDATE_GOLDEN") == "1":
        path.write_text(output, encoding="utf-8")
    assert path.exists(), f"{path} is missing; run with CALIBRATION_UPDATE_GOLDEN=1 to write it"
    expected = path.read_text(encoding="utf-8")
    assert output == expected, f"{name}: JSON differs from {path} (CALIBRATION_UPDATE_GOLDEN=1 rewrites it)"
