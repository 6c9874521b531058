"""Lint warnings: coverage, thin rules, vague wording, contradicting near-duplicates."""

from __future__ import annotations

import time

from calibration.guidelines.lint import (
    VAGUE_PHRASES,
    lint_guideline,
    near_duplicate_pairs,
    rule_ids_of,
    warnings_by_rule,
)
from calibration.guidelines.loading import load_guideline_text, locate_problems, parse_guideline
from calibration.guidelines.model import Guideline


def _messages(guideline: Guideline) -> list[tuple[str, str | None, str]]:
    return [(w.code, w.location.field, w.message) for w in lint_guideline(guideline)]


def test_clean_guideline_has_no_warnings(valid_yaml: str) -> None:
    assert lint_guideline(load_guideline_text(valid_yaml)) == []


def test_coverage_and_thin_rules(valid_yaml: str) -> None:
    text = (
        valid_yaml.replace(
            "    - {id: NEG, name: Negative}\n",
            "    - {id: NEG, name: Negative}\n    - {id: MIX, name: Mixed}\n",
        )
        .replace("min_items_per_rule: 1", "min_items_per_rule: 2")
        .replace(
            '    edge_cases:\n      - {id: edge-neg, input: "Great price, shame it broke on day two.", '
            "answer: NEG, why: The outcome counts.}\n",
            "",
        )
    )
    guideline = load_guideline_text(text)
    assert _messages(guideline) == [
        ("uncovered_label", "task.labels[2]", "label 'MIX' is governed by no rule"),
        (
            "too_few_items",
            "rules[0]",
            "rule 'R-POS' has 1 quiz item with gold; the policy asks for at least 2 (calibration.min_items_per_rule)",
        ),
        ("no_edge_cases", "rules[1].edge_cases", "rule 'R-NEG' has no edge cases"),
        (
            "too_few_items",
            "rules[1]",
            "rule 'R-NEG' has 1 quiz item with gold; the policy asks for at least 2 (calibration.min_items_per_rule)",
        ),
    ]
    assert all(w.severity == "warning" for w in lint_guideline(guideline))


def test_an_adaptive_policy_warns_about_rules_too_thin_to_pass(valid_yaml: str) -> None:
    text = valid_yaml.replace("min_items_per_rule: 1", "min_items_per_rule: 1\n  policy: adaptive")
    guideline = load_guideline_text(text)
    assert guideline.calibration.policy == "adaptive"
    thin = [m for m in _messages(guideline) if m[0] == "adaptive_cannot_pass"]
    assert thin == [
        (
            "adaptive_cannot_pass",
            f"rules[{k}]",
            f"rule '{rule}' has 1 quiz item with gold; an adaptive quiz needs 12 right answers on a rule to "
            "pass it until the item model is fitted",
        )
        for k, rule in enumerate(("R-POS", "R-NEG"))
    ]
    assert lint_guideline(load_guideline_text(valid_yaml)) == []  # fixed: no such warning


def test_vague_wording_with_position_in_the_text(valid_yaml: str) -> None:
    text = valid_yaml.replace(
        "    text: Label POS when the reviewer recommends the product.",
        "    text: |\n      Label POS when the reviewer usually recommends it.\n"
        "      Praise for price, looks etc. counts; Use Your Judgment and/or ask.",
    )
    warnings = lint_guideline(load_guideline_text(text))
    assert [(w.code, w.location.field, w.message, w.hint) for w in warnings] == [
        (
            "vague_wording",
            "rules[0].text",
            "vague wording 'usually' in rule 'R-POS' (line 1, column 29 of the text)",
            "say when it does not apply",
        ),
        (
            "vague_wording",
            "rules[0].text",
            "vague wording 'etc.' in rule 'R-POS' (line 2, column 25 of the text)",
            "list every case, or name the category that covers them",
        ),
        (
            "vague_wording",
            "rules[0].text",
            "vague wording 'Use Your Judgment' in rule 'R-POS' (line 2, column 38 of the text)",
            "state the criterion annotators should apply",
        ),
        (
            "vague_wording",
            "rules[0].text",
            "vague wording 'and/or' in rule 'R-POS' (line 2, column 56 of the text)",
            "say whether one or both are needed",
        ),
    ]


def test_vague_wording_is_placed_in_the_file_with_the_source_map(valid_yaml: str) -> None:
    text = valid_yaml.replace(
        "    text: Label POS when the reviewer recommends the product.",
        "    text: |\n      Label POS when the reviewer recommends it.\n"
        "      Praise for price, looks etc. counts.",
    ).replace(
        "    text: Label NEG when the reviewer warns others off the product.",
        "    text: 'Label NEG when the reviewer usually warns others off.'",
    )
    loaded = parse_guideline(text, "g.yaml")
    placed = [
        (w.location.path, w.location.line, w.location.column)
        for w in lint_guideline(loaded.guideline, loaded.source_map)
    ]
    assert placed == [("g.yaml", 24, 31), ("g.yaml", 32, 40)]
    assert text.splitlines()[23][30:34] == "etc." and text.splitlines()[31][39:46] == "usually"
    unplaced = lint_guideline(loaded.guideline)
    assert [w.location.line for w in unplaced] == [None, None]


