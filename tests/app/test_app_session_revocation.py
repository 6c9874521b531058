"""Sessions can be revoked: sign-out, a password change and deactivation end every copy of a cookie and every tab."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.requests import Request

from calibration.app import auth
from calibration.errors import AuthError
from calibration.rounds import service
from tests.app.app_helpers import new_app


@pytest.fixture(autouse=True)
def _secret(monkeypatch):
    monkeypatch.setenv("CALIBRATION_SESSION_SECRET", "unit-test-secret")


def _cookie_from_sign_in(engine: Any, login: str, password: str) -> str:
    """Sign in as the sign-in page does, then let the session route set the cookie; its value."""
    user = service.authenticate(engine, login, password)
    token = auth.issue_handoff(user.id, version=user.session_version, browser="this-browser")
    routes = {route.path: route for route in auth.session_routes()}
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/calibration/session",
        "root_path": "",
        "scheme": "https",
        "query_string": f"t={token}".encode(),
        "headers": [
            (b"host", b"calib.example.org"),
            (b"cookie", f"{auth.BROWSER_COOKIE}=this-browser".encode()),
        ],
        "server": ("calib.example.org", 443),
    }
    response = asyncio.run(routes["/calibration/session"].endpoint(Request(scope)))
    return response.headers["set-cookie"].split(";")[0].split("=", 1)[1]


def test_a_copied_cookie_stops_working_after_sign_out(store: Any) -> None:
    copied = _cookie_from_sign_in(store.engine, "lena@example.org", "correct horse")
    assert auth.cookie_user(store.engine, copied).name == "lena"
    service.revoke_sessions(store.engine, store.lead.id)  # what the Sign out button does
    assert auth.cookie_user(store.engine, copied) is None
    assert auth.verify_session(copied) == store.lead.id  # still well signed: only the version is stale
    fresh = _cookie_from_sign_in(store.engine, "lena", "correct horse")
    assert auth.cookie_user(store.engine, fresh).name == "lena"
    assert auth.cookie_user(store.engine, copied) is None


def test_a_copied_cookie_stops_working_after_a_password_change(store: Any) -> None:
    copied = _cookie_from_sign_in(store.engine, "lena@example.org", "correct horse")
    service.set_password(store.engine, store.lead, "a brand new passphrase", actor=store.lead)
    assert auth.cookie_user(store.engine, copied) is None
    fresh = _cookie_from_sign_in(store.engine, "lena", "a brand new passphrase")
    assert auth.cookie_user(store.engine, fresh).name == "lena"


def test_deactivation_ends_every_session_and_refuses_sign_in(store: Any) -> None:
    amy = service.create_user(
        store.engine, "amy", role="author", email="amy@example.org", password="long enough", actor=store.lead
    )
    copied = _cookie_from_sign_in(store.engine, "amy", "long enough")
    assert auth.cookie_user(store.engine, copied).name == "amy"
    assert service.deactivate_user(store.engine, amy, actor=store.lead).active is False
    assert auth.cookie_user(store.engine, copied) is None
    with pytest.raises(AuthError, match="this account is deactivated"):
        service.authenticate(store.engine, "amy", "long enough")
    with pytest.raises(AuthError, match="wrong email or password"):
        service.authenticate(store.engine, "amy", "a wrong guess")
    assert service.audit_log(store.engine, entity="user:amy")[0].action == "deactivate_user"


def test_cookies_without_a_session_version_sign_nobody_in(store: Any) -> None:
    import base64
    import hashlib
    import hmac
    import json

    payload = base64.urlsafe_b64encode(json.dumps({"uid": store.lead.id, "exp": 2**40}).encode()).rstrip(b"=")
    signature = hmac.new(b"unit-test-secret", payload, hashlib.sha256).digest()
    old_style = f"{payload.decode()}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"
    assert auth.cookie_user(store.engine, old_style) is None


def test_signing_out_in_one_tab_signs_the_other_tab_out(app_lead: Any) -> None:
    first, second = new_app(app_lead).run(), new_app(app_lead).run()
    assert second.title[0].value != "Sign in"
    first.button(key="app_sign_out").click().run()
    second.run()
    assert "auth_user_id" not in second.session_state
    assert second.title[0].value == "Sign in"


def test_a_password_change_signs_open_tabs_out(app_engine: Any, app_lead: Any) -> None:
    at = new_app(app_lead).run()
    service.set_password(app_engine, app_lead, "a brand new passphrase", actor=app_lead)
    at.run()
    assert at.title[0].value == "Sign in"


def test_the_sign_in_page_counts_attempts_per_client_address(
    app_engine: Any, app_lead: Any, monkeypatch
) -> None:
    from calibration import auth as passwords
    from calibration.app import state

    monkeypatch.setattr(state, "client_address", lambda: "203.0.113.9")
    for n in range(passwords.CLIENT_MAX_FAILURES):  # other accounts, from the same address
        with pytest.raises(AuthError):
            service.authenticate(app_engine, f"user{n}", "wrong horse!", client="203.0.113.9")
    at = new_app().run()
    at.text_input(key="sign_in_login").input("lead@example.org")
    at.text_input(key="sign_in_password").input("correct-horse-battery")
    at.button(key="sign_in_submit").click().run()
    assert "auth_user_id" not in at.session_state
    assert at.error[0].value.startswith("too many attempts")
    monkeypatch.setattr(state, "client_address", lambda: "198.51.100.4")  # another address may
    at.button(key="sign_in_submit").click().run()
    assert at.session_state["auth_user_id"] == app_lead.id
    assert at.session_state["auth_session_version"] == 0
