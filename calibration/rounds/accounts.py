"""Users and sign-in: create users, authenticate, passwords and invitations."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from calibration import auth
from calibration.errors import (
    AuthError,
    CalibrationError,
    ConflictError,
    Location,
    NotFoundError,
)
from calibration.rounds._common import (
    SYSTEM,
    Actor,
    RoundRef,
    actor_row,
    actor_user_id,
    find_round,
    new_user,
    ref_of,
    retrying,
    utc_now,
)
from calibration.storage import repository as repo
from calibration.storage import tables as t
from calibration.storage.engine import refuse_nul, session_scope
from calibration.storage.repository import (
    Role,
    Round,
    User,
)

if TYPE_CHECKING:
    pass


DEFAULT_INVITATION_LIFETIME = dt.timedelta(days=7)


def create_user(
    engine: Engine,
    name: str,
    *,
    role: Role,
    email: str | None = None,
    password: str | None = None,
    actor: Actor = SYSTEM,
    first_lead: bool = False,
    must_change_password: bool = False,
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
        must_change_password: the password is a temporary one the lead chose: the user must choose
            their own at the next sign-in (`replace_temporary_password`). Needs a password.

    Raises:
        ConflictError: name or email taken; with `first_lead`, a lead exists already.
        CalibrationError: bad role, name or email.
        AuthError: password too short. PermissionDenied: the actor is not a lead.
    """

    if must_change_password and not password:
        raise CalibrationError(
            "a temporary password needs a password",
            location=Location(field="password"),
            hint="type one, or leave the account without a password (invitation only)",
        )
    hashed = auth.hash_password(password) if password else None  # before the write transaction

    def work(session: Session) -> User:
        who = actor_row(session, actor, ("lead",), "add users")
        if first_lead and repo.list_users(session, "lead"):
            raise ConflictError("a lead account exists already", hint="sign in, or ask a lead to add you")
        refuse_name_like_an_email(session, name, "name", email)
        row = new_user(
            session,
            name,
            role,
            email,
            None,
            password_hash=hashed,
            email_hint="use another email, or find the existing account in the list",
            distinct_case=True,
        )
        row.must_change_password = must_change_password
        repo.audit(session, actor_user_id(who), "create_user", f"user:{row.name}", role=role, email=row.email)
        return repo.user_of(row)

    return retrying(engine, work)


def refuse_name_like_an_email(session: Session, name: str, field: str, email: str | None = None) -> None:
    """Refuse a display name that is someone's email, and an email that is someone's display name.

    A name is shown wherever answers are (dashboards, exports, adjudication): an annotator named
    ``lead@example.org`` would pass for that lead there, and a sign-in with that string would be
    ambiguous. Compared case-insensitively, like emails.

    Raises:
        ConflictError: naming the field.
    """
    refuse_nul(name, field)
    if email is not None:
        refuse_nul(email, "email")
    if repo.email_taken(session, name.strip()):
        raise ConflictError(
            f"the name {name.strip()!r} is an email address of an account",
            location=Location(field=field),
            hint="choose a name that is not an email address",
        )
    if email is not None and (
        repo.name_taken(session, email.strip()) or repo.names_like(session, email.strip())
    ):
        raise ConflictError(
            f"the email {email.strip()} is the name of another account",
            location=Location(field="email"),
            hint="use another email, or ask a lead",
        )


def get_user(engine: Engine, user_id: int) -> User | None:
    """The user with this id, or None."""
    with session_scope(engine, read_only=True) as session:
        row = repo.find_user(session, user_id=user_id)
        return repo.user_of(row) if row else None


def user_by_email(engine: Engine, email: str) -> User:
    """The user signing in with `email` (or that name: exact, else case-insensitive).

    Raises:
        NotFoundError: nobody has that email.
    """
    with session_scope(engine, read_only=True) as session:
        row = repo.find_user(session, login=email)
        if row is None:
            raise NotFoundError(f"no user with the email {email!r}", hint="ask a lead to add you")
        return repo.user_of(row)


def list_users(engine: Engine, role: Role | None = None) -> list[User]:
    """Users by name (of one role, or all)."""
    with session_scope(engine, read_only=True) as session:
        return repo.list_users(session, role)


def has_lead(engine: Engine) -> bool:
    """Whether at least one lead account exists (False means first start: ask for one)."""
    with session_scope(engine, read_only=True) as session:
        return bool(repo.list_users(session, "lead"))


