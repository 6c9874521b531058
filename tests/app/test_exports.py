"""AppTest of the exports page, and the downloads' content against the CLI's own exports."""

from __future__ import annotations

import pytest

from calibration.reports.exports import scores_csv
from calibration.reports.html import render_analysis_report
from tests.app.lead_pages_support import HOSTILE, round_analysis, seeded_workspace


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    with seeded_workspace(tmp_path_factory, "exports") as workspace:
        yield workspace


def test_lead_gets_four_downloads(ws):
    at = ws.page("exports.py", ws.lead).run()
    assert not at.exception
    assert at.title[0].value == "Exports"
    labels = [b.label for b in at.get("download_button")]
    assert labels == [
        "Download responses.csv",
        "Download agreement-per-rule.csv",
        "Download scores.csv",
        "Download the report",
    ]
    _, analysis = round_analysis(ws)
    assert f"{analysis.n_answers} answers by {analysis.n_annotators} annotators" in at.caption[0].value


def test_responses_download_is_what_the_cli_exports(ws, tmp_path):
    from calibration.cli.main import main
    from calibration.interop.exports import responses_csv

    data, _ = round_analysis(ws)
    out = tmp_path / "responses.csv"
    assert (
        main(
            [
                "export",
                "responses",
                ws.round.name,
                "--format",
                "csv",
                "--output",
                str(out),
                "--database",
                ws.url,
            ]
        )
        == 0
    )
    assert responses_csv(data.responses, data.guideline.task.type) == out.read_text()


def test_scores_csv_has_one_row_per_annotator(ws):
    data, analysis = round_analysis(ws)
    lines = scores_csv(analysis).splitlines()
    assert lines[0].startswith("annotator_id,answers,agreement_alpha,agreement_kappa,gold_items,accuracy")
    assert sorted(line.split(",")[0] for line in lines[1:]) == sorted(data.responses["annotator_id"].unique())


def test_report_of_a_real_round_has_the_revision_queue_and_escapes_comments(ws):
    from calibration.ambiguity.queue import revision_queue

    data, analysis = round_analysis(ws)
    queue = revision_queue(data, report=analysis.report)
    page = render_analysis_report(analysis, queue=queue, title=f"Round report: {ws.round.name}")
    assert "<h2>Revision queue</h2>" in page
    first = queue.rules[0]
    assert f'<td class="num">1</td><td>{first.rule_id}</td>' in page
    assert HOSTILE not in page


def test_annotator_is_refused(ws):
    at = ws.page("exports.py", ws.annotator).run()
    assert at.error[0].value.startswith("This page is for a lead;")
    assert not at.get("download_button")
