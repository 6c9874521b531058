"""The queue's score as evidence in standard errors: a rule against the pilot's other rules (issue 11)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from calibration.ambiguity.queue import (
    FEW_GAP_SCALE,
    LIKELY_SCORE,
    SEPARATION_RANGE,
    _likely_from_score,
    agreement_gap,
    agreement_separation,
    item_disagreement,
    revision_queue,
    score_parts,
    separation_text,
)
from calibration.ambiguity.signals import Evidence, RuleAgreement
from calibration.guidelines.model import Label, Task
from calibration.responses import Annotations, item_rules_frame, responses_frame
from tests.bench_scripts import bench_script

TASK = Task(type="single_label", labels=[Label(id=x, name=x) for x in "ABCD"])
STATS = RuleAgreement("krippendorff_alpha", 0.5, 0.3, 0.7, 0.8, 0.6, 30, ac1_low=0.5, ac1_high=0.7)


def test_annotator_signals_count_by_their_separation_fired_or_not():
    # before: only fired signals counted, at most their fixed points (1 for confidence)
    evidence = [
        Evidence("low_confidence", False, "", {"separation": 1.5, "weight": 0.375}),
        Evidence("long_time", True, "", {"separation": 40.0, "weight": 1.0}),
        Evidence("flagged_unclear", False, "", {"separation": -9.0, "weight": 0.0}),
        Evidence("split_items", True, "", {}),
    ]
    parts = score_parts(evidence, STATS, 0.8, agreement_z=2.5)
    assert parts["agreement"] == 2.5
    assert parts["low_confidence"] == 1.5
    assert parts["long_time"] == SEPARATION_RANGE[1]  # one extreme signal does not decide alone
    assert parts["flagged_unclear"] == SEPARATION_RANGE[0]  # fewer flags than elsewhere counts against
    assert parts["split_items"] == 2.0
    assert "low_agreement" not in score_parts([Evidence("low_agreement", True, "", {})], STATS, 0.8)


def test_agreement_separation_is_the_rule_against_the_other_rules_items():
    agreement = pd.Series(
        [1.0, 0.9, 1.0, 0.95, 1.0, 0.9, 0.4, 0.5, 0.45, 0.6],
        index=[f"o{i}" for i in range(6)] + [f"r{i}" for i in range(4)],
    )
    z = agreement_separation(agreement, ["r0", "r1", "r2", "r3"])
    assert z > 5
    assert agreement_separation(agreement, ["o0", "o1"]) < 0
    assert np.isnan(agreement_separation(agreement, ["r0"]))


def _pilot(rng: np.random.Generator) -> Annotations:
    """Three clear rules of 30 items and a 6-item rule whose annotators agree as well but hesitate."""
    annotators = [f"a{i}" for i in range(5)]
    rules = {f"R-C{j}": [f"c{j}-{i:02d}" for i in range(30)] for j in range(3)}
    rules["R-FEW"] = [f"f-{i}" for i in range(6)]
    rows, item_rules = [], {}
    for rule, items in rules.items():
        for item in items:
            item_rules[item] = [rule]
            truth = "A" if rng.random() < 0.5 else "B"
            for annotator in annotators:
                answer = truth if rng.random() < 0.93 else ("B" if truth == "A" else "A")
                hesitant = rule == "R-FEW"
                rows.append(
                    {
                        "item_id": item,
                        "annotator_id": annotator,
                        "answer": answer,
                        "confidence": int(rng.integers(1, 3)) if hesitant else int(rng.integers(4, 6)),
                        "unclear": hesitant and rng.random() < 0.5,
                        "seconds": float(rng.uniform(50, 70) if hesitant else rng.uniform(20, 40)),
                    }
                )
    responses = responses_frame(rows)
    return Annotations(
        responses=responses,
        item_rules=item_rules_frame(item_rules),
        gold=pd.Series(dtype=object),
        declared_task=TASK,
    )


def test_few_item_rule_whose_annotators_hesitate_is_likely_ambiguous():
    # before: a few-item rule was "likely ambiguous" only when its shrunk AC1 fell below the target
    queue = revision_queue(_pilot(np.random.default_rng(5)), bootstrap=200)
    entry = queue.entry("R-FEW")
    assert {"few_items", "likely_ambiguous"} <= set(entry.flags)
    assert entry.group == "likely_ambiguous"
    assert entry.signal("likely_ambiguous").figures["score"] >= LIKELY_SCORE
    assert "pilot" in entry.suggestion and "more items" in entry.suggestion


def test_structure_parts_do_not_make_a_few_item_rule_likely_ambiguous():
    # before: item_concentration counted towards LIKELY_SCORE, and on 4-9 items it fires on clear rules
    # by chance (few-item clear rules reported "likely ambiguous" 12-34% on fresh seeds)
    few = replace(STATS, n_items=6)
    unfired = Evidence("likely_ambiguous", False, "", {"pilot_more": 14})
    parts = {"agreement": 0.3, "item_concentration": 1.5, "annotator_consistency": 0.4}
    evidence, after = _likely_from_score([unfired], parts, few)
    assert not evidence[0].fired and "likely_ambiguous" not in after
    assert after["item_concentration"] == 1.5  # still in the rule's score
    evidence, after = _likely_from_score([unfired], {**parts, "low_confidence": 0.8}, few)
    assert evidence[0].fired and evidence[0].figures["score"] == pytest.approx(1.1)
    assert after["likely_ambiguous"] == 3.0


def test_agreement_gap_is_the_raw_difference_of_mean_item_agreement():
    agreement = pd.Series([0.5, 0.7, 1.0, 0.9, 0.8], index=["r0", "r1", "o0", "o1", "o2"])
    assert agreement_gap(agreement, ["r0", "r1"]) == pytest.approx(0.9 - 0.6)
    assert np.isnan(agreement_gap(agreement, ["r0"]))


def test_few_item_rule_agreement_part_is_its_scaled_gap_not_a_z():
    # before: the Welch z, whose standard error came from the few-item rule's own 4-9 items
    pilot = _pilot(np.random.default_rng(5))
    entry = revision_queue(pilot, bootstrap=200).entry("R-FEW")
    agreement = 1.0 - item_disagreement(pilot)["disagreement"]
    items = [f"f-{i}" for i in range(6)]
    low, high = SEPARATION_RANGE
    expected = min(high, max(low, FEW_GAP_SCALE * agreement_gap(agreement, items)))
    assert entry.score_parts["agreement"] == pytest.approx(expected)
    assert expected != pytest.approx(min(high, max(low, agreement_separation(agreement, items))))


def _bench() -> Any:
    return bench_script("queue_quality")


@pytest.mark.parametrize("scenario", ["base"])
def test_benchmark_rule_ids_carry_no_hint_of_the_kind(scenario):
    # before: ids were numbered in the order of the kinds (R00 always ambiguous), and every method
    # breaks ties by rule id
    bench = _bench()
    first = {
        next(r.kind for r in bench.simulate(scenario, seed).rules if r.rule_id == "R00") for seed in range(12)
    }
    assert len(first) > 1


def test_separation_text_says_the_parts_in_standard_errors():
    text = separation_text({"agreement": 2.34, "low_confidence": -0.4, "split_items": 2.0})
    assert text == "Stands apart from the other rules by (standard errors): agreement +2.3, confidence -0.4"
    assert separation_text({}).startswith("Not compared")


def test_a_lone_rule_below_the_target_is_still_revised():
    # with no other rule to compare with, the target decides (AC1 confidently below it)
    rng = np.random.default_rng(2)
    rows = [
        {"item_id": f"i{i:02d}", "annotator_id": f"a{a}", "answer": str(rng.choice(["A", "B"]))}
        for i in range(30)
        for a in range(4)
    ]
    responses = responses_frame(rows)
    item_rules = item_rules_frame({f"i{i:02d}": ["R"] for i in range(30)})
    queue = revision_queue(
        Annotations(
            responses=responses, item_rules=item_rules, gold=pd.Series(dtype=object), declared_task=TASK
        ),
        bootstrap=200,
    )
    entry = queue.entry("R")
    assert "low_agreement" in entry.flags and "agreement" not in entry.score_parts
    assert entry.group == "revise"


def test_pilot_more_items_comes_from_the_interval():
    # before: always (10 - n) + 10, however wide the interval; now enough items for AC1's interval
    # (half-width 0.3 on 6 items, shrinking as 1/sqrt(n)) to tell the estimate from the target
    from calibration.ambiguity.signals import items_to_tell, likely_ambiguous

    stats = RuleAgreement("krippendorff_alpha", 0.5, 0.1, 0.9, 0.8, 0.7, 6, ac1_low=0.4, ac1_high=1.0)
    assert items_to_tell(stats, 0.7, 0.8) == 6 * 9 - 6  # (0.3 / 0.1)^2 = 9 times the items
    assert items_to_tell(stats, 0.2, 0.8) == 14  # far from the target: the floor, (10 - 6) + 10
    found = likely_ambiguous(stats, target=0.8, pooled_ac1=0.75, few=True)
    assert found.figures["pilot_more"] == items_to_tell(stats, found.figures["shrunk_ac1"], 0.8)
    assert found.figures["pilot_more"] > 14


def test_benchmark_summary_gives_the_queue_against_the_best_baseline_per_scenario():
    text, _ = _bench().run(["silent"], pilots=1, seed=5, bootstrap=20, compare=False)
    summary = text[text.index("## Summary") :].splitlines()
    assert "queue − best baseline" in summary[2] and "skewed trap (queue / pa)" in summary[2]
    row = summary[4].split(" | ")
    assert row[0] == "| silent" and len(row) == 10


def test_benchmark_leaves_few_item_rules_out_of_every_ranking_by_their_observable_item_count(monkeypatch):
    """A ranking that puts the few-item rules (clear and ambiguous) first and the planted ambiguous rules
    next is perfect once few-item rules are left out. They were left out by their hidden kind: the
    few-item AMBIGUOUS ones only, so a few-item clear rule on top counted as a miss."""
    from types import SimpleNamespace

    from calibration.ambiguity.signals import MIN_ITEMS

    bench = _bench()
    sim = bench.simulate("base", 101)
    counts = bench.observed_items(sim)
    few = sorted(r for r, n in counts.items() if n < MIN_ITEMS)
    kinds = {r.rule_id: r.kind for r in sim.rules}
    assert {kinds[r] for r in few} >= {"few_clear", "few_ambiguous"}
    positives = sorted(r for r in kinds if kinds[r] in bench.AMBIGUOUS and r not in few)
    order = few + positives + sorted(set(kinds) - set(few) - set(positives))
    entries = {
        r: SimpleNamespace(flags=["likely_ambiguous"] if kinds[r] == "few_ambiguous" else []) for r in kinds
    }
    monkeypatch.setattr(
        bench, "rankings", lambda *_: ({m: order for m in ("queue", *bench.BASELINES)}, entries)
    )
    scores = bench.score_pilot(sim, 0)
    for method in ("queue", *bench.BASELINES):
        assert scores[method]["precision_at_k"] == 1.0
        assert "trap_few_clear" not in scores[method]
    assert scores["queue"]["few_ambiguous_reported"] == 1.0
    assert scores["queue"]["few_clear_reported_ambiguous"] == 0.0
