"""Drafting the next guideline version from a revision-queue item."""

from __future__ import annotations

import datetime as dt
import difflib
import shutil
from pathlib import Path

import pytest

from calibration.ambiguity.draft import (
    DraftBase,
    bump_version,
    draft_edge_case,
    newest_base,
    next_free_version,
    save_draft,
)
from calibration.errors import ConflictError, DataError, GuidelineError, NotFoundError
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
    assert new.version == "1.0.1" and draft.file_name == "1.0.1.yaml"
    edge = new.rule("R-AMBIG").edge_cases[-1]
    assert edge.id == "ambig-03-edge" and edge.answer == "A"
    assert edge.input.text == "text of ambig-03"
    assert "ambig-03" not in {i.id for i in new.items}
    entry = new.changelog[0]
    assert entry.version == "1.0.1" and entry.rules == ["R-AMBIG"]
    assert entry.changes.startswith("R-AMBIG: added an edge case from quiz item ambig-03 (revision queue)")
    assert "version: 1.0.1" in draft.yaml
    assert not draft.forked and draft.note == "Written from sim@1.0.0, the newest version."


def test_draft_with_corrected_gold_from_an_older_version_says_it_forks(pilot, bad_gold_item):
    draft = draft_edge_case(
        pilot.guideline,
        "R-CLEAR",
        bad_gold_item,
        why="It caps.",
        answer="C",
        taken_versions=["1.0.1", "1.1.0"],
    )
    assert draft.guideline.version == "1.0.2"
    assert draft.guideline.rule("R-CLEAR").edge_cases[-1].answer == "C"
    assert draft.forked and draft.newest_version == "1.1.0"
    assert draft.note.startswith(
        "This draft FORKS sim@1.0.0: the newest version is 1.1.0, and its changes are not in this draft."
    )


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
    assert path == tmp_path / "sim" / "1.0.1.yaml"
    assert load_guideline(path) == draft.guideline
    with pytest.raises(ConflictError, match="already exists"):
        save_draft(draft, tmp_path)


def test_save_draft_into_a_folder_that_cannot_be_written_is_a_data_error(tmp_path, pilot):
    draft = draft_edge_case(pilot.guideline, "R-AMBIG", "ambig-03", why="x")
    (tmp_path / "sim").write_text("a file where the guideline's folder goes", encoding="utf-8")
    with pytest.raises(DataError) as raised:
        save_draft(draft, tmp_path)
    assert str(raised.value).startswith(f"{tmp_path / 'sim' / '1.0.1.yaml'}: cannot save the draft: ")
    assert raised.value.hint == "download the draft YAML instead, or make the guidelines folder writable"


def test_a_draft_cut_short_by_a_full_disk_leaves_no_half_file(tmp_path, pilot, monkeypatch):
    import errno

    draft = draft_edge_case(pilot.guideline, "R-AMBIG", "ambig-03", why="x")
    real_open = Path.open

    class FullDisk:
        def __init__(self, file):
            self.file = file

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.file.close()

        def write(self, text):
            self.file.write(text[:10])
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(
        Path, "open", lambda self, *args, **kwargs: FullDisk(real_open(self, *args, **kwargs))
    )
    with pytest.raises(DataError, match="cannot save the draft: No space left on device"):
        save_draft(draft, tmp_path)
    monkeypatch.undo()
    assert not (tmp_path / "sim" / "1.0.1.yaml").exists()  # the version is still free
    assert save_draft(draft, tmp_path) == tmp_path / "sim" / "1.0.1.yaml"


# --------------------------------------------------------------------------- from the newest version, in place

BUNDLED = Path(__file__).resolve().parents[2] / "guidelines"


@pytest.fixture
def clauses_dir(tmp_path):
    """A guidelines folder holding contract-clauses 1.0.0 and 1.1.0 as shipped."""
    shutil.copytree(BUNDLED / "contract-clauses", tmp_path / "contract-clauses")
    return tmp_path


def _comment_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.lstrip().startswith("#")]


def _no_published(ref):
    raise AssertionError(f"nothing is published, yet {ref} was loaded")


