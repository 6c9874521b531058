"""Everything the lead's dashboard and the round report show, computed once from a round's data.

`analyse_round` calls the agreement engine (`calibration.agreement.breakdown.agreement_report`) and
the gold scoring (`calibration.agreement.gold`) and arranges their results as tables for pages,
charts and reports. It computes no statistic itself.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from calibration.agreement.annotators import alpha_by_rule
from calibration.agreement.breakdown import annotations_report
from calibration.agreement.gold import answers_correct, answers_credit, score_annotators
from calibration.agreement.results import AgreementReport, AnyBlock
from calibration.reports.charts import (
    alpha_threshold_figure,
    annotator_rule_heatmap,
    confusion_figure,
    pair_matrix_figure,
    rule_agreement_figure,
)
from calibration.reports.tables import answer_text, input_text, rule_table
from calibration.responses import ANNOTATOR, ANSWER, ANSWER_EXTRAS, ITEM, RULE, Annotations
from calibration.wording import counted

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from calibration.guidelines.model import Guideline


SCORE_COLUMNS = (
    "n_items",
    "n_correct",
    "accuracy",
    "kappa",
    "passed",
    "failed_rules",
    "flags",
    "span_f1",
    "box_f1",
    "box_mean_iou",
    "mae",
    "within_one",
    "kendall_tau",
    "decision",
    "rule_decisions",
)
"""Columns of `RoundAnalysis.scores`: the fields of `calibration.agreement.gold.GoldScore` per annotator."""


@dataclass(frozen=True)
class RoundAnalysis:
    """A round's analysis, ready to show.

    Attributes:
        guideline: the round's guideline version.
        report: the engine's `AgreementReport`.
        overall: its overall block (``report.overall``).
        rules: per-rule table (`calibration.reports.tables.rule_table`), indexed by rule_id.
        scores: per-annotator gold scores (the `GoldScore` fields in `SCORE_COLUMNS`, as
            `score_annotators` gives them), indexed by annotator_id; empty without gold.
        annotator_rule: annotator (index) x rule (columns) matrix of accuracy vs gold, or of
            leave-one-out agreement when the round has no gold.
        annotator_rule_kind: what `annotator_rule` holds ("accuracy vs gold" or "agreement with the others").
        pairs: annotator x annotator matrix of Cohen's kappa (NaN where undefined).
        confusions: per rule id, a label x label matrix counting ordered pairs of answers given to
            the same item (the engine's coincidences; the diagonal is agreement).
        n_items, n_annotators, n_answers: sizes of the round.
        has_gold: some answered item has a gold answer.
    """

    guideline: Guideline
    report: AgreementReport
    rules: pd.DataFrame
    scores: pd.DataFrame
    annotator_rule: pd.DataFrame
    annotator_rule_kind: str
    pairs: pd.DataFrame
    confusions: dict[str, pd.DataFrame] = field(default_factory=dict)
    n_items: int = 0
    n_annotators: int = 0
    n_answers: int = 0
    has_gold: bool = False
    _figures: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def overall(self) -> AnyBlock:
        """The report's overall block."""
        return self.report.overall

    @property
    def target(self) -> float:
        """The guideline's pilot target agreement."""
        return float(self.guideline.calibration.pilot_target)

    def figures(self) -> dict[str, go.Figure]:
        """The dashboard's figures: ``rules``, ``annotators``, ``pairs`` (confusions are per rule), and for
        a boxes task ``thresholds`` (box alpha by IoU threshold, overall and per rule; ``pairs`` then
        holds box alpha).

        Built once per analysis and kept on it (the app shares one analysis across reruns); treat
        the figures as read-only.
        """
        if self._figures:
            return dict(self._figures)

        boxes = self.guideline.task.type == "boxes"
        self._figures.update(
            {
                "rules": rule_agreement_figure(self.rules, target=self.target),
                "annotators": annotator_rule_heatmap(
                    self.annotator_rule,
                    value_name=self.annotator_rule_kind,
                    zmin=0.0 if self.annotator_rule_kind == "accuracy vs gold" else -0.2,
                ),
                "pairs": pair_matrix_figure(self.pairs)
                if not boxes
                else pair_matrix_figure(self.pairs, title="Box alpha per annotator pair", statistic="alpha"),
            }
        )
        if boxes:
            # lazy: agreement.boxes loads scipy.optimize (~0.4 s); only boxes tasks need it
            from calibration.agreement.boxes import threshold_table

            self._figures["thresholds"] = alpha_threshold_figure(
                threshold_table(self.report), target=self.target
            )
        return dict(self._figures)

    def confusion_figure(self, rule_id: str) -> go.Figure:
        """The confusion heat map of one rule."""
        return confusion_figure(
            self.confusions.get(rule_id, pd.DataFrame()),
            title=f"Answer pairs within the items of rule {rule_id}",
            row_name="one annotator",
            column_name="another annotator",
            label_names={str(label.id): label.name for label in self.guideline.task.labels},
        )


def unanalysable_reason(responses: pd.DataFrame) -> str | None:
    """Why a round's agreement cannot be analysed, as a sentence for the reader; None when it can.

    Agreement needs two or more annotators answering the same items. A calibration quiz taken by
    one annotator has answers (and gold scores) but no agreement: its chart and tables would be
    empty. The store answers the same question for all rounds at once
    (`calibration.rounds.status.analysable_rounds`).

    Args:
        responses: the round's canonical responses table.
    """
    if responses.empty:
        return "No answers in this round yet. Come back when annotators have started."
    annotators = responses[ANNOTATOR].nunique()
    if annotators < 2:
        return (
            "Only one annotator has answered this round, so there is no agreement to measure: "
            "agreement needs two or more annotators answering the same items. "
            "Their scores against gold are on the Annotators page."
        )
    shared = responses.groupby(ITEM)[ANNOTATOR].nunique()
    if not (shared >= 2).any():
        return (
            f"{counted(annotators, 'annotator')} answered this round, but no item was answered by two of them, "
            "so there is no agreement to measure. Give items to several annotators (a pilot round's overlap)."
        )
    return None


def analyse_round(
    data: Annotations,
    *,
    report: AgreementReport | None = None,
    bootstrap: int = 1000,
    seed: int = 0,
    with_scores: bool = True,
) -> RoundAnalysis:
    """Agreement per rule, gold scores, annotator x rule matrix, pair matrix and confusions of a round.

    Args:
        data: the round's annotations; its guideline version gives the task, rule titles and
            pilot target; its gold may be empty.
        report: an `AgreementReport` already computed for these inputs; computed when None.
        bootstrap: resamples for the 95% intervals when the report is computed here.
        seed: bootstrap seed.
        with_scores: score each annotator against gold (kappa, pass/fail...); the dashboard does
            without (its heat map needs accuracy only), the annotators page and reports need them.

    Returns:
        A `RoundAnalysis`.

    Raises:
        DataError: annotations without a guideline; from the engine, for responses it cannot analyse.
    """
    guideline = data.require_guideline("a round analysis")
    responses, item_rules, gold = data.responses, data.item_rules, data.gold
    if report is None:
        report = annotations_report(data, bootstrap=bootstrap, seed=seed)
    titles = {rule.id: rule.title for rule in guideline.rules}
    rules = rule_table(report.per_rule, titles)
    order = [r for r in guideline.rule_ids if r in rules.index]
    rules = rules.reindex(order + [r for r in rules.index if r not in set(order)])
    answered_gold = responses[ITEM].isin(gold.index) if len(gold) else pd.Series(False, index=responses.index)
    scores = pd.DataFrame()
    has_gold = bool(answered_gold.any())
    if has_gold:
        with_gold = responses[answered_gold]
        annotator_rule = accuracy_matrix(
            with_gold, item_rules, gold, guideline.task.type, min_iou=guideline.task.min_iou
        ).reindex(columns=rules.index)
        kind = "accuracy vs gold"
        if with_scores:
            scores = _gold_scores(with_gold, gold, guideline, item_rules)
    else:
        annotator_rule = _agreement_matrix(responses, item_rules, guideline, rules.index)
        kind = "agreement with the others"
    annotator_rule.index.name = ANNOTATOR
    return RoundAnalysis(
        guideline=guideline,
        report=report,
        rules=rules,
        scores=scores,
        has_gold=has_gold,
        annotator_rule=annotator_rule,
        annotator_rule_kind=kind,
        pairs=report.pairwise_kappa.astype(float),
        confusions={str(r): report.confusion[r] for r in rules.index if r in report.confusion},
        n_items=int(responses[ITEM].nunique()),
        n_annotators=int(responses[ANNOTATOR].nunique()),
        n_answers=len(responses),
    )


def _gold_scores(
    with_gold: pd.DataFrame, gold: pd.Series, guideline: Guideline, item_rules: pd.DataFrame
) -> pd.DataFrame:
    """`score_annotators`' table (columns `SCORE_COLUMNS`), indexed by annotator_id."""
    scores = score_annotators(with_gold, gold, guideline.task, item_rules, guideline.calibration)
    return scores[[c for c in SCORE_COLUMNS if c in scores.columns]]


def _is_correct(task: Any, answer: Any, gold: Any) -> bool:
    return answers_correct(task.type, [answer], [gold], min_iou=task.min_iou)[0]


def accuracy_matrix(
    responses: pd.DataFrame,
    item_rules: pd.DataFrame,
    gold: pd.Series,
    task_type: str | None = None,
    *,
    min_iou: float = 0.5,
) -> pd.DataFrame:
    """Mean credit against gold per annotator (index) and rule (columns); NaN where none.

    An answer's credit is `calibration.agreement.gold`'s: 1 when it equals the gold answer (canonical
    answers compare exactly), else 0, except for span and box answers (`task_type` "span" or
    "boxes"), which earn the F1 of their spans or boxes against gold (boxes matched at `min_iou`,
    the task's). Items without gold are left out.
    """
    part = responses[responses[ITEM].isin(gold.index)]
    expected = gold.reindex(part[ITEM]).to_numpy()
    if task_type in ("span", "boxes"):
        correct = np.array(
            answers_credit(task_type, list(part[ANSWER]), list(expected), min_iou=min_iou), dtype=float
        )
    else:
        correct = np.fromiter((a == b for a, b in zip(part[ANSWER], expected, strict=True)), bool, len(part))
    frame = pd.DataFrame({ITEM: part[ITEM].to_numpy(), ANNOTATOR: part[ANNOTATOR].astype(str).to_numpy()})
    frame["correct"] = correct
    frame = frame.merge(item_rules[[ITEM, RULE]].astype(str), on=ITEM)
    matrix = frame.pivot_table(index=ANNOTATOR, columns=RULE, values="correct", aggfunc="mean")
    matrix.columns = [str(c) for c in matrix.columns]
    return matrix.astype(float)


def _agreement_matrix(
    responses: pd.DataFrame, item_rules: pd.DataFrame, guideline: Guideline, rule_ids: pd.Index
) -> pd.DataFrame:
    """Annotator x rule: each annotator's alpha with the others on the rule's items (engine's per_annotator)."""
    return alpha_by_rule(responses, guideline.task, item_rules, [str(r) for r in rule_ids]).reindex(
        columns=rule_ids
    )


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


OUTLIER_Z = -3.0
"""Robust z-score at or below which an annotator counts as far below the others.

Iglewicz & Hoaglin (1993) suggest |z| > 3.5 for outliers in general; a calibration team has few
annotators and only the low side matters, so we flag from -3.0 (still well past the 2.5 % tail).
"""


MIN_ANNOTATORS_FOR_Z = 5
"""Annotators with a score needed before anyone is compared with the others (robust z, outlier flag).

The robust z rests on the median and the median absolute deviation (MAD) of the annotators' scores.
With 3 annotators scoring a < b < c, the median is b and the MAD is min(b - a, c - b): two annotators
close together make any third one look extreme (0.86 against 0.95 and 0.96 gives z = -6.1). From 5
annotators the median and MAD rest on at least three scores; below that no z is given and nobody is
flagged.
"""


def too_few_to_compare(table: pd.DataFrame, basis: str) -> str | None:
    """Why `annotator_table` compared nobody with the others (fewer than `MIN_ANNOTATORS_FOR_Z`
    annotators with a score), in words; None when it did compare them.

    The comparison: each annotator's score (`basis`: accuracy vs gold when the round has gold, else
    alpha with the others) against the median of all annotators' scores, in robust standard deviations
    (the median absolute deviation scaled by 1/0.6745); `OUTLIER_Z` or lower is "far below the others".
    """
    column = "accuracy" if "accuracy" in table.columns else "agreement_alpha"  # as `annotator_table`
    n = int(pd.to_numeric(table[column], errors="coerce").notna().sum()) if column in table else 0
    if n >= MIN_ANNOTATORS_FOR_Z:
        return None
    return (
        f"Nobody is compared with the others on {basis}: {n} annotator{'s' if n != 1 else ''} with a score, "
        f"and the comparison (each score against the median of all, a robust z) needs at least "
        f"{MIN_ANNOTATORS_FOR_Z}; with fewer, the median and its spread rest on one or two people."
    )


def annotator_table(
    analysis: RoundAnalysis,
    in_progress: Mapping[str, tuple[int, int]] | None = None,
    reused: Mapping[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """One row per annotator: answers, gold scores (when any), agreement with the others, outlier flag.

    The outlier basis is accuracy vs gold when the round has gold, else the annotator's leave-one-out
    Krippendorff's alpha (agreement with the others); ``robust_z`` is `robust_z` of that basis and
    ``outlier`` is ``robust_z <= OUTLIER_Z``.

    Args:
        in_progress: ``{annotator: (answered, total)}`` of the annotators whose attempt is not finished:
            their gold score covers a few answers only, so they get no verdict (``passed`` None, no
            ``failed_rules``) and the decision "in progress (answered of total)".
        reused: ``{annotator: item ids}`` of answers given on items seen in an earlier attempt
            (`calibration.rounds.status.reused_answers`); when given (a calibration round), the column
            ``reused_items`` counts them (0 for the others): a pass that rests on them is weaker evidence.

    Returns:
        DataFrame indexed by annotator_id.
    """
    frame = analysis.report.per_annotator_frame().reindex(
        columns=["n_annotations", "krippendorff_alpha", "cohen_kappa_mean"]
    )
    table = pd.DataFrame(
        {
            "answers": frame["n_annotations"].fillna(0).astype(int),
            "agreement_alpha": frame["krippendorff_alpha"].astype(float),
            "agreement_kappa": frame["cohen_kappa_mean"].astype(float),
        },
        index=frame.index.astype(str),
    )
    if not analysis.scores.empty:
        picked = ["n_items", "accuracy", "kappa", "passed", "failed_rules", "decision", "rule_decisions"]
        scores = analysis.scores[[c for c in picked if c in analysis.scores.columns]].rename(
            columns={"n_items": "gold_items", "kappa": "kappa_vs_gold"}
        )
        table = table.join(scores, how="outer")
        _no_verdict_yet(table, in_progress or {})
        basis = table["accuracy"].astype(float)
    else:
        basis = table["agreement_alpha"].astype(float)
    if reused is not None:
        table["reused_items"] = [len(reused.get(name, ())) for name in table.index]
    # a robust z over fewer than MIN_ANNOTATORS_FOR_Z scores says nothing (its docstring): none given
    enough = int(basis.notna().sum()) >= MIN_ANNOTATORS_FOR_Z
    table["robust_z"] = robust_z(basis) if enough else pd.Series(np.nan, index=basis.index)
    table["outlier"] = (table["robust_z"] <= OUTLIER_Z).fillna(False).astype(bool)
    table.index.name = ANNOTATOR
    return table.sort_index()


def rule_decision_rows(texts: Sequence[str]) -> pd.DataFrame:
    """An annotator's ``rule_decisions`` texts ("R1: pass, 78%–99%", `annotator_table`) as a table with
    columns ``rule, decision, interval`` (interval "–" when a text has none), one row per rule."""
    rows = []
    for text in texts:
        rule, _, rest = str(text).partition(": ")
        decision, _, interval = rest.partition(", ")
        rows.append({"rule": rule, "decision": decision, "interval": interval or "–"})
    return pd.DataFrame(rows, columns=["rule", "decision", "interval"])


def _no_verdict_yet(table: pd.DataFrame, in_progress: Mapping[str, tuple[int, int]]) -> None:
    """Blank the verdict of annotators still answering (in place): 1 answer of 24 fails no rule yet."""
    rows = [name for name in table.index if name in in_progress]
    if not rows:
        return
    for column in ("passed", "failed_rules", "decision"):
        if column in table.columns:
            table[column] = table[column].astype(object)
    for name in rows:
        answered, total = in_progress[name]
        if "passed" in table.columns:
            table.at[name, "passed"] = None
        if "failed_rules" in table.columns:
            table.at[name, "failed_rules"] = []
        if "decision" in table.columns:
            table.at[name, "decision"] = f"in progress ({answered} of {total})"


def annotator_answers(
    guideline: Guideline,
    responses: pd.DataFrame,
    item_rules: pd.DataFrame,
    gold: pd.Series,
    annotator: str,
    reused: Collection[str] | None = None,
) -> pd.DataFrame:
    """One annotator's answers with the item text, rules, gold and whether they match it.

    Args:
        reused: the annotator's answered items seen in an earlier attempt (`annotator_table`'s
            ``reused``); when given, the column ``seen_before`` marks them.

    Returns:
        DataFrame indexed by item_id with columns ``rules, text, answer, gold, correct`` (correct is
        None without gold), ``seen_before`` with `reused`, and the optional response columns present
        (confidence, unclear, comment...).
    """
    own = responses[responses[ANNOTATOR].astype(str) == str(annotator)]
    rules = item_rules.groupby(ITEM)[RULE].agg(lambda r: ", ".join(map(str, r)))
    task_type = guideline.task.type
    rows = []
    for record in own.to_dict(orient="records"):
        item_id = record[ITEM]
        try:
            item_input = guideline.item(item_id).input
        except KeyError:
            item_input = None
        text = input_text(item_input)
        raw = getattr(item_input, "text", None)
        has_gold = item_id in gold.index
        row = {
            ITEM: item_id,
            "rules": rules.get(item_id, ""),
            "text": text,
            "answer": answer_text(task_type, record["answer"], raw),
            "gold": answer_text(task_type, gold[item_id], raw) if has_gold else "",
            "correct": _is_correct(guideline.task, record["answer"], gold[item_id]) if has_gold else None,
        }
        if reused is not None:
            row["seen_before"] = item_id in reused
        for extra in ANSWER_EXTRAS:
            if extra in record:
                row[extra] = record[extra]
        rows.append(row)
    return pd.DataFrame(rows).set_index(ITEM) if rows else pd.DataFrame(columns=["rules", "text", "answer"])
