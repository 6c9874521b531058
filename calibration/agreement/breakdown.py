"""Agreement per guideline rule, label, annotator and annotator pair, with bootstrap intervals and flags.

Public API (used by the CLI, the app and the ambiguity engine)::

    agreement_report(responses, task, item_rules=None, gold=None, *, bootstrap=1000, seed=0,
                     level=None) -> AgreementReport
    item_agreement(responses, task) -> DataFrame     # index item_id: n_annotations, majority_answer,
                                                     # majority_share, n_distinct, entropy (bits)
    confused_pairs(responses, task, item_rules=None) -> DataFrame
                                                     # rule_id, label_a, label_b, count, share

`AgreementReport` fields: ``overall`` (a block), ``per_rule`` / ``per_label`` / ``per_annotator``
(dicts of blocks keyed by id), ``pairwise_kappa`` (DataFrame annotator x annotator of Cohen's kappa,
NaN on the diagonal and where two annotators share no item), ``confusion`` (dict rule_id -> DataFrame
label x label of ordered answer-pair counts within items; key ``"*"`` for all items). ``to_dict()``
gives ``{"overall", "per_rule", "per_label", "per_annotator"}`` (the CLI's JSON); ``per_rule_frame()``
one row per rule for tables and charts.

A *block* is a dict with: n_items, n_annotators, n_annotations, n_pairable_items, percent_agreement,
cohen_kappa_mean, fleiss_kappa, krippendorff_alpha, gwet_ac1, brennan_prediger, scott_pi (two
annotators only, else None), gwet_ac2 (weighted levels), level, prevalence ({category: share of
answers}), dominant_category, dominant_share, prevalence_index, bias_index (Byrt, Bishop & Carlin
1993, from the pooled pair table), ci95 ({statistic: [low, high]}, item bootstrap; see
`calibration.agreement.bootstrap`), flags, and with gold: gold_accuracy, gold_kappa. Undefined values
are None.

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
values are None), ``skewed_prevalence`` (the kappa paradox, Feinstein & Cicchetti 1990: raw agreement
>= 0.8, one category holds >= 70 % of the answers and alpha or kappa lies >= 0.2 below raw agreement;
low kappa there reflects prevalence, not an ambiguous rule; AC1 is the robust view), ``cohen_ci_omitted``
(too many annotator pairs for a Cohen interval within the memory budget).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from calibration.agreement import coefficients as co
from calibration.agreement.bootstrap import percentile_interval, percentile_intervals, replicate_sums
from calibration.agreement.encoding import Encoded
from calibration.errors import DataError
from calibration.responses import ANNOTATOR, ANSWER, ITEM, RULE

if TYPE_CHECKING:
    from calibration.guidelines.model import Task

FEW_ITEMS = 10
PARADOX_MIN_AGREEMENT = 0.8
PARADOX_MIN_DOMINANT = 0.7
PARADOX_MIN_GAP = 0.2
COHEN_CI_BUDGET = 5_000_000  # unit x pair-statistic cells allowed for Cohen intervals
CI_STATS = ("percent_agreement", "fleiss_kappa", "krippendorff_alpha", "gwet_ac1", "gwet_ac2")
_AC2_WEIGHTS = {"ordinal": "ordinal", "interval": "quadratic", "ratio": "ratio"}
_COHEN_WEIGHTS = {"ordinal": "linear", "interval": "quadratic", "ratio": "quadratic"}


@dataclass(frozen=True)
class AgreementReport:
    """Agreement overall and broken down (see the module docstring for the block fields)."""

    task_type: str
    level: str
    categories: list[Any]
    overall: dict[str, Any]
    per_rule: dict[str, dict[str, Any]]
    per_label: dict[str, dict[str, Any]]
    per_annotator: dict[str, dict[str, Any]]
    pairwise_kappa: pd.DataFrame
    confusion: dict[str, pd.DataFrame] = field(default_factory=dict)
    n_bootstrap: int = 0
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        """``{"overall", "per_rule", "per_label", "per_annotator"}``, JSON-ready."""
        return {
            "overall": _jsonable(self.overall),
            "per_rule": {k: _jsonable(v) for k, v in self.per_rule.items()},
            "per_label": {k: _jsonable(v) for k, v in self.per_label.items()},
            "per_annotator": {k: _jsonable(v) for k, v in self.per_annotator.items()},
        }

    def per_rule_frame(self) -> pd.DataFrame:
        """One row per rule (index rule_id) with the scalar block fields and ci95 low/high columns."""
        return _blocks_frame(self.per_rule, RULE)

    def per_annotator_frame(self) -> pd.DataFrame:
        """One row per annotator (index annotator_id), like `per_rule_frame`."""
        return _blocks_frame(self.per_annotator, ANNOTATOR)


def _blocks_frame(blocks: dict[str, dict[str, Any]], name: str) -> pd.DataFrame:
    rows = {}
    for key, block in blocks.items():
        row = {k: v for k, v in block.items() if not isinstance(v, dict | list)}
        for stat, bounds in block.get("ci95", {}).items():
            row[f"{stat}_low"], row[f"{stat}_high"] = bounds if bounds else (None, None)
        row["flags"] = list(block.get("flags", []))
        rows[key] = row
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = name
    return frame


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def _f(value: Any) -> float | None:
    v = float(value)
    return v if np.isfinite(v) else None


# --------------------------------------------------------------------------- setup


@dataclass
class _Setup:
    enc: Encoded
    level: str
    values: list[float] | None
    ac2_weights: np.ndarray | None
    cohen_weights: np.ndarray | None


def _setup(responses: pd.DataFrame, task: Task, level: str | None) -> _Setup:
    from calibration.agreement.structured import unitize

    enc = unitize(responses, task)
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
    return _Setup(enc, level, values, ac2, cohen_w)


# --------------------------------------------------------------------------- per-pair statistics


def _pair_codes(wide: np.ndarray) -> list[tuple[int, int]]:
    a = len(wide)
    return [(i, j) for i in range(a) for j in range(i + 1, a)]


def _cohen_from_sums(sums: np.ndarray, q: int, weights: np.ndarray | None) -> np.ndarray:
    """Cohen's kappa from summed pair columns (..., 2 + 2q): n, agreement, A counts, B counts."""
    w = np.eye(q) if weights is None else weights
    with np.errstate(divide="ignore", invalid="ignore"):
        n = sums[..., 0]
        po = sums[..., 1] / n
        pa = sums[..., 2 : 2 + q] / n[..., None]
        pb = sums[..., 2 + q : 2 + 2 * q] / n[..., None]
        pe = np.einsum("...k,kl,...l->...", pa, w, pb)
        used = ((pa + pb) > 0).sum(axis=-1)
        kappa = (po - pe) / (1 - pe)
    return np.where(used <= 1, np.nan, kappa)


