"""No CSV the product writes holds a cell a spreadsheet would run as a formula (OWASP "CSV Injection")."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from calibration.csv_cells import neutralise_cell, restore_cell
from calibration.responses import Annotations
from tests.csv_safety import GUIDELINE, HOSTILE, assert_safe


@pytest.mark.parametrize("value", [*HOSTILE, "'=already quoted", "'", "''x"])
def test_a_neutralised_cell_is_text_and_restores_exactly(value: str) -> None:
    written = neutralise_cell(value)
    assert written.startswith("'")
    assert restore_cell(written) == value


@pytest.mark.parametrize("value", ["plain", "", "it's", "a=b", 3, -1.5, None])
def test_other_cells_are_left_as_they_are(value: object) -> None:
    assert neutralise_cell(value) == value
    assert restore_cell(value) == value


def test_responses_csv_is_safe_and_reads_back_unchanged(hostile_round, tmp_path: Path) -> None:
    from calibration.interop.csv_reader import read_responses_csv
    from calibration.interop.exports import responses_csv

    guideline, responses, _, _ = hostile_round
    text = responses_csv(responses, guideline.task.type)
    assert_safe(text)
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
    assert_safe(scores)
    first_column = {row[0] for row in csv.reader(io.StringIO(scores))}
    assert first_column >= {"'-2+3", "'@SUM(1+1)*cmd|' /C calc'!A0", "'\r=1+1"}
    assert_safe(agreement_csv(data, bootstrap=0))


def test_gold_csv_is_safe() -> None:
    from calibration.guidelines.loading import load_guideline
    from calibration.interop.exports import gold_csv, gold_records

    guideline = load_guideline(GUIDELINE)
    records = gold_records(guideline)
    records[0] = {**records[0], "why": HOSTILE[0], "input": {"text": "-1 sneaky"}, "source": "@x"}
    text = gold_csv(records, guideline.task.type)
    assert_safe(text)
    assert "'=HYPERLINK(" in text and "'-1 sneaky" in text
