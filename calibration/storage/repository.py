"""Session in, domain objects out: every query of the store lives here, no SQL anywhere else.

Domain objects are frozen dataclasses, safe to cache and to hand to the app after the session closed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import CursorResult, Executable, Text, cast, delete, func, insert, select, update
from sqlalchemy.orm import Session

from calibration.storage import tables as t

Role = Literal["lead", "author", "annotator"]
RoundKind = Literal["pilot", "calibration"]
ROLES: tuple[str, ...] = ("lead", "author", "annotator")


# --------------------------------------------------------------------------- domain objects


@dataclass(frozen=True)
class User:
    """A person using the product."""

    id: int
    name: str
    email: str | None
    role: Role
    created_at: dt.datetime
    has_password: bool = False
    session_version: int = 0
    """Signed into session cookies; a bump (sign-out, password change, deactivation) revokes them."""
    active: bool = True
    """False once deactivated: cannot sign in, and every session is revoked."""
    kind: str = "human"
    """``human`` or ``model`` (a model's answers come from a file; it never signs in)."""
    must_change_password: bool = False
    """True after a lead chose the password (reset, temporary password): no page opens until the
    user has chosen their own (`calibration.rounds.accounts.replace_temporary_password`)."""
    sign_in_method: str = "local"
    """``local`` (a password or invitation links) or ``sso`` (has signed in with single sign-on: no
    local password is added to the account; `calibration.rounds.accounts.record_single_sign_on`)."""


@dataclass(frozen=True)
class GuidelineVersion:
    """A published guideline version (the snapshot itself is loaded by `get_guideline`)."""

    id: int
    guideline_id: str
    version: str
    content_hash: str
    title: str
    published_at: dt.datetime
    published_by: int | None

    @property
    def ref(self) -> str:
        """``id@version``."""
        return f"{self.guideline_id}@{self.version}"


@dataclass(frozen=True)
class Round:
    """A pilot or calibration round."""

    id: int
    name: str
    kind: RoundKind
    guideline_version_id: int
    guideline_ref: str
    status: Literal["open", "closed"]
    settings: dict[str, Any]
    created_by: int | None
    created_at: dt.datetime
    archived_at: dt.datetime | None = None

    @property
    def archived(self) -> bool:
        """Whether a lead archived the round (hidden from lists and default selections)."""
        return self.archived_at is not None


@dataclass(frozen=True)
class Response:
    """One stored answer (``answer`` in its JSON form, see `calibration.answers.answer_to_json`)."""

    id: int
    attempt_id: int
    round_id: int
    item_id: str
    annotator_id: int
    answer: Any
    confidence: int | None
    cited_rule: str | None
    unclear: bool
    comment: str | None
    seconds: float | None
    created_at: dt.datetime
    superseded_at: dt.datetime | None
    created: bool = True  # False when `record_answer` found the same answer already stored


@dataclass(frozen=True)
class Attempt:
    """An annotator's pass through their items, with progress.

    ``items`` is the attempt's item order; ``answers`` holds the current response per answered item;
    ``next_item`` is the first item in order without an answer (None when all are answered);
    ``feedback_item`` is the answered item whose immediate feedback is not dismissed yet (or None).
    """

    id: int
    round_id: int
    round_name: str
    annotator_id: int
    number: int
    status: Literal["in_progress", "finished"]
    items: tuple[str, ...]
    answers: dict[str, Response]
    started_at: dt.datetime
    finished_at: dt.datetime | None
    score: dict[str, Any] | None
    target_rules: tuple[str, ...] | None = None
    feedback_item: str | None = None

    @property
    def next_item(self) -> str | None:
        for item in self.items:
            if item not in self.answers:
                return item
        return None

    @property
    def answered(self) -> int:
        return sum(item in self.answers for item in self.items)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def finished(self) -> bool:
        return self.status == "finished"


@dataclass(frozen=True)
class Certification:
    """An annotator certified on a guideline version by a passed attempt (a model by `certify-model --store`)."""

    id: int
    annotator_id: int
    annotator_name: str
    guideline_ref: str
    attempt_id: int | None
    """The passed quiz; None for a model certified from a file of its answers."""
    score: float | None
    certified_at: dt.datetime
    annotator_kind: str = "human"
    """``human``, or ``model`` for a model certified with `certify-model --store` (the annotator's kind)."""


@dataclass(frozen=True)
class Adjudication:
    """A lead's final answer for an item of a round."""

    id: int
    round_id: int
    item_id: str
    answer: Any
    rationale: str
    adjudicator_id: int | None
    created_at: dt.datetime
    added_to_bank: bool


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log."""

    id: int
    actor_id: int | None
    action: str
    entity: str
    details: dict[str, Any]
    at: dt.datetime


@dataclass(frozen=True)
class AnnotatorProgress:
    """Progress of one annotator in a round (their latest attempt)."""

    annotator_id: int
    name: str
    attempts: int
    status: Literal["not_started", "in_progress", "finished"]
    answered: int
    total: int
    last_activity: dt.datetime | None
    passed: bool | None = None
    stuck: bool = False  # in progress, but no answer for a while (see `round_status`)


@dataclass(frozen=True)
class RoundStatus:
    """Who finished and who is stuck in a round."""

    round: Round
    annotators: list[AnnotatorProgress] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """For the lead, e.g. "retakes reuse quiz items seen before ... for rules with too few unseen items"."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "round": self.round.name,
            "kind": self.round.kind,
            "guideline": self.round.guideline_ref,
            "status": self.round.status,
            "warnings": list(self.warnings),
            "annotators": [
                {
                    "annotator": p.name,
                    "status": p.status,
                    "attempts": p.attempts,
                    "answered": p.answered,
                    "total": p.total,
                    "last_activity": p.last_activity.isoformat() if p.last_activity else None,
                    "passed": p.passed,
                    "stuck": p.stuck,
                }
                for p in self.annotators
            ],
        }


