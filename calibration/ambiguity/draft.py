"""Turning a revision-queue item into an edge case of a new draft guideline version.

The draft is the next version's YAML, written from the NEWEST version of the guideline (not from the
version the pilot ran on, which would silently drop every later change): the item becomes an edge case
of the rule (with its gold answer, or the answer the author settles on, and a rationale), the item
leaves the hidden quiz bank (teaching material must not be quizzed), the version is bumped and a
changelog entry names the rule. When the newest version is a file, the file is edited in place
(`calibration.guidelines.yaml_edit`), so the author's comments and formatting are kept. The YAML is
validated with the guideline loader before it is offered, so what the author downloads always loads.
A draft is never published here: a person publishes it on the Guidelines page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from calibration.errors import ConflictError, DataError, GuidelineError, Location, NotFoundError
from calibration.guidelines.loading import dump_guideline, load_guideline_text, read_guideline_file
from calibration.guidelines.model import SEMVER, ChangelogEntry, Example, Guideline
from calibration.guidelines.versions import content_hash, discover, version_key
from calibration.guidelines.yaml_edit import GuidelineEditor

Bump = Literal["major", "minor", "patch"]


@dataclass(frozen=True)
class DraftBase:
    """The guideline version a draft is written from.

    Attributes:
        guideline: that version.
        text: its YAML source when it is a file (edited in place, comments kept); None for a published
            snapshot without a file (the draft is then written from the model).
        source: where it came from, for messages: a file path, "published snapshot", or "model" (a
            guideline given without its file).
    """

    guideline: Guideline
    text: str | None = None
    source: str = "published snapshot"


@dataclass(frozen=True)
class Draft:
    """A validated draft version.

    Attributes:
        guideline: the new version, loaded back from `yaml`.
        yaml: the file content.
        file_name: ``<version>.yaml``, the name under ``guidelines/<id>/``.
        rule_id, item_id: the rule that gained the edge case and the quiz item it came from.
        base_ref: the version the draft was written from (``id@version``).
        pilot_ref: the version the item was piloted on.
        newest_version: the newest version known when drafting; `forked` when `base_ref` is older.
        kept_formatting: the base file was edited in place (its comments and formatting are kept).
        note: one sentence for the author saying what the draft starts from.
    """

    guideline: Guideline
    yaml: str
    file_name: str
    rule_id: str
    item_id: str
    base_ref: str = ""
    pilot_ref: str = ""
    newest_version: str = ""
    kept_formatting: bool = False
    note: str = ""

    @property
    def forked(self) -> bool:
        """Whether the draft starts from a version older than the newest (the newer changes are not in it)."""
        base_version = self.base_ref.partition("@")[2]
        if not base_version or not self.newest_version:
            return False
        return version_key(base_version) < version_key(self.newest_version)


def bump_version(version: str, part: Bump = "minor") -> str:
    """The next semantic version (a pre-release or build suffix is dropped).

    Raises:
        GuidelineError: `version` is not a semantic version.
    """
    match = SEMVER.match(version)
    if not match:
        raise GuidelineError(
            f"version {version!r} is not a semantic version such as 1.0.0", hint="fix the guideline's version"
        )
    major, minor, patch = (int(match.group(i)) for i in (1, 2, 3))
    if part == "major":
        return f"{major + 1}.0.0"
    if part == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def next_free_version(version: str, taken: Iterable[str], part: Bump = "minor") -> str:
    """The first bumped version of `version` that is not in `taken` (existing versions of the guideline)."""
    taken = set(taken)
    candidate = bump_version(version, part)
    while candidate in taken:
        candidate = bump_version(candidate, "patch")
    return candidate


def newest_base(
    guideline_id: str,
    *,
    published_versions: Iterable[str],
    load_published: Callable[[str], Guideline],
    guidelines_dir: str | Path,
) -> DraftBase:
    """The newest version of a guideline among the published ones and the files (drafts included).

    The file is preferred when one exists with the same content as the published snapshot (its comments
    are kept); a published version whose file differs or is missing is taken from the snapshot.

    Args:
        guideline_id: the guideline.
        published_versions: its published versions.
        load_published: ``ref -> Guideline`` for a published version.
        guidelines_dir: the folder laid out as ``<id>/<version>.yaml``.

    Raises:
        NotFoundError: the guideline has no version at all.
        GuidelineError: the newest file is invalid (every problem).
    """
    files = {f.version: f.path for f in discover(guidelines_dir).get(guideline_id, [])}
    published = set(published_versions)
    candidates = published | set(files)
    if not candidates:
        raise NotFoundError(
            f"guideline {guideline_id!r} has no version to draft from",
            hint="publish a version first, or add guidelines/<id>/<version>.yaml",
        )
    newest = max(candidates, key=version_key)
    ref = f"{guideline_id}@{newest}"
    snapshot = load_published(ref) if newest in published else None
    if newest in files:
        loaded = read_guideline_file(files[newest])
        if snapshot is None or content_hash(snapshot) == content_hash(loaded.guideline):
            text = files[newest].read_text(encoding="utf-8")
            return DraftBase(loaded.guideline, text, str(files[newest]))
    assert snapshot is not None
    return DraftBase(snapshot)


def _unique_id(wanted: str, used: set[str]) -> str:
    candidate, n = wanted, 2
    while candidate in used:
        candidate, n = f"{wanted}-{n}", n + 1
    return candidate


def draft_edge_case(
    guideline: Guideline,
    rule_id: str,
    item_id: str,
    *,
    why: str,
    answer: Any = None,
    base: DraftBase | Guideline | None = None,
    bump: Bump = "patch",
    taken_versions: Iterable[str] = (),
    keep_in_bank: bool = False,
    today: dt.date | None = None,
) -> Draft:
    """Make the next version with quiz item `item_id` of the pilot as an edge case of rule `rule_id`.

    Args:
        guideline: the version the pilot ran on (the item's input and gold come from it).
        rule_id: the rule that gains the edge case.
        item_id: the quiz-bank item to turn into the edge case.
        why: the rationale shown with the edge case (what decides the answer).
        answer: the gold answer in YAML form; default the item's gold (pass a corrected answer when the
            queue listed the item as a gold suspect).
        base: the version to write the draft from, normally the newest one (see `newest_base`); a
            `DraftBase` with text is edited in place. Default: `guideline` itself.
        bump: which part of the version to increase; an edge case clarifies a rule: a patch.
        taken_versions: versions that already exist; the draft skips them (1.1.0 -> 1.1.2 when 1.1.1
            exists). A base older than the newest of them makes the draft a fork (`Draft.forked`).
        keep_in_bank: keep the item in the quiz bank too (by default it is removed: taught items are not
            fair quiz items).
        today: the changelog date (default: today).

    Returns:
        A `Draft` whose YAML was loaded back with the guideline loader.

    Raises:
        NotFoundError: the rule or the item is not in the guideline, or the rule is not in the base.
        GuidelineError: no answer is known, `why` is empty, or the draft does not validate (every problem).
    """
    base = base if isinstance(base, DraftBase) else DraftBase(base or guideline, source="model")
    source = base.guideline
    for where in (guideline, source):
        if rule_id not in where.rule_ids:
            raise NotFoundError(
                f"rule {rule_id!r} is not in {where.ref}",
                location=Location(field="rule_id"),
                hint=f"choose one of {', '.join(where.rule_ids)}"
                if where is guideline
                else "the rule was removed or renamed in the newer version: draft the edge case there by hand",
            )
    try:
        item = guideline.item(item_id)
    except KeyError:
        raise NotFoundError(
            f"item {item_id!r} is not in the quiz bank of {guideline.ref}",
            location=Location(field="item_id"),
            hint="pick an item listed in the revision queue",
        ) from None
    answer = item.answer if answer is None else answer
    if answer is None:
        raise GuidelineError(
            f"item {item_id!r} has no gold answer",
            location=Location(field="answer"),
            hint="give the answer the edge case should teach",
        )
    if not why.strip():
        raise GuidelineError(
            "the edge case needs a rationale",
            location=Location(field="why"),
            hint="say in one or two sentences what decides the answer",
        )
    known = {*taken_versions, source.version, guideline.version}
    newest = max(known, key=version_key)
    version = next_free_version(source.version, known, bump)
    used = {e.id for r in source.rules for e in (*r.examples, *r.edge_cases) if e.id} | {
        i.id for i in source.items
    }
    edge = Example(id=_unique_id(f"{item_id}-edge", used), input=item.input, answer=answer, why=why.strip())
    origin = "" if source.version == guideline.version else f" of the {guideline.version} pilot"
    entry = ChangelogEntry(
        version=version,
        date=today or dt.date.today(),
        changes=f"{rule_id}: added an edge case from quiz item {item_id}{origin} (revision queue). {why.strip()}",
        rules=[rule_id],
    )
    remove = not keep_in_bank and item_id in {i.id for i in source.items}
    expected = source.model_copy(
        update={
            "version": version,
            "rules": [
                r.model_copy(update={"edge_cases": [*r.edge_cases, edge]}) if r.id == rule_id else r
                for r in source.rules
            ],
            "items": [i for i in source.items if not (remove and i.id == item_id)],
            "changelog": [entry, *source.changelog],
        }
    )
    text = _edited_in_place(base, expected, rule_id, item_id, edge, answer, entry, remove)
    kept = text is not None
    if text is None:
        text = dump_guideline(expected)
    loaded = _load(text, expected)
    notes = [_base_note(source, guideline, newest)]
    if kept:
        notes.append(f"Comments and formatting of {Path(base.source).name} are kept.")
    elif base.text is not None:
        notes.append(
            "The file could not be edited in place, so it was rewritten (its comments are not kept)."
        )
    elif base.source == "published snapshot":
        notes.append(
            f"No file holds {source.ref} as published, so the draft is written from the published copy."
        )
    return Draft(
        loaded,
        text,
        f"{version}.yaml",
        rule_id,
        item_id,
        source.ref,
        guideline.ref,
        newest,
        kept,
        " ".join(notes),
    )


def _base_note(source: Guideline, pilot: Guideline, newest: str) -> str:
    if version_key(source.version) < version_key(newest):
        return (
            f"This draft FORKS {source.ref}: the newest version is {newest}, and its changes are not in "
            "this draft."
        )
    if source.version != pilot.version:
        return f"Written from {source.ref}, the newest version (the pilot ran on {pilot.version}); its changes are kept."
    return f"Written from {source.ref}, the newest version."


def _example_yaml(edge: Example, answer: Any) -> dict[str, Any]:
    data = edge.input.model_dump(mode="json", exclude_defaults=True)
    shown: Any = data["text"] if set(data) == {"text"} else data
    return {"id": edge.id, "input": shown, "answer": answer, "why": edge.why}


def _edited_in_place(
    base: DraftBase,
    expected: Guideline,
    rule_id: str,
    item_id: str,
    edge: Example,
    answer: Any,
    entry: ChangelogEntry,
    remove: bool,
) -> str | None:
    """The base file edited in place, or None when it has no file or the edit does not give `expected`."""
    if base.text is None:
        return None

    try:
        editor = GuidelineEditor(base.text)
        if remove and item_id not in editor.inline_item_ids():
            return None  # the item sits in an items_file, which this draft does not rewrite
        editor.set_version(expected.version)
        editor.add_changelog_entry(entry.model_dump(mode="python"))
        editor.add_edge_case(rule_id, _example_yaml(edge, answer))
        if remove:
            editor.remove_item(item_id)
        text = editor.text()
        loaded = _load(text, expected)
    except GuidelineError:
        return None
    # ruamel writes what it read; checking the content guards against a quoting or style surprise.
    return text if content_hash(loaded) == content_hash(expected) else None


def _load(text: str, expected: Guideline) -> Guideline:
    return load_guideline_text(text, f"{expected.id}/{expected.version}.yaml")


def validated_draft(draft: Guideline, rule_id: str, item_id: str) -> Draft:
    """Dump `draft` to YAML and load it back with the guideline loader.

    Raises:
        GuidelineError: every problem of the draft at once.
    """
    text = dump_guideline(draft)
    loaded = load_guideline_text(text, f"{draft.id}/{draft.version}.yaml")
    return Draft(loaded, text, f"{draft.version}.yaml", rule_id, item_id, draft.ref, draft.ref, draft.version)


def save_draft(draft: Draft, guidelines_dir: str | Path) -> Path:
    """Write the draft to ``guidelines_dir/<id>/<version>.yaml`` and return the path.

    The file is a draft: it is listed on the Guidelines page and published only when a person does.

    Raises:
        ConflictError: that version already exists (versions are never overwritten).
        DataError: the file cannot be written (a read-only or missing guidelines folder, no space).
    """
    folder = Path(guidelines_dir) / draft.guideline.id
    path = folder / draft.file_name
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:  # read-only, or a file where the folder goes
        raise _unwritable(path, error) from None
    try:
        file = path.open("x", encoding="utf-8")  # "x": never over a version written meanwhile
    except FileExistsError:
        raise ConflictError(
            f"{path} already exists",
            location=Location(path=str(path)),
            hint="published versions are never overwritten; draft again to get the next free version",
        ) from None
    except OSError as error:
        raise _unwritable(path, error) from None
    try:
        with file:
            file.write(draft.yaml)
    except OSError as error:  # no space left: no half file to block the version
        path.unlink(missing_ok=True)
        raise _unwritable(path, error) from None
    return path


def _unwritable(path: Path, error: OSError) -> DataError:
    return DataError(
        f"cannot save the draft: {error.strerror or error}",
        location=Location(path=str(path)),
        hint="download the draft YAML instead, or make the guidelines folder writable",
    )
