"""Every button of every page, for every role that may open it, clicked once in a fresh session (AppTest).

The walk is generic: pages come from `calibration.app.navigation.PAGES` and buttons are discovered on
each run (``st.button``, ``st.form_submit_button`` and ``st.download_button``), so a page or a button
added later is covered without touching this file. The store is the demo workspace (two finished
pilot rounds) plus a calibration round with the test users in it, shared by all cases: a click may
change it (close a round, save a decision), and later cases must cope with that as users would.

Each button is clicked in a fresh session that opened the page through the router with the default
choices (first round, first rule...). Buttons that appear only after another click are reached one
level deeper (path of two clicks), e.g. the revision queue's "Make the draft version" and then its
"Download the draft YAML" and "Save into the guidelines folder". A download button's data, when it
is a callable (generated on click), is called and must give non-empty bytes or text.

Select boxes that start empty ("choose a version") get their first option before the buttons are
collected. Not reached by the walk, and covered by specific tests instead:
- disabled buttons (a browser cannot click them);
- buttons behind a choice other than the default (another segment, round, rule or item), e.g. the
  Guidelines page's "Publish this version" (behind an upload or the "Bundled or published" segment):
  test_guidelines_admin.py;
- the success paths of buttons that need typed input (the create-round form, adjudication's "Save
  the decision", a quiz answer): clicked here with the defaults, which must give a clear message and
  no exception; their success paths are in test_app_lead_pages.py, test_adjudication.py and
  test_app_quiz.py;
- the sign-in and join pages' success paths (a password, an invitation): test_app_accounts.py;
- the Account page's password change (typed passwords): test_app_account.py.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from calibration.app.navigation import JOIN, PAGES, SIGN_IN, PageSpec
from tests.app.app_helpers import new_app
from tests.app.lead_pages_support import Workspace, make_workspace

DEPTH = 2  # clicks along one path: a button, then a button that only the first click revealed

CASES = [pytest.param(page, role, id=f"{page.file}-{role}") for page in PAGES for role in page.roles] + [
    pytest.param(page, "signed out", id=f"{page.file}-signed-out") for page in (SIGN_IN, JOIN)
]


@dataclass(frozen=True)
class Clickable:
    """One button as found on a run: its kind, key (None when unkeyed), label and position among its kind."""

    kind: str  # "button" (st.button, st.form_submit_button) or "download_button"
    key: str | None
    label: str
    index: int = field(compare=False)  # positions shift when a click reveals buttons above

    def __str__(self) -> str:
        return f"{self.kind} {self.label!r}" + (f" (key {self.key})" if self.key else f" (#{self.index})")


def clickables(at: Any) -> list[Clickable]:
    """The enabled buttons, form submit buttons and download buttons of the last run, in page order."""
    found = []
    for kind in ("button", "download_button"):
        for index, widget in enumerate(at.get(kind)):
            if getattr(widget.proto, "disabled", False):
                continue  # a browser cannot click it
            found.append(Clickable(kind, widget.key, widget.label, index))
    return found


def find(at: Any, target: Clickable) -> Any | None:
    """The widget of `target` on the last run: by key, else by kind, position and label."""
    widgets = list(at.get(target.kind))
    if target.key is not None:
        return next((w for w in widgets if w.key == target.key), None)
    if target.index < len(widgets) and widgets[target.index].label == target.label:
        return widgets[target.index]
    return next((w for w in widgets if w.label == target.label), None)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workspace, dict[str, Callable]]]:
    """The demo workspace, a calibration round with every test user in it, and a recorder of download callables.

    The guidelines folder is a temporary copy, so "Save into the guidelines folder" writes there.
    """
    from streamlit.runtime.media_file_manager import MediaFileManager

    from calibration.guidelines import versions
    from calibration.rounds import service
    from calibration.rounds.demo_workspace import load_demo_workspace

    tmp = tmp_path_factory.mktemp("every_button")
    deferred: dict[str, Callable] = {}
    original = MediaFileManager.add_deferred

    def recording(self: Any, data_callable: Callable, *args: Any, **kwargs: Any) -> str:
        file_id = original(self, data_callable, *args, **kwargs)
        deferred[file_id] = data_callable
        return file_id

    with pytest.MonkeyPatch.context() as monkeypatch:
        ws = make_workspace(tmp, monkeypatch)
        people = [ws.annotator.name, ws.lead.name, ws.author.name]
        service.create_calibration_round(
            ws.engine, "Every button quiz", "contract-clauses@1.1.0", actor=ws.lead, annotators=people
        )
        load_demo_workspace(ws.engine, actor=ws.lead)  # newest: the analysis pages open on a demo pilot
        folder = tmp / "guidelines"
        shutil.copytree(versions.BUNDLED_DIR, folder)
        monkeypatch.setattr(versions, "BUNDLED_DIR", folder)
        monkeypatch.setattr(MediaFileManager, "add_deferred", recording)
        yield ws, deferred
        ws.engine.dispose()
    import streamlit as st

    st.cache_data.clear()  # pages cache the guidelines folder's listing: forget the temporary copy
    st.cache_resource.clear()


def open_page(user: Any, page: PageSpec) -> Any:
    """A fresh session of the router, signed in as `user`, on `page`, with default choices everywhere.

    A select box that starts empty ("choose a version") gets its first option, so what it gates is
    reached too.
    """
    at = new_app(user).run()
    at.switch_page(page.script).run()
    for _ in range(3):  # a choice can reveal another select box
        empty = [box for box in at.selectbox if box.value is None and box.options and not box.disabled]
        if not empty or at.exception:
            break
        for box in empty:
            box.select_index(0)
        at.run()
    return at


class Gone(Exception):
    """The button is not on the page any more: an earlier click (by this or another case) changed the store."""


def click(at: Any, target: Clickable, deferred: dict[str, Callable]) -> str | None:
    """Click `target` and rerun; a problem as a sentence, or None.

    Raises:
        Gone: `target` is not on the last run.
    """
    widget = find(at, target)
    if widget is None:
        raise Gone(str(target))
    if target.kind == "download_button" and widget.proto.HasField("deferred_file_id"):
        make = deferred.get(widget.proto.deferred_file_id)
        if make is None:
            return "has callable data that was never registered"
        try:
            data = make()
        except Exception as error:  # the user would get no file and the server a traceback
            return f"data callable raised {type(error).__name__}: {error}"
        if not isinstance(data, bytes | str) or not data:
            return f"data callable returned {type(data).__name__} of length {len(data or '')}"
    widget.click().run()
    if at.exception:
        return "raised " + " | ".join(str(e.value) for e in at.exception)
    return None


def walk(
    user: Any, page: PageSpec, deferred: dict[str, Callable]
) -> tuple[list[str], list[list[Clickable]], list[list[Clickable]]]:
    """Click every button of `page` (and those revealed by a click, down to DEPTH).

    Returns:
        (problems as sentences, paths clicked, paths whose last button was gone on replay).
    """
    problems: list[str] = []
    clicked: list[list[Clickable]] = []
    gone: list[list[Clickable]] = []
    first = open_page(user, page)
    assert not first.exception, f"{page.file} raised on opening: {[e.value for e in first.exception]}"
    frontier: list[tuple[list[Clickable], set[Clickable]]] = [
        ([target], set(clickables(first))) for target in clickables(first)
    ]
    while frontier:
        path, before = frontier.pop(0)
        at = open_page(user, page)
        problem = None
        try:
            for number, step in enumerate(path, 1):
                try:
                    problem = click(at, step, deferred)
                except Gone:
                    if number == len(path):
                        raise
                    continue  # e.g. "Close the round" already clicked: "Reopen the round" is there
                if problem:
                    break
        except Gone:
            gone.append(path)
            continue
        clicked.append(path)
        if problem:
            problems.append(f"{page.file}: {' → '.join(map(str, path))} {problem}")
            continue
        if len(path) < DEPTH:
            now = clickables(at)
            frontier += [([*path, new], set(now)) for new in now if new not in before]
    return problems, clicked, gone


@pytest.mark.parametrize(("page", "role"), CASES)
def test_every_button_of_the_page_works(store, page: PageSpec, role: str) -> None:
    ws, deferred = store
    if not page.exists():
        pytest.skip(f"{page.file} does not exist")
    problems, clicked, gone = walk(USERS[role](ws), page, deferred)
    print(f"{page.file} as {role}: clicked", [" → ".join(map(str, p)) for p in clicked])
    print(f"{page.file} as {role}: gone on replay", [" → ".join(map(str, p)) for p in gone])
    assert not problems, "\n".join(problems)


USERS: dict[str, Callable[[Workspace], Any]] = {
    "lead": lambda ws: ws.lead,
    "author": lambda ws: ws.author,
    "annotator": lambda ws: ws.annotator,
    "signed out": lambda ws: None,
}


def test_the_walk_reaches_buttons_behind_a_click_choices_and_callable_downloads(store) -> None:
    """The walker itself: what it must reach on pages known to need a click or a choice first."""
    from calibration.app.navigation import spec
    from calibration.rounds import service

    ws, deferred = store
    # The Rounds page's walk clicked "Archive the round" on the newest demo pilot: bring it back, so
    # the revision queue opens on it as it did.
    for round_ in service.list_rounds(ws.engine, include_archived=True):
        if round_.archived:
            service.archive_round(ws.engine, round_.id, actor=ws.lead, unarchive=True)
    _, clicked, _ = walk(ws.lead, spec("revision_queue.py"), deferred)
    keys = {tuple(step.key for step in path) for path in clicked}
    assert {("rq_make",), ("rq_make", "rq_download"), ("rq_make", "rq_save"), ("app_sign_out",)} <= keys
    _, clicked, _ = walk(ws.lead, spec("exports.py"), deferred)
    assert {("exp_responses",), ("exp_report",)} <= {tuple(step.key for step in path) for path in clicked}
    _, clicked, _ = walk(ws.lead, spec("guidelines_admin.py"), deferred)  # behind two empty select boxes
    assert ("gadm_diff_download",) in {tuple(step.key for step in path) for path in clicked}
    for role in ("annotator", "author", "lead"):  # the Account page's form, whatever the role
        _, clicked, _ = walk(USERS[role](ws), spec("account.py"), deferred)
        assert ("account_submit",) in {tuple(step.key for step in path) for path in clicked}, role
