"""Signals on the simulated pilot (truth known) and on tiny hand-written tables."""

from __future__ import annotations

import math

import pandas as pd

from calibration.ambiguity import signals
from calibration.ambiguity.signals import RuleAgreement
from calibration.responses import gold_series, item_rules_frame, items_of_rule, responses_frame


def _stats(
    estimate: float, low: float, high: float, percent: float, ac1: float, n: int = 40
) -> RuleAgreement:
    shift = ac1 - estimate  # AC1's interval: alpha's, moved to AC1
    return RuleAgreement(
        "krippendorff_alpha", estimate, low, high, percent, ac1, n, ac1_low=low + shift, ac1_high=high + shift
    )


def test_few_items_fires_below_minimum_and_says_what_to_do():
    evidence = signals.few_items(5)
    assert evidence.fired and evidence.code == "few_items"
    assert evidence.message.startswith("only 5 items")
    assert "pilot more items" in evidence.message
    assert not signals.few_items(10).fired


def test_low_agreement_needs_upper_bound_below_target():
    assert signals.low_agreement(_stats(0.3, 0.1, 0.5, 0.6, 0.3), target=0.8).fired
    unsure = signals.low_agreement(_stats(0.7, 0.5, 0.85, 0.8, 0.7), target=0.8)
    assert not unsure.fired and "no verdict yet" in unsure.message


def test_low_agreement_gives_no_verdict_with_few_items():
    evidence = signals.low_agreement(_stats(0.1, -0.2, 0.3, 0.5, 0.1, n=5), target=0.8, few=True)
    assert not evidence.fired and "too few items" in evidence.message


def test_low_agreement_judges_skewed_rules_by_ac1():
    stats = _stats(0.45, 0.1, 0.7, 0.96, 0.95)
    evidence = signals.low_agreement(stats, target=0.8, skewed=True)
    assert not evidence.fired
    assert "only because one answer dominates" in evidence.message
    assert evidence.figures["judged_by"] == "ac1"


def test_skewed_prevalence_fires_on_the_kappa_paradox():
    answers = pd.Series(["X"] * 95 + ["Y"] * 5)
    evidence = signals.skewed_prevalence(_stats(0.45, 0.1, 0.7, 0.96, 0.95), answers, target=0.8)
    assert evidence.fired
    assert evidence.figures["dominant_answer"] == "X" and evidence.figures["dominant_share"] == 0.95
    assert "kappa paradox" in evidence.message
    balanced = pd.Series(["X"] * 50 + ["Y"] * 50)
    assert not signals.skewed_prevalence(_stats(0.45, 0.1, 0.7, 0.96, 0.95), balanced, target=0.8).fired


def test_gold_suspect_lists_the_mislabeled_item(pilot, bad_gold_item):
    items = items_of_rule(pilot.item_rules, "R-CLEAR")
    evidence = signals.gold_suspect(pilot.responses, pilot.gold, items)
    assert evidence.fired
    assert evidence.items[0] == bad_gold_item
    assert evidence.figures["suspects"][0]["gold"] == "D"
    assert evidence.figures["suspects"][0]["majority"] == "C"
    assert f"{bad_gold_item} (gold D" in evidence.message


def test_gold_suspects_ignores_items_where_annotators_split():
    responses = responses_frame(
        [{"item_id": "i1", "annotator_id": a, "answer": x} for a, x in zip("abcd", "AABB", strict=True)]
    )
    assert signals.gold_suspects(responses, gold_series({"i1": "C"})).empty


def test_good_annotators_fail_points_at_the_ambiguous_rule(pilot):
    here = signals.good_annotators_fail(pilot.responses, pilot.item_rules, pilot.gold, "R-AMBIG")
    assert here.fired
    assert here.figures["accuracy_elsewhere"] >= 0.8
    assert here.figures["accuracy_here"] < 0.7
    assert not signals.good_annotators_fail(pilot.responses, pilot.item_rules, pilot.gold, "R-SKEW").fired


def test_good_annotators_fail_without_skill_elsewhere_says_so():
    responses = responses_frame([{"item_id": "i1", "annotator_id": "a", "answer": "A"}])
    evidence = signals.good_annotators_fail(
        responses, item_rules_frame({"i1": ["R1"]}), gold_series({"i1": "B"}), "R1"
    )
    assert not evidence.fired
    assert (
        evidence.message
        == "no annotator with a known skill elsewhere answered enough gold items under this rule"
    )


def test_annotator_signals_fire_on_the_ambiguous_rule(pilot):
    mine = signals.rule_responses(pilot.responses, pilot.item_rules, "R-AMBIG")
    unclear = signals.flagged_unclear(mine)
    assert unclear.fired and unclear.comments == ("is this A or B? the rule does not say",)
    assert signals.low_confidence(mine, pilot.responses).fired
    slow = signals.long_time(mine, pilot.responses)
    assert slow.fired and slow.figures["ratio"] > 1.5
    other = signals.rule_responses(pilot.responses, pilot.item_rules, "R-CLEAR")
    assert not signals.flagged_unclear(other).fired
    assert not signals.low_confidence(other, pilot.responses).fired


def test_annotator_signals_say_when_not_collected():
    responses = responses_frame([{"item_id": "i1", "annotator_id": "a", "answer": "A"}])
    assert signals.low_confidence(responses, responses).message == "confidence was not asked"
    assert signals.flagged_unclear(responses).message == "no unclear flags were collected"
    assert signals.long_time(responses, responses).message == "time per item was not recorded"
    assert signals.overlapping_rules(responses, item_rules_frame({"i1": ["R1"]}), "R1").message == (
        "rule citation was not asked"
    )


def test_overlapping_rules_names_the_rule_cited_instead():
    rows = [
        {"item_id": f"i{i}", "annotator_id": a, "answer": "A", "cited_rule": "R2" if a != "c" else "R1"}
        for i in range(4)
        for a in "abc"
    ]
    evidence = signals.overlapping_rules(
        responses_frame(rows), item_rules_frame({f"i{i}": ["R1"] for i in range(4)}), "R1"
    )
    assert evidence.fired
    assert evidence.figures["cited_instead"] == {"R2": 8}
    assert evidence.message == "8 of 12 answers (67%) cite another rule: R2 (8)"


def test_evidence_to_dict_is_json_ready():
    evidence = signals.Evidence("x", True, "m", {"v": float("nan"), "t": (0.1, 0.2)})
    data = evidence.to_dict()
    assert data["figures"]["v"] is None and data["figures"]["t"] == [0.1, 0.2]
    assert not math.isnan(data["figures"]["t"][0])


def test_lint_signals_map_lint_codes_to_flags():
    from calibration.errors import Location, Problem

    warnings = [
        Problem("uses 'usually'", Location(field="rules[0].text"), code="vague_wording", severity="warning"),
        Problem("no edge case", Location(field="rules[0]"), code="no_edge_cases", severity="warning"),
        Problem("label unused", Location(field="task.labels[1]"), code="uncovered_label", severity="warning"),
    ]
    found = signals.lint_signals(warnings)
    assert [e.code for e in found] == ["vague_wording", "missing_edge_cases"]
    assert found[0].message == "rules[0].text: uses 'usually'"
