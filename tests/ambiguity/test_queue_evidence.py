"""The queue's group, rank, score and advice tell one story: a rule in "revise" shows the evidence that
put it there, and a rule nothing points at ranks below every flagged rule (the demo pilot's R-INDEM was
ranked first in "revise" with "No action needed" as its advice)."""

from __future__ import annotations

import pytest

from calibration.ambiguity.queue import (
    GROUPS,
    evidence_parts,
    revision_queue,
    rule_group,
    suggest_action,
)
from calibration.ambiguity.signals import Evidence, RuleAgreement
from calibration.demo import demo_pilot
from calibration.responses import Annotations

# the demo 1.1.0 pilot's R-INDEM: six separations, none of them 2 standard errors, adding up to 2.4
SMALL_PARTS = {
    "agreement": 1.37,
    "item_concentration": 0.62,
    "annotator_consistency": -1.19,
    "low_confidence": 1.45,
    "flagged_unclear": 0.0,
    "long_time": 0.19,
}
STATS = RuleAgreement(
    statistic="krippendorff_alpha",
    estimate=0.7,
    ci_low=0.6,
    ci_high=0.8,
    percent=0.85,
    ac1=0.75,
    n_items=20,
)


def test_a_score_made_of_small_parts_is_not_sent_to_revise():
    assert sum(SMALL_PARTS.values()) >= 2.0 and evidence_parts(SMALL_PARTS) == {}
    assert rule_group((), SMALL_PARTS) == "no_action"
    assert suggest_action([], STATS) == "No action needed: nothing points at this rule."


def test_one_part_that_stands_on_its_own_sends_the_rule_to_revise_and_is_named():
    parts = {**SMALL_PARTS, "agreement": 2.3, "item_concentration": 2.1}
    assert evidence_parts(parts) == {"agreement": 2.3, "item_concentration": 2.1}
    assert rule_group((), parts) == "revise"
    advice = suggest_action([], STATS, parts, "R-X")
    assert advice == (
        "Find what the items with most disagreement share and state the rule's answer for it (an edge case). "
        "Why revise: its items agree less than the other rules' items (+2.3 standard errors); its disagreement "
        "falls on some items while the others are unanimous (+2.1 standard errors)."
    )
    assert "No action" not in advice
    # a fired flag with points is evidence too (its own evidence line says why), and its advice leads
    assert rule_group(("split_items",), {**SMALL_PARTS, "split_items": 2.0}) == "revise"
    split = Evidence("split_items", True, "split", {})
    assert suggest_action([split], STATS, parts, "R-X").startswith("Annotators split on some items")
    assert "Why revise: its items agree less" in suggest_action([split], STATS, parts, "R-X")


def test_flagged_few_item_rules_rank_above_the_rules_nothing_points_at():
    assert GROUPS.index("revise") < GROUPS.index("likely_ambiguous") < GROUPS.index("no_action")


def _has_evidence(entry) -> bool:
    return bool(evidence_parts(entry.score_parts)) or "likely_ambiguous" in entry.flags


@pytest.mark.parametrize("version", ["1.0.0", "1.1.0"])
def test_the_demo_pilots_top_rule_has_evidence_and_no_unflagged_rule_ranks_above_a_flagged_one(version):
    guideline, responses = demo_pilot(version)
    queue = revision_queue(Annotations.of(responses, guideline=guideline), bootstrap=300)
    top = queue.rules[0]
    assert _has_evidence(top) and top.group != "no_action"
    assert not top.suggestion.startswith("No action needed")
    for entry in queue.rules:
        if entry.group == "revise":
            assert evidence_parts(entry.score_parts) and "No action needed" not in entry.suggestion
    evidence = [_has_evidence(e) for e in queue.rules]
    assert evidence == sorted(evidence, reverse=True)  # every rule with evidence before every rule without


def test_the_demo_queue_says_which_question_its_pilot_more_items_answers():
    guideline, responses = demo_pilot("1.1.0")
    queue = revision_queue(Annotations.of(responses, guideline=guideline), bootstrap=300)
    term = queue.entry("R-TERM")
    more = term.signal("likely_ambiguous").figures["pilot_more"]
    assert (
        f"to tell whether R-TERM reaches the target of 0.80, pilot about {more} more items under it"
        in term.suggestion
    )
