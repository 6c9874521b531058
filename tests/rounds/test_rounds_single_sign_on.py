"""Single sign-on in the service (SQLite and PostgreSQL): an identity matches an account's email only,
a deactivated account is refused and left unmarked, a lead can allow a password again, and the
refusal of a password to a single sign-on account holds against a concurrent sign-on."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from calibration.errors import AuthError, ConflictError, NotFoundError, PermissionDenied
from calibration.rounds import accounts, service

OWN = "my own passphrase"


def test_an_identity_never_matches_an_account_by_its_name(store: Any) -> None:
    """nOAuth: a user *named* like an address at the provider is not that address's account."""
    engine, lead = store.engine, store.lead
    bob = service.create_user(engine, "bob@partner.example", role="annotator", email=None, actor=lead)
    for email in ("bob@partner.example", "BOB@partner.example"):
        with pytest.raises(NotFoundError, match="no user with the email"):
            service.sign_in_with_single_sign_on(engine, email)
    assert service.get_user(engine, bob.id).sign_in_method == "local"
    assert "single_sign_on" not in [e.action for e in service.audit_log(engine)]


def test_an_identity_matches_the_email_ignoring_case(store: Any) -> None:
    engine, lead = store.engine, store.lead
    ela = service.create_user(engine, "Ela", role="annotator", email="Ela@Example.org", actor=lead)
    signed = service.sign_in_with_single_sign_on(engine, " ELA@example.ORG ")
    assert signed.id == ela.id and signed.sign_in_method == "sso"


def test_a_deactivated_account_is_refused_and_not_marked(store: Any) -> None:
    engine, lead = store.engine, store.lead
    ann = service.create_user(engine, "Ann", role="annotator", email="ann@example.org", actor=lead)
    service.deactivate_user(engine, ann, actor=lead)
    with pytest.raises(AuthError, match="this account is deactivated"):
        service.sign_in_with_single_sign_on(engine, "ann@example.org")
    with pytest.raises(AuthError, match="this account is deactivated"):
        service.record_single_sign_on(engine, ann.id)
    assert service.get_user(engine, ann.id).sign_in_method == "local"
    assert "single_sign_on" not in [e.action for e in service.audit_log(engine)]
    service.reactivate_user(engine, ann, actor=lead)
    assert service.reset_password(engine, ann, actor=lead)  # still a local account


def test_a_lead_allows_a_password_again_on_a_single_sign_on_account(store: Any) -> None:
    engine, lead = store.engine, store.lead
    sam = service.create_user(engine, "Sam", role="annotator", email="sam@example.org", actor=lead)
    service.sign_in_with_single_sign_on(engine, "sam@example.org")
    with pytest.raises(ConflictError, match="single sign-on"):
        service.reset_password(engine, sam, actor=lead)
    with pytest.raises(PermissionDenied):
        service.allow_local_sign_in(engine, sam, actor=sam)
    assert service.allow_local_sign_in(engine, sam, actor=lead).sign_in_method == "local"
    service.allow_local_sign_in(engine, sam, actor=lead)  # idempotent, audited once
    assert [e.action for e in service.audit_log(engine)].count("allow_local_sign_in") == 1
    temporary = service.reset_password(engine, sam, actor=lead)
    assert service.authenticate(engine, "sam@example.org", temporary).id == sam.id


def _sign_on_meanwhile(store: Any, user_id: int) -> bool:
    """Record single sign-on for `user_id` on another connection and commit, without waiting for a
    lock; False when the row (PostgreSQL) or the database (SQLite) is locked by the caller's write."""
    with store.engine.connect() as other:
        try:
            if other.dialect.name == "postgresql":
                other.execute(text("SELECT id FROM users WHERE id = :id FOR UPDATE NOWAIT"), {"id": user_id})
            else:
                other.exec_driver_sql("PRAGMA busy_timeout = 0")
            other.execute(text("UPDATE users SET sign_in_method = 'sso' WHERE id = :id"), {"id": user_id})
            other.commit()
        except DBAPIError:  # lock not available: the write holds it
            other.rollback()
            return False
    return True


@pytest.mark.parametrize("setter", ["set_password", "reset_password"])
def test_the_single_sign_on_check_holds_until_the_password_is_written(
    store: Any, monkeypatch: pytest.MonkeyPatch, setter: str
) -> None:
    """F4: a single sign-on recorded between the check and the write must not end with a password on
    an account that signs in with single sign-on and had none."""
    engine, lead = store.engine, store.lead
    sam = service.create_user(engine, "Sam", role="annotator", email="sam@example.org", actor=lead)
    original = accounts._refuse_password_for_single_sign_on
    calls: list[bool] = []

    def check_then_race(row: Any) -> None:
        original(row)
        if len(calls) == 1:  # the check in the write transaction: another sign-on tries to commit now
            calls.append(_sign_on_meanwhile(store, sam.id))
        else:
            calls.append(False)

    monkeypatch.setattr(accounts, "_refuse_password_for_single_sign_on", check_then_race)
    try:
        if setter == "set_password":
            service.set_password(engine, sam, OWN, actor=lead)
        else:
            service.reset_password(engine, sam, actor=lead)
    except ConflictError:
        pass
    after = service.get_user(engine, sam.id)
    assert not (after.has_password and after.sign_in_method == "sso" and calls[-1]), calls
    assert calls[-1] is False  # the concurrent sign-on had to wait for the write
