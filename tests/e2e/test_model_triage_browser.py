"""The lead's Model triage page in a real browser: add the demo model's answers, read the per-rule
decisions, download the spot-check plan and open it.

Skipped when Chromium or Playwright is missing, unless ``CALIBRATION_REQUIRE_BROWSER=1`` (as in CI).
"""

from __future__ import annotations

import contextlib
import csv
import re
from pathlib import Path

import pytest

from tests.e2e.e2e_browser import (
    ARTIFACTS,
    app_server,
    browser_context,
    lead_store,
    require_browser,
    sign_in_lead,
    wait_idle,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT = 30_000


def test_model_triage_page_decides_per_rule_and_downloads_the_plan(tmp_path: Path) -> None:
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    from calibration.rounds.demo_workspace import demo_round_name, load_demo_workspace

    url_db, engine, lead = lead_store(tmp_path / "triage.db")
    load_demo_workspace(engine, actor=lead)

    step = "start"
    with (
        app_server(url_db, tmp_path) as url,
        sync_playwright() as playwright,
        browser_context(playwright, height=1100, accept_downloads=True) as context,
    ):
        page = context.new_page()
        try:
            step = "sign in"
            sign_in_lead(page, url, TIMEOUT)

            step = "open Model triage and add the demo model's answers"
            page.get_by_role("link", name="Model triage").click()
            expect(page.get_by_role("heading", name="Model triage")).to_be_visible(timeout=TIMEOUT)
            main = page.get_by_test_id("stMain")
            round_box = page.locator(".st-key-mt_round input")
            expect(round_box).to_have_value(re.compile("^" + re.escape(demo_round_name("1.1.0"))))
            add = page.get_by_role("button", name="Add the example model's answers (demo)")
            expect(add).to_be_visible(timeout=TIMEOUT)
            add.click()

            step = "the three decisions and the plan"
            expect(page.get_by_role("heading", name="Spot-check plan")).to_be_visible(timeout=TIMEOUT)
            wait_idle(page)
            for words in ("Automate with spot-checks", "Keep people", "Not enough evidence"):
                expect(page.get_by_test_id("stMetric").filter(has_text=words)).to_be_visible()
            expect(main.get_by_text("R-INDEM: the model (not people) fails here differently")).to_be_visible()
            expect(page.get_by_test_id("stException")).to_have_count(0)
            expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)

            step = "download the labels to check"
            with page.expect_download() as download:
                page.get_by_role("button", name="Download the labels to check (CSV)").click()
            saved = tmp_path / download.value.suggested_filename
            download.value.save_as(saved)
            assert saved.name.endswith("-spot-check.csv")
            with saved.open(newline="", encoding="utf-8") as handle:
                rows = list(csv.DictReader(handle))
            assert rows, "the spot-check plan is empty"
            assert {"item_id", "rule_id", "model_answer", "selection", "reviewer_answer"} <= set(rows[0])
            assert {row["model"] for row in rows} == {"clauses-gpt@2024-08"}
            assert "R-INDEM" not in {row["rule_id"] for row in rows}  # kept with people: nothing to check
        except Exception as error:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(Exception):
                page.screenshot(path=str(ARTIFACTS / "model-triage-failure.png"), full_page=True)
            raise AssertionError(f"model triage journey failed at step: {step}: {error}") from error
