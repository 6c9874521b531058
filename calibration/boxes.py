"""Bounding boxes: the canonical box answer, intersection over union and matching by maximum total IoU.

A box answer is a sorted tuple of :class:`Box` in image pixels, origin at the top-left corner, ``x`` to
the right and ``y`` down; its JSON form is ``[{"label", "x", "y", "width", "height"}]``. Boxes have a
positive width and height. Two boxes of one answer may overlap.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np


class Box(NamedTuple):
    """A labeled axis-aligned rectangle in image pixels."""

    label: str
    x: float
    y: float
    width: float
    height: float

    def to_json(self) -> dict[str, str | float]:
        return {"label": self.label, "x": self.x, "y": self.y, "width": self.width, "height": self.height}


def as_boxes(value: Iterable[Any]) -> tuple[Box, ...]:
    """Boxes from a canonical answer, its JSON form (``{"label", "x", ...}`` mappings) or 5-item lists.

    No checks beyond the shape: parse answers with `calibration.answers.parse_answer` first.
    """
    return tuple(
        box if isinstance(box, Box) else Box(**box) if isinstance(box, Mapping) else Box(*box)
        for box in value
    )


class Match(NamedTuple):
    """One pair of matched boxes: indexes into the two answers and their IoU."""

    left: int
    right: int
    iou: float


def corners(boxes: Sequence[Box]) -> np.ndarray:
    """An ``(n, 4)`` float array of ``x0, y0, x1, y1``."""
    if not boxes:
        return np.zeros((0, 4))
    array = np.array([(b.x, b.y, b.width, b.height) for b in boxes], dtype=float)
    array[:, 2:] += array[:, :2]
    return array


def iou_matrix(left: Sequence[Box], right: Sequence[Box]) -> np.ndarray:
    """IoU of every box of ``left`` with every box of ``right`` (labels are ignored)."""
    a, b = corners(left), corners(right)
    if not len(a) or not len(b):
        return np.zeros((len(a), len(b)))
    x0 = np.maximum(a[:, None, 0], b[None, :, 0])
    y0 = np.maximum(a[:, None, 1], b[None, :, 1])
    x1 = np.minimum(a[:, None, 2], b[None, :, 2])
    y1 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two boxes (0 when they do not overlap)."""
    return float(iou_matrix([a], [b])[0, 0])


def match_boxes(left: Sequence[Box], right: Sequence[Box], *, min_iou: float = 0.0) -> list[Match]:
    """Pairs of boxes with the maximum total IoU (Hungarian assignment), each box in at most one pair.

    Pairs whose IoU is not above zero, or below ``min_iou``, are dropped: those boxes stay unmatched.
    Labels do not take part in the matching; a matched pair may disagree on the label.
    """
    from scipy.optimize import (
        linear_sum_assignment,
    )  # imported when first needed: `import calibration` stays light

    matrix = iou_matrix(left, right)
    if not matrix.size:
        return []
    rows, cols = linear_sum_assignment(matrix, maximize=True)
    return [
        Match(int(r), int(c), float(matrix[r, c]))
        for r, c in zip(rows, cols, strict=True)
        if matrix[r, c] > 0 and matrix[r, c] >= min_iou
    ]


IOU_TOLERANCE = 1e-9
"""IoU is compared with ``min_iou`` this much below it, so that an IoU of exactly 0.5 computed as 0.49999... counts."""


class BoxMatch(NamedTuple):
    """An answer box paired with a gold box: indexes into the two answers, their IoU, and whether it counts.

    ``correct`` when the IoU is at least the task's ``min_iou`` and the labels agree.
    """

    answer: int
    gold: int
    iou: float
    correct: bool


