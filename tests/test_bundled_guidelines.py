"""The bundled guidelines: valid, rich enough to calibrate with, and lint-clean apart from deliberate warnings."""

from __future__ import annotations

import functools
from collections import Counter
from pathlib import Path

import pytest

from calibration.demo import GUIDELINES_DIR
from calibration.guidelines.diff import diff_guidelines
from calibration.guidelines.lint import lint_guideline, rule_ids_of
from calibration.guidelines.loading import load_guideline, validate_paths
from calibration.guidelines.model import Guideline

BUNDLED = sorted(GUIDELINES_DIR.glob("*/*.yaml"))
EXPECTED = {
    "contract-clauses": ("single_label", ["1.0.0", "1.1.0"]),
    "pii-spans": ("span", ["1.0.0"]),
    "chatbot-preference": ("pairwise", ["1.0.0"]),
    "chatbot-rating": ("rating", ["1.0.0"]),
    "street-objects": ("boxes", ["1.0.0"]),
}


load = functools.cache(load_guideline)  # guidelines are frozen, so sharing them between tests is safe


def _load(guideline_id: str, version: str) -> Guideline:
    return load(GUIDELINES_DIR / guideline_id / f"{version}.yaml")


def test_the_expected_guidelines_are_bundled():
    found = {(p.parent.name, p.stem) for p in BUNDLED}
    assert found == {(gid, v) for gid, (_, versions) in EXPECTED.items() for v in versions}
    for path in BUNDLED:
        assert load(path).task.type == EXPECTED[path.parent.name][0]


def test_every_bundled_file_validates():
    assert validate_paths([GUIDELINES_DIR]) == []


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: f"{p.parent.name}@{p.stem}")
def test_quiz_bank_is_big_enough_to_calibrate(path: Path):
    guideline = load(path)
    gold_items = [item for item in guideline.items if item.has_gold]
    assert len(gold_items) >= 30
    assert all(item.why.strip() for item in guideline.items)
    per_rule = Counter(rule for item in gold_items for rule in item.rules)
    assert {rule: per_rule[rule] for rule in guideline.rule_ids if per_rule[rule] < 3} == {}
    assert all(per_rule[rule] >= guideline.calibration.min_items_per_rule for rule in guideline.rule_ids)
    assert sum(item.edge_case for item in gold_items) >= 5
    assert any(not item.has_gold for item in guideline.items), "a few pilot-only items"
    assert guideline.calibration.items_per_quiz >= guideline.calibration.min_items_per_rule * len(
        guideline.rules
    )


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: f"{p.parent.name}@{p.stem}")
def test_teaching_material_explains_every_answer(path: Path):
    guideline = load(path)
    for rule in guideline.rules:
        assert rule.examples, rule.id
        for example in [*rule.examples, *rule.edge_cases]:
            assert example.why.strip(), (rule.id, example.id)
    governed = {label for rule in guideline.rules for label in rule.labels}
    assert set(guideline.task.label_ids) <= governed


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: f"{p.parent.name}@{p.stem}")
def test_gold_answers_use_the_whole_answer_space(path: Path):
    guideline = load(path)
    gold = list(guideline.gold_answers().values())
    task = guideline.task
    if task.type == "span":
        used = {span.label for answer in gold for span in answer}
        assert sum(1 for answer in gold if answer == ()) >= 5, "tickets with nothing to mark"
    elif task.type == "boxes":
        used = {box.label for answer in gold for box in answer}
        assert sum(1 for answer in gold if answer == ()) >= 2, "images with nothing to box"
    else:
        used = set(gold)
    assert used == set(task.categories)


def test_lint_warns_only_about_the_deliberately_vague_rule():
    for path in BUNDLED:
        guideline = load(path)
        warnings = lint_guideline(guideline)
        if guideline.ref == "contract-clauses@1.0.0":
            assert {w.code for w in warnings} == {"vague_wording", "no_edge_cases"}
            assert {rule for w in warnings for rule in rule_ids_of(guideline, w)} == {"R-INDEM"}
            phrases = sorted(w.message.split("'")[1] for w in warnings if w.code == "vague_wording")
            assert phrases == ["use your judgment", "usually", "usually", "usually"]
        else:
            assert [str(w) for w in warnings] == []


