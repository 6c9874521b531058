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


SCORES_CSV_NAMES = {"passed": "passed_marks", "decision": "confidence_decision"}
"""Columns of `annotator_table` renamed in scores.csv, so its two verdicts cannot read as one."""


def scores_csv(analysis: RoundAnalysis, reused: Mapping[str, Sequence[str]] | None = None) -> str:
    """Per-annotator scores as CSV, one row per annotator (index annotator_id).

    Columns: answers, agreement_alpha / agreement_kappa (with the others), and with gold gold_items,
    accuracy, kappa_vs_gold, passed_marks, failed_rules (a JSON list), confidence_decision and
    rule_decisions (a JSON list of "R1: pass, 78%–99%": each rule's decision and the credible interval
    of the accuracy); reused_items with `reused` (a calibration round: answers on items seen in an
    earlier attempt, `calibration.rounds.status.reused_answers`); robust_z and outlier (see
    `calibration.reports.analysis.annotator_table`).

    Two verdicts answer two questions (docs/calibration.md, docs/adaptive.md): ``passed_marks`` (the
    table's ``passed``) is whether the answers meet the guideline's pass marks with no rule decided
    fail, the verdict a fixed quiz certifies on; ``confidence_decision`` (the table's ``decision``) is
    whether the answers show with the stated confidence that every rule is above its mark (pass), that
    one is below (fail), or neither yet (undecided: too few items on a rule). ``passed_marks`` True
    beside ``undecided`` is a pass on the marks that three items per rule cannot yet confirm; a
    ``fail`` always has ``passed_marks`` False. The columns were named ``passed`` and ``decision``,
    which read as one verdict contradicting itself.
    """
    table = annotator_table(analysis, reused=reused).rename(columns=SCORES_CSV_NAMES)
    for column in table.columns:
        if table[column].dtype == object:
            table[column] = table[column].map(_cell)
    return frame_to_csv(table, index=True) or ""
