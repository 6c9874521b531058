"""A password a lead chose must be replaced by the user's own (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest

from calibration.errors import AuthError, CalibrationError, ConflictError
from calibration.rounds import service

PASSWORD = "correct horse"
OWN = "my own passphrase"


def _add(store: Any, name: str = "ann", **options: Any) -> service.User:
    return service.create_user(
        store.engine,
        name,
        role="author",
        email=f"{name}@example.org",
        password=PASSWORD,
        actor=store.lead,
        **options,
    )


def test_a_reset_asks_for_a_new_password_and_replacing_it_clears_the_flag(store: Any) -> None:
    ann = _add(store)
    assert not ann.must_change_password
    temporary = service.reset_password(store.engine, ann, actor=store.lead)
    flagged = service.get_user(store.engine, ann.id)
    assert flagged is not None and flagged.must_change_password
    updated = service.replace_temporary_password(store.engine, ann, OWN)
    assert not updated.must_change_password
    assert updated.session_version > flagged.session_version  # other sessions end
    assert service.authenticate(store.engine, "ann@example.org", OWN).id == ann.id
    with pytest.raises(AuthError, match="wrong email or password"):
        service.authenticate(store.engine, "ann@example.org", temporary)
    assert "replace_temporary_password" in [e.action for e in service.audit_log(store.engine)]


WEAK = [
    ("short", "the password has 5 characters; at least 8 are needed (hint: use a longer passphrase)"),
    (
        PASSWORD,
        "the new password is the temporary one (hint: choose a password of your own, not the one your lead gave you)",
    ),
    (
        " Ann@Example.org ",
        "the new password is your name or email (hint: choose a password that others cannot guess)",
    ),
    ("ANN", "the password has 3 characters; at least 8 are needed (hint: use a longer passphrase)"),
]


@pytest.mark.parametrize(("new", "message"), WEAK)
def test_a_weak_or_same_password_is_refused_with_a_clear_message(store: Any, new: str, message: str) -> None:
    ann = _add(store, must_change_password=True)
    with pytest.raises(AuthError) as error:
        service.replace_temporary_password(store.engine, ann, new)
    assert str(error.value) == f"new_password: {message}"
    stored = service.get_user(store.engine, ann.id)
    assert stored is not None and stored.must_change_password  # nothing changed


def test_a_password_that_only_contains_the_name_is_accepted(store: Any) -> None:
    ann = _add(store, "annabel", must_change_password=True)
    assert not service.replace_temporary_password(store.engine, ann, "annabel's own").must_change_password


def test_only_a_temporary_password_is_replaced_this_way(store: Any) -> None:
    ann = _add(store)
    with pytest.raises(ConflictError) as error:
        service.replace_temporary_password(store.engine, ann, OWN)
    assert (
        str(error.value)
        == "ann has no temporary password to replace (hint: change your password on the Account page)"
    )


def test_a_password_set_by_a_lead_is_temporary_and_the_users_own_is_not(store: Any) -> None:
    ann = _add(store)
    service.set_password(store.engine, ann, "lead chose this", actor=store.lead)
    assert service.get_user(store.engine, ann.id).must_change_password
    service.set_password(store.engine, ann, "I chose this one", actor=ann)
    assert not service.get_user(store.engine, ann.id).must_change_password


def test_an_account_with_a_temporary_password_needs_a_password(store: Any) -> None:
    with pytest.raises(CalibrationError) as error:
        service.create_user(
            store.engine, "ann", role="annotator", actor=store.lead, must_change_password=True
        )
    assert str(error.value) == (
        "password: a temporary password needs a password "
        "(hint: type one, or leave the account without a password (invitation only))"
    )
    assert _add(store, must_change_password=True).must_change_password


def test_changing_ones_own_password_checks_the_current_one_and_ends_other_sessions(store: Any) -> None:
    ann = _add(store)
    with pytest.raises(AuthError, match="current password is wrong") as error:
        service.change_own_password(store.engine, ann, "not it", OWN, client="10.0.0.1")
    assert error.value.location.field == "current_password"
    with pytest.raises(AuthError, match="is your name or email"):  # the forced change's rules
        service.change_own_password(store.engine, ann, PASSWORD, "ANN@example.org")
    updated = service.change_own_password(store.engine, ann, PASSWORD, OWN)
    assert updated.session_version == ann.session_version + 1 and not updated.must_change_password
    assert service.authenticate(store.engine, "ann", OWN).id == ann.id
    with pytest.raises(AuthError, match="wrong email or password"):
        service.authenticate(store.engine, "ann", PASSWORD)
    assert "change_password" in [e.action for e in service.audit_log(store.engine)]


def test_a_session_ended_meanwhile_refuses_the_change(store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Signed out everywhere (or the password changed) between the check and the write: nothing changes."""
    from calibration.rounds import accounts

    ann = _add(store)
    checked = accounts._check_sign_in

    def then_signed_out(*args: Any, **kwargs: Any) -> service.User:
        user = checked(*args, **kwargs)
        service.revoke_sessions(store.engine, ann)
        return user

    monkeypatch.setattr(accounts, "_check_sign_in", then_signed_out)
    with pytest.raises(ConflictError, match="changed meanwhile"):
        service.change_own_password(store.engine, ann, PASSWORD, OWN)
    assert service.authenticate(store.engine, "ann", PASSWORD).id == ann.id


