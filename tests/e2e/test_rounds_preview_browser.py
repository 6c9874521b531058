"""The create-round form in a real browser: the quiz-length preview follows the chosen guideline, and the
quiz settings survive a switch to a pilot and back (Streamlit drops a hidden widget's value unless it
persists, which AppTest does not show: there the value stayed).

Skipped when Chromium or Playwright is missing, unless ``CALIBRATION_REQUIRE_BROWSER=1`` (as in CI).
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.e2e_browser import (
    ARTIFACTS,
    app_server,
    browser_context,
    lead_store,
    require_browser,
    sign_in_lead,
    wait_idle,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT = 30_000


def _choose(page: Any, selector: str, option: str) -> None:
    from playwright.sync_api import expect

    box = page.locator(f"{selector} input")
    for attempt in range(3):  # the live-progress fragment may close the list while it is open
        box.click()
        box.fill(option)
        try:
            page.get_by_role("option", name=option).click(timeout=5000)
            break
        except Exception:
            if attempt == 2:
                raise
    expect(box).to_have_value(option)
    wait_idle(page)


def test_the_quiz_length_preview_follows_the_guideline_and_the_settings_survive_a_kind_switch(
    tmp_path: Path,
) -> None:
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    from calibration.rounds import service
    from calibration.rounds.quiz_length import quiz_length

    url_db, engine, _lead = lead_store(tmp_path / "preview.db")

    def sentence(ref: str, per_quiz: int) -> str:
        return quiz_length(service.get_guideline(engine, ref), per_quiz or None).sentence()

    step = "start"
    with (
        app_server(url_db, tmp_path) as url,
        sync_playwright() as playwright,
        browser_context(playwright, height=1100) as context,
    ):
        page = context.new_page()
        try:
            step = "sign in and open Rounds"
            sign_in_lead(page, url, TIMEOUT)
            page.goto(f"{url}/rounds", wait_until="domcontentloaded")
            form = page.get_by_test_id("stExpander").filter(has=page.get_by_label("Round name", exact=True))
            expect(form).to_be_visible(timeout=TIMEOUT)  # open while there is no round
            wait_idle(page)

            step = "another guideline: another preview"
            _choose(page, ".st-key-rounds_ref", "street-objects@1.0.0")
            expect(form.get_by_text(sentence("street-objects@1.0.0", 0), exact=True)).to_be_visible()
            _choose(page, ".st-key-rounds_ref", "pii-spans@1.0.0")
            expect(form.get_by_text(sentence("pii-spans@1.0.0", 0), exact=True)).to_be_visible()

            step = "six items per quiz asked for"
            per_quiz = form.get_by_label("Items per quiz (0: the guideline's policy)")
            per_quiz.fill("6")
            per_quiz.press("Enter")
            expect(form.get_by_text(sentence("pii-spans@1.0.0", 6), exact=True)).to_be_visible(
                timeout=TIMEOUT
            )
            wait_idle(page)

            step = "a pilot, then a quiz again: the six are kept"
            form.get_by_text("Pilot (agreement)", exact=True).click()
            expect(form.get_by_label("Items per quiz (0: the guideline's policy)")).to_have_count(0)
            wait_idle(page)
            form.get_by_text("Calibration quiz (scored against gold)", exact=True).click()
            expect(per_quiz).to_have_value("6", timeout=TIMEOUT)
            wait_idle(page)
            expect(form.get_by_text(sentence("pii-spans@1.0.0", 6), exact=True)).to_be_visible()

            step = "and the preview follows the next guideline with them"
            _choose(page, ".st-key-rounds_ref", "street-objects@1.0.0")
            expect(per_quiz).to_have_value("6")
            expect(form.get_by_text(sentence("street-objects@1.0.0", 6), exact=True)).to_be_visible()

            step = "a created round resets the form, the kept setting too"
            form.get_by_label("Round name", exact=True).fill("March cohort")
            form.get_by_role("button", name="Create round").click()
            expect(page.get_by_text("Created the round March cohort.")).to_be_visible(timeout=TIMEOUT)
            wait_idle(page)
            (created,) = service.list_rounds(engine)
            assert created.settings["items_per_quiz"] == 6
            if not form.get_by_label("Round name", exact=True).is_visible():
                form.get_by_text("Create a round").click()  # closed once a round exists
            expect(form.get_by_label("Items per quiz (0: the guideline's policy)")).to_have_value("0")
            expect(form.get_by_label("Round name", exact=True)).to_have_value("")
        except Exception as error:
            ARTIFACTS.mkdir(exist_ok=True)
            with contextlib.suppress(Exception):
                page.screenshot(path=str(ARTIFACTS / "rounds-preview-failure.png"), full_page=True)
            raise AssertionError(f"step failed: {step}: {error}") from error
