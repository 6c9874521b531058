"""Errors a tester met on a fresh clone: one line naming file, line and field, in plain words, with a hint."""

from __future__ import annotations

from pathlib import Path

import pytest

from calibration.cli.main import main


def _error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


def test_an_unclosed_quote_names_its_line_in_plain_words(capsys, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text('item_id,annotator_id,answer\ncc-001,a1,X\ncc-002,a1,X\ncc-003,"a2,Y\ncc-004,a1,X\n')
    line = _error(capsys, ["agreement", str(bad)])
    assert line == (
        f"error: {bad}: row 4: a quote opened on this line of the responses file is never closed "
        '(hint: close the quote ("...") on that line, or remove it; a quoted cell runs to the next quote)'
    )
    assert "tokenizing" not in line


def test_wrong_column_names_say_what_to_rename(capsys, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("item,who,label\ncc-001,a1,X\n")
    line = _error(capsys, ["agreement", str(bad)])
    assert line.endswith(
        "(hint: rename 'item' to 'item_id'; rename 'who' to 'annotator_id'; rename 'label' to 'answer')"
    )
    assert "did you mean" not in line


@pytest.mark.parametrize(
    ("cells", "row", "field", "got"),
    [
        (["x", "3"], 2, "confidence", "'x'"),
        (["4", "7"], 3, "confidence", "'7'"),
        (["2.5", ""], 2, "confidence", "'2.5'"),
    ],
)
def test_a_bad_confidence_is_refused_with_row_and_field(capsys, tmp_path, cells, row, field, got) -> None:
    bad = tmp_path / "conf.csv"
    bad.write_text(
        "item_id,annotator_id,answer,confidence\n"
        f"cc-001,a1,INDEMNIFICATION,{cells[0]}\ncc-001,a2,OTHER,{cells[1]}\n"
    )
    line = _error(capsys, ["agreement", str(bad)])
    assert line.startswith(
        f"error: {bad}: row {row}: {field}: expected a whole number from 1 to 5, got {got}"
    )
    assert "(hint: use 1 (unsure) to 5 (sure)" in line


def test_negative_seconds_are_refused_and_good_signals_pass(capsys, tmp_path: Path) -> None:
    bad = tmp_path / "secs.csv"
    bad.write_text("item_id,annotator_id,answer,confidence,seconds\ni1,a1,X,5,-3\ni1,a2,X,,\n")
    line = _error(capsys, ["agreement", str(bad)])
    assert f"{bad}: row 2: seconds: expected a number of seconds >= 0, got '-3'" in line
    good = tmp_path / "good.csv"
    good.write_text(
        "item_id,annotator_id,answer,confidence,seconds\ni1,a1,X,5,3.5\ni1,a2,X,,\ni2,a1,Y,1,0\ni2,a2,Y,2,1\n"
    )
    assert main(["agreement", str(good)]) == 0


def test_a_yaml_syntax_error_has_an_indentation_hint(capsys, tmp_path: Path) -> None:
    bad = tmp_path / "bad1.yaml"
    bad.write_text("id: x\nitems:\n  - a: 1\n  - b: 2\n : : [\n")
    assert main(["validate", str(bad)]) == 1
    out = capsys.readouterr()
    text = out.out + out.err
    assert "YAML syntax error" in text
    assert "(hint: check the indentation" in text
    assert "Traceback" not in text


def test_report_accepts_markdown_as_well_as_md(demo_store, capsys) -> None:
    store, names = demo_store
    args = ["report", names[0], "--database-url", store.url, "--bootstrap", "0", "--format"]
    assert main([*args, "markdown"]) == 0
    markdown = capsys.readouterr().out
    assert main([*args, "md"]) == 0
    assert capsys.readouterr().out == markdown
    assert "## Revision queue" in markdown


def test_counts_of_one_are_singular(capsys, tmp_path: Path) -> None:
    from calibration.wording import counted

    assert [counted(1, "annotator"), counted(24, "annotator"), counted(2, "box", "boxes")] == [
        "1 annotator",
        "24 annotators",
        "2 boxes",
    ]
    one = tmp_path / "one.csv"
    one.write_text("item_id,annotator_id,answer\ni1,a1,X\ni1,a2,Y\n")
    assert main(["agreement", str(one), "--bootstrap", "0"]) == 0
    assert capsys.readouterr().out.startswith("Agreement on 2 answers by 2 annotators on 1 item (")
