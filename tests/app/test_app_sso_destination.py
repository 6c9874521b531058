"""After single sign-on the user lands on the page they asked for by URL (only a page their role may
open, never an open redirect), as after a password sign-in."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qsl, urlparse

import pytest
from starlette.requests import Request

from calibration.app import auth, state
from tests.app.app_helpers import after_redirect, new_app

SSO_SECRETS = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "sso-cookie-secret",
    "client_id": "calibration",
    "client_secret": "secret",
    "server_metadata_url": "http://localhost:8610/.well-known/openid-configuration",
}


@pytest.fixture(autouse=True)
def _secret(monkeypatch):
    monkeypatch.setenv("CALIBRATION_SESSION_SECRET", "unit-test-secret")


def _call(path: str, query: str, cookies: str = ""):
    routes = {route.path: route for route in auth.session_routes()}
    headers = [(b"host", b"calib.example.org")] + ([(b"cookie", cookies.encode())] if cookies else [])
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "root_path": "",
        "scheme": "https",
        "query_string": query.encode(),
        "headers": headers,
        "server": ("calib.example.org", 443),
    }
    return asyncio.run(routes[path].endpoint(Request(scope)))


def _sso_app(email: str | None = None, **options):
    at = new_app(**options)
    at.secrets["auth"] = SSO_SECRETS
    if email is not None:
        at.user = {"is_logged_in": True, "email": email, "email_verified": True, "name": "Lena"}
    return at


def test_the_requested_page_is_signed_into_a_cookie_that_signs_nobody_in():
    value = auth.sign_destination("dashboard", {"round": "3"}, now=1000.0)
    assert auth.destination_claims(value, now=1000.0 + auth.NEXT_SECONDS - 1) == ("dashboard", {"round": "3"})
    assert auth.destination_claims(value, now=1000.0 + auth.NEXT_SECONDS + 1) is None  # expired
    assert auth.destination_claims(value[:-2] + "xx", now=1000.0) is None  # tampered
    assert auth.session_claims(value, now=1000.0) is None  # not a session
    assert auth.destination_claims(auth.sign_session(7, now=1000.0), now=1000.0) is None


def test_the_sso_route_sets_the_cookie_once_and_comes_back_to_start_the_sign_in():
    token = auth.issue_sso_start("dashboard", {"round": "3"}, browser="b1")
    assert auth.redeem_sso_start(auth.issue_sso_start("x", {}, now=0.0)) is None  # expired
    response = _call("/calibration/sso", f"t={token}", cookies=f"{auth.BROWSER_COOKIE}=b1")
    location = urlparse(response.headers["location"])
    assert response.status_code == 303 and location.path == "/"
    nonce = dict(parse_qsl(location.query))["sso"]
    assert len(nonce) >= 24
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{auth.NEXT_COOKIE}=") and "HttpOnly" in cookie and "Secure" in cookie
    assert f"Max-Age={auth.NEXT_SECONDS}" in cookie
    value = cookie.split(";")[0].split("=", 1)[1]
    assert auth.destination_claims(value) == ("dashboard", {"round": "3"})
    assert auth.sso_nonce_matches(value, nonce)  # the start is tied to this browser's cookie
    assert not auth.sso_nonce_matches(value, "start") and not auth.sso_nonce_matches(value, "")
    assert not auth.sso_nonce_matches(auth.sign_destination("dashboard", {}), "")  # an old cookie
    again = _call("/calibration/sso", f"t={token}", cookies=f"{auth.BROWSER_COOKIE}=b1")  # used
    assert again.headers["location"] == "/?sso_refused=1" and "set-cookie" not in again.headers
    assert _call("/calibration/sso", "").headers["location"] == "/"  # no token: just the app


@pytest.mark.parametrize("cookies", ["", f"{auth.BROWSER_COOKIE}=b2"], ids=["no cookie", "another browser"])
def test_a_start_link_opened_in_another_browser_is_refused(cookies):
    """The start token is bound to the browser that asked for it, as a handoff token is: opened
    elsewhere (a link copied within its minute) it starts nothing and the Sign in page says why."""
    token = auth.issue_sso_start("dashboard", {"round": "3"}, browser="b1")
    response = _call("/calibration/sso", f"t={token}", cookies=cookies)
    assert response.status_code == 303 and response.headers["location"] == "/?sso_refused=1"
    assert "set-cookie" not in response.headers  # no calibration_next cookie: ?sso=... starts nothing
    # consumed: the browser it was issued to cannot use it afterwards either
    assert auth.redeem_sso_start(token, browser="b1") is None
    unbound = auth.issue_sso_start("dashboard", {})  # a token naming no browser starts nothing
    assert (
        _call("/calibration/sso", f"t={unbound}", cookies=f"{auth.BROWSER_COOKIE}=b1").headers["location"]
        == "/?sso_refused=1"
    )


def test_the_sign_in_page_says_why_a_start_link_was_refused(app_lead):
    at = _sso_app(query={auth.SSO_REFUSED_PARAM: "1"}).run()
    assert not at.exception, at.exception
    assert [w.value for w in at.warning] == [auth.SSO_REFUSED]
    assert "another browser" in auth.SSO_REFUSED and auth.SSO_REFUSED_PARAM not in at.query_params
    assert at.button(key="sign_in_sso")  # and the way to start again, here
    assert not _sso_app().run().warning  # not without the route's word


def test_the_sign_in_button_binds_the_start_to_this_browser(app_lead, monkeypatch):
    monkeypatch.setattr(auth, "browser_cookie", {auth.BROWSER_COOKIE: "b1"}.get)
    at = _sso_app().run()
    at.button(key="sign_in_sso").click().run()
    [link] = at.get("link_button")
    token = dict(parse_qsl(urlparse(link.proto.url).query))["t"]
    response = _call("/calibration/sso", f"t={token}", cookies=f"{auth.BROWSER_COOKIE}=b1")
    assert response.headers["location"].startswith("/?sso=")


def test_the_session_route_clears_the_requested_page_cookie():
    value = auth.sign_destination("dashboard", {})
    token = auth.issue_handoff(9, "dashboard", browser="b1")
    cookies = f"{auth.NEXT_COOKIE}={value}; {auth.BROWSER_COOKIE}=b1"
    response = _call("/calibration/session", f"t={token}", cookies=cookies)
    cleared = [h for h in response.headers.getlist("set-cookie") if h.startswith(f'{auth.NEXT_COOKIE}=""')]
    assert len(cleared) == 1 and "Max-Age=0" in cleared[0]
    assert response.headers["location"] == "/dashboard"


def test_the_sign_in_button_remembers_the_page_and_its_query(app_lead):
    at = _sso_app(query={"round": "3"}).run()
    at.button(key="sign_in_sso").click().run()
    assert not at.exception
    [link] = at.get("link_button")
    url = urlparse(link.proto.url)
    assert url.path == "/calibration/sso"
    requested = auth.redeem_sso_start(dict(parse_qsl(url.query))["t"])
    assert requested == (at.session_state[state.REQUESTED_PAGE_KEY], {"round": "3"})


def test_coming_back_from_the_route_starts_single_sign_on(app_lead, monkeypatch):
    import streamlit as st

    started: list[bool] = []
    monkeypatch.setattr(st, "login", lambda provider=None: started.append(True))
    cookies = {auth.NEXT_COOKIE: auth.sign_destination("", {}, nonce="n0nce-from-the-route")}
    monkeypatch.setattr(auth, "browser_cookie", cookies.get)
    at = _sso_app(query={"sso": "n0nce-from-the-route"}).run()
    assert not at.exception and started == [True]
    assert "sso" not in at.query_params
    assert _sso_app().run() and started == [True]  # not without ?sso=NONCE


@pytest.mark.parametrize(
    "cookie_nonce", [None, "another-nonce", ""], ids=["no cookie", "another nonce", "no nonce"]
)
def test_another_sites_link_does_not_start_single_sign_on(app_lead, monkeypatch, cookie_nonce):
    """Login CSRF: ``?sso=...`` starts ``st.login`` only with the route's cookie carrying that nonce."""
    import streamlit as st

    started: list[bool] = []
    monkeypatch.setattr(st, "login", lambda provider=None: started.append(True))
    cookie = None if cookie_nonce is None else auth.sign_destination("", {}, nonce=cookie_nonce)
    monkeypatch.setattr(auth, "browser_cookie", {auth.NEXT_COOKIE: cookie}.get)
    for link in ("start", "n0nce-from-the-route"):
        at = _sso_app(query={"sso": link}).run()
        assert not at.exception and started == []
        assert "sso" not in at.query_params
        assert at.button(key="sign_in_sso").label == "Sign in with single sign-on"  # still offered