def _pair_columns(wide: np.ndarray, pairs: list[tuple[int, int]], q: int, w: np.ndarray | None) -> np.ndarray:
    """Per-unit Cohen sufficient statistics, shape (units, pairs * (2 + 2q))."""
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


def _prevalence(counts_sum: np.ndarray, categories: list[Any]) -> dict[str, Any]:
    total = counts_sum.sum()
    if total == 0:
        return {"prevalence": {}, "dominant_category": None, "dominant_share": None}
    share = counts_sum / total
    top = int(np.argmax(share))
    return {
        "prevalence": {str(c): float(s) for c, s in zip(categories, share, strict=True) if s > 0},
        "dominant_category": categories[top],
        "dominant_share": float(share[top]),
    }


def _flags(block: dict[str, Any], single: bool) -> list[str]:
    flags = []
    pairable = block["n_pairable_items"]
    if pairable == 0:
        flags.append("no_pairable_items")
    if pairable < FEW_ITEMS:
        flags.append("few_items")
    if single and block["n_annotations"]:
        flags.append(co.UNDEFINED_SINGLE_CATEGORY)
    pa = block.get("percent_agreement")
    dominant = block.get("dominant_share")
    corrected = [v for v in (block.get("krippendorff_alpha"), block.get("fleiss_kappa")) if v is not None]
    if (
        pa is not None
        and dominant is not None
        and corrected
        and pa >= PARADOX_MIN_AGREEMENT
        and dominant >= PARADOX_MIN_DOMINANT
        and min(corrected) <= pa - PARADOX_MIN_GAP
    ):
        flags.append("skewed_prevalence")
    return flags


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
    derive: Any = None  # for one-vs-rest labels: overall sums (..., K) -> this block's sums (..., 9)


