"""Pilots of one rule R written as answer patterns ("AABB": a, b answer A; c, d answer B), for compare."""

from __future__ import annotations

import numpy as np

from calibration.guidelines.model import Label, Task
from calibration.responses import Annotations, gold_series, item_rules_frame, responses_frame

TASK = Task(type="single_label", labels=[Label(id=x, name=x) for x in "AB"])


def patterned_pilot(patterns: list[str], prefix: str = "i") -> Annotations:
    """One rule R; item k is answered by annotators a, b, c, d with the letters of patterns[k]."""
    rows = [
        {"item_id": f"{prefix}{k:03d}", "annotator_id": who, "answer": answer}
        for k, pattern in enumerate(patterns)
        for who, answer in zip("abcd", pattern, strict=True)
    ]
    items = {f"{prefix}{k:03d}": ["R"] for k in range(len(patterns))}
    return Annotations(
        responses=responses_frame(rows),
        item_rules=item_rules_frame(items),
        gold=gold_series({}),
        declared_task=TASK,
    )


def noisy_patterns(n: int, seed: int, split: float, prefix: str = "i") -> list[str]:
    """n items of four answers: a share `split` of them split 2-2 at random, the rest one slip at most."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        if rng.random() < split:
            out.append("AABB")
        else:
            out.append("AAAB" if rng.random() < 0.3 else "AAAA")
    return out


# 12 items whose 4 answers split as often after as before (per-item sd 0.34, no change seen): finding a
# change of 0.05 would take over a thousand items per version (compare: too small to tell)
TOO_SMALL_PATTERNS = (
    ["AABB", "AAAA", "AABB", "AAAA", "AAAB", "AAAB", "AAAA", "AABB", "AAAA", "AAAA", "AAAB", "AABB"],
    ["AAAA", "AABB", "AABB", "AAAB", "AAAA", "AAAB", "AABB", "AAAA", "AAAA", "AAAB", "AAAA", "AABB"],
)
