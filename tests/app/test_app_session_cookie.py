"""The signed session cookie, the one-time handoff and the Starlette routes that set and clear the cookie."""

from __future__ import annotations

import asyncio

import pytest
from starlette.requests import Request

from calibration.app import auth
from calibration.app.widgets.text import escape_markdown


@pytest.fixture(autouse=True)
def _secret(monkeypatch):
    monkeypatch.setenv("CALIBRATION_SESSION_SECRET", "unit-test-secret")


def test_a_signed_session_names_its_user_until_it_expires():
    value = auth.sign_session(7, now=1000.0, seconds=60)
    assert auth.verify_session(value, now=1059.0) == 7
    assert auth.verify_session(value, now=1061.0) is None


def test_a_tampered_or_foreign_cookie_is_refused(monkeypatch):
    value = auth.sign_session(7)
    payload, signature = value.split(".")
    forged = auth.sign_session(1).split(".")[0] + "." + signature
    assert auth.verify_session(forged) is None
    assert auth.verify_session(payload + ".AAAA") is None
    assert auth.verify_session("garbage") is None and auth.verify_session(None) is None
    monkeypatch.setenv("CALIBRATION_SESSION_SECRET", "another-deployment")
    assert auth.verify_session(value) is None


def test_the_key_file_is_created_once_with_private_permissions(tmp_path, monkeypatch):
    monkeypatch.delenv("CALIBRATION_SESSION_SECRET")
    key_file = tmp_path / "secret"
    monkeypatch.setenv("CALIBRATION_SECRET_FILE", str(key_file))
    value = auth.sign_session(3)
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert auth.verify_session(value) == 3


def test_a_handoff_works_once_and_expires():
    token = auth.issue_handoff(5, "quiz?round=2", version=3, now=100.0)
    assert auth.redeem_handoff(token, now=130.0) == (5, "quiz?round=2", 3)
    assert auth.redeem_handoff(token, now=130.0) is None
    late = auth.issue_handoff(5, now=100.0)
    assert auth.redeem_handoff(late, now=100.0 + auth.HANDOFF_SECONDS + 1) is None


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example",
        "/absolute",
        "javascript:alert(1)",
        "\\evil.example",
        "\\\\evil.example",
        "/\\evil.example",
        "\t/evil.example",
        "java\nscript:alert(1)",
    ],
)
def test_a_handoff_only_leads_inside_the_app(target):
    with pytest.raises(ValueError):
        auth.issue_handoff(5, target)


def _call(path: str, query: str, scheme: str = "http", browser: str | None = None):
    routes = {route.path: route for route in auth.session_routes()}
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "root_path": "",
        "scheme": scheme,
        "query_string": query.encode(),
        "headers": [(b"host", b"calib.example.org")]
        + ([(b"cookie", f"{auth.BROWSER_COOKIE}={browser}".encode())] if browser else []),
        "server": ("calib.example.org", 443 if scheme == "https" else 80),
    }
    return asyncio.run(routes[path].endpoint(Request(scope)))


def test_the_session_route_sets_an_httponly_cookie_and_redirects():
    token = auth.issue_handoff(9, "quiz?round=4", browser="this-browser")
    response = _call("/calibration/session", f"t={token}", scheme="https", browser="this-browser")
    assert response.status_code == 303 and response.headers["location"] == "/quiz?round=4"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{auth.COOKIE_NAME}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" in cookie
    value = cookie.split(";")[0].split("=", 1)[1]
    assert auth.verify_session(value) == 9


@pytest.mark.parametrize(
    ("bound", "sent"),
    [("victims-browser-no", "another-browser"), ("b", None), (None, "b"), (None, None)],
    ids=["another browser", "no browser cookie", "token bound to no browser", "neither"],
)
def test_a_handoff_link_signs_in_only_the_browser_it_was_issued_to(bound, sent):
    """Login CSRF: a handoff link copied within its 60 s to another browser signs nobody in there."""
    token = auth.issue_handoff(9, "quiz?round=4", browser=bound)
    response = _call("/calibration/session", f"t={token}", scheme="https", browser=sent)
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert "set-cookie" not in response.headers
    assert auth.redeem_handoff(token) is None  # consumed: the right browser cannot use it later either


