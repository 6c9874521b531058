"""Wald's sequential probability ratio test of an accuracy, without an item model (Wald 1947).

The adaptive quiz (`calibration.adaptive.cat`) tests each rule's accuracy ``threshold - width``
against ``threshold + width``; the guideline lint (`calibration.guidelines.lint`) warns when a rule
has fewer quiz items than the test needs to pass it. Both read the indifference zone from here.
"""

from __future__ import annotations

import math

DEFAULT_WIDTH = 0.1
"""Half-width of the indifference zone around the mark, in accuracy."""


def items_to_pass(threshold: float, confidence: float = 0.95, width: float = DEFAULT_WIDTH) -> int:
    """The fewest items that can pass a rule without an item model: all right, each adding
    ``log(p1 / p0)`` until ``log(c / (1 - c))`` (12 for a mark of 0.8 at 0.95)."""
    low, high = max(threshold - width, 0.01), min(threshold + width, 0.99)
    return math.ceil(math.log(confidence / (1 - confidence)) / math.log(high / low) - 1e-9)
