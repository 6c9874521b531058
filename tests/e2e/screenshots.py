"""Take screenshots of the app's main pages into docs/screenshots/ (run by hand: ``python tests/e2e/screenshots.py``).

Starts the app on a temporary store with the demo workspace, a contract-clause calibration round and a
personal-data span round, then signs in a lead and an annotator in Chromium and shoots each page.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from e2e_browser import (
    LEAD_EMAIL,
    LEAD_PASSWORD,
    ROOT,
    app_server,
    browser_context,
    browser_missing,
    wait_idle,
)

OUT = ROOT / "docs" / "screenshots"
TIMEOUT = 30_000


def _prepare(url_db: str) -> dict[str, str]:
    """Store: bundled guidelines, lead, demo workspace, two calibration rounds; returns invitation links."""
    from calibration.app.bootstrap import prepare_database
    from calibration.rounds import service
    from calibration.rounds.demo_workspace import load_demo_workspace
    from calibration.storage.engine import make_engine

    engine = make_engine(url_db)
    prepare_database(engine)
    lead = service.create_user(engine, "Lena Lead", role="lead", email=LEAD_EMAIL, password=LEAD_PASSWORD)
    load_demo_workspace(engine, actor=lead)
    pii = service.create_calibration_round(
        engine, "PII onboarding", "pii-spans@1.0.0", actor=lead, items_per_quiz=5, min_items_per_rule=1
    )
    clauses = service.create_calibration_round(
        engine,
        "Clause desk onboarding",
        "contract-clauses@1.1.0",
        actor=lead,
        items_per_quiz=9,
        min_items_per_rule=1,
    )
    tokens = {
        "clauses": service.invite(engine, clauses.id, actor=lead),
        "pii": service.invite(engine, pii.id, actor=lead),
    }
    # Two colleagues already at work, so the progress table has rows.
    for name, answers in (("Kofi (colleague)", 9), ("Rosa (colleague)", 4)):
        person = service.create_user(engine, name, role="annotator", actor=lead)
        attempt = service.start_or_resume_attempt(engine, clauses.id, person)
        items = service.round_items(engine, clauses.id)
        for item_id in attempt.items[:answers]:
            service.record_answer(engine, attempt.id, item_id, items[item_id].answer, actor=person)
        if answers == len(attempt.items):
            service.finish_attempt(engine, attempt.id, actor=person)
    engine.dispose()
    return tokens


def _mark_first_gold_span(page, url_db: str, round_name: str) -> None:
    """Select the tokens and label of the shown item's first gold span (screenshots only)."""
    from calibration.app.widgets.spans import tokenize
    from calibration.rounds import service
    from calibration.storage.engine import make_engine

    engine = make_engine(url_db)
    items = service.round_items(engine, round_name)
    guideline = service.get_guideline(engine, service.get_round(engine, round_name).guideline_ref)
    engine.dispose()
    body = page.inner_text("body")
    item = next(i for i in items.values() if i.input.text in body and i.answer)
    span = sorted(item.answer, key=lambda s: -len(s["text"]))[0]
    text = item.input.text
    start = text.index(span["text"])
    tokens = page.locator("[class*='st-key-quiz_'][class*='_tokens']")
    for index, (token_start, token_end) in enumerate(tokenize(text)):
        if token_start >= start and token_end <= start + len(span["text"]):
            tokens.get_by_role("button").nth(index).click()
            page.wait_for_timeout(500)  # let the rerun start before waiting for it to end
            wait_idle(page)
    labels = page.locator("[class*='st-key-quiz_'][class*='_label']")
    labels.get_by_text(guideline.label(span["label"]).name, exact=True).click()
    wait_idle(page)


def shoot(page, name: str) -> None:
    wait_idle(page)
    page.wait_for_timeout(600)  # lazy code blocks and fonts
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)
    print("wrote", OUT / f"{name}.png")