def test_folded_texts_keep_the_position_of_the_text(valid_yaml: str) -> None:
    text = valid_yaml.replace(
        "    text: Label POS when the reviewer recommends the product.",
        "    text: >\n      Label POS when the reviewer\n      usually recommends it.",
    )
    loaded = parse_guideline(text, "g.yaml")
    [warning] = locate_problems(lint_guideline(loaded.guideline, loaded.source_map), loaded)
    assert (warning.location.line, warning.location.column) == (22, 11)
    assert warning.message == "vague wording 'usually' in rule 'R-POS' (line 1, column 29 of the text)"


def test_vague_words_inside_other_words_are_not_flagged(valid_yaml: str) -> None:
    text = valid_yaml.replace(
        "recommends the product.", "recommends the product unusually often, andor mightily."
    )
    assert lint_guideline(load_guideline_text(text)) == []
    assert "usually" in VAGUE_PHRASES and "etc." in VAGUE_PHRASES


def test_near_duplicates_with_different_gold_are_contradictions(valid_yaml: str) -> None:
    text = valid_yaml + "  - {id: q3, input: Would recommend to anyone!, rules: [R-NEG], answer: NEG}\n"
    guideline = load_guideline_text(text)
    warnings = lint_guideline(guideline)
    assert [(w.code, w.location.field) for w in warnings] == [("contradictory_examples", "items[2].answer")]
    assert warnings[0].message == (
        'input matches (ignoring case and punctuation) items[0] but the gold answer differs ("NEG" vs "POS")'
    )
    assert rule_ids_of(guideline, warnings[0]) == ["R-NEG"]
    grouped = warnings_by_rule(guideline)
    assert grouped == {"R-POS": [], "R-NEG": warnings}


def test_identical_inputs_with_the_same_gold_are_fine(valid_yaml: str) -> None:
    text = valid_yaml + "  - {id: q3, input: Would recommend to anyone., rules: [R-POS], answer: POS}\n"
    assert lint_guideline(load_guideline_text(text)) == []


def test_swapped_pairwise_replies_are_not_contradictions() -> None:
    text = """\
format: 1
id: pref
version: 1.0.0
title: Preference
task: {type: pairwise}
rules:
  - id: R1
    title: Helpful
    text: Prefer the reply that answers the question.
    examples:
      - {input: {prompt: 'How do I reset it?', a: Hold the button for ten seconds., b: No idea.}, answer: a}
    edge_cases:
      - {input: {prompt: 'How do I reset it?', a: No idea., b: Hold the button for ten seconds.}, answer: b}
items:
  - {id: q1, input: {prompt: 'How do I reset it?', a: No idea., b: Hold the button for ten seconds.}, rules: [R1], answer: a}
"""
    warnings = [w for w in lint_guideline(load_guideline_text(text)) if w.code == "contradictory_examples"]
    assert [w.message for w in warnings] == [
        'input matches (ignoring case and punctuation) rules[0].examples[0] but the gold answer differs ("a" vs "a", '
        "with replies a and b swapped)",
        'input matches (ignoring case and punctuation) rules[0].edge_cases[0] but the gold answer differs ("a" vs "b")',
    ]
    assert {w.location.field for w in warnings} == {"items[0].answer"}


def test_span_contradictions_compare_span_texts_not_offsets() -> None:
    text = """\
format: 1
id: pii
version: 1.0.0
title: PII
task:
  type: span
  labels: [{id: NAME, name: Name}, {id: EMAIL, name: Email}]
rules:
  - id: R1
    title: Names
    text: Mark person names.
    labels: [NAME, EMAIL]
    examples:
      - {input: "Hello, my name is Ana Lopez.", answer: [{text: Ana Lopez, label: NAME}]}
      - {input: "Hello,  my name is Ana Lopez.", answer: [{text: Ana Lopez, label: NAME}]}
    edge_cases:
      - {input: "Hello, my name is Ana Lopez!", answer: []}
"""
    warnings = lint_guideline(load_guideline_text(text))
    assert [w.location.field for w in warnings if w.code == "contradictory_examples"] == [
        "rules[0].edge_cases[0].answer",
        "rules[0].edge_cases[0].answer",
    ]


def test_near_duplicate_pairs_is_vectorised_and_fast() -> None:
    texts = [f"Ticket {i}: the parcel number {i * 7919} arrived damaged on day {i % 31}" for i in range(3000)]
    texts[2999] = texts[5] + "!"
    start = time.perf_counter()
    pairs = near_duplicate_pairs(texts, threshold=0.99)
    elapsed = time.perf_counter() - start
    assert (5, 2999) in [(i, j) for i, j, _ in pairs]
    assert all(i < j for i, j, _ in pairs)
    assert elapsed < 20
    assert near_duplicate_pairs(["only one"]) == []
    assert near_duplicate_pairs(["", ""]) == []
