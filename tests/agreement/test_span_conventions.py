"""Span conventions (issue 11): one-to-one overlap matching, and gold P/R/F1 when both are empty."""

from __future__ import annotations

import pandas as pd
import pytest

from calibration.agreement.structured import span_pair_f1
from calibration.responses import responses_frame


def _pair(a, b):
    return responses_frame(
        [
            {"item_id": "i1", "annotator_id": "x", "answer": a},
            {"item_id": "i1", "annotator_id": "y", "answer": b},
        ]
    )


def test_one_span_against_its_two_halves_matches_once():
    found = span_pair_f1(_pair([(0, 10, "PER")], [(0, 5, "PER"), (5, 10, "PER")]))
    assert found["span_f1_overlap"] == pytest.approx(2 / 3)  # nervaluate ent_type: 0.667 (recorded)
    assert found["span_f1_exact"] == 0.0


def test_overlap_needs_the_same_label_and_is_symmetric():
    a, b = [(0, 4, "PER"), (6, 9, "ORG")], [(2, 5, "PER"), (6, 9, "PER")]
    assert span_pair_f1(_pair(a, b))["span_f1_overlap"] == pytest.approx(2 * 1 / 4)
    assert span_pair_f1(_pair(b, a))["span_f1_overlap"] == pytest.approx(2 * 1 / 4)


def _exact_prf(answer, gold):
    """seqeval-style exact-match precision, recall and F1 with zero_division=0 (independent)."""
    a, g = set(answer), set(gold)
    tp = len(a & g)
    p = tp / len(a) if a else 0.0
    r = tp / len(g) if g else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def test_gold_span_scores_match_exact_matching_and_both_empty_is_1():
    from calibration.agreement.gold import score_against_gold
    from calibration.guidelines.model import Label, Task

    task = Task(type="span", labels=[Label(id="PER", name="PER")])
    gold = pd.Series({"i1": ((0, 4, "PER"), (6, 9, "PER")), "i2": ()}, dtype=object)
    answers = responses_frame(
        [
            {"item_id": "i1", "annotator_id": "x", "answer": [(0, 4, "PER")]},
            {"item_id": "i2", "annotator_id": "x", "answer": []},
        ]
    )
    result = score_against_gold(answers.iloc[:1], gold, task)
    p, r, f = _exact_prf([("i1", 0, 4, "PER")], [("i1", 0, 4, "PER"), ("i1", 6, 9, "PER")])
    assert result.span_precision == pytest.approx(p)
    assert result.span_recall == pytest.approx(r)
    assert result.span_f1 == pytest.approx(f)
    empty = score_against_gold(answers.iloc[1:], gold, task)
    # deliberate: nothing marked where gold marks nothing is right (seqeval/nervaluate give 0)
    assert empty.span_precision == empty.span_recall == empty.span_f1 == 1.0
