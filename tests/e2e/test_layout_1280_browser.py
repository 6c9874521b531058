"""At 1280x800 px the quiz result's rule titles and the Annotators page's cells read whole (Chromium).

The grid draws on a canvas, so the check measures each cell's text with the grid's own font (its CSS
variables) as the grid wraps it, and compares the lines with the row height the grid was given: a cell
that needs more height, or a wider column, is cut. Before the fix a title such as "Indemnification and
limitation of liability" was cut to "Indemnification and limi" in its 150 px column.

Skipped when Chromium or Playwright is missing, unless ``CALIBRATION_REQUIRE_BROWSER=1`` (as in CI).
"""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from calibration.app.widgets.feedback import RESULT_COLUMN_WIDTHS
from calibration.app.widgets.grid import BORDER_PX, HEADER_PX, MOST_HEIGHT_PX
from tests.e2e.e2e_browser import (
    ARTIFACTS,
    LEAD_EMAIL,
    LEAD_PASSWORD,
    ROOT,
    app_server,
    browser_context,
    choose,
    lead_store,
    require_browser,
    sign_in_lead,
    wait_idle,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT = 30_000
GUIDELINE = "contract-clauses@1.1.0"  # rule titles up to 44 characters
# the Annotators page's column widths (pinned by tests/app/test_layout_1280.py: importing a page runs it)
FAILED_RULES_WIDTH = 140
NAME_WIDTH, DECISION_WIDTH, RULE_TITLE_WIDTH, COMMENT_WIDTH = 180, 100, 300, 320
# the Rounds page's progress table (calibration/app/pages/rounds.py)
PROGRESS_NAME_WIDTH, PASSED_WIDTH = 180, 90

# Whether a grid's columns fit its box: the tester saw tables 1197 px wide in an 818 px box, the
# last columns reachable only by scrolling sideways.
_OVERFLOW = """(grid) => {
  const scroller = grid.querySelector('.dvn-scroller');
  const table = grid.querySelector('table[role=grid]');
  return {content: scroller.scrollWidth, box: scroller.clientWidth,
          headers: [...table.querySelectorAll('th')].map(t => t.textContent.trim())};
}"""

# For each visible cell of the column named `header` in the grid `grid`: the lines its text takes
# when wrapped at the column's inner width (`width` minus the grid's 8 px padding each side), measured
# with the grid's font, and whether they fit the rendered row height (the grid draws lines 1.4 em
# apart with 3 px of padding). Rows: the grid's height less its header, over the rows shown.
_CUT_CELLS = """([grid, header, width]) => {
  const style = getComputedStyle(grid.querySelector('[style*="--gdg-base-font-style"]') || grid);
  const font = `${style.getPropertyValue('--gdg-base-font-style').trim()} ${style.getPropertyValue('--gdg-font-family').trim()}`;
  const ctx = document.createElement('canvas').getContext('2d');
  ctx.font = font;
  const em = ctx.measureText('ABCi09jgqpy');
  const f = em.actualBoundingBoxAscent + em.actualBoundingBoxDescent;
  const table = grid.querySelector('table[role=grid]');
  const th = [...table.querySelectorAll('th')].find(t => t.textContent.trim() === header);
  if (!th) return {error: `no column ${header}`};
  const col = th.getAttribute('aria-colindex');
  const rows = Number(table.getAttribute('aria-rowcount')) - 1;
  const scroller = grid.querySelector('.dvn-scroller');
  const rowHeight = (scroller.scrollHeight - 36) / rows;
  const inner = width - 16;
  const cut = [];
  for (const td of table.querySelectorAll(`td[aria-colindex="${col}"]`)) {
    const text = td.textContent.trim();
    let lines = 1, line = '';
    for (const word of text.split(/\\s+/).filter(Boolean)) {
      // a word wider than the line breaks mid-word ("INTELLECTUAL_PRO" over "PERTY"): not read whole
      if (ctx.measureText(word).width > inner) cut.push(`${word} (broken mid-word in ${width} px)`);
      const next = line ? `${line} ${word}` : word;
      if (ctx.measureText(next).width <= inner) { line = next; continue; }
      if (line) { lines += 1; line = ''; }
      for (const ch of word) {  // a word wider than the line breaks where it no longer fits
        if (line && ctx.measureText(line + ch).width > inner) { lines += 1; line = ''; }
        line += ch;
      }
    }
    const wraps = rowHeight > 64;
    const needed = f + 1.4 * f * (lines - 1) + 3;
    if ((!wraps && lines > 1) || needed > rowHeight) cut.push(`${text} (${lines} lines in ${rowHeight} px rows)`);
  }
  return {font, rowHeight, scroll: scroller.scrollHeight, rows, cells: table.querySelectorAll(`td[aria-colindex="${col}"]`).length, cut};
}"""


def _cut(page: Any, grid: Any, header: str, width: int) -> dict[str, Any]:
    result = page.evaluate(_CUT_CELLS, [grid.element_handle(), header, width])
    assert "error" not in result, result
    assert result["cells"] > 0, result
    return result


# Whether the grid's box shows whole rows: the rows' height (its content less the header, over the
# rows) and the height left for rows in the box; a box of 400 px (Streamlit's default) over rows of
# 66 px showed the last row half hidden.
_WHOLE_ROWS = """(grid) => {
  const scroller = grid.querySelector('.dvn-scroller');
  const table = grid.querySelector('table[role=grid]');
  const rows = Number(table.getAttribute('aria-rowcount')) - 1;
  const rowHeight = (scroller.scrollHeight - 35) / rows;
  const room = scroller.clientHeight - 35;
  const shown = Math.floor(room / rowHeight + 0.05);
  return {rows, rowHeight, room, shown, cut: room - shown * rowHeight};
}"""


def _whole_rows(page: Any, grid: Any) -> dict[str, Any]:
    """The grid shows only whole rows (at least one): none cut at its bottom edge."""
    result = page.evaluate(_WHOLE_ROWS, grid.element_handle())
    assert result["shown"] >= 1 and result["cut"] <= 3, result
    return result


def _fits(page: Any, grid: Any) -> dict[str, Any]:
    """The grid's content width within its box: no column hidden until scrolled sideways."""
    result = page.evaluate(_OVERFLOW, grid.element_handle())
    assert result["content"] <= result["box"] + 1, result
    return result


def _store(tmp_path: Path) -> tuple[str, Any, Any]:
    from calibration.rounds import service
    from calibration.rounds.demo_workspace import load_demo_workspace

    url, engine, lead = lead_store(tmp_path / "layout.db")
    load_demo_workspace(engine, actor=lead)
    ria = service.create_user(
        engine,
        "Bartholomew Fitzgerald-Vandermeulen",
        role="annotator",
        email="ria@example.org",
        password=LEAD_PASSWORD,
        actor=lead,
    )
    # seven more, after her in the alphabet (the drill-down opens on her): eight rows in the scores
    # tables, taller than the grid's own rows, cut the last one in half before the fix
    others = [
        service.create_user(engine, name, role="annotator", actor=lead)
        for name in (
            "Carla Ortiz",
            "Dmitri Volkov",
            "Elif Aydin",
            "Femi Okafor",
            "Goran Lind",
            "Hana Sato",
            "Ines Roth",
        )
    ]
    round_ = service.create_calibration_round(
        engine, "Contracts quiz", GUIDELINE, actor=lead, annotators=[ria.name, *(o.name for o in others)]
    )
    attempt = service.start_or_resume_attempt(engine, round_.id, ria)
    items = service.round_items(engine, round_.id)
    labels = service.get_guideline(engine, GUIDELINE).task.categories
    for k, item_id in enumerate(attempt.items):  # every third answer wrong: some rules fail
        gold = items[item_id].answer
        wrong = next(c for c in labels if c != gold)
        extras: dict[str, Any] = (
            {"confidence": 2, "cited_rule": "R-CONF", "comment": "The clause could be read either way here"}
            if k % 3 == 0
            else {}
        )
        service.record_answer(
            engine, attempt.id, item_id, wrong if k % 3 == 0 else gold, actor=ria, seconds=4.2, **extras
        )
    service.finish_attempt(engine, attempt.id, actor=ria)
    for n, other in enumerate(others):  # every (n + 3)th answer wrong
        attempt = service.start_or_resume_attempt(engine, round_.id, other)
        for k, item_id in enumerate(attempt.items):
            gold = items[item_id].answer
            wrong = next(c for c in labels if c != gold)
            service.record_answer(
                engine, attempt.id, item_id, wrong if k % (n + 3) == 0 else gold, actor=other
            )
        service.finish_attempt(engine, attempt.id, actor=other)
    return url, engine, round_


def _page_widths(url_db: str, round_id: int, monkeypatch: pytest.MonkeyPatch) -> dict[str, dict[str, Any]]:
    """The column widths the Annotators page gives its drill-down (from its column config, through
    AppTest on the same store): they follow the longest label, and the grid does not show them."""
    from streamlit.testing.v1 import AppTest

    from calibration.app.state import USER_KEY
    from calibration.rounds import service
    from calibration.storage.engine import make_engine

    monkeypatch.setenv("CALIBRATION_DATABASE_URL", url_db)
    engine = make_engine(url_db)
    lead = next(u for u in service.list_users(engine) if u.email == LEAD_EMAIL)
    engine.dispose()
    at = AppTest.from_file(str(ROOT / "calibration" / "app" / "pages" / "annotators.py"), default_timeout=60)
    at.session_state[USER_KEY] = lead.id
    at.run()
    at.selectbox(key="annot_round").set_value(round_id).run()
    assert not at.exception, at.exception
    (answers,) = [d for d in at.dataframe if "text" in d.value.columns]
    return json.loads(answers.proto.columns)


def _users_widths(url_db: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """The Users table's column widths (from its column config, through AppTest on the same store):
    they follow the longest name and email."""
    from streamlit.testing.v1 import AppTest

    from calibration.app.state import USER_KEY
    from calibration.rounds import service
    from calibration.storage.engine import make_engine

    monkeypatch.setenv("CALIBRATION_DATABASE_URL", url_db)
    engine = make_engine(url_db)
    lead = next(u for u in service.list_users(engine) if u.email == LEAD_EMAIL)
    engine.dispose()
    at = AppTest.from_file(str(ROOT / "calibration" / "app" / "pages" / "users.py"), default_timeout=60)
    at.session_state[USER_KEY] = lead.id
    at.run()
    assert not at.exception, at.exception
    (people,) = at.dataframe
    return {c: v["width"] for c, v in json.loads(people.proto.columns).items() if "width" in v}


def test_rule_titles_and_annotator_cells_read_whole_at_1280_by_800(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    url_db, _, round_ = _store(tmp_path)
    answer_columns = _page_widths(url_db, round_.id, monkeypatch)
    user_widths = _users_widths(url_db, monkeypatch)
    step = "start"
    with app_server(url_db, tmp_path) as url, sync_playwright() as playwright:
        with browser_context(playwright, height=800) as context:
            page = context.new_page()
            try:
                step = "the annotator's quiz result"
                page.goto(url, wait_until="domcontentloaded")
                expect(page.get_by_role("heading", name="Sign in")).to_be_visible(timeout=TIMEOUT)
                page.get_by_label("Email or name").fill("ria@example.org")
                page.get_by_label("Password", exact=True).fill(LEAD_PASSWORD)
                page.get_by_role("button", name="Sign in").click()
                expect(page.get_by_role("heading", name=re.compile("^Hello, Bartholomew"))).to_be_visible(
                    timeout=TIMEOUT
                )
                wait_idle(page)
                page.goto(f"{url}/quiz?round={round_.id}", wait_until="domcontentloaded")
                expect(page.get_by_role("heading", name="Per rule")).to_be_visible(timeout=TIMEOUT)
                wait_idle(page)
                grid = page.get_by_test_id("stDataFrame").first
                grid.scroll_into_view_if_needed()
                expect(
                    grid.locator("td", has_text="Indemnification and limitation of liability")
                ).to_have_count(1)
                titles = _cut(page, grid, "Title", RESULT_COLUMN_WIDTHS["title"])
                assert titles["cut"] == [], titles
            except Exception as error:
                _shot(page, "layout-quiz-failure.png")
                raise AssertionError(f"layout check failed at step: {step}: {error}") from error
        with browser_context(playwright, height=800) as context:
            page = context.new_page()
            try:
                step = "the lead's Annotators page"
                sign_in_lead(page, url)
                page.goto(f"{url}/annotators", wait_until="domcontentloaded")
                expect(page.get_by_role("heading", name="Annotators")).to_be_visible(timeout=TIMEOUT)
                wait_idle(page)
                choose(page, "annot_round", "Contracts quiz")
                expect(
                    page.get_by_text("reused", exact=True)
                    .or_(page.get_by_role("heading", name="Scores"))
                    .first
                ).to_be_visible(timeout=TIMEOUT)
                wait_idle(page)
                scores = _grid(page, "failed rules")
                scores.scroll_into_view_if_needed()
                assert "reused" in _fits(page, scores)["headers"]
                assert _whole_rows(page, scores)["shown"] == 8  # every annotator in view
                for header, width in (
                    ("annotator", NAME_WIDTH),
                    ("failed rules", FAILED_RULES_WIDTH),
                    ("decision", DECISION_WIDTH),
                ):
                    result = _cut(page, scores, header, width)
                    assert result["cut"] == [], (header, result)
                agreement = _grid(page, "robust z")
                assert "outlier" in _fits(page, agreement)["headers"]
                assert _whole_rows(page, agreement)["shown"] == 8
                per_rule = _grid(page, "interval")
                per_rule.scroll_into_view_if_needed()
                _fits(page, per_rule)
                _whole_rows(page, per_rule)
                for header, width in (
                    ("rule", 120),
                    ("title", RULE_TITLE_WIDTH),
                    ("decision", 110),
                    ("interval", 110),
                ):
                    assert _cut(page, per_rule, header, width)["cut"] == [], header
                answers = _grid(page, "seen")
                answers.scroll_into_view_if_needed()
                _fits(page, answers)
                _whole_rows(page, answers)
                for header in ("rules", "answer", "gold", "text"):
                    result = _cut(page, answers, header, answer_columns[header]["width"])
                    assert result["cut"] == [], (header, result)
                details = _grid(page, "cited rule")
                details.scroll_into_view_if_needed()
                assert "seconds" in _fits(page, details)["headers"]
                _whole_rows(page, details)
                result = _cut(page, details, "comment", COMMENT_WIDTH)
                assert result["cut"] == [], result

                step = "the lead's Rounds page: progress"
                page.goto(f"{url}/rounds", wait_until="domcontentloaded")
                expect(page.get_by_text("Progress", exact=False).first).to_be_visible(timeout=TIMEOUT)
                wait_idle(page)
                progress = _grid(page, "last activity")
                progress.scroll_into_view_if_needed()
                _fits(page, progress)
                _whole_rows(page, progress)
                for header, width in (("annotator", PROGRESS_NAME_WIDTH), ("passed", PASSED_WIDTH)):
                    result = _cut(page, progress, header, width)
                    assert result["cut"] == [], (header, result)

                step = "the lead's Users page"
                page.goto(f"{url}/users", wait_until="domcontentloaded")
                expect(page.get_by_role("heading", name="Users")).to_be_visible(timeout=TIMEOUT)
                wait_idle(page)
                people = _grid(page, "email")
                room = MOST_HEIGHT_PX - HEADER_PX - BORDER_PX
                people.scroll_into_view_if_needed()
                assert "since" in _fits(page, people)["headers"]  # the password and date columns in view
                # more users than Streamlit's 400 px held (the tenth was cut in half): as many whole
                # rows as fit in the tallest grid, the rest scrolled into view
                rows = _whole_rows(page, people)
                assert rows["rows"] > rows["shown"] and (rows["shown"] + 1) * rows["rowHeight"] > room, rows
                for header, width in user_widths.items():
                    result = _cut(page, people, header, width)
                    assert result["cut"] == [], (header, result)
            except Exception as error:
                _shot(page, "layout-annotators-failure.png")
                raise AssertionError(f"layout check failed at step: {step}: {error}") from error


def _grid(page: Any, header: str) -> Any:
    """The one grid on the page with a column named `header`."""
    grid = page.get_by_test_id("stDataFrame").filter(has=page.locator("th", has_text=header))
    grid.first.wait_for(timeout=TIMEOUT)
    assert grid.count() == 1, header
    return grid.first


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(Exception):
        page.screenshot(path=str(ARTIFACTS / name), full_page=True)
