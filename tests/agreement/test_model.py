"""A model as an annotator: certified like a person; per-rule triage recovers simulated accuracies."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from calibration.agreement.gold import score_against_gold
from calibration.agreement.model import (
    AUTOMATE,
    KEEP,
    UNSURE,
    certify_model,
    choose_model,
    triage_rules,
    wilson_interval,
)
from calibration.agreement.model_simulation import simulate_answers
from calibration.errors import DataError
from calibration.guidelines.loading import load_guideline
from calibration.responses import gold_series, item_rules_frame, responses_frame

ROOT = Path(__file__).resolve().parents[2]
CLAUSES = load_guideline(ROOT / "guidelines/contract-clauses/1.1.0.yaml")
PREFERENCE = load_guideline(ROOT / "guidelines/chatbot-preference/1.0.0.yaml")


def test_wilson_interval_matches_the_published_example() -> None:
    # Brown, Cai & DasGupta (2001), and every textbook: 8 of 10 -> [0.490, 0.943] at 95%
    low, high = wilson_interval(8, 10)
    assert (low, high) == (pytest.approx(0.4902, abs=1e-4), pytest.approx(0.9433, abs=1e-4))
    assert all(math.isnan(v) for v in wilson_interval(0, 0))
    with pytest.raises(DataError, match=r"confidence must be between 0 and 1, got 1\.5"):
        wilson_interval(1, 2, 1.5)


def _bank_answers(guideline, wrong_rule: str | None, who: str = "clauses-gpt@1") -> pd.DataFrame:
    """The bank's gold as answers, except every item of `wrong_rule` answered with another label."""
    gold = guideline.gold_answers()
    labels = sorted(set(gold.values()), key=str)
    records = []
    for item in guideline.items:
        if item.id not in gold:
            continue
        answer = gold[item.id]
        if wrong_rule in item.rules:
            answer = next(label for label in labels if label != answer)
        records.append({"item_id": item.id, "annotator_id": who, "answer": answer})
    return responses_frame(records)


def test_a_model_gets_the_same_per_rule_decisions_as_a_person_with_the_same_answers() -> None:
    answers = _bank_answers(CLAUSES, "R-LAW")
    report = certify_model(answers, CLAUSES)
    person = score_against_gold(
        answers[["item_id", "answer"]],
        gold_series(CLAUSES.gold_answers()),
        CLAUSES.task,
        item_rules_frame(CLAUSES.item_rules()),
        CLAUSES.calibration,
    )
    assert report.passed is person.passed is False
    assert sorted(report.per_rule.index[report.per_rule["decision"].eq("fail")]) == sorted(
        person.failed_rules
    )
    assert "R-LAW" in person.failed_rules
    assert report.per_rule.loc["R-PAY", "decision"] == "pass"
    assert report.per_rule.loc["R-PAY", "threshold"] == pytest.approx(0.67)
    law = report.per_rule.loc["R-LAW"]
    assert law["low"] <= law["accuracy"] <= law["high"]
    assert report.lines()[0].startswith("model clauses-gpt@1 on contract-clauses@1.1.0: not certified")


def test_a_models_rule_decisions_are_a_persons_stated_confidence_decisions() -> None:
    """5 of 5 right against a 0.67 mark is `undecided` on a person's result page: so for a model too."""
    answers = _bank_answers(CLAUSES, "R-LAW")
    report = certify_model(answers, CLAUSES)
    person = score_against_gold(
        answers[["item_id", "answer"]],
        gold_series(CLAUSES.gold_answers()),
        CLAUSES.task,
        item_rules_frame(CLAUSES.item_rules()),
        CLAUSES.calibration,
    )
    assert report.per_rule["decision"].to_dict() == person.rule_decisions["decision"].to_dict()
    assert report.per_rule.loc["R-CONF", "decision"] == "undecided"
    assert report.per_rule.loc["R-CONF", "p_pass"] == pytest.approx(
        person.rule_decisions.loc["R-CONF", "p_pass"]
    )
    assert any(line.startswith("R-CONF: undecided ") for line in report.lines())


def test_a_model_right_on_every_bank_item_is_certified() -> None:
    report = certify_model(_bank_answers(CLAUSES, None), CLAUSES)
    assert report.passed and "fail" not in set(report.per_rule["decision"])
    assert report.to_dict()["per_rule"]["R-INDEM"]["accuracy"] == 1.0