# --------------------------------------------------------------------------- converters


def user_of(row: t.User) -> User:
    return User(
        row.id,
        row.name,
        row.email,
        row.role,  # type: ignore[arg-type]
        row.created_at,
        row.password_hash is not None,
        row.session_version or 0,
        row.deactivated_at is None,
        row.kind or "human",
        bool(row.must_change_password),
        row.sign_in_method or "local",
    )


def version_of(row: t.GuidelineVersion) -> GuidelineVersion:
    return GuidelineVersion(
        row.id, row.guideline_id, row.version, row.content_hash, row.title, row.published_at, row.published_by
    )


def round_of(row: t.Round, ref: str) -> Round:
    return Round(
        row.id,
        row.name,
        row.kind,  # type: ignore[arg-type]
        row.guideline_version_id,
        ref,
        row.status,  # type: ignore[arg-type]
        dict(row.settings or {}),
        row.created_by,
        row.created_at,
        row.archived_at,
    )


def response_of(row: t.Response, created: bool = True) -> Response:
    return Response(
        row.id,
        row.attempt_id,
        row.round_id,
        row.item_id,
        row.annotator_id,
        row.answer,
        row.confidence,
        row.cited_rule,
        bool(row.unclear),
        row.comment,
        row.seconds,
        row.created_at,
        row.superseded_at,
        created,
    )


# --------------------------------------------------------------------------- users


def fold(text: str) -> str:
    """`text` for case-insensitive comparison of names and emails (``"Élodie"`` and ``"élodie"``).

    Python's ``casefold``, never the database's ``lower``: SQLite's folds ASCII letters only and
    PostgreSQL's depends on the collation, so a match must not depend on the store.
    """
    return text.strip().casefold()


def _folded_ids(session: Session, column: Any, key: str) -> list[int]:
    """The ids of the users whose `column` (name or email) folds to `key`, oldest first.

    Reads (id, value) of every account: bounded by the number of accounts, and only on the paths that
    found no exact match.
    """
    rows = session.execute(select(t.User.id, column).where(column.is_not(None)).order_by(t.User.id))
    return [user_id for user_id, value in rows if fold(value) == key]


def find_user(session: Session, *, user_id: int | None = None, login: str | None = None) -> t.User | None:
    """A user by id, or by login (email, exact else ignoring case; or name: exact, else ignoring case
    when it names one user only). Case is ignored as `fold` does, the same on every store."""
    if user_id is not None:
        return session.get(t.User, user_id)
    if login is None:
        return None
    login = login.strip()
    key = fold(login)
    row = session.scalar(select(t.User).where(t.User.email == login))
    if row is None and "@" in login:  # every email holds an "@" (`new_user`)
        ids = _folded_ids(session, t.User.email, key)
        row = session.get(t.User, ids[0]) if ids else None
    row = row or session.scalar(select(t.User).where(t.User.name == login))
    if row is None:  # the name ignoring case, when it names one user only
        ids = _folded_ids(session, t.User.name, key)
        row = session.get(t.User, ids[0]) if len(ids) == 1 else None
    return row


def find_user_by_email(session: Session, email: str) -> t.User | None:
    """The user whose email column is `email` (exact, else ignoring case as `fold` does), or None.

    Never a name: single sign-on matches an identity to an account by its email only, or anyone whose
    name is someone's address at the identity provider would sign in as them. None when the folded
    email names more than one account (older data; `email_taken` keeps new ones unique).
    """
    email = email.strip()
    if "@" not in email:  # every email holds one (`new_user`)
        return None
    row = session.scalar(select(t.User).where(t.User.email == email))
    if row is None:
        ids = _folded_ids(session, t.User.email, fold(email))
        row = session.get(t.User, ids[0]) if len(ids) == 1 else None
    return row


def lock_user(session: Session, user_id: int) -> t.User | None:
    """The user row, locked for this transaction (``SELECT ... FOR UPDATE`` on PostgreSQL, fresh from
    the database), so a check of its columns holds until the write commits. SQLite needs no more: a
    write transaction starts with ``BEGIN IMMEDIATE`` and runs alone."""
    return session.get(t.User, user_id, with_for_update=True, populate_existing=True)


