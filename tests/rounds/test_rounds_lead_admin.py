"""A lead's administration on SQLite and PostgreSQL: roles, deactivation, password resets, account
invitations, archived and deleted rounds, and removing the demo workspace."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from calibration.errors import AuthError, CalibrationError, ConflictError, PermissionDenied
from calibration.guidelines.model import Guideline
from calibration.rounds import service

PASSWORD = "correct horse"


@pytest.fixture
def people(store: Any) -> Any:
    for name, role in (("ann", "annotator"), ("aud", "author"), ("lou", "lead")):
        service.create_user(
            store.engine, name, role=role, email=f"{name}@example.org", password=PASSWORD, actor=store.lead
        )
    return store


def _user(engine: Any, name: str) -> service.User:
    return next(u for u in service.list_users(engine) if u.name == name)


def _data_counts(engine: Any) -> dict[str, int]:
    return {table: n for table, n in service.counts(engine).items() if table != "audit_log"}


def _audit(engine: Any, action: str) -> list[Any]:
    return [entry for entry in service.audit_log(engine) if entry.action == action]


# --------------------------------------------------------------------------- users


def test_a_deactivated_user_cannot_sign_in_and_can_be_reactivated(people: Any) -> None:
    engine, lead = people.engine, people.lead
    ann = _user(engine, "ann")
    assert service.authenticate(engine, "ann@example.org", PASSWORD).active
    assert service.deactivate_user(engine, ann, actor=lead).active is False
    with pytest.raises(AuthError) as error:
        service.authenticate(engine, "ann@example.org", PASSWORD)
    assert str(error.value) == "this account is deactivated (hint: ask a lead to reactivate it)"
    with pytest.raises(AuthError, match="wrong email or password"):  # a wrong password says nothing more
        service.authenticate(engine, "ann@example.org", "not the password")
    assert service.get_user(engine, ann.id).active is False  # the account and its data stay
    service.reactivate_user(engine, ann, actor=lead)
    assert service.authenticate(engine, "ann@example.org", PASSWORD).name == "ann"
    assert [e.entity for e in _audit(engine, "deactivate_user")] == ["user:ann"]
    assert [e.entity for e in _audit(engine, "reactivate_user")] == ["user:ann"]


def test_a_deactivated_lead_can_no_longer_act(people: Any) -> None:
    engine, lead = people.engine, people.lead
    lou = _user(engine, "lou")
    service.deactivate_user(engine, lou, actor=lead)
    with pytest.raises(PermissionDenied, match="the account of lou is deactivated"):
        service.create_user(engine, "zed", role="annotator", actor=lou)


def test_a_lead_cannot_deactivate_themself_nor_the_last_active_lead(people: Any) -> None:
    engine, lead = people.engine, people.lead
    with pytest.raises(ConflictError, match="you cannot deactivate your own account"):
        service.deactivate_user(engine, lead, actor=lead)
    lou = _user(engine, "lou")
    service.deactivate_user(engine, lou, actor=lead)
    with pytest.raises(ConflictError) as error:
        service.deactivate_user(engine, lead, actor=service.SYSTEM)
    assert str(error.value) == (
        "user: cannot deactivate lena: they are the last active lead (hint: make another user a lead first)"
    )
    with pytest.raises(ConflictError, match="last active lead"):
        service.set_role(engine, lead, "author", actor=lead)
    assert _user(engine, "lena").role == "lead" and _user(engine, "lena").active


def test_roles_change_and_are_audited(people: Any) -> None:
    engine, lead = people.engine, people.lead
    assert service.set_role(engine, _user(engine, "ann"), "author", actor=lead).role == "author"
    service.set_role(engine, _user(engine, "lou"), "annotator", actor=lead)  # lena is still a lead
    assert _user(engine, "lou").role == "annotator"
    [entry] = [e for e in _audit(engine, "set_role") if e.entity == "user:ann"]
    assert entry.details == {"before": "annotator", "after": "author"}
    with pytest.raises(CalibrationError, match="unknown role 'boss'"):
        service.set_role(engine, _user(engine, "ann"), "boss", actor=lead)
    with pytest.raises(PermissionDenied):
        service.set_role(engine, _user(engine, "ann"), "lead", actor=_user(engine, "aud"))


def test_a_password_reset_gives_a_temporary_password_once(people: Any) -> None:
    engine, lead = people.engine, people.lead
    temporary = service.reset_password(engine, _user(engine, "aud"), actor=lead)
    assert len(temporary) >= 16
    with pytest.raises(AuthError):
        service.authenticate(engine, "aud@example.org", PASSWORD)
    assert service.authenticate(engine, "aud@example.org", temporary).name == "aud"
    assert [e.entity for e in _audit(engine, "reset_password")] == ["user:aud"]
    assert temporary not in str([e.details for e in service.audit_log(engine)])
    with pytest.raises(PermissionDenied):
        service.reset_password(engine, lead, actor=_user(engine, "ann"))


def test_account_invitations_create_a_user_of_the_role_once(people: Any) -> None:
    engine, lead = people.engine, people.lead
    token = service.invite_user(engine, "author", actor=lead)
    assert service.invitation_role(engine, token) == "author"
    with pytest.raises(CalibrationError, match="an author account needs an email and a password"):
        service.redeem_user_invitation(engine, token, "Nia")
    user = service.redeem_user_invitation(engine, token, "Nia", email="nia@example.org", password=PASSWORD)
    assert (user.role, user.email) == ("author", "nia@example.org")
    assert service.authenticate(engine, "nia@example.org", PASSWORD).id == user.id
    with pytest.raises(AuthError, match="already used"):
        service.redeem_user_invitation(engine, token, "Other", email="o@example.org", password=PASSWORD)
    annotator = service.redeem_user_invitation(
        engine, service.invite_user(engine, "annotator", actor=lead), "Ola"
    )
    assert annotator.role == "annotator" and not annotator.has_password
    old = service.invite_user(engine, "lead", actor=lead, now=dt.datetime.now(dt.UTC) - dt.timedelta(days=8))
    with pytest.raises(AuthError, match="expired"):
        service.redeem_user_invitation(engine, old, "Late", email="late@example.org", password=PASSWORD)
    assert [e.entity for e in _audit(engine, "invite_user")] == ["role:lead", "role:annotator", "role:author"]


def test_a_round_invitation_is_not_an_account_invitation(people: Any, tiny_guideline: Guideline) -> None:
    engine, lead = people.engine, people.lead
    service.publish_guideline(engine, tiny_guideline, lead)
    service.create_calibration_round(engine, "Q", "tiny@1.0.0", actor=lead)
    token = service.invite(engine, "Q", actor=lead)
    assert service.invitation_role(engine, token) is None
    with pytest.raises(AuthError, match="not valid"):
        service.redeem_user_invitation(engine, token, "Sneaky", email="s@example.org", password=PASSWORD)


def test_an_account_invitation_is_not_a_round_invitation(people: Any) -> None:
    token = service.invite_user(people.engine, "annotator", actor=people.lead)
    with pytest.raises(AuthError, match="this invitation link is not valid"):
        service.redeem_invitation(people.engine, token, "Sneaky")
    assert service.redeem_user_invitation(people.engine, token, "Ola").role == "annotator"  # still unused


def test_an_invitation_must_live_for_a_positive_time(people: Any, tiny_guideline: Guideline) -> None:
    engine, lead = people.engine, people.lead
    service.publish_guideline(engine, tiny_guideline, lead)
    service.create_calibration_round(engine, "Q", "tiny@1.0.0", actor=lead)
    for lifetime in (dt.timedelta(0), dt.timedelta(days=-1)):
        with pytest.raises(CalibrationError, match="an invitation must live for a positive time"):
            service.invite(engine, "Q", actor=lead, expires_in=lifetime)
        with pytest.raises(CalibrationError, match="an invitation must live for a positive time"):
            service.invite_user(engine, "annotator", actor=lead, expires_in=lifetime)
    assert not _audit(engine, "invite") and not _audit(engine, "invite_user")  # nothing was stored


# --------------------------------------------------------------------------- rounds


@pytest.fixture
def answered(people: Any, tiny_guideline: Guideline) -> Any:
    """A calibration round "Q" where ann answered one item, and an empty pilot "P"."""
    engine, lead = people.engine, people.lead
    service.publish_guideline(engine, tiny_guideline, lead)
    service.create_calibration_round(engine, "Q", "tiny@1.0.0", actor=lead, annotators=["ann"])
    service.create_pilot_round(engine, "P", "tiny@1.0.0", actor=lead)
    attempt = service.start_or_resume_attempt(engine, "Q", _user(engine, "ann"))
    service.record_answer(engine, attempt.id, attempt.next_item, "POS", actor=_user(engine, "ann"))
    service.invite(engine, "Q", actor=lead)
    return people


def test_an_archived_round_is_hidden_and_kept(answered: Any) -> None:
    engine, lead = answered.engine, answered.lead
    before = _data_counts(engine)
    archived = service.archive_round(engine, "Q", actor=lead)
    assert archived.archived
    assert [r.name for r in service.list_rounds(engine)] == ["P"]
    assert [r.name for r in service.list_rounds(engine, include_archived=True)] == ["Q", "P"]
    assert _data_counts(engine) == before  # data kept
    assert not service.archive_round(engine, "Q", actor=lead, unarchive=True).archived
    assert [r.name for r in service.list_rounds(engine)] == ["Q", "P"]
    assert [e.action for e in service.audit_log(engine) if e.entity == "round:Q"][:2] == [
        "unarchive_round",
        "archive_round",
    ]
    with pytest.raises(PermissionDenied):
        service.archive_round(engine, "Q", actor=_user(engine, "aud"))


def test_deleting_a_round_removes_its_answers_in_one_transaction(answered: Any) -> None:
    engine, lead = answered.engine, answered.lead
    before = service.counts(engine)
    with pytest.raises(CalibrationError, match="type the round's name 'Q' to delete it"):
        service.delete_round(engine, "Q", actor=lead, confirm="P")
    assert service.counts(engine) == before
    removed = service.delete_round(engine, "Q", actor=lead, confirm="Q")
    assert removed["responses"] == 1 and removed["attempts"] == 1 and removed["invitations"] == 1
    assert removed["assignments"] == before["assignments"]  # the pilot had no annotator
    after = service.counts(engine)
    assert after["responses"] == 0 and after["attempts"] == 0 and after["rounds"] == before["rounds"] - 1
    assert [r.name for r in service.list_rounds(engine, include_archived=True)] == ["P"]
    [entry] = _audit(engine, "delete_round")
    assert entry.entity == "round:Q" and entry.details["responses"] == 1
    with pytest.raises(PermissionDenied):
        service.delete_round(engine, "P", actor=_user(engine, "ann"), confirm="P")


def test_the_demo_workspace_can_be_removed(people: Any) -> None:
    from calibration.rounds.demo_workspace import (
        DEMO_NAMES,
        has_demo_workspace,
        load_demo_workspace,
        remove_demo_workspace,
    )

    engine, lead = people.engine, people.lead
    users_before = {u.name for u in service.list_users(engine)}
    load_demo_workspace(engine, actor=lead)
    assert has_demo_workspace(engine)
    assert set(DEMO_NAMES.values()) <= {u.name for u in service.list_users(engine)}
    removed = remove_demo_workspace(engine, actor=lead)
    assert removed["rounds"] == 3 and removed["users"] == len(DEMO_NAMES) and removed["responses"] > 0
    assert not has_demo_workspace(engine)
    assert service.list_rounds(engine, include_archived=True) == []
    assert {u.name for u in service.list_users(engine)} == users_before
    assert service.counts(engine)["responses"] == 0
    assert [e.details["rounds"] for e in _audit(engine, "remove_demo_workspace")] == [3]
    with pytest.raises(PermissionDenied):
        remove_demo_workspace(engine, actor=_user(engine, "ann"))


def test_existing_users_stay_active_and_rounds_unarchived_after_the_migration(db_url: str) -> None:
    from sqlalchemy import text

    from calibration.storage.engine import make_engine, upgrade

    engine = make_engine(db_url)
    upgrade(engine, "0001")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (name, role, created_at) VALUES ('old', 'annotator', '2026-01-01 00:00:00')"
            )
        )
    upgrade(engine)
    [user] = service.list_users(engine)
    assert (user.name, user.active) == ("old", True)
    engine.dispose()
