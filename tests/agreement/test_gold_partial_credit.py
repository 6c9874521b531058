"""Partial credit for span items: an item's credit is the F1 of its spans against gold; others stay 0/1."""

from __future__ import annotations

import json

import pytest

from calibration.agreement.gold import answers_credit, score_against_gold, span_match
from calibration.answers import Span
from calibration.guidelines.model import Label, Policy, Task
from calibration.responses import gold_series, item_rules_frame, responses_frame


def _task(kind: str) -> Task:
    return Task(type=kind, labels=[Label(id=i, name=i) for i in ("PER", "ORG")])


def _one(answers: dict) -> object:
    return responses_frame([{"item_id": k, "annotator_id": "ann", "answer": v} for k, v in answers.items()])


GOLD = {
    "a": (Span(0, 4, "PER"), Span(10, 13, "ORG"), Span(20, 25, "PER")),
    "b": (Span(2, 5, "PER"),),
    "c": (),
}


def test_span_match_counts_exact_spans_and_its_f1():
    match = span_match([Span(0, 4, "PER"), [10, 13, "ORG"], Span(30, 33, "PER")], GOLD["a"])
    assert match == (2, 3, 3) and match.f1 == pytest.approx(2 / 3)
    assert span_match([Span(0, 4, "PER"), Span(10, 13, "ORG")], GOLD["a"]).f1 == pytest.approx(0.8)
    assert span_match([Span(0, 4, "ORG")], GOLD["a"]).f1 == 0.0  # a wrong label is a wrong span
    assert span_match([], []).f1 == 1.0 and span_match([Span(1, 2, "PER")], []).f1 == 0.0


def test_span_items_earn_partial_credit_in_accuracy_and_per_rule():
    answers = {"a": (Span(0, 4, "PER"), Span(10, 13, "ORG"), Span(30, 33, "PER")), "b": (), "c": ()}
    rules = item_rules_frame({"a": ["R1"], "b": ["R1"], "c": ["R2"]})
    score = score_against_gold(
        _one(answers),
        gold_series(GOLD),
        _task("span"),
        rules,
        Policy(pass_kappa=None, pass_accuracy=None, pass_rule_accuracy=0.5),
    )
    assert (score.n_items, score.n_correct) == (3, 1)  # only "c" is exactly right
    assert score.credit == pytest.approx(2 / 3 + 0 + 1)
    assert score.accuracy == pytest.approx((2 / 3 + 1) / 3)
    assert list(score.items["credit"]) == pytest.approx([2 / 3, 0.0, 1.0])
    assert score.per_rule.loc["R1"].to_dict() == pytest.approx(
        {"n_items": 2, "n_correct": 0, "credit": 2 / 3, "accuracy": 1 / 3}
    )
    assert score.failed_rules == ["R1"]
    assert score.reasons == [
        "rule R1: 0 of 2 correct, 0.67 with partial credit (33.33%), below 50%: "
        "a credit of at least 1.00 of 2 needed"
    ]
    data = json.loads(json.dumps(score.to_dict()))
    assert data["credit"] == pytest.approx(5 / 3) and data["per_rule"]["R2"]["credit"] == 1.0


def test_other_task_types_keep_all_or_nothing_credit():
    task = _task("multi_label")
    gold = {"a": ("PER",), "b": ("ORG", "PER")}
    answers = {"a": ("PER",), "b": ("ORG",)}
    assert answers_credit("multi_label", list(answers.values()), list(gold.values())) == [1.0, 0.0]
    score = score_against_gold(
        _one(answers), gold_series(gold), task, item_rules_frame({"a": ["R"], "b": ["R"]})
    )
    assert score.accuracy == 0.5 and score.credit == 1.0
    assert list(score.per_rule.columns) == ["n_items", "n_correct", "accuracy"]  # no credit column