@pytest.mark.parametrize("item_id", ["cc-003", "cc-014"])  # cc-014 ends a commented group of items
def test_contract_clauses_draft_starts_from_the_newest_version_and_keeps_the_file(clauses_dir, item_id):
    pilot = load_guideline(clauses_dir / "contract-clauses" / "1.0.0.yaml")
    newest = load_guideline(clauses_dir / "contract-clauses" / "1.1.0.yaml")
    rule_id = pilot.item(item_id).rules[0]
    base = newest_base(
        "contract-clauses", published_versions=[], load_published=_no_published, guidelines_dir=clauses_dir
    )
    assert base.guideline == newest and base.source.endswith("1.1.0.yaml")
    draft = draft_edge_case(
        pilot,
        rule_id,
        item_id,
        why="What decides it.",
        base=base,
        taken_versions=["1.0.0", "1.1.0"],
        today=dt.date(2026, 12, 7),
    )
    assert draft.guideline.ref == "contract-clauses@1.1.1" and draft.file_name == "1.1.1.yaml"
    assert (draft.base_ref, draft.pilot_ref, draft.forked, draft.kept_formatting) == (
        "contract-clauses@1.1.0",
        "contract-clauses@1.0.0",
        False,
        True,
    )
    assert draft.note == (
        "Written from contract-clauses@1.1.0, the newest version (the pilot ran on 1.0.0); its changes are "
        "kept. Comments and formatting of 1.1.0.yaml are kept."
    )
    # the 1.1.0 rewrite of R-INDEM and its changelog are kept
    assert draft.guideline.rule("R-INDEM") == newest.rule("R-INDEM") or rule_id == "R-INDEM"
    assert draft.guideline.rule("R-INDEM").text == newest.rule("R-INDEM").text
    assert [e.version for e in draft.guideline.changelog] == ["1.1.1", "1.1.0", "1.0.0"]
    source = base.text
    assert _comment_lines(draft.yaml) == _comment_lines(source)
    # only the version, the changelog entry, the edge case and the removed item differ
    changed = [
        line for line in difflib.ndiff(source.splitlines(), draft.yaml.splitlines()) if line[:1] in "+-"
    ]
    removed = [line[2:] for line in changed if line.startswith("- ")]
    added = [line[2:] for line in changed if line.startswith("+ ")]
    item_lines = [line for line in _item_block(source, item_id)]
    assert removed == ["version: 1.1.0", *item_lines]
    assert added[0] == "version: 1.1.1"
    assert added[1:5] == [
        "  - version: 1.1.1",
        "    date: 2026-12-07",
        f"    changes: '{rule_id}: added an edge case from quiz item {item_id} of the 1.0.0 pilot (revision "
        "queue). What decides it.'",
        f"    rules: [{rule_id}]",
    ]
    assert added[5] == f"      - id: {item_id}-edge" and len(added) <= 5 + 8
    edge = draft.guideline.rule(rule_id).edge_cases[-1]
    assert edge.input == pilot.item(item_id).input and edge.answer == pilot.item(item_id).answer
    assert item_id not in {i.id for i in draft.guideline.items}
    saved = save_draft(draft, clauses_dir)
    assert load_guideline(saved) == draft.guideline


def _item_block(text: str, item_id: str) -> list[str]:
    lines = text.splitlines()
    start = lines.index(f"  - id: {item_id}")
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith(("  - ", "  #")))
    return lines[start:end]


def test_newest_base_uses_the_published_snapshot_when_no_file_has_it(clauses_dir):
    newest = load_guideline(clauses_dir / "contract-clauses" / "1.1.0.yaml")
    later = newest.model_copy(update={"version": "1.2.0"})
    loaded = []

    def load(ref):
        loaded.append(ref)
        return later

    base = newest_base(
        "contract-clauses",
        published_versions=["1.0.0", "1.2.0"],
        load_published=load,
        guidelines_dir=clauses_dir,
    )
    assert loaded == ["contract-clauses@1.2.0"]
    assert (base.guideline, base.text, base.source) == (later, None, "published snapshot")
    draft = draft_edge_case(
        load_guideline(clauses_dir / "contract-clauses" / "1.0.0.yaml"),
        "R-INDEM",
        "cc-003",
        why="x",
        base=base,
    )
    assert draft.guideline.version == "1.2.1" and not draft.kept_formatting and not draft.forked
    assert draft.note.endswith(
        "No file holds contract-clauses@1.2.0 as published, so the draft is written from the published copy."
    )


def test_newest_base_refuses_a_guideline_without_versions(tmp_path):
    with pytest.raises(NotFoundError, match=r"guideline 'nope' has no version to draft from"):
        newest_base("nope", published_versions=[], load_published=_no_published, guidelines_dir=tmp_path)


def test_a_rule_missing_from_the_newest_version_is_refused(pilot):
    newer = pilot.guideline.model_copy(
        update={"version": "1.1.0", "rules": [r for r in pilot.guideline.rules if r.id != "R-AMBIG"]}
    )
    with pytest.raises(NotFoundError, match=r"rule 'R-AMBIG' is not in sim@1.1.0") as caught:
        draft_edge_case(pilot.guideline, "R-AMBIG", "ambig-03", why="x", base=newer)
    assert "removed or renamed in the newer version" in caught.value.hint


@pytest.mark.parametrize("path", sorted(BUNDLED.glob("*/*.yaml")), ids=lambda p: f"{p.parent.name}@{p.stem}")
def test_every_item_of_every_bundled_guideline_drafts_in_place(path):
    """Every task type's inputs and answers are written so that they load back exactly (no fallback)."""
    guideline = load_guideline(path)
    text = path.read_text(encoding="utf-8")
    base = DraftBase(guideline, text, str(path))
    comments = _comment_lines(text)
    first_per_rule = {i.rules[0]: i for i in reversed(guideline.items) if i.answer is not None}
    for item in first_per_rule.values():
        draft = draft_edge_case(
            guideline, item.rules[0], item.id, why="Two lines:\n  the second indented.", base=base
        )
        assert draft.kept_formatting, item.id
        assert _comment_lines(draft.yaml) == comments, item.id
        assert draft.guideline.rule(item.rules[0]).edge_cases[-1].why == "Two lines:\n  the second indented."


@pytest.mark.parametrize(
    "why",
    [
        "yes",
        "1_000",
        "2024-01-01",
        "# not a comment",
        "a: b # c",
        "line\u2028sep",
        "multi\n\nblank",
        "tab\there",
    ],
)
def test_tricky_rationales_are_written_in_place_and_load_back_unchanged(why):
    """ruamel writes YAML 1.2 and the loader reads YAML 1.1: `yes` must be quoted, not read as true."""
    path = BUNDLED / "pii-spans" / "1.0.0.yaml"
    guideline = load_guideline(path)
    item = next(i for i in guideline.items if i.answer)
    base = DraftBase(guideline, path.read_text(encoding="utf-8"), str(path))
    draft = draft_edge_case(guideline, item.rules[0], item.id, why=why, base=base)
    assert draft.kept_formatting
    assert draft.guideline.rule(item.rules[0]).edge_cases[-1].why == why
