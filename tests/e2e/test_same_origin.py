"""No request leaves the app's origin: a lead signs in and opens a few pages while Chromium records every request.

The browser-tab icon once came from fonts.gstatic.com (a ``:material/...:`` page icon is turned into a
Google URL by Streamlit's frontend); fonts, icons, scripts and images must all come from the app itself.
Skipped when Chromium or Playwright is missing, unless ``CALIBRATION_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.e2e.e2e_browser import (
    ARTIFACTS,
    app_server,
    browser_context,
    require_browser,
    sign_in_lead,
    wait_idle,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT = 30_000
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
PAGES = ["rounds", "dashboard", "guideline", "users"]


def _foreign(urls: list[str]) -> list[str]:
    """The recorded URLs whose host is not the app's (data: and blob: URLs never leave the browser)."""
    return [
        url
        for url in urls
        if urlsplit(url).scheme not in ("data", "blob", "about") and urlsplit(url).hostname not in LOCAL_HOSTS
    ]


def test_foreign_hosts_are_recognised() -> None:
    urls = [
        "http://127.0.0.1:8501/_stcore/stream",
        "http://localhost:8501/static/media/MaterialSymbols-Rounded.woff2",
        "data:image/svg+xml;base64,PHN2Zz4=",
        "https://fonts.gstatic.com/s/i/short-term/release/materialsymbolsrounded/rule/default/24px.svg",
    ]
    assert _foreign(urls) == [urls[-1]]


def test_a_lead_session_requests_nothing_from_another_host(tmp_path: Path) -> None:
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    requests: list[str] = []
    database = f"sqlite:///{tmp_path / 'origin.db'}"
    with app_server(database, tmp_path) as url, sync_playwright() as p, browser_context(p) as context:
        # Record at the context: requests of every page, worker and frame, favicons included.
        context.on("request", lambda request: requests.append(request.url))
        page = context.new_page()
        try:
            sign_in_lead(page, url, TIMEOUT)
            for path in PAGES:
                page.goto(f"{url}/{path}", wait_until="domcontentloaded")
                expect(page.locator("h1").first).to_be_visible(timeout=TIMEOUT)
                wait_idle(page)
            page.wait_for_load_state("networkidle")
        except Exception:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "same-origin-failure.png"), full_page=True)
            raise
    assert any("/static/" in u for u in requests), requests  # the recorder saw the app's own files
    assert _foreign(requests) == []
