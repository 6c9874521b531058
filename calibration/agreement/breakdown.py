"""Agreement per guideline rule, label, annotator and annotator pair, with bootstrap intervals and flags.

Public API (used by the CLI, the app and the ambiguity engine)::

    agreement_report(responses, task, *, item_rules=None, gold=None, bootstrap=1000, seed=0,
                     level=None) -> AgreementReport
    annotations_report(data: Annotations, *, bootstrap=1000, seed=0) -> AgreementReport
    item_agreement(responses, task) -> DataFrame     # index item_id: n_annotations, majority_answer,
                                                     # majority_share, n_distinct, entropy (bits)
    confused_pairs(responses, task, item_rules=None) -> DataFrame
                                                     # rule_id, label_a, label_b, count, share

Boxes tasks are delegated to `calibration.agreement.boxes.box_report` (Krippendorff's alpha with the
distance 1 - IoU over matched boxes; its blocks have their own fields, see `box_agreement`; with gold,
``gold_accuracy`` is the mean box F1 against gold, see `calibration.agreement.gold_blocks.box_gold_blocks`).

`AgreementReport` (frozen, `calibration.agreement.results`) fields: ``overall`` (a `Block`),
``per_rule`` / ``per_label`` (`Block` by id), ``per_annotator`` (`AnnotatorBlock` by id),
``pairwise_kappa`` (DataFrame annotator x annotator of Cohen's kappa, NaN on the diagonal and where two
annotators share no item), ``confusion`` (dict rule_id -> DataFrame label x label of ordered answer-pair
counts within items; key ``"*"`` for all items). ``to_dict()`` gives ``{"overall", "per_rule",
"per_label", "per_annotator"}`` (the CLI's JSON, the one place NaN becomes null);
``per_rule_frame()`` / ``per_annotator_frame()`` one row per block for tables and charts.

A *block* has: n_items, n_annotators, n_annotations, n_pairable_items, level, and ``stats`` (a
`Statistics`: percent_agreement, fleiss_kappa, krippendorff_alpha, gwet_ac1, brennan_prediger,
cohen_kappa_mean, scott_pi (two annotators only, else NaN), gwet_ac2 (weighted levels; None otherwise),
``ci95`` ({statistic: `Interval`}, item bootstrap; see `calibration.agreement.bootstrap`) and
``flags``); prevalence ({category: share of answers}), dominant_category, dominant_share,
prevalence_index, bias_index (Byrt, Bishop & Carlin 1993, from the pooled pair table), ``extras`` (the
structured tasks' masi_alpha, span F1, kendall_w) and with gold ``gold`` (`GoldFigures`: gold_accuracy,
gold_kappa per label: the label against the rest, see `calibration.agreement.gold_blocks`). Undefined
values are NaN (null in the JSON).

Breakdowns:

- per rule: the items mapped to the rule (an item with several rules counts for each);
- per label: for single-choice tasks the label against the rest (binary coefficients over all
  items; ``n_items`` = items where someone chose the label); for multi_label and span tasks the
  units of that label (see `calibration.agreement.structured`);
- per annotator: agreement of the annotator's answers with the others' on the same items, in each
  coefficient's own chance model: ``percent_agreement`` = share of the other answers equal to theirs,
  ``fleiss_kappa``/``gwet_ac1`` = (that share - the pooled chance agreement) / (1 - it),
  ``krippendorff_alpha`` = 1 - (their observed disagreement / the pooled expected disagreement) (the
  answer-weighted mean of these alphas is the overall alpha); ``cohen_kappa_mean`` = mean Cohen's
  kappa with each other annotator; ``krippendorff_alpha_without`` = alpha of all data without them
  (leave-one-out); ``alpha_gain_without`` = that minus the overall alpha (positive: they lower it).

Flags (machine-readable): ``few_items`` (fewer than `FEW_ITEMS` items with two answers),
``no_pairable_items``, ``undefined_single_category`` (every answer in one category: chance-corrected
values are NaN), ``skewed_prevalence`` (the kappa paradox, Feinstein & Cicchetti 1990: raw agreement
>= 0.8, one category holds >= 70 % of the answers and alpha or kappa lies >= 0.2 below raw agreement;
low kappa there reflects prevalence, not an ambiguous rule; AC1 is the robust view), ``cohen_ci_omitted``
(too many annotator pairs for a Cohen interval within the memory budget).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from calibration.agreement import coefficients as co
from calibration.agreement.annotators import annotator_columns, per_annotator
from calibration.agreement.bootstrap import percentile_interval, percentile_intervals, replicate_sums
from calibration.agreement.encoding import Encoded
from calibration.agreement.gold_blocks import GoldRows
from calibration.agreement.gold_blocks import gold_rows as _gold_rows
from calibration.agreement.items import coincidence_frame, confused_pairs, item_agreement
from calibration.agreement.results import (
    NAN,
    AgreementReport,
    AnnotatorBlock,
    Block,
    GoldFigures,
    Interval,
    Statistics,
    number,
)
from calibration.agreement.structured import structured_extras, unitize
from calibration.errors import DataError
from calibration.responses import ITEM, RULE, Annotations

if TYPE_CHECKING:
    from calibration.guidelines.model import Task

__all__ = ["AgreementReport", "agreement_by_rule", "agreement_report", "confused_pairs", "item_agreement"]

FEW_ITEMS = 10
PARADOX_MIN_AGREEMENT = 0.8
PARADOX_MIN_DOMINANT = 0.7
PARADOX_MIN_GAP = 0.2
COHEN_CI_BUDGET = 5_000_000  # unit x pair-statistic cells allowed for Cohen intervals
CI_STATS = ("percent_agreement", "fleiss_kappa", "krippendorff_alpha", "gwet_ac1", "gwet_ac2")
_AC2_WEIGHTS = {"ordinal": "ordinal", "interval": "quadratic", "ratio": "ratio"}
_COHEN_WEIGHTS = {"ordinal": "linear", "interval": "quadratic", "ratio": "quadratic"}


# --------------------------------------------------------------------------- setup


@dataclass
class _Setup:
    enc: Encoded
    level: str
    values: list[float] | None
    ac2_weights: np.ndarray | None
    cohen_weights: np.ndarray | None


def _setup(
    responses: pd.DataFrame, task: Task, level: str | None, inputs: Mapping[str, Any] | None = None
) -> _Setup:
    enc = unitize(responses, task, inputs)
    level = level or ("ordinal" if task.type == "ranking" else task.measurement_level)
    numeric = all(isinstance(c, int | float) and not isinstance(c, bool) for c in enc.categories)
    values = [float(c) for c in enc.categories] if numeric else None
    if level in ("interval", "ratio") and not numeric and task.type not in ("single_label", "pairwise"):
        values = None
    if level == "ratio" and values is None:
        raise DataError(
            f"level 'ratio' needs numeric categories; this {task.type} task has {enc.categories[:5]}",
            hint="use --level nominal or ordinal",
        )
    ac2 = cohen_w = None
    if level != "nominal" and enc.q > 1:
        ac2 = co.agreement_weights(enc.q, _AC2_WEIGHTS[level], values)  # type: ignore[arg-type]
        cohen_w = co.agreement_weights(enc.q, _COHEN_WEIGHTS[level])  # type: ignore[arg-type]
    return _Setup(enc=enc, level=level, values=values, ac2_weights=ac2, cohen_weights=cohen_w)


# --------------------------------------------------------------------------- per-pair statistics


def _pair_codes(wide: np.ndarray) -> list[tuple[int, int]]:
    a = len(wide)
    return [(i, j) for i in range(a) for j in range(i + 1, a)]


# Layout of one annotator pair's Cohen columns (`_pair_columns`): n, agreement, A counts (q), B counts (q)
_PAIR_N, _PAIR_AGREEMENT = 0, 1


def _pair_width(q: int) -> int:
    return 2 + 2 * q


def _pair_counts(q: int) -> tuple[slice, slice]:
    """Where annotator A's and annotator B's category counts sit in a pair's columns."""
    return slice(2, 2 + q), slice(2 + q, 2 + 2 * q)


