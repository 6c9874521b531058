"""Bounding boxes: the canonical box answer, intersection over union and matching by maximum total IoU.

A box answer is a sorted tuple of :class:`Box` in image pixels, origin at the top-left corner, ``x`` to
the right and ``y`` down; its JSON form is ``[{"label", "x", "y", "width", "height"}]``. Boxes have a
positive width and height. Two boxes of one answer may overlap.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from scipy.optimize import linear_sum_assignment


class Box(NamedTuple):
    """A labeled axis-aligned rectangle in image pixels."""

    label: str
    x: float
    y: float
    width: float
    height: float

    def to_json(self) -> dict[str, str | float]:
        return {"label": self.label, "x": self.x, "y": self.y, "width": self.width, "height": self.height}


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
    matrix = iou_matrix(left, right)
    if not matrix.size:
        return []
    rows, cols = linear_sum_assignment(matrix, maximize=True)
    return [
        Match(int(r), int(c), float(matrix[r, c]))
        for r, c in zip(rows, cols, strict=True)
        if matrix[r, c] > 0 and matrix[r, c] >= min_iou
    ]
