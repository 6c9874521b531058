"""Before/after comparison on simulated pilots where the truth is known."""

from __future__ import annotations

import numpy as np
import pytest

from calibration.ambiguity.compare import compare_versions
from calibration.errors import DataError
from calibration.responses import Annotations, item_rules_frame, responses_frame


def _pilots(pilot, revised_pilot):
    before = Annotations.of(pilot.responses, guideline=pilot.guideline)
    after = Annotations.of(revised_pilot.responses, guideline=revised_pilot.guideline)
    return before, after


def test_revised_rule_whose_confusion_was_removed_is_improved(pilot, revised_pilot):
    comparison = compare_versions(*_pilots(pilot, revised_pilot))
    ambig = comparison.rule("R-AMBIG")
    assert ambig.verdict == "improved"
    assert ambig.ci95[0] > 0 and ambig.difference > 0.25
    assert ambig.text_changed and comparison.changed_rule_ids == ("R-AMBIG",)
    assert ambig.gold_after > ambig.gold_before and ambig.gold_ci95[0] > 0
    assert ambig.gold_verdict == "improved"
    assert not comparison.rule("R-CLEAR").text_changed


def test_comparison_json_shape(pilot, revised_pilot):
    data = compare_versions(*_pilots(pilot, revised_pilot)).to_dict()
    entry = data["rules"][0]
    assert {"rule_id", "before", "after", "difference", "ci95", "verdict"} <= set(entry)
    assert entry["verdict"] in ("improved", "unchanged", "worse")
    assert len(entry["ci95"]) == 2
    assert data["before"] == "sim@1.0.0" and data["after"] == "sim@1.1.0"


def test_comparison_is_reproducible_by_seed(pilot, revised_pilot):
    first = compare_versions(*_pilots(pilot, revised_pilot), seed=3).to_dict()
    assert compare_versions(*_pilots(pilot, revised_pilot), seed=3).to_dict() == first


def _skew_pilot(seed: int, dominant: bool) -> Annotations:
    """One rule, 60 items: balanced and noisy (before) or one label dominant and clean (after)."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(60):
        truth = ("Y" if i == 0 else "X") if dominant else ("X" if i % 2 else "Y")
        accuracy = 0.98 if dominant else 0.9
        for annotator in "abcd":
            wrong = {"X": "Y", "Y": "X"}[truth]
            rows.append(
                {
                    "item_id": f"s{i}",
                    "annotator_id": annotator,
                    "answer": truth if rng.random() < accuracy else wrong,
                }
            )
    responses = responses_frame(rows)
    return Annotations.of(responses, item_rules=item_rules_frame({f"s{i}": ["R-S"] for i in range(60)}))


def test_kappa_paradox_rule_is_not_marked_worse():
    before, after = _skew_pilot(0, dominant=False), _skew_pilot(1, dominant=True)
    entry = compare_versions(before, after).rule("R-S")
    figures = entry.figures
    assert figures["after"]["percent_agreement"] > figures["before"]["percent_agreement"] + 0.1
    assert figures["after"]["krippendorff_alpha"] < figures["before"]["krippendorff_alpha"]
    # the same items in both versions: per-item agreement, paired, is not fooled by the skew
    assert entry.statistic == "majority_share" and entry.verdict == "improved"


def test_compare_needs_a_common_rule():
    one = Annotations.of(
        responses_frame([{"item_id": "i", "annotator_id": "a", "answer": "A"}]),
        item_rules=item_rules_frame({"i": ["R1"]}),
    )
    two = Annotations.of(
        responses_frame([{"item_id": "j", "annotator_id": "a", "answer": "A"}]),
        item_rules=item_rules_frame({"j": ["R2"]}),
    )
    with pytest.raises(DataError, match="no rule was piloted in both versions"):
        compare_versions(one, two)


def test_a_rule_that_became_ambiguous_is_worse(pilot, revised_pilot):
    before, after = _pilots(pilot, revised_pilot)
    entry = compare_versions(after, before).rule("R-AMBIG")
    assert entry.verdict == "worse" and entry.ci95[1] < 0


def test_identical_pilots_leave_every_rule_unchanged(pilot):
    same = Annotations.of(pilot.responses, guideline=pilot.guideline)
    comparison = compare_versions(same, same)
    # R-FEW has five items: too few to tell, said so rather than "unchanged"
    assert {r.rule_id: r.verdict for r in comparison.rules if r.verdict != "unchanged"} == {
        "R-FEW": "not_enough_items"
    }
    assert all(r.difference == 0 for r in comparison.rules)
    assert comparison.changed_rule_ids == ()


def test_unknown_rule_in_comparison_names_the_compared_ones(pilot):
    from calibration.errors import NotFoundError

    same = Annotations.of(pilot.responses, guideline=pilot.guideline)
    with pytest.raises(NotFoundError, match="rule 'R-NOPE' was not piloted in both versions"):
        compare_versions(same, same, bootstrap=50).rule("R-NOPE")


@pytest.mark.parametrize("name", ["contract-clauses", "pii-spans", "chatbot-rating", "chatbot-preference"])
def test_comparison_figures_match_the_agreement_engine(name):
    from calibration.agreement.breakdown import agreement_report
    from calibration.demo import simulate_responses
    from calibration.guidelines.loading import load_guideline
    from calibration.guidelines.versions import BUNDLED_DIR

    guideline = load_guideline(BUNDLED_DIR / name / "1.0.0.yaml")
    pilot = Annotations.of(simulate_responses(guideline, annotators=4, seed=2), guideline=guideline)
    report = agreement_report(pilot.responses, guideline.task, item_rules=pilot.item_rules, bootstrap=0)
    for entry in compare_versions(pilot, pilot, bootstrap=20).rules:
        engine = report.per_rule[entry.rule_id].to_dict()
        for statistic in ("krippendorff_alpha", "gwet_ac1", "percent_agreement"):
            expected = engine[statistic]
            got = entry.figures["before"][statistic]
            assert (expected is None and np.isnan(got)) or got == pytest.approx(expected), (
                entry.rule_id,
                statistic,
            )
