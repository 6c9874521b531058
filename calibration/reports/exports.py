"""CSV exports of a round: responses (the long table `calibration agreement` reads), scores, per-rule agreement."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pandas as pd

from calibration.answers import dump_cell
from calibration.responses import ANSWER, OPTIONAL_COLUMNS, REQUIRED_COLUMNS

if TYPE_CHECKING:
    from calibration.reports.analysis import RoundAnalysis


def responses_csv(responses: pd.DataFrame, task_type: str) -> str:
    """The responses table as CSV: item_id, annotator_id, answer (plain label or JSON) and the optional
    columns present, one row per answer; what `calibration agreement RESPONSES.csv` reads back."""
    columns = [c for c in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS) if c in responses.columns]
    out = responses[columns].copy()
    out[ANSWER] = [dump_cell(task_type, answer) for answer in out[ANSWER]]
    return out.to_csv(index=False)


def _cell(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return json.dumps(list(value), ensure_ascii=False)
    return value


def rules_csv(analysis: RoundAnalysis) -> str:
    """Per-rule agreement as CSV: one row per rule with counts, statistics, 95% bounds, gold scores, flags."""
    table = analysis.rules.copy()
    table["flags"] = [" ".join(map(str, flags)) for flags in table["flags"]]
    return table.to_csv(index=True)


def scores_csv(analysis: RoundAnalysis) -> str:
    """Per-annotator scores as CSV (gold scores when the round has gold, agreement with the others, outliers)."""
    from calibration.reports.analysis import annotator_table

    table = annotator_table(analysis)
    for column in table.columns:
        if table[column].dtype == object:
            table[column] = table[column].map(_cell)
    return table.to_csv(index=True)
