"""Take screenshots of the app's main pages into docs/screenshots/ (run by hand: ``python tests/e2e/screenshots.py``).

Starts the app on a temporary store with the demo workspace, a contract-clause calibration round and a
personal-data span round, then signs in a lead and an annotator in Chromium and shoots each page; last,
the lead's analysis pages on the demo pilots (agreement dashboard, revision queue, version comparison,
annotators, adjudication, guideline diff). ``python tests/e2e/screenshots.py --lead-pages`` shoots only
those (quicker while adjusting them); ``--boxes`` shoots only the boxes quiz, its feedback and the
lead's box view (the bundled street-objects guideline and the demo box pilot).
"""

from __future__ import annotations

import contextlib
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run by hand: the repository root

from tests.e2e.e2e_browser import (
    LEAD_EMAIL,
    LEAD_PASSWORD,
    ROOT,
    app_server,
    box_frame,
    browser_context,
    browser_missing,
    choose,
    draw_box,
    lead_store,
    mark_span,
    shown_text,
    span_frame,
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


def _mark_gold_spans(page, url_db: str, round_name: str) -> None:
    """Mark the shown item's gold spans in the text, dragging the mouse over each (screenshots only)."""
    from calibration.rounds import service
    from calibration.storage.engine import make_engine

    engine = make_engine(url_db)
    items = service.round_items(engine, round_name)
    guideline = service.get_guideline(engine, service.get_round(engine, round_name).guideline_ref)
    engine.dispose()
    expect_visible(span_frame(page).locator(".tok").first)
    body = shown_text(page)
    item = next(i for i in items.values() if i.input.text in body and i.answer)
    for span in item.answer:
        start = span.get("start", item.input.text.index(span["text"]))
        mark_span(page, start, start + len(span["text"]), guideline.label(span["label"]).name)


def shoot(page, name: str) -> None:
    page.mouse.move(5, 5)  # off the tables, so no hover toolbar covers what is above them
    wait_idle(page)
    page.wait_for_timeout(600)  # lazy code blocks and fonts
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)
    print("wrote", OUT / f"{name}.png")


def shoot_tall(page, name: str, *, max_height: int = 4000) -> None:
    """Shoot the whole page: Streamlit scrolls inside its main block, so grow the viewport to fit it first."""
    page.mouse.move(5, 5)  # off the tables, so no hover toolbar covers the widget above them
    wait_idle(page)
    page.wait_for_timeout(600)
    height = page.evaluate(
        "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
        " const b = m && m.querySelector('[data-testid=\"stMainBlockContainer\"]');"
        " return Math.ceil((b || m || document.body).scrollHeight) + 40; }"
    )
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(height, max_height))})
    wait_idle(page)
    page.wait_for_timeout(1200)  # charts and data frames redraw at the new size
    page.screenshot(path=str(OUT / f"{name}.png"))
    page.set_viewport_size(size)
    print("wrote", OUT / f"{name}.png")


def shoot_between(page, name: str, first, after) -> None:
    """Shoot the part of a page from the top of `first` to the top of `after` (the whole width of the
    main column), growing the viewport so both are on screen."""
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": 5000})
    page.mouse.move(5, 5)
    wait_idle(page)
    page.wait_for_timeout(1200)  # charts and images redraw at the new size
    top, bottom = first.bounding_box(), after.bounding_box()
    column = page.get_by_test_id("stMainBlockContainer").bounding_box()
    assert top and bottom and column, "the section is not on the page"
    clip = {"x": column["x"], "y": top["y"] - 16, "width": column["width"], "height": bottom["y"] - top["y"]}
    page.screenshot(path=str(OUT / f"{name}.png"), clip=clip)
    page.set_viewport_size(size)
    print("wrote", OUT / f"{name}.png")


def wait_charts(page, count: int) -> None:
    """Wait until `count` Plotly charts have drawn their plot area."""
    page.wait_for_function(
        f"() => document.querySelectorAll('[data-testid=\"stPlotlyChart\"] .main-svg').length >= {count}",
        timeout=TIMEOUT,
    )


def wait_tables(page, count: int) -> None:
    """Wait until `count` data frames are on the page."""
    page.wait_for_function(
        f"() => document.querySelectorAll('[data-testid=\"stDataFrame\"]').length >= {count}",
        timeout=TIMEOUT,
    )


