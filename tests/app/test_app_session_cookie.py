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


def _call(path: str, query: str, scheme: str = "http"):
    routes = {route.path: route for route in auth.session_routes()}
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "root_path": "",
        "scheme": scheme,
        "query_string": query.encode(),
        "headers": [(b"host", b"calib.example.org")],
        "server": ("calib.example.org", 443 if scheme == "https" else 80),
    }
    return asyncio.run(routes[path].endpoint(Request(scope)))


def test_the_session_route_sets_an_httponly_cookie_and_redirects():
    token = auth.issue_handoff(9, "quiz?round=4")
    response = _call("/calibration/session", f"t={token}", scheme="https")
    assert response.status_code == 303 and response.headers["location"] == "/quiz?round=4"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{auth.COOKIE_NAME}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" in cookie
    value = cookie.split(";")[0].split("=", 1)[1]
    assert auth.verify_session(value) == 9


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
