"""The app's pages: title, icon, URL path and allowed roles of every page file, and the navigation per role.

The router registers only pages whose file exists and whose roles include the signed-in user's role,
so an annotator's browser never learns the lead pages' URLs. Each page also checks the role itself
(`calibration.app.state.require_role`), because the menu is not a security boundary.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

PAGES_DIR = Path(__file__).parent / "pages"
APP_ROOT = Path(__file__).resolve().parents[2]

LEAD = "lead"
AUTHOR = "author"
ANNOTATOR = "annotator"
STAFF = (LEAD, AUTHOR)
EVERYONE = (LEAD, AUTHOR, ANNOTATOR)


@dataclass(frozen=True)
class PageSpec:
    """One page: its file under ``calibration/app/pages``, menu entry, URL path and allowed roles."""

    file: str
    title: str
    icon: str
    url_path: str
    roles: tuple[str, ...]
    section: str
    params: tuple[str, ...] = ()
    """The query parameters the page reads (``round`` of ``dashboard?round=4``); the router drops the
    others (`own_query_params`)."""

    @property
    def path(self) -> Path:
        return PAGES_DIR / self.file

    @property
    def script(self) -> str:
        """The page path relative to the app root, as `st.Page` and `st.switch_page` take it."""
        return f"calibration/app/pages/{self.file}"

    def exists(self) -> bool:
        return self.path.is_file()


PAGES: tuple[PageSpec, ...] = (
    PageSpec("home.py", "Home", ":material/home:", "home", EVERYONE, "Calibration"),
    PageSpec(
        "guideline.py",
        "Guideline",
        ":material/menu_book:",
        "guideline",
        EVERYONE,
        "Calibration",
        ("version",),
    ),
    PageSpec(
        "quiz.py",
        "Quiz",
        ":material/quiz:",
        "quiz",
        (ANNOTATOR, LEAD, AUTHOR),
        "Calibration",
        ("round", "attempt"),
    ),
    PageSpec("rounds.py", "Rounds", ":material/group_work:", "rounds", (LEAD,), "Rounds"),
    PageSpec("dashboard.py", "Agreement", ":material/insights:", "dashboard", STAFF, "Rounds", ("round",)),
    PageSpec("annotators.py", "Annotators", ":material/groups:", "annotators", (LEAD,), "Rounds", ("round",)),
    PageSpec(
        "adjudication.py", "Adjudication", ":material/gavel:", "adjudication", (LEAD,), "Rounds", ("round",)
    ),
    PageSpec("exports.py", "Exports", ":material/download:", "exports", (LEAD,), "Rounds", ("round",)),
    PageSpec(
        "model_triage.py",
        "Model triage",
        ":material/smart_toy:",
        "model-triage",
        (LEAD,),
        "Rounds",
        ("round",),
    ),
    PageSpec(
        "guidelines_admin.py", "Guidelines", ":material/edit_document:", "guidelines", STAFF, "Authoring"
    ),
    PageSpec(
        "revision_queue.py",
        "Revision queue",
        ":material/rule:",
        "revision-queue",
        STAFF,
        "Authoring",
        ("round",),
    ),
    PageSpec("compare.py", "Compare versions", ":material/compare_arrows:", "compare", STAFF, "Authoring"),
    PageSpec("users.py", "Users", ":material/manage_accounts:", "users", (LEAD,), "Account"),
    PageSpec("account.py", "Account", ":material/account_circle:", "account", EVERYONE, "Account"),
)
"""Menu sections are named by what they hold (a lead's round pages under "Rounds", where an author finds
the Agreement page), never by a role: a section "Lead" in an author's menu misled."""

QUIZ = "quiz.py"
"""The quiz page: in the menu of annotators and of the staff who joined a round (`build_navigation`)."""

FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><rect width="24" height="24" rx="5" '
    'fill="#2f5d8a"/><path d="M5 7h9M5 12h9M5 17h5" stroke="#fff" stroke-width="2" stroke-linecap="round"/>'
    '<path d="m14.5 16 2 2 3.5-4" fill="none" stroke="#fff" stroke-width="2" stroke-linecap="round" '
    'stroke-linejoin="round"/></svg>'
)
"""The browser-tab icon, inline SVG (sent as a data URL). A ``:material/...:`` page icon would make the
browser fetch the favicon from fonts.gstatic.com: no request may leave the app's origin. Menu icons
(``:material/...:`` in `PageSpec.icon`) are drawn with the font Streamlit serves itself."""

