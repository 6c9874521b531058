"""Rule-level diff between two guideline versions."""

from __future__ import annotations

import pytest

from calibration.guidelines.diff import diff_guidelines, word_diff, word_diff_markdown
from calibration.guidelines.loading import load_guideline_text

NEW_RULE = """\
  - id: R-MIX
    title: Mixed
    text: Label NEG when praise and complaint are balanced.
    labels: [NEG]
"""


@pytest.fixture
def old(valid_yaml: str):
    return load_guideline_text(valid_yaml)


def _new(valid_yaml: str, changelog_rules: str = "[R-POS, R-MIX]"):
    text = (
        valid_yaml.replace("version: 1.0.0", "version: 1.1.0", 1)
        .replace(
            "    changes: First version.\n    rules: [R-POS, R-NEG]\n",
            "    changes: First version.\n    rules: [R-POS, R-NEG]\n"
            f"  - version: 1.1.0\n    date: 2024-03-01\n    changes: Sharper praise rule.\n"
            f"    rules: {changelog_rules}\n",
        )
        .replace("title: Praise", "title: Praise and recommendation")
        .replace(
            "when the reviewer recommends the product.", "when the reviewer clearly recommends the product."
        )
        .replace("answer: POS, why: Double negative.", "answer: POS, why: A double negative is praise.")
        .replace(
            "    - {id: NEG, name: Negative}\n",
            "    - {id: NEG, name: Negative}\n    - {id: MIXED, name: Mixed}\n",
        )
        .replace("  min_items_per_rule: 1", "  min_items_per_rule: 2\n  feedback: at_end")
        .replace("rules:\n  - id: R-POS", "rules:\n" + NEW_RULE + "  - id: R-POS")
        .replace(
            "  - {id: q2, input: Returned it the same day., rules: [R-NEG], answer: NEG, why: Warns off.}\n",
            "",
        )
    )
    return load_guideline_text(text + "  - {id: q3, input: Five stars., rules: [R-POS], answer: POS}\n")


def test_diff_reports_rules_labels_policy_and_items(old, valid_yaml: str) -> None:
    result = diff_guidelines(old, _new(valid_yaml))
    by_id = {r.rule_id: r for r in result.rules}
    assert result.changed_rule_ids == ["R-MIX", "R-POS"]
    assert by_id["R-MIX"].status == "added"
    assert by_id["R-NEG"].status == "unchanged"
    pos = by_id["R-POS"]
    assert pos.status == "changed" and pos.renamed and pos.text_changed
    assert (pos.old_title, pos.new_title) == ("Praise", "Praise and recommendation")
    assert [seg for seg in pos.text_diff if seg[0] != "equal"] == [("insert", "clearly")]
    assert pos.edge_cases.changed == ["edge-pos"] and pos.examples.empty
    assert pos.items.added == ["q3"]
    assert by_id["R-NEG"].items.removed == ["q2"]
    assert result.labels_added == ["MIXED"] and result.labels_removed == []
    assert result.policy_changes == [("min_items_per_rule", 1, 2), ("feedback", "immediate", "at_end")]
    assert (result.items.added, result.items.removed) == (["q3"], ["q2"])
    assert result.warnings == []


def test_removed_rule_and_changelog_warnings(old, valid_yaml: str) -> None:
    new = _new(valid_yaml, changelog_rules="[R-NEG]")
    result = diff_guidelines(new, old.model_copy(update={"version": "1.2.0"}))
    assert {r.rule_id: r.status for r in result.rules}["R-MIX"] == "removed"
    assert result.warnings == ["content changed but the changelog has no entry for version 1.2.0"]
    forward = diff_guidelines(old, new)
    assert forward.warnings == [
        "the changelog entry for 1.1.0 does not name changed rule(s) R-MIX, R-POS",
        "the changelog entry for 1.1.0 names rule(s) R-NEG that did not change",
    ]


def test_identical_versions_have_an_empty_diff(old) -> None:
    result = diff_guidelines(old, old)
    assert result.empty and result.changed_rule_ids == [] and result.warnings == []
    assert "No content changes." in result.to_markdown()


def test_markdown_and_dict_outputs(old, valid_yaml: str) -> None:
    result = diff_guidelines(old, _new(valid_yaml))
    markdown = result.to_markdown()
    assert markdown.startswith("# Changes from sentiment@1.0.0 to sentiment@1.1.0\n")
    assert "### `R-POS` Praise and recommendation (changed)" in markdown
    assert "- renamed: “Praise” → “Praise and recommendation”" in markdown
    assert "- text: Label POS when the reviewer **clearly** recommends the product." in markdown
    assert "- `feedback`: `immediate` → `at_end`" in markdown
    assert "- added `MIXED`" in markdown
    data = result.to_dict()
    assert data["changed_rule_ids"] == ["R-MIX", "R-POS"]
    pos = next(r for r in data["rules"] if r["rule_id"] == "R-POS")
    assert pos["renamed"] is True and {"op": "insert", "text": "clearly"} in pos["text_diff"]
    assert data["policy_changes"][0] == {"field": "min_items_per_rule", "old": 1, "new": 2}


def test_word_diff_rebuilds_both_texts() -> None:
    old, new = "Label  it when the\nclause caps damages.", "Label it only when the clause limits damages."
    segments = word_diff(old, new)
    assert " ".join(t for op, t in segments if op != "insert") == " ".join(old.split())
    assert " ".join(t for op, t in segments if op != "delete") == " ".join(new.split())
    assert word_diff_markdown(segments) == "Label it **only** when the clause ~~caps~~ **limits** damages."


def test_rewrites_are_shown_before_and_after() -> None:
    markdown = word_diff_markdown(word_diff("one two three", "completely different words here"))
    assert markdown == ("rewritten\n  - before: one two three\n  - after: completely different words here")


def test_different_guidelines_are_flagged(old) -> None:
    other = old.model_copy(update={"id": "reviews"})
    assert (
        "comparing two different guidelines ('sentiment' and 'reviews')"
        in diff_guidelines(old, other).warnings
    )
