"""Slow password hashing never runs inside a write transaction (SQLite: a held write lock stalls answers)."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from calibration import auth
from calibration.errors import AuthError
from calibration.rounds import service


@pytest.fixture
def db_url(tmp_path: Any) -> str:
    """SQLite only: the write lock under test is SQLite's (PostgreSQL locks rows, not the database)."""
    return f"sqlite:///{tmp_path / 'calibration.db'}"


def _sqlite_path(store: Any) -> str:
    return store.url[len("sqlite:///") :]


def _write_probe(path: str) -> tuple[list[bool], Any]:
    """A probe recording, each time it runs, whether another connection can take the write lock at once."""
    seen: list[bool] = []

    def probe() -> None:
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            seen.append(True)
        except sqlite3.OperationalError:
            seen.append(False)
        finally:
            other.close()

    return seen, probe


@pytest.mark.parametrize("password", ["correct horse", "wrong horse!"])
def test_sign_in_checks_the_password_outside_the_write_lock(
    store: Any, monkeypatch: pytest.MonkeyPatch, password: str
) -> None:
    seen, probe = _write_probe(_sqlite_path(store))
    real = auth.verify_password

    def verify(stored: str | None, given: str) -> bool:
        probe()
        return real(stored, given)

    monkeypatch.setattr(auth, "verify_password", verify)
    if password == "correct horse":
        assert service.authenticate(store.engine, "lena@example.org", password).name == "lena"
    else:
        with pytest.raises(AuthError, match="wrong email or password"):
            service.authenticate(store.engine, "lena@example.org", password)
    assert seen == [True]


def test_failures_still_lock_the_login_out(store: Any) -> None:
    for _ in range(auth.MAX_FAILURES):
        with pytest.raises(AuthError, match="wrong email or password"):
            service.authenticate(store.engine, "lena@example.org", "wrong horse!")
    with pytest.raises(AuthError, match="too many"):
        service.authenticate(store.engine, "lena@example.org", "correct horse")


@pytest.mark.parametrize("action", ["create_user", "set_password"])
def test_new_passwords_are_hashed_outside_the_write_lock(
    store: Any, monkeypatch: pytest.MonkeyPatch, action: str
) -> None:
    seen, probe = _write_probe(_sqlite_path(store))
    real = auth.hash_password

    def hashing(password: str) -> str:
        probe()
        return real(password)

    monkeypatch.setattr(auth, "hash_password", hashing)
    if action == "create_user":
        service.create_user(store.engine, "amy", role="author", password="long enough", actor=store.lead)
    else:
        service.set_password(store.engine, store.lead, "another long one", actor=store.lead)
    assert seen == [True]
    monkeypatch.setattr(auth, "hash_password", real)
    login = "amy" if action == "create_user" else "lena"
    password = "long enough" if action == "create_user" else "another long one"
    assert service.authenticate(store.engine, login, password).name == login
