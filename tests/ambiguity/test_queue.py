"""The revision queue on a simulated pilot where the truth is known (see conftest.py)."""

from __future__ import annotations

import json

import pytest

from calibration.ambiguity.queue import GROUPS, REVISE_SCORE, SEPARATED, revision_queue
from calibration.errors import DataError, NotFoundError
from calibration.responses import Annotations, item_rules_frame, responses_frame


@pytest.fixture(scope="module")
def queue(pilot):
    return revision_queue(pilot, bootstrap=500)


def test_rule_written_to_be_ambiguous_ranks_first(queue):
    first = queue.rules[0]
    assert first.rule_id == "R-AMBIG" and first.rank == 1
    assert {"low_agreement", "confused_labels", "good_annotators_fail", "flagged_unclear"} <= set(first.flags)
    assert first.signal("confused_labels").figures["pair"] == ["A", "B"]
    assert first.suggestion.startswith(
        "Annotators cannot tell A from B here: add an edge case for the A-vs-B boundary"
    )


def test_dominant_label_rule_is_not_ranked_ambiguous(queue):
    skew = queue.entry("R-SKEW")
    assert "skewed_prevalence" in skew.flags
    assert "low_agreement" not in skew.flags
    assert skew.agreement.percent > 0.9 and skew.agreement.estimate < 0.8
    assert "low_agreement" not in skew.score_parts and "skewed_prevalence" not in skew.score_parts
    assert skew.rank > queue.entry("R-AMBIG").rank
    assert skew.score < REVISE_SCORE and skew.group == "no_action"
    assert "kappa paradox, not ambiguity" in skew.suggestion


def test_mislabeled_gold_item_is_a_gold_suspect(queue, bad_gold_item):
    clear = queue.entry("R-CLEAR")
    assert "gold_suspect" in clear.flags
    assert clear.signal("gold_suspect").items == (bad_gold_item,)
    assert (
        f"Review the gold answer of item {bad_gold_item}: gold says D but 100% of annotators answered C."
        in (clear.suggestion)
    )
    assert bool(queue.items.loc[bad_gold_item, "gold_suspect"])
    assert bad_gold_item in queue.gold_suspects.index


def test_rule_with_five_items_carries_few_items(queue):
    few = queue.entry("R-FEW")
    assert "few_items" in few.flags and few.agreement.n_items == 5
    assert "low_agreement" not in few.flags
    assert "Pilot more items under this rule (only 5) before judging it." in few.suggestion


def test_score_is_the_sum_of_its_explained_parts(queue):
    for entry in queue.rules:
        assert entry.score == pytest.approx(sum(entry.score_parts.values()))
        assert set(entry.score_parts) <= set(entry.flags) | set(SEPARATED)
    for group in GROUPS:
        scores = [e.score for e in queue.rules if e.group == group]
        assert scores == sorted(scores, reverse=True)


def test_worst_items_show_answer_distributions_and_comments(queue):
    worst = queue.entry("R-AMBIG").worst_items
    assert worst and worst[0]["disagreement"] == pytest.approx(0.6)
    assert sum(worst[0]["distribution"].values()) == 6
    assert any(item["comments"] for item in worst)


def test_hardest_items_are_sorted_by_disagreement(queue):
    hard = queue.items[~queue.items["gold_suspect"]]
    assert list(hard["disagreement"]) == sorted(hard["disagreement"], reverse=True)
    assert hard["rule_ids"].map(lambda r: r == ["R-AMBIG"]).all()


def test_json_shape_is_the_cli_contract(queue):
    data = json.loads(json.dumps(queue.to_dict()))
    assert set(data) == {"rules", "items"}
    assert set(data["rules"][0]) == {"rule_id", "rank", "score", "flags", "evidence", "suggestion"}
    assert data["rules"][0]["evidence"]["agreement"]["statistic"] == "krippendorff_alpha"
    assert data["items"][0]["item_id"]


def test_queue_without_guideline_uses_the_item_map(pilot):
    queue = revision_queue(
        Annotations.of(pilot.responses, item_rules=pilot.item_rules, gold=pilot.gold), bootstrap=200
    )
    assert queue.rules[0].rule_id == "R-AMBIG"
    assert "missing_edge_cases" not in queue.rules[0].flags  # no guideline, no lint


def test_queue_needs_a_rule_map():
    responses = responses_frame([{"item_id": "i1", "annotator_id": "a", "answer": "A"}])
    with pytest.raises(DataError, match="rules cannot be told apart without an item-to-rule map"):
        revision_queue(Annotations.of(responses))
    with pytest.raises(DataError, match="no answered item is mapped to a rule"):
        revision_queue(Annotations.of(responses, item_rules=item_rules_frame({"other": ["R1"]})))


def test_unknown_rule_in_queue_names_the_known_ones(queue):
    with pytest.raises(NotFoundError, match="rule 'R-NOPE' is not in the revision queue"):
        queue.entry("R-NOPE")


def test_rule_cited_for_another_rules_items_is_overlapping(pilot):
    responses = pilot.responses.copy()
    on_clear = responses["item_id"].str.startswith("clear-")
    responses["cited_rule"] = None
    responses.loc[on_clear, "cited_rule"] = ["R-FEW" if i % 2 else "R-CLEAR" for i in range(on_clear.sum())]
    queue = revision_queue(Annotations.of(responses, guideline=pilot.guideline), bootstrap=100)
    clear = queue.entry("R-CLEAR")
    assert "overlapping_rules" in clear.flags
    assert clear.signal("overlapping_rules").figures["cited_instead"] == {"R-FEW": 120}
    assert "Annotators cite R-FEW for these items: say when that rule applies instead" in clear.suggestion


def test_hardest_items_have_low_dawid_skene_certainty(queue, pilot):
    from calibration.ambiguity.queue import item_certainty

    certainty = item_certainty(Annotations.of(pilot.responses, guideline=pilot.guideline))
    ambiguous = certainty[certainty.index.str.startswith("ambig-")]
    clear = certainty[certainty.index.str.startswith("clear-")]
    assert ambiguous.mean() < clear.mean()
    hard = queue.items[~queue.items["gold_suspect"]]
    assert hard["certainty"].notna().all()
    for _, group in hard.groupby("disagreement"):
        assert list(group["certainty"]) == sorted(group["certainty"])
