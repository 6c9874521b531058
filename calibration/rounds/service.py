"""The rounds service: what the app and the CLI call to publish guidelines, run rounds and record answers.

Every public function is one transaction on the given engine (see `calibration.storage.engine`):
it either commits everything it changes or nothing. Functions that change things take the acting
user (`actor`: a `User`, a user id, or `SYSTEM` for the local operator: the CLI and first start)
and raise `PermissionDenied` when the role does not allow the action: leads run rounds, publish and
adjudicate; authors may publish; annotators answer their own attempts only. Every administrative
change is written to the audit log; answers keep their own history in the responses table.

Rounds are named by their (unique) name or by their id (`RoundRef`); guideline versions by
``"id@version"``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import math
import numbers
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from calibration import auth
from calibration.answers import answer_to_json, parse_answer, suggest
from calibration.errors import (
    AnswerError,
    AuthError,
    CalibrationError,
    ConflictError,
    Location,
    NotFoundError,
    PermissionDenied,
)
from calibration.rounds import sampling
from calibration.storage import repository as repo
from calibration.storage import tables as t
from calibration.storage.engine import session_scope
from calibration.storage.repository import (
    Adjudication,
    AnnotatorProgress,
    Attempt,
    AuditEntry,
    Certification,
    GuidelineVersion,
    Response,
    Round,
    RoundStatus,
    User,
)

if TYPE_CHECKING:
    import pandas as pd

    from calibration.guidelines.model import Guideline, Item

__all__ = [
    "SYSTEM",
    "Adjudication",
    "AnnotatorProgress",
    "Attempt",
    "AttemptResult",
    "AuditEntry",
    "Certification",
    "GuidelineVersion",
    "Response",
    "Round",
    "RoundResponses",
    "RoundStatus",
    "User",
    "adjudicate",
    "adjudications",
    "audit_log",
    "authenticate",
    "certifications",
    "check_answer_extras",
    "close_round",
    "counts",
    "create_calibration_round",
    "create_pilot_round",
    "create_user",
    "finish_attempt",
    "get_attempt",
    "get_guideline",
    "get_round",
    "get_user",
    "has_lead",
    "import_responses",
    "invite",
    "latest_response_marker",
    "list_guideline_versions",
    "list_rounds",
    "list_users",
    "publish",
    "publish_guideline",
    "quiz_items",
    "record_answer",
    "redeem_invitation",
    "response_history",
    "round_items",
    "round_responses",
    "round_status",
    "set_password",
    "start_or_resume_attempt",
    "user_by_email",
]

SYSTEM: Literal["system"] = "system"
"""The local operator (CLI, first start): allowed everything, recorded as actor NULL in the audit log."""

Actor = User | int | Literal["system"]
RoundRef = str | int
DEFAULT_INVITATION_LIFETIME = dt.timedelta(days=7)
STUCK_AFTER = dt.timedelta(minutes=30)
MAX_COMMENT = 5000


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class AttemptResult:
    """The outcome of finishing an attempt.

    ``score`` is `GoldScore.to_dict()` of `calibration.agreement.gold.score_against_gold` for
    calibration rounds (None for pilots); ``retake_rules`` are the rules a retake will target.
    """

    attempt: Attempt
    passed: bool | None
    failed_rules: tuple[str, ...]
    score: dict[str, Any] | None
    certified: bool

    @property
    def retake_rules(self) -> tuple[str, ...]:
        return self.failed_rules if self.passed is False else ()


@dataclass(frozen=True)
class RoundResponses:
    """Everything analyses need about a round, in the canonical shapes of `calibration.responses`.

    ``responses``: canonical responses table (current answers, one per item and annotator; the
    annotator_id is the user's name). ``item_rules``: item_id, rule_id. ``gold``: Series of canonical
    gold answers indexed by item_id (bank gold, then adjudications for items without gold).
    Iterating yields ``(guideline, responses, item_rules, gold)``.
    """

    round: Round
    guideline: Guideline
    responses: pd.DataFrame
    item_rules: pd.DataFrame
    gold: pd.Series

    def __iter__(self) -> Iterator[Any]:
        return iter((self.guideline, self.responses, self.item_rules, self.gold))


# --------------------------------------------------------------------------- helpers


def _now(now: dt.datetime | None = None) -> dt.datetime:
    return now or t.utcnow()


def _actor(session: Session, actor: Actor, roles: Iterable[str], action: str) -> t.User | None:
    """The acting user's row (None for SYSTEM), after checking the role; re-read so a stale object cannot lie."""
    if actor == SYSTEM:
        return None
    user_id = actor.id if isinstance(actor, User) else actor
    if not isinstance(user_id, int):
        raise PermissionDenied(f"cannot {action}: no signed-in user", hint="sign in first")
    row = repo.find_user(session, user_id=user_id)
    if row is None:
        raise PermissionDenied(f"cannot {action}: user #{user_id} does not exist", hint="sign in again")
    allowed = tuple(roles)
    if row.role not in allowed:
        raise PermissionDenied(
            f"{row.name} ({row.role}) may not {action}",
            hint=f"this needs the role {' or '.join(allowed)}",
        )
    return row


def _actor_id(row: t.User | None) -> int | None:
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


def _version_row(session: Session, ref: str) -> t.GuidelineVersion:
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


def _round_row(session: Session, ref: RoundRef) -> tuple[t.Round, t.GuidelineVersion]:
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


def _ref_of(version: t.GuidelineVersion) -> str:
    return f"{version.guideline_id}@{version.version}"


_guideline_cache: dict[str, Guideline] = {}


def _guideline_of(version: t.GuidelineVersion) -> Guideline:
    """The frozen guideline of a published version (cached by content hash: snapshots never change)."""
    from calibration.guidelines.model import Guideline

    cached = _guideline_cache.get(version.content_hash)
    if cached is None:
        cached = Guideline.model_validate(version.snapshot)
        if len(_guideline_cache) > 64:
            _guideline_cache.clear()
        _guideline_cache[version.content_hash] = cached
    return cached


_items_cache: dict[tuple[str, str], dict[str, Item]] = {}


def _items_of(round_row: t.Round, version: t.GuidelineVersion) -> dict[str, Item]:
    """The items of a round by id: the bank plus the round's own (imported or pilot-only) items."""
    from calibration.guidelines.model import Item

    extra = (round_row.settings or {}).get("extra_items") or []
    key = (version.content_hash, hashlib.sha256(json.dumps(extra, sort_keys=True).encode()).hexdigest())
    cached = _items_cache.get(key)
    if cached is None:
        cached = {i.id: i for i in _guideline_of(version).items}
        cached.update({d["id"]: Item.model_validate(d) for d in extra})
        if len(_items_cache) > 256:
            _items_cache.clear()
        _items_cache[key] = cached
    return cached


def _round_item_ids(round_row: t.Round, version: t.GuidelineVersion) -> list[str]:
    settings = round_row.settings or {}
    if settings.get("items"):
        return list(settings["items"])
    return [i.id for i in _guideline_of(version).items if i.answer is not None]


def _hash_of(guideline: Guideline) -> str:
    try:
        from calibration.guidelines.versions import content_hash
    except ImportError:  # pragma: no cover - the guidelines package always has it
        snapshot = guideline.model_dump(mode="json", exclude={"items_file"})
        text = json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()
    return content_hash(guideline)


def _bump(version: str) -> str:
    core = version.split("-")[0].split("+")[0].split(".")
    try:
        return f"{core[0]}.{core[1]}.{int(core[2]) + 1}"
    except (IndexError, ValueError):
        return "the next version"


def _jsonable(value: Any) -> Any:
    """Plain JSON values (numpy scalars to Python, NaN to None)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _retrying(engine: Engine, work: Any, attempts: int = 3) -> Any:
    """Run ``work(session)`` in a transaction, retrying when a concurrent writer won a unique-key race."""
    for left in range(attempts, 0, -1):
        try:
            with session_scope(engine) as session:
                return work(session)
        except IntegrityError:
            if left == 1:
                raise
    raise AssertionError("unreachable")


# --------------------------------------------------------------------------- guidelines


def publish_guideline(engine: Engine, guideline: Guideline, actor: Actor = SYSTEM) -> GuidelineVersion:
    """Publish a guideline version as a frozen snapshot with its content hash.

    Publishing the same id and version again with the same content is a no-op returning the stored
    version; with different content it is refused.

    Args:
        engine: the store.
        guideline: a validated guideline.
        actor: a lead or author (or SYSTEM).

    Returns:
        The published version.

    Raises:
        ConflictError: the id and version are already published with other content; the message
            tells the author to bump the version.
        PermissionDenied: the actor is an annotator.
    """
    return _publish(engine, guideline, actor)[0]


def publish(engine: Engine, guideline: Guideline, actor: Actor = SYSTEM) -> bool:
    """Publish like `publish_guideline`; True when the version was new, False when it was already there."""
    return _publish(engine, guideline, actor)[1]


def _publish(engine: Engine, guideline: Guideline, actor: Actor) -> tuple[GuidelineVersion, bool]:
    digest = _hash_of(guideline)

    def work(session: Session) -> tuple[GuidelineVersion, bool]:
        who = _actor(session, actor, ("lead", "author"), "publish guidelines")
        existing = repo.find_version(session, guideline.id, guideline.version)
        if existing is not None:
            if existing.content_hash == digest:
                return repo.version_of(existing), False
            raise ConflictError(
                f"{guideline.ref} is already published with different content "
                f"(published hash {existing.content_hash[:12]}, this file {digest[:12]})",
                location=Location(field="version"),
                hint=f"published versions never change: bump the version (e.g. to {_bump(guideline.version)}) "
                "and add a changelog entry",
            )
        row = t.GuidelineVersion(
            guideline_id=guideline.id,
            version=guideline.version,
            content_hash=digest,
            title=guideline.title,
            snapshot=guideline.model_dump(mode="json"),
            published_by=_actor_id(who),
        )
        session.add(row)
        session.flush()
        repo.audit(session, _actor_id(who), "publish", f"guideline:{guideline.ref}", content_hash=digest)
        return repo.version_of(row), True

    return _retrying(engine, work)


def list_guideline_versions(engine: Engine, guideline_id: str | None = None) -> list[GuidelineVersion]:
    """Published versions (of one guideline, or all), oldest first per guideline."""
    with session_scope(engine, read_only=True) as session:
        return repo.list_versions(session, guideline_id)


def get_guideline(engine: Engine, ref: str) -> Guideline:
    """The published guideline ``"id@version"`` as a `Guideline`.

    Raises:
        NotFoundError: not published (the hint lists published versions).
    """
    with session_scope(engine, read_only=True) as session:
        return _guideline_of(_version_row(session, ref))


# --------------------------------------------------------------------------- users and sign-in


def _check_name(name: str, field: str = "name") -> str:
    clean = " ".join(str(name).split())
    if not clean or len(clean) > 200:
        raise CalibrationError(
            f"a {field.replace('_', ' ')} needs 1 to 200 characters, got {len(clean)}",
            location=Location(field=field),
        )
    return clean


def _new_user(
    session: Session,
    name: str,
    role: str,
    email: str | None,
    password: str | None,
    field: str = "name",
    *,
    password_hash: str | None = None,
) -> t.User:
    """Add a user row; give `password_hash` (hashed before the transaction) rather than `password`
    where the caller can: argon2 takes ~0.2 s, which must not be spent holding SQLite's write lock."""
    name = _check_name(name, field)
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
                f"the email {email} is already registered", hint="sign in, or use another email"
            )
    if repo.name_taken(session, name):
        raise ConflictError(
            f"the name {name!r} is taken", location=Location(field=field), hint="choose another name"
        )
    if password:
        password_hash = auth.hash_password(password)
    row = t.User(name=name, email=email, role=role, password_hash=password_hash)
    session.add(row)
    session.flush()
    return row


