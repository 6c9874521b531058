"""The adaptive pilot panel of the dashboard at 1280x800: every decision is readable, none cut off.

Before the fix the decision column was a canvas grid cell holding "cannot be decided in this round:
every item of the rule has its answers; add items of this rule or start a new round", cut at the
column's edge. Now the cell says it in a few words and the full sentence wraps under the table.

Skipped when Chromium or Playwright is missing, unless ``CALIBRATION_REQUIRE_BROWSER=1`` (as in CI).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.e2e_browser import (
    app_server,
    browser_context,
    lead_store,
    require_browser,
    sign_in_lead,
    wait_idle,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT = 30_000
LABELS = ("POS", "NEG", "NEU")

_CLIPPED_JS = """(panel) => {
    // every cell and note of the panel whose text is cut: wider than its box, or past the window
    const cut = [];
    let checked = 0;
    for (const el of panel.querySelectorAll("td, th, [data-testid='stCaptionContainer'] p")) {
        checked += 1;
        const box = el.getBoundingClientRect();
        if (el.scrollWidth > el.clientWidth + 1 || box.right > window.innerWidth) cut.push(el.innerText);
    }
    for (const el of panel.querySelectorAll("[data-testid='stTable'], [data-testid='stTable'] *")) {
        if (el.scrollWidth > el.clientWidth + 1) cut.push("table scrolls: " + el.className);
    }
    return {cut: cut, checked: checked};
}"""


def _stuck_pilot(engine: Any, lead: Any) -> None:
    """An adaptive pilot whose rules have 4 items each, all answered alike by two people: too few items
    to decide a rule, and none left."""
    from calibration.guidelines.model import Guideline
    from calibration.rounds import service

    rules = ("EASY", "HARD")
    data = {
        "format": 1,
        "id": "pil",
        "version": "1.0.0",
        "title": "Adaptive pilot",
        "task": {"type": "single_label", "labels": [{"id": x, "name": x.title()} for x in LABELS]},
        "calibration": {"pilot_target": 0.6},
        "rules": [
            {"id": r, "title": f"rule {r}", "text": f"Apply {r}.", "labels": list(LABELS)} for r in rules
        ],
        "items": [
            {"id": f"{r.lower()}{k}", "input": f"reply {r} {k}", "rules": [r]}
            for r in rules
            for k in range(4)
        ],
    }
    service.publish_guideline(engine, Guideline.model_validate(data), lead)
    people = [service.create_user(engine, n, role="annotator", actor=lead) for n in ("Ann", "Bob")]
    service.create_pilot_round(
        engine, "Stuck pilot", "pil@1.0.0", actor=lead, annotators=["Ann", "Bob"], adaptive=True, seed=1
    )
    for person in people:
        while (attempt := service.start_or_resume_attempt(engine, "Stuck pilot", person)).next_item:
            item = attempt.next_item
            service.record_answer(engine, attempt.id, item, LABELS[int(item[-1]) % 3], actor=person)


def test_the_adaptive_pilot_decisions_are_not_cut_at_1280_px(tmp_path: Path) -> None:
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    from calibration.rounds import service

    url_db, engine, lead = lead_store(tmp_path / "adaptive.db")
    _stuck_pilot(engine, lead)
    view = service.adaptive_pilot_status(engine, service.get_round(engine, "Stuck pilot").id)
    assert view is not None
    long = [s.sentence() for s in view.rules.values() if len(s.sentence()) > 60]
    assert long, [s.sentence() for s in view.rules.values()]  # the case this test is about
    engine.dispose()

    with (
        app_server(url_db, tmp_path) as url,
        sync_playwright() as playwright,
        browser_context(playwright, height=800) as context,
    ):
        page = context.new_page()
        sign_in_lead(page, url, TIMEOUT)
        page.goto(f"{url}/dashboard", wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="Agreement dashboard")).to_be_visible(timeout=TIMEOUT)
        wait_idle(page)
        panel = page.locator(".st-key-dash_adaptive_pilot")
        expect(panel.get_by_test_id("stTable")).to_be_visible(timeout=TIMEOUT)  # an HTML table: it wraps
        panel.scroll_into_view_if_needed()
        for status in view.rules.values():
            expect(panel.locator("td", has_text=status.label()).first).to_be_visible()
        for sentence in long:
            expect(panel.get_by_text(sentence, exact=False).first).to_be_visible()
        found = panel.evaluate(_CLIPPED_JS)
        assert found["cut"] == [] and found["checked"] >= 4 * (len(view.rules) + 1)  # cells, header, notes
        expect(page.get_by_test_id("stException")).to_have_count(0)
