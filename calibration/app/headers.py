"""Security headers on every HTTP response of the app (pages, static files, health and routes).

Mounted by ``streamlit_app.py`` through ``st.App(middleware=...)``: Streamlit's own server sets no
frame or content-type headers, so another site could frame the sign-in page (clickjacking). A proxy in
front may set the same headers (docs/deployment.md); these hold without one.
"""

from __future__ import annotations

from typing import Any

SECURITY_HEADERS: dict[str, str] = {
    "X-Frame-Options": "SAMEORIGIN",
    "Content-Security-Policy": "frame-ancestors 'self'; img-src 'self' data:",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
"""Headers added to every response that does not set them itself.

Framing is allowed to the app's own origin only: Streamlit draws custom components (the span selector)
in same-origin iframes, which ``DENY`` / ``'none'`` would blank; no other site may frame the app.
Images load only from the app itself (``st.image`` media URLs) or ``data:`` URLs (images shipped inside a
guideline): a markdown image slipped into user text could otherwise make every reader's browser fetch
an outside URL.
"""


class SecurityHeaders:
    """Pure ASGI middleware adding `SECURITY_HEADERS` to HTTP responses (websockets pass untouched)."""

    def __init__(self, app: Any, headers: dict[str, str] | None = None) -> None:
        self.app = app
        self.headers = [(k.lower().encode(), v.encode()) for k, v in (headers or SECURITY_HEADERS).items()]

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(name, value) for name, value in self.headers if name not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def security_middleware() -> list[Any]:
    """The middleware list for ``st.App(middleware=...)``: these headers, and the browser cookie that
    binds a sign-in's handoff token to the browser (`calibration.app.auth.BrowserCookie`)."""
    from starlette.middleware import Middleware

    from calibration.app.auth import BrowserCookie

    return [Middleware(SecurityHeaders), Middleware(BrowserCookie)]
