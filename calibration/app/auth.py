"""App-side sign-in: a signed, expiring, HttpOnly session cookie set through a Starlette route of `st.App`.

How a sign-in survives a reload, without a long-lived secret in a URL:

1. The sign-in (or join) page checks the password (or redeems the invitation) through the service and
   keeps the user id in ``st.session_state``.
2. It then asks `issue_handoff` for a one-time handoff token (random, 60 s, kept in this process's
   memory, bound to this browser's ``calibration_browser`` cookie, set by the `BrowserCookie`
   middleware on the first response) and sends the browser to ``/calibration/session?t=TOKEN``.
   The route signs in only the browser with that cookie: a handoff link copied to another browser
   within the 60 s signs nobody in there (login CSRF).
3. That route (`session_routes`, mounted by ``streamlit_app.py`` through ``st.App(routes=...)``)
   consumes the token and answers with ``Set-Cookie: calibration_session=...; HttpOnly; SameSite=Lax``
   and a redirect to the app. JavaScript cannot read the cookie.
4. On every script run `session_from_cookie` reads the cookie through ``st.context.cookies`` and
   checks its HMAC-SHA256 signature and expiry; `calibration.app.state.current_user` then checks its
   session version against the user's (`calibration.rounds.accounts.session_user`).

Revocation: the cookie carries the user's session version. Sign-out, a password change and
deactivation bump it (`calibration.rounds.accounts.revoke_sessions`), so every cookie issued before,
copied or not, and every open tab of that user stop working at their next page run.

Single sign-on keeps the page the visitor asked for by URL across the identity provider's round trip
(Streamlit's callback always returns to the app's root): the Sign in page's button sends the browser to
``/calibration/sso?t=TOKEN`` (a one-time token holding the requested page, kept in memory), which sets
a signed, HttpOnly, 10-minute ``calibration_next`` cookie holding a random nonce and comes back with
``?sso=NONCE``, where the page calls ``st.login`` only when the cookie carries that nonce
(`sso_start_allowed`): another site's link to ``?sso=...`` starts nothing. The start token is bound
to the ``calibration_browser`` cookie like a handoff token: opened in another browser (or used, or
expired) the route comes back with ``?sso_refused=1`` and the Sign in page says so. Back from the provider,
the router reads the cookie
(`destination_from_cookie`), keeps only a page the user's role may open
(`calibration.app.navigation.path_after_sign_in`, as after a password sign-in) and goes there through
the session route, which also clears the cookie.

``/calibration/signout`` clears the cookie (with ``?sso=1`` it goes on to Streamlit's ``auth/logout``,
which ends a single sign-on identity too). The signing key comes from ``CALIBRATION_SESSION_SECRET``
or, when unset, from a random key file created once next to the working folder
(``CALIBRATION_SECRET_FILE``, default ``.calibration-secret``, mode 0600). Rotating the key signs
every browser out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from pathlib import Path
from typing import Any

COOKIE_NAME = "calibration_session"
SESSION_SECONDS = 12 * 3600
"""How long a sign-in lasts (12 hours), in the cookie's signed payload and its Max-Age."""
HANDOFF_SECONDS = 60
SESSION_PATH = "calibration/session"
SIGNOUT_PATH = "calibration/signout"
SSO_PATH = "calibration/sso"
SSO_REFUSED_PARAM = "sso_refused"
"""``?sso_refused=1``: the single sign-on route refused a start token (another browser's, used or
expired), and the Sign in page says so (`SSO_REFUSED`)."""
SSO_REFUSED = (
    "This single sign-on link was opened in another browser than the one that asked for it, or it "
    'was used or expired (links last one minute). Press "Sign in with single sign-on" again here.'
)
SSO_START_PARAM = "sso"
"""``?sso=NONCE`` at the app's root: the Sign in page starts single sign-on (``st.login``) when the
``calibration_next`` cookie carries the same nonce (`sso_start_allowed`)."""
NEXT_COOKIE = "calibration_next"
NEXT_SECONDS = 600
"""How long the page asked for waits for the single sign-on round trip (10 minutes)."""
BROWSER_COOKIE = "calibration_browser"
"""A random, HttpOnly value naming this browser (`BrowserCookie` sets it on the first response): a
handoff token is bound to it, so a handoff link opened in another browser signs nobody in."""
BROWSER_SECONDS = 400 * 24 * 3600
SSO_LOGOUT_PATH = "auth/logout"
"""Streamlit's own logout route (clears the identity cookie of ``st.login``), relative to the base path."""

