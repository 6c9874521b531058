"""CSV export of annotator scores (responses and per-rule agreement CSVs are `calibration.interop.exports`)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from calibration.csv_cells import frame_to_csv
from calibration.reports.analysis import RoundAnalysis, annotator_table


def _cell(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return json.dumps(list(value), ensure_ascii=False)
    return value


def scores_csv(analysis: RoundAnalysis, reused: Mapping[str, Sequence[str]] | None = None) -> str:
    """Per-annotator scores as CSV, one row per annotator (index annotator_id).

    Columns: answers, agreement_alpha / agreement_kappa (with the others), and with gold gold_items,
    accuracy, kappa_vs_gold, passed, failed_rules (a JSON list), decision (pass/fail/undecided with
    stated confidence) and rule_decisions (a JSON list of "R1: pass, 78%–99%": each rule's decision
    and the credible interval of the accuracy); reused_items with `reused` (a calibration round:
    answers on items seen in an earlier attempt, `calibration.rounds.status.reused_answers`); robust_z
    and outlier (see `calibration.reports.analysis.annotator_table`).
    """
    table = annotator_table(analysis, reused=reused)
    for column in table.columns:
        if table[column].dtype == object:
            table[column] = table[column].map(_cell)
    return frame_to_csv(table, index=True) or ""