def names_like(session: Session, name: str) -> list[str]:
    """The existing user names equal to `name` but for case (as `fold` compares; not `name` itself)."""
    key = fold(name)
    rows = session.execute(select(t.User.name).where(t.User.name != name).order_by(t.User.name))
    return [value for (value,) in rows if fold(value) == key]


def users_by_names_any_case(session: Session, names: Sequence[str]) -> dict[str, list[t.User]]:
    """The users whose name is one of `names` but for case, by folded name (`fold`), oldest first.

    Compares as `find_user` does, so a match here is a match at sign-in. Reads (id, name) of every
    account once (bounded by the number of accounts), then the matched rows.
    """
    wanted = {fold(name) for name in names}
    ids: dict[int, str] = {}
    for user_id, value in session.execute(select(t.User.id, t.User.name)):
        if fold(value) in wanted:
            ids[user_id] = fold(value)
    found: dict[str, list[t.User]] = {}
    chosen = sorted(ids)
    for start in range(0, len(chosen), 500):  # bounded IN lists
        query = select(t.User).where(t.User.id.in_(chosen[start : start + 500])).order_by(t.User.id)
        for row in session.scalars(query):
            found.setdefault(ids[row.id], []).append(row)
    return found


def users_by_names(session: Session, names: Sequence[str]) -> dict[str, t.User]:
    rows = session.scalars(select(t.User).where(t.User.name.in_(list(names)))).all()
    return {r.name: r for r in rows}


def list_users(session: Session, role: str | None = None) -> list[User]:
    query = select(t.User).order_by(t.User.name)
    if role is not None:
        query = query.where(t.User.role == role)
    return [user_of(r) for r in session.scalars(query)]


def name_taken(session: Session, name: str) -> bool:
    return (session.scalar(select(func.count()).select_from(t.User).where(t.User.name == name)) or 0) > 0


def email_taken(session: Session, email: str) -> bool:
    """Whether an account has `email`, ignoring case as `find_user` does."""
    if "@" not in email:  # every email holds one (`new_user`): no need to read them
        return False
    return bool(_folded_ids(session, t.User.email, fold(email)))


SIGN_IN_LOCK = 72711960  # PostgreSQL advisory lock key: sign-in reservations one at a time


def lock_sign_ins(session: Session) -> None:
    """Serialise sign-in reservations until the transaction ends.

    SQLite needs nothing more: every write transaction starts with ``BEGIN IMMEDIATE`` and so runs
    alone. PostgreSQL takes a transaction-level advisory lock (the reservation is a few short
    statements, so sign-ins queue for milliseconds, never for a password hash).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(SIGN_IN_LOCK)))


def recent_failures(
    session: Session,
    since: dt.datetime,
    *,
    login: str | None = None,
    client: str | None = None,
    limit: int | None = None,
) -> list[dt.datetime]:
    """Times of sign-in attempts since `since`, newest first: of one account key, one client, or all.

    Args:
        login: an account key (see `tables.SignInFailure`); client: a client address; neither: all.
        limit: at most this many (the newest).
    """
    query = select(t.SignInFailure.at).where(t.SignInFailure.at >= since)
    if login is not None:
        query = query.where(t.SignInFailure.login == login)
    if client is not None:
        query = query.where(t.SignInFailure.client == client)
    query = query.order_by(t.SignInFailure.at.desc())
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def reserve_sign_in(session: Session, login: str, client: str | None, at: dt.datetime) -> int:
    """Record a sign-in attempt as a failure before its password is checked; returns its id."""
    row = t.SignInFailure(login=login, client=client, at=at)
    session.add(row)
    session.flush()
    return row.id


def prune_failures(session: Session, before: dt.datetime) -> None:
    """Forget every sign-in attempt older than `before` (outside the rate-limit window)."""
    session.execute(delete(t.SignInFailure).where(t.SignInFailure.at < before))


def clear_failures(session: Session, login: str) -> None:
    """Forget an account's attempts (after it signed in)."""
    session.execute(delete(t.SignInFailure).where(t.SignInFailure.login == login))


# --------------------------------------------------------------------------- guideline versions


def find_version(session: Session, guideline_id: str, version: str) -> t.GuidelineVersion | None:
    query = select(t.GuidelineVersion).where(
        t.GuidelineVersion.guideline_id == guideline_id, t.GuidelineVersion.version == version
    )
    return session.scalar(query)


def list_versions(session: Session, guideline_id: str | None = None) -> list[GuidelineVersion]:
    query = select(t.GuidelineVersion).order_by(t.GuidelineVersion.guideline_id, t.GuidelineVersion.id)
    if guideline_id is not None:
        query = query.where(t.GuidelineVersion.guideline_id == guideline_id)
    return [version_of(r) for r in session.scalars(query)]