def create_user(
    engine: Engine,
    name: str,
    *,
    role: str,
    email: str | None = None,
    password: str | None = None,
    actor: Actor = SYSTEM,
    first_lead: bool = False,
) -> User:
    """Create a user.

    Args:
        name: unique display name (it is the annotator_id in exported responses).
        role: lead, author or annotator.
        email: unique sign-in email (optional for annotators).
        password: sign-in password (at least 8 characters); None for invitation-only annotators.
        actor: a lead, or SYSTEM (first start, CLI).
        first_lead: the first-start setup form: refuse when a lead exists, checked inside the insert's
            transaction rather than only when the form was drawn.

    Raises:
        ConflictError: name or email taken; with `first_lead`, a lead exists already.
        CalibrationError: bad role, name or email.
        AuthError: password too short. PermissionDenied: the actor is not a lead.
    """

    hashed = auth.hash_password(password) if password else None  # before the write transaction

    def work(session: Session) -> User:
        who = _actor(session, actor, ("lead",), "add users")
        if first_lead and repo.list_users(session, "lead"):
            raise ConflictError("a lead account exists already", hint="sign in, or ask a lead to add you")
        row = _new_user(session, name, role, email, None, password_hash=hashed)
        repo.audit(session, _actor_id(who), "create_user", f"user:{row.name}", role=role, email=row.email)
        return repo.user_of(row)

    return _retrying(engine, work)


