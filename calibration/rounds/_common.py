"""Shared pieces of the rounds service: actor checks, round/version look-ups, caches and retries."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Callable, Iterable
from typing import Any, Literal, TypeVar

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from calibration import auth
from calibration.answers import Span, suggest
from calibration.boxes import Box
from calibration.errors import (
    CalibrationError,
    ConflictError,
    Location,
    NotFoundError,
    PermissionDenied,
)
from calibration.guidelines.model import Guideline, Item
from calibration.storage import repository as repo
from calibration.storage import tables as t
from calibration.storage.engine import session_scope
from calibration.storage.repository import RoundKind, User

SYSTEM: Literal["system"] = "system"
"""The local operator (CLI, first start): allowed everything, recorded as actor NULL in the audit log."""


Actor = User | int | Literal["system"]
RoundRef = str | int


def utc_now(now: dt.datetime | None = None) -> dt.datetime:
    return now or t.utcnow()


def actor_row(session: Session, actor: Actor, roles: Iterable[str], action: str) -> t.User | None:
    """The acting user's row (None for SYSTEM), after checking the role; re-read so a stale object cannot lie."""
    if actor == SYSTEM:
        return None
    user_id = actor.id if isinstance(actor, User) else actor
    if not isinstance(user_id, int):
        raise PermissionDenied(f"cannot {action}: no signed-in user", hint="sign in first")
    row = repo.find_user(session, user_id=user_id)
    if row is None:
        raise PermissionDenied(f"cannot {action}: user #{user_id} does not exist", hint="sign in again")
    if row.deactivated_at is not None:
        raise PermissionDenied(
            f"cannot {action}: the account of {row.name} is deactivated", hint="ask a lead"
        )
    allowed = tuple(roles)
    if row.role not in allowed:
        raise PermissionDenied(
            f"{row.name} ({row.role}) may not {action}",
            hint=f"this needs the role {' or '.join(allowed)}",
        )
    return row


def actor_user_id(row: t.User | None) -> int | None:
    return row.id if row is not None else None


def _split_ref(ref: str) -> tuple[str, str]:
    guideline_id, sep, version = ref.partition("@")
    if not sep or not guideline_id or not version:
        raise CalibrationError(
            f"{ref!r} does not name a guideline version",
            location=Location(field="guideline"),
            hint="write ID@VERSION, e.g. contract-clauses@1.1.0",
        )
    return guideline_id, version


def version_row(session: Session, ref: str) -> t.GuidelineVersion:
    guideline_id, version = _split_ref(ref)
    row = repo.find_version(session, guideline_id, version)
    if row is None:
        known = repo.version_ids(session, guideline_id)
        if known:
            hint = f"published versions of {guideline_id}: {', '.join(known)}"
        else:
            hint = "publish it first: calibration publish guidelines/<id>/<version>.yaml"
        raise NotFoundError(f"guideline version {ref} is not published", hint=hint)
    return row


def find_round(session: Session, ref: RoundRef) -> tuple[t.Round, t.GuidelineVersion]:
    found = None
    if isinstance(ref, int):
        row = session.get(t.Round, ref)
        if row is not None:
            found = (row, session.get(t.GuidelineVersion, row.guideline_version_id))
    else:
        found = repo.find_round(session, ref)
    if found is None or found[1] is None:
        names = repo.round_names(session)
        hint = (suggest(str(ref), names) if names else None) or (
            f"known rounds: {', '.join(names[:10])}" if names else "create one with: calibration round create"
        )
        raise NotFoundError(f"unknown round {ref!r}", location=Location(field="round"), hint=hint)
    return found  # type: ignore[return-value]


def ref_of(version: t.GuidelineVersion) -> str:
    return f"{version.guideline_id}@{version.version}"


_guideline_cache: dict[str, Guideline] = {}


def guideline_of(version: t.GuidelineVersion) -> Guideline:
    """The frozen guideline of a published version (cached by content hash: snapshots never change)."""
    cached = _guideline_cache.get(version.content_hash)
    if cached is None:
        cached = Guideline.model_validate(version.snapshot)
        if len(_guideline_cache) > 64:
            _guideline_cache.clear()
        _guideline_cache[version.content_hash] = cached
    return cached


_items_cache: dict[tuple[str, str], dict[str, Item]] = {}


def items_of(round_row: t.Round, version: t.GuidelineVersion) -> dict[str, Item]:
    """The items of a round by id: the bank plus the round's own (imported or pilot-only) items."""
    extra = (round_row.settings or {}).get("extra_items") or []
    key = (version.content_hash, hashlib.sha256(json.dumps(extra, sort_keys=True).encode()).hexdigest())
    cached = _items_cache.get(key)
    if cached is None:
        cached = {i.id: i for i in guideline_of(version).items}
        cached.update({d["id"]: Item.model_validate(d) for d in extra})
        if len(_items_cache) > 256:
            _items_cache.clear()
        _items_cache[key] = cached
    return cached


def round_item_ids(round_row: t.Round, version: t.GuidelineVersion) -> list[str]:
    settings = round_row.settings or {}
    if settings.get("items"):
        return list(settings["items"])
    return [i.id for i in guideline_of(version).items if i.answer is not None]


