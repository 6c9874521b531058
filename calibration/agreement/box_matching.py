"""Box answers flattened, and the boxes of answer pairs matched by maximum total IoU, vectorized.

`box_answers` turns a responses table of box answers into flat numpy arrays; `overlapping_cells` finds
every overlapping pair of boxes of given answer pairs (one sweep along x over all boxes at once) and
`assign_cells` keeps a maximum-total-IoU one-to-one matching per answer pair (what
`calibration.boxes.match_boxes` does for one pair). `calibration.agreement.boxes` builds the statistics
on them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain, permutations
from operator import itemgetter
from typing import NoReturn

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from calibration.boxes import Box
from calibration.errors import DataError, Location
from calibration.responses import ANNOTATOR, ANSWER, ITEM

__all__ = [
    "BoxAnswers",
    "Cells",
    "Matches",
    "assign_cells",
    "box_answers",
    "item_pairs",
    "label_view",
    "match_answer_pairs",
    "overlapping_cells",
    "within_cells",
]


# --------------------------------------------------------------------------- flat answers


@dataclass(frozen=True)
class BoxAnswers:
    """Box answers flattened: answers sorted by item then annotator, their boxes concatenated.

    Attributes:
        items, annotators: the ids behind the codes.
        labels: the label behind each label code.
        answer_item, answer_annotator: ``(R,)`` codes of each answer.
        start: ``(R + 1,)`` offsets: answer r's boxes are rows ``start[r]:start[r + 1]``.
        corners: ``(N, 4)`` float ``x0, y0, x1, y1`` of every box.
        box_label: ``(N,)`` label code of every box.
    """

    items: pd.Index
    annotators: pd.Index
    labels: list[str]
    answer_item: np.ndarray
    answer_annotator: np.ndarray
    start: np.ndarray
    corners: np.ndarray
    box_label: np.ndarray

    @property
    def sizes(self) -> np.ndarray:
        """Number of boxes of each answer, ``(R,)``."""
        return np.diff(self.start)

    def only_label(self, code: int) -> BoxAnswers:
        """The same answers keeping only the boxes with this label code (an answer may become empty)."""
        keep = self.box_label == code
        n_answers = len(self.answer_item)
        owner = np.repeat(np.arange(n_answers), self.sizes)
        counts = np.bincount(owner[keep], minlength=n_answers)
        start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        return BoxAnswers(
            self.items,
            self.annotators,
            self.labels,
            self.answer_item,
            self.answer_annotator,
            start,
            self.corners[keep],
            self.box_label[keep],
        )


def _bad_answer(frame: pd.DataFrame, order: np.ndarray, position: int) -> NoReturn:
    row = int(order[position])
    raise DataError(
        f"a boxes answer must be a list of boxes, got {frame[ANSWER].iloc[row]!r} for item {frame[ITEM].iloc[row]!r}",
        location=Location(row=row + 2, field=ANSWER),
        hint='box answers are JSON lists of {"label", "x", "y", "width", "height"}',
    )


def box_answers(responses: pd.DataFrame, labels: Sequence[str] | None = None) -> BoxAnswers:
    """Flatten a canonical responses table of box answers (one answer per item and annotator, the last).

    Args:
        responses: item_id, annotator_id, answer (a sequence of `calibration.boxes.Box`, or of
            ``(label, x, y, width, height)``).
        labels: the declared labels (their order gives the label codes); None takes the labels seen.

    Raises:
        DataError: an answer that is not a list of boxes, or a label not declared (naming the item).
    """
    frame = responses.drop_duplicates([ITEM, ANNOTATOR], keep="last")
    item_codes, items = pd.factorize(frame[ITEM], sort=True)
    ann_codes, annotators = pd.factorize(frame[ANNOTATOR], sort=True)
    order = np.lexsort((ann_codes, item_codes))
    answers = frame[ANSWER].to_numpy()[order].tolist()
    if not set(map(type, answers)) <= {tuple, list}:
        _bad_answer(frame, order, next(p for p, a in enumerate(answers) if not isinstance(a, tuple | list)))
    sizes = np.fromiter(map(len, answers), dtype=np.int64, count=len(answers))
    flat = list(chain.from_iterable(answers))
    if flat and not set(map(type, flat)) <= {Box, tuple, list}:
        bad = next(k for k, b in enumerate(flat) if not isinstance(b, tuple | list))
        _bad_answer(frame, order, int(np.searchsorted(np.cumsum(sizes), bad, side="right")))
    if flat and set(map(len, flat)) != {5}:
        bad = next(k for k, b in enumerate(flat) if len(b) != 5)
        _bad_answer(frame, order, int(np.searchsorted(np.cumsum(sizes), bad, side="right")))
    n_boxes = len(flat)
    label_col = list(map(itemgetter(0), flat))
    corners = np.empty((n_boxes, 4))
    for k in range(4):
        corners[:, k] = np.fromiter(map(itemgetter(k + 1), flat), dtype=float, count=n_boxes)
    corners[:, 2:] += corners[:, :2]
    declared = list(labels) if labels is not None else sorted({str(lab) for lab in label_col})
    box_label = pd.Index(declared).get_indexer(pd.Index(label_col, dtype=object))
    if (box_label < 0).any():
        bad = int(np.flatnonzero(box_label < 0)[0])
        answer_index = int(np.searchsorted(np.cumsum(sizes), bad, side="right"))
        row = int(order[answer_index])
        raise DataError(
            f"unknown box label {label_col[bad]!r} in the answer of item {frame[ITEM].iloc[row]!r}",
            location=Location(row=row + 2, field=ANSWER),
            hint=f"declared labels: {', '.join(declared)}",
        )
    return BoxAnswers(
        items=pd.Index(items, name=ITEM),
        annotators=pd.Index(annotators, name=ANNOTATOR),
        labels=declared,
        answer_item=item_codes[order].astype(np.int64),
        answer_annotator=ann_codes[order].astype(np.int64),
        start=np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
        corners=corners,
        box_label=box_label.astype(np.int64),
    )


# --------------------------------------------------------------------------- matching


@dataclass(frozen=True)
class _BoxPairs:
    """The fields `Matches` and `Cells` share: box pairs of answer pairs ``left[p]``, ``right[p]``."""

    left: np.ndarray
    right: np.ndarray
    pair: np.ndarray
    left_box: np.ndarray
    right_box: np.ndarray
    iou: np.ndarray


@dataclass(frozen=True)
class Matches(_BoxPairs):
    """Matched boxes of answer pairs: pair p is answers ``left[p]`` and ``right[p]``.

    ``pair``, ``left_box``, ``right_box`` and ``iou`` have one entry per matched box pair (IoU > 0).
    """


def item_pairs(answers: BoxAnswers) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of answers to the same item (left annotator before right), in item order."""
    n = len(answers.answer_item)
    ends = np.searchsorted(answers.answer_item, answers.answer_item, side="right")
    counts = ends - np.arange(n) - 1
    left = np.repeat(np.arange(n), counts)
    offsets = np.repeat(np.cumsum(counts) - counts, counts)
    right = left + 1 + (np.arange(len(left)) - offsets)
    return left.astype(np.int64), right.astype(np.int64)