def get_user(engine: Engine, user_id: int) -> User | None:
    """The user with this id, or None."""
    with session_scope(engine, read_only=True) as session:
        row = repo.find_user(session, user_id=user_id)
        return repo.user_of(row) if row else None


def user_by_email(engine: Engine, email: str) -> User:
    """The user signing in with `email` (or that exact name).

    Raises:
        NotFoundError: nobody has that email.
    """
    with session_scope(engine, read_only=True) as session:
        row = repo.find_user(session, login=email)
        if row is None:
            raise NotFoundError(f"no user with the email {email!r}", hint="ask a lead to add you")
        return repo.user_of(row)


def list_users(engine: Engine, role: str | None = None) -> list[User]:
    """Users by name (of one role, or all)."""
    with session_scope(engine, read_only=True) as session:
        return repo.list_users(session, role)


def has_lead(engine: Engine) -> bool:
    """Whether at least one lead account exists (False means first start: ask for one)."""
    with session_scope(engine, read_only=True) as session:
        return bool(repo.list_users(session, "lead"))


def authenticate(engine: Engine, login: str, password: str, *, now: dt.datetime | None = None) -> User:
    """Check a password sign-in, rate-limited per login in the database.

    After `calibration.auth.MAX_FAILURES` failures within `calibration.auth.FAILURE_WINDOW` the login
    is refused without checking the password until the window passes; a success clears the failures.

    Args:
        login: email (case-insensitive) or user name.
        password: the password.

    Returns:
        The signed-in user.

    Raises:
        AuthError: "wrong email or password", or "too many attempts, try again in N minutes".
    """
    key = login.strip().lower()
    moment = _now(now)
    # Three short steps: argon2 (~0.2 s) runs outside any transaction, so a sign-in never holds
    # SQLite's write lock while hashing (annotators' answers would queue behind every sign-in).
    with session_scope(engine, read_only=True) as session:
        minutes = auth.lockout_minutes(
            repo.recent_failures(session, key, moment - auth.FAILURE_WINDOW), moment
        )
        row = None if minutes is not None else repo.find_user(session, login=login)
        user_id, stored = (row.id, row.password_hash) if row is not None else (None, None)
    if minutes is not None:
        raise auth.too_many_attempts(minutes)
    ok = auth.verify_password(stored, password) and user_id is not None
    rehashed = auth.hash_password(password) if ok and auth.needs_rehash(stored or "") else None
    with session_scope(engine) as session:
        if ok:
            repo.clear_failures(session, key)
            row = repo.find_user(session, user_id=user_id)
            if row is not None:
                if rehashed is not None and row.password_hash == stored:
                    row.password_hash = rehashed
                return repo.user_of(row)
        repo.prune_failures(session, key, moment - auth.FAILURE_WINDOW)
        session.add(t.SignInFailure(login=key, at=moment))
    raise AuthError("wrong email or password", hint="check both; passwords are case-sensitive")


def set_password(engine: Engine, user: User | int, password: str, *, actor: Actor) -> None:
    """Set a user's password (the user themselves or a lead).

    Raises:
        AuthError: too short. PermissionDenied: someone else's password, not being a lead.
    """
    user_id = user.id if isinstance(user, User) else user
    hashed = auth.hash_password(password)  # before the write transaction (argon2 is slow)
    with session_scope(engine) as session:
        actor_id = actor.id if isinstance(actor, User) else actor
        who = None if actor_id == user_id else _actor(session, actor, ("lead",), "set other users' passwords")
        row = repo.find_user(session, user_id=user_id)
        if row is None:
            raise NotFoundError(f"no user #{user_id}")
        row.password_hash = hashed
        repo.audit(session, _actor_id(who) if who else user_id, "set_password", f"user:{row.name}")


# --------------------------------------------------------------------------- rounds


def _new_round(
    session: Session, name: str, kind: str, version: t.GuidelineVersion, settings: dict, who: t.User | None
) -> t.Round:
    name = _check_name(name, "round")
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
        created_by=_actor_id(who),
    )
    session.add(row)
    session.flush()
    return row


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
) -> Round:
    """Create a pilot round: every item goes to `overlap` annotators, every annotator pair shares items.

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

    Raises:
        NotFoundError: unknown guideline version, item or annotator. ConflictError: name taken.
        CalibrationError: no items, impossible overlap. PermissionDenied: not a lead.
    """
    from calibration.guidelines.model import Item

    def work(session: Session) -> Round:
        who = _actor(session, actor, ("lead",), "create rounds")
        version = _version_row(session, guideline_ref)
        guideline = _guideline_of(version)
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
        k = overlap if overlap is not None else min(guideline.calibration.pilot_overlap, max(len(people), 1))
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
        row = _new_round(session, name, "pilot", version, settings, who)
        for person in people:
            repo.add_assignments(session, row.id, person.id, 1, design[person.name])
        repo.audit(
            session,
            _actor_id(who),
            "create_round",
            f"round:{row.name}",
            kind="pilot",
            guideline=guideline.ref,
            annotators=[p.name for p in people],
            overlap=k,
            seed=seed,
            items=len(items),
        )
        return repo.round_of(row, guideline.ref)

    return _retrying(engine, work)


