"""The exports page's four downloads, clicked and read back: what a lead's browser gets (AppTest).

test_exports.py checks the library's files against the CLI's; here the files come from the page's own
buttons, so a button wired to the wrong maker, round or column is caught.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest

from tests.app.download_content import Downloads
from tests.app.lead_pages_support import HOSTILE, round_analysis, seeded_workspace


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    with seeded_workspace(tmp_path_factory, "exports_downloads") as workspace:
        yield workspace


@pytest.fixture
def files(ws, monkeypatch) -> dict[str, bytes]:
    """Each download of the exports page (lead, the seeded round), by widget key."""
    downloads = Downloads(monkeypatch)
    at = ws.page("exports.py", ws.lead).run()
    assert not at.exception and not at.error
    return {button.key: downloads.content(button) for button in at.download_button}


def test_the_four_downloads_are_the_seeded_rounds_files(files):
    assert set(files) == {"exp_responses", "exp_rules", "exp_scores", "exp_report"}
    assert all(files.values())


def test_responses_csv_holds_every_answer_of_the_round(ws, files):
    data, _ = round_analysis(ws)
    table = pd.read_csv(io.BytesIO(files["exp_responses"]), dtype=str, keep_default_na=False)
    assert {"item_id", "annotator_id", "answer", "confidence", "unclear", "comment"} <= set(table.columns)
    expected = data.responses
    assert len(table) == len(expected)
    assert sorted(zip(table["item_id"], table["annotator_id"], table["answer"], strict=True)) == sorted(
        zip(expected["item_id"], expected["annotator_id"], expected["answer"].map(str), strict=True)
    )
    assert HOSTILE in set(table["comment"])  # a CSV cell keeps the comment as typed


def test_agreement_csv_has_one_row_per_rule_with_the_reports_figures(ws, files):
    _, analysis = round_analysis(ws)
    table = pd.read_csv(io.BytesIO(files["exp_rules"]), index_col=0)
    expected = analysis.report.per_rule_frame()
    assert sorted(table.index) == sorted(expected.index)
    lows = {c.removesuffix("_low") for c in table.columns if c.endswith("_low")}
    assert lows and lows == {c.removesuffix("_high") for c in table.columns if c.endswith("_high")}
    assert table["n_items"].to_dict() == expected["n_items"].to_dict()
    assert "flags" in table.columns  # codes joined with ";", not a Python list
    assert not table["flags"].dropna().str.startswith("[").any()


def test_scores_csv_has_one_row_per_annotator(ws, files):
    data, _ = round_analysis(ws)
    table = pd.read_csv(io.BytesIO(files["exp_scores"]), index_col="annotator_id")
    assert sorted(table.index) == sorted(data.responses["annotator_id"].unique())
    answers = data.responses.groupby("annotator_id").size()
    assert table["answers"].to_dict() == answers.to_dict()


def test_the_report_is_a_whole_html_page_of_the_round_with_comments_escaped(ws, files):
    page = files["exp_report"].decode("utf-8")
    assert page.lstrip().lower().startswith("<!doctype html>")
    assert f"Round report: {ws.round.name}" in page
    assert "<h2>Revision queue</h2>" in page
    assert HOSTILE not in page
