"""Passwords (argon2id), invitation tokens (random, stored as sha256) and the sign-in rate limit (pure parts).

The database side (attempts reserved per account, per client and in total before any hashing) is
`calibration.rounds.accounts.authenticate`.

Memory: argon2id here uses OWASP's recommended parameters (19 MiB, 2 passes, 1 lane;
`ARGON2_MEMORY_KIB`, `ARGON2_TIME_COST`, `ARGON2_PARALLELISM`), and at most `HASHING_SLOTS` hashes
run at once in a process (a semaphore, `hashing_slot`), so password checks hold at most
``HASHING_SLOTS * 19 MiB`` (38 MiB) whatever the number of concurrent sign-ins; the others wait their
turn. Hashes made with other parameters still verify and are replaced at the next sign-in.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import math
import secrets
import threading
from collections.abc import Iterator, Sequence

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from calibration.errors import AuthError, Location

MIN_PASSWORD_LENGTH = 8
MAX_FAILURES = 5
"""Failed (or still running) sign-ins per account within `FAILURE_WINDOW` before it is paused."""
CLIENT_MAX_FAILURES = 20
"""Failed (or still running) sign-ins per client address within `FAILURE_WINDOW`, over all accounts."""
GLOBAL_MAX_FAILURES = 200
"""Failed (or still running) sign-ins in total within `FAILURE_WINDOW`: a ceiling on the CPU and memory
that guessing can cost, whoever guesses."""
FAILURE_WINDOW = dt.timedelta(minutes=15)
TOKEN_BYTES = 32

ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_TIME_COST = 2
ARGON2_PARALLELISM = 1
HASHING_SLOTS = 2
"""Password hashes computed at once in this process; more sign-ins wait for a free slot."""

_hasher = PasswordHasher(
    time_cost=ARGON2_TIME_COST, memory_cost=ARGON2_MEMORY_KIB, parallelism=ARGON2_PARALLELISM
)
_slots = threading.BoundedSemaphore(HASHING_SLOTS)
# Verified when the login is unknown, so a wrong email takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("calibration-dummy-password")


@contextlib.contextmanager
def hashing_slot() -> Iterator[None]:
    """Hold one of the `HASHING_SLOTS` while hashing, so memory stays bounded under many sign-ins."""
    with _slots:
        yield


def check_password_strength(password: str) -> None:
    """Refuse passwords that are too short.

    Raises:
        AuthError: the password has fewer than `MIN_PASSWORD_LENGTH` characters.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError(
            f"the password has {len(password)} characters; at least {MIN_PASSWORD_LENGTH} are needed",
            location=Location(field="password"),
            hint="use a longer passphrase",
        )


def check_repeated(password: str, repeat: str, *, field: str = "new_password") -> None:
    """Refuse a password typed twice differently (every form and prompt that sets one asks twice).

    Raises:
        AuthError: the two differ, naming `field`.
    """
    if password != repeat:
        raise AuthError(
            "the two passwords differ", location=Location(field=field), hint="type the same password twice"
        )


def hash_password(password: str) -> str:
    """An argon2id hash of `password` (with its salt and parameters), after the strength check."""
    check_password_strength(password)
    with hashing_slot():
        return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches `password_hash`; a missing or malformed hash never matches."""
    with hashing_slot():
        if not password_hash:
            with contextlib.suppress(VerificationError):  # same time as a real check; NUL never matches
                _hasher.verify(_DUMMY_HASH, password + "\0")
            return False
        try:
            return _hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's and should be replaced."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def hash_token(token: str) -> str:
    """The sha256 hex digest under which an invitation token is stored (the token itself never is)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh URL-safe invitation token and its stored hash, as ``(token, token_hash)``."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, hash_token(token)


def lockout_minutes(
    failures: Sequence[dt.datetime],
    now: dt.datetime,
    *,
    max_failures: int = MAX_FAILURES,
    window: dt.timedelta = FAILURE_WINDOW,
) -> int | None:
    """Minutes until sign-in is allowed again, or None when it is allowed now.

    Args:
        failures: times of failed sign-ins for one login (any order, aware UTC).
        now: the current time.
        max_failures: failures within `window` that lock the login.
        window: the sliding window.

    Returns:
        None when fewer than `max_failures` failures fall in the window; otherwise the whole minutes
        (at least 1) until the oldest of the last `max_failures` failures leaves the window.
    """
    recent = sorted(t for t in failures if now - t < window)
    if len(recent) < max_failures:
        return None
    unlock = recent[-max_failures] + window
    return max(1, math.ceil((unlock - now).total_seconds() / 60))


def too_many_attempts(minutes: int, *, scope: str = "account") -> AuthError:
    """The error for a paused sign-in.

    Args:
        minutes: until sign-in is allowed again.
        scope: which budget ran out: "account", "client" (this address) or "global" (everyone).
    """
    unit = "minute" if minutes == 1 else "minutes"
    window = int(FAILURE_WINDOW.total_seconds() // 60)
    hints = {
        "account": f"sign-in is paused after {MAX_FAILURES} failures in {window} minutes",
        "client": f"sign-in from this address is paused after {CLIENT_MAX_FAILURES} failures in {window} minutes",
        "global": f"sign-in is paused for everyone after {GLOBAL_MAX_FAILURES} failures in {window} minutes",
    }
    return AuthError(f"too many attempts, try again in {minutes} {unit}", hint=hints[scope])