def _draw_quiz(
    session: Session,
    round_row: t.Round,
    version: t.GuidelineVersion,
    annotator: t.User,
    number: int,
    target_rules: Sequence[str] | None,
) -> list[str]:
    guideline = _guideline_of(version)
    settings = round_row.settings or {}
    same_guideline = [
        r
        for v in repo.list_versions(session, version.guideline_id)
        for r in repo.rounds_on_version(session, v.id)
    ]
    seen = repo.seen_items(session, same_guideline, annotator.id)
    return sampling.sample_quiz(
        sampling.quiz_bank(guideline),
        size=int(settings.get("items_per_quiz") or guideline.calibration.items_per_quiz),
        min_per_rule=int(settings.get("min_items_per_rule") or guideline.calibration.min_items_per_rule),
        seed=f"{settings.get('seed', 0)}:{annotator.name}:{number}",
        seen=seen,
        target_rules=target_rules,
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
        who = _actor(session, actor, ("lead",), "create rounds")
        version = _version_row(session, guideline_ref)
        guideline = _guideline_of(version)
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
        row = _new_round(session, name, "calibration", version, settings, who)
        for person in people:
            repo.add_assignments(
                session, row.id, person.id, 1, _draw_quiz(session, row, version, person, 1, None)
            )
        repo.audit(
            session,
            _actor_id(who),
            "create_round",
            f"round:{row.name}",
            kind="calibration",
            guideline=guideline.ref,
            annotators=[p.name for p in people],
            seed=seed,
        )
        return repo.round_of(row, guideline.ref)

    return _retrying(engine, work)


def get_round(engine: Engine, round: RoundRef) -> Round:
    """A round by name or id. Raises NotFoundError (with a did-you-mean hint)."""
    with session_scope(engine, read_only=True) as session:
        row, version = _round_row(session, round)
        return repo.round_of(row, _ref_of(version))


def list_rounds(engine: Engine) -> list[Round]:
    """All rounds, oldest first."""
    with session_scope(engine, read_only=True) as session:
        return repo.list_rounds(session)


def round_items(engine: Engine, round: RoundRef) -> dict[str, Item]:
    """The round's items by id (bank items and the round's extra items), in round order."""
    with session_scope(engine, read_only=True) as session:
        row, version = _round_row(session, round)
        items = _items_of(row, version)
        return {i: items[i] for i in _round_item_ids(row, version) if i in items}


def close_round(engine: Engine, round: RoundRef, *, actor: Actor, reopen: bool = False) -> Round:
    """Close a round (no new attempts, answers or invitations), or reopen it. Needs a lead."""
    with session_scope(engine) as session:
        who = _actor(session, actor, ("lead",), "close rounds")
        row, version = _round_row(session, round)
        row.status = "open" if reopen else "closed"
        repo.audit(session, _actor_id(who), "reopen_round" if reopen else "close_round", f"round:{row.name}")
        return repo.round_of(row, _ref_of(version))


# --------------------------------------------------------------------------- invitations


def invite(
    engine: Engine,
    round: RoundRef,
    *,
    actor: Actor,
    expires_in: dt.timedelta = DEFAULT_INVITATION_LIFETIME,
    now: dt.datetime | None = None,
) -> str:
    """Create a one-time invitation to a round and return its token (shown once; only its hash is stored).

    Raises:
        NotFoundError: unknown round. CalibrationError: closed round, non-positive lifetime.
        PermissionDenied: not a lead.
    """
    if expires_in <= dt.timedelta(0):
        raise CalibrationError(f"an invitation must live for a positive time, got {expires_in}")
    token, digest = auth.new_token()
    with session_scope(engine) as session:
        who = _actor(session, actor, ("lead",), "invite annotators")
        row, _ = _round_row(session, round)
        if row.status != "open":
            raise CalibrationError(
                f"round {row.name!r} is closed", hint="reopen it before inviting annotators"
            )
        moment = _now(now)
        session.add(
            t.Invitation(
                round_id=row.id,
                token_hash=digest,
                expires_at=moment + expires_in,
                created_by=_actor_id(who),
                created_at=moment,
            )
        )
        repo.audit(
            session,
            _actor_id(who),
            "invite",
            f"round:{row.name}",
            expires_at=(moment + expires_in).isoformat(),
        )
    return token


def redeem_invitation(
    engine: Engine,
    token: str,
    display_name: str | None = None,
    *,
    user: User | None = None,
    password: str | None = None,
    email: str | None = None,
    now: dt.datetime | None = None,
) -> tuple[User, Round]:
    """Use an invitation: create the annotator (or link the signed-in `user`) and join the round.

    Args:
        token: the token from the invitation link.
        display_name: the new annotator's unique name (ignored when `user` is given).
        user: an existing signed-in user accepting the invitation instead.
        password, email: optional, so the new annotator can sign in again later.

    Returns:
        ``(user, round)``; then call `start_or_resume_attempt`.

    Raises:
        AuthError: unknown, used or expired token (nothing is written).
        ConflictError: the name or email is taken. CalibrationError: the round is closed.
    """
    digest = auth.hash_token(token.strip())
    hashed = auth.hash_password(password) if password and user is None else None  # outside the transaction

    def work(session: Session) -> tuple[User, Round]:
        moment = _now(now)
        invitation = repo.find_invitation(session, digest)
        if invitation is None:
            raise AuthError(
                "this invitation link is not valid",
                hint="copy the whole link, or ask your lead for a new one",
            )
        if invitation.used_at is not None:
            raise AuthError(
                f"this invitation was already used on {invitation.used_at:%Y-%m-%d %H:%M} UTC",
                hint="sign in, or ask your lead for a new link",
            )
        if invitation.expires_at <= moment:
            raise AuthError(
                f"this invitation expired on {invitation.expires_at:%Y-%m-%d %H:%M} UTC",
                hint="ask your lead for a new link",
            )
        row, version = _round_row(session, invitation.round_id)
        if row.status != "open":
            raise CalibrationError(f"round {row.name!r} is closed", hint="ask your lead")
        if user is not None:
            member = repo.find_user(session, user_id=user.id)
            if member is None:
                raise AuthError("the signed-in user no longer exists", hint="sign in again")
        else:
            if display_name is None:
                raise CalibrationError("choose a display name", location=Location(field="display_name"))
            member = _new_user(
                session, display_name, "annotator", email, None, field="display_name", password_hash=hashed
            )
        if not repo.claim_invitation(session, invitation.id, moment):
            raise AuthError("this invitation was just used", hint="ask your lead for a new link")
        invitation.user_id = member.id
        repo.audit(session, member.id, "redeem_invitation", f"round:{row.name}", user=member.name)
        return repo.user_of(member), repo.round_of(row, _ref_of(version))

    return _retrying(engine, work)


# --------------------------------------------------------------------------- attempts


def _owner(session: Session, actor: Actor, action: str) -> t.User:
    if actor == SYSTEM:
        raise PermissionDenied(f"cannot {action} without a signed-in annotator", hint="sign in first")
    row = _actor(session, actor, repo.ROLES, action)
    assert row is not None
    return row


def _pilot_items_for_late_joiner(session: Session, round_row: t.Round, annotator: t.User) -> list[str]:
    settings = round_row.settings or {}
    items = list(settings.get("items") or [])
    counts = repo.assignment_counts(session, round_row.id)
    rng = sampling._rng(settings.get("seed", 0), "late", annotator.name)
    order = items[:]
    rng.shuffle(order)
    order.sort(key=lambda i: counts.get(i, 0))  # stable: least-covered first, seeded among equals
    take = settings.get("per_annotator") or len(items)
    chosen = order[: min(int(take), len(items))]
    rng.shuffle(chosen)
    return chosen


def start_or_resume_attempt(engine: Engine, round: RoundRef, annotator: Actor) -> Attempt:
    """The annotator's attempt in a round: the one in progress, else a new one when due.

    A new attempt is started when the annotator has none, or (calibration) when the last one failed:
    the retake's quiz targets the failed rules. When the last attempt passed (or a pilot is done) it
    is returned as it is, finished.

    Returns:
        The `Attempt` with its item order, current answers and ``next_item``.

    Raises:
        NotFoundError: unknown round. CalibrationError: the round is closed (for a new attempt),
        or the annotator has no items. PermissionDenied: no signed-in user.
    """

    def work(session: Session) -> Attempt:
        person = _owner(session, annotator, "take a quiz")
        row, version = _round_row(session, round)
        attempts = repo.attempts_of(session, row.id, person.id)
        if attempts and attempts[-1].status == "in_progress":
            return repo.attempt_of(session, attempts[-1], row.name)
        target: list[str] | None = None
        if attempts:
            last = attempts[-1]
            score = last.score or {}
            if row.kind == "pilot" or score.get("passed") is not False:
                return repo.attempt_of(session, last, row.name)
            target = list(score.get("failed_rules") or []) or None
        if row.status != "open":
            raise CalibrationError(f"round {row.name!r} is closed", hint="ask your lead to reopen it")
        number = len(attempts) + 1
        items = repo.assigned_items(session, row.id, person.id, number)
        if not items:
            if row.kind == "pilot":
                items = _pilot_items_for_late_joiner(session, row, person)
            else:
                items = _draw_quiz(session, row, version, person, number, target)
            if not items:
                raise CalibrationError(f"round {row.name!r} has no items for {person.name}")
            repo.add_assignments(session, row.id, person.id, number, items)
        attempt = t.Attempt(
            round_id=row.id, annotator_id=person.id, number=number, status="in_progress", target_rules=target
        )
        session.add(attempt)
        session.flush()
        repo.audit(
            session,
            person.id,
            "start_attempt",
            f"round:{row.name}",
            attempt=attempt.id,
            number=number,
            target_rules=target,
        )
        return repo.attempt_of(session, attempt, row.name)

    return _retrying(engine, work)


def _attempt_for(
    session: Session, attempt_id: int, actor: Actor, action: str, lock: bool = False
) -> tuple[t.Attempt, t.Round, t.GuidelineVersion, t.User | None]:
    row = repo.lock_attempt(session, attempt_id) if lock else session.get(t.Attempt, attempt_id)
    if row is None:
        raise NotFoundError(f"unknown attempt #{attempt_id}", location=Location(field="attempt"))
    who = None
    if actor != SYSTEM:
        who = _actor(session, actor, repo.ROLES, action)
        assert who is not None
        if who.id != row.annotator_id and who.role != "lead":
            raise PermissionDenied(
                f"{who.name} may not {action} of another annotator's attempt",
                hint="annotators only see and answer their own attempts",
            )
    round_row, version = _round_row(session, row.round_id)
    return row, round_row, version, who


def get_attempt(engine: Engine, attempt_id: int, *, actor: Actor) -> Attempt:
    """An attempt with its items and current answers (its owner or a lead).

    Raises:
        NotFoundError: unknown attempt. PermissionDenied: someone else's attempt.
    """
    with session_scope(engine, read_only=True) as session:
        row, round_row, _, _ = _attempt_for(session, attempt_id, actor, "see the answers")
        return repo.attempt_of(session, row, round_row.name)


def quiz_items(engine: Engine, attempt_id: int, *, actor: Actor) -> dict[str, Item]:
    """The items of an attempt as its annotator may see them now, in the attempt's order.

    Annotator-facing: an item's gold ``answer`` and its ``why`` are withheld (None and "") unless the
    annotator may see them: in a calibration round, once the item is answered when the guideline's
    feedback is "immediate", or once the attempt is finished; in a pilot round, never. Use this, not
    `round_items` (a lead's view with every gold answer), to render a quiz.

    Raises:
        NotFoundError: unknown attempt. PermissionDenied: someone else's attempt (leads included: a
        lead reads gold through `round_items`).
    """
    with session_scope(engine, read_only=True) as session:
        row, round_row, version, who = _attempt_for(session, attempt_id, actor, "see the quiz")
        if who is not None and who.id != row.annotator_id:
            raise PermissionDenied(
                "the quiz view is for the attempt's annotator",
                hint="leads see items with gold in the round's pages",
            )
        items = _items_of(round_row, version)
        order = repo.assigned_items(session, row.round_id, row.annotator_id, row.number)
        answered = {r.item_id for r in repo.current_responses(session, [row.id])}
        policy = _guideline_of(version).calibration
    finished = row.status == "finished"

    def shown(item_id: str) -> bool:
        if round_row.kind != "calibration":
            return False
        return finished or (item_id in answered and policy.feedback == "immediate")

    return {
        i: items[i] if shown(i) else items[i].model_copy(update={"answer": None, "why": ""})
        for i in order
        if i in items
    }


def check_answer_extras(
    guideline: Guideline, confidence: Any, cited_rule: Any, comment: Any, seconds: Any
) -> tuple[int | None, str | None, str | None, float | None]:
    """The extras of an answer, checked: every path that stores answers (quiz, imports) calls this.

    Returns:
        ``(confidence 1-5 or None, a rule id of the guideline or None, stripped comment or None,
        seconds >= 0 as float or None)``.

    Raises:
        AnswerError: naming the field (confidence, cited_rule, comment, seconds).
    """
    if confidence is not None and (
        isinstance(confidence, bool) or not isinstance(confidence, int) or not 1 <= confidence <= 5
    ):
        raise AnswerError(
            f"confidence must be an integer from 1 to 5, got {confidence!r}",
            location=Location(field="confidence"),
        )
    if cited_rule is not None:
        cited_rule = str(cited_rule)
        if cited_rule not in guideline.rule_ids:
            raise AnswerError(
                f"unknown rule {cited_rule!r}; expected one of {', '.join(guideline.rule_ids)}",
                location=Location(field="cited_rule"),
                hint=suggest(cited_rule, guideline.rule_ids),
            )
    if comment is not None:
        comment = str(comment).strip() or None
        if comment is not None and len(comment) > MAX_COMMENT:
            raise AnswerError(
                f"the comment has {len(comment)} characters; at most {MAX_COMMENT} are kept",
                location=Location(field="comment"),
                hint="shorten it",
            )
    if seconds is not None:
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, int | float)
            or not math.isfinite(seconds)
            or seconds < 0
        ):
            raise AnswerError(
                f"seconds must be a non-negative number, got {seconds!r}", location=Location(field="seconds")
            )
        seconds = float(seconds)
    return confidence, cited_rule, comment, seconds


