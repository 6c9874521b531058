"""Adjudicating a box item in a real browser, the way a lead does it: draw the boxes, type the rationale,
and click "Save the decision" straight from the text area. The decision is saved on that one click
(the rationale once lived outside the form: its rerun on blur swallowed the click, and nothing was
saved nor said).

Skipped when Chromium or Playwright is missing, unless ``CALIBRATION_REQUIRE_BROWSER=1`` (as in CI).
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import pytest

from tests.e2e.e2e_browser import (
    ARTIFACTS,
    app_server,
    box_frame,
    browser_context,
    draw_box,
    lead_store,
    require_browser,
    sign_in_lead,
    wait_idle,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT = 30_000


def test_a_box_decision_typed_then_saved_at_once_is_saved(tmp_path: Path) -> None:
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    from calibration.rounds import service
    from calibration.rounds.demo_workspace import DEMO_BOX_ROUND, load_demo_workspace

    url_db, engine, lead = lead_store(tmp_path / "adjudication.db")
    load_demo_workspace(engine, actor=lead)
    box_round = next(r for r in service.list_rounds(engine) if r.name == DEMO_BOX_ROUND)

    step = "start"
    with (
        app_server(url_db, tmp_path) as url,
        sync_playwright() as playwright,
        browser_context(playwright, height=1400) as context,
    ):
        page = context.new_page()
        try:
            step = "sign in"
            sign_in_lead(page, url, TIMEOUT)

            step = "open the box pilot on the Adjudication page"
            page.get_by_role("link", name="Adjudication").click()
            expect(page.get_by_role("heading", name="Adjudication")).to_be_visible(timeout=TIMEOUT)
            wait_idle(page)
            page.get_by_label("Pilot round").first.click()
            page.get_by_role("option", name=re.compile(re.escape(DEMO_BOX_ROUND))).first.click()
            expect(page.locator("iframe[title*='box_draw']")).to_be_visible(timeout=TIMEOUT)
            wait_idle(page)
            item_id = re.search(
                r"Item (\S+)", page.get_by_role("heading", name=re.compile("^Item ")).inner_text()
            )
            assert item_id, "no item heading"

            step = "draw a box, type the rationale, click Save the decision at once"
            draw_box(page, (130, 92, 26, 69), 320)
            expect(box_frame(page).locator("#boxes li")).to_have_count(1)
            page.get_by_label("Rationale (why this is the answer)").fill("The person is boxed head to feet.")
            page.get_by_role("button", name="Save the decision").click()
            expect(page.get_by_text(f"Saved the decision for {item_id.group(1)}.")).to_be_visible(
                timeout=TIMEOUT
            )
            (decision,) = service.adjudications(engine, box_round.id)
            assert decision.item_id == item_id.group(1)
            assert decision.rationale == "The person is boxed head to feet."
        except Exception as error:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(Exception):
                page.screenshot(path=str(ARTIFACTS / "adjudication-failure.png"), full_page=True)
            raise AssertionError(f"adjudication journey failed at step: {step}: {error}") from error