def authenticate(
    engine: Engine,
    login: str,
    password: str,
    *,
    client: str | None = None,
    now: dt.datetime | None = None,
) -> User:
    """Check a password sign-in, rate-limited in the database per account, per client and in total.

    Each attempt is first reserved (recorded as a failure) in a short transaction that runs alone
    (``BEGIN IMMEDIATE`` on SQLite, an advisory lock on PostgreSQL) and checks three budgets over the
    last `calibration.auth.FAILURE_WINDOW`: `MAX_FAILURES` for the account (the same account named by
    email or by name shares one budget), `CLIENT_MAX_FAILURES` for `client`, and
    `GLOBAL_MAX_FAILURES` for everyone. Only then is the password hashed, outside any transaction
    (argon2 takes a while; a held SQLite write lock would stall annotators' answers) and in one of
    `calibration.auth.HASHING_SLOTS`. A success deletes the account's attempts. So however many
    guesses arrive at once, at most the budget's worth is ever checked, and once it is spent even the
    right password is refused until the window passes.

    Args:
        login: email (case-insensitive) or user name.
        password: the password.
        client: the client's address (or any key for where the attempt comes from), when known.
        now: the current time (tests).

    Returns:
        The signed-in user.

    Raises:
        AuthError: "wrong email or password", "too many attempts, try again in N minutes", or
            "this account is deactivated".
    """
    return _check_sign_in(engine, password, login=login, client=client, now=now)


WRONG_SIGN_IN = "wrong email or password"


def _check_sign_in(
    engine: Engine,
    password: str,
    *,
    login: str | None = None,
    user_id: int | None = None,
    client: str | None,
    now: dt.datetime | None,
) -> User:
    """`authenticate` by login, or by user id (`change_own_password`): the same budgets and check."""
    client_key = (" ".join(str(client).split())[:200] or None) if client is not None else None

    def reserve(session: Session) -> tuple[str, int | None, str | None]:
        repo.lock_sign_ins(session)
        moment = utc_now(now)  # after the lock: reservations are stored in the order they were made
        since = moment - auth.FAILURE_WINDOW
        row = repo.find_user(session, user_id=user_id, login=login)
        login_key = str(login or f"#{user_id}")
        account = f"user:{row.id}" if row is not None else f"login:{repo.fold(login_key)}"
        budgets: list[tuple[str, dict[str, str], int]] = [("account", {"login": account}, auth.MAX_FAILURES)]
        if client_key is not None:
            budgets.append(("client", {"client": client_key}, auth.CLIENT_MAX_FAILURES))
        budgets.append(("global", {}, auth.GLOBAL_MAX_FAILURES))
        for scope, where, budget in budgets:
            times = repo.recent_failures(session, since, limit=budget, **where)
            minutes = auth.lockout_minutes(times, moment, max_failures=budget)
            if minutes is not None:
                raise auth.too_many_attempts(minutes, scope=scope)
        repo.prune_failures(session, since)
        repo.reserve_sign_in(session, account, client_key, moment)
        return account, (row.id if row is not None else None), (row.password_hash if row else None)

    account, user_id, stored = retrying(engine, reserve)
    ok = auth.verify_password(stored, password) and user_id is not None
    rehashed = auth.hash_password(password) if ok and auth.needs_rehash(stored or "") else None
    if not ok:
        raise AuthError(WRONG_SIGN_IN, hint="check both; passwords are case-sensitive")
    with session_scope(engine) as session:
        row = repo.find_user(session, user_id=user_id)
        if row is not None and row.deactivated_at is None:
            repo.clear_failures(session, account)
            if rehashed is not None and row.password_hash == stored:
                row.password_hash = rehashed
            return repo.user_of(row)
    if row is None:
        raise AuthError(WRONG_SIGN_IN, hint="check both; passwords are case-sensitive")
    raise AuthError("this account is deactivated", hint="ask a lead to reactivate it")


def _bump_session_version(row: t.User) -> None:
    row.session_version = (row.session_version or 0) + 1


def _set_password_hash(row: t.User, hashed: str, *, temporary: bool) -> None:
    """A new password: `temporary` (its user must choose their own at the next sign-in) or their own.

    A password change signs every browser out (a copied cookie too): the session version goes up.
    """
    row.password_hash = hashed
    row.must_change_password = temporary
    _bump_session_version(row)


SINGLE_SIGN_ON = "sso"
"""`User.sign_in_method` of a user who has signed in with single sign-on."""


def record_single_sign_on(engine: Engine, user: User | int) -> User:
    """Record that `user` signs in with single sign-on (``sign_in_method`` "sso"). Writes only the first
    time; only for an active person's account (`sign_in_with_single_sign_on` is the app's way in).

    From then on no local password is added to the account while it has none (`set_first_password`,
    `set_password`, `reset_password` refuse): the organisation's account controls access, and a local
    password would be a second way in that the provider cannot revoke. A lead can undo it
    (`allow_local_sign_in`).

    Raises:
        NotFoundError: unknown user. AuthError: a deactivated account. ConflictError: a model's account.
    """
    if isinstance(user, User) and user.sign_in_method == SINGLE_SIGN_ON and user.active:
        return user
    with session_scope(engine) as session:
        row = repo.lock_user(session, user.id if isinstance(user, User) else user)
        if row is None:
            raise NotFoundError(f"no user #{user.id if isinstance(user, User) else user}")
        return _record_single_sign_on(session, row)