def record_answer(
    engine: Engine,
    attempt_id: int,
    item_id: str,
    raw_answer: Any,
    *,
    actor: Actor,
    confidence: int | None = None,
    cited_rule: str | None = None,
    unclear: bool = False,
    comment: str | None = None,
    seconds: float | None = None,
) -> Response:
    """Validate and store an answer, committed before returning.

    Idempotent: the same answer (with the same confidence, cited rule, unclear flag and comment)
    given again returns the stored response with ``created=False`` and writes nothing. A different
    answer supersedes the current one, which is kept as history (`response_history`).

    Args:
        attempt_id: the annotator's attempt (from `start_or_resume_attempt`).
        item_id: an item of that attempt.
        raw_answer: the answer as given (see `calibration.answers.parse_answer`).
        actor: the attempt's annotator.
        confidence: 1-5, optional. cited_rule: the rule id applied, optional. unclear: the guideline
            was unclear here. comment: free text. seconds: time spent.

    Returns:
        The current `Response` (answer in JSON form).

    Raises:
        NotFoundError: unknown attempt, or an item not in the attempt. ConflictError: the attempt is
        finished. AnswerError: the answer (or confidence, cited rule, seconds) is invalid.
        PermissionDenied: not the attempt's annotator. Nothing is written in any of these cases.
    """
    item_id = str(item_id)

    def work(session: Session) -> Response:
        row, round_row, version, _ = _attempt_for(session, attempt_id, actor, "answer", lock=True)
        if actor != SYSTEM:
            actor_id = actor.id if isinstance(actor, User) else actor
            if actor_id != row.annotator_id:
                raise PermissionDenied("only the attempt's annotator can answer its items")
        if row.status != "in_progress":
            raise ConflictError(
                f"attempt #{row.id} is finished; its answers can no longer change",
                hint="start a retake to answer again",
            )
        if round_row.status != "open":
            raise CalibrationError(f"round {round_row.name!r} is closed", hint="ask your lead to reopen it")
        if not repo.is_assigned(session, row.round_id, row.annotator_id, row.number, item_id):
            raise NotFoundError(
                f"item {item_id!r} is not part of attempt #{row.id}",
                location=Location(field="item_id"),
                hint="answer only the items of your own quiz",
            )
        guideline = _guideline_of(version)
        item = _items_of(round_row, version).get(item_id)
        try:
            canonical = parse_answer(guideline.task, raw_answer, item.input if item else None)
        except AnswerError as error:
            raise AnswerError(
                f"item {item_id!r}: {error.message}", location=Location(field="answer"), hint=error.hint
            ) from None
        conf, rule, text, secs = check_answer_extras(guideline, confidence, cited_rule, comment, seconds)
        stored = answer_to_json(guideline.task.type, canonical)
        current = repo.current_response(session, row.id, item_id)
        if current is not None and (
            current.answer,
            current.confidence,
            current.cited_rule,
            bool(current.unclear),
            current.comment,
        ) == (stored, conf, rule, bool(unclear), text):
            return repo.response_of(current, created=False)
        moment = t.utcnow()
        if current is not None:
            current.superseded_at = moment
            session.flush()
        response = t.Response(
            attempt_id=row.id,
            round_id=row.round_id,
            item_id=item_id,
            annotator_id=row.annotator_id,
            answer=stored,
            confidence=conf,
            cited_rule=rule,
            unclear=bool(unclear),
            comment=text,
            seconds=secs,
            created_at=moment,
        )
        session.add(response)
        session.flush()
        return repo.response_of(response)

    return _retrying(engine, work)