def test_choose_model_names_the_candidates_and_suggests() -> None:
    two = pd.concat([_bank_answers(CLAUSES, None, "a"), _bank_answers(CLAUSES, None, "b")], ignore_index=True)
    with pytest.raises(DataError) as caught:
        choose_model(two)
    assert caught.value.message == "the file holds answers by several annotators: a, b"
    assert caught.value.hint == "name the model with --model NAME"
    with pytest.raises(DataError) as caught:
        choose_model(_bank_answers(CLAUSES, None, "clauses-gpt"), "clauses-gtp")
    assert caught.value.hint == "did you mean 'clauses-gpt'?"


def test_answers_off_the_bank_are_refused_with_a_hint() -> None:
    off = responses_frame([{"item_id": "x-1", "annotator_id": "m", "answer": "INDEMNIFICATION"}])
    with pytest.raises(
        DataError, match=r"none of m's 1 answer is on an item of contract-clauses@1\.1\.0's bank"
    ):
        certify_model(off, CLAUSES)


SIMULATED = {"R-INDEM": 0.99, "R-PAY": 0.99, "R-LAW": 0.55, "R-CONF": 0.6}


@pytest.mark.parametrize("guideline", [CLAUSES, PREFERENCE], ids=lambda g: g.ref)
def test_triage_recovers_the_rules_the_simulated_model_handles(guideline) -> None:
    rules = [r.id for r in guideline.rules]
    good, bad = rules[:2], rules[2:4]
    accuracy = {**dict.fromkeys(good, 0.99), **dict.fromkeys(bad, 0.55)}
    responses, gold, item_rules = simulate_answers(
        guideline, accuracy, human_accuracy=0.9, items_per_rule=150, seed=3
    )
    table = triage_rules(responses, gold, item_rules, guideline.task, margin=0.05, bootstrap=400, seed=1)
    assert set(table.index[table["decision"].eq(AUTOMATE)]) >= set(good)
    assert set(table.index[table["decision"].eq(KEEP)]) == set(bad)
    assert table.loc[bad[0], "model_accuracy"] == pytest.approx(0.55, abs=0.1)
    assert table.loc[good[0], "human_accuracy"] == pytest.approx(0.9, abs=0.05)
    assert table.loc[good[0], "model_vs_consensus"] > 0.9


def test_few_items_are_not_enough_evidence() -> None:
    responses, gold, item_rules = simulate_answers(CLAUSES, {"R-INDEM": 1.0}, items_per_rule=6, seed=2)
    table = triage_rules(responses, gold, item_rules, CLAUSES.task, min_items=10, bootstrap=100)
    assert set(table["decision"]) == {UNSURE}


def test_people_only_compares_with_the_named_people_and_none_is_not_enough() -> None:
    responses, gold, item_rules = simulate_answers(CLAUSES, {}, items_per_rule=30, seed=2)
    table = triage_rules(responses, gold, item_rules, CLAUSES.task, people=["nobody"], bootstrap=100)
    assert set(table["decision"]) == {UNSURE} and set(table["n_human_answers"]) == {0}


def test_a_model_that_errs_on_one_label_pair_is_flagged() -> None:
    responses, gold, item_rules = simulate_answers(
        CLAUSES, {"R-LAW": 0.6}, confusions={"R-LAW": "OTHER"}, items_per_rule=60, seed=5
    )
    table = triage_rules(responses, gold, item_rules, CLAUSES.task, bootstrap=100)
    law_golds = set(gold[item_rules.loc[item_rules["rule_id"].eq("R-LAW"), "item_id"]])
    pattern = table.loc["R-LAW", "error_pattern"]
    assert pattern.startswith("label pair ") and pattern.endswith("->OTHER")
    assert pattern.removeprefix("label pair ").removesuffix("->OTHER") in law_golds
    assert table["error_pattern"].drop("R-LAW").isna().all()


def test_a_bad_margin_is_refused() -> None:
    responses, gold, item_rules = simulate_answers(CLAUSES, {}, items_per_rule=3)
    with pytest.raises(DataError, match=r"margin must be at least 0 and below 1, got 1\.5"):
        triage_rules(responses, gold, item_rules, CLAUSES.task, margin=1.5)


def test_simulation_refuses_span_tasks() -> None:
    pii = load_guideline(ROOT / "guidelines/pii-spans/1.0.0.yaml")
    with pytest.raises(
        DataError, match="simulated answers need a single_label, pairwise, rating task, not span"
    ):
        simulate_answers(pii, {})