@pytest.mark.parametrize(
    ("requested", "landing"),
    [
        (("dashboard", {"round": "3"}), "dashboard"),
        (("https://evil.example", {}), ""),  # not a page of the app: Home
        (("sign-in", {}), ""),
    ],
)
def test_back_from_single_sign_on_the_user_goes_on_to_the_page_asked_for(
    app_engine, app_lead, monkeypatch, requested, landing
):
    monkeypatch.setattr(auth, "destination_from_cookie", lambda: requested)
    at = _sso_app(app_lead.email).run()
    assert not at.exception
    assert at.info[0].value == "Signing in…"
    [link] = at.get("link_button")
    assert urlparse(link.proto.url).path == "/calibration/session"  # the password sign-in's route
    assert after_redirect(at, app_engine)[1] == landing


def test_an_annotator_asking_for_a_lead_page_lands_on_home(app_engine, app_lead, monkeypatch):
    from calibration.rounds import service

    service.create_user(app_engine, "Ann", role="annotator", email="ann@example.org", actor=app_lead)
    monkeypatch.setattr(auth, "destination_from_cookie", lambda: ("dashboard", {}))
    at = _sso_app("ann@example.org").run()
    assert after_redirect(at, app_engine)[1] == ""


def test_without_a_requested_page_single_sign_on_opens_home_as_before(app_engine, app_lead):
    at = _sso_app(app_lead.email).run()
    assert not at.exception and not at.get("link_button") and at.title[0].value.startswith("Hello")