_handoffs: dict[str, tuple[Any, str, int, float, str | None]] = {}
_UNCHECKED = object()
_sso_starts: dict[str, tuple[str, dict[str, str], float, str | None]] = {}
_lock = threading.Lock()
_key_cache: dict[str, bytes] = {}


# --------------------------------------------------------------------------- signing


def _secret_key() -> bytes:
    env = os.environ.get("CALIBRATION_SESSION_SECRET")
    if env:
        return env.encode()
    path = Path(os.environ.get("CALIBRATION_SECRET_FILE", ".calibration-secret")).resolve()
    cached = _key_cache.get(str(path))
    if cached:
        return cached
    with _lock:
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
        key = path.read_text().strip().encode()
    _key_cache[str(path)] = key
    return key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_session(
    user_id: Any, *, version: int = 0, now: float | None = None, seconds: int = SESSION_SECONDS
) -> str:
    """A cookie value naming `user_id` and their session `version`, signed with HMAC-SHA256, expiring after `seconds`."""
    issued = time.time() if now is None else now
    claims = {"uid": user_id, "ver": int(version), "exp": int(issued + seconds)}
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = _b64(hmac.new(_secret_key(), payload.encode(), hashlib.sha256).digest())
    return f"{payload}.{signature}"


def _signed_claims(value: str | None, now: float | None) -> dict[str, Any] | None:
    """The claims of a value signed like `sign_session`, or None when missing, tampered with or expired."""
    if not value or value.count(".") != 1:
        return None
    payload, signature = value.split(".")
    expected = _b64(hmac.new(_secret_key(), payload.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(signature, expected):
        return None
    try:
        data = json.loads(_unb64(payload))
        expires = int(data.get("exp", 0)) if isinstance(data, dict) else 0
    except (ValueError, TypeError, UnicodeDecodeError):
        return None
    if expires < (time.time() if now is None else now):
        return None
    return data  # type: ignore[no-any-return]


def session_claims(value: str | None, *, now: float | None = None) -> tuple[Any, int] | None:
    """``(user id, session version)`` of a session cookie value, or None when it is missing,
    tampered with, expired, or from before session versions (such a cookie signs nobody in)."""
    data = _signed_claims(value, now)
    if data is None:
        return None
    version = data.get("ver")
    if not isinstance(version, int) or isinstance(version, bool) or data.get("uid") is None:
        return None
    return data["uid"], version


def sign_destination(
    url_path: str, query: dict[str, str], *, nonce: str = "", now: float | None = None
) -> str:
    """A ``calibration_next`` cookie value: the page asked for by URL, signed, expiring after `NEXT_SECONDS`.

    It names no user and signs nobody in (`session_claims` refuses it: no ``uid``). `nonce` is the
    random value the route also puts in ``?sso=NONCE``: single sign-on starts only when both match
    (`sso_start_allowed`), so another site cannot start it with a bare link.
    """
    issued = time.time() if now is None else now
    claims = {"next": url_path, "query": dict(query), "nonce": nonce, "exp": int(issued + NEXT_SECONDS)}
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = _b64(hmac.new(_secret_key(), payload.encode(), hashlib.sha256).digest())
    return f"{payload}.{signature}"


def destination_claims(value: str | None, *, now: float | None = None) -> tuple[str, dict[str, str]] | None:
    """``(url path, query)`` of a ``calibration_next`` cookie value, or None when it is missing, tampered
    with, expired, or another signed value (a session cookie). Still only a request: the caller keeps it
    only when it is a page the user's role may open (`calibration.app.navigation.path_after_sign_in`)."""
    data = _signed_claims(value, now)
    if data is None or "uid" in data:
        return None
    url_path, query = data.get("next"), data.get("query")
    if not isinstance(url_path, str) or not isinstance(query, dict):
        return None
    return url_path, {str(k): str(v) for k, v in query.items()}


def sso_nonce_matches(value: str | None, nonce: str | None, *, now: float | None = None) -> bool:
    """Whether `value`, a ``calibration_next`` cookie (signed, unexpired), carries `nonce` (the
    ``?sso=`` parameter the route sent the browser back with)."""
    data = _signed_claims(value, now)
    if data is None or "uid" in data or not nonce:
        return False
    stored = data.get("nonce")
    return isinstance(stored, str) and bool(stored) and hmac.compare_digest(stored, nonce)


def verify_session(value: str | None, *, now: float | None = None) -> Any | None:
    """The user id in a session cookie value (signature and expiry checked, not the session version)."""
    claims = session_claims(value, now=now)
    return None if claims is None else claims[0]


def cookie_user(engine: Any, value: str | None, *, now: float | None = None) -> Any | None:
    """The user a session cookie value signs in: valid signature, not expired, not revoked; else None."""
    claims = session_claims(value, now=now)
    if claims is None:
        return None
    from calibration.rounds import service

    try:
        return service.session_user(engine, int(claims[0]), claims[1])
    except (TypeError, ValueError):
        return None


# --------------------------------------------------------------------------- handoff


def _browser_digest(browser: str | None) -> str | None:
    return hashlib.sha256(browser.encode()).hexdigest() if browser else None


def issue_handoff(
    user_id: Any,
    next_path: str = "",
    *,
    version: int = 0,
    browser: str | None = None,
    now: float | None = None,
) -> str:
    """A one-time token (valid `HANDOFF_SECONDS`) that the session route exchanges for the cookie.

    Args:
        user_id: the signed-in user.
        version: the user's session version at sign-in (signed into the cookie).
        browser: this browser's `BROWSER_COOKIE` value: the session route signs in only a browser
            sending the same (a handoff link copied to another browser signs nobody in there); without
            it the route signs nobody in.
        next_path: where the route sends the browser afterwards, relative to the app's base path
            (e.g. ``"quiz?round=3"``); kept on the server, so the route cannot be an open redirect.
    """
    # Browsers read a backslash as a slash ("/\\evil.example" is "//evil.example"), and control
    # characters are dropped from URLs, so neither may appear either.
    if (
        "//" in next_path
        or next_path.startswith("/")
        or ":" in next_path.split("?")[0]
        or "\\" in next_path
        or any(ord(ch) < 32 or ch == "\x7f" for ch in next_path)
    ):
        raise ValueError(f"next_path must be a relative app path, got {next_path!r}")
    token = secrets.token_urlsafe(32)
    issued = time.time() if now is None else now
    with _lock:
        for stale in [t for t, entry in _handoffs.items() if entry[3] < issued]:
            del _handoffs[stale]
        _handoffs[token] = (
            user_id,
            next_path,
            int(version),
            issued + HANDOFF_SECONDS,
            _browser_digest(browser),
        )
    return token


def redeem_handoff(
    token: str | None, *, browser: Any = _UNCHECKED, now: float | None = None
) -> tuple[Any, str, int] | None:
    """``(user id, next path, session version)`` of a handoff token, consuming it; None when unknown,
    used or expired, or when `browser` (the requesting browser's `BROWSER_COOKIE`, as the session
    route passes it) is not the browser the token was issued to (or the token names none)."""
    if not token:
        return None
    with _lock:
        entry = _handoffs.pop(token, None)
    if entry is None:
        return None
    user_id, next_path, version, expires, bound = entry
    if browser is not _UNCHECKED:
        presented = _browser_digest(browser if isinstance(browser, str) else None)
        if bound is None or presented is None or not hmac.compare_digest(bound, presented):
            return None
    return (user_id, next_path, version) if expires >= (time.time() if now is None else now) else None


def issue_sso_start(
    url_path: str, query: dict[str, str], *, browser: str | None = None, now: float | None = None
) -> str:
    """A one-time token (valid `HANDOFF_SECONDS`) that the single sign-on route exchanges for the
    ``calibration_next`` cookie naming the page asked for (`url_path` and its `query`).

    `browser` is this browser's `BROWSER_COOKIE` value, as for `issue_handoff`: the route starts single
    sign-on only in a browser sending the same (a start link opened in another browser is refused);
    without it the route starts nothing."""
    token = secrets.token_urlsafe(32)
    issued = time.time() if now is None else now
    with _lock:
        for stale in [t for t, (*_, exp, _b) in _sso_starts.items() if exp < issued]:
            del _sso_starts[stale]
        _sso_starts[token] = (url_path, dict(query), issued + HANDOFF_SECONDS, _browser_digest(browser))
    return token


def redeem_sso_start(
    token: str | None, *, browser: Any = _UNCHECKED, now: float | None = None
) -> tuple[str, dict[str, str]] | None:
    """``(url path, query)`` of a single sign-on start token, consuming it; None when unknown, used or
    expired, or when `browser` (the requesting browser's `BROWSER_COOKIE`, as the route passes it) is
    not the browser the token was issued to (or the token names none)."""
    if not token:
        return None
    with _lock:
        entry = _sso_starts.pop(token, None)
    if entry is None:
        return None
    url_path, query, expires, bound = entry
    if browser is not _UNCHECKED:
        presented = _browser_digest(browser if isinstance(browser, str) else None)
        if bound is None or presented is None or not hmac.compare_digest(bound, presented):
            return None
    return (url_path, query) if expires >= (time.time() if now is None else now) else None


# --------------------------------------------------------------------------- Starlette routes


def session_routes() -> list[Any]:
    """Starlette routes for ``st.App(routes=...)``: set the session cookie, and sign out."""
    from starlette.responses import RedirectResponse
    from starlette.routing import Route

    def _home(request: Any, next_path: str = "") -> str:
        base = request.scope.get("root_path", "") or ""
        return base.rstrip("/") + "/" + next_path

    async def session(request: Any) -> Any:
        handoff = redeem_handoff(request.query_params.get("t"), browser=request.cookies.get(BROWSER_COOKIE))
        response = RedirectResponse(_home(request, handoff[1] if handoff else ""), status_code=303)
        if handoff is not None:
            response.set_cookie(
                COOKIE_NAME,
                sign_session(handoff[0], version=handoff[2]),
                max_age=SESSION_SECONDS,
                httponly=True,
                samesite="lax",
                secure=request.url.scheme == "https",
                path="/",
            )
        if NEXT_COOKIE in request.cookies:  # back from single sign-on: the page asked for is reached
            response.delete_cookie(NEXT_COOKIE, path="/", httponly=True, samesite="lax")
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    async def sso(request: Any) -> Any:
        # Remember the page asked for across the identity provider's round trip, then start it.
        token = request.query_params.get("t")
        start = redeem_sso_start(token, browser=request.cookies.get(BROWSER_COOKIE))
        nonce = secrets.token_urlsafe(24)
        # refused (another browser's link, used or expired): back to the Sign in page, which says so
        back = f"?{SSO_START_PARAM}={nonce}" if start else f"?{SSO_REFUSED_PARAM}=1" if token else ""
        response = RedirectResponse(_home(request, back), status_code=303)
        if start is not None:
            response.set_cookie(
                NEXT_COOKIE,
                sign_destination(*start, nonce=nonce),
                max_age=NEXT_SECONDS,
                httponly=True,
                samesite="lax",
                secure=request.url.scheme == "https",
                path="/",
            )
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    async def signout(request: Any) -> Any:
        # ?sso=1: then also end the single sign-on identity (Streamlit's /auth/logout clears its cookie),
        # or the next page load would sign the same account in again from ``st.user``.
        after = SSO_LOGOUT_PATH if request.query_params.get("sso") == "1" else ""
        response = RedirectResponse(_home(request, after), status_code=303)
        response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="lax")
        response.headers["Cache-Control"] = "no-store"
        return response

    return [
        Route(f"/{SESSION_PATH}", session, methods=["GET"]),
        Route(f"/{SSO_PATH}", sso, methods=["GET"]),
        Route(f"/{SIGNOUT_PATH}", signout),
    ]


class BrowserCookie:
    """Pure ASGI middleware: an HTTP response to a browser without `BROWSER_COOKIE` sets one (random,
    HttpOnly, ``SameSite=Lax``, ``Secure`` over HTTPS), so the page's script run can read it and bind
    its handoff token to this browser (`issue_handoff`). Websockets pass untouched."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from starlette.requests import HTTPConnection
        from starlette.responses import Response

        connection = HTTPConnection(scope)
        if connection.cookies.get(BROWSER_COOKIE):
            await self.app(scope, receive, send)
            return
        carrier = Response()
        carrier.set_cookie(
            BROWSER_COOKIE,
            secrets.token_urlsafe(32),
            max_age=BROWSER_SECONDS,
            httponly=True,
            samesite="lax",
            secure=connection.url.scheme == "https",
            path="/",
        )
        cookie = [(k, v) for k, v in carrier.raw_headers if k == b"set-cookie"]

        async def send_with_cookie(message: Any) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *cookie]}
            await send(message)

        await self.app(scope, receive, send_with_cookie)


# --------------------------------------------------------------------------- streamlit side


def session_from_cookie() -> tuple[Any, int] | None:
    """``(user id, session version)`` of this browser's signed, unexpired session cookie, or None
    (also outside a browser). The version is checked against the user's by the caller."""
    import streamlit as st

    try:
        value = st.context.cookies.get(COOKIE_NAME)
    except Exception:  # no request context (AppTest, bare mode)
        return None
    return session_claims(value)


def destination_from_cookie() -> tuple[str, dict[str, str]] | None:
    """The page asked for before single sign-on (``calibration_next`` cookie, `destination_claims`), or
    None (also outside a browser)."""
    import streamlit as st

    try:
        value = st.context.cookies.get(NEXT_COOKIE)
    except Exception:  # no request context (AppTest, bare mode)
        return None
    return destination_claims(value)


def sso_start_allowed(nonce: str | None) -> bool:
    """Whether ``?sso=NONCE`` may start ``st.login`` in this browser: its ``calibration_next`` cookie,
    set by the single sign-on route, is valid and carries the same nonce (`sso_nonce_matches`).
    False outside a browser."""
    return sso_nonce_matches(browser_cookie(NEXT_COOKIE), nonce)


def browser_cookie(name: str) -> str | None:
    """The value of this browser's cookie `name` (``st.context.cookies``), or None (also outside a browser)."""
    import streamlit as st

    try:
        value = st.context.cookies.get(name)
    except Exception:  # no request context (AppTest, bare mode)
        return None
    return value if isinstance(value, str) else None


def start_single_sign_on(url_path: str, query: dict[str, str]) -> None:
    """Send this browser to the single sign-on route, which remembers the page asked for (`url_path`
    with its `query`) in a cookie and comes back to start ``st.login``."""
    import streamlit as st

    token = issue_sso_start(url_path, query, browser=browser_cookie(BROWSER_COOKIE))
    url = f"{_base_path()}{SSO_PATH}?t={token}"
    # The token is ours (url-safe base64), never user text; the script only navigates.
    st.html(f"<script>window.location.replace({json.dumps(url)});</script>", unsafe_allow_javascript=True)
    st.link_button("Continue", url, type="primary", icon=":material/arrow_forward:")


def user_id_from_cookie() -> Any | None:
    """The user id of this browser's session cookie (signature and expiry only; see `session_from_cookie`)."""
    claims = session_from_cookie()
    return None if claims is None else claims[0]


ASSUME_VERIFIED_ENV = "CALIBRATION_SSO_ASSUME_EMAIL_VERIFIED"
"""Set to ``1`` when the identity provider sends no ``email_verified`` claim but only ever issues
verified emails that users cannot change; otherwise such an identity signs nobody in."""


def email_verified(claims: Any) -> bool:
    """Whether single sign-on `claims` (``st.user``) vouch for their email.

    ``email_verified`` must be true (``true`` or the string ``"true"``, as some providers send it). An
    identity without the claim counts as unverified unless `ASSUME_VERIFIED_ENV` is ``1``: a provider
    that lets users type any email (the "nOAuth" problem) would otherwise let anyone claim a lead's.
    """
    if "email_verified" not in claims or claims.get("email_verified") is None:
        return os.environ.get(ASSUME_VERIFIED_ENV, "").strip() == "1"
    value = claims.get("email_verified")
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _oidc_identity() -> tuple[str, bool] | None:
    """``(email, verified)`` of this session's single sign-on identity, or None (none, or no email)."""
    import streamlit as st

    try:
        if not st.user.get("is_logged_in"):
            return None
        email = st.user.get("email")
        verified = email_verified(st.user)
    except Exception:  # st.user without an [auth] section
        return None
    return (str(email), verified) if email else None


def user_id_from_oidc(engine: Any) -> Any | None:
    """The id of the user whose email matches the OIDC identity (``st.user``), when SSO is configured.

    Only a verified email (`email_verified`) signs anyone in, and it matches an account's email only,
    never its name; a deactivated account is refused. The user's sign-in method becomes single
    sign-on (`calibration.rounds.accounts.sign_in_with_single_sign_on`).
    """
    identity = _oidc_identity()
    if identity is None or not identity[1]:
        return None
    from calibration.errors import CalibrationError
    from calibration.rounds import service

    try:
        return service.sign_in_with_single_sign_on(engine, identity[0]).id
    except CalibrationError:
        return None


def oidc_problem(engine: Any) -> str | None:
    """Why this session's single sign-on identity signs nobody in, for the Sign in page: ``unverified``
    (`email_verified`), ``deactivated`` (the account with that email), ``no_account``; None when there
    is no identity."""
    import streamlit as st

    try:
        if not st.user.get("is_logged_in"):
            return None
    except Exception:
        return None
    identity = _oidc_identity()
    if identity is None:
        return "no_account"
    if not identity[1]:
        return "unverified"
    from calibration.rounds import service

    account = service.single_sign_on_account(engine, identity[0])
    if account is not None and not account.active:
        return "deactivated"
    return "no_account"


def oidc_configured() -> bool:
    """Whether ``.streamlit/secrets.toml`` has an ``[auth]`` section (then `st.login` can be offered)."""
    import streamlit as st

    try:
        return "auth" in st.secrets
    except Exception:
        return False


def _base_path() -> str:
    import streamlit as st

    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}/" if base else "/"


