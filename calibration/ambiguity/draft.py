"""Turning a revision-queue item into an edge case of a new draft guideline version.

The draft is the next version's YAML: the item becomes an edge case of the rule (with its gold answer,
or the answer the author settles on, and a rationale), the item leaves the hidden quiz bank (teaching
material must not be quizzed), the version is bumped and a changelog entry names the rule. The YAML is
validated with the guideline loader before it is offered, so what the author downloads always loads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from calibration.errors import ConflictError, GuidelineError, Location, NotFoundError
from calibration.guidelines.model import SEMVER, ChangelogEntry, Example, Guideline

Bump = Literal["major", "minor", "patch"]


@dataclass(frozen=True)
class Draft:
    """A validated draft version.

    Attributes:
        guideline: the new version, loaded back from `yaml`.
        yaml: the file content.
        file_name: ``<version>.yaml``, the name under ``guidelines/<id>/``.
        rule_id, item_id: the rule that gained the edge case and the quiz item it came from.
    """

    guideline: Guideline
    yaml: str
    file_name: str
    rule_id: str
    item_id: str


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
    bump: Bump = "minor",
    taken_versions: Iterable[str] = (),
    keep_in_bank: bool = False,
    today: dt.date | None = None,
) -> Draft:
    """Make the next version of `guideline` with quiz item `item_id` as an edge case of rule `rule_id`.

    Args:
        guideline: the version the pilot ran on.
        rule_id: the rule that gains the edge case.
        item_id: the quiz-bank item to turn into the edge case.
        why: the rationale shown with the edge case (what decides the answer).
        answer: the gold answer in YAML form; default the item's gold (pass a corrected answer when the
            queue listed the item as a gold suspect).
        bump: which part of the version to increase.
        taken_versions: versions that already exist; the draft skips them (1.0.0 -> 1.1.1 when 1.1.0 exists).
        keep_in_bank: keep the item in the quiz bank too (by default it is removed: taught items are not
            fair quiz items).
        today: the changelog date (default: today).

    Returns:
        A `Draft` whose YAML was loaded back with the guideline loader.

    Raises:
        NotFoundError: the rule or the item is not in the guideline.
        GuidelineError: no answer is known, `why` is empty, or the draft does not validate (every problem).
    """
    if rule_id not in guideline.rule_ids:
        raise NotFoundError(
            f"rule {rule_id!r} is not in {guideline.ref}",
            location=Location(field="rule_id"),
            hint=f"choose one of {', '.join(guideline.rule_ids)}",
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
    version = next_free_version(guideline.version, [*taken_versions, guideline.version], bump)
    used = {e.id for r in guideline.rules for e in (*r.examples, *r.edge_cases) if e.id} | {
        i.id for i in guideline.items
    }
    edge = Example(id=_unique_id(f"{item_id}-edge", used), input=item.input, answer=answer, why=why.strip())
    rules = [
        rule.model_copy(update={"edge_cases": [*rule.edge_cases, edge]}) if rule.id == rule_id else rule
        for rule in guideline.rules
    ]
    items = list(guideline.items) if keep_in_bank else [i for i in guideline.items if i.id != item_id]
    entry = ChangelogEntry(
        version=version,
        date=today or dt.date.today(),
        changes=f"{rule_id}: added an edge case from quiz item {item_id} (revision queue). {why.strip()}",
        rules=[rule_id],
    )
    draft = guideline.model_copy(
        update={
            "version": version,
            "rules": rules,
            "items": items,
            "changelog": [entry, *guideline.changelog],
        }
    )
    return validated_draft(draft, rule_id, item_id)


def validated_draft(draft: Guideline, rule_id: str, item_id: str) -> Draft:
    """Dump `draft` to YAML and load it back with the guideline loader.

    Raises:
        GuidelineError: every problem of the draft at once.
    """
    from calibration.guidelines.loading import dump_guideline, load_guideline_text

    text = dump_guideline(draft)
    loaded = load_guideline_text(text, f"{draft.id}/{draft.version}.yaml")
    return Draft(loaded, text, f"{draft.version}.yaml", rule_id, item_id)


def save_draft(draft: Draft, guidelines_dir: str | Path) -> Path:
    """Write the draft to ``guidelines_dir/<id>/<version>.yaml`` and return the path.

    Raises:
        ConflictError: that version already exists (versions are never overwritten).
    """
    folder = Path(guidelines_dir) / draft.guideline.id
    path = folder / draft.file_name
    if path.exists():
        raise ConflictError(
            f"{path} already exists",
            location=Location(path=str(path)),
            hint="published versions are never overwritten; draft again to get the next free version",
        )
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(draft.yaml, encoding="utf-8")
    return path
