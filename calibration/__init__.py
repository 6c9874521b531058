"""Guideline calibration trainer: guidelines as code, per-rule agreement, calibration rounds."""

from calibration.answers import Span, answer_to_json, parse_answer
from calibration.boxes import Box, BoxScore, score_boxes
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
    "Box",
    "BoxScore",
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
    "score_boxes",
]
__version__ = "0.1.0"
