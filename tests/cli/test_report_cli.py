"""`calibration report ROUND`: the round report with its revision queue, from a stored demo pilot."""

from __future__ import annotations

from calibration.cli.main import main


def test_report_markdown_has_the_revision_queue(demo_store, capsys):
    store, names = demo_store
    assert (
        main(["report", names[0], "--format", "md", "--database-url", store.url, "--bootstrap", "200"]) == 0
    )
    out = capsys.readouterr().out
    assert "## Revision queue" in out
    queue = out.split("## Revision queue")[1]
    first_row = next(line for line in queue.splitlines() if line.startswith("| 1 "))
    assert "R-INDEM" in first_row
    assert "INDEMNIFICATION-vs-LIMITATION_OF_LIABILITY boundary" in first_row.replace("\\_", "_")


def test_report_html_to_a_file(demo_store, tmp_path, capsys):
    store, names = demo_store
    out = tmp_path / "report.html"
    args = [
        "report",
        names[1],
        "--format",
        "html",
        "--database-url",
        store.url,
        "-o",
        str(out),
        "--no-charts",
    ]
    assert main([*args, "--bootstrap", "200"]) == 0
    assert capsys.readouterr().err.strip() == f"wrote {out}"
    text = out.read_text(encoding="utf-8")
    assert text.lstrip().lower().startswith("<!doctype html") and "Revision queue" in text


def test_report_names_an_unknown_round(store, capsys):
    assert main(["report", "no such round", "--database-url", store.url]) == 1
    assert "no such round" in capsys.readouterr().err
