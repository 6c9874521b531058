"""The sequential quiz policy: which item comes next, when a rule stops, when the quiz stops.

Public API::

    next_step(pool, answered, threshold, ...) -> Step
    fixed_items(pool, min_per_rule, items_per_quiz, seed) -> list[str]
    item_rank(seed, item_id) -> int

A rule stays *open* while it has had fewer than ``min_per_rule`` items or is still ``undecided``
(`calibration.agreement.decisions`), and has unasked items. The next item goes to the open rule
that has had the fewest items (ties: a seeded hash of the rule id), and among that rule's unasked
items to the one that serves the most open rules, then the least exposed (asked least often across
annotators), then the seeded hash of its id. The quiz stops when no rule is open or after
``max_items``. Everything is a function of the answers so far and the seed: a reload or a restart
continues with the same next item, and an item is never asked twice.

Two choices keep the decisions honest (docs/adaptive.md):

- within a rule, items are drawn in an order that does not depend on the annotator's answers, so
  they stay exchangeable draws from the rule's bank and the Beta-binomial decision stays valid.
  Choosing the item with the most information at the annotator's ability would bias the rule's
  accuracy towards 50% (every annotator would get items at their own level);
- which open rule comes next depends only on how many items each rule has had, never on whether
  they were right, so with ``feedback: at_end`` the order reveals nothing but that a rule stopped,
  which happens both when it passed and when it failed.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from calibration.agreement.decisions import (
    DEFAULT_CONFIDENCE,
    DEFAULT_PRIOR,
    decide_counts,
    decide_rules,
    items_to_decide_counts,
)


@dataclass(frozen=True)
class QuizStep:
    """Where a quiz stands, what the sequential (`Step`) and adaptive (`cat.AdaptiveStep`) quizzes share.

    Attributes:
        next_item: the item to ask next, None when the quiz is over.
        rule_decisions: per rule id, ``pass``, ``fail`` or ``undecided``.
        open_rules: rules that still take items.
        items_left: about how many more items the quiz will take (each policy says how it estimates).
        counts: per rule id, (items asked, credit).
    """

    next_item: str | None
    rule_decisions: dict[str, str]
    open_rules: list[str]
    items_left: int
    counts: dict[str, tuple[int, float]]

    @property
    def done(self) -> bool:
        return self.next_item is None


@dataclass(frozen=True)
class Step(QuizStep):
    """Where a sequential quiz stands: `QuizStep` and what the rules are decided against.

    ``items_left`` is optimistic: each open rule its quota, or the fewest items that could decide it,
    whichever is more.

    Attributes:
        threshold, confidence: what the rules are decided against.
    """

    threshold: float
    confidence: float

    @property
    def decisions(self) -> pd.DataFrame:
        """The decisions with intervals (`calibration.agreement.decisions.decide_rules` columns)."""
        rules = list(self.counts)
        frame = pd.DataFrame(
            {
                "n_items": [self.counts[r][0] for r in rules],
                "n_correct": [self.counts[r][1] for r in rules],
            },
            index=pd.Index(rules, name="rule_id"),
        )
        frame["credit"] = frame["n_correct"].astype(float)
        return decide_rules(frame, self.threshold, confidence=self.confidence)


def item_rank(seed: int | str, key: str) -> int:
    """A stable pseudo-random rank of `key` under `seed` (the same on every machine and run)."""
    return int.from_bytes(hashlib.sha256(f"{seed}:{key}".encode()).digest()[:8], "big")


def next_step(
    pool: Mapping[str, Sequence[str]],
    answered: Sequence[tuple[str, float]],
    threshold: float,
    *,
    confidence: float = DEFAULT_CONFIDENCE,
    min_per_rule: int = 1,
    max_items: int | None = None,
    seed: int = 0,
    exposure: Mapping[str, int] | None = None,
    prior: tuple[float, float] = DEFAULT_PRIOR,
) -> Step:
    """The next item of a sequential quiz (module docstring).

    Args:
        pool: the items that may be asked, each with its rules.
        answered: (item_id, credit) of the answers so far, in order.
        threshold, confidence: the rule mark and the decision confidence.
        min_per_rule: items each rule gets before it may stop.
        max_items: stop after this many answers (None: when no rule is open).
        seed: the quiz's seed (ties between rules and items).
        exposure: how often each item was asked across annotators (least exposed first).
        prior: the Beta prior of the decisions.
    """
    rules = sorted({r for rs in pool.values() for r in rs})
    n = Counter[str]()
    credit: defaultdict[str, float] = defaultdict(float)
    for item, value in answered:
        for rule in pool.get(item, ()):
            n[rule] += 1
            credit[rule] += float(value)
    n_arr = np.array([n[r] for r in rules], dtype=float)
    c_arr = np.array([credit[r] for r in rules], dtype=float)
    codes = decide_counts(c_arr, n_arr, threshold, confidence=confidence, prior=prior)
    needed = items_to_decide_counts(c_arr, n_arr, threshold, confidence=confidence, prior=prior)
    decided = dict(zip(rules, (str(c) for c in codes), strict=True))
    asked = {item for item, _ in answered}
    unasked = {item: rules_ for item, rules_ in pool.items() if item not in asked}
    remaining = Counter(r for rules_ in unasked.values() for r in rules_)
    open_rules = [r for r in rules if remaining[r] and (n[r] < min_per_rule or decided[r] == "undecided")]
    room = len(unasked) if max_items is None else min(len(unasked), max(0, max_items - len(answered)))
    left = 0
    for k, rule in enumerate(rules):
        if rule in open_rules:
            quota = max(min_per_rule - n[rule], int(needed[k]) if needed[k] >= 0 else remaining[rule])
            left += min(quota, remaining[rule])
    counts = {r: (n[r], float(credit[r])) for r in rules}
    if not open_rules or room == 0:
        return Step(None, decided, open_rules if room else [], 0, counts, threshold, confidence)
    rule = min(open_rules, key=lambda r: (n[r], item_rank(seed, r)))
    opened = set(open_rules)
    seen = exposure or {}
    item = min(
        (i for i, rules_ in unasked.items() if rule in rules_),
        key=lambda i: (-len(opened.intersection(unasked[i])), seen.get(i, 0), item_rank(seed, i)),
    )
    return Step(item, decided, open_rules, max(min(left, room), 1), counts, threshold, confidence)


def fixed_items(
    pool: Mapping[str, Sequence[str]], min_per_rule: int, items_per_quiz: int, seed: int = 0
) -> list[str]:
    """A fixed quiz from `pool`: every rule its quota first, then filled up to `items_per_quiz`,
    items in seeded order (an item under several rules fills each quota)."""
    order = sorted(pool, key=lambda i: item_rank(seed, i))
    chosen: list[str] = []
    count = Counter[str]()
    for rule in sorted({r for rs in pool.values() for r in rs}, key=lambda r: item_rank(seed, r)):
        for item in order:
            if count[rule] >= min_per_rule:
                break
            if rule in pool[item] and item not in chosen:
                chosen.append(item)
                count.update(pool[item])
    for item in order:
        if len(chosen) >= items_per_quiz:
            break
        if item not in chosen:
            chosen.append(item)
    return chosen
