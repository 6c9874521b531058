"""Drafting the next guideline version from a revision-queue item."""

from __future__ import annotations

import datetime as dt

import pytest

from calibration.ambiguity.draft import bump_version, draft_edge_case, next_free_version, save_draft
from calibration.errors import ConflictError, GuidelineError, NotFoundError
from calibration.guidelines.loading import load_guideline


def test_bump_version_parts():
    assert bump_version("1.2.3") == "1.3.0"
    assert bump_version("1.2.3", "patch") == "1.2.4"
    assert bump_version("1.2.3-rc.1", "major") == "2.0.0"
    assert next_free_version("1.0.0", ["1.1.0"]) == "1.1.1"


def test_bump_version_refuses_a_non_semver():
    with pytest.raises(GuidelineError, match=r"version 'v1' is not a semantic version such as 1.0.0"):
        bump_version("v1")


def test_draft_turns_the_item_into_an_edge_case(pilot):
    draft = draft_edge_case(
        pilot.guideline,
        "R-AMBIG",
        "ambig-03",
        why="A when the party pays for the other's losses.",
        today=dt.date(2026, 11, 28),
    )
    new = draft.guideline
    assert new.version == "1.1.0" and draft.file_name == "1.1.0.yaml"
    edge = new.rule("R-AMBIG").edge_cases[-1]
    assert edge.id == "ambig-03-edge" and edge.answer == "A"
    assert edge.input.text == "text of ambig-03"
    assert "ambig-03" not in {i.id for i in new.items}
    entry = new.changelog[0]
    assert entry.version == "1.1.0" and entry.rules == ["R-AMBIG"]
    assert entry.changes.startswith("R-AMBIG: added an edge case from quiz item ambig-03")
    assert "version: 1.1.0" in draft.yaml


def test_draft_with_corrected_gold_and_taken_version(pilot, bad_gold_item):
    draft = draft_edge_case(
        pilot.guideline, "R-CLEAR", bad_gold_item, why="It caps.", answer="C", taken_versions=["1.1.0"]
    )
    assert draft.guideline.version == "1.1.1"
    assert draft.guideline.rule("R-CLEAR").edge_cases[-1].answer == "C"


def test_draft_errors_name_the_problem(pilot):
    with pytest.raises(NotFoundError, match=r"rule 'R-NOPE' is not in sim@1.0.0"):
        draft_edge_case(pilot.guideline, "R-NOPE", "ambig-03", why="x")
    with pytest.raises(NotFoundError, match=r"item 'nope' is not in the quiz bank of sim@1.0.0"):
        draft_edge_case(pilot.guideline, "R-AMBIG", "nope", why="x")
    with pytest.raises(GuidelineError, match="the edge case needs a rationale"):
        draft_edge_case(pilot.guideline, "R-AMBIG", "ambig-03", why="  ")
    with pytest.raises(GuidelineError, match="unknown label 'Q'"):
        draft_edge_case(pilot.guideline, "R-AMBIG", "ambig-03", why="x", answer="Q")


def test_save_draft_writes_once(tmp_path, pilot):
    draft = draft_edge_case(pilot.guideline, "R-AMBIG", "ambig-03", why="x")
    path = save_draft(draft, tmp_path)
    assert path == tmp_path / "sim" / "1.1.0.yaml"
    assert load_guideline(path) == draft.guideline
    with pytest.raises(ConflictError, match="already exists"):
        save_draft(draft, tmp_path)
