"""An annotator in a real browser: ranking in order, feedback that survives a reload, a failed result that
stays reachable after leaving, a targeted retake, and every finished attempt's result by its selector.

Skipped when Chromium or Playwright is missing, unless ``CALIBRATION_REQUIRE_BROWSER=1`` (as in CI).
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.e2e_browser import ARTIFACTS, app_server, browser_context, require_browser, wait_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT = 30_000
PASSWORD = "correct-horse-battery"


def _sign_in(page: Any, url: str, email: str, name: str) -> None:
    from playwright.sync_api import expect

    page.goto(url, wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible(timeout=TIMEOUT)
    page.get_by_label("Email or name").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=f"Hello, {name}")).to_be_visible(timeout=TIMEOUT)
    wait_idle(page)


def _submit_and_wait(page: Any, button: str) -> None:
    from playwright.sync_api import expect

    page.get_by_role("button", name="Submit answer").click()
    expect(page.get_by_role("button", name=button)).to_be_visible(timeout=TIMEOUT)
    wait_idle(page)


def _answer_label_quiz(
    page: Any, engine: Any, round_id: int, user: Any, guideline: Any, *, right: bool
) -> None:
    """Answer every item of the current attempt (all right or all wrong), clicking through the feedback.

    The attempt is read, never started: `start_or_resume_attempt` here would race the page and, once the
    page has finished a failed attempt, start a retake the test did not ask for.
    """
    from calibration.rounds import service

    while True:
        attempt = service.my_attempts(engine, round_id, actor=user)[-1]
        if attempt.next_item is None:
            return
        item = guideline.item(attempt.next_item)
        given = item.answer if right else ("NEG" if item.answer == "POS" else "POS")
        page.get_by_test_id("stForm").get_by_text(guideline.label(given).name, exact=True).click()
        button = "See my result" if attempt.answered + 1 == attempt.total else "Next item"
        _submit_and_wait(page, button)
        page.get_by_role("button", name=button).click()
        wait_idle(page)


def test_results_stay_and_feedback_survives_a_reload(tmp_path: Path) -> None:
    require_browser()
    from playwright.sync_api import expect

    from calibration.app.bootstrap import prepare_database
    from calibration.rounds import service
    from calibration.storage.engine import make_engine
    from tests.app.app_helpers import single_label_guideline, task_guideline

    url_db = f"sqlite:///{tmp_path / 'results.db'}"
    engine = make_engine(url_db)
    prepare_database(engine)
    lead = service.create_user(engine, "Lou Lead", role="lead", email="lou@example.org", password=PASSWORD)
    ann = service.create_user(
        engine, "Ria", role="annotator", email="ria@example.org", password=PASSWORD, actor=lead
    )
    ranking, labels = task_guideline("ranking"), single_label_guideline()
    for guideline in (ranking, labels):
        service.publish(engine, guideline, lead)
    rank_round = service.create_calibration_round(
        engine, "Ranking", ranking.ref, actor=lead, annotators=["Ria"]
    )
    label_round = service.create_calibration_round(
        engine, "Labels", labels.ref, actor=lead, annotators=["Ria"]
    )

    step = "start"
    with (
        app_server(url_db, tmp_path) as url,
        sync_playwright_context() as playwright,
        browser_context(playwright, height=1100) as context,
    ):
        page = context.new_page()
        try:
            step = "sign in"
            _sign_in(page, url, "ria@example.org", "Ria")

            step = "rank the candidates in order: a chosen one is no longer offered"
            page.goto(f"{url}/quiz?round={rank_round.id}", wait_until="domcontentloaded")
            expect(page.get_by_text("Item 1 of 2")).to_be_visible(timeout=TIMEOUT)
            wait_idle(page)
            attempt = service.my_attempts(engine, rank_round.id, actor=ann)[-1]
            item = ranking.item(attempt.next_item)
            first = item.answer[0]
            chooser = page.get_by_test_id("stMultiSelect")
            chooser.click()
            page.get_by_role("option", name=f"{first} · {item.input.candidates[first]}").click()
            wait_idle(page)
            chooser.click()
            second = item.answer[1]
            expect(
                page.get_by_role("option", name=f"{second} · {item.input.candidates[second]}")
            ).to_be_visible()
            expect(
                page.get_by_role("option", name=f"{first} · {item.input.candidates[first]}")
            ).to_have_count(0)
            for candidate in item.answer[1:]:
                page.get_by_role("option", name=f"{candidate} · {item.input.candidates[candidate]}").click()
                wait_idle(page)
                chooser.click()
            page.keyboard.press("Escape")
            _submit_and_wait(page, "Next item")
            verdict = page.get_by_test_id("stAlertContentSuccess")
            for place, candidate in zip(("1st", "2nd", "3rd"), item.answer, strict=True):
                expect(verdict).to_contain_text(f"{place} {item.input.candidates[candidate]} ({candidate})")

            step = "a reload shows the same feedback"
            page.reload(wait_until="domcontentloaded")
            expect(page.get_by_role("button", name="Next item")).to_be_visible(timeout=TIMEOUT)
            expect(page.get_by_text(item.why)).to_be_visible(timeout=TIMEOUT)
            wait_idle(page)

            step = "fail the label quiz"
            page.goto(f"{url}/quiz?round={label_round.id}", wait_until="domcontentloaded")
            expect(page.get_by_text("Item 1 of 2")).to_be_visible(timeout=TIMEOUT)
            wait_idle(page)
            _answer_label_quiz(page, engine, label_round.id, ann, labels, right=False)
            expect(
                page.get_by_text("Not passed yet: a retake on the rules to reread is waiting. Reread")
            ).to_be_visible(timeout=TIMEOUT)
            failed = service.my_attempts(engine, label_round.id, actor=ann)[0]

            step = "leave, then return to the failed result from Home"
            page.goto(url, wait_until="domcontentloaded")
            expect(page.get_by_role("heading", name="Hello, Ria")).to_be_visible(timeout=TIMEOUT)
            wait_idle(page)
            page.get_by_role("button", name="Attempt 1 · not passed").click()
            expect(page.get_by_role("heading", name="Your answers")).to_be_visible(timeout=TIMEOUT)
            expect(
                page.get_by_text("Not passed yet: a retake on the rules to reread is waiting. Reread")
            ).to_be_visible(timeout=TIMEOUT)
            wait_idle(page)
            expect(page).to_have_url(re.compile(rf"[?&]attempt={failed.id}\b"))
            for item_id in failed.items:  # the review: each answer with its gold answer and why
                expect(page.get_by_text(labels.item(item_id).why)).to_be_visible(timeout=TIMEOUT)

            step = "retake and pass"
            page.get_by_role("button", name="Retake the quiz on the rules to reread").click()
            expect(page.get_by_text("Retake: the items exercise the rules")).to_be_visible(timeout=TIMEOUT)
            wait_idle(page)
            _answer_label_quiz(page, engine, label_round.id, ann, labels, right=True)
            expect(page.get_by_text(f"Passed. You are certified on {labels.ref}.")).to_be_visible(
                timeout=TIMEOUT
            )
            wait_idle(page)

            step = "the first attempt is still there, by the selector"
            page.get_by_test_id("stMainBlockContainer").get_by_test_id("stSelectbox").click()
            page.get_by_role("option", name="Attempt 1", exact=False).click()
            expect(page.get_by_text("Not passed yet. Reread")).to_be_visible(timeout=TIMEOUT)
            wait_idle(page)
            page.reload(wait_until="domcontentloaded")
            expect(page.get_by_text("Not passed yet. Reread")).to_be_visible(timeout=TIMEOUT)
        except Exception as error:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(Exception):
                page.screenshot(path=str(ARTIFACTS / "results-failure.png"), full_page=True)
            raise AssertionError(f"results journey failed at step: {step}: {error}") from error


@contextlib.contextmanager
def sync_playwright_context() -> Any:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright
