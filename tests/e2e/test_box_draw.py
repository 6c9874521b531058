"""Boxes in a real browser: an annotator signs in, draws two boxes with the mouse on a boxes quiz item,
zooms, draws and deletes a box, relabels, moves and resizes (mouse and keyboard), submits once and
sees the feedback with the gold boxes drawn; the boxes stored are those drawn, in image pixels.

At every step before an item is answered, none of its gold box coordinates (nor its rationale) is in
the page's HTML, the drawing widget's frame, or any websocket frame the browser received; while
boxes are drawn the browser sends nothing to the server (the widget's value waits for the form's
submit button). Skipped when Chromium or Playwright is missing, unless ``CALIBRATION_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.box_fixture import ITEMS, WIDTH, gold_fingerprints, publish_guideline
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


class Watch:
    """The websocket frames the annotator's browser received and sent."""

    def __init__(self, page: Any) -> None:
        self.received: list[bytes] = []
        self.sent: list[bytes] = []

        def on_socket(socket: Any) -> None:
            socket.on("framereceived", lambda payload: self.received.append(_as_bytes(payload)))
            socket.on("framesent", lambda payload: self.sent.append(_as_bytes(payload)))

        page.on("websocket", on_socket)

    def assert_no_gold(self, page: Any, unanswered: list[str], step: str, *, marking: str = "") -> None:
        """No gold box coordinates nor rationale of an unanswered item in the page or a received frame.

        `marking` is the item the annotator is drawing on now: boxes drawn where the gold ones are
        look like gold in the widget's list, so only its rationale is looked for.
        """
        html = page.content() + "\n" + _frame_html(page)
        received = b"".join(self.received)
        for item_id in unanswered:
            marks = gold_fingerprints(item_id)
            for mark in marks[:1] if item_id == marking else marks:
                assert mark not in html, f"{step}: gold of {item_id} ({mark!r}) is in the page"
                assert mark.encode() not in received, (
                    f"{step}: gold of {item_id} ({mark!r}) reached the browser"
                )


def _as_bytes(payload: Any) -> bytes:
    return payload if isinstance(payload, bytes) else str(payload).encode()


def _frame_html(page: Any) -> str:
    if not page.locator("iframe[title*='box_draw']").count():
        return ""
    return box_frame(page).locator("html").inner_html()


def _current_item(page: Any, answered: set[str]) -> str:
    for _ in range(60):
        caption = box_frame(page).locator("#caption").inner_text()
        shown = [i for i, (alt, _, _) in ITEMS.items() if i not in answered and alt == caption]
        if len(shown) == 1:
            return shown[0]
        page.wait_for_timeout(250)
    raise AssertionError("expected one unanswered boxes item on the page")


def _line(frame: Any, index: int) -> str:
    return frame.locator("#boxes li .pick").nth(index).inner_text()


def _numbers(line: str) -> tuple[int, int, int, int]:
    match = re.search(r"at x (\d+), y (\d+), (\d+) \u00d7 (\d+)$", line)
    assert match, line
    x, y, w, h = (int(v) for v in match.groups())
    return x, y, w, h