def response_history(engine: Engine, attempt_id: int, item_id: str, *, actor: Actor) -> list[Response]:
    """Every answer given to an item in an attempt, oldest first (superseded ones have superseded_at)."""
    with session_scope(engine, read_only=True) as session:
        _attempt_for(session, attempt_id, actor, "see the answers")
        return repo.response_history(session, attempt_id, str(item_id))


def _canonical(task_type: str, value: Any) -> Any:
    """Canonical answer from its stored JSON form (stored answers were validated when written)."""
    from calibration.answers import Span

    if task_type == "span":
        return tuple(sorted(Span(s["start"], s["end"], s["label"]) for s in value))
    if isinstance(value, list):
        return tuple(value)
    return value


def _score_attempt(
    session: Session, row: t.Attempt, round_row: t.Round, version: t.GuidelineVersion, name: str
) -> Any:
    from calibration.agreement.gold import score_against_gold
    from calibration.responses import gold_series, item_rules_frame, responses_frame

    guideline = _guideline_of(version)
    items = _items_of(round_row, version)
    answers = repo.current_responses(session, [row.id])
    frame = responses_frame(
        [
            {"item_id": r.item_id, "annotator_id": name, "answer": _canonical(guideline.task.type, r.answer)}
            for r in answers
        ]
        or {"item_id": [], "annotator_id": [], "answer": []}
    )
    assigned = repo.assigned_items(session, row.round_id, row.annotator_id, row.number)
    gold = {
        i: parse_answer(guideline.task, items[i].answer, items[i].input)
        for i in assigned
        if i in items and items[i].answer is not None
    }
    rules = item_rules_frame({i: items[i].rules for i in assigned if i in items})
    return score_against_gold(
        frame, gold_series(gold), guideline.task, item_rules=rules, policy=guideline.calibration
    )