SIGN_IN = PageSpec("sign_in.py", "Sign in", ":material/login:", "sign-in", (), "Account")
JOIN = PageSpec("join.py", "Join a round", ":material/person_add:", "join", (), "Account")
SETUP = PageSpec("sign_in.py", "Set up", ":material/settings:", "setup", (), "Account")


def pages_for(role: str | None) -> list[PageSpec]:
    """The existing pages a user with `role` may open, in menu order (none when signed out)."""
    if role is None:
        return []
    return [page for page in PAGES if role in page.roles and page.exists()]


def spec(file: str) -> PageSpec:
    """The spec of a page file, e.g. ``spec("quiz.py")``.

    Raises:
        KeyError: no page has that file.
    """
    for page in (*PAGES, SIGN_IN, JOIN):
        if page.file == file:
            return page
    raise KeyError(file)


def path_after_sign_in(url_path: str, query: Mapping[str, str], role: str) -> str:
    """The app path to open after signing in at the page URL a signed-out visitor opened.

    A visitor who opened ``/dashboard`` (a bookmark, a link) signs in there and lands on that page,
    with its query parameters (``quiz?round=3``), when their role may open it; otherwise on Home.

    Args:
        url_path: the URL path of the page the sign-in form was shown at (``""`` at the app's root).
        query: the URL's query parameters.
        role: the role of the user who just signed in.

    Returns:
        A path relative to the app's base path (``""`` for Home). Only the URL path of a page in
        `PAGES` is ever returned, never a path taken from the request, so this cannot redirect away
        from the app; query values are URL-encoded.
    """
    target = next((page for page in PAGES if page.url_path == url_path), None)
    if target is None or role not in target.roles or not target.exists():
        return ""
    # never a confirmation from the URL (``notice=password-changed`` would show a false one)
    kept = urlencode({key: value for key, value in query.items() if key not in ("invite", "notice")})
    return target.url_path + (f"?{kept}" if kept else "")


def build_navigation(role: str | None, *, hidden: bool = False, takes_quiz: bool = True):
    """Build ``st.navigation`` for `role`: the role's pages, or sign-in and join pages when signed out.

    Args:
        role: the signed-in user's role, or None.
        hidden: no page menu in the sidebar (the forced password change: every page shows the form
            until the user chose their own, so listing them would only mislead).
        takes_quiz: list the Quiz page in the menu. A lead or author in no round takes no quiz: the
            page stays registered (its URL says what to do instead) but is not listed, as a dead end.

    Returns:
        The page to run (``.run()`` it).
    """
    import streamlit as st

    def page(entry: PageSpec, *, default: bool = False) -> st.Page:
        listed = takes_quiz or entry.file != QUIZ
        return st.Page(
            entry.script,
            title=entry.title,
            icon=entry.icon,
            url_path=entry.url_path,
            default=default,
            visibility="visible" if listed else "hidden",
        )

    if role is None:
        # The default page is served at "/" whatever its url_path, so the join page is never the
        # default: it must stay reachable at /join for invitation links.
        sign_in = page(SIGN_IN, default=True)
        join = page(JOIN)
        # A signed-out visitor who opens a page's URL (/quiz from a link, /dashboard from a bookmark)
        # gets the sign-in form there, not "Page not found" above it; once signed in, the same URL
        # is that page.
        at_page_urls = [
            st.Page(SIGN_IN.script, title=SIGN_IN.title, url_path=entry.url_path, visibility="hidden")
            for entry in PAGES
            if entry.url_path != SIGN_IN.url_path
        ]
        return st.navigation([sign_in, join, *at_page_urls], position="hidden")
    sections: dict[str, list[st.Page]] = {}
    mine = pages_for(role)
    for index, entry in enumerate(mine):
        if index == 0:
            # The default page is served at "/", and its url_path only reserves a name that no URL
            # opens: "" frees it, so the page's own URL (/home) opens it too (hidden alias below).
            sections.setdefault(entry.section, []).append(
                st.Page(entry.script, title=entry.title, icon=entry.icon, url_path="", default=True)
            )
            sections[entry.section].append(
                st.Page(entry.script, title=entry.title, url_path=entry.url_path, visibility="hidden")
            )
            continue
        sections.setdefault(entry.section, []).append(page(entry))
    # A page of another role opened by its URL (/users typed by an annotator) says whose it is,
    # instead of Streamlit's "Page not found" over the default page.
    sections.setdefault("Account", []).extend(
        st.Page(_not_for_you(entry), title=entry.title, url_path=entry.url_path, visibility="hidden")
        for entry in PAGES
        if entry not in mine and entry.exists()
    )
    # The join page stays reachable for a signed-in user who opens another invitation.
    sections.setdefault("Account", []).append(
        st.Page(JOIN.script, title=JOIN.title, icon=JOIN.icon, url_path=JOIN.url_path, visibility="hidden")
    )
    return st.navigation(sections, position="hidden" if hidden else "sidebar", expanded=True)