def edit_boxes(page: Any, gold: list[tuple[str, int, int, int, int]]) -> None:
    """Zoom in and draw a small box (its coordinates stay in image pixels), remove it with the Delete
    key; zoom with Ctrl + wheel; add, select and remove a box with the keyboard; relabel a box and
    move it with the keyboard and back; resize one by a handle and back."""
    from playwright.sync_api import expect

    frame = box_frame(page)
    stage = frame.locator("#stage")
    before = [_line(frame, 0), _line(frame, 1)]
    # zoom to 200 %: a small box drawn near the middle of the image keeps its image coordinates
    frame.get_by_role("button", name="Zoom in").click()
    frame.get_by_role("button", name="Zoom in").click()
    expect(frame.locator("#zoom-level")).to_have_text("200%")
    draw_box(page, (150, 92, 16, 10), WIDTH)
    expect(frame.locator("#boxes li")).to_have_count(3)
    x, y, w, h = _numbers(_line(frame, 2))
    assert abs(x - 150) <= 1 and abs(y - 92) <= 1 and abs(w - 16) <= 1 and abs(h - 10) <= 1, (x, y, w, h)
    frame.locator("#boxes li .pick").nth(2).click()  # select it, then the Delete key removes it
    stage.press("Delete")
    expect(frame.locator("#boxes li")).to_have_count(2)
    frame.get_by_role("button", name="Fit").click()
    expect(frame.locator("#zoom-level")).to_have_text("100%")
    # Ctrl + wheel zooms too; the keyboard adds a box (Enter), selects it ([: the last) and removes it
    where = stage.bounding_box()
    assert where
    page.mouse.move(where["x"] + where["width"] / 2, where["y"] + where["height"] / 2)
    page.keyboard.down("Control")
    page.mouse.wheel(0, -120)
    page.keyboard.up("Control")
    expect(frame.locator("#zoom-level")).to_have_text("150%")
    stage.press("0")
    expect(frame.locator("#zoom-level")).to_have_text("100%")
    stage.press("Enter")
    expect(frame.locator("#boxes li")).to_have_count(3)
    stage.press("[")
    expect(frame.locator("#boxes li .pick").nth(2)).to_have_attribute("aria-pressed", "true")
    stage.press("Delete")
    expect(frame.locator("#boxes li")).to_have_count(2)
    # relabel the second box with key 1 and back with key 2; move it right with the keyboard and back
    frame.locator("#boxes li .pick").nth(1).click()
    other = "Vehicle" if gold[1][0] == "PERSON" else "Person"
    stage.press("1" if other == "Vehicle" else "2")
    expect(frame.locator("#boxes li .pick").nth(1)).to_contain_text(f"Box 2: {other} at")
    stage.press("2" if other == "Vehicle" else "1")
    stage.press("Shift+ArrowRight")
    moved = _numbers(_line(frame, 1))
    assert moved[0] == _numbers(before[1])[0] + 10 and moved[1:] == _numbers(before[1])[1:], (moved, before)
    stage.press("Shift+ArrowLeft")
    expect(frame.locator("#boxes li .pick").nth(1)).to_have_text(before[1])
    # resize the first box by its bottom-right handle, then back with Alt + arrow keys
    frame.locator("#boxes li .pick").nth(0).click()
    handle = frame.locator(".box.selected .handle[data-h='se']")
    where, scale = handle.bounding_box(), stage.bounding_box()["width"] / WIDTH
    assert where
    cx, cy = where["x"] + where["width"] / 2, where["y"] + where["height"] / 2
    page.mouse.move(cx, cy)
    page.mouse.down()
    page.mouse.move(cx + 3 * scale, cy + 2 * scale, steps=4)
    page.mouse.up()
    x0, y0, w0, h0 = _numbers(before[0])
    x1, y1, w1, h1 = _numbers(_line(frame, 0))
    assert (x1, y1) == (x0, y0) and abs(w1 - (w0 + 3)) <= 1 and abs(h1 - (h0 + 2)) <= 1, (
        before[0],
        _line(frame, 0),
    )
    for _ in range(w1 - w0):
        stage.press("Alt+ArrowLeft")
    for _ in range(h1 - h0):
        stage.press("Alt+ArrowUp")
    expect(frame.locator("#boxes li .pick").nth(0)).to_have_text(before[0])
    stage.press("Escape")


