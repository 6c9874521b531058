"""Reload, deep links and back/forward keep a page's state in the URL, and a page's query parameters stay
on that page: the Agreement page's round survives F5 and Back; Quiz -> Guideline carries no ``round``,
and Back returns to the quiz's own URL.

Skipped when Chromium or Playwright is missing, unless ``CALIBRATION_REQUIRE_BROWSER=1`` (as in CI).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.e2e_browser import (
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


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def _shown_round(page, name: str) -> None:
    from playwright.sync_api import expect

    box = page.locator(".st-key-dash_round input")
    expect(box).to_have_value(re.compile("^" + re.escape(name + " · ")), timeout=TIMEOUT)


def test_the_agreement_page_keeps_its_round_over_reload_and_back(tmp_path: Path) -> None:
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    from calibration.rounds import service
    from calibration.rounds.demo_workspace import demo_round_name, load_demo_workspace

    url_db, engine, lead = lead_store(tmp_path / "round_url.db")
    load_demo_workspace(engine, actor=lead)
    old = service.get_round(engine, demo_round_name("1.0.0"))
    new = service.get_round(engine, demo_round_name("1.1.0"))
    with (
        app_server(url_db, tmp_path) as url,
        sync_playwright() as playwright,
        browser_context(playwright) as context,
    ):
        page = context.new_page()
        sign_in_lead(page, url)
        page.goto(f"{url}/dashboard?round={old.id}", wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="Agreement dashboard")).to_be_visible(timeout=TIMEOUT)
        wait_idle(page)
        _shown_round(page, old.name)
        page.reload(wait_until="domcontentloaded")  # F5
        expect(page.get_by_role("heading", name="Agreement dashboard")).to_be_visible(timeout=TIMEOUT)
        wait_idle(page)
        _shown_round(page, old.name)

        choose(page, "dash_round", new.name)
        _shown_round(page, new.name)
        assert _query(page.url) == {"round": [str(new.id)]}, page.url
        page.reload(wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="Agreement dashboard")).to_be_visible(timeout=TIMEOUT)
        wait_idle(page)
        _shown_round(page, new.name)

        page.go_back()  # the round picked before
        expect(page).to_have_url(f"{url}/dashboard?round={old.id}", timeout=TIMEOUT)
        wait_idle(page)
        _shown_round(page, old.name)

        page.goto(f"{url}/dashboard?round=99999", wait_until="domcontentloaded")
        expect(page.get_by_text("The link asks for round '99999', which cannot be shown here")).to_be_visible(
            timeout=TIMEOUT
        )
        wait_idle(page)


def test_quiz_to_guideline_carries_no_parameter_and_back_returns_to_the_quiz(tmp_path: Path) -> None:
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    from calibration.rounds import service

    url_db, engine, lead = lead_store(tmp_path / "quiz_history.db")
    ann = service.create_user(
        engine,
        "Ann Quizzer",
        role="annotator",
        email="ann@example.org",
        password="ann-password-1",
        actor=lead,
    )
    ref = next(v.ref for v in service.list_guideline_versions(engine) if v.guideline_id == "contract-clauses")
    round_ = service.create_calibration_round(engine, "Spring quiz", ref, actor=lead, annotators=[ann.name])
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
        expect(page.get_by_role("heading", name="Hello, Ann Quizzer")).to_be_visible(timeout=TIMEOUT)
        wait_idle(page)

        quiz_url = f"{url}/quiz?round={round_.id}"
        page.goto(quiz_url, wait_until="domcontentloaded")
        expect(page.get_by_text("Spring quiz · calibration round")).to_be_visible(timeout=TIMEOUT)
        wait_idle(page)
        assert page.url == quiz_url
        entries = page.evaluate("history.length")

        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Guideline").click()
        expect(page.get_by_label("Search the rules")).to_be_visible(timeout=TIMEOUT)
        wait_idle(page)
        assert urlsplit(page.url).path.endswith("/guideline"), page.url
        assert "round" not in _query(page.url), page.url  # the quiz's parameter stayed on the quiz
        assert page.evaluate("history.length") == entries + 1  # one click, one history entry

        page.go_back()
        wait_idle(page)
        expect(page.get_by_text("Spring quiz · calibration round")).to_be_visible(timeout=TIMEOUT)
        assert page.url == quiz_url  # the quiz's own URL, no guideline parameter on it