def _cohen_from_sums(sums: np.ndarray, q: int, weights: np.ndarray | None) -> np.ndarray:
    """Cohen's kappa from summed pair columns (..., `_pair_width`): n, agreement, A counts, B counts."""
    w = np.eye(q) if weights is None else weights
    a_counts, b_counts = _pair_counts(q)
    with np.errstate(divide="ignore", invalid="ignore"):
        n = sums[..., _PAIR_N]
        po = sums[..., _PAIR_AGREEMENT] / n
        pa = sums[..., a_counts] / n[..., None]
        pb = sums[..., b_counts] / n[..., None]
        pe = np.einsum("...k,kl,...l->...", pa, w, pb)
        used = ((pa + pb) > 0).sum(axis=-1)
        kappa = (po - pe) / (1 - pe)
    return np.where(used <= 1, np.nan, kappa)


def _pair_columns(wide: np.ndarray, pairs: list[tuple[int, int]], q: int, w: np.ndarray | None) -> np.ndarray:
    """Per-unit Cohen sufficient statistics, shape (units, pairs * `_pair_width`)."""
    eye = np.eye(q)
    wm = eye if w is None else w
    cols = []
    for i, j in pairs:
        a, b = wide[i], wide[j]
        both = (a >= 0) & (b >= 0)
        ai, bi = np.where(both, a, 0), np.where(both, b, 0)
        agree = np.where(both, wm[ai, bi], 0.0)
        cols += [both[:, None], agree[:, None], eye[ai] * both[:, None], eye[bi] * both[:, None]]
    return np.hstack(cols).astype(float) if cols else np.zeros((wide.shape[1], 0))


# --------------------------------------------------------------------------- blocks


def _prevalence(counts_sum: np.ndarray, categories: list[Any]) -> tuple[dict[str, float], Any, float]:
    """(share of answers per category, the dominant category, its share); ({}, None, NaN) without answers."""
    total = counts_sum.sum()
    if total == 0:
        return {}, None, NAN
    share = counts_sum / total
    top = int(np.argmax(share))
    prevalence = {str(c): float(s) for c, s in zip(categories, share, strict=True) if s > 0}
    return prevalence, categories[top], float(share[top])


def _flags(
    n_pairable: int, n_annotations: int, pa: float, dominant: float, corrected: list[float], single: bool
) -> list[str]:
    flags = []
    if n_pairable == 0:
        flags.append("no_pairable_items")
    if n_pairable < FEW_ITEMS:
        flags.append("few_items")
    # a per-label block of a label nobody chose has no answers of its own but is still undefined
    if single and (n_annotations or n_pairable):
        flags.append(co.UNDEFINED_SINGLE_CATEGORY)
    defined = [v for v in corrected if not np.isnan(v)]
    if (
        not np.isnan(pa)
        and not np.isnan(dominant)
        and defined
        and pa >= PARADOX_MIN_AGREEMENT
        and dominant >= PARADOX_MIN_DOMINANT
        and min(defined) <= pa - PARADOX_MIN_GAP
    ):
        flags.append("skewed_prevalence")
    return flags