def _record_single_sign_on(session: Session, row: t.User) -> User:
    if row.deactivated_at is not None:
        raise AuthError("this account is deactivated", hint="ask a lead to reactivate it")
    if row.kind == "model":
        raise ConflictError(f"{row.name!r} is a model, which never signs in", location=Location(field="user"))
    if row.sign_in_method != SINGLE_SIGN_ON:
        row.sign_in_method = SINGLE_SIGN_ON
        repo.audit(session, row.id, "single_sign_on", f"user:{row.name}")
    return repo.user_of(row)


def sign_in_with_single_sign_on(engine: Engine, email: str) -> User:
    """The account an identity provider's (verified) `email` signs in, recorded as single sign-on.

    Matches the account's email only (exact, else ignoring case; `repository.find_user_by_email`),
    never its name. A deactivated account is refused and nothing is recorded on it.

    Raises:
        NotFoundError: no account has this email. AuthError: "this account is deactivated".
        ConflictError: a model's account.
    """
    with session_scope(engine) as session:
        found = repo.find_user_by_email(session, email)
        row = repo.lock_user(session, found.id) if found is not None else None
        if row is None:
            raise NotFoundError(f"no user with the email {email.strip()!r}", hint="ask a lead to add you")
        return _record_single_sign_on(session, row)


def single_sign_on_account(engine: Engine, email: str) -> User | None:
    """The account single sign-on with `email` would sign in (matched as `sign_in_with_single_sign_on`,
    active or not), or None. Reads only."""
    with session_scope(engine, read_only=True) as session:
        row = repo.find_user_by_email(session, email)
        return repo.user_of(row) if row is not None else None


def allow_local_sign_in(engine: Engine, user: User | int, *, actor: Actor) -> User:
    """A lead sets an account's sign-in method back to local, so a password can be set again (e.g. the
    identity provider goes away): undoes `record_single_sign_on`. Audited (``allow_local_sign_in``).
    The next single sign-on of the account records it again. Idempotent.

    Raises:
        NotFoundError: unknown user. PermissionDenied: the actor is not a lead.
    """
    user_id = user.id if isinstance(user, User) else user
    with session_scope(engine) as session:
        who = actor_row(session, actor, ("lead",), "change how users sign in")
        row = repo.lock_user(session, user_id)
        if row is None:
            raise NotFoundError(f"no user #{user_id}", location=Location(field="user"))
        if row.sign_in_method != "local":
            row.sign_in_method = "local"
            repo.audit(session, actor_user_id(who), "allow_local_sign_in", f"user:{row.name}")
        return repo.user_of(row)


def _refuse_password_for_single_sign_on(row: t.User) -> None:
    """A user who signs in with single sign-on and has no password gets none (`record_single_sign_on`).

    Raises:
        ConflictError: naming the user.
    """
    if row.sign_in_method == SINGLE_SIGN_ON and row.password_hash is None:
        raise ConflictError(
            f"{row.name} signs in with single sign-on, so the account gets no password",
            location=Location(field="password"),
            hint="their organisation's account controls access; a password would be a second way in",
        )


def revoke_sessions(engine: Engine, user: User | int) -> None:
    """Sign `user` out everywhere: every session cookie and open page session issued before stops working.

    Bumps the user's session version (signed into each cookie and checked on every page run); the
    app's Sign out calls it, and `set_password` and `deactivate_user` bump the version the same way.
    Nothing happens for an unknown user.
    """
    user_id = user.id if isinstance(user, User) else user
    with session_scope(engine) as session:
        row = repo.find_user(session, user_id=user_id)
        if row is not None:
            _bump_session_version(row)


def session_user(engine: Engine, user_id: int, session_version: int) -> User | None:
    """The user of a session (cookie or open page) when it is still valid, else None.

    A session is valid while its user exists, is active and still has the `session_version` the
    session was issued with (see `revoke_sessions`). One query.
    """
    user = get_user(engine, user_id)
    if user is None or not user.active or user.session_version != session_version:
        return None
    return user


