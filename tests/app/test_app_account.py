"""The Account page: every role sees who they are and changes their own password (AppTest)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from streamlit.testing.v1 import AppTest

from calibration import auth as passwords
from calibration.app import auth
from calibration.app.navigation import pages_for, spec
from calibration.errors import AuthError, ConflictError
from calibration.rounds import service
from tests.app.app_helpers import PASSWORD, after_redirect, errors, new_app, page, texts, unescape

NEW_PASSWORD = "a passphrase of my own"


def _open(user: Any) -> AppTest:
    at = new_app(user).run()
    at.switch_page(page("account.py")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _change(at: AppTest, current: str, new: str, repeat: str | None = None) -> AppTest:
    at.text_input(key="account_current").input(current)
    at.text_input(key="account_new").input(new)
    at.text_input(key="account_repeat").input(new if repeat is None else repeat)
    return at.button(key="account_submit").click().run()


@pytest.mark.parametrize("role", ["annotator", "author", "lead"])
def test_every_role_has_the_account_page_in_its_menu_and_sees_who_they_are(app_engine, app_lead, role):
    user = (
        app_lead
        if role == "lead"
        else service.create_user(
            app_engine, "Ada Person", role=role, email="ada@example.org", password=PASSWORD, actor=app_lead
        )
    )
    assert spec("account.py") in pages_for(role)
    at = _open(user)
    assert at.title[0].value == "Account"
    shown = unescape(texts(at))
    assert user.name in shown and user.email in shown
    assert {"annotator": "annotator", "author": "guideline author", "lead": "lead"}[role] in shown
    assert at.button(key="account_submit").label == "Change my password"


def test_refusals_name_the_field_and_change_nothing(app_engine, app_lead):
    at = _open(app_lead)
    _change(at, "not my password", NEW_PASSWORD)
    assert errors(at) == [
        "Current password: the current password is wrong "
        "(hint: type the password you sign in with now; passwords are case-sensitive)"
    ]
    _change(at, PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x")
    assert errors(at) == ["New password: the two passwords differ (hint: type the same password twice)"]
    assert at.error[0].icon == ":material/error:"  # styled like every other refusal
    _change(at, PASSWORD, "short")
    assert errors(at) == [
        "New password: the password has 5 characters; at least 8 are needed (hint: use a longer passphrase)"
    ]
    _change(at, PASSWORD, "LEAD@example.org")
    assert errors(at) == [
        "New password: the new password is your name or email (hint: choose a password that others cannot guess)"
    ]
    _change(at, PASSWORD, PASSWORD)
    assert errors(at) == [
        "New password: the new password is your current one (hint: choose a password you do not use now)"
    ]
    assert not at.exception
    assert service.authenticate(app_engine, "lead@example.org", PASSWORD).id == app_lead.id  # unchanged
    assert service.get_user(app_engine, app_lead.id).session_version == app_lead.session_version


def test_a_change_signs_in_with_the_new_password_ends_other_sessions_and_keeps_this_one(app_engine, app_lead):
    elsewhere = _open(app_lead)  # another browser, signed in before the change
    at = _open(app_lead)
    _change(at, PASSWORD, NEW_PASSWORD)
    assert not at.exception and not at.error
    assert "Your password is changed" in texts(at)

    # this browser gets a cookie with the new session version (the handoff to the session route)
    [link] = at.get("link_button")
    [token] = parse_qs(urlparse(link.proto.url).query)["t"]
    user_id, next_path, version = auth.redeem_handoff(token)
    now = service.get_user(app_engine, app_lead.id)
    assert (user_id, next_path, version) == (
        app_lead.id,
        "account?notice=password-changed",  # the confirmation travels in the URL, as a fixed code
        now.session_version,
    )
    assert now.session_version == app_lead.session_version + 1

    at.run()  # this session goes on
    assert at.title[0].value == "Account" and not at.error
    elsewhere.run()  # the other one has ended: signed out, the router shows the sign-in page
    assert elsewhere.title[0].value == "Sign in"

    assert service.authenticate(app_engine, "lead@example.org", NEW_PASSWORD).id == app_lead.id
    with pytest.raises(AuthError, match="wrong email or password"):
        service.authenticate(app_engine, "lead@example.org", PASSWORD)
    # and through the sign-in page
    signed_in = new_app().run()
    signed_in.text_input(key="sign_in_login").input("lead@example.org")
    signed_in.text_input(key="sign_in_password").input(NEW_PASSWORD)
    signed_in.button(key="sign_in_submit").click().run()
    assert not signed_in.error and "Welcome back, Lena Lead." in texts(signed_in)


def test_the_current_password_shares_the_sign_in_budget(app_engine, app_lead):
    """Guessing the current password on the Account page is paused like guessing at sign-in."""
    at = _open(app_lead)
    for _ in range(passwords.MAX_FAILURES):
        _change(at, "a wrong guess", NEW_PASSWORD)
    _change(at, PASSWORD, NEW_PASSWORD)  # even the right password, once the budget is spent
    [error] = errors(at)
    assert error.startswith("Current password: too many attempts, try again in ")
    with pytest.raises(AuthError, match="too many attempts"):  # sign-in is paused too: one budget
        service.authenticate(app_engine, "lead@example.org", PASSWORD)


def _first(at: AppTest, new: str, repeat: str | None = None) -> AppTest:
    at.text_input(key="account_first_new").input(new)
    at.text_input(key="account_first_repeat").input(new if repeat is None else repeat)
    return at.button(key="account_first_submit").click().run()


def test_an_annotator_who_joined_by_link_sets_a_first_password_and_signs_in_with_it(
    app_engine, app_lead, app_annotator
):
    at = _open(app_annotator)  # signed in through an invitation link: no password
    assert "You have no password" in texts(at)
    assert at.get("form") and not at.text_input(key="account_first_new").value
    with pytest.raises(AuthError, match="has no password to change"):  # no current one to give
        service.change_own_password(app_engine, app_annotator, "", NEW_PASSWORD)

    _first(at, "short")
    assert errors(at) == [
        "New password: the password has 5 characters; at least 8 are needed (hint: use a longer passphrase)"
    ]
    _first(at, NEW_PASSWORD, NEW_PASSWORD + "x")
    assert errors(at) == ["New password: the two passwords differ (hint: type the same password twice)"]
    _first(at, "ari annotator")
    assert errors(at) == [
        "New password: the new password is your name or email (hint: choose a password that others cannot guess)"
    ]
    assert not service.get_user(app_engine, app_annotator.id).has_password

    _first(at, NEW_PASSWORD)
    assert not at.exception and not at.error
    now = service.get_user(app_engine, app_annotator.id)
    assert now.has_password and now.session_version == app_annotator.session_version + 1
    back, path = after_redirect(at, app_engine)  # a cookie with the new session version
    assert path == "account"
    back.run()
    assert [s.value for s in back.success] == [
        "Your password is set: sign in with it next time, no invitation link needed."
    ]
    back.switch_page(page("account.py")).run()
    assert back.button(key="account_submit").label == "Change my password"  # the usual form now
    # it said "Email: none (invitation link only)" still: now the name and the password sign in
    assert "**Email:** none (you sign in with your name and your password)" in back.markdown[0].value

    signed_in = new_app().run()  # later, on the sign-in page, with the name (no email)
    # the page says an annotator with a password signs in here (it once said only "open the link")
    assert "sign in here with your name and that password" in texts(signed_in)
    signed_in.text_input(key="sign_in_login").input("Ari Annotator")
    signed_in.text_input(key="sign_in_password").input(NEW_PASSWORD)
    signed_in.button(key="sign_in_submit").click().run()
    assert not signed_in.error and "Welcome back, Ari Annotator." in texts(signed_in)


def test_the_confirmation_survives_the_redirect_in_the_url_and_shows_once(app_engine, app_lead):
    at = _open(app_lead)
    _change(at, PASSWORD, NEW_PASSWORD)
    # the browser comes back through the session route: a new session (on any app server)
    back, path = after_redirect(at, app_engine)
    assert path == "account"
    back.run()
    assert [s.value for s in back.success] == ["Your password is changed; every other session has ended."]
    assert "notice" not in back.query_params
    back.run()
    assert not back.success


@pytest.mark.parametrize("code", ["no-such-notice", "**Your account is locked**, call 555"])
def test_a_notice_code_the_app_does_not_know_shows_nothing(app_engine, app_lead, code):
    at = new_app(app_lead, query={"notice": code}).run()
    assert not at.exception and not at.success
    assert code not in texts(at) and "notice" not in at.query_params


def test_a_single_sign_on_user_without_a_password_is_not_offered_one(app_engine, app_lead):
    """SSO proves who they are; a local password would be a way in the provider cannot revoke."""
    sam = service.create_user(
        app_engine, "Sam Sso", role="annotator", email="sam@example.org", actor=app_lead
    )
    at = _sso_app("sam@example.org")
    at.run()
    at.switch_page(page("account.py")).run()
    assert not at.exception and at.title[0].value == "Account"
    shown = texts(at)
    assert "You sign in with single sign-on: no password is needed here." in shown
    assert "invitation link" not in shown
    assert not at.get("form") and not [b for b in at.button if b.key == "account_first_submit"]
    assert not service.get_user(app_engine, sam.id).has_password


def _sso_app(email: str) -> AppTest:
    at = new_app()
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "sso-cookie-secret",
        "client_id": "calibration",
        "client_secret": "secret",
        "server_metadata_url": "http://localhost:8610/.well-known/openid-configuration",
    }
    at.user = {"is_logged_in": True, "email": email, "email_verified": True, "name": "Sam"}
    return at


def test_single_sign_on_is_recorded_so_no_later_session_offers_a_password(app_engine, app_lead):
    """Signed in later without the identity (an invitation link, a session): still no password."""
    sam = service.create_user(
        app_engine, "Sam Sso", role="annotator", email="sam@example.org", actor=app_lead
    )
    assert sam.sign_in_method == "local"
    at = _sso_app("sam@example.org").run()
    assert not at.exception
    recorded = service.get_user(app_engine, sam.id)
    assert recorded.sign_in_method == "sso"
    at = _open(recorded)  # no single sign-on identity in this session
    assert "You sign in with single sign-on: no password is needed here." in texts(at)
    assert not [b for b in at.button if b.key == "account_first_submit"]
    with pytest.raises(ConflictError, match="signs in with single sign-on"):
        service.set_first_password(app_engine, recorded, NEW_PASSWORD)
    assert not service.get_user(app_engine, sam.id).has_password