class BoxScore(NamedTuple):
    """One box answer against its gold boxes (`score_boxes`)."""

    precision: float
    """Correct boxes / boxes given; 1.0 when nothing was given and there is nothing to box, else 0.0 for none given."""
    recall: float
    """Gold boxes found (correctly matched) / gold boxes; 1.0 when there is no gold box and none was given."""
    f1: float
    """``2 * correct / (given + gold)``; 1.0 when both are empty (nothing to box, nothing boxed)."""
    mean_iou: float | None
    """Mean IoU of the matched pairs (correct or not); None without any pair."""
    matches: tuple[BoxMatch, ...]
    """The pairs of overlapping boxes, by answer index."""
    correct: int
    """Correct matches (true positives)."""
    given: int
    """Boxes in the answer."""
    gold: int
    """Gold boxes."""

    @property
    def is_correct(self) -> bool:
        """The item is answered right: every gold box found, nothing extra (F1 = 1)."""
        return self.correct == self.given == self.gold


def score_boxes(answer: Sequence[Box], gold: Sequence[Box], min_iou: float) -> BoxScore:
    """Score one box answer against gold: the most correct pairs (IoU >= min_iou, same label), ties by IoU.

    Correct pairs come first: a Hungarian assignment over the pairs that can count (IoU at least
    `min_iou` and the same label), weighted ``1 + IoU``, so it finds the largest number of correct
    pairs and, among those, the largest total IoU. Pairing every box by total IoU first could give
    fewer correct pairs than the answer has (one answer box taking the gold box another would have
    matched). The boxes left over are then paired by `match_boxes` (maximum total IoU, labels
    ignored, overlapping only), so feedback can say "wrong label" or "too loose"; those pairs are not
    correct. An answer box in no correct pair is a false positive (a duplicate of a found box too),
    a gold box in none a miss.

    Args:
        answer: the annotator's boxes.
        gold: the gold boxes.
        min_iou: the task's threshold, ``0 < min_iou <= 1``.

    Returns:
        A `BoxScore`; an empty answer against empty gold scores precision, recall and F1 of 1.

    Raises:
        ValueError: `min_iou` is outside ``(0, 1]``.

    >>> gold = [Box("CAR", 0, 0, 10, 10)]
    >>> score_boxes([Box("CAR", 0, 0, 10, 8)], gold, 0.5).f1, score_boxes([Box("BUS", 0, 0, 10, 8)], gold, 0.5).f1
    (1.0, 0.0)
    """
    if not 0 < min_iou <= 1:
        raise ValueError(f"min_iou must be above 0 and at most 1, got {min_iou}")
    found = _correct_pairs(answer, gold, min_iou)
    left = [i for i in range(len(answer)) if i not in {m.answer for m in found}]
    right = [j for j in range(len(gold)) if j not in {m.gold for m in found}]
    rest = match_boxes([answer[i] for i in left], [gold[j] for j in right])
    matches = tuple(sorted([*found, *(BoxMatch(left[m.left], right[m.right], m.iou, False) for m in rest)]))
    correct = sum(m.correct for m in matches)
    given, truth = len(answer), len(gold)
    precision = correct / given if given else (1.0 if not truth else 0.0)
    recall = correct / truth if truth else (1.0 if not given else 0.0)
    f1 = 2 * correct / (given + truth) if given + truth else 1.0
    mean_iou = float(np.mean([m.iou for m in matches])) if matches else None
    return BoxScore(precision, recall, f1, mean_iou, matches, correct, given, truth)


def _correct_pairs(answer: Sequence[Box], gold: Sequence[Box], min_iou: float) -> list[BoxMatch]:
    """The largest set of correct pairs (IoU >= min_iou within `IOU_TOLERANCE`, same label), then the
    largest total IoU among such sets."""
    from scipy.optimize import linear_sum_assignment  # as in match_boxes: `import calibration` stays light

    matrix = iou_matrix(answer, gold)
    if not matrix.size:
        return []
    same = np.array([a.label for a in answer], dtype=object)[:, None] == np.array(
        [g.label for g in gold], dtype=object
    )
    eligible = same & (matrix >= min_iou - IOU_TOLERANCE)
    rows, cols = linear_sum_assignment(np.where(eligible, 1.0 + matrix, 0.0), maximize=True)
    return [
        BoxMatch(int(r), int(c), float(matrix[r, c]), True)
        for r, c in zip(rows, cols, strict=True)
        if eligible[r, c]
    ]
