"""A rule whose text did not change between the versions is not "improved" or "worse" by the rewrite
(issue 11: an annotator-pool change alone must produce no "improved")."""

from __future__ import annotations

import pandas as pd

from calibration.ambiguity.compare import compare_versions, rewrite_verdict
from calibration.guidelines.model import Guideline, Label, Rule
from calibration.responses import Annotations, gold_series, item_rules_frame
from tests.ambiguity.patterned_pilots import TASK, patterned_pilot

# hard and easy items gain an agreeing answer, clear ones stay: the test calls both rules improved
BEFORE = ["AABB"] * 4 + ["AAAB"] * 3 + ["AAAA"] * 3
AFTER = ["AAAB"] * 4 + ["AAAA"] * 6


def _guideline(version: str, r1_text: str, labels: list[Label] | None = None) -> Guideline:
    task = TASK if labels is None else TASK.model_copy(update={"labels": labels})
    return Guideline(
        format=1,
        id="g",
        version=version,
        title="G",
        task=task,
        rules=[
            Rule(id="R1", title="One", text=r1_text, labels=["A", "B"]),
            Rule(id="R2", title="Two", text="Unchanged.", labels=["A", "B"]),
        ],
    )


def _pilot(patterns: list[str], guideline: Guideline | None) -> Annotations:
    one, two = patterned_pilot(patterns, prefix="x"), patterned_pilot(patterns, prefix="y")
    items = {**{i: ["R1"] for i in one.responses["item_id"]}, **{i: ["R2"] for i in two.responses["item_id"]}}
    responses = pd.concat([one.responses, two.responses], ignore_index=True)
    if guideline is None:
        return Annotations(
            responses=responses, item_rules=item_rules_frame(items), gold=gold_series({}), declared_task=TASK
        )
    return Annotations(
        responses=responses, item_rules=item_rules_frame(items), gold=gold_series({}), guideline=guideline
    )


def test_a_rule_whose_text_did_not_change_is_said_to_have_risen_not_improved():
    old, new = _guideline("1.0.0", "Old wording."), _guideline("1.1.0", "New wording.")
    found = compare_versions(_pilot(BEFORE, old), _pilot(AFTER, new), bootstrap=100)
    rewritten, untouched = found.rule("R1"), found.rule("R2")
    assert (rewritten.text_changed, rewritten.verdict) == (True, "improved")
    assert (untouched.text_changed, untouched.verdict) == (False, "rose_text_unchanged")
    # the statistics stay: the test's own verdict, the change and its interval
    assert untouched.figures["test_verdict"] == "improved" and untouched.ci95[0] > 0
    assert untouched.to_dict()["verdict"] == "rose_text_unchanged"


def test_without_guidelines_or_with_changed_labels_the_test_decides_every_rule():
    # no guideline: which rule was rewritten is not known
    found = compare_versions(_pilot(BEFORE, None), _pilot(AFTER, None), bootstrap=100)
    assert {r.verdict for r in found.rules} == {"improved"}
    # a label's definition belongs to every rule: a label rewrite may improve a rule whose text is the same
    labels = [Label(id="A", name="A", description="now defined"), Label(id="B", name="B")]
    old, new = _guideline("1.0.0", "Same."), _guideline("1.1.0", "Same.", labels)
    found = compare_versions(_pilot(BEFORE, old), _pilot(AFTER, new), bootstrap=100)
    assert found.rule("R2").verdict == "improved" and not found.rule("R2").text_changed


def test_rewrite_verdict_keeps_every_other_verdict():
    assert rewrite_verdict("worse", False) == "fell_text_unchanged"
    for verdict in ("unchanged", "not_enough_items"):
        assert rewrite_verdict(verdict, False) == verdict  # type: ignore[arg-type]
    assert rewrite_verdict("improved", True) == "improved"