def deactivate_user(engine: Engine, user: User | int, *, actor: Actor) -> User:
    """Deactivate a user: they can no longer sign in, and every session of theirs ends at once.

    Their answers, rounds and certifications stay. Idempotent.

    Raises:
        NotFoundError: unknown user. PermissionDenied: the actor is not a lead.
        ConflictError: a lead deactivating themselves (another lead must do it), or the last active
        lead.
    """
    user_id = user.id if isinstance(user, User) else user
    with session_scope(engine) as session:
        who = actor_row(session, actor, ("lead",), "deactivate users")
        row = repo.find_user(session, user_id=user_id)
        if row is None:
            raise NotFoundError(f"no user #{user_id}")
        if who is not None and who.id == row.id:
            raise ConflictError("you cannot deactivate your own account", hint="ask another lead")
        if row.deactivated_at is None:
            _refuse_losing_last_lead(session, row, "deactivate")
            row.deactivated_at = utc_now()
            _bump_session_version(row)
            repo.audit(session, actor_user_id(who), "deactivate_user", f"user:{row.name}")
        return repo.user_of(row)


def set_password(engine: Engine, user: User | int, password: str, *, actor: Actor) -> None:
    """Set a user's password (the user themselves or a lead); every session of the user ends.

    A password a lead sets for someone else is temporary: that user must choose their own at the next
    sign-in (`User.must_change_password`); the user's own choice clears the flag.

    Raises:
        AuthError: too short. PermissionDenied: someone else's password, not being a lead.
        ConflictError: a user without a password who signs in with single sign-on
        (`record_single_sign_on`).
    """
    user_id = user.id if isinstance(user, User) else user
    with session_scope(engine, read_only=True) as session:  # refused before argon2 spends its time
        _refuse_password_for_single_sign_on(_user_row(session, user_id))
    hashed = auth.hash_password(password)  # before the write transaction (argon2 is slow)
    with session_scope(engine) as session:
        actor_id = actor.id if isinstance(actor, User) else actor
        who = (
            None
            if actor_id == user_id
            else actor_row(session, actor, ("lead",), "set other users' passwords")
        )
        row = repo.lock_user(session, user_id)  # the check holds until the write commits
        if row is None:
            raise NotFoundError(f"no user #{user_id}")
        _refuse_password_for_single_sign_on(row)
        _set_password_hash(row, hashed, temporary=who is not None)
        repo.audit(session, actor_user_id(who) if who else user_id, "set_password", f"user:{row.name}")


NAME_PART_MIN_LENGTH = 4
"""Parts of a name shorter than this are not refused as passwords on their own."""


def personal_words(name: str, email: str | None) -> frozenset[str]:
    """The casefolded words a user may not take as password: the whole name and email, each part of
    the name (split on spaces, hyphens, dots and underscores) of `NAME_PART_MIN_LENGTH` characters or
    more, and the email's local part.

    >>> sorted(personal_words("Bo Fitz-Vandermeulen", "bo.fv@example.org"))
    ['bo fitz-vandermeulen', 'bo.fv', 'bo.fv@example.org', 'fitz', 'vandermeulen']
    """
    words = {name.strip().casefold()}
    words.update(
        part for part in re.split(r"[\s\-._]+", name.casefold()) if len(part) >= NAME_PART_MIN_LENGTH
    )
    if email and email.strip():
        address = email.strip().casefold()
        words.add(address)
        words.add(address.split("@", 1)[0])
    words.discard("")
    return frozenset(words)


def _squashed(text: str) -> str:
    """`text` casefolded without spaces, hyphens, dots and underscores: "Lena Lead", "lena.lead" and
    "lenalead" are one word to compare."""
    return re.sub(r"[\s\-._]+", "", text.casefold())


def check_own_password(password: str, *, name: str, email: str | None) -> None:
    """The rules for a password users choose for themselves (the forced change and the Account page).

    At least `calibration.auth.MIN_PASSWORD_LENGTH` characters, no NUL, and not the user's name or
    email nor any part of them (`personal_words`, case-insensitive, and with or without the spaces,
    hyphens, dots and underscores between their parts: "lenalead" is "Lena Lead"). Each caller also refuses the
    password being replaced.

    Raises:
        AuthError: naming the field ``new_password``.
    """
    refuse_nul(password, "new_password")
    try:
        auth.check_password_strength(password)
    except AuthError as error:
        raise AuthError(
            str(error.message), location=Location(field="new_password"), hint=error.hint
        ) from None
    if _squashed(password) in {_squashed(word) for word in personal_words(name, email)}:
        raise AuthError(
            "the new password is your name or email",
            location=Location(field="new_password"),
            hint="choose a password that others cannot guess",
        )