def remember_browser(user_id: Any, next_path: str = "", *, notice: str | None = None) -> None:
    """Send this browser to the session route so the sign-in survives reloads (HttpOnly cookie).

    Args:
        user_id: the user just signed in (with `calibration.app.state.sign_in_as`, whose session
            version the cookie carries).
        next_path: the app page to land on afterwards, e.g. ``"quiz?round=3"``.
        notice: the code of a confirmation to show there (a key of
            `calibration.app.state.NOTICES`), carried in the URL across the redirect.
    """
    import streamlit as st

    from calibration.app import state

    if notice is not None:
        if notice not in state.NOTICES:
            raise ValueError(f"unknown notice {notice!r}; expected one of {', '.join(state.NOTICES)}")
        next_path += ("&" if "?" in next_path else "?") + f"{state.NOTICE_PARAM}={notice}"
    version = state.session_version(user_id)
    token = issue_handoff(user_id, next_path, version=version, browser=browser_cookie(BROWSER_COOKIE))
    url = f"{_base_path()}{SESSION_PATH}?t={token}"
    # The token is ours (url-safe base64), never user text; the script only navigates.
    st.html(f"<script>window.location.replace({json.dumps(url)});</script>", unsafe_allow_javascript=True)
    st.link_button("Continue", url, type="primary", icon=":material/arrow_forward:")


def oidc_signed_in() -> bool:
    """Whether this session carries a single sign-on identity (``st.user`` is logged in)."""
    import streamlit as st

    try:
        return bool(st.user.get("is_logged_in"))
    except Exception:  # st.user without an [auth] section
        return False


def forget_browser(*, sso: bool = False) -> None:
    """Send this browser to the sign-out route, which clears the session cookie.

    Args:
        sso: also end the single sign-on identity afterwards (the route then goes on to
            Streamlit's ``auth/logout``).
    """
    import streamlit as st

    url = f"{_base_path()}{SIGNOUT_PATH}" + ("?sso=1" if sso else "")
    st.html(f"<script>window.location.replace({json.dumps(url)});</script>", unsafe_allow_javascript=True)
    st.link_button("Continue", url, icon=":material/logout:")