# --------------------------------------------------------------------------- contract clauses 1.0.0 -> 1.1.0


def test_contract_clauses_1_1_0_rewrites_only_the_ambiguous_rule():
    old, new = _load("contract-clauses", "1.0.0"), _load("contract-clauses", "1.1.0")
    diff = diff_guidelines(old, new)
    changed = {rule.rule_id for rule in diff.rules if rule.status != "unchanged"}
    assert changed == {"R-INDEM"}
    indem = next(rule for rule in diff.rules if rule.rule_id == "R-INDEM")
    assert indem.text_changed and not indem.renamed
    assert indem.edge_cases.added == ["edge-indem-cap", "edge-indem-carve-out", "edge-indem-own-cap"]
    assert diff.items.removed == [] and diff.items.changed == []
    assert diff.items.added == ["cc-040", "cc-041", "cc-042", "cc-043"]
    assert diff.warnings == []
    assert "usually" not in new.rule("R-INDEM").text
    assert "indemnity cap" in new.rule("R-INDEM").text


def test_contract_clauses_changelog_names_the_changed_rule():
    old, new = _load("contract-clauses", "1.0.0"), _load("contract-clauses", "1.1.0")
    entry = new.changelog[0]
    assert (entry.version, entry.rules) == ("1.1.0", ["R-INDEM"])
    assert entry.date > old.changelog[0].date
    assert new.changelog[1:] == old.changelog


def test_contract_clauses_keep_rule_and_item_ids_across_versions():
    old, new = _load("contract-clauses", "1.0.0"), _load("contract-clauses", "1.1.0")
    assert old.rule_ids == new.rule_ids
    assert [item.id for item in old.items] == [item.id for item in new.items if item.id in old.item_rules()]
    for item in old.items:
        assert new.item(item.id) == item


def test_contract_clauses_teach_the_indemnity_cap_boundary_in_1_1_0_only():
    old, new = _load("contract-clauses", "1.0.0"), _load("contract-clauses", "1.1.0")
    assert old.rule("R-INDEM").edge_cases == []
    cases = {case.id: case.answer for case in new.rule("R-INDEM").edge_cases}
    assert cases["edge-indem-cap"] == "LIMITATION_OF_LIABILITY"
    assert cases["edge-indem-own-cap"] == "INDEMNIFICATION"


# --------------------------------------------------------------------------- task-specific shapes


def test_pii_spans_resolve_repeated_text_with_start():
    guideline = _load("pii-spans", "1.0.0")
    item = guideline.item("pii-023")
    spans = guideline.gold_answers()["pii-023"]
    names = [item.input.text[s.start : s.end] for s in spans if s.label == "PERSON_NAME"]
    assert names == ["Anna Kovacs", "Anna Kovacs", "Lena"]
    assert [raw.get("start") for raw in item.answer][:2] == [0, 40]


def test_pii_spans_leave_company_contacts_unmarked():
    guideline = _load("pii-spans", "1.0.0")
    gold = guideline.gold_answers()
    for item in guideline.items:
        if item.has_gold:
            marked = [item.input.text[s.start : s.end] for s in gold[item.id]]
            assert not any("larkspur.example.net" in text or "1-800-555-0100" in text for text in marked)


def test_chatbot_rating_anchors_every_point_and_shows_the_prompt():
    guideline = _load("chatbot-rating", "1.0.0")
    scale = guideline.task.scale
    assert scale is not None and (scale.min, scale.max) == (1, 5)
    assert sorted(scale.anchors) == [1, 2, 3, 4, 5]
    assert all(item.input.context and item.input.text for item in guideline.items)


def test_chatbot_preference_allows_ties_and_balances_positions():
    guideline = _load("chatbot-preference", "1.0.0")
    assert guideline.task.allow_tie
    counts = Counter(guideline.gold_answers().values())
    assert counts["tie"] >= 5
    assert abs(counts["a"] - counts["b"]) <= 5, "a position bias in gold would teach one"
