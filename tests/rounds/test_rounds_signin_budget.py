"""The sign-in limit holds under concurrency: attempts are reserved before any hashing, per account, client and in total."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from calibration import auth
from calibration.errors import AuthError
from calibration.rounds import service

WAIT = 30.0  # seconds a step may take before the test gives up waiting (never asserted on)


class GatedHasher:
    """Wraps the argon2 hasher: counts verifications and the most running at once, and holds each
    verification until `gate` opens, so the test controls what is in flight."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.calls = 0
        self.running = 0
        self.peak = 0
        self.gate = threading.Event()
        self._lock = threading.Lock()

    def verify(self, password_hash: str, password: str) -> bool:
        with self._lock:
            self.calls += 1
            self.running += 1
            self.peak = max(self.peak, self.running)
        try:
            self.gate.wait(WAIT)
            return self.real.verify(password_hash, password)
        finally:
            with self._lock:
                self.running -= 1

    def hash(self, password: str) -> str:
        return self.real.hash(password)

    def check_needs_rehash(self, password_hash: str) -> bool:
        return self.real.check_needs_rehash(password_hash)


def _until(condition: Any) -> None:
    deadline = time.monotonic() + WAIT
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)


def test_forty_guesses_at_once_cannot_open_the_door_for_the_right_password(
    store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    hasher = GatedHasher(auth._hasher)
    monkeypatch.setattr(auth, "_hasher", hasher)
    outcomes: dict[str, list[str]] = {"wrong": [], "right": []}
    lock = threading.Lock()

    def sign_in(kind: str, login: str, password: str) -> None:
        try:
            user = service.authenticate(store.engine, login, password)
            result = f"signed in as {user.name}"
        except AuthError as error:
            result = error.message
        with lock:
            outcomes[kind].append(result)

    # the same account by email and by name: one budget
    guesses = [
        threading.Thread(target=sign_in, args=("wrong", login, f"guess number {n}"))
        for n, login in enumerate(["lena@example.org", "lena"] * 20)
    ]
    for thread in guesses:
        thread.start()
    refused = 40 - auth.MAX_FAILURES
    _until(lambda: sum(o.startswith("too many") for o in outcomes["wrong"]) >= refused)
    right = threading.Thread(target=sign_in, args=("right", "LENA@example.org", "correct horse"))
    right.start()
    _until(lambda: outcomes["right"] or hasher.calls > auth.MAX_FAILURES)
    hasher.gate.set()
    for thread in [*guesses, right]:
        thread.join(WAIT)

    assert len(outcomes["right"]) == 1 and outcomes["right"][0].startswith("too many attempts")
    assert len(outcomes["wrong"]) == 40
    assert outcomes["wrong"].count("wrong email or password") == auth.MAX_FAILURES
    assert all(o.startswith("too many attempts") for o in outcomes["wrong"] if o != "wrong email or password")
    assert hasher.calls == auth.MAX_FAILURES  # the budget's worth of argon2 checks, no more
    assert hasher.peak <= auth.HASHING_SLOTS
    assert service.counts(store.engine)["sign_in_failures"] == auth.MAX_FAILURES


def test_the_account_budget_is_shared_by_its_email_and_its_name(store: Any) -> None:
    for login in ["lena@example.org", "lena", "LENA@EXAMPLE.ORG", "lena", "lena@example.org"]:
        with pytest.raises(AuthError, match="wrong email or password"):
            service.authenticate(store.engine, login, "wrong horse!")
    for login in ["lena", "lena@example.org"]:
        with pytest.raises(AuthError, match="too many attempts") as error:
            service.authenticate(store.engine, login, "correct horse")
        assert error.value.hint == "sign-in is paused after 5 failures in 15 minutes"


def test_one_client_guessing_many_accounts_is_paused(store: Any) -> None:
    for n in range(auth.CLIENT_MAX_FAILURES):
        with pytest.raises(AuthError, match="wrong email or password"):
            service.authenticate(store.engine, f"user{n}@example.org", "wrong horse!", client="203.0.113.7")
    with pytest.raises(AuthError, match="too many attempts") as error:
        service.authenticate(store.engine, "lena@example.org", "correct horse", client="203.0.113.7")
    assert error.value.hint == "sign-in from this address is paused after 20 failures in 15 minutes"
    # another address, and the account itself, are not held up
    assert service.authenticate(store.engine, "lena", "correct horse", client="198.51.100.2").name == "lena"


def test_a_global_budget_caps_guessing_from_everywhere(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth, "GLOBAL_MAX_FAILURES", 3)
    for n in range(3):
        with pytest.raises(AuthError, match="wrong email or password"):
            service.authenticate(store.engine, f"user{n}", "wrong horse!", client=f"192.0.2.{n}")
    with pytest.raises(AuthError, match="too many attempts") as error:
        service.authenticate(store.engine, "lena", "correct horse", client="192.0.2.99")
    assert error.value.hint.startswith("sign-in is paused for everyone after 3 failures")


def test_passwords_are_hashed_with_bounded_memory() -> None:
    hashed = auth.hash_password("correct horse")
    assert "$m=19456,t=2,p=1$" in hashed
    assert auth.HASHING_SLOTS * auth.ARGON2_MEMORY_KIB <= 64 * 1024  # at most 64 MiB hashing at once
