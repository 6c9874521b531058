"""`calibration report ROUND --format html` (charts on, the default): per-rule table, charts and queue."""

from __future__ import annotations

from calibration.cli.main import main


def test_html_report_from_the_cli_has_table_charts_and_queue(demo_store, tmp_path, capsys):
    store, names = demo_store
    out = tmp_path / "report.html"
    args = ["report", names[0], "--format", "html", "--database-url", store.url, "-o", str(out)]
    assert main([*args, "--bootstrap", "200"]) == 0
    assert capsys.readouterr().err.strip() == f"wrote {out}"
    page = out.read_text(encoding="utf-8")
    assert "<h2>Agreement per rule</h2>" in page and "<td>R-INDEM</td>" in page
    assert "Plotly.newPlot" in page and page.count("plotly.js v") == 1
    queue = page.split("Revision queue", 1)[1]
    assert queue.index("R-INDEM") < queue.index("R-PAY")