def version_ids(session: Session, guideline_id: str) -> list[str]:
    query = select(t.GuidelineVersion.version).where(t.GuidelineVersion.guideline_id == guideline_id)
    return list(session.scalars(query))


# --------------------------------------------------------------------------- rounds


def find_round(session: Session, name: str) -> tuple[t.Round, t.GuidelineVersion] | None:
    query = (
        select(t.Round, t.GuidelineVersion)
        .join(t.GuidelineVersion, t.Round.guideline_version_id == t.GuidelineVersion.id)
        .where(t.Round.name == name)
    )
    row = session.execute(query).first()
    return (row[0], row[1]) if row else None


def round_names(session: Session) -> list[str]:
    return list(session.scalars(select(t.Round.name).order_by(t.Round.created_at)))


def list_rounds(session: Session, *, include_archived: bool = True) -> list[Round]:
    query = (
        select(t.Round, t.GuidelineVersion)
        .join(t.GuidelineVersion, t.Round.guideline_version_id == t.GuidelineVersion.id)
        .order_by(t.Round.created_at, t.Round.id)
    )
    if not include_archived:
        query = query.where(t.Round.archived_at.is_(None))
    return [round_of(r, f"{v.guideline_id}@{v.version}") for r, v in session.execute(query)]


def add_assignments(
    session: Session, round_id: int, annotator_id: int, number: int, items: Sequence[str]
) -> None:
    """Give `items` (in this order) to an annotator's attempt `number` (one multi-row INSERT)."""
    rows = [
        {
            "round_id": round_id,
            "annotator_id": annotator_id,
            "attempt_number": number,
            "item_id": i,
            "position": p,
        }
        for p, i in enumerate(items)
    ]
    if rows:
        session.execute(insert(t.Assignment), rows)


