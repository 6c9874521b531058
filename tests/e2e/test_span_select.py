"""Span selection in the text, in a real browser: an annotator drags over words with the mouse, marks a
span with the keyboard, labels them, submits once and sees partial-credit feedback.

At every step no gold of an unanswered item is on the page (the page's text and the widget frame's
text) or in a websocket frame the browser received; while spans are being selected the browser sends
nothing to the server (the widget's value waits for the form's submit button). Skipped when Chromium
or Playwright is missing, unless ``CALIBRATION_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.e2e_browser import (
    ARTIFACTS,
    app_server,
    browser_context,
    lead_store,
    mark_span,
    require_browser,
    span_frame,
    wait_idle,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT = 30_000
TEXT = "Mrs. Evelyn Stroud's card ends 4421; write to e.stroud@example.org or to Bo Lee."
OTHER = "Call Ines Ruiz on 555-0142 after six."


def _guideline() -> Any:
    from calibration.guidelines.model import Guideline

    return Guideline.model_validate(
        {
            "format": 1,
            "id": "e2e-select",
            "version": "1.0.0",
            "title": "Personal data, selected in the text",
            "task": {
                "type": "span",
                "labels": [
                    {"id": "NAME", "name": "Name"},
                    {"id": "EMAIL", "name": "Email"},
                    {"id": "PHONE", "name": "Phone"},
                ],
            },
            "calibration": {
                "items_per_quiz": 2,
                "min_items_per_rule": 1,
                "pass_kappa": None,
                "pass_accuracy": 0.5,
                "feedback": "immediate",
            },
            "rules": [
                {"id": "R-NAME", "title": "Names", "text": "Mark full names.", "labels": ["NAME"]},
                {
                    "id": "R-CONTACT",
                    "title": "Contacts",
                    "text": "Mark emails, phones.",
                    "labels": ["EMAIL", "PHONE"],
                },
            ],
            "items": [
                {
                    "id": "SEL1",
                    "input": TEXT,
                    "rules": ["R-NAME", "R-CONTACT"],
                    "answer": [
                        {"text": "Evelyn Stroud", "label": "NAME"},
                        {"text": "e.stroud@example.org", "label": "EMAIL"},
                        {"text": "Bo Lee", "label": "NAME"},
                    ],
                    "why": "GOLDWHY-SEL1 two names and an address",
                },
                {
                    "id": "SEL2",
                    "input": OTHER,
                    "rules": ["R-NAME", "R-CONTACT"],
                    "answer": [
                        {"text": "Ines Ruiz", "label": "NAME"},
                        {"text": "555-0142", "label": "PHONE"},
                    ],
                    "why": "GOLDWHY-SEL2 a name and a phone number",
                },
            ],
        }
    )


def _offsets(text: str, part: str) -> tuple[int, int]:
    start = text.index(part)
    return start, start + len(part)


class Watch:
    """The websocket frames the annotator's browser received and sent."""

    def __init__(self, page: Any) -> None:
        self.received: list[bytes] = []
        self.sent: list[bytes] = []

        def on_socket(socket: Any) -> None:
            socket.on("framereceived", lambda payload: self.received.append(_as_bytes(payload)))
            socket.on("framesent", lambda payload: self.sent.append(_as_bytes(payload)))

        page.on("websocket", on_socket)

    def assert_no_gold(
        self, page: Any, guideline: Any, unanswered: list[Any], step: str, *, marking: str = ""
    ) -> None:
        """No rationale of an unanswered item anywhere; no gold span tagged with its label on the page.

        `marking` is the id of the item the annotator is marking now: its own marks may look like gold.
        """
        shown = page.inner_text("body") + "\n" + _frame_text(page)
        received = b"".join(self.received)
        names = {label.id: label.name for label in guideline.task.labels}
        for item in unanswered:
            assert item.why not in shown, f"{step}: the rationale of {item.id} is on the page"
            assert item.why.encode() not in received, (
                f"{step}: the rationale of {item.id} reached the browser"
            )
            if item.id == marking:
                continue
            for span in item.answer:
                for mark in (
                    f"{span['text']}\u201d \u2192 {names[span['label']]}",
                    f"{span['text']} {names[span['label']]}",
                ):
                    assert mark not in shown, f"{step}: gold span of {item.id} is on the page"


def _as_bytes(payload: Any) -> bytes:
    return payload if isinstance(payload, bytes) else str(payload).encode()


def _frame_text(page: Any) -> str:
    frame = span_frame(page)
    return frame.locator("body").inner_text() if frame.locator("body").count() else ""


def _current(page: Any, guideline: Any, answered: set[str]) -> Any:
    for _ in range(60):
        body = page.inner_text("body") + "\n" + _frame_text(page)
        shown = [i for i in guideline.items if i.id not in answered and i.input.text in body]
        if len(shown) == 1:
            return shown[0]
        page.wait_for_timeout(250)
    raise AssertionError("expected one unanswered item on the page")


