"""Everything the lead's dashboard and the round report show, computed once from a round's data.

`analyse_round` calls the agreement engine (`calibration.agreement.breakdown.agreement_report`) and
the gold scoring (`calibration.agreement.gold`) and arranges their results as tables for pages,
charts and reports. It computes no statistic itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from calibration.reports.tables import chart_table, rule_table
from calibration.responses import ANNOTATOR, ITEM, RULE

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from calibration.guidelines.model import Guideline


@dataclass(frozen=True)
class RoundAnalysis:
    """A round's analysis, ready to show.

    Attributes:
        guideline: the round's guideline version.
        report: the engine's `AgreementReport`.
        overall: the overall statistic block (a dict shaped like ``agreement --json``'s ``overall``).
        rules: per-rule table (`calibration.reports.tables.rule_table`), indexed by rule_id.
        scores: per-annotator gold scores (`score_annotators`), indexed by annotator_id; empty without gold.
        annotator_rule: annotator (index) x rule (columns) matrix of accuracy vs gold, or of
            leave-one-out agreement when the round has no gold.
        annotator_rule_kind: what `annotator_rule` holds ("accuracy vs gold" or "agreement with the others").
        pairs: annotator x annotator matrix of Cohen's kappa (NaN where undefined).
        confusions: per rule id, a label x label count matrix (gold x answer with gold, else the
            symmetric coincidences of answer pairs).
        n_items, n_annotators, n_answers: sizes of the round.
    """

    guideline: Guideline
    report: Any
    overall: dict[str, Any]
    rules: pd.DataFrame
    scores: pd.DataFrame
    annotator_rule: pd.DataFrame
    annotator_rule_kind: str
    pairs: pd.DataFrame
    confusions: dict[str, pd.DataFrame] = field(default_factory=dict)
    n_items: int = 0
    n_annotators: int = 0
    n_answers: int = 0

    @property
    def target(self) -> float:
        """The guideline's pilot target agreement."""
        return float(self.guideline.calibration.pilot_target)

    def figures(self) -> dict[str, go.Figure]:
        """The dashboard's figures: ``rules``, ``annotators``, ``pairs`` (confusions are per rule)."""
        from calibration.reports.charts import (
            annotator_rule_heatmap,
            pair_matrix_figure,
            rule_agreement_figure,
        )

        return {
            "rules": rule_agreement_figure(chart_table(self.rules), target=self.target),
            "annotators": annotator_rule_heatmap(
                self.annotator_rule,
                value_name=self.annotator_rule_kind,
                zmin=0.0 if self.annotator_rule_kind == "accuracy vs gold" else -0.2,
            ),
            "pairs": pair_matrix_figure(self.pairs),
        }

    def confusion_figure(self, rule_id: str) -> go.Figure:
        """The confusion heat map of one rule."""
        from calibration.reports.charts import confusion_figure

        with_gold = not self.scores.empty
        return confusion_figure(
            self.confusions.get(rule_id, pd.DataFrame()),
            title=f"Confusion under rule {rule_id}",
            row_name="gold" if with_gold else "one annotator",
            column_name="answer" if with_gold else "another annotator",
        )


def report_dict(report: Any) -> dict[str, Any]:
    """The engine's report as the JSON-shaped dict of `calibration agreement --json`."""
    if isinstance(report, dict):
        return report
    for name in ("to_dict", "to_json_dict", "as_dict"):
        method = getattr(report, name, None)
        if callable(method):
            return method()
    raise TypeError(f"cannot read an agreement report of type {type(report).__name__}")


def analyse_round(
    guideline: Guideline,
    responses: pd.DataFrame,
    item_rules: pd.DataFrame,
    gold: pd.Series,
    *,
    report: Any = None,
    bootstrap: int = 1000,
    seed: int = 0,
) -> RoundAnalysis:
    """Agreement per rule, gold scores, annotator x rule matrix, pair matrix and confusions of a round.

    Args:
        guideline: the round's guideline version (task, rule titles, pilot target).
        responses: the canonical responses table.
        item_rules: item-to-rule table (item_id, rule_id).
        gold: gold answers indexed by item_id (may be empty).
        report: an `AgreementReport` already computed for these inputs; computed when None.
        bootstrap: resamples for the 95% intervals when the report is computed here.
        seed: bootstrap seed.

    Returns:
        A `RoundAnalysis`.

    Raises:
        DataError: from the engine, for responses it cannot analyse.
    """
    from calibration.agreement.gold import score_against_gold, score_annotators

    if report is None:
        from calibration.agreement.breakdown import agreement_report

        report = agreement_report(
            responses, guideline=guideline, item_rules=item_rules, gold=gold, bootstrap=bootstrap, seed=seed
        )
    blocks = report_dict(report)
    titles = {rule.id: rule.title for rule in guideline.rules}
    rules = rule_table(blocks.get("per_rule") or {}, titles)
    task = guideline.task
    gold = gold if gold is not None else pd.Series(dtype=object)
    answered_gold = responses[ITEM].isin(gold.index) if len(gold) else pd.Series(False, index=responses.index)
    scores = pd.DataFrame()
    if answered_gold.any():
        with_gold = responses[answered_gold]
        scores = score_annotators(with_gold, gold, task, item_rules, guideline.calibration)
        matrix = {}
        for annotator, part in with_gold.groupby(with_gold[ANNOTATOR].astype(str), sort=True):
            per_rule = score_against_gold(part, gold, task, item_rules, guideline.calibration).per_rule
            matrix[annotator] = per_rule["accuracy"] if "accuracy" in per_rule else pd.Series(dtype=float)
        annotator_rule = pd.DataFrame(matrix).T.reindex(columns=rules.index).astype(float)
        kind = "accuracy vs gold"
    else:
        annotator_rule = _leave_one_out_matrix(report, rules.index)
        kind = "agreement with the others"
    annotator_rule.index.name = ANNOTATOR
    return RoundAnalysis(
        guideline=guideline,
        report=report,
        overall=dict(blocks.get("overall") or {}),
        rules=rules,
        scores=scores,
        annotator_rule=annotator_rule,
        annotator_rule_kind=kind,
        pairs=_pair_matrix(report),
        confusions=_confusions(report, rules.index),
        n_items=int(responses[ITEM].nunique()),
        n_annotators=int(responses[ANNOTATOR].nunique()),
        n_answers=len(responses),
    )


def _leave_one_out_matrix(report: Any, rule_ids: pd.Index) -> pd.DataFrame:
    getter = getattr(report, "annotator_rule", None)
    matrix = getter() if callable(getter) else getter
    if isinstance(matrix, pd.DataFrame):
        return matrix.reindex(columns=rule_ids).astype(float)
    return pd.DataFrame(columns=rule_ids, dtype=float)


def _pair_matrix(report: Any) -> pd.DataFrame:
    matrix = getattr(report, "pairwise", None)
    if callable(matrix):
        matrix = matrix()
    if isinstance(matrix, pd.DataFrame):
        return matrix.astype(float)
    return pd.DataFrame(dtype=float)


def _confusions(report: Any, rule_ids: pd.Index) -> dict[str, pd.DataFrame]:
    found = getattr(report, "confusion", None)
    if callable(found):
        found = found()
    if not isinstance(found, dict):
        return {}
    return {str(r): found[r] for r in rule_ids if r in found and isinstance(found[r], pd.DataFrame)}


def robust_z(values: pd.Series) -> pd.Series:
    """Robust z-scores ``0.6745 (x - median) / MAD`` (Iglewicz & Hoaglin 1993); NaN where MAD is 0.

    Scores below -3.5 mark outliers in Iglewicz and Hoaglin's rule.
    """
    x = values.astype(float)
    median = x.median(skipna=True)
    mad = (x - median).abs().median(skipna=True)
    if not mad or np.isnan(mad):
        return pd.Series(np.nan, index=x.index)
    return 0.6745 * (x - median) / mad


def rule_ids_of(item_rules: pd.DataFrame) -> list[str]:
    """Distinct rule ids of an item-to-rule table, in first-seen order."""
    return list(dict.fromkeys(item_rules[RULE].astype(str)))