def change_own_password(
    engine: Engine,
    user: User | int,
    current: str,
    new: str,
    *,
    client: str | None = None,
    now: dt.datetime | None = None,
) -> User:
    """A signed-in user changes their own password (the Account page), giving the current one.

    The new password follows `check_own_password` and must differ from the current one. The current
    password is checked exactly as a sign-in is (`authenticate`: argon2, and the same budgets per
    account, per client and in total, so the form cannot be used to guess it faster). Clears
    `User.must_change_password` and bumps the session version (every other session ends); the caller
    signs the user in again with the returned ``User``.

    Args:
        current: the password the user signs in with now.
        new: the new password.
        client: the client's address, when known (the sign-in budget per client).
        now: the current time (tests).

    Raises:
        AuthError: the new password breaks a rule or is the current one (field ``new_password``); the
            current password is wrong, too many attempts, or the user has no password (an
            invitation-only annotator; field ``current_password``).
        NotFoundError: unknown user. ConflictError: the password or the sessions changed meanwhile.
    """
    user_id = user.id if isinstance(user, User) else user
    with session_scope(engine, read_only=True) as session:
        row = _user_row(session, user_id)
        name, email, has_password = row.name, row.email, row.password_hash is not None
    if not has_password:
        raise AuthError(
            f"{name} has no password to change",
            location=Location(field="current_password"),
            hint="you sign in with invitation links; a lead can give you a password (Users page)",
        )
    check_own_password(new, name=name, email=email)  # before the check: a weak one costs no attempt
    try:
        checked = _check_sign_in(engine, current, user_id=user_id, client=client, now=now)
    except AuthError as error:
        wrong = error.message == WRONG_SIGN_IN
        raise AuthError(
            "the current password is wrong" if wrong else str(error.message),
            location=Location(field="current_password"),
            hint="type the password you sign in with now; passwords are case-sensitive"
            if wrong
            else error.hint,
        ) from None
    if new == current:
        raise AuthError(
            "the new password is your current one",
            location=Location(field="new_password"),
            hint="choose a password you do not use now",
        )
    return _store_own_password(
        engine,
        user_id,
        new,
        "change_password",
        unchanged=lambda row: row.session_version == checked.session_version,
        conflict=ConflictError("your password or sessions changed meanwhile", hint="sign in again and retry"),
    )


def set_first_password(engine: Engine, user: User | int, password: str) -> User:
    """A signed-in user without a password (joined by invitation link) chooses their first one.

    They are signed in through the invitation, so no current password is asked; the new one follows
    `check_own_password`. Bumps the session version (every other session of the user ends); the caller
    signs the user in again with the returned ``User``. From then on they can also sign in with their
    email (or name) and this password.

    Raises:
        AuthError: the password breaks a rule (field ``new_password``). NotFoundError: unknown user.
        ConflictError: the user has a password already (change it giving the current one); the user
        signs in with single sign-on (`record_single_sign_on`); the account changed since `user`
        was read (a password set meanwhile, sessions revoked, deactivated).
    """
    user_id = user.id if isinstance(user, User) else user
    with session_scope(engine, read_only=True) as session:
        row = _user_row(session, user_id)
        name, email, has_password = row.name, row.email, row.password_hash is not None
        checked = user if isinstance(user, User) else repo.user_of(row)
        _refuse_password_for_single_sign_on(row)
    if has_password:
        raise ConflictError(
            f"{name} has a password already", hint="change it on the Account page, giving the current one"
        )
    check_own_password(password, name=name, email=email)
    # as the caller's session knew the user: no password, the same sessions, not deactivated
    return _store_own_password(
        engine,
        user_id,
        password,
        "set_first_password",
        unchanged=lambda row: (
            row.password_hash is None
            and row.session_version == checked.session_version
            and row.deactivated_at is None
            and row.sign_in_method != SINGLE_SIGN_ON
        ),
        conflict=ConflictError(
            f"{name}'s account changed meanwhile (a password set, sessions ended, deactivated, or "
            "signed in with single sign-on)",
            hint="sign in again and retry",
        ),
    )


def replace_temporary_password(engine: Engine, user: User | int, password: str) -> User:
    """The user's own new password, replacing a temporary one a lead chose (`User.must_change_password`).

    Refuses a password shorter than `calibration.auth.MIN_PASSWORD_LENGTH`, the temporary password
    itself, and the user's name or email. Clears the flag and bumps the session version (every other
    session ends); the caller signs the user in again with the returned ``User``.

    Raises:
        AuthError: too short, the same as the temporary password, or the name or email (field
            ``new_password``). NotFoundError: unknown user. ConflictError: the user has no temporary
            password to replace.
    """
    user_id = user.id if isinstance(user, User) else user
    with session_scope(engine, read_only=True) as session:
        row = _user_row(session, user_id)
        stored, name, email, pending = row.password_hash, row.name, row.email, row.must_change_password
    check_own_password(password, name=name, email=email)
    if not pending:
        raise ConflictError(
            f"{name} has no temporary password to replace", hint="change your password on the Account page"
        )
    if auth.verify_password(stored, password):
        raise AuthError(
            "the new password is the temporary one",
            location=Location(field="new_password"),
            hint="choose a password of your own, not the one your lead gave you",
        )
    return _store_own_password(
        engine,
        user_id,
        password,
        "replace_temporary_password",
        unchanged=lambda row: row.password_hash == stored,
        conflict=ConflictError(
            "the password was changed meanwhile", hint="sign in again with the newest password"
        ),
    )