def sign_in_lead(page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    expect_visible(page.get_by_role("heading", name="Sign in"))
    page.get_by_label("Email or name").fill(LEAD_EMAIL)
    page.get_by_label("Password", exact=True).fill(LEAD_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect_visible(page.get_by_role("heading", name="Hello, Lena Lead"))


def expect_visible(locator) -> None:
    from playwright.sync_api import expect

    expect(locator).to_be_visible(timeout=TIMEOUT)


def shoot_lead_pages(page, url: str) -> None:
    """The lead's analysis pages on the demo pilots of contract-clauses 1.0.0 and 1.1.0."""
    from calibration.rounds.demo_workspace import demo_round_name

    old, new = demo_round_name("1.0.0"), demo_round_name("1.1.0")
    page.set_viewport_size({"width": 1280, "height": 1100})

    page.goto(f"{url}/dashboard", wait_until="domcontentloaded")
    expect_visible(page.get_by_role("heading", name="Agreement dashboard"))
    wait_idle(page)
    choose(page, "dash_round", old)
    expect_visible(page.get_by_role("heading", name="Agreement per rule"))
    choose(page, "dash_rule", "R-INDEM")
    expect_visible(page.get_by_role("heading", name=re.compile(r"^R-INDEM · ")))
    wait_charts(page, 3)
    wait_tables(page, 2)
    shoot_tall(page, "dashboard", max_height=5000)

    page.goto(f"{url}/revision-queue", wait_until="domcontentloaded")
    expect_visible(page.get_by_role("heading", name="Revision queue"))
    wait_idle(page)
    choose(page, "rq_round", old)
    choose(page, "rq_rule", "1. R-INDEM")
    expect_visible(page.get_by_role("heading", name="1. R-INDEM"))
    page.get_by_text("Hardest items and gold suspects").click()
    wait_tables(page, 3)
    shoot_tall(page, "revision_queue")

    page.goto(f"{url}/compare", wait_until="domcontentloaded")
    expect_visible(page.get_by_role("heading", name="Compare versions"))
    wait_idle(page)
    choose(page, "cmp_before", old)
    choose(page, "cmp_after", new)
    expect_visible(page.get_by_role("heading", name="contract-clauses@1.0.0 → contract-clauses@1.1.0"))
    wait_tables(page, 1)
    wait_charts(page, 1)  # the before/after chart per rule
    shoot_tall(page, "compare")

    page.goto(f"{url}/annotators", wait_until="domcontentloaded")
    expect_visible(page.get_by_role("heading", name="Annotators"))
    wait_idle(page)
    choose(page, "annot_round", old)
    expect_visible(page.get_by_role("heading", name="Drill down into one annotator"))
    wait_tables(page, 3)
    shoot_tall(page, "annotators")

    shoot_model_triage(page, url)

    page.goto(f"{url}/adjudication", wait_until="domcontentloaded")
    expect_visible(page.get_by_role("heading", name="Adjudication"))
    wait_idle(page)
    choose(page, "adj_round", old)
    expect_visible(page.get_by_text("Answers given"))
    wait_tables(page, 1)
    expect_visible(page.locator('[data-testid="stTable"]'))
    shoot_tall(page, "adjudication")

    page.goto(f"{url}/guidelines", wait_until="domcontentloaded")
    expect_visible(page.get_by_role("heading", name="Compare two versions"))
    wait_idle(page)
    choose(page, "gadm_old", "contract-clauses@1.0.0")
    choose(page, "gadm_new", "contract-clauses@1.1.0")
    expect_visible(page.get_by_role("button", name="Download the diff (markdown)"))
    shoot_tall(page, "guidelines_diff")


def shoot_model_triage(page, url: str) -> None:
    """The Model triage page on the demo pilot of 1.1.0, with the bundled model's answers added."""
    page.goto(f"{url}/model-triage", wait_until="domcontentloaded")
    expect_visible(page.get_by_role("heading", name="Model triage"))
    wait_idle(page)
    add = page.get_by_role("button", name="Add the example model's answers (demo)")
    with contextlib.suppress(Exception):  # already added by an earlier run on this store
        add.click(timeout=5000)
    expect_visible(page.get_by_role("heading", name="Spot-check plan"))
    wait_tables(page, 2)
    shoot_tall(page, "model_triage")


def shoot_boxes() -> None:
    """The bundled street-objects guideline: a quiz item with its boxes drawn, the feedback, and the
    lead's box view of the demo box pilot."""
    from playwright.sync_api import expect, sync_playwright

    from calibration.rounds import service
    from calibration.rounds.demo_workspace import DEMO_BOX_ROUND, load_demo_workspace

    workdir = Path(tempfile.mkdtemp(prefix="calibration-box-shots-"))
    url_db, engine, lead = lead_store(workdir / "boxes.db")
    load_demo_workspace(engine, actor=lead)
    quiz = service.create_calibration_round(
        engine, "Street objects onboarding", "street-objects@1.0.0", actor=lead, items_per_quiz=8
    )
    token = service.invite(engine, quiz.id, actor=lead)
    items = service.round_items(engine, quiz.id)  # the script reads gold to draw it (screenshots only)
    guideline = service.get_guideline(engine, "street-objects@1.0.0")
    engine.dispose()
    with (
        app_server(url_db, workdir) as url,
        sync_playwright() as playwright,
        browser_context(playwright, height=1100) as lead_ctx,
        browser_context(playwright, height=1100) as ann_ctx,
    ):
        ann = ann_ctx.new_page()
        ann.goto(f"{url}/join?invite={token}", wait_until="domcontentloaded")
        expect(ann.get_by_label("Display name")).to_be_visible(timeout=TIMEOUT)
        wait_idle(ann)
        ann.get_by_label("Display name").fill("Nia")
        ann.get_by_role("button", name="Join and start").click()
        frame = box_frame(ann)
        expect(frame.locator("#image")).to_be_visible(timeout=TIMEOUT)
        wait_idle(ann)
        caption = frame.locator("#caption").inner_text()
        item = next(i for i in items.values() if i.input.alt == caption)
        width = int(frame.locator("#image").evaluate("image => image.naturalWidth"))
        for number, box in enumerate(item.answer):
            frame.locator("#labels").get_by_role(
                "button", name=guideline.label(box["label"]).name, exact=True
            ).click()
            nudge = 2 if number % 2 else -2  # drawn by hand: a pixel or two off
            draw_box(ann, (box["x"] + nudge, box["y"], box["width"], box["height"] - nudge), width)
        shoot(ann, "quiz_boxes")
        ann.get_by_test_id("stForm").get_by_role("button", name="Submit answer").click()
        expect(ann.get_by_test_id("stImage").first).to_be_visible(timeout=TIMEOUT)
        wait_tables(ann, 1)
        shoot_tall(ann, "quiz_boxes_feedback")

        page = lead_ctx.new_page()
        sign_in_lead(page, url)
        page.goto(f"{url}/dashboard", wait_until="domcontentloaded")
        expect_visible(page.get_by_role("heading", name="Agreement dashboard"))
        wait_idle(page)
        choose(page, "dash_round", DEMO_BOX_ROUND)
        expect_visible(page.get_by_role("heading", name="Boxes: agreement by IoU threshold"))
        page.get_by_role("heading", name="Boxes: agreement by IoU threshold").scroll_into_view_if_needed()
        wait_charts(page, 1)
        expect_visible(page.get_by_test_id("stImage").first)
        shoot_between(
            page,
            "dashboard_boxes",
            page.get_by_role("heading", name="Boxes: agreement by IoU threshold"),
            page.get_by_role("heading", name="Agreement per rule"),
        )


def main() -> int:
    reason = browser_missing()
    if reason:
        print(reason)
        return 1
    if "--boxes" in sys.argv[1:]:
        OUT.mkdir(parents=True, exist_ok=True)
        shoot_boxes()
        return 0
    from playwright.sync_api import expect, sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="calibration-shots-"))
    url_db = f"sqlite:///{workdir / 'shots.db'}"
    tokens = _prepare(url_db)
    if "--lead-pages" in sys.argv[1:]:
        with (
            app_server(url_db, workdir) as url,
            sync_playwright() as playwright,
            browser_context(playwright, height=1100) as lead_ctx,
        ):
            page = lead_ctx.new_page()
            sign_in_lead(page, url)
            try:
                shoot_lead_pages(page, url)
            finally:
                page.screenshot(path=str(workdir / "last.png"))
                print("last view:", workdir / "last.png")
        return 0
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
        try:
            _mark_gold_spans(ann, url_db, "PII onboarding")
        finally:
            shoot(ann, "quiz_span")
        shoot_lead_pages(lead, url)
    shoot_boxes()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