def test_an_invitation_only_annotator_sets_a_first_password_and_signs_in_with_it(store: Any) -> None:
    engine, lead = store.engine, store.lead
    ola = service.redeem_user_invitation(
        engine, service.invite_user(engine, "annotator", actor=lead), "Ola Nordmann"
    )
    assert not ola.has_password
    with pytest.raises(AuthError, match="the password has 5 characters; at least 8 are needed"):
        service.set_first_password(engine, ola, "short")
    with pytest.raises(AuthError, match="the new password is your name or email"):
        service.set_first_password(engine, ola, "OLA NORDMANN")
    updated = service.set_first_password(engine, ola, OWN)
    assert updated.has_password and not updated.must_change_password
    assert updated.session_version == ola.session_version + 1  # the other invitation sessions end
    assert service.authenticate(engine, "ola nordmann", OWN).id == ola.id  # by name: no email
    assert "set_first_password" in [e.action for e in service.audit_log(engine)]
    # a second "first" password would replace one without the current one: refused
    with pytest.raises(ConflictError, match="Ola Nordmann has a password already"):
        service.set_first_password(engine, ola, "another passphrase")
    assert service.authenticate(engine, "ola nordmann", OWN).id == ola.id


def test_a_first_password_is_refused_once_the_account_changed_after_it_was_read(store: Any) -> None:
    """A stale ``User`` (an open page) gets no password after a deactivation or a sign-out elsewhere."""
    engine, lead = store.engine, store.lead
    ola = service.redeem_user_invitation(
        engine, service.invite_user(engine, "annotator", actor=lead), "Ola Nordmann"
    )
    service.revoke_sessions(engine, ola)  # signed out everywhere: this page's session has ended
    with pytest.raises(ConflictError, match="Ola Nordmann's account changed meanwhile"):
        service.set_first_password(engine, ola, OWN)
    service.deactivate_user(engine, ola, actor=lead)
    fresh = service.get_user(engine, ola.id)
    with pytest.raises(ConflictError, match="changed meanwhile"):  # even read after deactivation
        service.set_first_password(engine, fresh, OWN)
    assert not service.get_user(engine, ola.id).has_password


def test_a_single_sign_on_user_without_a_password_gets_none_from_any_setter(store: Any) -> None:
    """SSO proves who they are; a local password would be a second way in the provider cannot revoke."""
    engine, lead = store.engine, store.lead
    sam = service.create_user(engine, "Sam Sso", role="annotator", email="sam@example.org", actor=lead)
    assert sam.sign_in_method == "local"
    recorded = service.record_single_sign_on(engine, sam)
    assert recorded.sign_in_method == "sso" and service.get_user(engine, sam.id).sign_in_method == "sso"
    service.record_single_sign_on(engine, sam.id)  # recorded once
    assert [e.action for e in service.audit_log(engine)].count("single_sign_on") == 1
    refused = "Sam Sso signs in with single sign-on, so the account gets no password"
    with pytest.raises(ConflictError, match=refused) as error:
        service.set_first_password(engine, recorded, OWN)
    assert "a password would be a second way in" in str(error.value)
    with pytest.raises(ConflictError, match=refused):  # a page read before the sign-in was recorded
        service.set_first_password(engine, sam, OWN)
    with pytest.raises(ConflictError, match=refused):
        service.set_password(engine, sam, OWN, actor=sam)
    with pytest.raises(ConflictError, match=refused):
        service.set_password(engine, sam, OWN, actor=lead)
    with pytest.raises(ConflictError, match=refused):
        service.reset_password(engine, sam, actor=lead)
    assert not service.get_user(engine, sam.id).has_password


def test_a_single_sign_on_user_with_a_password_still_changes_it(store: Any) -> None:
    engine = store.engine
    ann = service.record_single_sign_on(engine, _add(store))
    updated = service.change_own_password(engine, ann, PASSWORD, OWN)
    assert updated.sign_in_method == "sso" and service.authenticate(engine, "ann", OWN).id == ann.id
    assert service.reset_password(engine, ann, actor=store.lead)


@pytest.mark.parametrize(
    "new",
    [
        "bartholomew",
        "BARTHOLOMEW",
        "Vandermeulen",
        " fitzgerald ",
        "barth.fv2026",
        "Barth.FV2026@Example.org",
    ],
)
def test_a_password_equal_to_a_part_of_the_name_or_the_email_local_part_is_refused(
    store: Any, new: str
) -> None:
    user = service.create_user(
        store.engine,
        "Bartholomew Fitzgerald-Vandermeulen",
        role="author",
        email="barth.fv2026@example.org",
        password=PASSWORD,
        actor=store.lead,
    )
    with pytest.raises(AuthError, match="is your name or email"):
        service.change_own_password(store.engine, user, PASSWORD, new)


def test_parts_of_a_name_shorter_than_four_characters_are_not_refused_alone() -> None:
    from calibration.rounds.accounts import check_own_password, personal_words

    words = personal_words("Jo Ann_Bell.Smith", "jas@example.org")
    assert "jo" not in words and "ann" not in words
    assert {"bell", "smith", "jas", "jo ann_bell.smith", "jas@example.org"} <= words
    check_own_password("bellsmith", name="Jo Ann_Bell.Smith", email=None)  # not a part: accepted


@pytest.mark.parametrize("new", ["lenalead", "LenaLead", "lena.lead", "lena_lead", "lena-lead"])
def test_the_whole_name_without_its_spaces_or_with_other_separators_is_refused(new: str) -> None:
    """A tester changed the password of "Lena Lead" to "lenalead", and it was accepted: the name is
    compared without the spaces, hyphens, dots and underscores between its parts."""
    from calibration.rounds.accounts import check_own_password

    with pytest.raises(AuthError, match="is your name or email"):
        check_own_password(new, name="Lena Lead", email=None)
    check_own_password("lenaleads", name="Lena Lead", email=None)  # another word: accepted
