"""Import a table of answers (canonical responses table) into a round."""

from __future__ import annotations

import dataclasses
import numbers
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from calibration.answers import answer_to_json, parse_answer, suggest
from calibration.errors import (
    AnswerError,
    ConflictError,
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
    isna,
    items_of,
    new_user,
    retrying,
    round_item_ids,
)
from calibration.rounds.attempts import check_answer_extras
from calibration.storage import repository as repo
from calibration.storage import tables as t

if TYPE_CHECKING:
    import pandas as pd


def import_responses(
    engine: Engine, round: RoundRef, responses: pd.DataFrame, *, actor: Actor, source: str | None = None
) -> int:
    """Store answers made elsewhere (a labeling tool) in a pilot round, all or nothing.

    Annotators unknown to the store are created (role annotator, no password); each gets one
    finished attempt holding the items they answered. Rows whose ``annotator_kind`` is ``model`` are a
    model annotator's (created with kind ``model``; its ``score`` is kept per answer).

    Args:
        responses: a responses table (`calibration.responses`) whose answers are raw or canonical;
            item ids must be items of the round.
        source: where the answers came from (file name), for messages and the audit log.

    Returns:
        The number of responses stored.

    Raises:
        NotFoundError: unknown round or item (naming the row). AnswerError: an invalid answer
        (naming the row). ConflictError: the round is not a pilot, an annotator
        already answered in it, or a model's name is a person's (or the reverse). PermissionDenied:
        not a lead.
    """
    from calibration.responses import responses_frame

    frame = responses_frame(responses)

    def work(session: Session) -> int:
        who = actor_row(session, actor, ("lead",), "import responses")
        row, version = find_round(session, round)
        if row.kind != "pilot":
            raise ConflictError(
                f"round {row.name!r} is a {row.kind} round; answers can only be imported into pilots"
            )
        guideline = guideline_of(version)
        items = items_of(row, version)
        allowed = set(round_item_ids(row, version))
        parsed: list[tuple[str, str, Any, dict[str, Any]]] = []
        for position, record in enumerate(frame.to_dict(orient="records")):
            where = Location(path=source, row=position + 2, field="item_id")
            item_id = record["item_id"]
            if item_id not in allowed:
                raise NotFoundError(
                    f"item {item_id!r} is not in round {row.name!r}",
                    location=where,
                    hint=suggest(item_id, sorted(allowed)),
                )
            try:
                canonical = parse_answer(guideline.task, record["answer"], items[item_id].input)
            except AnswerError as error:
                raise AnswerError(
                    f"item {item_id!r}: {error.message}",
                    location=Location(path=source, row=position + 2, field="answer"),
                    hint=error.hint,
                ) from None
            extras = {
                k: None if isna(record.get(k)) else record.get(k)
                for k in ("confidence", "cited_rule", "unclear", "comment", "seconds", "score")
            }
            try:  # the same checks as an answer given in the app
                confidence, cited, _, seconds = check_answer_extras(
                    guideline,
                    _whole(extras["confidence"]),
                    extras["cited_rule"],
                    None,
                    _real(extras["seconds"]),
                )
            except AnswerError as error:
                raise AnswerError(
                    error.message,
                    location=dataclasses.replace(where, field=error.location.field),
                    hint=error.hint,
                ) from None
            extras |= {"confidence": confidence, "cited_rule": cited, "seconds": seconds}
            parsed.append((record["annotator_id"], item_id, canonical, extras))
        names = sorted({p[0] for p in parsed})
        existing = repo.users_by_names(session, names)
        kinds = dict.fromkeys(names, "human")
        if "annotator_kind" in frame:
            for name, kind in zip(frame["annotator_id"], frame["annotator_kind"], strict=True):
                if kind == "model":
                    kinds[name] = "model"
        for name in names:
            if name in existing and (existing[name].kind or "human") != kinds[name]:
                raise ConflictError(
                    f"{name!r} is a {existing[name].kind} annotator in the store; the answers mark it as "
                    f"a {kinds[name]}",
                    hint="give the model a name of its own (e.g. name@version)",
                )
        people = {
            n: existing[n] if n in existing else new_user(session, n, "annotator", None, None, kind=kinds[n])
            for n in names
        }
        moment = t.utcnow()
        for name in names:
            person = people[name]
            if repo.attempts_of(session, row.id, person.id):
                raise ConflictError(
                    f"{name} already has answers in round {row.name!r}", hint="import into a new round"
                )
            mine = [p for p in parsed if p[0] == name]
            seen: dict[str, tuple[str, str, Any, dict[str, Any]]] = {}
            for p in mine:
                seen[p[1]] = p  # the last answer per item wins
            repo.add_assignments(session, row.id, person.id, 1, list(seen))
            attempt = t.Attempt(
                round_id=row.id,
                annotator_id=person.id,
                number=1,
                status="finished",
                started_at=moment,
                finished_at=moment,
            )
            session.add(attempt)
            session.flush()
            rows = []
            for _, item_id, canonical, extras in seen.values():
                confidence, seconds = extras.get("confidence"), extras.get("seconds")
                rows.append(
                    {
                        "attempt_id": attempt.id,
                        "round_id": row.id,
                        "item_id": item_id,
                        "annotator_id": person.id,
                        "answer": answer_to_json(guideline.task.type, canonical),
                        "confidence": None if confidence is None else int(confidence),
                        "cited_rule": None if isna(extras.get("cited_rule")) else extras.get("cited_rule"),
                        "unclear": bool(extras.get("unclear") or False),
                        "comment": None if isna(extras.get("comment")) else extras.get("comment"),
                        "seconds": None if seconds is None else float(seconds),
                        "score": None if isna(extras.get("score")) else float(extras["score"]),
                        "created_at": moment,
                    }
                )
            repo.add_responses(session, rows)
        repo.audit(
            session,
            actor_user_id(who),
            "import_responses",
            f"round:{row.name}",
            source=source,
            rows=len(parsed),
            annotators=names,
        )
        return len(parsed)

    return retrying(engine, work)


def _whole(value: Any) -> Any:
    """A table cell's whole number (3.0, numpy int) as int; anything else unchanged (checked later)."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and float(value).is_integer():
        return int(float(value))
    return value


def _real(value: Any) -> Any:
    """A table cell's number (numpy types included) as float; anything else unchanged (checked later)."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    return value
