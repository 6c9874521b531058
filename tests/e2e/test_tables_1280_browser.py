"""At 1280x800 px the tables a tester had to scroll sideways fit the page, and their labels read whole
(Chromium): the Agreement dashboard's per-rule tables and the items behind a rule, the Revision queue's
ranking and the Users table, on a pilot still running (three annotators, some rules without alpha).

Before the fix the per-rule table's last column read "gol", the items' labels "LIMITATION_OF_LI", the
ranking hid every column after "estimate" and the Users table's password read "none (invit" (the Users
table's widths are pinned by tests/app/test_layout_1280.py).

Skipped when Chromium or Playwright is missing, unless ``CALIBRATION_REQUIRE_BROWSER=1`` (as in CI).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.e2e_browser import (
    ROOT,
    app_server,
    browser_context,
    choose,
    lead_store,
    require_browser,
    sign_in_lead,
    wait_idle,
)
from tests.e2e.test_layout_1280_browser import _cut, _fits, _grid, _shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT = 30_000
GUIDELINE = "contract-clauses@1.1.0"


def _running_pilot(tmp_path: Path) -> tuple[str, Any]:
    """A pilot still running: one annotator answered every item, two others the first 14 items."""
    from calibration.demo import simulate_responses
    from calibration.rounds import service

    url, engine, lead = lead_store(tmp_path / "tables.db")
    guideline = service.get_guideline(engine, GUIDELINE)
    responses = simulate_responses(guideline, annotators=3, seed=0)
    items = sorted(responses["item_id"].unique())
    first = responses["annotator_id"].iloc[0]
    running = responses[(responses["annotator_id"] == first) | responses["item_id"].isin(items[:14])]
    round_ = service.create_pilot_round(engine, "Running pilot", GUIDELINE, actor=lead)
    service.import_responses(
        engine, round_.name, running.reset_index(drop=True), actor=lead, source="simulated"
    )
    engine.dispose()
    return url, round_


def _item_widths(url_db: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The widths the dashboard gives the items behind R-INDEM (its column config, through AppTest)."""
    from streamlit.testing.v1 import AppTest

    from calibration.app.state import USER_KEY
    from calibration.rounds import service
    from calibration.storage.engine import make_engine

    monkeypatch.setenv("CALIBRATION_DATABASE_URL", url_db)
    engine = make_engine(url_db)
    lead = next(u for u in service.list_users(engine) if u.role == "lead")
    engine.dispose()
    at = AppTest.from_file(str(ROOT / "calibration" / "app" / "pages" / "dashboard.py"), default_timeout=60)
    at.session_state[USER_KEY] = lead.id
    at.run()
    at.selectbox(key="dash_rule").set_value("R-INDEM").run()
    assert not at.exception, at.exception
    (items,) = [d for d in at.dataframe if "distinct answers" in d.value.columns]
    (rules,) = [d for d in at.dataframe if "alpha_interval" in d.value.columns]
    return {
        "config": json.loads(items.proto.columns),
        "columns": list(items.value.columns),
        "title_width": json.loads(rules.proto.columns)["title"]["width"],
    }


def test_agreement_queue_and_users_tables_fit_1280_by_800(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    url_db, _ = _running_pilot(tmp_path)
    items = _item_widths(url_db, monkeypatch)
    step = "start"
    with (
        app_server(url_db, tmp_path) as url,
        sync_playwright() as playwright,
        browser_context(playwright, height=800) as context,
    ):
        page = context.new_page()
        try:
            step = "the Agreement dashboard's per-rule tables"
            sign_in_lead(page, url)
            page.goto(f"{url}/dashboard", wait_until="domcontentloaded")
            expect(page.get_by_role("heading", name="Agreement per rule")).to_be_visible(timeout=TIMEOUT)
            wait_idle(page)
            rules = _grid(page, "α 95% interval")
            rules.scroll_into_view_if_needed()
            headers = _fits(page, rules)["headers"]
            assert "gold" in headers and "AC1" in headers, headers
            assert _cut(page, rules, "title", items["title_width"])["cut"] == []
            assert rules.locator("td", has_text="None").count() == 0
            more = _grid(page, "flags")
            more.scroll_into_view_if_needed()
            assert "kappa" in _fits(page, more)["headers"]

            step = "the items behind R-INDEM"
            choose(page, "dash_rule", "R-INDEM")
            expect(page.get_by_text("tagged with the rule", exact=False)).to_be_visible(timeout=TIMEOUT)
            wait_idle(page)
            behind = _grid(page, "distinct")
            behind.scroll_into_view_if_needed()
            assert "text" in _fits(page, behind)["headers"]
            for column in ("gold", *(c for c in items["columns"] if c not in ("text", "comments"))):
                config = items["config"].get(column)
                if not config or column in ("majority share", "distinct answers"):
                    continue
                result = _cut(page, behind, config["label"], config["width"])
                assert result["cut"] == [], (column, result)

            step = "the Revision queue's ranking"
            page.goto(f"{url}/revision-queue", wait_until="domcontentloaded")
            expect(page.get_by_role("heading", name="Revision queue")).to_be_visible(timeout=TIMEOUT)
            wait_idle(page)
            ranking = _grid(page, "95% interval")
            ranking.scroll_into_view_if_needed()
            headers = _fits(page, ranking)["headers"]
            assert "flags" in headers and "alpha" in headers, headers
            assert ranking.locator("td", has_text="None").count() == 0
            page.get_by_text("Hardest items and gold suspects").click()
            hardest = _grid(page, "suspect")
            hardest.scroll_into_view_if_needed()
            assert "gold" in _fits(page, hardest)["headers"]

            step = "the Users table"
            page.goto(f"{url}/users", wait_until="domcontentloaded")
            expect(page.get_by_role("heading", name="Users")).to_be_visible(timeout=TIMEOUT)
            wait_idle(page)
            people = _grid(page, "password")
            assert "since" in _fits(page, people)["headers"]
            assert _cut(page, people, "password", 115)["cut"] == []
        except Exception as error:
            _shot(page, "tables-1280-failure.png")
            raise AssertionError(f"table check failed at step: {step}: {error}") from error