def own_query_params(url_path: str, role: str, query: Mapping[str, list[str]]) -> dict[str, list[str]] | None:
    """The query parameters to keep on the page at `url_path`, or None to keep them all.

    Another page's parameters can reach a page: a stale or hand-made link, or the browser's URL of the
    page left (Streamlit keeps the query string across a page switch; a tester saw Quiz then Guideline
    end at ``quiz?version=…&round=5``). A page of the role's menu keeps only its own `PageSpec.params`
    and the one-off ``notice``; the others are dropped in one URL update before the page runs.

    The app's root (``""``, Home) keeps what it is given: links to the root, sign-in and single sign-on
    returns land there, and Home reads no parameter.

    Args:
        url_path: the URL path of the page about to run (``""`` for the default page, Home).
        role: the signed-in user's role.
        query: the URL's query parameters, every value of each.

    Returns:
        The parameters to keep, when some must go; None when all stay, at the root, or the page is not
        one of the role's menu pages (join: its parameters are its own to read).
    """
    entry = next((p for p in pages_for(role) if p.url_path == url_path), None) if url_path else None
    if entry is None:
        return None
    kept = {key: values for key, values in query.items() if key in entry.params or key == "notice"}
    return None if len(kept) == len(query) else kept


def _not_for_you(entry: PageSpec):  # -> a page function
    """A page function for `entry` when the signed-in user's role may not open it."""

    def not_for_you() -> None:
        import streamlit as st

        from calibration.app import state

        st.title(entry.title)
        state.require_role(*entry.roles)  # says whose page it is, and stops

    not_for_you.__name__ = f"not_for_you_{entry.url_path.replace('-', '_')}"
    return not_for_you


def run_app() -> None:
    """The router: page config, database on first start, the user's navigation, the account sidebar."""
    import streamlit as st

    from calibration.app import auth, state
    from calibration.app.widgets.sign_out import sign_out_button
    from calibration.errors import CalibrationError

    st.set_page_config(page_title="Calibration trainer", page_icon=FAVICON, layout="wide")
    if st.session_state.get(state.SIGNING_OUT_KEY):
        # Clear the HttpOnly cookie through the sign-out route before anything reads it again.
        st.session_state.pop(state.SIGNING_OUT_KEY, None)
        st.info("Signing out…")
        auth.forget_browser(sso=auth.oidc_signed_in())
        st.stop()
    try:
        state.get_engine()
    except CalibrationError as error:
        state.render_error(error)
        st.stop()
    user = state.current_user()
    page = build_navigation(
        user.role if user else None,
        hidden=bool(user and user.must_change_password),
        takes_quiz=user is None or user.role == ANNOTATOR or bool(state.my_rounds(user)),
    )
    if user is None:  # the page URL the sign-in form is shown at: signing in goes on to that page
        st.session_state[state.REQUESTED_PAGE_KEY] = page.url_path
    requested = auth.destination_from_cookie() if user is not None else None
    if user is not None and requested is not None:
        # back from single sign-on (always at the root): on to the page asked for, as after a password
        # sign-in; the session route clears the cookie
        st.info("Signing in…")
        auth.remember_browser(user.id, path_after_sign_in(*requested, user.role))
        st.stop()
    if user is not None:
        own = own_query_params(
            page.url_path, user.role, {k: st.query_params.get_all(k) for k in st.query_params}
        )
        if own is not None:  # one URL update, not one per dropped parameter
            st.query_params.from_dict(own)
        with st.sidebar:
            st.caption(
                f"Signed in as **{state.escape_markdown(user.name)}** · {state.ROLE_NAMES.get(user.role, user.role)}"
            )
            sign_out_button(user)
        if not user.must_change_password:
            state.show_notice()  # a confirmation carried across the cookie redirect
    page.run()
