"""A signed-in user who types a page's URL: /home opens Home, and another role's page (/users typed by
an annotator) says whose page it is, never Streamlit's "Page not found".

Skipped when Chromium or Playwright is missing, unless ``CALIBRATION_REQUIRE_BROWSER=1`` (as in CI).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.e2e_browser import app_server, browser_context, lead_store, require_browser, wait_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT = 30_000


def test_home_and_another_roles_page_by_url(tmp_path: Path) -> None:
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    from calibration.rounds import service

    url_db, engine, lead = lead_store(tmp_path / "signed_in_urls.db")
    service.create_user(
        engine, "Ann Typist", role="annotator", email="ann@example.org", password="ann-password-1", actor=lead
    )
    with (
        app_server(url_db, tmp_path) as url,
        sync_playwright() as playwright,
        browser_context(playwright) as context,
    ):
        page = context.new_page()
        page.goto(url, wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible(timeout=TIMEOUT)
        page.get_by_label("Email or name").fill("ann@example.org")
        page.get_by_label("Password", exact=True).fill("ann-password-1")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Hello, Ann Typist")).to_be_visible(timeout=TIMEOUT)
        wait_idle(page)

        page.goto(f"{url}/users", wait_until="domcontentloaded")
        expect(page.get_by_text("This page is for a lead; you are signed in as an annotator.")).to_be_visible(
            timeout=TIMEOUT
        )
        wait_idle(page)
        expect(page.get_by_text("Page not found")).to_have_count(0)

        page.goto(f"{url}/home", wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="Hello, Ann Typist")).to_be_visible(timeout=TIMEOUT)
        wait_idle(page)
        expect(page.get_by_text("Page not found")).to_have_count(0)
        assert page.url.split("?")[0].endswith("/home"), page.url