def _wait_for_widget(page: Any, text: str) -> None:
    from playwright.sync_api import expect

    expect(span_frame(page).locator(".tok").first).to_be_visible(timeout=TIMEOUT)
    expect(span_frame(page).locator("#text")).to_have_text(text, timeout=TIMEOUT)
    wait_idle(page)


def test_annotator_selects_spans_in_the_text_and_gets_partial_credit(tmp_path: Path) -> None:
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    from calibration.rounds import service

    url_db, engine, lead = lead_store(tmp_path / "select.db")
    guideline = _guideline()
    service.publish(engine, guideline, lead)
    round_ = service.create_calibration_round(engine, "Select onboarding", guideline.ref, actor=lead)
    token = service.invite(engine, round_.id, actor=lead)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    step = "start"
    with (
        app_server(url_db, tmp_path) as url,
        sync_playwright() as playwright,
        browser_context(playwright) as ctx,
    ):
        page = ctx.new_page()
        watch = Watch(page)
        try:
            step = "annotator joins"
            page.goto(f"{url}/join?invite={token}", wait_until="domcontentloaded")
            expect(page.get_by_label("Display name")).to_be_visible(timeout=TIMEOUT)
            wait_idle(page)
            page.get_by_label("Display name").fill("Sel Annotator")
            page.get_by_role("button", name="Join and start").click()
            expect(page.get_by_text("Item 1 of 2")).to_be_visible(timeout=TIMEOUT)

            answered: set[str] = set()
            for number in (1, 2):
                step = f"item {number} shown"
                expect(page.get_by_text(f"Item {number} of 2")).to_be_visible(timeout=TIMEOUT)
                item = _current(page, guideline, answered)
                _wait_for_widget(page, item.input.text)
                unanswered = [i for i in guideline.items if i.id not in answered]
                watch.assert_no_gold(page, guideline, unanswered, step)
                text = item.input.text
                sent_before = len(watch.sent)

                step = f"item {number}: selecting"
                frame = span_frame(page)
                if item.id == "SEL1":
                    # the mouse: drag over "Evelyn Stroud" (it ends where "'s" starts), then its label
                    mark_span(page, *_offsets(text, "Evelyn Stroud"), "Name")
                    expect(frame.locator("#spans")).to_contain_text("\u201cEvelyn Stroud\u201d \u2192 Name")
                    # the keyboard: click "Bo", Shift+Right to "Lee", key 1 (the first label)
                    frame.locator(f".tok[data-start='{text.index('Bo Lee')}']").click()
                    frame.locator("#text").press("Shift+ArrowRight")
                    frame.locator("#text").press("1")
                    expect(frame.locator("#spans")).to_contain_text("\u201cBo Lee\u201d \u2192 Name")
                    # a wrong span, then removed
                    mark_span(page, *_offsets(text, "4421"), "Phone")
                    expect(frame.locator("#spans li")).to_have_count(3)
                    frame.get_by_role("button", name="Remove 4421 (Phone)").click()
                    expect(frame.locator("#spans li")).to_have_count(2)
                    # the email is left out on purpose: 2 of 3 gold spans
                    expected = "Partly right, F1 0.80: 2 of 3 spans right. Your answer: "
                else:
                    mark_span(page, *_offsets(text, "Ines Ruiz"), "Name")
                    mark_span(page, *_offsets(text, "555-0142"), "Phone")
                    expect(frame.locator("#spans li")).to_have_count(2)
                    expected = "Correct. Your answer: "
                watch.assert_no_gold(page, guideline, unanswered, step, marking=item.id)
                assert len(watch.sent) == sent_before, "selecting spans sent something to the server"
                if item.id == "SEL1":
                    page.wait_for_timeout(300)  # fonts and highlight colours settle before the screenshot
                    page.screenshot(path=str(ARTIFACTS / "quiz_span.png"), full_page=True)

                step = f"item {number}: submit"
                page.get_by_test_id("stForm").get_by_role("button", name="Submit answer").click()
                verdict = page.get_by_test_id("stAlertContentWarning").or_(
                    page.get_by_test_id("stAlertContentSuccess")
                )
                expect(verdict.first).to_contain_text(expected, timeout=TIMEOUT)
                expect(page.get_by_text(item.why)).to_be_visible(timeout=TIMEOUT)
                wait_idle(page)
                answered.add(item.id)
                watch.assert_no_gold(
                    page, guideline, [i for i in guideline.items if i.id not in answered], "feedback"
                )
                page.get_by_role("button", name=re.compile("^(Next item|See my result)$")).click()
                wait_idle(page)

            step = "result"
            expect(page.get_by_role("heading", name="Per rule")).to_be_visible(timeout=TIMEOUT)
        except BaseException:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"\W+", "-", step)
            page.screenshot(path=str(ARTIFACTS / f"span-select-{name}.png"), full_page=True)
            raise
    (status,) = service.round_status(engine, "Select onboarding").annotators
    assert (status.name, status.status, status.passed) == ("Sel Annotator", "finished", True)
    engine.dispose()