def main() -> int:
    reason = browser_missing()
    if reason:
        print(reason)
        return 1
    from playwright.sync_api import expect, sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="calibration-shots-"))
    url_db = f"sqlite:///{workdir / 'shots.db'}"
    tokens = _prepare(url_db)
    with (
        app_server(url_db, workdir) as url,
        sync_playwright() as playwright,
        browser_context(playwright, height=1100) as lead_ctx,
        browser_context(playwright, height=1100) as ann_ctx,
    ):
        lead = lead_ctx.new_page()
        lead.goto(url, wait_until="domcontentloaded")
        expect(lead.get_by_role("heading", name="Sign in")).to_be_visible(timeout=TIMEOUT)
        shoot(lead, "sign_in")
        lead.get_by_label("Email or name").fill(LEAD_EMAIL)
        lead.get_by_label("Password", exact=True).fill(LEAD_PASSWORD)
        lead.get_by_role("button", name="Sign in").click()
        expect(lead.get_by_role("heading", name="Hello, Lena Lead")).to_be_visible(timeout=TIMEOUT)
        shoot(lead, "home_lead")
        lead.goto(f"{url}/rounds", wait_until="domcontentloaded")
        expect(lead.get_by_role("heading", name="Clause desk onboarding")).to_be_visible(timeout=TIMEOUT)
        expect(lead.get_by_test_id("stDataFrame").first).to_be_visible(timeout=TIMEOUT)
        shoot(lead, "rounds")
        lead.goto(f"{url}/guideline?version=contract-clauses@1.1.0", wait_until="domcontentloaded")
        expect(lead.get_by_role("heading", name="Contract clause classification")).to_be_visible(
            timeout=TIMEOUT
        )
        lead.set_viewport_size({"width": 1280, "height": 1400})
        wait_idle(lead)
        lead.screenshot(path=str(OUT / "guideline.png"))  # the top of a long page
        print("wrote", OUT / "guideline.png")

        ann = ann_ctx.new_page()
        ann.goto(f"{url}/join?invite={tokens['clauses']}", wait_until="domcontentloaded")
        expect(ann.get_by_label("Display name")).to_be_visible(timeout=TIMEOUT)
        wait_idle(ann)
        shoot(ann, "join")
        ann.get_by_label("Display name").fill("Nia")
        ann.get_by_role("button", name="Join and start").click()
        expect(ann.get_by_text("Item 1 of 9")).to_be_visible(timeout=TIMEOUT)
        shoot(ann, "quiz_label")
        form = ann.get_by_test_id("stForm")
        form.locator("label").filter(has_text="Limitation of liability").first.click()
        form.get_by_role("button", name="Submit answer").click()
        feedback = ann.get_by_test_id("stAlertContentSuccess").or_(ann.get_by_test_id("stAlertContentError"))
        expect(feedback.first).to_be_visible(timeout=TIMEOUT)
        shoot(ann, "quiz_feedback")
        for step in range(2, 10):
            ann.get_by_role("button", name="Next item").click()
            expect(ann.get_by_text(f"Item {step} of 9")).to_be_visible(timeout=TIMEOUT)
            wait_idle(ann)
            ann.get_by_test_id("stForm").locator("label").filter(has_text="Indemnification").first.click()
            ann.get_by_test_id("stForm").get_by_role("button", name="Submit answer").click()
            expect(feedback.first).to_be_visible(timeout=TIMEOUT)
            wait_idle(ann)
        ann.get_by_role("button", name="See my result").click()
        expect(ann.get_by_role("heading", name="Per rule")).to_be_visible(timeout=TIMEOUT)
        shoot(ann, "quiz_result")

        ann.goto(f"{url}/join?invite={tokens['pii']}", wait_until="domcontentloaded")
        ann.get_by_role("button", name="Join this round").click()
        expect(ann.get_by_text(re.compile(r"^Item 1 of \d+$"))).to_be_visible(timeout=TIMEOUT)
        wait_idle(ann)
        _mark_first_gold_span(ann, url_db, "PII onboarding")
        ann.get_by_role("button", name="Add span").click()
        try:
            expect(ann.get_by_role("button", name="Remove").first).to_be_visible(timeout=TIMEOUT)
        finally:
            shoot(ann, "quiz_span")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