def finish_attempt(
    engine: Engine, attempt_id: int, *, actor: Actor, allow_unanswered: bool = False
) -> AttemptResult:
    """Finish an attempt: score a calibration quiz against gold, certify on a pass.

    Scoring uses `calibration.agreement.gold.score_against_gold` with the guideline's policy. A pass
    records a certification for the guideline version; a fail makes the next
    `start_or_resume_attempt` a retake targeting the failed rules. Finishing twice returns the
    stored result.

    Raises:
        NotFoundError: unknown attempt. ConflictError: items still unanswered (unless
        `allow_unanswered`). PermissionDenied: neither its annotator nor a lead.
    """

    def work(session: Session) -> AttemptResult:
        row, round_row, version, who = _attempt_for(
            session, attempt_id, actor, "finish the attempt", lock=True
        )
        if row.status == "finished":
            return _result(session, row, round_row)
        assigned = repo.assigned_items(session, row.round_id, row.annotator_id, row.number)
        answered = {r.item_id for r in repo.current_responses(session, [row.id])}
        missing = [i for i in assigned if i not in answered]
        if missing and not allow_unanswered:
            raise ConflictError(
                f"{len(missing)} item(s) are not answered yet: {', '.join(missing[:5])}"
                + (" ..." if len(missing) > 5 else ""),
                hint="answer every item, then finish",
            )
        name = repo.names_of(session, [row.annotator_id])[row.annotator_id]
        if round_row.kind == "calibration":
            result = _score_attempt(session, row, round_row, version, name)
            items = _items_of(round_row, version)
            skipped = [i for i in missing if i in items and items[i].answer is not None]
            if skipped:  # only answered items are scored: a quiz left half done must not certify
                result = dataclasses.replace(
                    result,
                    passed=False,
                    failed_rules=sorted(
                        {*result.failed_rules, *(r for i in skipped for r in items[i].rules)}
                    ),
                    reasons=[*result.reasons, f"{len(skipped)} quiz item(s) with gold were not answered"],
                )
            row.score = _jsonable(result.to_dict())
            if result.passed:
                score = result.kappa if result.kappa is not None else result.accuracy
                session.add(
                    t.Certification(
                        annotator_id=row.annotator_id,
                        guideline_version_id=version.id,
                        attempt_id=row.id,
                        score=_jsonable(score),
                    )
                )
        row.status = "finished"
        row.finished_at = t.utcnow()
        session.flush()
        repo.audit(
            session,
            _actor_id(who),
            "finish_attempt",
            f"round:{round_row.name}",
            attempt=row.id,
            annotator=name,
            passed=(row.score or {}).get("passed"),
        )
        return _result(session, row, round_row)

    return _retrying(engine, work)


def _result(session: Session, row: t.Attempt, round_row: t.Round) -> AttemptResult:
    score = row.score
    passed = None if score is None else bool(score.get("passed"))
    failed = tuple(score.get("failed_rules") or ()) if score else ()
    certified = any(c.attempt_id == row.id for c in repo.certifications(session, row.annotator_id))
    return AttemptResult(repo.attempt_of(session, row, round_row.name), passed, failed, score, certified)


# --------------------------------------------------------------------------- status and analyses


def round_status(
    engine: Engine,
    round: RoundRef,
    *,
    stuck_after: dt.timedelta = STUCK_AFTER,
    now: dt.datetime | None = None,
) -> RoundStatus:
    """Who finished and who is stuck: progress per annotator (their latest attempt).

    Each `AnnotatorProgress` has the status (not_started, in_progress, finished), answered/total,
    the last activity (last answer, else the attempt's start), pass/fail for calibration rounds,
    and ``stuck``: in progress with no activity for `stuck_after`.
    """
    moment = _now(now)
    with session_scope(engine, read_only=True) as session:
        row, version = _round_row(session, round)
        latest: dict[int, tuple[t.Attempt, str, int, int, Any]] = {}
        counts: dict[int, int] = {}
        for entry in repo.round_progress_rows(session, row.id):
            latest[entry[0].annotator_id] = entry
            counts[entry[0].annotator_id] = counts.get(entry[0].annotator_id, 0) + 1
        people = repo.round_annotator_ids(session, row.id)
        names = repo.names_of(session, people)
        progress = []
        for person in people:
            if person not in latest:
                total = len(repo.assigned_items(session, row.id, person, 1))
                progress.append(AnnotatorProgress(person, names[person], 0, "not_started", 0, total, None))
                continue
            attempt, name, total, answered, last = latest[person]
            if last is not None and getattr(last, "tzinfo", None) is None:
                last = last.replace(tzinfo=dt.UTC)
            passed = None if attempt.score is None else bool(attempt.score.get("passed"))
            activity = last or attempt.started_at
            stuck = attempt.status == "in_progress" and moment - activity > stuck_after
            progress.append(
                AnnotatorProgress(
                    person,
                    name,
                    counts[person],
                    attempt.status,  # type: ignore[arg-type]
                    answered,
                    total,
                    activity,
                    passed,
                    stuck,
                )
            )
        progress.sort(key=lambda p: p.name)
        return RoundStatus(repo.round_of(row, _ref_of(version)), progress)


def latest_response_marker(engine: Engine, round: RoundRef) -> int:
    """The newest response id of a round (0 when none): changes whenever an answer is added or changed."""
    with session_scope(engine, read_only=True) as session:
        row, _ = _round_row(session, round)
        return repo.last_response_id(session, row.id) or 0


