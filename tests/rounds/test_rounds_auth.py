"""Passwords, invitation tokens and the sign-in lockout arithmetic (calibration.auth)."""

from __future__ import annotations

import datetime as dt

import pytest

from calibration import auth
from calibration.errors import AuthError

NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)


def test_passwords_are_salted_argon2_hashes() -> None:
    first, second = auth.hash_password("correct horse"), auth.hash_password("correct horse")
    assert first.startswith("$argon2id$") and first != second
    assert auth.verify_password(first, "correct horse")
    assert not auth.verify_password(first, "correct horsE")
    assert not auth.verify_password(None, "correct horse")
    assert not auth.verify_password("not a hash", "correct horse")
    assert not auth.needs_rehash(first)


def test_short_passwords_are_refused() -> None:
    with pytest.raises(AuthError) as error:
        auth.hash_password("short")
    assert error.value.message == "the password has 5 characters; at least 8 are needed"
    assert error.value.hint == "use a longer passphrase"


def test_tokens_are_random_and_stored_as_sha256() -> None:
    token, digest = auth.new_token()
    other, _ = auth.new_token()
    assert token != other and len(token) >= 40
    assert digest == auth.hash_token(token) and len(digest) == 64 and token not in digest


def test_lockout_after_five_failures_in_fifteen_minutes() -> None:
    minutes = [NOW - dt.timedelta(minutes=m) for m in (14, 10, 6, 2)]
    assert auth.lockout_minutes(minutes, NOW) is None
    five = [*minutes, NOW - dt.timedelta(seconds=30)]
    assert auth.lockout_minutes(five, NOW) == 1  # the oldest leaves the window within a minute
    recent = [NOW - dt.timedelta(minutes=1, seconds=s) for s in range(5)]
    assert auth.lockout_minutes(recent, NOW) == 14
    old = [NOW - dt.timedelta(minutes=20)] * 10
    assert auth.lockout_minutes(old, NOW) is None
    assert str(auth.too_many_attempts(1)).startswith("too many attempts, try again in 1 minute (hint: ")