def _store_own_password(
    engine: Engine,
    user_id: int,
    password: str,
    action: str,
    *,
    unchanged: Callable[[t.User], bool],
    conflict: ConflictError,
) -> User:
    """Store the user's own new `password` (checked) and audit `action`; every other session ends.

    Raises:
        ConflictError: `conflict`, when the user's row no longer holds what the checks read (`unchanged`).
    """
    hashed = auth.hash_password(password)  # outside the write transaction (argon2 is slow)
    with session_scope(engine) as session:
        row = _user_row(session, user_id, lock=True)  # the check holds until the write commits
        if not unchanged(row):
            raise conflict
        _set_password_hash(row, hashed, temporary=False)
        repo.audit(session, row.id, action, f"user:{row.name}")
        return repo.user_of(row)


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
    token, digest = _new_invitation_token(expires_in)
    with session_scope(engine) as session:
        who = actor_row(session, actor, ("lead",), "invite annotators")
        row, _ = find_round(session, round)
        if row.status != "open":
            raise CalibrationError(
                f"round {row.name!r} is closed", hint="reopen it before inviting annotators"
            )
        _add_invitation(
            session, who, digest, utc_now(now), expires_in, "invite", f"round:{row.name}", round_id=row.id
        )
    return token


def _new_invitation_token(expires_in: dt.timedelta) -> tuple[str, str]:
    """A new invitation token and its digest (the only part stored).

    Raises:
        CalibrationError: a lifetime `expires_in` of zero or less.
    """
    if expires_in <= dt.timedelta(0):
        raise CalibrationError(f"an invitation must live for a positive time, got {expires_in}")
    return auth.new_token()


def _add_invitation(
    session: Session,
    who: t.User | None,
    digest: str,
    moment: dt.datetime,
    expires_in: dt.timedelta,
    action: str,
    target: str,
    *,
    round_id: int | None = None,
    role: str | None = None,
) -> None:
    """Store an invitation (its token's digest only) and audit it, in the caller's transaction."""
    expires_at = moment + expires_in
    session.add(
        t.Invitation(
            round_id=round_id,
            role=role,
            token_hash=digest,
            expires_at=expires_at,
            created_by=actor_user_id(who),
            created_at=moment,
        )
    )
    repo.audit(session, actor_user_id(who), action, target, expires_at=expires_at.isoformat())


def _usable_invitation(session: Session, digest: str, moment: dt.datetime, *, account: bool) -> t.Invitation:
    """The unused, unexpired invitation with this token digest: a round's, or with `account` an account's.

    Raises:
        AuthError: no such invitation (or one of the other kind), used already, or expired.
    """
    invitation = repo.find_invitation(session, digest)
    if invitation is None or (
        invitation.round_id is not None or invitation.role is None if account else invitation.round_id is None
    ):
        raise AuthError(
            "this invitation link is not valid",
            hint="copy the whole link, or ask your lead for a new one",
        )
    if invitation.used_at is not None:
        raise _used_invitation(session, invitation)
    if invitation.expires_at <= moment:
        raise AuthError(
            f"this invitation expired on {invitation.expires_at:%Y-%m-%d %H:%M} UTC",
            hint="ask your lead for a new link",
        )
    return invitation


def _used_invitation(session: Session, invitation: t.Invitation) -> AuthError:
    """The error for a used link: how to get back in, without naming the account it made."""
    joined = repo.find_user(session, user_id=invitation.user_id) if invitation.user_id else None
    if joined is not None and joined.password_hash is None:  # no password: signing in cannot work
        hint = "ask your lead for a new link: the account made with this link has no password to sign in with"
    else:
        hint = "sign in with the email and password chosen when joining, or ask your lead for a new link"
    assert invitation.used_at is not None
    return AuthError(
        f"this invitation was already used on {invitation.used_at:%Y-%m-%d %H:%M} UTC", hint=hint
    )


