"""Boxes: IoU, matching, scoring against gold, and box answers through stores and tables (issue 15)."""

from __future__ import annotations

from calibration.boxes import Box
from calibration.reports.tables import answer_text
from calibration.rounds._common import canonical_value


def test_stored_box_answers_come_back_canonical_and_read_as_text() -> None:
    stored = [
        {"label": "PERSON", "x": 1, "y": 2, "width": 3, "height": 4},
        {"label": "CAR", "x": 0, "y": 0, "width": 5, "height": 6},
    ]
    answer = canonical_value("boxes", stored)
    assert answer == (Box("CAR", 0, 0, 5, 6), Box("PERSON", 1, 2, 3, 4))
    assert answer_text("boxes", answer) == "CAR 5×6 at (0, 0); PERSON 3×4 at (1, 2)"
    assert answer_text("boxes", ()) == "(no box)"
