"""A reset password in a real browser: sign in with the temporary one, forced change, the new cookie survives a
reload; then a change by choice on the Account page, whose re-issued cookie survives a reload too.

Skipped when Chromium or Playwright is missing, unless ``CALIBRATION_REQUIRE_BROWSER=1``.
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
OWN = "ora's own passphrase"
LATER = "ora's later passphrase"


def test_after_a_reset_the_user_chooses_a_password_and_stays_signed_in(tmp_path: Path) -> None:
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    from calibration.rounds import service

    database, engine, lead = lead_store(tmp_path / "reset.db")
    ora = service.create_user(
        engine, "Ora Author", role="author", email="ora@example.org", password="first passphrase", actor=lead
    )
    temporary = service.reset_password(engine, ora, actor=lead)
    engine.dispose()
    with app_server(database, tmp_path) as url, sync_playwright() as p, browser_context(p) as context:
        page = context.new_page()
        try:
            page.goto(url, wait_until="domcontentloaded")
            expect(page.get_by_role("heading", name="Sign in")).to_be_visible(timeout=TIMEOUT)
            page.get_by_label("Email or name").fill("ora@example.org")
            page.get_by_label("Password", exact=True).fill(temporary)
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible(timeout=TIMEOUT)
            page.goto(f"{url}/guidelines", wait_until="domcontentloaded")  # no page opens before the change
            expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible(timeout=TIMEOUT)
            wait_idle(page)
            page.get_by_label("New password", exact=True).fill(OWN)
            page.get_by_label("Repeat the new password").fill(OWN)
            page.get_by_role("button", name="Set my password").click()
            expect(page.get_by_role("heading", name="Hello, Ora Author")).to_be_visible(timeout=TIMEOUT)
            page.reload(wait_until="domcontentloaded")  # the re-issued cookie carries the new session version
            expect(page.get_by_role("heading", name="Hello, Ora Author")).to_be_visible(timeout=TIMEOUT)

            # later, on the Account page, by choice: the same re-issued cookie keeps this browser in
            page.goto(f"{url}/account", wait_until="domcontentloaded")
            expect(page.get_by_role("heading", name="Account")).to_be_visible(timeout=TIMEOUT)
            wait_idle(page)
            page.get_by_label("Current password").fill(OWN)
            page.get_by_label("New password", exact=True).fill(LATER)
            page.get_by_label("Repeat the new password").fill(LATER)
            page.get_by_role("button", name="Change my password").click()
            # the browser went through the session route and back: a fresh form (a refusal keeps the
            # typed passwords and stays)
            expect(page.get_by_label("Current password")).to_have_value("", timeout=TIMEOUT)
            expect(page).to_have_url(f"{url}/account", timeout=TIMEOUT)
            page.reload(wait_until="domcontentloaded")
            expect(page.get_by_role("heading", name="Account")).to_be_visible(timeout=TIMEOUT)
            expect(page.get_by_role("heading", name="Sign in")).to_have_count(0)
        except Exception:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "password-change-failure.png"), full_page=True)
            raise
    from calibration.storage.engine import make_engine

    engine = make_engine(database)
    try:
        assert service.authenticate(engine, "ora@example.org", LATER).id == ora.id
    finally:
        engine.dispose()
