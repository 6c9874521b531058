"""Scoring against gold decides every rule with stated confidence, and a rule decided fail fails."""

from __future__ import annotations

import json

import pytest

from calibration.agreement.gold import score_against_gold, score_annotators
from calibration.guidelines.model import Label, Policy, Task
from calibration.responses import gold_series, item_rules_frame, responses_frame

TASK = Task(type="single_label", labels=[Label(id=i, name=i) for i in "AB"])
# R1: 14 items, R2: 3 items, R3: 2 items
ITEMS = {f"a{i}": "A" if i % 2 else "B" for i in range(14)} | {"b1": "A", "b2": "B", "b3": "A"}
ITEMS |= {"c1": "A", "c2": "B"}
RULES = item_rules_frame({i: ["R1" if i[0] == "a" else "R2" if i[0] == "b" else "R3"] for i in ITEMS})


def answers(wrong: set[str]) -> object:
    flip = {"A": "B", "B": "A"}
    return responses_frame(
        [
            {"item_id": i, "annotator_id": "ann", "answer": flip[g] if i in wrong else g}
            for i, g in ITEMS.items()
        ]
    )


def test_every_rule_gets_a_decision_with_its_interval():
    score = score_against_gold(answers(set()), gold_series(ITEMS), TASK, RULES, Policy())
    decisions = score.rule_decisions
    assert decisions["decision"].to_dict() == {"R1": "pass", "R2": "undecided", "R3": "undecided"}
    assert decisions.loc["R1", "acc_low"] >= 0.8 > decisions.loc["R2", "acc_low"]
    assert score.passed and score.decision == "undecided" and score.undecided_rules == ["R2", "R3"]
    data = json.loads(json.dumps(score.to_dict()))
    assert data["decision"] == "undecided" and data["undecided_rules"] == ["R2", "R3"]
    assert data["rule_decisions"]["R1"]["decision"] == "pass"
    assert data["rule_decisions"]["R1"]["p_pass"] == pytest.approx(1 - 0.8**15)


def test_a_rule_decided_fail_fails_the_quiz_though_the_pass_marks_alone_would_pass():
    # 2 wrong of 19: kappa 0.79 passes pass_kappa 0.7, but R3 (0 of 2) is decided fail
    score = score_against_gold(answers({"c1", "c2"}), gold_series(ITEMS), TASK, RULES, Policy(pass_kappa=0.7))
    assert score.kappa >= 0.7
    assert not score.passed and score.decision == "fail"
    assert score.failed_rules == ["R3"]
    assert "rule R3: decided fail, accuracy 2%-63% (90% interval) is below 80%" in score.reasons


def test_the_decision_confidence_comes_from_the_policy():
    lenient = Policy(pass_kappa=0.7, decision_confidence=0.99)  # 0 of 2: P(p < 0.8) = 0.992
    assert score_against_gold(answers({"c1", "c2"}), gold_series(ITEMS), TASK, RULES, lenient).passed is False
    stricter = Policy(pass_kappa=0.7, decision_confidence=0.999)
    score = score_against_gold(answers({"c1", "c2"}), gold_series(ITEMS), TASK, RULES, stricter)
    assert score.passed and score.rule_decisions.loc["R3", "decision"] == "undecided"


def test_a_rule_mark_of_one_is_left_to_the_pass_marks():
    score = score_against_gold(
        answers(set()), gold_series(ITEMS), TASK, RULES, Policy(pass_rule_accuracy=1.0)
    )
    assert score.passed and score.rule_decisions.empty and score.decision == "undecided"


def test_score_annotators_reports_the_decisions_with_intervals():
    table = score_annotators(answers({"c1", "c2"}), gold_series(ITEMS), TASK, RULES, Policy())
    assert table.loc["ann", "decision"] == "fail"
    texts = table.loc["ann", "rule_decisions"]
    assert texts[0].startswith("R1: pass, ") and texts[2] == "R3: fail, 2%–63%"
