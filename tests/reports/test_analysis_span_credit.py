"""The lead's annotator x rule matrix uses the quiz's partial credit for span items."""

from __future__ import annotations

import pandas as pd
import pytest

from calibration.answers import Span
from calibration.reports.analysis import accuracy_matrix
from calibration.responses import gold_series, item_rules_frame


def test_span_answers_count_their_f1_in_the_annotator_rule_matrix():
    gold = gold_series({"i1": (Span(0, 4, "PER"), Span(10, 13, "ORG")), "i2": (Span(2, 5, "PER"),)})
    responses = pd.DataFrame(
        {
            "item_id": ["i1", "i2"],
            "annotator_id": ["x", "x"],
            "answer": [(Span(0, 4, "PER"),), (Span(2, 5, "PER"),)],
        }
    )
    item_rules = item_rules_frame({"i1": ["R1"], "i2": ["R2"]})
    matrix = accuracy_matrix(responses, item_rules, gold, "span")
    assert matrix.loc["x"].tolist() == pytest.approx([2 / 3, 1.0])  # 1 of 2 gold spans, nothing extra
    assert accuracy_matrix(responses, item_rules, gold).loc["x"].tolist() == [0.0, 1.0]  # exact, as before