@dataclass(frozen=True)
class Cells(_BoxPairs):
    """Overlapping box pairs of answer pairs: pair p is answers ``left[p]`` and ``right[p]``.

    ``pair``, ``left_box``, ``right_box`` and ``iou`` have one entry per pair of boxes (one from each
    answer, box indices into `BoxAnswers`) with IoU > 0, in no particular order.
    """


def overlapping_cells(answers: BoxAnswers, left: np.ndarray, right: np.ndarray) -> Cells:
    """The IoU of every overlapping box pair (one box from each answer) of each answer pair.

    Boxes of all pairs are swept at once along x (`_sweep`), so only pairs overlapping along x are
    looked at; the IoU uses the arithmetic of `calibration.boxes.iou_matrix`.
    """
    sizes = answers.sizes
    na, nb = sizes[left], sizes[right]
    counts = np.stack([na, nb], axis=1).ravel()
    owners = np.stack([left, right], axis=1).ravel()
    slot = np.repeat(np.arange(len(counts)), counts)
    box = answers.start[owners][slot] + (np.arange(len(slot)) - (np.cumsum(counts) - counts)[slot])
    i, j, iou = _sweep(answers, slot // 2, slot % 2, box)
    return Cells(left, right, slot[i] // 2, box[i], box[j], iou)


def within_cells(answers: BoxAnswers) -> Cells:
    """`overlapping_cells` of every pair of answers to the same image (`item_pairs`), swept per image."""
    left, right = item_pairs(answers)
    n = len(answers.answer_item)
    owner = np.repeat(np.arange(n), answers.sizes)
    i, j, iou = _sweep(
        answers, answers.answer_item[owner], answers.answer_annotator[owner], np.arange(len(owner))
    )
    ra, rb = owner[i], owner[j]
    ends = np.searchsorted(answers.answer_item, answers.answer_item, side="right")
    partners = ends - np.arange(n) - 1
    pair = (np.cumsum(partners) - partners)[ra] + (rb - ra - 1)
    return Cells(left, right, pair.astype(np.int64), i, j, iou)


def _sweep(
    answers: BoxAnswers, group: np.ndarray, side: np.ndarray, box: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions ``i, j`` of box entries of one group with ``side[i] < side[j]`` that overlap, and IoU.

    Entries are sorted by (group, x0); each entry is paired with the later entries of its group whose
    x0 lies before its x1 (a sweep along x, on exact ranks of the coordinates).
    """
    n = len(box)
    empty = np.zeros(0, dtype=np.int64)
    if n == 0:
        return empty, empty, np.zeros(0)
    x0, y0, x1, y1 = (answers.corners[box, k] for k in range(4))
    _values, rank = np.unique(np.concatenate([x0, x1]), return_inverse=True)
    span = len(_values) + 1
    key = group.astype(np.int64) * span + rank[:n]
    order = np.argsort(key, kind="stable")
    ends = np.searchsorted(key[order], group[order].astype(np.int64) * span + rank[n:][order], side="left")
    count = np.maximum(ends - np.arange(n) - 1, 0)
    first = np.repeat(np.arange(n), count)
    second = first + 1 + (np.arange(len(first)) - np.repeat(np.cumsum(count) - count, count))
    i, j = order[first], order[second]
    differ = side[i] != side[j]
    i, j = i[differ], j[differ]
    swap = side[i] > side[j]
    i, j = np.where(swap, j, i), np.where(swap, i, j)
    width = np.clip(np.minimum(x1[i], x1[j]) - np.maximum(x0[i], x0[j]), 0, None)
    height = np.clip(np.minimum(y1[i], y1[j]) - np.maximum(y0[i], y0[j]), 0, None)
    inter = width * height
    area_i = (x1[i] - x0[i]) * (y1[i] - y0[i])
    area_j = (x1[j] - x0[j]) * (y1[j] - y0[j])
    union = area_i + area_j - inter
    iou = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    positive = iou > 0
    return i[positive], j[positive], iou[positive]


def assign_cells(answers: BoxAnswers, cells: Cells, keep: np.ndarray | None = None) -> Matches:
    """Match the boxes of each answer pair by maximum total IoU, from its overlapping cells.

    Args:
        answers: the flattened answers the cells index.
        cells: from `overlapping_cells`.
        keep: a mask of the cells taking part (e.g. the boxes of one label); all when None.

    The overlapping pairs where no box overlaps two boxes of the other answer are matched directly;
    the rest go through `_assign` (the same total IoU as `calibration.boxes.match_boxes`; on exact
    ties the pairs chosen may differ).
    """
    if keep is None:
        pair, lb, rb, iou = cells.pair, cells.left_box, cells.right_box, cells.iou
    else:
        pair, lb, rb, iou = cells.pair[keep], cells.left_box[keep], cells.right_box[keep], cells.iou[keep]
    sizes = answers.sizes
    na, nb = sizes[cells.left], sizes[cells.right]
    row = (np.cumsum(na) - na)[pair] + lb - answers.start[cells.left][pair]
    col = (np.cumsum(nb) - nb)[pair] + rb - answers.start[cells.right][pair]
    row_count = np.bincount(row, minlength=int(na.sum()))
    col_count = np.bincount(col, minlength=int(nb.sum()))
    selected = (row_count[row] == 1) & (col_count[col] == 1)
    rest = np.flatnonzero(~selected)
    if len(rest):
        selected[rest] = _assign(row[rest], col[rest], iou[rest])
    return Matches(cells.left, cells.right, pair[selected], lb[selected], rb[selected], iou[selected])


def match_answer_pairs(answers: BoxAnswers, left: np.ndarray, right: np.ndarray) -> Matches:
    """Match the boxes of each answer pair as `calibration.boxes.match_boxes` does (same total IoU)."""
    return assign_cells(answers, overlapping_cells(answers, left, right))


_PERMUTATIONS = {k: np.array(list(permutations(range(k))), dtype=np.int64) for k in (2, 3, 4, 5, 6)}


def _rank(group: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Dense rank of each key among the distinct keys of its group (0, 1, ...)."""
    span = int(key.max()) + 1 if len(key) else 1
    distinct, inverse = np.unique(group.astype(np.int64) * span + key, return_inverse=True)
    owner = distinct // span
    return (np.arange(len(distinct)) - np.searchsorted(owner, owner, side="left"))[inverse]


def _assign(rows: np.ndarray, cols: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Edges of a maximum-weight one-to-one assignment of a bipartite graph given by its positive edges.

    The assignment splits over connected components: a component with one row or one column keeps
    its heaviest edge, components of at most 6 x 6 are solved by trying every permutation (all at
    once), larger ones by `scipy.optimize.linear_sum_assignment`.
    """
    r_codes, r_inv = np.unique(rows, return_inverse=True)
    c_codes, c_inv = np.unique(cols, return_inverse=True)
    nr, nc = len(r_codes), len(c_codes)
    graph = coo_matrix((np.ones(len(rows)), (r_inv, nr + c_inv)), shape=(nr + nc, nr + nc))
    n_comp, label = connected_components(graph, directed=False)
    label = label.astype(np.int64)
    comp = label[r_inv]
    comp_rows = np.bincount(label[:nr], minlength=n_comp)
    comp_cols = np.bincount(label[nr:], minlength=n_comp)
    small = np.minimum(comp_rows, comp_cols)[comp]
    big = np.maximum(comp_rows, comp_cols)[comp]
    selected = np.zeros(len(rows), dtype=bool)
    star = np.flatnonzero(small == 1)
    order = star[np.lexsort((-weight[star], comp[star]))]
    if len(order):
        first = np.concatenate([[True], comp[order][1:] != comp[order][:-1]])
        selected[order[first]] = True
    for k, perms in _PERMUTATIONS.items():
        idx = np.flatnonzero((small >= 2) & (big == k))
        if not len(idx):
            continue
        _comps, c_of = np.unique(comp[idx], return_inverse=True)
        rr, cc = _rank(comp[idx], r_inv[idx]), _rank(comp[idx], c_inv[idx])
        matrix = np.zeros((len(_comps), k, k))
        matrix[c_of, rr, cc] = weight[idx]
        scores = matrix[:, np.arange(k)[None, :], perms].sum(axis=-1)
        best = perms[np.argmax(scores, axis=1)]
        selected[idx] = best[c_of, rr] == cc
    large = np.flatnonzero((small >= 2) & (big > max(_PERMUTATIONS)))
    if len(large):
        large = large[np.argsort(comp[large], kind="stable")]
        bounds = np.flatnonzero(np.diff(comp[large])) + 1
        for edges in np.split(large, bounds):
            _rows, rr = np.unique(r_inv[edges], return_inverse=True)
            _cols, cc = np.unique(c_inv[edges], return_inverse=True)
            matrix = np.zeros((len(_rows), len(_cols)))
            matrix[rr, cc] = weight[edges]
            r_sel, c_sel = linear_sum_assignment(matrix, maximize=True)
            taken = np.zeros_like(matrix, dtype=bool)
            taken[r_sel, c_sel] = True
            selected[edges] = taken[rr, cc]
    return selected


def label_view(answers: BoxAnswers, cells: Cells, label: int | None) -> tuple[np.ndarray, np.ndarray | None]:
    """Boxes per answer and the mask of cells when only boxes of `label` count (all when None)."""
    if label is None:
        return answers.sizes, None
    owner = np.repeat(np.arange(len(answers.answer_item)), answers.sizes)
    sizes = np.bincount(owner[answers.box_label == label], minlength=len(answers.answer_item))
    keep = (answers.box_label[cells.left_box] == label) & (answers.box_label[cells.right_box] == label)
    return sizes, keep