def jsonable(value: Any) -> Any:
    """Plain JSON values (numpy scalars to Python, NaN to None)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def retrying(engine: Engine, work: Any, attempts: int = 3) -> Any:
    """Run ``work(session)`` in a transaction, retrying when a concurrent writer won a unique-key race."""
    for left in range(attempts, 0, -1):
        try:
            with session_scope(engine) as session:
                return work(session)
        except IntegrityError:
            if left == 1:
                raise
    raise AssertionError("unreachable")


MAX_NAME = 200
"""Longest name of a user or a round (characters, spaces collapsed); the forms say the same limit."""


def check_name(name: str, field: str = "name") -> str:
    clean = " ".join(str(name).split())
    if not clean or len(clean) > MAX_NAME:
        raise CalibrationError(
            f"a {field.replace('_', ' ')} needs 1 to {MAX_NAME} characters, got {len(clean)}",
            location=Location(field=field),
        )
    return clean


def new_user(
    session: Session,
    name: str,
    role: str,
    email: str | None,
    password: str | None,
    field: str = "name",
    *,
    password_hash: str | None = None,
    kind: str = "human",
    email_hint: str = "sign in, or use another email",
    distinct_case: bool = False,
) -> t.User:
    """Add a user row; give `password_hash` (hashed before the transaction) rather than `password`
    where the caller can: argon2 takes ~0.2 s, which must not be spent holding SQLite's write lock.

    `email_hint` is the hint when the email is taken (the person who types it may be its owner, or a
    lead adding someone). `distinct_case`: also refuse a name that differs from an existing one only
    by case ("ben annotator" next to "Ben Annotator"), as accounts are looked up by name
    case-insensitively (`calibration.storage.repository.find_user`)."""
    name = check_name(name, field)
    if role not in repo.ROLES:
        raise CalibrationError(
            f"unknown role {role!r}; expected one of {', '.join(repo.ROLES)}",
            location=Location(field="role"),
            hint=suggest(role, list(repo.ROLES)),
        )
    if email is not None:
        email = email.strip()
        if "@" not in email or len(email) > 320:
            raise CalibrationError(f"{email!r} is not an email address", location=Location(field="email"))
        if repo.email_taken(session, email):
            raise ConflictError(
                f"{email} is already registered", location=Location(field="email"), hint=email_hint
            )
    if repo.name_taken(session, name):
        raise ConflictError(
            f"the name {name!r} is taken", location=Location(field=field), hint="choose another name"
        )
    if distinct_case:
        similar = repo.names_like(session, name)
        if similar:
            raise ConflictError(
                f"the name {name!r} differs from the existing {similar[0]!r} only by case",
                location=Location(field=field),
                hint="choose another name, or use the existing account",
            )
    if password:
        password_hash = auth.hash_password(password)
    row = t.User(name=name, email=email, role=role, password_hash=password_hash, kind=kind)
    session.add(row)
    session.flush()
    return row


def new_round(
    session: Session,
    name: str,
    kind: RoundKind,
    version: t.GuidelineVersion,
    settings: dict,
    who: t.User | None,
) -> t.Round:
    name = check_name(name, "round")
    if repo.find_round(session, name) is not None:
        raise ConflictError(
            f"a round named {name!r} already exists",
            location=Location(field="round"),
            hint="choose another name",
        )
    row = t.Round(
        name=name,
        kind=kind,
        guideline_version_id=version.id,
        status="open",
        settings=settings,
        created_by=actor_user_id(who),
    )
    session.add(row)
    session.flush()
    return row


def canonical_value(task_type: str, value: Any) -> Any:
    """Canonical answer from its stored JSON form (stored answers were validated when written)."""
    if task_type == "span":
        return tuple(sorted(Span(s["start"], s["end"], s["label"]) for s in value))
    if task_type == "boxes":
        return tuple(sorted(Box(b["label"], b["x"], b["y"], b["width"], b["height"]) for b in value))
    if isinstance(value, list):
        return tuple(value)
    return value


def isna(value: Any) -> bool:
    return value is None or (not isinstance(value, str | list | tuple | dict) and bool(pd.isna(value)))


Choice = TypeVar("Choice")


def advance_attempt(
    session: Session,
    row: t.Attempt,
    choose: Callable[[list[str]], Choice],
    chosen_item: Callable[[Choice], str | None],
) -> Choice | None:
    """Choose and store an adaptive attempt's next item, unless one is still to be answered.

    Args:
        choose: decides on the attempt's assigned items (all answered); its result is returned.
        chosen_item: the item in that result to assign next (None: nothing is left to ask).

    Returns:
        What `choose` returned, or None (`choose` not called) when an item is still pending.
    """
    assigned = _assigned_unless_pending(session, row)
    if assigned is None:
        return None
    choice = choose(assigned)
    item_id = chosen_item(choice)
    if item_id is not None:
        _assign_next(session, row, item_id, len(assigned))
    return choice


def _assigned_unless_pending(session: Session, row: t.Attempt) -> list[str] | None:
    """The attempt's assigned items when all are answered (its next item is to be chosen), else None.

    Checked again under the attempt's lock, so of two tabs resuming at once one chooses and the
    other sees that choice.
    """

    def pending() -> tuple[list[str], bool]:
        assigned = repo.assigned_items(session, row.round_id, row.annotator_id, row.number)
        answered = {r.item_id for r in repo.current_responses(session, [row.id])}
        return assigned, any(i not in answered for i in assigned)

    if pending()[1]:
        return None
    repo.lock_attempt(session, row.id)
    assigned, waiting = pending()
    return None if waiting else assigned


def _assign_next(session: Session, row: t.Attempt, item_id: str, position: int) -> None:
    """Store `item_id` as the attempt's next item (committed with the answer that led to it)."""
    session.add(
        t.Assignment(
            round_id=row.round_id,
            annotator_id=row.annotator_id,
            attempt_number=row.number,
            item_id=item_id,
            position=position,
        )
    )
    session.flush()
