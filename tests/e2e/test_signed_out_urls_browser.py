"""A signed-out visitor who opens a page's URL sees just the sign-in form (no "Page not found"), and
signing in there opens the page asked for.

Skipped when Chromium or Playwright is missing, unless ``CALIBRATION_REQUIRE_BROWSER=1`` (as in CI).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.e2e_browser import (
    LEAD_EMAIL,
    LEAD_PASSWORD,
    app_server,
    browser_context,
    lead_store,
    require_browser,
    wait_idle,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT = 30_000


def test_a_page_url_opened_signed_out_shows_only_the_sign_in_form(tmp_path: Path) -> None:
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    url_db, _, _ = lead_store(tmp_path / "urls.db")
    with (
        app_server(url_db, tmp_path) as url,
        sync_playwright() as playwright,
        browser_context(playwright) as context,
    ):
        page = context.new_page()
        for path in ("quiz", "dashboard"):
            page.goto(f"{url}/{path}", wait_until="domcontentloaded")
            expect(page.get_by_role("heading", name="Sign in")).to_be_visible(timeout=TIMEOUT)
            wait_idle(page)
            expect(page.get_by_text("Page not found")).to_have_count(0)
            expect(page.get_by_text("main page")).to_have_count(0)
        page.get_by_label("Email or name").fill(LEAD_EMAIL)
        page.get_by_label("Password", exact=True).fill(LEAD_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        # the page asked for (/dashboard), not Home
        expect(page.get_by_role("heading", name="Agreement dashboard")).to_be_visible(timeout=TIMEOUT)
        assert page.url.split("?")[0].endswith("/dashboard"), page.url
        expect(page.get_by_role("heading", name="Hello, Lena Lead")).to_have_count(0)
