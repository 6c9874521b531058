"""Adjudication of items without gold, and certifications."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from calibration.answers import answer_to_json, parse_answer, suggest
from calibration.errors import (
    AnswerError,
    Location,
    NotFoundError,
)
from calibration.rounds._common import (
    Actor,
    RoundRef,
    actor_row,
    actor_user_id,
    find_round,
    guideline_of,
    items_of,
    version_row,
)
from calibration.storage import repository as repo
from calibration.storage import tables as t
from calibration.storage.engine import session_scope
from calibration.storage.repository import (
    Adjudication,
    Certification,
    User,
)

if TYPE_CHECKING:
    pass


MAX_RATIONALE = 4000
"""Longest adjudication rationale (characters); the Adjudication page says the same limit."""


def adjudicate(
    engine: Engine,
    round: RoundRef,
    item_id: str,
    raw_answer: Any,
    rationale: str = "",
    *,
    actor: Actor,
    add_to_bank: bool = False,
) -> Adjudication:
    """Record a lead's final answer for an item of a round (optionally as gold for the bank).

    Raises:
        NotFoundError: unknown round or item. AnswerError: invalid answer, or a rationale longer than
        `MAX_RATIONALE`. PermissionDenied: not a lead.
    """
    if len(rationale.strip()) > MAX_RATIONALE:
        raise AnswerError(
            f"the rationale has {len(rationale.strip())} characters; it can have at most {MAX_RATIONALE}",
            location=Location(field="rationale"),
            hint="shorten it (nothing was saved; what you typed is still there)",
        )
    with session_scope(engine) as session:
        who = actor_row(session, actor, ("lead",), "adjudicate")
        row, version = find_round(session, round)
        items = items_of(row, version)
        if str(item_id) not in items:
            raise NotFoundError(
                f"item {item_id!r} is not in round {row.name!r}",
                location=Location(field="item_id"),
                hint=suggest(str(item_id), list(items)),
            )
        guideline = guideline_of(version)
        item = items[str(item_id)]
        try:
            canonical = parse_answer(guideline.task, raw_answer, item.input)
        except AnswerError as error:
            raise AnswerError(
                f"item {item_id!r}: {error.message}", location=Location(field="answer"), hint=error.hint
            ) from None
        adjudication = t.Adjudication(
            round_id=row.id,
            item_id=str(item_id),
            answer=answer_to_json(guideline.task.type, canonical),
            rationale=rationale.strip(),
            adjudicator_id=actor_user_id(who),
            added_to_bank=add_to_bank,
        )
        session.add(adjudication)
        session.flush()
        repo.audit(
            session,
            actor_user_id(who),
            "adjudicate",
            f"round:{row.name}",
            item_id=str(item_id),
            answer=adjudication.answer,
            added_to_bank=add_to_bank,
        )
        return repo.adjudication_of(adjudication)


def adjudications(engine: Engine, round: RoundRef) -> list[Adjudication]:
    """A round's adjudications, oldest first (the latest per item wins)."""
    with session_scope(engine, read_only=True) as session:
        row, _ = find_round(session, round)
        return repo.adjudications(session, row.id)


def certifications(
    engine: Engine, annotator: User | int | None = None, guideline_ref: str | None = None
) -> list[Certification]:
    """Certifications, optionally of one annotator and/or one guideline version."""
    with session_scope(engine, read_only=True) as session:
        version_id = version_row(session, guideline_ref).id if guideline_ref else None
        annotator_id = annotator.id if isinstance(annotator, User) else annotator
        return repo.certifications(session, annotator_id, version_id)