def test_the_browser_cookie_is_set_once_on_http_responses():
    async def page(scope, receive, send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    def call(cookie: str | None, scope_type: str = "http") -> list[dict]:
        sent: list[dict] = []

        async def receive() -> dict:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict) -> None:
            sent.append(message)

        headers = [(b"host", b"calib.example.org")] + ([(b"cookie", cookie.encode())] if cookie else [])
        scope = {
            "type": scope_type,
            "method": "GET",
            "path": "/",
            "headers": headers,
            "scheme": "https",
            "server": ("calib.example.org", 443),
            "query_string": b"",
            "root_path": "",
        }
        asyncio.run(auth.BrowserCookie(page)(scope, receive, send))
        return sent

    start = call(None)[0]
    [cookie] = [v.decode() for k, v in start["headers"] if k == b"set-cookie"]
    assert cookie.startswith(f"{auth.BROWSER_COOKIE}=") and "HttpOnly" in cookie and "Secure" in cookie
    assert "SameSite=lax" in cookie and len(cookie.split(";")[0].split("=", 1)[1]) >= 40
    second = call(None)[0]  # every new browser its own value
    assert [v for k, v in second["headers"] if k == b"set-cookie"] != [cookie.encode()]
    kept = call(f"{auth.BROWSER_COOKIE}=already")[0]
    assert not [k for k, _ in kept["headers"] if k == b"set-cookie"]


def test_the_session_route_ignores_a_used_or_unknown_handoff():
    token = auth.issue_handoff(9)
    _call("/calibration/session", f"t={token}")
    again = _call("/calibration/session", f"t={token}")
    assert again.status_code == 303 and "set-cookie" not in again.headers
    assert "set-cookie" not in _call("/calibration/session", "t=made-up").headers


def test_the_signout_route_clears_the_cookie():
    response = _call("/calibration/signout", "")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f'{auth.COOKIE_NAME}=""') and "Max-Age=0" in cookie


def test_markdown_escaping_defuses_links_directives_and_emphasis():
    text = "[click](javascript:alert(1)) :red[x] **bold** <b>hi</b> _i_"
    escaped = escape_markdown(text)
    assert escaped == (
        "\\[click\\]\\(javascript\\:alert\\(1\\)\\) \\:red\\[x\\] \\*\\*bold\\*\\* \\<b\\>hi\\</b\\> \\_i\\_"
    )
    assert escape_markdown("line one\nline two") == "line one  \nline two"


def test_repeated_tokens_get_distinct_pill_labels_that_look_the_same():
    from calibration.app.widgets.spans import token_labels, tokenize

    text = "Lane to Lane, mail zed.quill@example.org or ACC-88123."
    ranges = tokenize(text)
    assert [text[a:b] for a, b in ranges] == [
        "Lane", "to", "Lane", ",", "mail", "zed.quill@example.org", "or", "ACC-88123", ".",
    ]  # fmt: skip
    labels = token_labels(text, ranges)
    assert len(set(labels)) == len(labels)
    assert labels[0] == "Lane" and labels[2] == "Lane\u200b"
    assert [label.replace("\u200b", "") for label in labels] == [text[a:b] for a, b in ranges]


def test_the_sign_in_page_binds_its_handoff_to_this_browser(app_lead, monkeypatch):
    from urllib.parse import parse_qsl, urlparse

    from tests.app.app_helpers import PASSWORD, new_app

    monkeypatch.setattr(auth, "browser_cookie", {auth.BROWSER_COOKIE: "this-browser"}.get)

    def handoff_token() -> str:
        at = new_app().run()
        at.text_input(key="sign_in_login").input(app_lead.email)
        at.text_input(key="sign_in_password").input(PASSWORD)
        at.button(key="sign_in_submit").click().run()
        [link] = at.get("link_button")
        return dict(parse_qsl(urlparse(link.proto.url).query))["t"]

    copied = _call("/calibration/session", f"t={handoff_token()}", browser="attackers-victim")
    assert "set-cookie" not in copied.headers  # the link opened elsewhere: consumed, nobody signed in
    response = _call("/calibration/session", f"t={handoff_token()}", browser="this-browser")
    value = response.headers["set-cookie"].split(";")[0].split("=", 1)[1]
    assert auth.verify_session(value) == app_lead.id