def test_annotator_draws_two_boxes_submits_and_sees_gold_drawn(tmp_path: Path) -> None:
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    from calibration.rounds import service

    url_db, engine, lead = lead_store(tmp_path / "boxes.db")
    ref = publish_guideline(engine, tmp_path / "guideline", lead)
    round_ = service.create_calibration_round(engine, "Boxes onboarding", ref, actor=lead)
    token = service.invite(engine, round_.id, actor=lead)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    step = "start"
    with (
        app_server(url_db, tmp_path) as url,
        sync_playwright() as playwright,
        browser_context(playwright, height=1000) as ctx,
    ):
        page = ctx.new_page()
        watch = Watch(page)
        try:
            step = "annotator joins"
            page.goto(f"{url}/join?invite={token}", wait_until="domcontentloaded")
            expect(page.get_by_label("Display name")).to_be_visible(timeout=TIMEOUT)
            wait_idle(page)
            watch.assert_no_gold(page, list(ITEMS), step)
            page.get_by_label("Display name").fill("Box Annotator")
            page.get_by_role("button", name="Join and start").click()

            answered: set[str] = set()
            for number in (1, 2):
                step = f"item {number} shown"
                expect(page.get_by_text(f"Item {number} of 2")).to_be_visible(timeout=TIMEOUT)
                frame = box_frame(page)
                expect(frame.locator("#image")).to_be_visible(timeout=TIMEOUT)
                assert frame.locator("#image").evaluate("i => i.tagName !== 'IMG' || i.naturalWidth > 0")
                wait_idle(page)
                item_id = _current_item(page, answered)
                unanswered = [i for i in ITEMS if i not in answered]
                watch.assert_no_gold(page, unanswered, step)
                sent_before = len(watch.sent)

                step = f"item {number}: drawing"
                gold = ITEMS[item_id][1]
                if number == 1:
                    # two boxes with the mouse, near the gold ones; the label chosen before each box
                    for label, x, y, w, h in gold:
                        name = "Vehicle" if label == "VEHICLE" else "Person"
                        frame.locator("#labels").get_by_role("button", name=name, exact=True).click()
                        draw_box(page, (x + 2, y + 1, w - 3, h - 2), WIDTH)
                    expect(frame.locator("#boxes li")).to_have_count(2)
                    edit_boxes(page, gold)
                    expected = "Correct. Your answer: 2 boxes"
                else:
                    # one box only, with the wrong label: a partly wrong answer
                    label, x, y, w, h = gold[0]
                    frame.locator("#labels").get_by_role("button", name="Vehicle", exact=True).click()
                    draw_box(page, (x, y, w, h), WIDTH)
                    expect(frame.locator("#boxes li")).to_have_count(1)
                    expected = "Not quite, F1 0.00: 0 of 2 gold boxes right, 1 extra"
                assert len(watch.sent) == sent_before, "drawing boxes sent something to the server"
                watch.assert_no_gold(page, unanswered, step, marking=item_id if number == 2 else "")
                if number == 1:
                    page.mouse.move(5, 5)
                    page.wait_for_timeout(300)
                    page.screenshot(path=str(ARTIFACTS / "quiz_boxes.png"), full_page=True)

                step = f"item {number}: submit"
                page.get_by_test_id("stForm").get_by_role("button", name="Submit answer").click()
                verdict = page.get_by_test_id("stAlertContentSuccess").or_(
                    page.get_by_test_id("stAlertContentError")
                )
                expect(verdict.first).to_contain_text(expected, timeout=TIMEOUT)
                expect(page.get_by_text(ITEMS[item_id][2])).to_be_visible(timeout=TIMEOUT)
                # the gold boxes drawn over the annotator's, and the IoU of each match
                expect(page.get_by_test_id("stImage").first).to_be_visible(timeout=TIMEOUT)
                # the images load under the app's Content-Security-Policy (img-src 'self' data:)
                page.wait_for_function(
                    "() => [...document.querySelectorAll('[data-testid=stImage] img')]"
                    ".every(i => i.complete && i.naturalWidth > 0)",
                    timeout=TIMEOUT,
                )
                expect(page.get_by_test_id("stDataFrame").first).to_be_visible(timeout=TIMEOUT)
                wait_idle(page)
                answered.add(item_id)
                watch.assert_no_gold(page, [i for i in ITEMS if i not in answered], "feedback")
                if number == 1:
                    page.screenshot(path=str(ARTIFACTS / "quiz_boxes_feedback.png"), full_page=True)
                page.get_by_role("button", name=re.compile("^(Next item|See my result)$")).click()
                wait_idle(page)

            step = "result"
            expect(page.get_by_role("heading", name="Per rule")).to_be_visible(timeout=TIMEOUT)
        except BaseException:
            name = re.sub(r"\W+", "-", step)
            page.screenshot(path=str(ARTIFACTS / f"box-draw-{name}.png"), full_page=True)
            raise
    (status,) = service.round_status(engine, "Boxes onboarding").annotators
    assert (status.name, status.status) == ("Box Annotator", "finished")
    responses = service.round_responses(engine, round_.id).responses
    drawn = {row.item_id: row.answer for row in responses.itertuples()}
    first = next(i for i, boxes in drawn.items() if len(boxes) == 2)
    # the boxes came back in image pixels (whole numbers), within a pixel of where the mouse went
    expected = sorted((label, x + 2, y + 1, w - 3, h - 2) for label, x, y, w, h in ITEMS[first][1])
    for box, want in zip(sorted(tuple(b) for b in drawn[first]), expected, strict=True):
        assert box[0] == want[0] and all(isinstance(v, int) for v in box[1:]), box
        assert all(abs(a - b) <= 1 for a, b in zip(box[1:], want[1:], strict=True)), (box, want)
    engine.dispose()