ESTIMATE_OUTSIDE_CI = "estimate_outside_ci"
"""Flag: a statistic's estimate lies outside its 95 % percentile interval (docs/agreement.md, Intervals).

The percentile interval is the project's convention (Efron & Tibshirani 1993, ch. 13) and is not built
around the estimate; on a skewed bootstrap distribution (few items, a biased statistic) it can miss it.
The flag says so on the row instead of leaving a reader to find ``high < estimate`` unexplained."""


def _outside(estimate: float, interval: Interval, tolerance: float = 1e-12) -> bool:
    """Whether a defined estimate lies outside a defined interval (beyond rounding)."""
    if not interval.defined or estimate is None or not math.isfinite(estimate):
        return False
    return bool(estimate < interval.low - tolerance or estimate > interval.high + tolerance)


def _n_items(unit_items: np.ndarray, distinct: bool) -> int:
    """Number of distinct items among these units (their count when units are items)."""
    return len(unit_items) if distinct else len(np.unique(unit_items))


def _aggregate_by_item(rows: np.ndarray, unit_items: np.ndarray) -> np.ndarray:
    """Sum unit rows per item (items are the bootstrap's resampling clusters)."""
    _codes, inverse = np.unique(unit_items, return_inverse=True)
    out = np.zeros((int(inverse.max()) + 1 if len(inverse) else 0, rows.shape[1]))
    for j in range(rows.shape[1]):
        out[:, j] = np.bincount(inverse, weights=rows[:, j], minlength=len(out))
    return out


@dataclass
class _Block:
    """One breakdown cell before it becomes a dict: its units and its statistics."""

    kind: str  # overall, rule, label
    key: str
    units: np.ndarray  # unit indices the statistics are computed over
    counts: np.ndarray  # units x categories of those units (binary for labels)
    wide: np.ndarray  # annotators x units codes (binary for labels), -1 missing
    q: int
    stats: np.ndarray  # per-unit sufficient statistics
    spec: co.StatSpec
    extra: np.ndarray | None = None  # more per-unit columns resampled with the block
    n_items: int = 0
    n_annotations: int = 0
    cohen_weights: np.ndarray | None = None
    categories: list[Any] = field(default_factory=list)
    unit_items: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    tables: np.ndarray | None = None  # pairs x q x q contingency tables, when precomputed
    units_are_items: bool = True
    derive: Callable[[np.ndarray], np.ndarray] | None = (
        None  # one-vs-rest labels: overall sums -> this block's
    )


def agreement_report(
    responses: pd.DataFrame,
    task: Task,
    *,
    item_rules: pd.DataFrame | None = None,
    gold: pd.Series | None = None,
    bootstrap: int = 1000,
    seed: int = 0,
    level: str | None = None,
    inputs: Mapping[str, Any] | None = None,
) -> AgreementReport:
    """Agreement statistics overall, per rule, per label, per annotator and per pair.

    Args:
        responses: canonical responses (item_id, annotator_id, answer).
        task: the guideline task; its declared categories define q, positions and weights.
        item_rules: item-to-rule table (item_id, rule_id); None gives no per-rule breakdown.
        gold: canonical gold answers indexed by item_id; adds gold_accuracy and gold_kappa.
        bootstrap: bootstrap replicates for the 95 % intervals (0: no intervals).
        seed: seed of the bootstrap weights (same seed, same intervals).
        level: Krippendorff level (nominal, ordinal, interval, ratio); default from the task.
        inputs: item inputs by item_id (the guideline's bank); span tasks then use token units.

    Returns:
        An `AgreementReport`.

    Raises:
        DataError: an answer outside the declared categories (naming the row), or no answers.
    """
    if len(responses) == 0:
        raise DataError("there are no responses to analyse", hint="the responses table is empty")
    if task.type == "boxes":
        # lazy: agreement.boxes loads scipy.optimize (~0.4 s); only boxes tasks need it
        from calibration.agreement.boxes import box_report

        return box_report(responses, task, item_rules, gold, bootstrap=bootstrap, seed=seed)
    data = _unit_data(_setup(responses, task, level, inputs))
    # gold_kappa is weighted as cohen_kappa_mean is, at the level in force (--level included)
    gold_rows = (
        _gold_rows(responses, task, data.enc, gold, data.st.cohen_weights) if gold is not None else None
    )
    blocks = _blocks(data, task, item_rules)
    resampled = _resample(blocks, data, bootstrap, seed)
    return _assemble(blocks, resampled, data, task, _extras_fn(responses, task, data.enc), gold_rows)


# --------------------------------------------------------------------------- agreement_report's steps


@dataclass
class _UnitData:
    """What every block is cut from: the encoded answers and their per-unit statistics."""

    st: _Setup
    counts: np.ndarray  # units x categories
    stats: np.ndarray  # per-unit sufficient statistics (`co.item_statistics`)
    spec: co.StatSpec
    wide: np.ndarray  # annotators x units codes, -1 missing
    pairs: list[tuple[int, int]]  # annotator pairs
    answers_per_item: np.ndarray  # distinct (item, annotator) answers per item

    @property
    def enc(self) -> Encoded:
        return self.st.enc

    @property
    def n_annotators(self) -> int:
        return len(self.enc.annotators)

    def n_answers(self, items: np.ndarray | None) -> int:
        """Distinct (item, annotator) answers on these items (all when None)."""
        per_item = self.answers_per_item
        return int(per_item.sum() if items is None else per_item[items].sum())


