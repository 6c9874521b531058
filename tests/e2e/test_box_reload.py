"""A reload in the middle of a boxes item keeps the boxes drawn: the widget draws them again from the
tab's sessionStorage, says so, and the submit sends them (they were lost before: the page came back
with no box). Skipped when Chromium or Playwright is missing, unless ``CALIBRATION_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from tests.e2e.box_fixture import WIDTH, publish_guideline
from tests.e2e.e2e_browser import (
    ARTIFACTS,
    app_server,
    box_frame,
    browser_context,
    draw_box,
    lead_store,
    require_browser,
    wait_idle,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT = 30_000


def test_boxes_drawn_before_a_reload_are_drawn_again_and_submitted(tmp_path: Path) -> None:
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    from calibration.rounds import service

    url_db, engine, lead = lead_store(tmp_path / "reload.db")
    ref = publish_guideline(engine, tmp_path / "guideline", lead)
    round_ = service.create_calibration_round(engine, "Boxes reload", ref, actor=lead)
    token = service.invite(engine, round_.id, actor=lead)

    step = "start"
    with (
        app_server(url_db, tmp_path) as url,
        sync_playwright() as playwright,
        browser_context(playwright, height=1000) as ctx,
    ):
        page = ctx.new_page()
        try:
            step = "join and draw one box"
            page.goto(f"{url}/join?invite={token}", wait_until="domcontentloaded")
            expect(page.get_by_label("Display name")).to_be_visible(timeout=TIMEOUT)
            page.get_by_label("Display name").fill("Box Annotator")
            page.get_by_role("button", name="Join and start").click()
            expect(page.get_by_text("Item 1 of 2")).to_be_visible(timeout=TIMEOUT)
            frame = box_frame(page)
            expect(frame.locator("#image")).to_be_visible(timeout=TIMEOUT)
            wait_idle(page)
            draw_box(page, (100, 60, 40, 30), WIDTH)
            expect(frame.locator("#boxes li")).to_have_count(1)
            drawn = frame.locator("#boxes li .pick").nth(0).inner_text()

            step = "reload: the box is drawn again"
            page.reload(wait_until="domcontentloaded")
            expect(page.get_by_text("Item 1 of 2")).to_be_visible(timeout=TIMEOUT)
            frame = box_frame(page)
            expect(frame.locator("#boxes li")).to_have_count(1, timeout=TIMEOUT)
            expect(frame.locator("#boxes li .pick").nth(0)).to_have_text(drawn)
            expect(frame.get_by_text("Restored 1 box drawn before the page was reloaded.")).to_be_visible()

            step = "submit: the restored box is the answer"
            wait_idle(page)
            page.get_by_role("button", name="Submit answer").click()
            expect(page.get_by_text("1 of 2 answered")).to_be_visible(timeout=TIMEOUT)
            (answer,) = service.round_responses(engine, round_.id).responses["answer"]
            (box,) = answer
            coords = [getattr(box, "x", None), getattr(box, "y", None), box.width, box.height]
            assert all(abs(a - b) <= 1 for a, b in zip(coords, (100, 60, 40, 30), strict=True)), answer
        except Exception as error:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(Exception):
                page.screenshot(path=str(ARTIFACTS / "box-reload-failure.png"), full_page=True)
            raise AssertionError(f"box reload journey failed at step: {step}: {error}") from error