def invitation_problem(engine: Engine, token: str, *, now: dt.datetime | None = None) -> AuthError | None:
    """Why an invitation link (a round's or an account's) cannot be used, or None when it can.

    Read only: nothing is used up, so a page can check the link when it opens and show the problem
    instead of a form that could only fail.
    """
    digest = auth.hash_token(token.strip())
    with session_scope(engine, read_only=True) as session:
        invitation = repo.find_invitation(session, digest)
        account = invitation is not None and invitation.round_id is None
        try:
            invitation = _usable_invitation(session, digest, utc_now(now), account=account)
        except AuthError as error:
            return error
        if invitation.round_id is not None:
            row, _ = find_round(session, invitation.round_id)
            if row.status != "open":
                return AuthError(f"round {row.name!r} is closed", hint="ask your lead to reopen it")
    return None


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
        moment = utc_now(now)
        invitation = _usable_invitation(session, digest, moment, account=False)
        assert invitation.round_id is not None  # a round's invitation (checked above)
        row, version = find_round(session, invitation.round_id)
        if row.status != "open":
            raise CalibrationError(f"round {row.name!r} is closed", hint="ask your lead")
        if user is not None:
            member = repo.find_user(session, user_id=user.id)
            if member is None:
                raise AuthError("the signed-in user no longer exists", hint="sign in again")
        else:
            if display_name is None:
                raise CalibrationError("choose a display name", location=Location(field="display_name"))
            refuse_name_like_an_email(session, display_name, "display_name", email)
            member = new_user(
                session,
                display_name,
                "annotator",
                email,
                None,
                field="display_name",
                password_hash=hashed,
                distinct_case=True,
            )
        if not repo.claim_invitation(session, invitation.id, moment):
            raise AuthError("this invitation was just used", hint="ask your lead for a new link")
        invitation.user_id = member.id
        repo.audit(session, member.id, "redeem_invitation", f"round:{row.name}", user=member.name)
        return repo.user_of(member), repo.round_of(row, ref_of(version))

    return retrying(engine, work)


# --------------------------------------------------------------------------- a lead's user administration

ACCOUNT_ROLES: tuple[str, ...] = ("annotator", "author", "lead")
TEMPORARY_PASSWORD_BYTES = 12  # token_urlsafe(12): 16 characters, 96 bits


def _user_row(session: Session, user: User | int, *, lock: bool = False) -> t.User:
    """The user's row (`lock`: locked until the transaction ends, `repository.lock_user`).

    Raises:
        NotFoundError: unknown user.
    """
    user_id = user.id if isinstance(user, User) else user
    row = repo.lock_user(session, user_id) if lock else repo.find_user(session, user_id=user_id)
    if row is None:
        raise NotFoundError(f"no user #{user_id}", location=Location(field="user"), hint="reload the page")
    return row


def _check_role(role: str) -> None:
    if role not in ACCOUNT_ROLES:
        raise CalibrationError(
            f"unknown role {role!r}; expected one of {', '.join(ACCOUNT_ROLES)}",
            location=Location(field="role"),
        )


def _refuse_losing_last_lead(session: Session, row: t.User, action: str) -> None:
    """Refuse `action` on `row` when it is the only active lead (nobody could manage the workspace)."""
    if row.role != "lead" or row.deactivated_at is not None:
        return
    others = session.scalar(
        select(func.count())
        .select_from(t.User)
        .where(t.User.role == "lead", t.User.deactivated_at.is_(None), t.User.id != row.id)
    )
    if not others:
        raise ConflictError(
            f"cannot {action} {row.name}: they are the last active lead",
            location=Location(field="user"),
            hint="make another user a lead first",
        )


def set_role(engine: Engine, user: User | int, role: Role, *, actor: Actor) -> User:
    """Change a user's role (lead, author or annotator).

    Raises:
        NotFoundError: unknown user. CalibrationError: unknown role. ConflictError: it would leave no
        active lead. PermissionDenied: the actor is not a lead.
    """
    _check_role(role)
    with session_scope(engine) as session:
        who = actor_row(session, actor, ("lead",), "change roles")
        row = _user_row(session, user)
        if row.role == role:
            return repo.user_of(row)
        if role != "lead":
            _refuse_losing_last_lead(session, row, f"make {role} of")
        before, row.role = row.role, role
        repo.audit(session, actor_user_id(who), "set_role", f"user:{row.name}", before=before, after=role)
        return repo.user_of(row)


def reactivate_user(engine: Engine, user: User | int, *, actor: Actor) -> User:
    """Let a deactivated user sign in again. Idempotent.

    Raises:
        NotFoundError: unknown user. PermissionDenied: the actor is not a lead.
    """
    with session_scope(engine) as session:
        who = actor_row(session, actor, ("lead",), "reactivate users")
        row = _user_row(session, user)
        if row.deactivated_at is None:
            return repo.user_of(row)
        row.deactivated_at = None
        repo.audit(session, actor_user_id(who), "reactivate_user", f"user:{row.name}")
        return repo.user_of(row)


