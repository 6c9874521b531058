"""App state: the cached engine, the signed-in user, role checks, error display and cached round analyses.

Every page starts with ``user = state.require_role("lead")`` (or the roles it allows): the role is
checked on the server on every run, whatever the navigation menu showed. Database work goes through
`calibration.rounds.service` with the engine from `get_engine()`; pages never write SQL and never keep
connections or ORM objects in ``st.session_state``.

Session-state keys used here carry the ``auth_`` prefix; pages use their own prefix (``quiz_``,
``rounds_`` ...).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import streamlit as st

from calibration.app.widgets.text import escape_markdown
from calibration.errors import CalibrationError
from calibration.rounds.service import RoundResponses

RoundData = RoundResponses
"""What `cached_round_analysis` returns (the service's `RoundResponses`, an `Annotations`)."""

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from calibration.guidelines.model import Guideline, Item
    from calibration.rounds.quiz_length import QuizLength

USER_KEY = "auth_user_id"
"""Session-state key holding the signed-in user's id (an int or str id, never a secret)."""
VERSION_KEY = "auth_session_version"
"""Session-state key holding the session version the user signed in with (see `current_user`)."""

SIGNING_OUT_KEY = "app_signing_out"
REQUESTED_PAGE_KEY = "auth_requested_page"
"""Session-state key holding the URL path of the page a signed-out visitor opened (set by the router)."""
DATABASE_ENV = "CALIBRATION_DATABASE_URL"
__all__ = [
    "RoundData",
    "cached_analysis",
    "cached_round_analysis",
    "current_user",
    "escape_markdown",
    "get_engine",
    "render_error",
    "require_role",
]

ROLE_NAMES = {"lead": "lead", "author": "guideline author", "annotator": "annotator"}


# --------------------------------------------------------------------------- engine


def database_url() -> str | None:
    """The configured database URL (``CALIBRATION_DATABASE_URL``), or None for the default SQLite file."""
    return os.environ.get(DATABASE_ENV) or None


@st.cache_resource(show_spinner="Opening the database…")
def _engine_for(url: str | None) -> Engine:
    from calibration.app.bootstrap import prepare_database
    from calibration.storage.engine import make_engine

    engine = make_engine(url) if url else make_engine()
    prepare_database(engine)
    return engine


def get_engine() -> Engine:
    """The one shared SQLAlchemy engine of this process, migrated and with bundled guidelines published.

    Cached per database URL with ``st.cache_resource`` (one object across sessions and threads);
    the first call creates the database, runs the migrations and publishes the bundled guidelines.
    """
    return _engine_for(database_url())


# --------------------------------------------------------------------------- users


def current_user() -> Any | None:
    """The signed-in user (the service's ``User``), or None.

    Looks in session state first, then in the signed session cookie (so a sign-in survives a page
    reload), then in Streamlit's OIDC identity (``st.user``) when single sign-on is configured.
    Checked on every run, with one query: a user removed or deactivated since sign-in, or whose
    sessions were revoked (sign-out elsewhere, a password change; `service.revoke_sessions`), counts
    as signed out, in every tab and for every copy of the cookie.
    """
    from calibration.app import auth
    from calibration.rounds import service

    user_id = st.session_state.get(USER_KEY)
    version = st.session_state.get(VERSION_KEY)
    if user_id is None:
        claims = auth.session_from_cookie()
        if claims is not None:
            user_id, version = claims
    if user_id is None:
        user_id, version = auth.user_id_from_oidc(get_engine()), None
    if user_id is None:
        return None
    user = service.get_user(get_engine(), int(user_id))
    if user is None or not user.active or (version is not None and user.session_version != version):
        st.session_state.pop(USER_KEY, None)
        st.session_state.pop(VERSION_KEY, None)
        return None
    st.session_state[USER_KEY] = user.id
    st.session_state[VERSION_KEY] = user.session_version  # a session without one pins today's
    return user


def sign_in_as(user: Any) -> None:
    """Remember `user` as signed in for this browser session (the cookie is set by `auth`)."""
    st.session_state[USER_KEY] = user.id
    st.session_state[VERSION_KEY] = getattr(user, "session_version", 0)


def path_after_sign_in(user: Any) -> str:
    """Where `user`, just signed in, goes next: the page whose URL they opened signed out, or Home.

    See `calibration.app.navigation.path_after_sign_in` (only the app's own pages, never an open redirect).
    """
    from calibration.app.navigation import path_after_sign_in as after_sign_in

    return after_sign_in(
        str(st.session_state.get(REQUESTED_PAGE_KEY) or ""), st.query_params.to_dict(), user.role
    )


def session_version(user_id: Any) -> int:
    """The session version this session signed `user_id` in with (the user's current one otherwise)."""
    from calibration.rounds import service

    if st.session_state.get(USER_KEY) == user_id and st.session_state.get(VERSION_KEY) is not None:
        return int(st.session_state[VERSION_KEY])
    user = service.get_user(get_engine(), int(user_id))
    return user.session_version if user is not None else -1


def client_address() -> str | None:
    """The address the browser connects from, when Streamlit knows it (the sign-in budget per client).

    Behind a reverse proxy this is the proxy's address unless the proxy passes the client's on.
    """
    try:
        return st.context.ip_address or None
    except Exception:  # no request context (AppTest, bare mode)
        return None


def sign_out() -> None:
    """Forget the signed-in user and every page's state in this session (not the cookie)."""
    for key in list(st.session_state.keys()):
        del st.session_state[key]


def begin_sign_out() -> None:
    """Button callback: end every session of the user (this cookie, copies of it, other tabs), forget
    the user here; the next run sends the browser to clear the cookie."""
    from calibration.rounds import service

    user_id = st.session_state.get(USER_KEY)
    if user_id is not None:
        service.revoke_sessions(get_engine(), int(user_id))
    sign_out()
    st.session_state[SIGNING_OUT_KEY] = True


def _article(noun: str) -> str:
    return "an" if noun[:1].lower() in "aeiou" else "a"


def require_role(*roles: str) -> Any:
    """The signed-in user when their role is one of `roles`; otherwise show why and stop the page.

    A user whose password a lead chose (``must_change_password``) gets the form to choose their own
    instead of the page (`calibration.app.widgets.password_change`), on every page.

    Args:
        roles: allowed roles ("lead", "author", "annotator"); none means any signed-in user.

    Returns:
        The service's ``User``.
    """
    user = current_user()
    if user is None:
        st.error("Please sign in to open this page.")
        st.page_link("calibration/app/pages/sign_in.py", label="Sign in", icon=":material/login:")
        st.stop()
    if user.must_change_password:  # a password a lead chose: no page before the user's own (stops)
        from calibration.app.widgets.password_change import choose_own_password

        choose_own_password(user)
    if roles and user.role not in roles:
        allowed = " or ".join(ROLE_NAMES.get(r, r) for r in roles)
        mine = ROLE_NAMES.get(user.role, user.role)
        st.error(
            f"This page is for {_article(allowed)} {allowed}; you are signed in as {_article(mine)} {mine}."
        )
        st.stop()
    return user


# --------------------------------------------------------------------------- notices

NOTICE_PARAM = "notice"
"""The query parameter that carries a confirmation across the cookie redirect (a code of `NOTICES`)."""
NOTICES: dict[str, str] = {
    "password-set": "Your password is set; you are signed in with it.",
    "password-changed": "Your password is changed; every other session has ended.",
    "password-created": "Your password is set: sign in with it next time, no invitation link needed.",
}
"""The confirmations a page can show after the cookie redirect, by code. The URL carries the code
only, never text: a link cannot make the app say anything else."""


def show_notice() -> None:
    """Show (once) the confirmation whose code the URL carries (``?notice=password-set``), if any.

    A success followed by the cookie redirect (`calibration.app.auth.remember_browser` with a
    ``notice``) starts a new Streamlit session, possibly on another app server, so neither
    ``st.session_state`` nor this process's memory would still hold it; the URL does. The parameter is
    removed once shown, so a reload does not repeat it. An unknown code shows nothing.
    """
    code = st.query_params.get(NOTICE_PARAM)
    if code is None:
        return
    del st.query_params[NOTICE_PARAM]
    text = NOTICES.get(code)
    if text is not None:
        st.success(text, icon=":material/check_circle:")


# --------------------------------------------------------------------------- errors


def render_error(error: CalibrationError) -> None:
    """Show a user error as plain text in an error box: the message, each located problem, the hint.

    Never renders HTML or markdown from the message (it may quote user input: a name, a CSV cell, a
    value from an uploaded guideline): every line is escaped, one line per problem.
    """
    lines = [str(_in_words(problem)) for problem in error.problems] if error.problems else [str(error)]
    st.error("\n".join(escape_markdown(line) for line in lines), icon=":material/error:")


FIELD_WORDS = {
    "new_password": "New password",
    "current_password": "Current password",
    "password": "Password",
    "email": "Email",
    "display_name": "Display name",
}
"""Field codes shown in words in the app (the CLI keeps the codes: they are its option names)."""


def _in_words(problem: Any) -> Any:
    from dataclasses import replace

    field = problem.location.field
    if field not in FIELD_WORDS:
        return problem
    return replace(problem, location=replace(problem.location, field=FIELD_WORDS[field]))


# --------------------------------------------------------------------------- cached analyses


def latest_response_marker(round_id: Any) -> str:
    """A string that changes whenever a response of the round is added, changed or deleted, and that no
    other round shares, not even a new one given a deleted round's id (`service.round_data_marker`):
    the cache key of a round's data and analyses."""
    from calibration.rounds import service

    return service.round_data_marker(get_engine(), round_id)


def analysable_rounds() -> set[int]:
    """`service.analysable_rounds`, recomputed only when some round's answers change (a grouped query
    over every answer took about 60 ms a page run at 100,000 answers)."""
    from calibration.rounds import service

    return _analysable_rounds(database_url(), service.responses_marker(get_engine()))


@st.cache_data(max_entries=4, show_spinner=False)
def _analysable_rounds(url: str | None, marker: str) -> set[int]:
    from calibration.rounds import service

    return service.analysable_rounds(_engine_for(url))


def shared_items() -> dict[int, frozenset[str]]:
    """`service.shared_items` (per round, the items two or more annotators answered), recomputed only
    when some round's answers change."""
    from calibration.rounds import service

    return _shared_items(database_url(), service.responses_marker(get_engine()))


@st.cache_data(max_entries=4, show_spinner=False)
def _shared_items(url: str | None, marker: str) -> dict[int, frozenset[str]]:
    from calibration.rounds import service

    return service.shared_items(_engine_for(url))


# cache_resource, not cache_data: one shared read-only object per key; cache_data would unpickle a
# copy of a large round on every rerun.
@st.cache_resource(show_spinner="Loading the round's answers…", max_entries=8)
def _round_data(url: str | None, round_id: Any, marker: str) -> RoundResponses:
    from calibration.rounds import service

    return service.round_responses(_engine_for(url), round_id)


def cached_round_analysis(round_id: Any, latest_response_marker: str | None = None) -> RoundResponses:
    """A round's annotations (`RoundResponses`), cached until the round gets a new answer.

    Args:
        round_id: the round.
        latest_response_marker: the round's latest response marker; fetched when omitted. Pass it
            when you already have it, to save a query.

    Returns:
        The service's `RoundResponses` (``.round``, ``.guideline``, ``.responses``, ``.item_rules``,
        ``.gold``, ``.model_responses``). Treat it as read-only: it is shared across sessions.
    """
    marker = latest_response_marker if latest_response_marker is not None else _marker(round_id)
    return _round_data(database_url(), round_id, marker)


def _marker(round_id: Any) -> str:
    return latest_response_marker(round_id)


# cache_resource, like the round's data: one shared object per key, handed back as is on a rerun
# (cache_data would unpickle a copy of a comparison or a triage on every click).
@st.cache_resource(max_entries=64, show_spinner="Analysing the round…")
def _cached_analysis(
    url: str | None, name: str, round_id: Any, marker: str, _compute: Any, **params: Any
) -> Any:
    return _compute(cached_round_analysis(round_id, marker), **params)


def cached_analysis(name: str, round_id: Any, marker: str, _compute: Any, **params: Any) -> Any:
    """Cache any pure analysis of a round: ``_compute(RoundResponses, **params)`` keyed by name, round, marker.

    The leading underscore keeps `_compute` out of the cache key; the database URL, `name`, the
    round, the marker (`latest_response_marker`) and `params` are the key. Kept with
    ``st.cache_resource``: the result is shared across sessions and reruns, not copied, so treat it
    as read-only (a rerun computes and copies nothing).
    """
    return _cached_analysis(database_url(), name, round_id, marker, _compute, **params)


# --------------------------------------------------------------------------- guidelines


@st.cache_data(max_entries=64, show_spinner=False)
def _guideline(url: str | None, ref: str) -> Guideline:
    from calibration.rounds import service

    return service.get_guideline(_engine_for(url), ref)


def guideline(ref: str) -> Guideline:
    """A published guideline version by ``id@version`` (cached: published snapshots never change)."""
    return _guideline(database_url(), ref)


@st.cache_data(max_entries=64, show_spinner=False)
def _quiz_length(url: str | None, ref: str, per_quiz: int, per_rule: int) -> QuizLength:
    from calibration.rounds.quiz_length import quiz_length as length_of

    return length_of(_guideline(url, ref), per_quiz or None, per_rule or None)


def quiz_length(ref: str, per_quiz: int, per_rule: int) -> QuizLength:
    """The `calibration.rounds.quiz_length.QuizLength` of a calibration round on `ref` with these
    settings (0: the guideline's policy), cached per database: two stores may publish different
    guidelines under one ``id@version``."""
    return _quiz_length(database_url(), ref, per_quiz, per_rule)


def published_refs() -> list[str]:
    """``id@version`` of every published guideline version, grouped by id, newest version first."""
    from calibration.guidelines.versions import version_key
    from calibration.rounds import service

    versions = service.list_guideline_versions(get_engine())
    newest_first = sorted(versions, key=lambda v: version_key(v.version), reverse=True)
    return [v.ref for v in sorted(newest_first, key=lambda v: v.guideline_id)]


# --------------------------------------------------------------------------- rounds


@st.cache_data(max_entries=64, show_spinner=False)
def _round_items(url: str | None, round_id: int) -> dict[str, Item]:
    from calibration.rounds import service

    return service.round_items(_engine_for(url), round_id)


def round_items(round_id: int) -> dict[str, Item]:
    """The items of a round by id, gold included (cached: a round's items never change).

    Server-side only: never hand an item's ``answer`` to a widget or to the page before the item
    is answered.
    """
    return _round_items(database_url(), int(round_id))


def my_rounds(user: Any) -> list[tuple[Any, Any]]:
    """The rounds `user` takes part in, newest first, each with the user's progress.

    Costs what the user's own rounds cost (`service.annotator_rounds`), whatever other rounds hold.

    Returns:
        ``[(Round, AnnotatorProgress), ...]``.
    """
    from calibration.rounds import service

    # archived rounds are hidden from annotators (their data stays)
    return [(r, p) for r, p in service.annotator_rounds(get_engine(), user.id) if not r.archived]


def round_id_param(value: Any) -> int | None:
    """A round id from a query parameter (digits), or None."""
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


_ROUND_CACHES: list[Any] = []
"""Cached functions of the widgets keyed by a round (registered with `round_cache`)."""


def round_cache(cached: Any) -> Any:
    """Register a cached function (``st.cache_resource``/``st.cache_data``) keyed by a round, so that
    `forget_round_caches` clears it too. Use as a decorator above the cache decorator."""
    _ROUND_CACHES.append(cached)
    return cached


def forget_round_caches() -> None:
    """Drop the cached items, answers and analyses of every round, the widgets' included (after a
    round is deleted: SQLite may give its id to the next round, which must not inherit its caches)."""
    _round_items.clear()
    _round_data.clear()
    _cached_analysis.clear()
    _analysable_rounds.clear()
    for cached in _ROUND_CACHES:
        cached.clear()
