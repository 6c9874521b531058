"""Rounds: create pilot and calibration rounds, look them up, close, reopen, archive and delete them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from calibration.adaptive.pilot import PILOT_TASKS
from calibration.answers import suggest
from calibration.errors import (
    CalibrationError,
    ConflictError,
    Location,
    NotFoundError,
)
from calibration.guidelines.model import Item
from calibration.rounds import adaptive_pilot, adaptive_quiz, sampling
from calibration.rounds._common import (
    Actor,
    RoundRef,
    actor_row,
    actor_user_id,
    find_round,
    guideline_of,
    items_of,
    new_round,
    ref_of,
    retrying,
    round_item_ids,
    utc_now,
    version_row,
)
from calibration.rounds.item_model import refit_after_close
from calibration.storage import repository as repo
from calibration.storage import tables as t
from calibration.storage.engine import session_scope
from calibration.storage.repository import Round


def _annotator_rows(session: Session, names: Sequence[str]) -> list[t.User]:
    names = [str(n).strip() for n in names if str(n).strip()]
    if len(set(names)) != len(names):
        raise CalibrationError(f"annotators repeat in {names}", location=Location(field="annotators"))
    found = repo.users_by_names(session, names)
    missing = [n for n in names if n not in found]
    if missing:
        known = [u.name for u in repo.list_users(session)]
        raise NotFoundError(
            f"unknown annotator(s): {', '.join(missing)}",
            location=Location(field="annotators"),
            hint=suggest(missing[0], known)
            or "add them with `calibration user add` or invite them to the round",
        )
    return [found[n] for n in names]


def create_pilot_round(
    engine: Engine,
    name: str,
    guideline_ref: str,
    *,
    actor: Actor,
    annotators: Sequence[str] = (),
    overlap: int | None = None,
    item_ids: Sequence[str] | None = None,
    extra_items: Sequence[Any] = (),
    seed: int = 0,
    cite_rules: bool = False,
    adaptive: bool = False,
    control_fraction: float = 0.2,
) -> Round:
    """Create a pilot round: every item goes to `overlap` annotators, every annotator pair shares items.

    An `adaptive` pilot has no fixed design: each annotator is handed one item at a time, chosen on
    the answers so far (`calibration.rounds.adaptive_pilot`): rules still undecided against the
    policy's ``pilot_target`` first, decided rules no more, and a random control slice of
    `control_fraction` of the items interleaved. Its overlap defaults to 2 (items with two answers).

    Args:
        name: unique round name.
        guideline_ref: ``"id@version"`` of a published version.
        actor: a lead.
        annotators: user names assigned now (see `calibration.rounds.sampling.pilot_design`); others
            can join later by invitation and get the least-covered items.
        overlap: annotators per item; default the policy's ``pilot_overlap``, capped at the annotators.
        item_ids: bank items to use (default: the whole bank, gold or not).
        extra_items: pilot-only or imported items (`Item` or dicts) that are not in the bank.
        seed: makes the design and orders reproducible.
        cite_rules: ask annotators which rule they applied.
        adaptive: hand items out adaptively (single_label, rating and pairwise tasks).
        control_fraction: the adaptive pilot's random control slice, 0 to 1.

    Raises:
        NotFoundError: unknown guideline version, item or annotator. ConflictError: name taken.
        CalibrationError: no items, impossible overlap, an adaptive pilot on another task type or
        a control fraction out of range. PermissionDenied: not a lead.
    """

    def work(session: Session) -> Round:
        who = actor_row(session, actor, ("lead",), "create rounds")
        version = version_row(session, guideline_ref)
        guideline = guideline_of(version)
        bank = [i.id for i in guideline.items]
        extras = [e if isinstance(e, Item) else Item.model_validate(e) for e in extra_items]
        clash = sorted({e.id for e in extras} & set(bank))
        if clash:
            raise ConflictError(
                f"extra item ids already in the bank: {', '.join(clash)}", hint="rename the items"
            )
        known = bank + [e.id for e in extras]
        items = list(item_ids) if item_ids is not None else known
        unknown = [i for i in items if i not in set(known)]
        if unknown:
            raise NotFoundError(
                f"item {unknown[0]!r} is not in {guideline.ref}"
                + (f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""),
                location=Location(field="items"),
                hint=suggest(unknown[0], known) or "use ids from the guideline's items",
            )
        people = _annotator_rows(session, annotators)
        if adaptive:
            _check_adaptive_pilot(guideline.task.type, items, overlap, control_fraction)
            k = overlap or 2
            design: dict[str, list[str]] = {}
            per_annotator = None
        else:
            k = (
                overlap
                if overlap is not None
                else min(guideline.calibration.pilot_overlap, max(len(people), 1))
            )
            design = sampling.pilot_design(items, [p.name for p in people], k, seed) if people else {}
            per_annotator = math.ceil(len(items) * k / len(people)) if people else None
        settings = {
            "items": items,
            "overlap": k,
            "seed": seed,
            "cite_rules": cite_rules,
            "per_annotator": per_annotator,
            "extra_items": [e.model_dump(mode="json") for e in extras],
        }
        if adaptive:
            settings.update(policy="adaptive", control_fraction=float(control_fraction))
        row = new_round(session, name, "pilot", version, settings, who)
        if adaptive:
            for (
                person
            ) in people:  # one item each now (the round shows in their list); the rest as they answer
                repo.add_assignments(
                    session,
                    row.id,
                    person.id,
                    1,
                    adaptive_pilot.first_items(session, row, version, person.name),
                )
                session.flush()
        for person in people if not adaptive else ():
            repo.add_assignments(session, row.id, person.id, 1, design[person.name])
        repo.audit(
            session,
            actor_user_id(who),
            "create_round",
            f"round:{row.name}",
            kind="pilot",
            guideline=guideline.ref,
            annotators=[p.name for p in people],
            overlap=k,
            seed=seed,
            items=len(items),
            adaptive=adaptive,
        )
        return repo.round_of(row, guideline.ref)

    return retrying(engine, work)


def _check_adaptive_pilot(task_type: str, items: list[str], overlap: int | None, fraction: float) -> None:
    if task_type not in PILOT_TASKS:
        raise CalibrationError(
            f"an adaptive pilot works on single_label, rating and pairwise tasks, not {task_type}",
            location=Location(field="adaptive"),
            hint="create a fixed pilot round for this guideline",
        )
    if not items:
        raise CalibrationError("a pilot round needs items", hint="pick items from the bank or import them")
    if overlap is not None and overlap < 2:
        raise CalibrationError(
            f"an adaptive pilot needs at least 2 annotators per item, got {overlap}",
            location=Location(field="overlap"),
            hint="agreement needs two answers on an item",
        )
    if not 0 <= fraction <= 1:
        raise CalibrationError(
            f"the control fraction must be between 0 and 1, got {fraction}",
            location=Location(field="control_fraction"),
            hint="0.2 keeps a fifth of the items as a random control slice",
        )


def draw_quiz(
    session: Session,
    round_row: t.Round,
    version: t.GuidelineVersion,
    annotator: t.User,
    number: int,
    target_rules: Sequence[str] | None,
) -> list[str]:
    guideline = guideline_of(version)
    if guideline.calibration.policy == "adaptive":
        return adaptive_quiz.first_items(
            session, round_row, version, annotator, number, list(target_rules) if target_rules else None
        )
    settings = round_row.settings or {}
    same_guideline = [
        r
        for v in repo.list_versions(session, version.guideline_id)
        for r in repo.rounds_on_version(session, v.id)
    ]
    seen = repo.seen_items(session, same_guideline, annotator.id)
    # Items whose gold this annotator was shown come back only when a rule has too few unseen ones
    # left, those seen longest ago first (`sampling.reuse_plan`): a retake is never refused.
    shown = repo.gold_shown_recency(session, version.guideline_id, [annotator.id]).get(annotator.id, {})
    bank = sampling.quiz_bank(guideline)
    min_per_rule = int(settings.get("min_items_per_rule") or guideline.calibration.min_items_per_rule)
    reuse = sampling.reuse_plan(bank, min_per_rule=min_per_rule, shown=shown, rules=target_rules)
    return sampling.sample_quiz(
        bank,
        size=int(settings.get("items_per_quiz") or guideline.calibration.items_per_quiz),
        min_per_rule=min_per_rule,
        seed=f"{settings.get('seed', 0)}:{annotator.name}:{number}",
        seen=seen,
        target_rules=target_rules,
        exclude=shown,
        reuse=reuse,
    )


def create_calibration_round(
    engine: Engine,
    name: str,
    guideline_ref: str,
    *,
    actor: Actor,
    annotators: Sequence[str] = (),
    items_per_quiz: int | None = None,
    min_items_per_rule: int | None = None,
    seed: int = 0,
    cite_rules: bool = False,
) -> Round:
    """Create a calibration round: each annotator gets a quiz drawn from the bank, stratified by rule.

    Quizzes of the listed annotators are drawn now; annotators who join by invitation get theirs
    when they start. Draws are seeded by (seed, annotator name, attempt number), so reproducible.

    Args:
        items_per_quiz, min_items_per_rule: override the guideline's policy for this round.

    Raises:
        NotFoundError: unknown guideline version or annotator. ConflictError: name taken.
        CalibrationError: the bank has no item with gold. PermissionDenied: not a lead.
    """

    def work(session: Session) -> Round:
        who = actor_row(session, actor, ("lead",), "create rounds")
        version = version_row(session, guideline_ref)
        guideline = guideline_of(version)
        if not sampling.quiz_bank(guideline):
            raise CalibrationError(
                f"{guideline.ref} has no quiz items with a gold answer",
                hint="add items with answers under items:, or run a pilot round instead",
            )
        for field, value in (("items_per_quiz", items_per_quiz), ("min_items_per_rule", min_items_per_rule)):
            if value is not None and value < 1:
                raise CalibrationError(
                    f"{field} must be at least 1, got {value}", location=Location(field=field)
                )
        people = _annotator_rows(session, annotators)
        settings = {
            "items_per_quiz": items_per_quiz or guideline.calibration.items_per_quiz,
            "min_items_per_rule": min_items_per_rule or guideline.calibration.min_items_per_rule,
            "seed": seed,
            "cite_rules": cite_rules,
        }
        row = new_round(session, name, "calibration", version, settings, who)
        for person in people:
            repo.add_assignments(
                session, row.id, person.id, 1, draw_quiz(session, row, version, person, 1, None)
            )
        repo.audit(
            session,
            actor_user_id(who),
            "create_round",
            f"round:{row.name}",
            kind="calibration",
            guideline=guideline.ref,
            annotators=[p.name for p in people],
            seed=seed,
        )
        return repo.round_of(row, guideline.ref)

    return retrying(engine, work)


def get_round(engine: Engine, round: RoundRef) -> Round:
    """A round by name or id. Raises NotFoundError (with a did-you-mean hint)."""
    with session_scope(engine, read_only=True) as session:
        row, version = find_round(session, round)
        return repo.round_of(row, ref_of(version))


def list_rounds(engine: Engine, *, include_archived: bool = False) -> list[Round]:
    """The rounds, oldest first; archived ones only with `include_archived` (a lead's round manager)."""
    with session_scope(engine, read_only=True) as session:
        return repo.list_rounds(session, include_archived=include_archived)


def round_items(engine: Engine, round: RoundRef) -> dict[str, Item]:
    """The round's items by id (bank items and the round's extra items), in round order."""
    with session_scope(engine, read_only=True) as session:
        row, version = find_round(session, round)
        items = items_of(row, version)
        return {i: items[i] for i in round_item_ids(row, version) if i in items}


def close_round(engine: Engine, round: RoundRef, *, actor: Actor, reopen: bool = False) -> Round:
    """Close a round (no new attempts, answers or invitations), or reopen it. Needs a lead.

    Closing refits the guideline version's item model on its gold answers
    (`calibration.rounds.item_model.refit_after_close`; nothing when there are none yet).
    """
    with session_scope(engine) as session:
        who = actor_row(session, actor, ("lead",), "close rounds")
        row, version = find_round(session, round)
        row.status = "open" if reopen else "closed"
        repo.audit(
            session, actor_user_id(who), "reopen_round" if reopen else "close_round", f"round:{row.name}"
        )
        closed = repo.round_of(row, ref_of(version))
    if not reopen:
        refit_after_close(engine, closed.guideline_ref, closed.name, actor=actor)
    return closed


def archive_round(engine: Engine, round: RoundRef, *, actor: Actor, unarchive: bool = False) -> Round:
    """Archive a round (hidden from annotators' lists and default selections, data kept), or unarchive it.

    Raises:
        NotFoundError: unknown round. PermissionDenied: not a lead.
    """
    with session_scope(engine) as session:
        who = actor_row(session, actor, ("lead",), "archive rounds")
        row, version = find_round(session, round)
        row.archived_at = None if unarchive else utc_now()
        repo.audit(
            session,
            actor_user_id(who),
            "unarchive_round" if unarchive else "archive_round",
            f"round:{row.name}",
        )
        return repo.round_of(row, ref_of(version))


def delete_round_rows(session: Session, row: t.Round) -> dict[str, int]:
    """Delete a round and everything that hangs on it in `session` (the caller's transaction).

    Returns:
        How many rows went, by table (responses, certifications, attempts, assignments, invitations,
        adjudications).
    """
    attempts = select(t.Attempt.id).where(t.Attempt.round_id == row.id)
    counts = {
        "responses": delete(t.Response).where(t.Response.round_id == row.id),
        "certifications": delete(t.Certification).where(t.Certification.attempt_id.in_(attempts)),
        "attempts": delete(t.Attempt).where(t.Attempt.round_id == row.id),
        "assignments": delete(t.Assignment).where(t.Assignment.round_id == row.id),
        "invitations": delete(t.Invitation).where(t.Invitation.round_id == row.id),
        "adjudications": delete(t.Adjudication).where(t.Adjudication.round_id == row.id),
    }
    removed = {table: repo.rows_changed(session, statement) for table, statement in counts.items()}
    session.delete(row)
    session.flush()
    return removed


def delete_round(engine: Engine, round: RoundRef, *, actor: Actor, confirm: str) -> dict[str, int]:
    """Delete a round with its answers, attempts, assignments, invitations and adjudications, in one transaction.

    Args:
        round: the round's name or id.
        actor: a lead.
        confirm: the round's name typed again (a guard against deleting the wrong round).

    Returns:
        How many rows were deleted, by table.

    Raises:
        NotFoundError: unknown round. CalibrationError: `confirm` is not the round's name.
        PermissionDenied: not a lead.
    """
    with session_scope(engine) as session:
        who = actor_row(session, actor, ("lead",), "delete rounds")
        row, version = find_round(session, round)
        if confirm.strip() != row.name:
            raise CalibrationError(
                f"type the round's name {row.name!r} to delete it, got {confirm.strip()!r}",
                location=Location(field="confirm"),
                hint="deleting removes every answer of the round; archive it to keep them",
            )
        name, ref = row.name, ref_of(version)
        removed = delete_round_rows(session, row)
        repo.audit(session, actor_user_id(who), "delete_round", f"round:{name}", guideline=ref, **removed)
        return removed


def preview_item_ids(engine: Engine, round: RoundRef, *, actor: Actor, seed: int = 0) -> list[str]:
    """The items a lead walks through to preview the round's quiz as an annotator would see it.

    Read-only: no attempt, assignment or answer is written. A calibration round gives a quiz drawn
    as for a new annotator (stratified by rule, the round's size); a pilot round gives its items.

    Raises:
        NotFoundError: unknown round. PermissionDenied: not a lead.
    """
    with session_scope(engine, read_only=True) as session:
        actor_row(session, actor, ("lead",), "preview quizzes")
        row, version = find_round(session, round)
        if row.kind != "calibration":
            return round_item_ids(row, version)
        guideline = guideline_of(version)
        settings = row.settings or {}
        return sampling.sample_quiz(
            sampling.quiz_bank(guideline),
            size=int(settings.get("items_per_quiz") or guideline.calibration.items_per_quiz),
            min_per_rule=int(settings.get("min_items_per_rule") or guideline.calibration.min_items_per_rule),
            seed=f"{settings.get('seed', 0)}:preview:{seed}",
            seen=set(),
            target_rules=None,
        )
