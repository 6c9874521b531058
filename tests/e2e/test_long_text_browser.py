"""Text pasted over a field's limit, in a real browser: nothing typed is silently lost.

Streamlit's ``max_chars`` made the browser drop a paste longer than the limit: the box stayed empty and
the answer was saved with no comment. Now the box keeps the paste and the library refuses it with the
field and the limit, so the annotator can shorten it.

Skipped when Chromium or Playwright is missing, unless ``CALIBRATION_REQUIRE_BROWSER=1`` (as in CI).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.e2e_browser import (
    ARTIFACTS,
    app_server,
    browser_context,
    lead_store,
    require_browser,
    wait_idle,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT = 30_000


def test_a_comment_pasted_over_the_limit_stays_in_the_box_and_is_refused(tmp_path: Path) -> None:
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    from calibration.answers import MAX_COMMENT
    from calibration.rounds import service
    from tests.app.app_helpers import calibration_round, single_label_guideline

    database, engine, lead = lead_store(tmp_path / "long.db")
    ann = service.create_user(
        engine, "Ann Annotator", role="annotator", email="ann@example.org", password="ann's passphrase"
    )
    round_ = calibration_round(engine, lead, single_label_guideline(), ann)
    engine.dispose()
    long_comment = "x" * MAX_COMMENT + "y"
    with app_server(database, tmp_path) as url, sync_playwright() as p, browser_context(p) as context:
        page = context.new_page()
        try:
            page.goto(url, wait_until="domcontentloaded")
            expect(page.get_by_role("heading", name="Sign in")).to_be_visible(timeout=TIMEOUT)
            page.get_by_label("Email or name").fill("ann@example.org")
            page.get_by_label("Password", exact=True).fill("ann's passphrase")
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("heading", name="Hello, Ann Annotator")).to_be_visible(timeout=TIMEOUT)
            page.goto(f"{url}/quiz?round={round_.id}", wait_until="domcontentloaded")
            expect(page.get_by_text("Your answer")).to_be_visible(timeout=TIMEOUT)
            wait_idle(page)
            page.get_by_text("Positive", exact=True).click()
            page.get_by_text("Confidence, rule applied, unclear guideline").click()
            comment = page.get_by_label("Comment (what was unclear?)")
            comment.click()
            page.keyboard.insert_text(long_comment)  # what a paste does
            expect(comment).to_have_value(long_comment, timeout=TIMEOUT)
            page.get_by_role("button", name="Submit answer").click()
            expect(page.get_by_text(f"it can have at most {MAX_COMMENT}")).to_be_visible(timeout=TIMEOUT)
            expect(page.get_by_text("comment: the comment has 5001 characters")).to_be_visible()
            expect(comment).to_have_value(long_comment)
        except Exception:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "long-comment-failure.png"), full_page=True)
            raise
    from calibration.storage.engine import make_engine

    engine = make_engine(database)
    try:
        (attempt,) = service.my_attempts(engine, round_.id, actor=ann)
        assert attempt.answers == {}  # refused: nothing saved without the comment
    finally:
        engine.dispose()