def _unit_data(st: _Setup) -> _UnitData:
    """Setup: the count matrix, the sufficient statistics, the annotator x unit codes and pairs."""
    enc = st.enc
    counts = enc.counts()
    stats, spec = co.item_statistics(counts, st.level, st.ac2_weights, st.values)  # type: ignore[arg-type]
    wide = enc.wide()
    n_ann = len(enc.annotators)
    if enc.units_are_items:
        answers_per_item = np.bincount(enc.item_codes, minlength=enc.n_items)
    else:
        distinct = np.unique(enc.item_codes * max(n_ann, 1) + enc.annotator_codes)
        answers_per_item = np.bincount(distinct // max(n_ann, 1), minlength=enc.n_items)
    return _UnitData(
        st=st,
        counts=counts,
        stats=stats,
        spec=spec,
        wide=wide,
        pairs=_pair_codes(wide),
        answers_per_item=answers_per_item,
    )


@dataclass
class _Blocks:
    """The blocks of a report (overall first, then rules, then labels) and what resampling needs."""

    blocks: list[_Block]
    overall_rows: np.ndarray  # the overall block's rows: [stats | per-annotator | one-vs-rest columns]
    rule_items: dict[str, np.ndarray]  # rule -> item codes

    @property
    def overall(self) -> _Block:
        return self.blocks[0]


def _blocks(data: _UnitData, task: Task, item_rules: pd.DataFrame | None) -> _Blocks:
    """Blocks: overall, one per rule, one per label (with their Cohen contingency tables)."""
    overall, overall_rows = _overall_block(data, task)
    rules, rule_items = _rule_blocks(data, item_rules)
    rule_tables = _pair_tables(data.wide, data.pairs, data.enc.q, [b.units for b in rules])
    for b, tables in zip(rules, rule_tables, strict=True):
        b.tables = tables
    binary_offset = data.stats.shape[1] + 3 * data.n_annotators
    labels = _label_blocks(
        data.enc, task, data.counts, data.wide, data.stats, data.spec, overall.tables, binary_offset
    )
    return _Blocks(blocks=[overall, *rules, *labels], overall_rows=overall_rows, rule_items=rule_items)


def _overall_block(data: _UnitData, task: Task) -> tuple[_Block, np.ndarray]:
    """The block of all units, and its rows [stats | per-annotator columns | one-vs-rest columns]."""
    enc, stats, n_ann, q = data.enc, data.stats, data.n_annotators, data.enc.q
    ovr = task.type not in ("multi_label", "ranking")
    width = stats.shape[1] + 3 * n_ann + (2 * q if ovr else 0)
    overall_rows = np.empty((enc.n_units, width))  # filled in place
    overall_rows[:, : stats.shape[1]] = stats
    ann = overall_rows[:, stats.shape[1] :]
    annotator_columns(data.counts, data.wide, stats, data.spec, out=ann[:, : 3 * n_ann])
    if ovr:
        _binary_columns(data.counts, out=ann[:, 3 * n_ann :])
    overall = _Block(
        kind="overall",
        key="*",
        units=np.arange(enc.n_units),
        counts=data.counts,
        wide=data.wide,
        q=q,
        stats=stats,
        spec=data.spec,
        extra=ann,
        n_items=enc.n_items,
        n_annotations=data.n_answers(None),
        cohen_weights=data.st.cohen_weights,
        categories=enc.categories,
        unit_items=enc.unit_items,
        units_are_items=enc.units_are_items,
        tables=_pair_tables(data.wide, data.pairs, q, [np.arange(enc.n_units)])[0],
    )
    return overall, overall_rows


def _rule_blocks(
    data: _UnitData, item_rules: pd.DataFrame | None
) -> tuple[list[_Block], dict[str, np.ndarray]]:
    """One block per rule with answered items (rules sorted by id), and each rule's item codes."""
    enc = data.enc
    blocks: list[_Block] = []
    rule_items: dict[str, np.ndarray] = {}
    if item_rules is None or not len(item_rules):
        return blocks, rule_items
    for rule, items in _rule_items(enc, item_rules):
        rule_items[rule] = items
        if enc.units_are_items:
            units = items
        else:
            mask = np.zeros(enc.n_items, dtype=bool)
            mask[items] = True
            units = np.flatnonzero(mask[enc.unit_items])
        blocks.append(
            _Block(
                kind="rule",
                key=str(rule),
                units=units,
                counts=data.counts[units],
                wide=data.wide[:, units],
                q=enc.q,
                stats=data.stats[units],
                spec=data.spec,
                n_items=len(items),
                n_annotations=data.n_answers(items),
                cohen_weights=data.st.cohen_weights,
                categories=enc.categories,
                unit_items=enc.unit_items[units],
                units_are_items=enc.units_are_items,
            )
        )
    return blocks, rule_items


@dataclass
class _Resampled:
    """Column sums per block and their bootstrap replicates (None without bootstrap)."""

    sums: list[np.ndarray]
    reps: list[np.ndarray | None]
    with_cohen: bool  # the Cohen pair columns were resampled (within `COHEN_CI_BUDGET`)
    n_bootstrap: int
    seed: int


def _resample(blocks: _Blocks, data: _UnitData, bootstrap: int, seed: int) -> _Resampled:
    """Resample: one item bootstrap over every block's rows (labels derived from the overall sums)."""
    enc, pairs, q = data.enc, data.pairs, data.enc.q
    # Cohen pair columns for intervals, within a memory budget
    cells = sum(len(b.units) for b in blocks.blocks if b.kind != "label") * len(pairs) * _pair_width(q)
    with_cohen = bool(pairs) and cells <= COHEN_CI_BUDGET
    pair_cols = _pair_columns(data.wide, pairs, q, data.st.cohen_weights) if with_cohen else None

    block_rows = []
    for b in blocks.blocks:
        if b.derive is not None:
            continue
        parts = [b.stats]
        if b.extra is not None:
            parts.append(b.extra)
        if pair_cols is not None and b.kind != "label":
            parts.append(pair_cols[b.units])
        if b.kind == "overall" and pair_cols is None:
            rows = blocks.overall_rows
        else:
            rows = np.hstack(parts) if len(parts) > 1 else b.stats
        block_rows.append(rows if enc.units_are_items else _aggregate_by_item(rows, enc.unit_items[b.units]))
    sums = [x.sum(axis=0) for x in block_rows]
    reps: list[np.ndarray | None] = (
        list(replicate_sums(block_rows, bootstrap, seed)) if bootstrap > 0 else [None] * len(block_rows)
    )
    for b in blocks.blocks:
        if b.derive is not None:
            sums.append(b.derive(sums[0]))
            reps.append(None if reps[0] is None else b.derive(reps[0]))
    return _Resampled(sums=sums, reps=reps, with_cohen=with_cohen, n_bootstrap=bootstrap, seed=seed)


def _extras_fn(
    responses: pd.DataFrame, task: Task, enc: Encoded
) -> Callable[[np.ndarray | None], dict[str, float | None]] | None:
    """The structured tasks' extra block fields, for all items (None) or some item codes."""
    if task.type not in ("multi_label", "span", "ranking"):
        return None

    def extras(items: np.ndarray | None) -> dict[str, float | None]:
        if items is None:
            return structured_extras(responses, task)
        keep = responses[ITEM].astype(str).isin(set(enc.items[items]))
        return structured_extras(responses[keep], task)

    return extras


def _assemble(
    blocks: _Blocks,
    resampled: _Resampled,
    data: _UnitData,
    task: Task,
    extras_fn: Callable[[np.ndarray | None], dict[str, float | None]] | None,
    gold_rows: GoldRows | None,
) -> AgreementReport:
    """Assemble: blocks (with structured extras and gold), pairwise kappa, annotators, confusion."""
    enc, pairs, bootstrap_on = data.enc, data.pairs, resampled.n_bootstrap > 0
    per_rule: dict[str, Block] = {}
    per_label: dict[str, Block] = {}
    overall_block: Block | None = None
    for b, total, rep in zip(blocks.blocks, resampled.sums, resampled.reps, strict=True):
        extra_width = 0 if b.extra is None else b.extra.shape[1]
        offset = b.stats.shape[1] + extra_width if (resampled.with_cohen and b.kind != "label") else None
        items = None if b.kind == "overall" else blocks.rule_items.get(b.key)
        extras = extras_fn(items) if extras_fn is not None and b.kind != "label" else None
        gold: GoldFigures | None = None
        if gold_rows is not None:
            gold = gold_rows.label_block(b.key) if b.kind == "label" else gold_rows.block(items)
        block = _agreement_block(
            b,
            total,
            rep,
            pairs if b.kind != "label" else _pair_codes(b.wide),
            offset,
            n_ann_total=data.n_annotators,
            cohen_ci_omitted=b.kind != "label" and bootstrap_on and bool(pairs) and not resampled.with_cohen,
            extras=extras,
            gold=gold,
        )
        if b.kind == "overall":
            overall_block = block
        elif b.kind == "rule":
            per_rule[b.key] = block
        else:
            per_label[b.key] = block
    assert overall_block is not None  # blocks.blocks[0] is the overall block

    overall = blocks.overall
    pairwise = pd.DataFrame(np.nan, index=enc.annotators, columns=enc.annotators)
    for (i, j), table in zip(pairs, overall.tables if overall.tables is not None else [], strict=True):
        kappa = co.cohen_kappa(table, data.st.cohen_weights) if table.sum() else None
        pairwise.iloc[i, j] = pairwise.iloc[j, i] = np.nan if kappa is None else kappa
    total, rep = resampled.sums[0], resampled.reps[0]
    annotators = per_annotator(
        enc,
        data.counts,
        data.wide,
        data.stats,
        data.spec,
        blocks.overall_rows[:, data.stats.shape[1] :],  # the per-annotator (and one-vs-rest) columns
        total,
        rep,
        pairwise,
        gold_rows,
        few_items=FEW_ITEMS,
    )
    if resampled.with_cohen and rep is not None:
        intervals = _annotator_cohen_intervals(
            rep, overall, pairs, len(enc.annotators), enc.q, data.st.cohen_weights
        )
        annotators = {
            name: _with_interval(block, "cohen_kappa_mean", interval)
            for (name, block), interval in zip(annotators.items(), intervals, strict=True)
        }
    confusion = {
        b.key: coincidence_frame(b.counts, enc.categories) for b in blocks.blocks if b.kind != "label"
    }
    return AgreementReport(
        task_type=task.type,
        level=data.st.level,
        categories=enc.categories,
        overall=overall_block,
        per_rule=per_rule,
        per_label=per_label,
        per_annotator=annotators,
        pairwise_kappa=pairwise,
        confusion=confusion,
        n_bootstrap=resampled.n_bootstrap,
        seed=resampled.seed,
    )


def _with_interval(block: AnnotatorBlock, name: str, interval: Interval) -> AnnotatorBlock:
    """The block with the interval of a statistic added (when the statistic is defined)."""
    if np.isnan(block.stats.value(name)):
        return block
    stats = replace(block.stats, ci95={**block.stats.ci95, name: interval})
    return replace(block, stats=stats)


def _rule_items(enc: Encoded, item_rules: pd.DataFrame) -> list[tuple[str, np.ndarray]]:
    """(rule_id, sorted item codes) per rule with at least one answered item, rules sorted by id."""
    item_col, rule_col = item_rules[ITEM], item_rules[RULE]
    codes = enc.items.get_indexer(item_col if item_col.dtype == object else item_col.astype(str))
    rule_codes, rule_names = pd.factorize(
        rule_col if rule_col.dtype == object else rule_col.astype(str), sort=True
    )
    keep = codes >= 0
    # unique (rule, item) pairs, sorted by rule then item
    pairs = np.unique(rule_codes[keep].astype(np.int64) * max(enc.n_items, 1) + codes[keep])
    pair_rules, sorted_items = pairs // max(enc.n_items, 1), pairs % max(enc.n_items, 1)
    bounds = np.searchsorted(pair_rules, np.arange(len(rule_names) + 1))
    return [
        (str(name), sorted_items[bounds[r] : bounds[r + 1]])
        for r, name in enumerate(rule_names)
        if bounds[r] < bounds[r + 1]
    ]


def _pair_tables(
    wide: np.ndarray, pairs: list[tuple[int, int]], q: int, memberships: list[np.ndarray]
) -> np.ndarray:
    """Contingency tables per block and annotator pair: shape (blocks, pairs, q, q); one bincount per pair."""
    n_blocks = len(memberships)
    if not n_blocks or not pairs:
        return np.zeros((n_blocks, len(pairs), q, q))
    units = np.concatenate(memberships) if n_blocks > 1 else memberships[0]
    block_ids = np.repeat(np.arange(n_blocks), [len(m) for m in memberships])
    out = np.zeros((n_blocks, len(pairs), q, q))
    for p, (i, j) in enumerate(pairs):
        a, b = wide[i, units], wide[j, units]
        both = (a >= 0) & (b >= 0)
        flat = (block_ids[both] * q + a[both]) * q + b[both]
        out[:, p] = np.bincount(flat, minlength=n_blocks * q * q).reshape(n_blocks, q, q)
    return out


def _label_blocks(
    enc: Encoded,
    task: Task,
    counts: np.ndarray,
    wide: np.ndarray,
    stats: np.ndarray,
    spec: co.StatSpec,
    tables: np.ndarray | None,
    binary_offset: int,
) -> list[_Block]:
    """Per-label blocks: one-vs-rest binary units, or the units of a label for multi_label."""
    out = []
    r = counts.sum(axis=1)
    if task.type == "multi_label":
        keys = pd.Series(enc.unit_keys)
        for key, idx in keys.groupby(keys, sort=False).indices.items():
            idx = np.asarray(idx)
            chosen = counts[idx, 1] > 0
            out.append(
                _Block(
                    kind="label",
                    key=str(key),
                    units=idx,
                    counts=counts[idx],
                    wide=wide[:, idx],
                    q=2,
                    stats=stats[idx],
                    spec=spec,
                    n_items=int(chosen.sum()),
                    n_annotations=int(counts[idx, 1].sum()),
                    categories=[0, 1],
                    unit_items=enc.unit_items[idx],
                    units_are_items=enc.units_are_items,
                )
            )
        order = {lab: i for i, lab in enumerate(task.label_ids)}
        return sorted(out, key=lambda b: order.get(b.key, 0))
    if task.type == "ranking":
        return out
    q = enc.q
    spec_l = co.item_statistics(np.zeros((0, 2)), "nominal")[1]
    chosen = counts > 0
    items_with = (
        chosen.sum(axis=0)
        if enc.units_are_items
        else np.array([len(np.unique(enc.unit_items[chosen[:, c]])) for c in range(q)])
    )
    for c, cat in enumerate(enc.categories):
        if task.type == "span" and c == 0:
            continue  # the "outside" category is not a label
        binary_tables = None
        if tables is not None:
            t = tables
            tp = t[:, c, c]
            row_c = t[:, c, :].sum(axis=1)
            col_c = t[:, :, c].sum(axis=1)
            total = t.sum(axis=(1, 2))
            binary_tables = np.stack(
                [
                    np.stack([tp, row_c - tp], axis=1),
                    np.stack([col_c - tp, total - row_c - col_c + tp], axis=1),
                ],
                axis=1,
            )
        out.append(
            _Block(
                kind="label",
                key=str(cat),
                units=np.arange(enc.n_units),
                counts=np.stack([counts[:, c], r - counts[:, c]], axis=1),
                wide=wide,
                q=2,
                stats=np.zeros((0, spec_l.n_columns)),
                spec=spec_l,
                n_items=int(items_with[c]),
                n_annotations=int(counts[:, c].sum()),
                categories=[cat, "other"],
                unit_items=enc.unit_items,
                units_are_items=enc.units_are_items,
                tables=binary_tables,
                derive=_binary_deriver(c, spec, spec_l, binary_offset),
            )
        )
    return out


def _binary_slices(q: int, offset: int = 0) -> tuple[slice, slice]:
    """Where `_binary_columns` sit from ``offset``: (one-vs-rest percent agreement, disagreement), q each."""
    return slice(offset, offset + q), slice(offset + q, offset + 2 * q)


def _binary_columns(counts: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Per unit and category c: one-vs-rest percent agreement and nominal disagreement (2q columns)."""
    q = counts.shape[1]
    if out is None:
        out = np.empty((counts.shape[0], 2 * q))
    pa, d_o = _binary_slices(q)
    r = counts.sum(axis=1, keepdims=True)
    pairable = r >= 2
    rest = r - counts
    out[:, pa] = (counts * (counts - 1) + rest * (rest - 1)) / np.where(pairable, r * (r - 1), 1.0) * pairable
    out[:, d_o] = 2 * counts * rest / np.where(pairable, r - 1, 1.0) * pairable
    return out


def _binary_deriver(
    c: int, spec: co.StatSpec, binary: co.StatSpec, offset: int
) -> Callable[[np.ndarray], np.ndarray]:
    """Sums of the one-vs-rest statistics of category c, from the overall block's sums (batch-shaped).

    ``spec`` is the overall block's layout, ``binary`` the two-category nominal layout it derives, and
    ``offset`` where the overall rows keep `_binary_columns`.
    """
    pa_cols, d_o_cols = _binary_slices(spec.q, offset)

    def derive(total: np.ndarray) -> np.ndarray:
        present = total[..., co.PRESENT]
        share = total[..., spec.share][..., c]
        marginals = total[..., spec.marginals]
        marg = marginals[..., c]
        pa = total[..., pa_cols][..., c]
        out = np.empty((*total.shape[:-1], binary.n_columns))
        out[..., co.PRESENT] = present
        out[..., co.PAIRABLE] = total[..., co.PAIRABLE]
        out[..., co.PA] = pa
        out[..., co.PA_WEIGHTED] = pa
        out[..., binary.share] = np.stack([share, present - share], axis=-1)
        out[..., binary.marginals] = np.stack([marg, marginals.sum(axis=-1) - marg], axis=-1)
        out[..., binary.disagreement] = total[..., d_o_cols][..., c, None]
        return out

    return derive


def _mean_kappa_interval(kappas: np.ndarray) -> Interval:
    """The interval of the per-replicate mean of Cohen's kappa over pairs (undefined pairs left out)."""
    finite = np.isfinite(kappas)
    with np.errstate(all="ignore"):
        mean = np.where(
            finite.any(axis=1), np.nansum(np.where(finite, kappas, 0), axis=1) / finite.sum(axis=1), np.nan
        )
    return Interval.of(percentile_interval(mean))


def _agreement_block(
    b: _Block,
    total: np.ndarray,
    rep: np.ndarray | None,
    pairs: list[tuple[int, int]],
    pair_offset: int | None,
    *,
    n_ann_total: int,
    cohen_ci_omitted: bool = False,
    extras: Mapping[str, float | None] | None = None,
    gold: GoldFigures | None = None,
) -> Block:
    """A block's statistics, intervals and flags from its summed columns (and their replicates)."""
    spec, q = b.spec, b.q
    point = co.statistics_from_sums(total[: spec.n_columns], spec)
    single = co.is_single_category(b.counts)
    single_pairable = co.is_single_pairable_category(b.counts)
    r = b.counts.sum(axis=1)
    values = {name: number(point[name]) for name in (*LEAN_STATS, "brennan_prediger")}
    ac2 = number(point["gwet_ac2"]) if spec.weighted else None
    tables = (
        list(b.tables)
        if b.tables is not None
        else list(_pair_tables(b.wide, pairs, q, [np.arange(b.wide.shape[1])])[0])
    )
    kappas = [
        k for k in (co.cohen_kappa(t, b.cohen_weights) if t.sum() else None for t in tables) if k is not None
    ]
    cohen = float(np.mean(kappas)) if kappas else NAN
    scott = number(co.scott_pi(tables[0])) if n_ann_total == 2 and tables and b.kind != "label" else NAN
    prevalence, dominant, dominant_share = _prevalence(b.counts.sum(axis=0), b.categories)
    pooled = np.sum(tables, axis=0) if tables else np.zeros((q, q))
    pb = co.prevalence_bias(pooled)
    if single:
        for name in ("fleiss_kappa", "krippendorff_alpha", "gwet_ac1", "brennan_prediger"):
            values[name] = NAN
        ac2 = None if ac2 is None else NAN
        scott = cohen = NAN
    ci: dict[str, Interval] = {}
    if rep is not None:
        rep_stats = co.statistics_from_sums(rep[:, : spec.n_columns], spec)
        defined = {**values, "gwet_ac2": NAN if ac2 is None else ac2}
        for name in CI_STATS:
            if not np.isnan(defined[name]):
                ci[name] = Interval.of(percentile_interval(rep_stats[name]))
        if pair_offset is not None and not np.isnan(cohen) and pairs:
            width = _pair_width(q)
            cols = rep[:, pair_offset : pair_offset + len(pairs) * width]
            ci["cohen_kappa_mean"] = _mean_kappa_interval(
                _cohen_from_sums(cols.reshape(len(rep), len(pairs), width), q, b.cohen_weights)
            )
    n_pairable = _n_items(b.unit_items[r >= 2], b.units_are_items)
    # alpha is also undefined when only the pairable units are in one category (single answers elsewhere)
    undefined = single or (single_pairable and np.isnan(values["krippendorff_alpha"]))
    flags = _flags(
        n_pairable,
        int(b.n_annotations),
        values["percent_agreement"],
        dominant_share,
        [values["krippendorff_alpha"], values["fleiss_kappa"]],
        undefined,
    )
    if cohen_ci_omitted:
        flags.append("cohen_ci_omitted")
    estimates = {**values, "gwet_ac2": NAN if ac2 is None else ac2, "cohen_kappa_mean": cohen}
    if any(_outside(estimates.get(name, NAN), interval) for name, interval in ci.items()):
        flags.append(ESTIMATE_OUTSIDE_CI)
    stats = Statistics(
        **values, gwet_ac2=ac2, cohen_kappa_mean=cohen, scott_pi=scott, ci95=ci, flags=tuple(flags)
    )
    return Block(
        n_items=int(b.n_items),
        n_annotators=int((b.wide >= 0).any(axis=1).sum()),
        n_annotations=int(b.n_annotations),
        n_pairable_items=n_pairable,
        level=spec.level,
        stats=stats,
        prevalence=prevalence,
        dominant_category=dominant,
        dominant_share=dominant_share,
        prevalence_index=number(pb["prevalence_index"]),
        bias_index=number(pb["bias_index"]),
        extras={name: number(value) for name, value in (extras or {}).items()},
        gold=gold,
    )


def _annotator_cohen_intervals(
    rep: np.ndarray,
    overall: _Block,
    pairs: list[tuple[int, int]],
    n_annotators: int,
    q: int,
    weights: np.ndarray | None,
) -> list[Interval]:
    """Per annotator, the interval of the mean of Cohen's kappa over the pairs they belong to.

    Per replicate, from the overall block's replicated pair columns (undefined pairs left out, as in
    the point estimate).
    """
    width = _pair_width(q)
    offset = overall.stats.shape[1] + (0 if overall.extra is None else overall.extra.shape[1])
    cols = rep[:, offset : offset + len(pairs) * width]
    kappas = _cohen_from_sums(cols.reshape(len(rep), len(pairs), width), q, weights)
    return [
        _mean_kappa_interval(kappas[:, [p for p, pair in enumerate(pairs) if a in pair]])
        for a in range(n_annotators)
    ]


LEAN_STATS = ("percent_agreement", "fleiss_kappa", "krippendorff_alpha", "gwet_ac1")


def agreement_by_rule(
    responses: pd.DataFrame,
    task: Task,
    item_rules: pd.DataFrame | None = None,
    *,
    bootstrap: int = 1000,
    seed: int = 0,
    level: str | None = None,
) -> pd.DataFrame:
    """The fast path: percent agreement, Fleiss' kappa, Krippendorff's alpha and Gwet's AC1 overall and
    per rule, with bootstrap 95 % intervals, in one vectorized pass (no per-annotator or per-label work).

    Same values as the matching fields of `agreement_report` (same seed, same intervals).

    Returns:
        DataFrame indexed by rule_id (``"*"`` first = all items) with n_items, n_pairable_items and, for
        each statistic S, columns S, S_low, S_high (NaN when undefined). For a boxes task only
        krippendorff_alpha (the box alpha) is filled.
    """
    if task.type == "boxes":
        return _box_rule_frame(responses, task, item_rules, bootstrap, seed)
    st = _setup(responses, task, level)
    enc = st.enc
    counts = enc.counts()
    stats, spec = co.item_statistics(counts, st.level, st.ac2_weights, st.values)  # type: ignore[arg-type]
    names, memberships = ["*"], [np.arange(enc.n_units)]
    inputs = [stats if enc.units_are_items else _aggregate_by_item(stats, enc.unit_items)]
    if item_rules is not None and len(item_rules):
        for name, items in _rule_items(enc, item_rules):
            names.append(name)
            if enc.units_are_items:
                memberships.append(items)
                inputs.append(stats[items])
            else:
                mask = np.zeros(enc.n_items, dtype=bool)
                mask[items] = True
                units = np.flatnonzero(mask[enc.unit_items])
                memberships.append(units)
                inputs.append(_aggregate_by_item(stats[units], enc.unit_items[units]))
    totals = np.stack([x.sum(axis=0) for x in inputs])
    point = co.statistics_from_sums(totals, spec)
    r = counts.sum(axis=1)
    out = pd.DataFrame(
        {
            "n_items": [_n_items(enc.unit_items[m], enc.units_are_items) for m in memberships],
            "n_pairable_items": [
                _n_items(enc.unit_items[m][r[m] >= 2], enc.units_are_items) for m in memberships
            ],
        },
        index=pd.Index(names, name=RULE),
    )
    single = np.array([co.is_single_category(counts[m]) for m in memberships])
    for name in LEAN_STATS:
        values = point[name]
        out[name] = np.where(single & (name != "percent_agreement"), np.nan, values)
    if bootstrap > 0:
        reps = np.stack(replicate_sums(inputs, bootstrap, seed))  # (blocks, B, k)
        rep_stats = co.statistics_from_sums(reps, spec)
        for name in LEAN_STATS:
            bounds_ = percentile_intervals(rep_stats[name])
            undefined = single & (name != "percent_agreement")
            out[f"{name}_low"] = np.where(undefined, np.nan, bounds_[:, 0])
            out[f"{name}_high"] = np.where(undefined, np.nan, bounds_[:, 1])
    return out


def _box_rule_frame(
    responses: pd.DataFrame, task: Task, item_rules: pd.DataFrame | None, bootstrap: int, seed: int
) -> pd.DataFrame:
    """`agreement_by_rule`'s table for a boxes task, from `calibration.agreement.boxes.box_agreement`."""
    from calibration.agreement.boxes import box_agreement  # lazy: scipy.optimize (see agreement_report)

    result = box_agreement(responses, task, item_rules, bootstrap=bootstrap, seed=seed)
    blocks = {"*": result.overall, **result.per_rule}
    rows = {}
    for key, block in blocks.items():
        row: dict[str, Any] = {"n_items": block.n_items, "n_pairable_items": block.n_pairable_items}
        for name in LEAN_STATS:
            row[name] = block.stats.value(name) if name == "krippendorff_alpha" else NAN
            if bootstrap > 0:
                bounds = block.stats.interval(name) if name == "krippendorff_alpha" else Interval()
                row[f"{name}_low"], row[f"{name}_high"] = bounds.low, bounds.high
        rows[key] = row
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = RULE
    return out


def annotations_report(data: Annotations, *, bootstrap: int = 1000, seed: int = 0) -> AgreementReport:
    """`agreement_report` of a whole `Annotations` bundle: its task and rules, with its gold when it has any."""
    return agreement_report(
        data.responses,
        data.task,
        item_rules=data.item_rules,
        gold=data.gold if len(data.gold) else None,
        bootstrap=bootstrap,
        seed=seed,
    )