def agreement_report(
    responses: pd.DataFrame,
    task: Task,
    item_rules: pd.DataFrame | None = None,
    gold: pd.Series | None = None,
    *,
    bootstrap: int = 1000,
    seed: int = 0,
    level: str | None = None,
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

    Returns:
        An `AgreementReport`.

    Raises:
        DataError: an answer outside the declared categories (naming the row), or no answers.
    """
    if len(responses) == 0:
        raise DataError("there are no responses to analyse", hint="the responses table is empty")
    st = _setup(responses, task, level)
    enc = st.enc
    q, categories = enc.q, enc.categories
    counts = enc.counts()
    stats, spec = co.item_statistics(counts, st.level, st.ac2_weights, st.values)  # type: ignore[arg-type]
    wide = enc.wide()
    pairs = _pair_codes(wide)
    n_ann = len(enc.annotators)
    unit_items = enc.unit_items
    answer_items = enc.item_codes
    gold_rows = _gold_rows(responses, task, enc, gold) if gold is not None else None

    if enc.units_are_items:
        answers_per_item = np.bincount(answer_items, minlength=enc.n_items)
    else:
        distinct = np.unique(answer_items * max(n_ann, 1) + enc.annotator_codes)
        answers_per_item = np.bincount(distinct // max(n_ann, 1), minlength=enc.n_items)

    def n_answers(items: np.ndarray | None) -> int:
        """Distinct (item, annotator) answers on these items (all when None)."""
        return int(answers_per_item.sum() if items is None else answers_per_item[items].sum())

    ovr = task.type not in ("multi_label", "ranking")
    # the overall block's rows: [stats | per-annotator columns | one-vs-rest columns], filled in place
    width = stats.shape[1] + 3 * n_ann + (2 * q if ovr else 0)
    overall_rows = np.empty((enc.n_units, width))
    overall_rows[:, : stats.shape[1]] = stats
    ann = overall_rows[:, stats.shape[1] :]
    _annotator_columns(counts, wide, stats, spec, out=ann[:, : 3 * n_ann])
    if ovr:
        _binary_columns(counts, out=ann[:, 3 * n_ann :])
    overall = _Block(
        "overall",
        "*",
        np.arange(enc.n_units),
        counts,
        wide,
        q,
        stats,
        spec,
        extra=ann,
        n_items=enc.n_items,
        n_annotations=n_answers(None),
        cohen_weights=st.cohen_weights,
        categories=categories,
        unit_items=unit_items,
        units_are_items=enc.units_are_items,
        tables=_pair_tables(wide, pairs, q, [np.arange(enc.n_units)])[0],
    )
    blocks = [overall]
    rule_items: dict[str, np.ndarray] = {}
    if item_rules is not None and len(item_rules):
        frame = item_rules[[ITEM, RULE]].astype(str).drop_duplicates()
        codes = enc.items.get_indexer(frame[ITEM])
        frame = frame.assign(_code=codes)[codes >= 0]
        for rule, part in frame.groupby(RULE, sort=True):
            items = np.unique(part["_code"].to_numpy())
            rule_items[str(rule)] = items
            if enc.units_are_items:
                units = items
            else:
                mask = np.zeros(enc.n_items, dtype=bool)
                mask[items] = True
                units = np.flatnonzero(mask[unit_items])
            blocks.append(
                _Block(
                    "rule",
                    str(rule),
                    units,
                    counts[units],
                    wide[:, units],
                    q,
                    stats[units],
                    spec,
                    n_items=len(items),
                    n_annotations=n_answers(items),
                    cohen_weights=st.cohen_weights,
                    categories=categories,
                    unit_items=unit_items[units],
                    units_are_items=enc.units_are_items,
                )
            )
    rule_tables = _pair_tables(wide, pairs, q, [b.units for b in blocks[1:]])
    for b, tables in zip(blocks[1:], rule_tables, strict=True):
        b.tables = tables
    blocks += _label_blocks(enc, task, counts, wide, stats, spec, overall.tables, stats.shape[1] + 3 * n_ann)

    # Cohen pair columns for intervals, within a memory budget
    pair_width = 2 + 2 * q
    cells = sum(len(b.units) for b in blocks if b.kind != "label") * len(pairs) * pair_width
    with_cohen = bool(pairs) and cells <= COHEN_CI_BUDGET
    pair_cols = _pair_columns(wide, pairs, q, st.cohen_weights) if with_cohen else None

    inputs = []
    for b in blocks:
        if b.derive is not None:
            continue
        parts = [b.stats]
        if b.extra is not None:
            parts.append(b.extra)
        if pair_cols is not None and b.kind != "label":
            parts.append(pair_cols[b.units])
        if b.kind == "overall" and pair_cols is None:
            rows = overall_rows
        else:
            rows = np.hstack(parts) if len(parts) > 1 else b.stats
        inputs.append(rows if enc.units_are_items else _aggregate_by_item(rows, unit_items[b.units]))
    sums = [x.sum(axis=0) for x in inputs]
    reps: list[np.ndarray | None] = (
        list(replicate_sums(inputs, bootstrap, seed)) if bootstrap > 0 else [None] * len(inputs)
    )
    for b in blocks:
        if b.derive is not None:
            sums.append(b.derive(sums[0]))
            reps.append(None if reps[0] is None else b.derive(reps[0]))

    extras_fn = None
    if task.type in ("multi_label", "span", "ranking"):
        from calibration.agreement.structured import structured_extras

        def extras_fn(items: np.ndarray | None) -> dict[str, Any]:
            if items is None:
                return structured_extras(responses, task)
            keep = responses[ITEM].astype(str).isin(set(enc.items[items]))
            return structured_extras(responses[keep], task)

    per_rule: dict[str, dict[str, Any]] = {}
    per_label: dict[str, dict[str, Any]] = {}
    overall_dict: dict[str, Any] = {}
    for b, total, rep in zip(blocks, sums, reps, strict=True):
        extra_width = 0 if b.extra is None else b.extra.shape[1]
        offset = b.stats.shape[1] + extra_width if (pair_cols is not None and b.kind != "label") else None
        block = _block_dict(
            b,
            total,
            rep,
            pairs if b.kind != "label" else _pair_codes(b.wide),
            offset,
            bootstrap_on=bootstrap > 0,
            n_ann_total=n_ann,
        )
        if b.kind != "label" and bootstrap > 0 and pairs and pair_cols is None:
            block["flags"].append("cohen_ci_omitted")
        if b.kind == "overall":
            if extras_fn is not None:
                block.update(extras_fn(None))
            if gold_rows is not None:
                block.update(gold_rows.block(None))
            overall_dict = block
        elif b.kind == "rule":
            if extras_fn is not None:
                block.update(extras_fn(rule_items[b.key]))
            if gold_rows is not None:
                block.update(gold_rows.block(rule_items[b.key]))
            per_rule[b.key] = block
        else:
            if gold_rows is not None:
                block.update(gold_rows.label_block(b.key))
            per_label[b.key] = block

    pairwise = pd.DataFrame(np.nan, index=enc.annotators, columns=enc.annotators)
    for (i, j), table in zip(pairs, overall.tables, strict=True):
        kappa = co.cohen_kappa(table, st.cohen_weights) if table.sum() else None
        pairwise.iloc[i, j] = pairwise.iloc[j, i] = np.nan if kappa is None else kappa
    per_annotator = _per_annotator(enc, counts, wide, stats, spec, ann, sums[0], reps[0], pairwise, gold_rows)
    confusion = {b.key: _coincidence_frame(b.counts, categories) for b in blocks if b.kind != "label"}
    return AgreementReport(
        task_type=task.type,
        level=st.level,
        categories=categories,
        overall=overall_dict,
        per_rule=per_rule,
        per_label=per_label,
        per_annotator=per_annotator,
        pairwise_kappa=pairwise,
        confusion=confusion,
        n_bootstrap=bootstrap,
        seed=seed,
    )


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
                    "label",
                    str(key),
                    idx,
                    counts[idx],
                    wide[:, idx],
                    2,
                    stats[idx],
                    spec,
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
    k = stats.shape[1]
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
                "label",
                str(cat),
                np.arange(enc.n_units),
                np.stack([counts[:, c], r - counts[:, c]], axis=1),
                wide,
                2,
                np.zeros((0, spec_l.n_columns)),
                spec_l,
                n_items=int(items_with[c]),
                n_annotations=int(counts[:, c].sum()),
                categories=[cat, "other"],
                unit_items=enc.unit_items,
                units_are_items=enc.units_are_items,
                tables=binary_tables,
                derive=_binary_deriver(c, q, k, binary_offset),
            )
        )
    return out


def _binary_columns(counts: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Per unit and category c: one-vs-rest percent agreement and nominal disagreement (2q columns)."""
    q = counts.shape[1]
    if out is None:
        out = np.empty((counts.shape[0], 2 * q))
    r = counts.sum(axis=1, keepdims=True)
    pairable = r >= 2
    rest = r - counts
    out[:, :q] = (counts * (counts - 1) + rest * (rest - 1)) / np.where(pairable, r * (r - 1), 1.0) * pairable
    out[:, q:] = 2 * counts * rest / np.where(pairable, r - 1, 1.0) * pairable
    return out


def _binary_deriver(c: int, q: int, k: int, offset: int) -> Any:
    """Sums of the one-vs-rest statistics of category c, from the overall block's sums (batch-shaped)."""

    def derive(total: np.ndarray) -> np.ndarray:
        present, pairable = total[..., 0], total[..., 1]
        share = total[..., 4 + c]
        marg = total[..., 4 + q + c]
        marg_all = total[..., 4 + q : 4 + 2 * q].sum(axis=-1)
        pa = total[..., offset + c]
        d_o = total[..., offset + q + c]
        columns = [present, pairable, pa, pa, share, present - share, marg, marg_all - marg, d_o]
        return np.stack(columns, axis=-1)

    _ = k
    return derive


def _block_dict(
    b: _Block,
    total: np.ndarray,
    rep: np.ndarray | None,
    pairs: list[tuple[int, int]],
    pair_offset: int | None,
    *,
    bootstrap_on: bool,
    n_ann_total: int,
) -> dict[str, Any]:
    spec, q = b.spec, b.q
    point = co.statistics_from_sums(total[: spec.n_columns], spec)
    single = co.is_single_category(b.counts)
    r = b.counts.sum(axis=1)
    block: dict[str, Any] = {
        "n_items": int(b.n_items),
        "n_annotators": int((b.wide >= 0).any(axis=1).sum()),
        "n_annotations": int(b.n_annotations),
        "n_pairable_items": _n_items(b.unit_items[r >= 2], b.units_are_items),
        "level": spec.level,
    }
    for name in ("percent_agreement", "fleiss_kappa", "krippendorff_alpha", "gwet_ac1", "brennan_prediger"):
        block[name] = _f(point[name])
    if spec.weighted:
        block["gwet_ac2"] = _f(point["gwet_ac2"])
    tables = (
        list(b.tables)
        if b.tables is not None
        else list(_pair_tables(b.wide, pairs, q, [np.arange(b.wide.shape[1])])[0])
    )
    kappas = []
    for table in tables:
        kappa = co.cohen_kappa(table, b.cohen_weights) if table.sum() else None
        if kappa is not None:
            kappas.append(kappa)
    block["cohen_kappa_mean"] = float(np.mean(kappas)) if kappas else None
    block["scott_pi"] = co.scott_pi(tables[0]) if n_ann_total == 2 and tables and b.kind != "label" else None
    block.update(_prevalence(b.counts.sum(axis=0), b.categories))
    pooled = np.sum(tables, axis=0) if tables else np.zeros((q, q))
    pb = co.prevalence_bias(pooled)
    block["prevalence_index"] = pb["prevalence_index"]
    block["bias_index"] = pb["bias_index"]
    if single:
        for name in (*co.CHANCE_CORRECTED, "brennan_prediger", "cohen_kappa_mean"):
            if name in block:
                block[name] = None
    ci: dict[str, list[float] | None] = {}
    if rep is not None:
        rep_stats = co.statistics_from_sums(rep[:, : spec.n_columns], spec)
        for name in CI_STATS:
            if block.get(name) is not None:
                ci[name] = percentile_interval(rep_stats[name])
        if pair_offset is not None and block["cohen_kappa_mean"] is not None and pairs:
            width = 2 + 2 * q
            cols = rep[:, pair_offset : pair_offset + len(pairs) * width]
            kap = _cohen_from_sums(cols.reshape(len(rep), len(pairs), width), q, b.cohen_weights)
            finite = np.isfinite(kap)
            with np.errstate(all="ignore"):
                mean = np.where(
                    finite.any(axis=1),
                    np.nansum(np.where(finite, kap, 0), axis=1) / finite.sum(axis=1),
                    np.nan,
                )
            ci["cohen_kappa_mean"] = percentile_interval(mean)
    block["ci95"] = ci
    block["flags"] = _flags(block, single)
    return block


# --------------------------------------------------------------------------- per annotator


def _annotator_columns(
    counts: np.ndarray, wide: np.ndarray, stats: np.ndarray, spec: co.StatSpec, out: np.ndarray | None = None
) -> np.ndarray:
    """Per unit and annotator: [answered & pairable, agreement with the others, disagreement]."""
    q = spec.q
    n_c = stats[:, 4 + q : 4 + 2 * q].sum(axis=0)
    delta = spec.delta if spec.delta is not None else co._ordinal_distance(n_c)
    r = counts.sum(axis=1)
    pairable = r >= 2
    denom = np.where(pairable, r - 1, 1.0)
    dis_by_cat = counts @ delta.T  # unit x category: sum_k r_uk delta(c, k)
    rows = np.arange(counts.shape[0])
    if out is None:
        out = np.empty((counts.shape[0], 3 * len(wide)))
    for a, codes in enumerate(wide):
        mask = (codes >= 0) & pairable
        c = np.where(mask, codes, 0)
        out[:, 3 * a] = mask
        out[:, 3 * a + 1] = np.where(mask, (counts[rows, c] - 1) / denom, 0.0)
        out[:, 3 * a + 2] = np.where(mask, dis_by_cat[rows, c] / denom, 0.0)
    return out


def _chance_terms(sums: np.ndarray, spec: co.StatSpec) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pooled chance agreement of Fleiss and AC1, and Krippendorff's expected disagreement D_e."""
    q = spec.q
    with np.errstate(divide="ignore", invalid="ignore"):
        pi = sums[..., 4 : 4 + q] / sums[..., 0:1]
        pe_fleiss = (pi * pi).sum(axis=-1)
        pe_ac1 = (pi * (1 - pi)).sum(axis=-1) / (q - 1) if q > 1 else np.full(pi.shape[:-1], np.nan)
        n_c = sums[..., 4 + q : 4 + 2 * q]
        n = n_c.sum(axis=-1)
        delta = spec.delta if spec.delta is not None else co._ordinal_distance(n_c)
        if delta.ndim == 2:
            d_e = np.einsum("...k,kl,...l->...", n_c, delta, n_c) / (n * (n - 1))
        else:
            d_e = np.einsum("...k,...kl,...l->...", n_c, delta, n_c) / (n * (n - 1))
    return pe_fleiss, pe_ac1, d_e


def _annotator_stats(sums: np.ndarray, k: int, a: int, spec: co.StatSpec) -> dict[str, np.ndarray]:
    pe_f, pe_ac1, d_e = _chance_terms(sums[..., :k], spec)
    v = sums[..., k + 3 * a]
    with np.errstate(divide="ignore", invalid="ignore"):
        pa = sums[..., k + 3 * a + 1] / v
        d_o = sums[..., k + 3 * a + 2] / v
        return {
            "percent_agreement": pa,
            "fleiss_kappa": (pa - pe_f) / (1 - pe_f),
            "gwet_ac1": (pa - pe_ac1) / (1 - pe_ac1),
            "krippendorff_alpha": 1 - d_o / d_e,
        }


def _per_annotator(
    enc: Encoded,
    counts: np.ndarray,
    wide: np.ndarray,
    stats: np.ndarray,
    spec: co.StatSpec,
    ann: np.ndarray,
    total: np.ndarray,
    rep: np.ndarray | None,
    pairwise: pd.DataFrame,
    gold_rows: _GoldRows | None,
) -> dict[str, dict[str, Any]]:
    k = stats.shape[1]
    overall_alpha = _f(co.statistics_from_sums(total[:k], spec)["krippendorff_alpha"])
    single = co.is_single_category(counts)
    r = counts.sum(axis=1)
    out: dict[str, dict[str, Any]] = {}
    for a, name in enumerate(enc.annotators):
        codes = wide[a]
        answered = codes >= 0
        pairable = answered & (r >= 2)
        others = (wide[:, pairable] >= 0).any(axis=1)
        point = _annotator_stats(total, k, a, spec)
        block: dict[str, Any] = {
            "n_items": _n_items(enc.unit_items[answered], enc.units_are_items),
            "n_annotators": int(others.sum()),
            "n_annotations": _n_items(enc.item_codes[enc.annotator_codes == a], enc.units_are_items),
            "n_pairable_items": _n_items(enc.unit_items[pairable], enc.units_are_items),
            "level": spec.level,
        }
        for stat in ("percent_agreement", "fleiss_kappa", "krippendorff_alpha", "gwet_ac1"):
            block[stat] = _f(point[stat])
        row = pairwise.iloc[a].drop(pairwise.index[a])
        block["cohen_kappa_mean"] = _f(row.mean()) if row.notna().any() else None
        block["scott_pi"] = None  # a two-annotator statistic; see pairwise_kappa for pairs
        # leave-one-out alpha: all data without this annotator
        units = np.flatnonzero(answered)
        reduced = counts[units].copy()
        reduced[np.arange(len(units)), codes[units]] -= 1
        s_wo, _ = co.item_statistics(reduced, spec.level, None if not spec.weighted else spec.weights)
        sums_wo = total[:k].copy()
        sums_wo[: spec.n_columns] += s_wo.sum(axis=0) - stats[units].sum(axis=0)
        alpha_wo = None if single else _f(co.statistics_from_sums(sums_wo, spec)["krippendorff_alpha"])
        block["krippendorff_alpha_without"] = alpha_wo
        block["alpha_gain_without"] = (
            alpha_wo - overall_alpha if alpha_wo is not None and overall_alpha is not None else None
        )
        if single:
            for stat in ("fleiss_kappa", "krippendorff_alpha", "gwet_ac1", "cohen_kappa_mean"):
                block[stat] = None
        ci: dict[str, list[float] | None] = {}
        if rep is not None:
            rep_stats = _annotator_stats(rep, k, a, spec)
            for stat, values in rep_stats.items():
                if block.get(stat) is not None:
                    ci[stat] = percentile_interval(values)
        block["ci95"] = ci
        flags = []
        if block["n_pairable_items"] < FEW_ITEMS:
            flags.append("few_items")
        if single:
            flags.append(co.UNDEFINED_SINGLE_CATEGORY)
        block["flags"] = flags
        if gold_rows is not None:
            block.update(gold_rows.annotator_block(a))
        out[str(name)] = block
    return out


# --------------------------------------------------------------------------- gold


@dataclass
class _GoldRows:
    """Gold correctness per answer row, and (answer, gold) category pairs for kappa."""

    task: Task
    item: np.ndarray
    annotator: np.ndarray
    correct: np.ndarray  # float: 1, 0, NaN (no gold)
    gold_labels: Any  # gold answer per row: str codes ("" without gold) or canonical answers (None)
    answers: list[Any]
    k_row: np.ndarray
    k_answer: np.ndarray
    k_gold: np.ndarray
    k_q: int
    k_weights: np.ndarray | None
    n_items: int = 0
    by_item: bool = False  # single-choice tasks: block sums come from per-item totals

    def __post_init__(self) -> None:
        if not self.by_item:
            return
        has = np.isfinite(self.correct) & (self.item >= 0)
        items = self.item[has]
        self._item_n = np.bincount(items, minlength=self.n_items)
        self._item_correct = np.bincount(items, weights=self.correct[has], minlength=self.n_items)
        k_items = self.item[self.k_row]
        self._item_gold = np.full(self.n_items, -1, dtype=np.int64)
        self._item_gold[k_items] = self.k_gold
        flat = k_items * self.k_q + self.k_answer
        self._item_answers = np.bincount(flat, minlength=self.n_items * self.k_q).reshape(
            self.n_items, self.k_q
        )

    def _items_summary(self, items: np.ndarray) -> dict[str, Any]:
        n = int(self._item_n[items].sum())
        accuracy = float(self._item_correct[items].sum() / n) if n else None
        kappa = None
        if n:
            gold = self._item_gold[items]
            valid = gold >= 0
            table = np.zeros((self.k_q, self.k_q))
            np.add.at(table, gold[valid], self._item_answers[items][valid])
            kappa = co.cohen_kappa(table, self.k_weights)
        return {"gold_accuracy": accuracy, "gold_kappa": kappa, "n_gold_answers": n}

    def _summary(self, rows: np.ndarray) -> dict[str, Any]:
        has = rows & np.isfinite(self.correct)
        accuracy = float(self.correct[has].mean()) if has.any() else None
        kappa = None
        if self.k_q and has.any():
            sel = has[self.k_row]
            table = co.contingency(self.k_gold[sel], self.k_answer[sel], self.k_q)
            kappa = co.cohen_kappa(table, self.k_weights)
        return {"gold_accuracy": accuracy, "gold_kappa": kappa, "n_gold_answers": int(has.sum())}

    def block(self, items: np.ndarray | None) -> dict[str, Any]:
        if items is None:
            return self._summary(np.ones(len(self.item), dtype=bool))
        if self.by_item:
            return self._items_summary(np.asarray(items))
        mask = np.zeros(int(self.item.max()) + 2 if len(self.item) else 1, dtype=bool)
        mask[items] = True
        return self._summary(mask[self.item])  # item code -1 (unknown) reads the last, False, cell

    def annotator_block(self, a: int) -> dict[str, Any]:
        return self._summary(self.annotator == a)

    def label_block(self, label: str) -> dict[str, Any]:
        """Accuracy on the answers whose gold is (single choice) or contains (multi_label) the label."""
        if self.task.type == "multi_label":
            hits = [
                (label in set(map(str, g)), label in set(map(str, a)))
                for g, a in zip(self.gold_labels, self.answers, strict=True)
                if g is not None
            ]
            relevant = [ok for has, ok in hits if has]
            return {"gold_accuracy": float(np.mean(relevant)) if relevant else None, "gold_kappa": None}
        if self.task.type in ("span", "ranking"):
            return {"gold_accuracy": None, "gold_kappa": None}
        rows = np.asarray(self.gold_labels, dtype=object) == label  # "" where the item has no gold
        has = rows & np.isfinite(self.correct)
        return {"gold_accuracy": float(self.correct[has].mean()) if has.any() else None, "gold_kappa": None}


def _gold_rows(responses: pd.DataFrame, task: Task, enc: Encoded, gold: pd.Series) -> _GoldRows:
    from calibration.agreement.gold import answers_correct

    frame = responses.drop_duplicates([ITEM, ANNOTATOR], keep="last").reset_index(drop=True)
    gold = gold.copy()
    gold.index = gold.index.astype(str)
    gold = gold[~gold.index.duplicated(keep="last")]
    items = frame[ITEM].astype(str)
    item_codes = enc.items.get_indexer(items)
    ann_codes = enc.annotators.get_indexer(frame[ANNOTATOR].astype(str))
    position = gold.index.get_indexer(items)
    has = position >= 0
    sel = np.flatnonzero(has)
    correct = np.full(len(frame), np.nan)
    k_rows: list[int] | np.ndarray = []
    k_a: list[int] | np.ndarray = []
    k_g: list[int] | np.ndarray = []
    k_q, k_w = 0, None
    if task.type in ("single_label", "rating", "pairwise"):
        # vectorized: answers and gold answers as codes on the declared categories
        categories = list(enc.categories)
        a_codes = pd.Categorical(frame[ANSWER].to_numpy(), categories=categories).codes.astype(np.int64)
        gold_codes_all = pd.Categorical(gold.to_numpy(), categories=categories).codes.astype(np.int64)
        g_codes = np.where(has, gold_codes_all[np.where(has, position, 0)], -1)
        correct[sel] = (a_codes[sel] == g_codes[sel]).astype(float)
        both = np.flatnonzero((a_codes >= 0) & (g_codes >= 0))
        k_rows, k_a, k_g = both, a_codes[both], g_codes[both]
        k_q = enc.q
        level = task.measurement_level
        if task.type == "rating" and level != "nominal":
            k_w = co.agreement_weights(k_q, "linear" if level == "ordinal" else "quadratic")
        golds = None
        gold_labels = np.array([str(c) for c in categories] + [""], dtype=object)[g_codes]
        answers: list[Any] = []
    else:
        answers = list(frame[ANSWER])
        gold_values = gold.to_numpy()
        golds = [gold_values[p] if h else None for p, h in zip(position, has, strict=True)]
        if len(sel):
            correct[sel] = answers_correct(task.type, [answers[i] for i in sel], [golds[i] for i in sel])
        gold_labels = golds
        if task.type == "multi_label":
            labels = task.label_ids
            rows_, a_, g_ = [], [], []
            for i in sel:
                a_set, g_set = set(answers[i]), set(golds[i])
                for lab in labels:
                    rows_.append(i), a_.append(int(lab in a_set)), g_.append(int(lab in g_set))
            k_rows, k_a, k_g = rows_, a_, g_
            k_q = 2
    return _GoldRows(
        task=task,
        item=item_codes,
        annotator=ann_codes,
        correct=correct,
        gold_labels=gold_labels,
        answers=answers,
        k_row=np.asarray(k_rows, dtype=np.int64),
        k_answer=np.asarray(k_a, dtype=np.int64),
        k_gold=np.asarray(k_g, dtype=np.int64),
        k_q=k_q,
        k_weights=k_w,
        n_items=enc.n_items,
        by_item=task.type in ("single_label", "rating", "pairwise"),
    )


# --------------------------------------------------------------------------- per item, confusions


def _coincidence_frame(counts: np.ndarray, categories: list[Any]) -> pd.DataFrame:
    """Ordered answer-pair counts within units: ``R'R - diag(sum R)`` as a label x label frame."""
    matrix = counts.T @ counts - np.diag(counts.sum(axis=0))
    names = [str(c) for c in categories]
    return pd.DataFrame(
        matrix.astype(int), index=pd.Index(names, name="label_a"), columns=pd.Index(names, name="label_b")
    )


def item_agreement(responses: pd.DataFrame, task: Task | None = None) -> pd.DataFrame:
    """Per-item disagreement: how many answers, the majority answer and its share, the entropy.

    Works for every task type (answers are compared as canonical, hashable values).

    Returns:
        DataFrame indexed by item_id with n_annotations, majority_answer, majority_share, n_distinct,
        entropy (bits, of the answer distribution), pairwise_agreement (share of agreeing answer pairs;
        NaN with one answer).
    """
    frame = responses.drop_duplicates([ITEM, ANNOTATOR], keep="last")
    item_codes, items = pd.factorize(frame[ITEM].astype(str), sort=True)
    ans_codes, uniques = pd.factorize(pd.Series(list(frame[ANSWER]), dtype=object))
    n_a = max(len(uniques), 1)
    flat = item_codes.astype(np.int64) * n_a + ans_codes
    pair_codes, pair_counts = np.unique(flat, return_counts=True)
    table = pd.DataFrame({"item": pair_codes // n_a, "answer": pair_codes % n_a, "count": pair_counts})
    n = np.bincount(item_codes, minlength=len(items)).astype(float)
    table["n"] = n[table["item"]]
    table["p"] = table["count"] / table["n"]
    table = table.sort_values(["item", "count", "answer"], ascending=[True, False, True])
    top = table.drop_duplicates("item")
    entropy = (-table["p"] * np.log2(table["p"])).groupby(table["item"]).sum()
    agree = (table["count"] * (table["count"] - 1)).groupby(table["item"]).sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        pairwise = agree.to_numpy() / (n * (n - 1))
    out = pd.DataFrame(
        {
            "n_annotations": n.astype(int),
            "majority_answer": [uniques[c] for c in top["answer"].to_numpy()],
            "majority_share": top["p"].to_numpy(),
            "n_distinct": table.groupby("item").size().to_numpy(),
            "entropy": entropy.to_numpy() + 0.0,
            "pairwise_agreement": np.where(n >= 2, pairwise, np.nan),
        },
        index=pd.Index(items, name=ITEM),
    )
    return out


def confused_pairs(
    responses: pd.DataFrame, task: Task, item_rules: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Which pairs of categories annotators split on, per rule (``"*"`` = all items without a map).

    For each rule and unordered pair of categories (a, b), ``count`` = number of annotator pairs on
    the same item (unit) that answered a and b, ``share`` = count / all disagreeing pairs of the rule.

    Returns:
        DataFrame with columns rule_id, label_a, label_b, count, share; sorted by rule, then count
        (descending). Pairs that never occur are left out.
    """
    enc = _setup(responses, task, "nominal").enc
    counts = enc.counts()
    groups: list[tuple[str, np.ndarray]] = []
    if item_rules is not None and len(item_rules):
        frame = item_rules[[ITEM, RULE]].astype(str).drop_duplicates()
        codes = enc.items.get_indexer(frame[ITEM])
        frame = frame.assign(_code=codes)[codes >= 0]
        for rule, part in frame.groupby(RULE, sort=True):
            mask = np.zeros(enc.n_items, dtype=bool)
            mask[part["_code"].to_numpy()] = True
            groups.append((str(rule), np.flatnonzero(mask[enc.unit_items])))
    else:
        groups.append(("*", np.arange(enc.n_units)))
    rows = []
    upper = np.triu_indices(enc.q, 1)
    for rule, units in groups:
        c = counts[units]
        pair_counts = (c.T @ c)[upper]
        total = pair_counts.sum()
        for a, b, count in zip(upper[0], upper[1], pair_counts, strict=True):
            if count > 0:
                rows.append((rule, enc.categories[a], enc.categories[b], int(count), float(count / total)))
    out = pd.DataFrame(rows, columns=[RULE, "label_a", "label_b", "count", "share"])
    return out.sort_values([RULE, "count"], ascending=[True, False], kind="stable").reset_index(drop=True)


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
        each statistic S, columns S, S_low, S_high (NaN when undefined).
    """
    st = _setup(responses, task, level)
    enc = st.enc
    counts = enc.counts()
    stats, spec = co.item_statistics(counts, st.level, st.ac2_weights, st.values)  # type: ignore[arg-type]
    names, memberships = ["*"], [np.arange(enc.n_units)]
    inputs = [stats if enc.units_are_items else _aggregate_by_item(stats, enc.unit_items)]
    if item_rules is not None and len(item_rules):
        item_col, rule_col = item_rules[ITEM], item_rules[RULE]
        codes = enc.items.get_indexer(item_col if item_col.dtype == object else item_col.astype(str))
        rule_codes, rule_names = pd.factorize(
            rule_col if rule_col.dtype == object else rule_col.astype(str), sort=True
        )
        keep = codes >= 0
        # unique (rule, item) pairs, sorted by rule then item
        pairs = np.unique(rule_codes[keep].astype(np.int64) * enc.n_items + codes[keep])
        pair_rules, sorted_items = pairs // enc.n_items, pairs % enc.n_items
        bounds = np.searchsorted(pair_rules, np.arange(len(rule_names) + 1))
        gathered = stats[sorted_items] if enc.units_are_items else None
        for r, name in enumerate(rule_names):
            if bounds[r] == bounds[r + 1]:
                continue
            items = sorted_items[bounds[r] : bounds[r + 1]]
            names.append(str(name))
            if enc.units_are_items:
                memberships.append(items)
                inputs.append(gathered[bounds[r] : bounds[r + 1]])
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
