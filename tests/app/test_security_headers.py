"""Every HTTP response of the app forbids framing (clickjacking) and MIME sniffing (issue 12, item 10)."""

from __future__ import annotations

import asyncio
import urllib.request
from pathlib import Path

import pytest

from calibration.app.headers import SECURITY_HEADERS, SecurityHeaders

ROOT = Path(__file__).resolve().parents[2]


def _call(app, scope_type: str = "http") -> list[dict]:
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": scope_type, "method": "GET", "path": "/", "headers": []}
    asyncio.run(SecurityHeaders(app)(scope, receive, send))
    return sent


def test_the_middleware_adds_the_headers_and_keeps_those_a_route_set() -> None:
    async def route(scope, receive, send) -> None:
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"x-frame-options", b"SAMEORIGIN")]}
        )
        await send({"type": "http.response.body", "body": b"ok"})

    start, body = _call(route)
    headers = dict(start["headers"])
    assert headers[b"x-frame-options"] == b"SAMEORIGIN"  # the route's own choice wins
    assert headers[b"content-security-policy"] == b"frame-ancestors 'self'; img-src 'self' data:"
    assert headers[b"x-content-type-options"] == b"nosniff"
    assert body["body"] == b"ok"


def test_websockets_pass_through_untouched() -> None:
    seen = []

    async def socket(scope, receive, send) -> None:
        seen.append(scope["type"])
        await send({"type": "websocket.accept", "headers": []})

    assert _call(socket, "websocket") == [{"type": "websocket.accept", "headers": []}]
    assert seen == ["websocket"]


def test_the_entry_point_mounts_the_middleware() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("calibration_entry", ROOT / "streamlit_app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    from calibration.app.auth import BrowserCookie

    assert [m.cls for m in module.app._user_middleware] == [SecurityHeaders, BrowserCookie]


@pytest.mark.slow
def test_the_running_app_sends_the_headers_on_pages_and_health(tmp_path: Path) -> None:
    from tests.e2e.e2e_browser import app_server

    with app_server(f"sqlite:///{tmp_path / 'h.db'}", tmp_path) as url:
        for path in ("/", "/_stcore/health"):
            with urllib.request.urlopen(url + path, timeout=10) as response:
                for name, value in SECURITY_HEADERS.items():
                    assert response.headers[name] == value, (path, name)
