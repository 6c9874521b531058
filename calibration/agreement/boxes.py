"""Agreement of bounding-box answers: Krippendorff's alpha with the distance 1 - IoU over matched boxes.

Convention (KαLOS, Tschirschwitz & Rodehorst 2026; Braylan, Alonso & Lease 2022), stated with a worked
example in docs/agreement.md:

- **Matching.** For each pair of answers (two annotators on one image), boxes are matched one to one
  by maximum total IoU (`calibration.boxes.match_boxes`: Hungarian assignment, labels ignored, pairs
  with IoU 0 dropped). At an IoU threshold ``tau`` a matched pair with IoU >= tau is one *value pair*
  at distance ``1 - IoU``; every other box (unmatched, or matched below tau) is a value pair with an
  empty box, at distance 1. The pair's disagreement is ``d = sum of distances`` over ``c`` value pairs:
  ``c = |A| + |B| - k`` and ``d = |A| + |B| - k - sum IoU`` with ``k`` matches kept.
- **Observed disagreement.** ``D_o = sum_i w_i sum_{a<b} d_ab / sum_i w_i sum_{a<b} c_ab`` over
  images i with ``m_i >= 2`` answers (an answer with no box counts), ``w_i = 1 / (m_i - 1)`` as in
  Krippendorff's coincidences (each annotator's boxes weigh the same whatever the number of others).
- **Expected disagreement.** ``D_e`` is the same ratio (unweighted) over pairs of answers to
  *different* images: all such pairs when there are at most `EXPECTED_PAIRS`, else a seeded uniform
  sample of `EXPECTED_PAIRS` of them. It is what two annotators who looked at unrelated images would
  disagree, so independent random boxes give alpha near 0, identical answers alpha 1.
- ``alpha(tau) = 1 - D_o(tau) / D_e(tau)``. The headline ``krippendorff_alpha`` is tau = 0 (any
  overlap matches); `THRESHOLDS` gives the curve for tau = 0.1 .. 0.9.
- **Label alpha.** Nominal Krippendorff's alpha of the labels of the pairs matched at the task's
  ``min_iou`` (each ordered pair weighted ``w_i``, expected disagreement from the same pairs' label
  margins).
- **Breakdowns.** Per rule: the images mapped to the rule (``D_e`` from the rule's answers; a rule on
  a single image takes the overall ``D_e``). Per label:
  the answers restricted to that label's boxes, matched within the label. Per annotator: ``D_o`` over
  the pairs the annotator is in, against the overall ``D_e``. Per pair of annotators: ``D_o`` over the
  images both answered (unweighted), against the overall ``D_e``.
- **Intervals.** Images are resampled (`calibration.agreement.bootstrap`, Poisson weights shared by
  every block); each replicate recomputes ``D_o`` from per-image sums, ``D_e`` is held at its point
  value (as in Hayes & Krippendorff 2007).

The matching is vectorized in `calibration.agreement.box_matching` (re-exported here): overlapping box
pairs come from one sweep along x over all boxes; an assignment is solved only where a box overlaps
two boxes of the other answer (elsewhere the overlapping pairs already are the optimal matching).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from calibration.agreement.bootstrap import percentile_interval, percentile_intervals, replicate_sums
from calibration.agreement.box_matching import (
    BoxAnswers,
    Cells,
    Matches,
    assign_cells,
    box_answers,
    item_pairs,
    label_view,
    match_answer_pairs,
    overlapping_cells,
    within_cells,
)
from calibration.agreement.results import (
    NAN,
    AgreementReport,
    BoxBlock,
    GoldFigures,
    Interval,
    Statistics,
    ThresholdPoint,
    number,
)
from calibration.boxes import IOU_TOLERANCE
from calibration.errors import DataError
from calibration.responses import ANNOTATOR, ITEM, RULE

if TYPE_CHECKING:
    from calibration.guidelines.model import Task

__all__ = [
    "EXPECTED_PAIRS",
    "THRESHOLDS",
    "BoxAgreement",
    "BoxAnswers",
    "Cells",
    "Matches",
    "alpha_by_threshold",
    "assign_cells",
    "box_agreement",
    "box_answers",
    "box_item_disagreement",
    "box_report",
    "expected_disagreement",
    "item_pairs",
    "match_answer_pairs",
    "overlapping_cells",
    "threshold_table",
]

THRESHOLDS: tuple[float, ...] = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
"""IoU thresholds of the alpha curve; the first (0: any overlap) gives the headline alpha."""
EXPECTED_PAIRS = 10_000
"""Pairs of answers to different images behind the expected disagreement (all of them when fewer)."""
DEFAULT_MIN_IOU = 0.5
FEW_ITEMS = 10
PAIR_CI_BUDGET = 5_000_000  # image x pair-column cells allowed for per-pair intervals

# --------------------------------------------------------------------------- per-pair sums


def _pair_sums(
    matches: Matches, n_boxes: np.ndarray, thresholds: Sequence[float]
) -> tuple[np.ndarray, np.ndarray]:
    """Disagreement ``d`` and value-pair count ``c`` of each answer pair at each threshold: ``(P, T)`` each."""
    n_pairs, n_t = len(n_boxes), len(thresholds)
    bucket = np.searchsorted(np.asarray(thresholds), matches.iou + IOU_TOLERANCE, side="right") - 1
    code = matches.pair * n_t + bucket
    kept = np.bincount(code, minlength=n_pairs * n_t).reshape(n_pairs, n_t)
    iou_sum = np.bincount(code, weights=matches.iou, minlength=n_pairs * n_t).reshape(n_pairs, n_t)
    # a match counts at every threshold up to its IoU: cumulate from the highest threshold down
    kept = np.cumsum(kept[:, ::-1], axis=1)[:, ::-1]
    iou_sum = np.cumsum(iou_sum[:, ::-1], axis=1)[:, ::-1]
    n = n_boxes[:, None].astype(float)
    return n - kept - iou_sum, n - kept


def _sum_by(codes: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Column sums of ``values`` (rows, k) grouped by integer codes: ``(n, k)``."""
    out = np.zeros((n, values.shape[1]))
    for j in range(values.shape[1]):
        out[:, j] = np.bincount(codes, weights=values[:, j], minlength=n)
    return out


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def _alpha(d: np.ndarray, c: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """``1 - (d / c) / D_e`` elementwise (NaN where undefined)."""
    observed = _ratio(d, c)
    return 1 - _ratio(observed, np.broadcast_to(expected, observed.shape))


def _nominal_alpha(disagreeing: np.ndarray, margins: np.ndarray) -> np.ndarray:
    """Nominal alpha from summed off-diagonal coincidences ``(...)`` and label margins ``(..., q)``."""
    n = margins.sum(axis=-1)
    expected = n * n - (margins * margins).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 1 - (n - 1) * disagreeing / expected
    return np.where((expected > 0) & (n > 1), out, np.nan)


def expected_disagreement(
    answers: BoxAnswers,
    subset: np.ndarray | None = None,
    *,
    seed: int = 0,
    n_pairs: int = EXPECTED_PAIRS,
    labels: Sequence[int] = (),
) -> list[np.ndarray]:
    """``D_e`` at each of `THRESHOLDS`: value-pair disagreement of answers to different images.

    Args:
        answers: the flattened answers.
        subset: answer indices to draw from (all when None).
        seed: seed of the sample of pairs (used only when there are more than `n_pairs` pairs).
        n_pairs: pairs used at most.
        labels: label codes whose ``D_e`` (answers restricted to that label) is wanted too.

    Returns:
        ``[D_e, D_e of labels[0], ...]``, each a ``(T,)`` array, NaN where the pairs hold no box.
    """
    left, right = _cross_pairs(answers, subset, seed, n_pairs)
    if left is None or right is None:
        return [np.full(len(THRESHOLDS), np.nan) for _ in range(1 + len(labels))]
    cells = overlapping_cells(answers, left, right)
    out = []
    for label in (None, *labels):
        sizes, keep = label_view(answers, cells, label)
        matches = assign_cells(answers, cells, keep)
        d, c = _pair_sums(matches, sizes[left] + sizes[right], THRESHOLDS)
        out.append(_ratio(d.sum(axis=0), c.sum(axis=0)))
    return out


def _cross_pairs(
    answers: BoxAnswers, subset: np.ndarray | None, seed: int, n_pairs: int
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Pairs of answers to different images: all, or a seeded uniform sample of `n_pairs`."""
    pool = np.arange(len(answers.answer_item)) if subset is None else np.asarray(subset, dtype=np.int64)
    items = answers.answer_item[pool]
    n = len(pool)
    same = np.bincount(items).astype(float) if n else np.zeros(0)
    available = n * (n - 1) / 2 - float((same * (same - 1) / 2).sum())
    if available <= 0:
        return None, None
    if available <= n_pairs:
        i, j = np.triu_indices(n, 1)
        keep = items[i] != items[j]
        return pool[i[keep]], pool[j[keep]]
    rng = np.random.default_rng([seed, 7])
    lefts, rights, found = [], [], 0
    while found < n_pairs:
        i = rng.integers(0, n, size=2 * n_pairs)
        j = rng.integers(0, n, size=2 * n_pairs)
        ok = items[i] != items[j]
        lefts.append(i[ok])
        rights.append(j[ok])
        found += int(ok.sum())
    return pool[np.concatenate(lefts)[:n_pairs]], pool[np.concatenate(rights)[:n_pairs]]


# --------------------------------------------------------------------------- the report


@dataclass(frozen=True)
class BoxAgreement:
    """Box agreement overall and broken down (block fields in `box_agreement`).

    Attributes:
        overall: the block of all images.
        per_rule, per_label, per_annotator: blocks keyed by id.
        pairwise_alpha: annotator x annotator box alpha (NaN on the diagonal and where two annotators
            share no image).
        pairs: one row per annotator pair: annotator_a, annotator_b, n_items, krippendorff_alpha,
            low, high.
        thresholds: the alpha curve, one row per block and threshold: block (``"*"`` or a rule id),
            threshold, alpha, low, high (NaN where undefined).
        confusion: rule id (``"*"`` for all) -> label x label DataFrame of the labels of box pairs
            matched at ``min_iou`` (ordered pairs, weighted like coincidences; the diagonal agrees).
        items: per image (index item_id): n_answers, n_boxes, disagreement (the image's observed
            disagreement ``sum d / sum c`` at threshold 0), mean_iou (of boxes matched at any overlap),
            unmatched_share (share of boxes no other annotator's box overlaps, over the answer pairs),
            label_mismatch (share of pairs matched at min_iou with different labels), and the counts
            behind them: n_matched, n_matched_min_iou, n_pair_boxes (boxes summed over answer pairs),
            n_unmatched, n_label_mismatch.
    """

    overall: BoxBlock
    per_rule: dict[str, BoxBlock]
    per_label: dict[str, BoxBlock]
    per_annotator: dict[str, BoxBlock]
    pairwise_alpha: pd.DataFrame
    pairs: pd.DataFrame
    thresholds: pd.DataFrame
    confusion: dict[str, pd.DataFrame] = field(default_factory=dict)
    items: pd.DataFrame = field(default_factory=pd.DataFrame)


_T = len(THRESHOLDS)
_CORE = 2 * _T + 4  # d per threshold, c per threshold, iou sum, matches, matches at min_iou, boxes in pairs


@dataclass
class _Pairs:
    """Within-image answer pairs of one set of answers, with their sums."""

    answers: BoxAnswers
    left: np.ndarray
    right: np.ndarray
    item: np.ndarray
    weight: np.ndarray
    matches: Matches
    d: np.ndarray
    c: np.ndarray
    n_boxes: np.ndarray


def _within_pairs(answers: BoxAnswers, cells: Cells | None = None, label: int | None = None) -> _Pairs:
    """Pairs of answers to the same image, matched (only the boxes of `label` when given)."""
    if cells is None:
        cells = within_cells(answers)
    left, right = cells.left, cells.right
    sizes, keep = label_view(answers, cells, label)
    matches = assign_cells(answers, cells, keep)
    n_boxes = sizes[left] + sizes[right]
    d, c = _pair_sums(matches, n_boxes, THRESHOLDS)
    item = answers.answer_item[left]
    m = np.bincount(answers.answer_item, minlength=len(answers.items))
    weight = 1.0 / np.maximum(m[item] - 1, 1)
    return _Pairs(answers, left, right, item, weight, matches, d, c, n_boxes)


def _core_columns(pairs: _Pairs, min_iou: float) -> np.ndarray:
    """Per-pair rows of the core columns (weighted where the statistic is)."""
    n = len(pairs.left)
    matched = np.bincount(pairs.matches.pair, minlength=n).astype(float)
    iou_sum = np.bincount(pairs.matches.pair, weights=pairs.matches.iou, minlength=n)
    good = pairs.matches.iou >= min_iou - IOU_TOLERANCE
    matched_min = np.bincount(pairs.matches.pair[good], minlength=n).astype(float)
    w = pairs.weight[:, None]
    return np.hstack(
        [
            pairs.d * w,
            pairs.c * w,
            iou_sum[:, None],
            matched[:, None],
            matched_min[:, None],
            pairs.n_boxes[:, None],
        ]
    )


def _label_columns(pairs: _Pairs, min_iou: float, q: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-item label coincidence statistics ``(n_items, 1 + q)``: off-diagonal sum, margins; and match labels."""
    mt = pairs.matches
    good = mt.iou >= min_iou - IOU_TOLERANCE
    la = pairs.answers.box_label[mt.left_box[good]]
    lb = pairs.answers.box_label[mt.right_box[good]]
    item = pairs.item[mt.pair[good]]
    w = pairs.weight[mt.pair[good]]
    n_items = len(pairs.answers.items)
    out = np.zeros((n_items, 1 + q))
    out[:, 0] = np.bincount(item, weights=2 * w * (la != lb), minlength=n_items)
    margins = np.bincount(item * q + la, weights=w, minlength=n_items * q) + np.bincount(
        item * q + lb, weights=w, minlength=n_items * q
    )
    out[:, 1:] = margins.reshape(n_items, q)
    return out, np.column_stack([item, la, lb, w])


@dataclass(frozen=True)
class _Meta:
    """The counts of a block's answers."""

    n_items: int
    n_annotators: int
    n_annotations: int
    n_pairable_items: int
    n_boxes: int


def _block_meta(answers: BoxAnswers, items: np.ndarray | None) -> _Meta:
    mask = (
        np.ones(len(answers.answer_item), dtype=bool)
        if items is None
        else np.isin(answers.answer_item, items)
    )
    m = np.bincount(answers.answer_item[mask], minlength=len(answers.items))
    return _Meta(
        n_items=int((m > 0).sum()),
        n_annotators=len(np.unique(answers.answer_annotator[mask])),
        n_annotations=int(mask.sum()),
        n_pairable_items=int((m >= 2).sum()),
        n_boxes=int(answers.sizes[mask].sum()),
    )


def _core_block(
    meta: _Meta,
    total: np.ndarray,
    rep: np.ndarray | None,
    expected: np.ndarray,
    min_iou: float,
    label_part: tuple[np.ndarray, np.ndarray | None] | None,
) -> BoxBlock:
    """A block from the summed core columns (and their replicates)."""
    alphas = finite(_alpha(total[:_T], total[_T : 2 * _T], expected))
    rep_alphas = None if rep is None else _alpha(rep[:, :_T], rep[:, _T : 2 * _T], expected[None, :])
    iou_sum, matched, matched_min, in_pairs = total[2 * _T : 2 * _T + 4]
    mean_iou = number(_ratio(np.array([iou_sum]), np.array([matched]))[0])
    match_f1 = number(_ratio(np.array([2 * matched_min]), np.array([in_pairs]))[0])
    label_alpha = NAN
    rep_label = None
    if label_part is not None:
        label_total, label_rep = label_part
        label_alpha = number(_nominal_alpha(label_total[0], label_total[1:]))
        if label_rep is not None:
            rep_label = _nominal_alpha(label_rep[:, 0], label_rep[:, 1:])
    ci: dict[str, Interval] = {}
    curve_ci = np.full((_T, 2), np.nan)
    if rep is not None and rep_alphas is not None:
        if not np.isnan(alphas[0]):
            ci["krippendorff_alpha"] = Interval.of(percentile_interval(rep_alphas[:, 0]))
        if not np.isnan(label_alpha) and rep_label is not None:
            ci["label_alpha"] = Interval.of(percentile_interval(rep_label))
        if not np.isnan(mean_iou):
            ci["mean_iou"] = Interval.of(percentile_interval(_ratio(rep[:, 2 * _T], rep[:, 2 * _T + 1])))
        if not np.isnan(match_f1):
            ci["match_f1"] = Interval.of(
                percentile_interval(_ratio(2 * rep[:, 2 * _T + 2], rep[:, 2 * _T + 3]))
            )
        curve_ci = np.where(np.isnan(alphas)[:, None], np.nan, finite(percentile_intervals(rep_alphas.T)))
    flags = []
    if meta.n_pairable_items == 0:
        flags.append("no_pairable_items")
    if meta.n_pairable_items < FEW_ITEMS:
        flags.append("few_items")
    return BoxBlock(
        n_items=meta.n_items,
        n_annotators=meta.n_annotators,
        n_annotations=meta.n_annotations,
        n_pairable_items=meta.n_pairable_items,
        n_boxes=meta.n_boxes,
        min_iou=float(min_iou),
        stats=Statistics(krippendorff_alpha=float(alphas[0]), ci95=ci, flags=tuple(flags)),
        observed_disagreement=number(_ratio(total[:1], total[_T : _T + 1])[0]),
        expected_disagreement=number(expected[0]),
        mean_iou=mean_iou,
        match_f1=match_f1,
        # a per-label block has no label alpha of its own: null in the JSON
        label_alpha=label_alpha,
        alpha_by_threshold=tuple(
            ThresholdPoint(float(t), float(alphas[k]), float(curve_ci[k, 0]), float(curve_ci[k, 1]))
            for k, t in enumerate(THRESHOLDS)
        ),
    )


def finite(values: np.ndarray) -> np.ndarray:
    """``values`` as floats, NaN where not finite."""
    out = np.asarray(values, dtype=float)
    return np.where(np.isfinite(out), out, np.nan)


def _rule_item_codes(answers: BoxAnswers, item_rules: pd.DataFrame) -> list[tuple[str, np.ndarray]]:
    codes = answers.items.get_indexer(item_rules[ITEM].astype(str))
    rules = item_rules[RULE].astype(str).to_numpy()
    keep = codes >= 0
    frame = pd.DataFrame({"rule": rules[keep], "item": codes[keep]}).drop_duplicates()
    return [(str(r), np.sort(g["item"].to_numpy())) for r, g in frame.groupby("rule", sort=True)]


def box_agreement(
    responses: pd.DataFrame,
    task: Task | None = None,
    item_rules: pd.DataFrame | None = None,
    *,
    bootstrap: int = 1000,
    seed: int = 0,
    labels: Sequence[str] | None = None,
    min_iou: float | None = None,
) -> BoxAgreement:
    """Box agreement overall, per rule, label, annotator and pair, with bootstrap intervals.

    Args:
        responses: canonical responses whose answers are tuples of `calibration.boxes.Box`.
        task: the guideline's boxes task (its labels and ``min_iou``); optional when `labels` is given.
        item_rules: item-to-rule table (item_id, rule_id); None gives no per-rule blocks.
        bootstrap: image-resampling replicates for the 95 % intervals (0: none).
        seed: seed of the bootstrap weights and of the sample of pairs behind ``D_e``.
        labels: declared labels (default: the task's, else the labels seen).
        min_iou: IoU from which a matched pair counts for label alpha and ``match_f1`` (default: the
            task's ``min_iou``, else 0.5).

    Returns:
        A `BoxAgreement`. A block has n_items, n_annotators, n_annotations, n_pairable_items, n_boxes,
        level (``"iou"``), min_iou, krippendorff_alpha (box alpha at threshold 0), observed_disagreement,
        expected_disagreement, mean_iou (of matched boxes), match_f1 (``2 matches / boxes`` over answer
        pairs, matches at min_iou), label_alpha (None in per-label and per-annotator blocks),
        alpha_by_threshold (``[{threshold, alpha, low, high}]``), ci95 ({statistic: [low, high]}) and
        flags (``few_items``, ``no_pairable_items``).

    Raises:
        DataError: no responses, or an answer that is not a list of boxes with declared labels.
    """
    if len(responses) == 0:
        raise DataError("there are no responses to analyse", hint="the responses table is empty")
    if labels is None and task is not None:
        labels = list(task.label_ids)
    if min_iou is None:
        min_iou = float(getattr(task, "min_iou", DEFAULT_MIN_IOU) or DEFAULT_MIN_IOU)
    answers = box_answers(responses, labels)
    q = len(answers.labels)
    n_items = len(answers.items)
    n_ann = len(answers.annotators)
    within = within_cells(answers)
    pairs = _within_pairs(answers, within)
    per_pair_core = _core_columns(pairs, min_iou)
    core = _sum_by(pairs.item, per_pair_core, n_items)
    label_cols, label_matches = _label_columns(pairs, min_iou, q)

    # per annotator (weighted, threshold 0) and per annotator pair (unweighted) columns
    ann_l, ann_r = answers.answer_annotator[pairs.left], answers.answer_annotator[pairs.right]
    w = pairs.weight
    d0, c0 = pairs.d[:, 0], pairs.c[:, 0]
    ann_cols = np.zeros((n_items, 2 * n_ann))
    for side in (ann_l, ann_r):
        ann_cols[:, :n_ann] += np.bincount(
            pairs.item * n_ann + side, weights=w * d0, minlength=n_items * n_ann
        ).reshape(n_items, n_ann)
        ann_cols[:, n_ann:] += np.bincount(
            pairs.item * n_ann + side, weights=w * c0, minlength=n_items * n_ann
        ).reshape(n_items, n_ann)
    pair_code = ann_l * n_ann + ann_r
    pair_keys, pair_index = np.unique(pair_code, return_inverse=True)
    n_pc = len(pair_keys)
    with_pair_ci = bootstrap > 0 and n_items * 2 * n_pc <= PAIR_CI_BUDGET
    pair_cols = None
    if with_pair_ci:
        pair_cols = np.zeros((n_items, 2 * n_pc))
        pair_cols[:, :n_pc] = np.bincount(
            pairs.item * n_pc + pair_index, weights=d0, minlength=n_items * n_pc
        ).reshape(n_items, n_pc)
        pair_cols[:, n_pc:] = np.bincount(
            pairs.item * n_pc + pair_index, weights=c0, minlength=n_items * n_pc
        ).reshape(n_items, n_pc)

    # blocks: overall, rules, labels
    all_answers = np.arange(len(answers.answer_item))
    expected_all, *label_expected = expected_disagreement(answers, seed=seed, labels=range(q))
    overall_rows = np.hstack([core, label_cols, ann_cols] + ([pair_cols] if pair_cols is not None else []))
    inputs = [overall_rows]
    rules = _rule_item_codes(answers, item_rules) if item_rules is not None and len(item_rules) else []
    for _rule, codes in rules:
        inputs.append(np.hstack([core[codes], label_cols[codes]]))
    label_inputs = []
    for code in range(q):
        lp = _within_pairs(answers, within, code)
        label_inputs.append(_sum_by(lp.item, _core_columns(lp, min_iou), n_items))
    inputs += label_inputs
    totals = [x.sum(axis=0) for x in inputs]
    reps: list[np.ndarray | None] = (
        list(replicate_sums(inputs, bootstrap, seed)) if bootstrap > 0 else [None] * len(inputs)
    )

    def label_part(total: np.ndarray, rep: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
        return total[_CORE : _CORE + 1 + q], None if rep is None else rep[:, _CORE : _CORE + 1 + q]

    overall = _core_block(
        _block_meta(answers, None), totals[0], reps[0], expected_all, min_iou, label_part(totals[0], reps[0])
    )
    per_rule: dict[str, BoxBlock] = {}
    curve_rows = [_curve_rows("*", overall)]
    for k, (rule, codes) in enumerate(rules, start=1):
        subset = all_answers[np.isin(answers.answer_item, codes)]
        expected = expected_disagreement(answers, subset, seed=seed)[0]
        # a rule on one image has no pair of answers to different images: it borrows the overall D_e
        expected = np.where(np.isnan(expected), expected_all, expected)
        per_rule[rule] = _core_block(
            _block_meta(answers, codes), totals[k], reps[k], expected, min_iou, label_part(totals[k], reps[k])
        )
        curve_rows.append(_curve_rows(rule, per_rule[rule]))
    per_label: dict[str, BoxBlock] = {}
    box_item = np.repeat(answers.answer_item, answers.sizes)
    for code in range(q):
        k = 1 + len(rules) + code
        meta = replace(
            _block_meta(answers, None),
            n_boxes=int((answers.box_label == code).sum()),
            n_items=len(np.unique(box_item[answers.box_label == code])),
        )
        per_label[answers.labels[code]] = _core_block(
            meta, totals[k], reps[k], label_expected[code], min_iou, None
        )

    # per annotator
    per_annotator: dict[str, BoxBlock] = {}
    base = _CORE + 1 + q
    rep0 = reps[0]
    for a, name in enumerate(answers.annotators):
        mine = answers.answer_annotator == a
        d_a, c_a = totals[0][base + a], totals[0][base + n_ann + a]
        alpha_a = number(_alpha(np.array([d_a]), np.array([c_a]), expected_all[:1])[0])
        ci: dict[str, Interval] = {}
        if rep0 is not None and not np.isnan(alpha_a):
            ci["krippendorff_alpha"] = Interval.of(
                percentile_interval(_alpha(rep0[:, base + a], rep0[:, base + n_ann + a], expected_all[:1]))
            )
        per_annotator[str(name)] = BoxBlock(
            n_items=int(mine.sum()),
            n_annotations=int(mine.sum()),
            n_boxes=int(answers.sizes[mine].sum()),
            stats=Statistics(
                krippendorff_alpha=alpha_a,
                ci95=ci,
                flags=("few_items",) if mine.sum() < FEW_ITEMS else (),
            ),
            observed_disagreement=number(_ratio(np.array([d_a]), np.array([c_a]))[0]),
        )

    # per pair
    pair_total_d = np.bincount(pair_index, weights=d0, minlength=n_pc)
    pair_total_c = np.bincount(pair_index, weights=c0, minlength=n_pc)
    pair_items = np.bincount(pair_index, minlength=n_pc)
    pair_alpha = _alpha(pair_total_d, pair_total_c, expected_all[:1])
    pair_ci = np.full((n_pc, 2), np.nan)
    if pair_cols is not None and rep0 is not None:
        start = base + 2 * n_ann
        rep_d, rep_c = rep0[:, start : start + n_pc], rep0[:, start + n_pc : start + 2 * n_pc]
        pair_ci = percentile_intervals(_alpha(rep_d, rep_c, expected_all[:1]).T)
    names = [str(a) for a in answers.annotators]
    square = pd.DataFrame(np.nan, index=pd.Index(names, name=ANNOTATOR), columns=names)
    rows = []
    for k, key in enumerate(pair_keys):
        a, b = divmod(int(key), n_ann)
        square.iloc[a, b] = square.iloc[b, a] = pair_alpha[k]
        rows.append((names[a], names[b], int(pair_items[k]), pair_alpha[k], pair_ci[k, 0], pair_ci[k, 1]))
    pair_frame = pd.DataFrame(
        rows, columns=["annotator_a", "annotator_b", "n_items", "krippendorff_alpha", "low", "high"]
    )

    confusion = _confusions(label_matches, answers.labels, rules)
    return BoxAgreement(
        overall=overall,
        per_rule=per_rule,
        per_label=per_label,
        per_annotator=per_annotator,
        pairwise_alpha=square,
        pairs=pair_frame,
        thresholds=pd.concat(curve_rows, ignore_index=True),
        confusion=confusion,
        items=_item_frame(answers, pairs, per_pair_core, label_matches),
    )


def _curve_rows(key: str, block: BoxBlock) -> pd.DataFrame:
    points = block.alpha_by_threshold or ()
    return _curve_frame(key, [(p.threshold, p.alpha, p.low, p.high) for p in points])


def _curve_frame(key: str, points: Sequence[Any]) -> pd.DataFrame:
    """Curve rows from (threshold, alpha, low, high) tuples or their JSON objects (null -> NaN)."""
    frame = pd.DataFrame(list(points), columns=["threshold", "alpha", "low", "high"])
    frame.insert(0, "block", key)
    return frame.astype({"alpha": float, "low": float, "high": float})


def _confusions(
    label_matches: np.ndarray, labels: list[str], rules: list[tuple[str, np.ndarray]]
) -> dict[str, pd.DataFrame]:
    q = len(labels)
    item = label_matches[:, 0].astype(np.int64)
    la, lb, w = (
        label_matches[:, 1].astype(np.int64),
        label_matches[:, 2].astype(np.int64),
        label_matches[:, 3],
    )

    def table(mask: np.ndarray) -> pd.DataFrame:
        counts = np.bincount(la[mask] * q + lb[mask], weights=w[mask], minlength=q * q) + np.bincount(
            lb[mask] * q + la[mask], weights=w[mask], minlength=q * q
        )
        return pd.DataFrame(counts.reshape(q, q), index=labels, columns=labels)

    out = {"*": table(np.ones(len(item), dtype=bool))}
    for rule, codes in rules:
        out[rule] = table(np.isin(item, codes))
    return out


def _item_frame(
    answers: BoxAnswers, pairs: _Pairs, per_pair_core: np.ndarray, label_matches: np.ndarray
) -> pd.DataFrame:
    n_items = len(answers.items)
    raw = _sum_by(pairs.item, per_pair_core[:, 2 * _T :], n_items)  # unweighted
    iou_sum, matched, matched_min, in_pairs = raw.T
    unmatched = in_pairs - 2 * matched
    d = np.bincount(pairs.item, weights=pairs.d[:, 0], minlength=n_items)
    c = np.bincount(pairs.item, weights=pairs.c[:, 0], minlength=n_items)
    item = label_matches[:, 0].astype(np.int64)
    mismatch = np.bincount(
        item, weights=(label_matches[:, 1] != label_matches[:, 2]).astype(float), minlength=n_items
    )
    return pd.DataFrame(
        {
            "n_answers": np.bincount(answers.answer_item, minlength=n_items),
            "n_boxes": np.bincount(answers.answer_item, weights=answers.sizes, minlength=n_items).astype(
                np.int64
            ),
            "disagreement": _ratio(d, c),
            "mean_iou": _ratio(iou_sum, matched),
            "unmatched_share": _ratio(unmatched, in_pairs),
            "label_mismatch": _ratio(mismatch, matched_min),
            "n_matched": matched.astype(np.int64),
            "n_matched_min_iou": matched_min.astype(np.int64),
            "n_pair_boxes": in_pairs.astype(np.int64),
            "n_unmatched": unmatched.astype(np.int64),
            "n_label_mismatch": mismatch.astype(np.int64),
        },
        index=answers.items,
    )


def box_item_disagreement(
    responses: pd.DataFrame, task: Task | None = None, *, min_iou: float | None = None
) -> pd.DataFrame:
    """Per image disagreement figures (the `BoxAgreement.items` table) without bootstrap or blocks."""
    labels = list(task.label_ids) if task is not None else None
    if min_iou is None:
        min_iou = float(getattr(task, "min_iou", DEFAULT_MIN_IOU) or DEFAULT_MIN_IOU)
    answers = box_answers(responses, labels)
    pairs = _within_pairs(answers)
    _cols, label_matches = _label_columns(pairs, min_iou, len(answers.labels))
    return _item_frame(answers, pairs, _core_columns(pairs, min_iou), label_matches)


def threshold_table(report: BoxAgreement | AgreementReport | Mapping[str, Any]) -> pd.DataFrame:
    """The alpha curve of every block of a boxes report: columns block, threshold, alpha, low, high.

    Args:
        report: a `BoxAgreement`, the `AgreementReport` of a boxes task, or its JSON (``to_dict()``,
            e.g. read back from ``calibration agreement --json``); block ``"*"`` is the overall block,
            the others are rule ids (NaN where undefined).
    """
    if isinstance(report, BoxAgreement):
        return report.thresholds
    if isinstance(report, Mapping):
        blocks_json = {"*": report["overall"], **report["per_rule"]}
        rows = [
            _curve_frame(str(key), block["alpha_by_threshold"])
            for key, block in blocks_json.items()
            if "alpha_by_threshold" in block
        ]
    else:
        blocks = {"*": report.overall, **report.per_rule}
        rows = [
            _curve_rows(str(key), block)
            for key, block in blocks.items()
            if isinstance(block, BoxBlock) and block.alpha_by_threshold is not None
        ]
    if not rows:
        return pd.DataFrame(columns=["block", "threshold", "alpha", "low", "high"])
    return pd.concat(rows, ignore_index=True)


def alpha_by_threshold(report: Any, block: str = "*") -> pd.DataFrame:
    """The alpha curve of one block (``"*"`` overall or a rule id): columns threshold, alpha, low, high.

    For a plotly line with an interval band (`calibration.reports.charts.alpha_threshold_figure`); NaN
    where undefined. `report` is as for `threshold_table`.
    """
    frame = threshold_table(report)
    return frame[frame["block"] == block].drop(columns="block").reset_index(drop=True)


def box_report(
    responses: pd.DataFrame,
    task: Task,
    item_rules: pd.DataFrame | None = None,
    gold: pd.Series | None = None,
    *,
    bootstrap: int = 1000,
    seed: int = 0,
) -> AgreementReport:
    """`box_agreement` as the engine's `calibration.agreement.breakdown.AgreementReport`.

    ``agreement_report`` returns this for a boxes task: per-rule, per-label and per-annotator blocks
    are `box_agreement`'s (``krippendorff_alpha`` is the box alpha), ``pairwise_kappa`` holds the box
    alpha of each annotator pair (not Cohen's kappa: boxes have no category per item), ``confusion``
    the labels of matched boxes, ``level`` is ``"iou"`` and ``categories`` the labels. With `gold`
    (gold boxes by item_id) the overall, per-rule and per-annotator blocks also have
    ``gold_accuracy``: the mean box F1 of their answers against gold, boxes matched at the task's
    ``min_iou`` with the same label (`calibration.agreement.gold_blocks.box_gold_blocks`; what a
    quiz scores), ``gold_kappa`` (NaN: null in the JSON) and ``n_gold_answers``.
    """
    result = box_agreement(responses, task, item_rules, bootstrap=bootstrap, seed=seed)
    overall, per_rule, per_annotator = result.overall, result.per_rule, result.per_annotator
    if gold is not None:
        from calibration.agreement.gold_blocks import box_gold_blocks

        gold_overall, by_rule, by_annotator = box_gold_blocks(responses, task, gold, item_rules)
        empty = GoldFigures(NAN, NAN, 0)
        overall = replace(overall, gold=gold_overall)
        per_rule = {k: replace(b, gold=by_rule.get(str(k), empty)) for k, b in per_rule.items()}
        per_annotator = {
            k: replace(b, gold=by_annotator.get(str(k), empty)) for k, b in per_annotator.items()
        }
    return AgreementReport(
        task_type="boxes",
        level="iou",
        categories=list(task.label_ids),
        overall=overall,
        per_rule=per_rule,
        per_label=result.per_label,
        per_annotator=per_annotator,
        pairwise_kappa=result.pairwise_alpha,
        confusion=result.confusion,
        n_bootstrap=bootstrap,
        seed=seed,
    )