def add_responses(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many responses at once (imports); each dict holds `tables.Response` column values."""
    if rows:
        session.execute(insert(t.Response), list(rows))


def assigned_items(session: Session, round_id: int, annotator_id: int, number: int) -> list[str]:
    query = (
        select(t.Assignment.item_id)
        .where(
            t.Assignment.round_id == round_id,
            t.Assignment.annotator_id == annotator_id,
            t.Assignment.attempt_number == number,
        )
        .order_by(t.Assignment.position)
    )
    return list(session.scalars(query))


def is_assigned(session: Session, round_id: int, annotator_id: int, number: int, item_id: str) -> bool:
    query = select(t.Assignment.id).where(
        t.Assignment.round_id == round_id,
        t.Assignment.annotator_id == annotator_id,
        t.Assignment.attempt_number == number,
        t.Assignment.item_id == item_id,
    )
    return session.scalar(query) is not None


def assignment_counts(session: Session, round_id: int) -> dict[str, int]:
    """Annotators per item in a round's first attempts (for late joiners of a pilot)."""
    query = (
        select(t.Assignment.item_id, func.count())
        .where(t.Assignment.round_id == round_id, t.Assignment.attempt_number == 1)
        .group_by(t.Assignment.item_id)
    )
    return {item: n for item, n in session.execute(query)}


def finished_round_ids(session: Session) -> set[int]:
    """Rounds that have annotators, every one of whom finished their latest attempt (two queries)."""
    people: dict[int, set[int]] = {}
    assigned = select(t.Assignment.round_id, t.Assignment.annotator_id).distinct()
    for round_id, annotator_id in session.execute(assigned):
        people.setdefault(round_id, set()).add(annotator_id)
    latest: dict[tuple[int, int], tuple[int, str]] = {}
    attempts = select(t.Attempt.round_id, t.Attempt.annotator_id, t.Attempt.number, t.Attempt.status)
    for round_id, annotator_id, number, status in session.execute(attempts):
        people.setdefault(round_id, set()).add(annotator_id)
        key = (round_id, annotator_id)
        if key not in latest or number > latest[key][0]:
            latest[key] = (number, status)
    return {
        round_id
        for round_id, who in people.items()
        if who and all(latest.get((round_id, a), (0, ""))[1] == "finished" for a in who)
    }


def round_annotator_ids(session: Session, round_id: int) -> list[int]:
    query = select(t.Assignment.annotator_id).where(t.Assignment.round_id == round_id).distinct()
    ids = set(session.scalars(query))
    ids |= set(session.scalars(select(t.Attempt.annotator_id).where(t.Attempt.round_id == round_id)))
    return sorted(ids)


# --------------------------------------------------------------------------- invitations


def find_invitation(session: Session, token_hash: str) -> t.Invitation | None:
    return session.scalar(select(t.Invitation).where(t.Invitation.token_hash == token_hash))


def claim_invitation(session: Session, invitation_id: int, now: dt.datetime) -> bool:
    """Mark an invitation used; False when someone else used it first (one-time use under races)."""
    statement = (
        update(t.Invitation)
        .where(t.Invitation.id == invitation_id, t.Invitation.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return rows_changed(session, statement) == 1


def rows_changed(session: Session, statement: Executable) -> int:
    """Run an UPDATE or DELETE; the number of rows it matched."""
    result = session.execute(statement)
    if not isinstance(result, CursorResult):  # DML gives a CursorResult; Session.execute is typed as Result
        raise TypeError(f"{type(result).__name__} has no row count: not an UPDATE or DELETE")
    return result.rowcount


# --------------------------------------------------------------------------- attempts and responses


def attempts_of(session: Session, round_id: int, annotator_id: int) -> list[t.Attempt]:
    query = (
        select(t.Attempt)
        .where(t.Attempt.round_id == round_id, t.Attempt.annotator_id == annotator_id)
        .order_by(t.Attempt.number)
    )
    return list(session.scalars(query))


def lock_attempt(session: Session, attempt_id: int) -> t.Attempt | None:
    """The attempt row, locked for this transaction (PostgreSQL ``FOR UPDATE``; SQLite holds the lock already)."""
    return session.scalar(select(t.Attempt).where(t.Attempt.id == attempt_id).with_for_update())


def current_response(session: Session, attempt_id: int, item_id: str) -> t.Response | None:
    query = select(t.Response).where(
        t.Response.attempt_id == attempt_id, t.Response.item_id == item_id, t.Response.superseded_at.is_(None)
    )
    return session.scalar(query)


def current_responses(session: Session, attempt_ids: Iterable[int]) -> list[t.Response]:
    ids = list(attempt_ids)
    if not ids:
        return []
    query = select(t.Response).where(t.Response.attempt_id.in_(ids), t.Response.superseded_at.is_(None))
    return list(session.scalars(query.order_by(t.Response.id)))


def response_history(session: Session, attempt_id: int, item_id: str) -> list[Response]:
    query = (
        select(t.Response)
        .where(t.Response.attempt_id == attempt_id, t.Response.item_id == item_id)
        .order_by(t.Response.id)
    )
    return [response_of(r) for r in session.scalars(query)]


def attempt_of(session: Session, row: t.Attempt, round_name: str) -> Attempt:
    items = assigned_items(session, row.round_id, row.annotator_id, row.number)
    answers = {r.item_id: response_of(r) for r in current_responses(session, [row.id])}
    return Attempt(
        row.id,
        row.round_id,
        round_name,
        row.annotator_id,
        row.number,
        row.status,  # type: ignore[arg-type]
        tuple(items),
        answers,
        row.started_at,
        row.finished_at,
        row.score,
        tuple(row.target_rules) if row.target_rules is not None else None,
        row.feedback_item,
    )


def seen_items(session: Session, round_ids: Sequence[int], annotator_id: int) -> set[str]:
    """Items an annotator was given in any attempt of these rounds."""
    query = select(t.Assignment.item_id).where(
        t.Assignment.round_id.in_(list(round_ids)), t.Assignment.annotator_id == annotator_id
    )
    return set(session.scalars(query))


def _calibration_assignments(query: Any, guideline_id: str, annotator_ids: Sequence[int]) -> Any:
    """`query` over the assignments of these annotators' calibration attempts on any version of the
    guideline (joined to their attempt, round and guideline version)."""
    return (
        query.join(
            t.Attempt,
            (t.Attempt.round_id == t.Assignment.round_id)
            & (t.Attempt.annotator_id == t.Assignment.annotator_id)
            & (t.Attempt.number == t.Assignment.attempt_number),
        )
        .join(t.Round, t.Round.id == t.Assignment.round_id)
        .join(t.GuidelineVersion, t.GuidelineVersion.id == t.Round.guideline_version_id)
        .where(
            t.Round.kind == "calibration",
            t.GuidelineVersion.guideline_id == guideline_id,
            t.Assignment.annotator_id.in_(list(annotator_ids)),
        )
    )


def _gold_shown_query(
    guideline_id: str,
    annotator_ids: Sequence[int],
    finished_only: bool,
    except_attempt: int | None,
    before_attempt: int | None = None,
    *,
    first: bool = False,
) -> Any:
    attempt = func.min(t.Attempt.id) if first else func.max(t.Attempt.id)
    query = _calibration_assignments(
        select(t.Assignment.annotator_id, t.Assignment.item_id, attempt), guideline_id, annotator_ids
    ).group_by(t.Assignment.annotator_id, t.Assignment.item_id)
    if finished_only:
        query = query.where(t.Attempt.status == "finished")
    if except_attempt is not None:
        query = query.where(t.Attempt.id != except_attempt)
    if before_attempt is not None:
        query = query.where(t.Attempt.id < before_attempt)
    return query


def gold_shown_items(
    session: Session,
    guideline_id: str,
    annotator_ids: Sequence[int],
    *,
    finished_only: bool = False,
    except_attempt: int | None = None,
) -> dict[int, set[str]]:
    """Items of each annotator's calibration attempts on any version of a guideline: their gold answer
    was (finished attempts) or may have been (in progress, immediate feedback) shown to them.

    Args:
        finished_only: only finished attempts (gold shown for certain).
        except_attempt: leave this attempt out (the one being scored).

    Returns:
        ``{annotator id: item ids}``; annotators without such items are missing.
    """
    shown = gold_shown_recency(
        session, guideline_id, annotator_ids, finished_only=finished_only, except_attempt=except_attempt
    )
    return {person: set(items) for person, items in shown.items()}


def gold_shown_recency(
    session: Session,
    guideline_id: str,
    annotator_ids: Sequence[int],
    *,
    finished_only: bool = False,
    except_attempt: int | None = None,
    before_attempt: int | None = None,
) -> dict[int, dict[str, int]]:
    """`gold_shown_items` with when each item was last given: ``{annotator id: {item id: attempt id}}``,
    the id of the latest attempt that had the item (a larger id is a later attempt).

    Args:
        before_attempt: only attempts started before this one (a smaller id).
    """
    if not annotator_ids:
        return {}
    shown: dict[int, dict[str, int]] = {}
    query = _gold_shown_query(guideline_id, annotator_ids, finished_only, except_attempt, before_attempt)
    for annotator_id, item_id, latest in session.execute(query):
        shown.setdefault(annotator_id, {})[item_id] = int(latest)
    return shown


def gold_shown_times(
    session: Session, guideline_id: str, annotator_ids: Sequence[int], immediate_versions: Sequence[int]
) -> dict[tuple[int, str], dict[int, dt.datetime]]:
    """When each item's gold answer was first shown to each annotator, by calibration attempt on any
    version of the guideline: ``{(annotator id, item id): {attempt id: moment}}``.

    Gold is shown once an attempt is finished (its `finished_at`, for every item it had) and, in an
    attempt on one of `immediate_versions` (guideline versions with immediate feedback), as soon as an
    item is answered (its first answer's time). An unfinished attempt without immediate feedback
    showed nothing.
    """
    if not annotator_ids:
        return {}
    shown: dict[tuple[int, str], dict[int, dt.datetime]] = {}

    def keep(annotator_id: int, item_id: str, attempt_id: int, moment: dt.datetime | None) -> None:
        if moment is None:
            return
        moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
        per_attempt = shown.setdefault((int(annotator_id), str(item_id)), {})
        if int(attempt_id) not in per_attempt or moment < per_attempt[int(attempt_id)]:
            per_attempt[int(attempt_id)] = moment

    finished = _calibration_assignments(
        select(t.Assignment.annotator_id, t.Assignment.item_id, t.Attempt.id, t.Attempt.finished_at),
        guideline_id,
        annotator_ids,
    ).where(t.Attempt.status == "finished")
    for row in session.execute(finished):
        keep(*row)
    if immediate_versions:
        r = t.Response
        answered = (
            select(r.annotator_id, r.item_id, r.attempt_id, func.min(r.created_at))
            .join(t.Round, t.Round.id == r.round_id)
            .where(
                t.Round.kind == "calibration",
                t.Round.guideline_version_id.in_(list(immediate_versions)),
                r.annotator_id.in_(list(annotator_ids)),
            )
            .group_by(r.annotator_id, r.item_id, r.attempt_id)
        )
        for row in session.execute(answered):
            keep(*row)
    return shown


def current_answer_times(session: Session, round_id: int) -> list[tuple[int, str, str, int, dt.datetime]]:
    """``(annotator id, annotator name, item id, attempt id, answered at)`` of a round's current
    answers, oldest attempt first (the order of `round_response_rows`)."""
    r = t.Response
    query = (
        select(r.annotator_id, t.User.name, r.item_id, r.attempt_id, r.created_at)
        .join(t.User, r.annotator_id == t.User.id)
        .join(t.Attempt, r.attempt_id == t.Attempt.id)
        .where(r.round_id == round_id, r.superseded_at.is_(None))
        .order_by(t.Attempt.number, r.id)
    )
    return [
        (int(a), str(n), str(i), int(at), when if when.tzinfo else when.replace(tzinfo=dt.UTC))
        for a, n, i, at, when in session.execute(query)
    ]


def guideline_versions_of(session: Session, guideline_id: str) -> list[t.GuidelineVersion]:
    """Every published version of a guideline."""
    return list(
        session.scalars(select(t.GuidelineVersion).where(t.GuidelineVersion.guideline_id == guideline_id))
    )


def rounds_on_version(session: Session, guideline_version_id: int) -> list[int]:
    query = select(t.Round.id).where(t.Round.guideline_version_id == guideline_version_id)
    return list(session.scalars(query))


RESPONSE_COLUMNS = (
    "item_id",
    "annotator_id",
    "answer",
    "confidence",
    "cited_rule",
    "unclear",
    "comment",
    "seconds",
    "annotator_kind",
    "score",
)


def rounds_with_shared_items(session: Session) -> set[int]:
    """Ids of the rounds in which some item has current answers from two or more annotators."""
    r = t.Response
    shared = (
        select(r.round_id)
        .where(r.superseded_at.is_(None))
        .group_by(r.round_id, r.item_id)
        .having(func.count(func.distinct(r.annotator_id)) >= 2)
    )
    return {int(round_id) for round_id in session.scalars(select(shared.subquery().c.round_id).distinct())}


def shared_items_by_round(session: Session) -> dict[int, set[str]]:
    """Per round, the items that have current answers from two or more annotators."""
    r = t.Response
    query = (
        select(r.round_id, r.item_id)
        .where(r.superseded_at.is_(None))
        .group_by(r.round_id, r.item_id)
        .having(func.count(func.distinct(r.annotator_id)) >= 2)
    )
    out: dict[int, set[str]] = {}
    for round_id, item_id in session.execute(query):
        out.setdefault(int(round_id), set()).add(str(item_id))
    return out


def round_response_rows(session: Session, round_id: int) -> list[tuple[Any, ...]]:
    """Current responses of a round as plain tuples, oldest attempt first, then by answer order.

    Each tuple is ``(item_id, annotator name, answer JSON, confidence, cited_rule, unclear, comment,
    seconds, annotator kind, score)`` (the order of `RESPONSE_COLUMNS`). Plain rows, not ORM objects: a round can hold
    hundreds of thousands of answers.
    """
    r = t.Response
    query = (
        select(
            r.item_id,
            t.User.name,
            cast(r.answer, Text),  # raw JSON text on both databases: decoded once per distinct answer below
            r.confidence,
            r.cited_rule,
            r.unclear,
            r.comment,
            r.seconds,
            t.User.kind,
            r.score,
        )
        .join(t.User, r.annotator_id == t.User.id)
        .join(t.Attempt, r.attempt_id == t.Attempt.id)
        .where(r.round_id == round_id, r.superseded_at.is_(None))
        .order_by(t.Attempt.number, r.id)
    )
    decoded: dict[str, Any] = {}

    def answer(text: str) -> Any:
        if text not in decoded:
            decoded[text] = json.loads(text)
        return decoded[text]

    return [
        (item, name, answer(raw), conf, rule, bool(unclear), comment, seconds, kind or "human", score)
        for item, name, raw, conf, rule, unclear, comment, seconds, kind, score in session.connection()
        .execute(query)
        .all()
    ]


def round_progress_rows(session: Session, round_id: int) -> list[tuple[t.Attempt, str, int, int, Any]]:
    """Per attempt of a round: the attempt, annotator name, items, answered items, last answer time."""
    items = (
        select(t.Assignment.annotator_id, t.Assignment.attempt_number, func.count().label("n"))
        .where(t.Assignment.round_id == round_id)
        .group_by(t.Assignment.annotator_id, t.Assignment.attempt_number)
        .subquery()
    )
    answered = (
        select(
            t.Response.attempt_id,
            func.count(func.distinct(t.Response.item_id)).label("n"),
            func.max(t.Response.created_at).label("last"),
        )
        .where(t.Response.round_id == round_id, t.Response.superseded_at.is_(None))
        .group_by(t.Response.attempt_id)
        .subquery()
    )
    query = (
        select(t.Attempt, t.User.name, items.c.n, answered.c.n, answered.c.last)
        .join(t.User, t.Attempt.annotator_id == t.User.id)
        .outerjoin(
            items,
            (items.c.annotator_id == t.Attempt.annotator_id) & (items.c.attempt_number == t.Attempt.number),
        )
        .outerjoin(answered, answered.c.attempt_id == t.Attempt.id)
        .where(t.Attempt.round_id == round_id)
        .order_by(t.User.name, t.Attempt.number)
    )
    return [(a, name, n or 0, m or 0, last) for a, name, n, m, last in session.execute(query)]


def annotator_progress_rows(
    session: Session, annotator_id: int
) -> list[tuple[t.Round, str, int, int, t.Attempt | None, int, Any]]:
    """One annotator's rounds and progress in one query, whatever the size of other rounds.

    Per round and attempt number the annotator has items for, newest round first, then by attempt
    number: ``(round, "id@version", attempt number, items, attempt or None when not started,
    answered items, last answer time)``. Reads only this annotator's assignments (by
    ``ix_assignments_annotator``), attempts and current answers (by their attempt).
    """
    items = (
        select(t.Assignment.round_id, t.Assignment.attempt_number, func.count().label("n"))
        .where(t.Assignment.annotator_id == annotator_id)
        .group_by(t.Assignment.round_id, t.Assignment.attempt_number)
        .subquery()
    )
    mine = select(t.Attempt.id).where(t.Attempt.annotator_id == annotator_id)
    answered = (
        select(
            t.Response.attempt_id,
            func.count(func.distinct(t.Response.item_id)).label("n"),
            func.max(t.Response.created_at).label("last"),
        )
        .where(t.Response.attempt_id.in_(mine), t.Response.superseded_at.is_(None))
        .group_by(t.Response.attempt_id)
        .subquery()
    )
    query = (
        select(
            t.Round,
            t.GuidelineVersion.guideline_id,
            t.GuidelineVersion.version,
            items.c.attempt_number,
            items.c.n,
            t.Attempt,
            answered.c.n,
            answered.c.last,
        )
        .select_from(items)
        .join(t.Round, t.Round.id == items.c.round_id)
        .join(t.GuidelineVersion, t.GuidelineVersion.id == t.Round.guideline_version_id)
        .outerjoin(
            t.Attempt,
            (t.Attempt.round_id == items.c.round_id)
            & (t.Attempt.annotator_id == annotator_id)
            & (t.Attempt.number == items.c.attempt_number),
        )
        .outerjoin(answered, answered.c.attempt_id == t.Attempt.id)
        .order_by(t.Round.created_at.desc(), t.Round.id.desc(), items.c.attempt_number)
    )
    return [
        (r, f"{gid}@{version}", number, n or 0, attempt, m or 0, last)
        for r, gid, version, number, n, attempt, m, last in session.execute(query)
    ]


def names_of(session: Session, user_ids: Iterable[int]) -> dict[int, str]:
    ids = list(user_ids)
    if not ids:
        return {}
    return {
        user_id: name
        for user_id, name in session.execute(select(t.User.id, t.User.name).where(t.User.id.in_(ids)))
    }


def latest_activity(session: Session, round_id: int, annotator_id: int) -> dt.datetime | None:
    query = select(func.max(t.Response.created_at)).where(
        t.Response.round_id == round_id, t.Response.annotator_id == annotator_id
    )
    value = session.scalar(query)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


def last_response_id(session: Session, round_id: int) -> int | None:
    """The newest response id of a round (a cache key for analyses)."""
    return session.scalar(select(func.max(t.Response.id)).where(t.Response.round_id == round_id))


def round_responses_marker(session: Session, round_id: int) -> tuple[int, int]:
    """(newest response id, number of responses) of one round: changes with any answer or deletion."""
    newest, total = session.execute(
        select(func.max(t.Response.id), func.count(t.Response.id)).where(t.Response.round_id == round_id)
    ).one()
    return int(newest or 0), int(total)


def responses_marker(session: Session) -> tuple[int, int]:
    """(newest response id, number of responses) over every round: changes with any answer or deletion."""
    newest, total = session.execute(select(func.max(t.Response.id), func.count(t.Response.id))).one()
    return int(newest or 0), int(total)


# --------------------------------------------------------------------------- certifications, adjudications, audit


def certifications(
    session: Session, annotator_id: int | None = None, guideline_version_id: int | None = None
) -> list[Certification]:
    query = (
        select(t.Certification, t.User.name, t.User.kind, t.GuidelineVersion)
        .join(t.User, t.Certification.annotator_id == t.User.id)
        .join(t.GuidelineVersion, t.Certification.guideline_version_id == t.GuidelineVersion.id)
        .order_by(t.Certification.certified_at)
    )
    if annotator_id is not None:
        query = query.where(t.Certification.annotator_id == annotator_id)
    if guideline_version_id is not None:
        query = query.where(t.Certification.guideline_version_id == guideline_version_id)
    return [
        Certification(
            c.id,
            c.annotator_id,
            name,
            f"{v.guideline_id}@{v.version}",
            c.attempt_id,
            c.score,
            c.certified_at,
            kind or "human",
        )
        for c, name, kind, v in session.execute(query)
    ]


def adjudication_of(row: t.Adjudication) -> Adjudication:
    return Adjudication(
        row.id,
        row.round_id,
        row.item_id,
        row.answer,
        row.rationale,
        row.adjudicator_id,
        row.created_at,
        bool(row.added_to_bank),
    )


def adjudications(
    session: Session, round_id: int | None = None, guideline_version_id: int | None = None
) -> list[Adjudication]:
    query = select(t.Adjudication).order_by(t.Adjudication.id)
    if round_id is not None:
        query = query.where(t.Adjudication.round_id == round_id)
    if guideline_version_id is not None:
        query = query.join(t.Round, t.Adjudication.round_id == t.Round.id).where(
            t.Round.guideline_version_id == guideline_version_id
        )
    return [adjudication_of(r) for r in session.scalars(query)]


def audit(session: Session, actor_id: int | None, action: str, entity: str, **details: Any) -> None:
    """Append an audit entry (in the caller's transaction)."""
    session.add(t.AuditEntry(actor_id=actor_id, action=action, entity=entity, details=details))


def audit_entries(session: Session, limit: int = 100, entity: str | None = None) -> list[AuditEntry]:
    query = select(t.AuditEntry).order_by(t.AuditEntry.id.desc()).limit(limit)
    if entity is not None:
        query = query.where(t.AuditEntry.entity == entity)
    return [
        AuditEntry(a.id, a.actor_id, a.action, a.entity, dict(a.details or {}), a.at)
        for a in session.scalars(query)
    ]


def row_counts(session: Session) -> dict[str, int]:
    """Rows per table (used by tests and `calibration db status`)."""
    return {
        table.name: session.scalar(select(func.count()).select_from(table)) or 0
        for table in t.Base.metadata.sorted_tables
    }