def round_responses(engine: Engine, round: RoundRef) -> RoundResponses:
    """A round's current answers as the canonical responses table, with item rules and gold.

    With several attempts (retakes) the latest answer per item and annotator is kept.
    """
    from calibration.responses import gold_series, item_rules_frame, responses_frame

    with session_scope(engine, read_only=True) as session:
        row, version = _round_row(session, round)
        guideline = _guideline_of(version)
        items = _items_of(row, version)
        kind = guideline.task.type
        import pandas as pd

        rows = repo.round_response_rows(session, row.id)
        frame = pd.DataFrame(rows, columns=list(repo.RESPONSE_COLUMNS))
        # retakes: the latest attempt's answer per item and annotator wins (rows come oldest first)
        frame = frame.drop_duplicates(["item_id", "annotator_id"], keep="last").reset_index(drop=True)
        if kind == "span" or frame["answer"].map(type).eq(list).any():
            frame["answer"] = pd.Series([_canonical(kind, a) for a in frame["answer"]], dtype=object)
        frame = responses_frame(frame)
        in_round = _round_item_ids(row, version) if row.kind == "pilot" else list(items)
        answered = set(frame["item_id"]) | set(in_round)
        rules = item_rules_frame({i: items[i].rules for i in items if i in answered})
        gold = {
            i: parse_answer(guideline.task, items[i].answer, items[i].input)
            for i in items
            if i in answered and items[i].answer is not None
        }
        for adjudication in repo.adjudications(session, row.id):
            gold.setdefault(adjudication.item_id, _canonical(kind, adjudication.answer))
        return RoundResponses(
            repo.round_of(row, _ref_of(version)), guideline, frame, rules, gold_series(gold)
        )


# --------------------------------------------------------------------------- adjudication, certifications, audit


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
        NotFoundError: unknown round or item. AnswerError: invalid answer. PermissionDenied: not a lead.
    """
    with session_scope(engine) as session:
        who = _actor(session, actor, ("lead",), "adjudicate")
        row, version = _round_row(session, round)
        items = _items_of(row, version)
        if str(item_id) not in items:
            raise NotFoundError(
                f"item {item_id!r} is not in round {row.name!r}",
                location=Location(field="item_id"),
                hint=suggest(str(item_id), list(items)),
            )
        guideline = _guideline_of(version)
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
            adjudicator_id=_actor_id(who),
            added_to_bank=add_to_bank,
        )
        session.add(adjudication)
        session.flush()
        repo.audit(
            session,
            _actor_id(who),
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
        row, _ = _round_row(session, round)
        return repo.adjudications(session, row.id)


def certifications(
    engine: Engine, annotator: User | int | None = None, guideline_ref: str | None = None
) -> list[Certification]:
    """Certifications, optionally of one annotator and/or one guideline version."""
    with session_scope(engine, read_only=True) as session:
        version_id = _version_row(session, guideline_ref).id if guideline_ref else None
        annotator_id = annotator.id if isinstance(annotator, User) else annotator
        return repo.certifications(session, annotator_id, version_id)


def audit_log(engine: Engine, limit: int = 100, entity: str | None = None) -> list[AuditEntry]:
    """The newest audit entries first."""
    with session_scope(engine, read_only=True) as session:
        return repo.audit_entries(session, limit, entity)


# --------------------------------------------------------------------------- imports


def import_responses(
    engine: Engine, round: RoundRef, responses: pd.DataFrame, *, actor: Actor, source: str | None = None
) -> int:
    """Store answers made elsewhere (a labeling tool) in a pilot round, all or nothing.

    Annotators unknown to the store are created (role annotator, no password); each gets one
    finished attempt holding the items they answered.

    Args:
        responses: a responses table (`calibration.responses`) whose answers are raw or canonical;
            item ids must be items of the round.
        source: where the answers came from (file name), for messages and the audit log.

    Returns:
        The number of responses stored.

    Raises:
        NotFoundError: unknown round or item (naming the row). AnswerError: an invalid answer
        (naming the row). ConflictError: the round is not a pilot, or an annotator already answered
        in it. PermissionDenied: not a lead.
    """
    from calibration.responses import responses_frame

    frame = responses_frame(responses)

    def work(session: Session) -> int:
        who = _actor(session, actor, ("lead",), "import responses")
        row, version = _round_row(session, round)
        if row.kind != "pilot":
            raise ConflictError(
                f"round {row.name!r} is a {row.kind} round; answers can only be imported into pilots"
            )
        guideline = _guideline_of(version)
        items = _items_of(row, version)
        allowed = set(_round_item_ids(row, version))
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
                k: None if _isna(record.get(k)) else record.get(k)
                for k in ("confidence", "cited_rule", "unclear", "comment", "seconds")
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
        people = {
            n: existing[n] if n in existing else _new_user(session, n, "annotator", None, None) for n in names
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
                        "confidence": None if _isna(confidence) else int(confidence),
                        "cited_rule": None if _isna(extras.get("cited_rule")) else extras.get("cited_rule"),
                        "unclear": bool(extras.get("unclear") or False),
                        "comment": None if _isna(extras.get("comment")) else extras.get("comment"),
                        "seconds": None if _isna(seconds) else float(seconds),
                        "created_at": moment,
                    }
                )
            repo.add_responses(session, rows)
        repo.audit(
            session,
            _actor_id(who),
            "import_responses",
            f"round:{row.name}",
            source=source,
            rows=len(parsed),
            annotators=names,
        )
        return len(parsed)

    return _retrying(engine, work)


def _whole(value: Any) -> Any:
    """A table cell's whole number (3.0, numpy int) as int; anything else unchanged (checked later)."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and float(value).is_integer():
        return int(value)
    return value


def _real(value: Any) -> Any:
    """A table cell's number (numpy types included) as float; anything else unchanged (checked later)."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    return value


def _isna(value: Any) -> bool:
    import pandas as pd

    return value is None or (not isinstance(value, str | list | tuple | dict) and bool(pd.isna(value)))


def counts(engine: Engine) -> dict[str, int]:
    """Rows per table (for checks that nothing was written)."""
    with session_scope(engine, read_only=True) as session:
        return repo.row_counts(session)


def answers_by_item(responses: Mapping[str, Response]) -> dict[str, Any]:
    """The stored answers of an attempt by item id (JSON form), e.g. to pre-fill a resumed quiz."""
    return {item: r.answer for item, r in responses.items()}