def reset_password(engine: Engine, user: User | int, *, actor: Actor) -> str:
    """Give a user a new random temporary password and return it (show it once; only its hash is stored).

    The old password and every session of the user stop working at once, and the user must choose a
    new password at the next sign-in before any page opens (`replace_temporary_password`).

    Raises:
        NotFoundError: unknown user. PermissionDenied: the actor is not a lead. ConflictError: a model's
            account (``kind`` model: it never signs in, so a password would only open a way in), or a
            user without a password who signs in with single sign-on (`record_single_sign_on`).
    """
    with session_scope(engine) as session:  # refused before argon2 spends its time
        target = _user_row(session, user)
        if target.kind == "model":
            raise ConflictError(
                f"{target.name!r} is a model, which never signs in",
                location=Location(field="user"),
                hint="reset the password of a person's account",
            )
        _refuse_password_for_single_sign_on(target)
    temporary = secrets.token_urlsafe(TEMPORARY_PASSWORD_BYTES)
    hashed = auth.hash_password(temporary)  # before the write transaction (argon2 is slow)
    with session_scope(engine) as session:
        who = actor_row(session, actor, ("lead",), "reset passwords")
        row = _user_row(session, user, lock=True)  # the checks hold until the write commits
        if row.kind == "model":  # checked again in the write transaction
            raise ConflictError(
                f"{row.name!r} is a model, which never signs in", location=Location(field="user")
            )
        _refuse_password_for_single_sign_on(row)
        _set_password_hash(row, hashed, temporary=True)
        repo.audit(session, actor_user_id(who), "reset_password", f"user:{row.name}")
    return temporary


def invite_user(
    engine: Engine,
    role: Role,
    *,
    actor: Actor,
    expires_in: dt.timedelta = DEFAULT_INVITATION_LIFETIME,
    now: dt.datetime | None = None,
) -> str:
    """Create a one-time invitation to a new account of `role` and return its token (shown once).

    The invited person opens ``join?invite=TOKEN`` and chooses a name (leads and authors also an
    email and a password, to sign in again); see `redeem_user_invitation`.

    Raises:
        CalibrationError: unknown role, non-positive lifetime. PermissionDenied: not a lead.
    """
    _check_role(role)
    token, digest = _new_invitation_token(expires_in)
    with session_scope(engine) as session:
        who = actor_row(session, actor, ("lead",), "invite users")
        _add_invitation(
            session, who, digest, utc_now(now), expires_in, "invite_user", f"role:{role}", role=role
        )
    return token


def invitation_role(engine: Engine, token: str) -> str | None:
    """The role an account invitation offers, or None for a round invitation or an unknown token."""
    digest = auth.hash_token(token.strip())
    with session_scope(engine, read_only=True) as session:
        invitation = repo.find_invitation(session, digest)
        return invitation.role if invitation is not None and invitation.round_id is None else None


def redeem_user_invitation(
    engine: Engine,
    token: str,
    name: str,
    *,
    email: str | None = None,
    password: str | None = None,
    now: dt.datetime | None = None,
) -> User:
    """Use an account invitation: create the user with the invitation's role.

    Args:
        token: the token from the invitation link.
        name: the new user's unique name.
        email, password: needed for leads and authors (they sign in with them); optional for annotators.

    Raises:
        AuthError: unknown, used or expired token, or a too short password (nothing is written).
        CalibrationError: a lead or author without email or password. ConflictError: name or email taken.
    """
    digest = auth.hash_token(token.strip())
    hashed = auth.hash_password(password) if password else None  # outside the transaction

    def work(session: Session) -> User:
        moment = utc_now(now)
        invitation = _usable_invitation(session, digest, moment, account=True)
        assert invitation.role is not None  # an account invitation (checked above)
        if invitation.role != "annotator" and (not email or not email.strip() or hashed is None):
            raise CalibrationError(
                f"{'an' if invitation.role == 'author' else 'a'} {invitation.role} account needs an email "
                "and a password",
                location=Location(field="email" if not (email or "").strip() else "password"),
                hint="you sign in with them next time",
            )
        row = new_user(
            session,
            name,
            invitation.role,
            (email or "").strip() or None,
            None,
            password_hash=hashed,
            distinct_case=True,
        )
        if not repo.claim_invitation(session, invitation.id, moment):
            raise AuthError("this invitation was just used", hint="ask your lead for a new link")
        invitation.user_id = row.id
        repo.audit(session, row.id, "redeem_user_invitation", f"user:{row.name}", role=row.role)
        return repo.user_of(row)

    return retrying(engine, work)
