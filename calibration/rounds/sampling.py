"""Who answers what: overlap designs for pilot rounds and stratified calibration quizzes (pure, seeded).

Both functions are deterministic for a given seed, so a round's assignments and any annotator's
quiz can be reproduced from the round settings.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from math import comb
from typing import TYPE_CHECKING

from calibration.errors import CalibrationError, Location

if TYPE_CHECKING:
    from calibration.guidelines.model import Guideline

EDGE_CASE_WEIGHT = 3.0


def _rng(seed: int | str, *parts: object) -> random.Random:
    return random.Random(":".join(str(p) for p in (seed, *parts)))


# --------------------------------------------------------------------------- pilot rounds


def pilot_design(
    item_ids: Sequence[str], annotators: Sequence[str], overlap: int, seed: int | str = 0
) -> dict[str, list[str]]:
    """Assign every item to `overlap` annotators so that every annotator pair shares items.

    A greedy balanced design: for each item (in a seeded order) it picks the least-loaded
    annotator, then those who complete the most annotator pairs not yet sharing an item, among
    annotators whose load is at most one above the lowest. Pairwise statistics (Cohen's kappa per
    pair) need every pair to share items; this holds whenever there are enough item slots,
    ``len(item_ids) * C(overlap, 2) >= C(len(annotators), 2)`` with some slack.

    Args:
        item_ids: the round's items.
        annotators: annotator ids (names), each once.
        overlap: annotators per item (2 or more, at most the number of annotators).
        seed: makes the design and every annotator's order reproducible.

    Returns:
        The items of each annotator, in that annotator's own seeded random order.

    Raises:
        CalibrationError: no items or annotators, repeated ids, an overlap out of range, or too
            few items for every pair to share one.
    """
    items, people = list(item_ids), list(annotators)
    if not items:
        raise CalibrationError("a pilot round needs items", hint="pick items from the bank or import them")
    if not people:
        raise CalibrationError("a pilot round needs annotators", hint="list annotators or invite them")
    for label, values in (("item", items), ("annotator", people)):
        repeated = sorted(v for v, n in Counter(values).items() if n > 1)
        if repeated:
            raise CalibrationError(f"{label} ids repeat: {', '.join(map(str, repeated))}")
    low = 1 if len(people) == 1 else 2
    if not low <= overlap <= len(people):
        raise CalibrationError(
            f"overlap {overlap} is not possible with {len(people)} annotator(s)",
            location=Location(field="overlap"),
            hint=f"choose an overlap from {low} to {len(people)} (annotators per item)",
        )
    pairs, per_item = comb(len(people), 2), comb(overlap, 2)
    if pairs and len(items) * per_item < pairs:
        raise CalibrationError(
            f"{len(items)} item(s) with overlap {overlap} cannot give all {pairs} annotator pairs a shared item",
            location=Location(field="overlap"),
            hint=f"use at least {-(-pairs // per_item)} items, or a larger overlap",
        )
    rng = _rng(seed, "design")
    load = dict.fromkeys(people, 0)
    uncovered = {frozenset(p) for p in combinations(people, 2)}
    partners_left = Counter(a for pair in uncovered for a in pair)
    given: dict[str, list[str]] = {a: [] for a in people}
    order = items[:]
    rng.shuffle(order)
    for item in order:
        chosen: list[str] = []
        while len(chosen) < overlap:
            floor = min(load.values())
            free = [a for a in people if a not in chosen]
            eligible = [a for a in free if load[a] <= floor + 1] or free
            if not chosen:
                eligible = [a for a in eligible if load[a] == min(load[b] for b in eligible)]

            def key(a: str, chosen: list[str] = chosen) -> tuple[int, int, int, float]:
                gain = sum(frozenset((a, c)) in uncovered for c in chosen)
                return (gain, -load[a], partners_left[a], rng.random())

            pick = max(eligible, key=key)
            for c in chosen:
                pair = frozenset((pick, c))
                if pair in uncovered:
                    uncovered.discard(pair)
                    partners_left[pick] -= 1
                    partners_left[c] -= 1
            chosen.append(pick)
            load[pick] += 1
        for a in chosen:
            given[a].append(item)
    if uncovered:
        a, b = sorted(sorted(uncovered, key=sorted)[0])
        raise CalibrationError(
            f"{len(uncovered)} annotator pair(s) would share no item (e.g. {a} and {b}) "
            f"with {len(items)} item(s) and overlap {overlap}",
            location=Location(field="overlap"),
            hint="add items or raise the overlap; pairwise kappa needs every pair to share items",
        )
    for annotator, assigned in given.items():
        _rng(seed, "order", annotator).shuffle(assigned)
    return given


def shared_pairs(design: dict[str, list[str]]) -> dict[frozenset[str], int]:
    """Items shared by each annotator pair of a design (pairs sharing nothing are included with 0)."""
    sets = {a: set(items) for a, items in design.items()}
    return {frozenset((a, b)): len(sets[a] & sets[b]) for a, b in combinations(sets, 2)}


# --------------------------------------------------------------------------- calibration quizzes


@dataclass(frozen=True)
class QuizItem:
    """What quiz sampling needs to know about a bank item."""

    id: str
    rules: tuple[str, ...]
    edge_case: bool = False


def quiz_bank(guideline: Guideline) -> list[QuizItem]:
    """The guideline's bank items that have a gold answer (only those can be scored in a quiz)."""
    return [QuizItem(i.id, tuple(i.rules), i.edge_case) for i in guideline.items if i.answer is not None]


def sample_quiz(
    bank: Sequence[QuizItem],
    *,
    size: int,
    min_per_rule: int,
    seed: int | str = 0,
    seen: Iterable[str] = (),
    target_rules: Iterable[str] | None = None,
    edge_case_weight: float = EDGE_CASE_WEIGHT,
    exclude: Iterable[str] = (),
    reuse: Iterable[str] = (),
) -> list[str]:
    """Draw a calibration quiz stratified by rule.

    First every rule gets `min_per_rule` items (an item with several rules counts for each; rules
    with the fewest items are served first, and items that also fill other short rules are
    preferred); then the quiz is filled up to `size`. Every draw prefers items not in `seen` (so an
    item from an earlier attempt comes back only when no unseen one can take its place) and weights
    edge cases `edge_case_weight` times up. The quotas win over `size`: a quiz can be longer than
    `size` when the rules need it, and shorter when the bank runs out.

    Args:
        bank: candidate items (with gold), see `quiz_bank`.
        size: wanted number of items (the policy's ``items_per_quiz``).
        min_per_rule: items each rule gets at least, when the bank has them.
        seed: makes the draw reproducible.
        seen: item ids the annotator saw in earlier attempts.
        target_rules: for a retake, the failed rules; only items exercising them are drawn.
        edge_case_weight: relative weight of edge-case items.
        exclude: item ids never to draw (those whose gold answer the annotator was shown: a quiz
            answered from memory proves nothing); see `short_rules` for what is left.
        reuse: excluded items that may be served again after all (`reuse_plan`): drawn only to fill
            a rule's quota, and only when no other item of the rule is left.

    Returns:
        Item ids in quiz order (a seeded shuffle).

    Raises:
        CalibrationError: size or min_per_rule below 1, or target rules that no item exercises.
    """
    if size < 1 or min_per_rule < 1:
        raise CalibrationError(
            f"a quiz needs size >= 1 and min_per_rule >= 1, got size={size}, min_per_rule={min_per_rule}",
            hint="check the guideline's calibration policy (items_per_quiz, min_items_per_rule)",
        )
    seen_ids = set(seen)
    reused = set(reuse)
    excluded = set(exclude) - reused
    pool = [i for i in bank if i.id not in excluded]
    if target_rules is not None:
        targets = set(target_rules)
        pool = [i for i in pool if targets & set(i.rules)]
        if not pool:
            raise CalibrationError(
                f"no quiz item exercises the rule(s) {', '.join(sorted(targets))}",
                hint="add items with gold answers for these rules to the bank",
            )
        rules = sorted({r for i in pool for r in i.rules} & targets)
    else:
        rules = sorted({r for i in pool for r in i.rules})
    rng = _rng(seed, "quiz")
    chosen: list[QuizItem] = []
    taken: set[str] = set()
    count: Counter[str] = Counter()

    def draw(candidates: list[QuizItem]) -> QuizItem:
        unseen = [c for c in candidates if c.id not in seen_ids]
        fresh = [c for c in candidates if c.id not in reused]
        group = unseen or fresh or candidates
        short = {r for r in rules if count[r] < min_per_rule}
        weights = [
            (edge_case_weight if c.edge_case else 1.0) * (1 + len(short & set(c.rules))) for c in group
        ]
        return rng.choices(group, weights=weights)[0]

    def take(item: QuizItem) -> None:
        chosen.append(item)
        taken.add(item.id)
        count.update(set(item.rules))

    supply = {r: sum(r in i.rules for i in pool) for r in rules}
    ordered = sorted(rules, key=lambda r: (supply[r], rng.random()))
    for rule in ordered:
        while count[rule] < min_per_rule:
            candidates = [i for i in pool if rule in i.rules and i.id not in taken]
            if not candidates:
                break
            take(draw(candidates))
    while len(chosen) < size:  # reused items only fill quotas, never the length
        candidates = [i for i in pool if i.id not in taken and i.id not in reused]
        if not candidates:
            break
        take(draw(candidates))
    ids = [i.id for i in chosen]
    rng.shuffle(ids)
    return ids


def short_rules(
    bank: Sequence[QuizItem],
    *,
    min_per_rule: int,
    exclude: Iterable[str] = (),
    rules: Iterable[str] | None = None,
) -> dict[str, tuple[int, int]]:
    """Rules that can no longer fill their quota once `exclude` is left out of the bank.

    A rule is short when fewer than ``min(min_per_rule, items of the rule)`` of its items remain:
    a quiz on it would have to recycle items whose gold the annotator has seen.

    Args:
        bank: the quiz bank (`quiz_bank`).
        min_per_rule: the quota per rule.
        exclude: item ids that may not be served (gold already shown).
        rules: the rules the quiz must cover (a retake's targets); None: every rule of the bank.

    Returns:
        ``{rule: (items left, items of the rule)}`` for each short rule, sorted by rule.
    """
    excluded = set(exclude)
    wanted = sorted(set(rules) if rules is not None else {r for i in bank for r in i.rules})
    short = {}
    for rule in wanted:
        items = [i for i in bank if rule in i.rules]
        left = sum(i.id not in excluded for i in items)
        if left < min(min_per_rule, len(items)) or (items and not left):
            short[rule] = (left, len(items))
    return short


def reuse_plan(
    bank: Sequence[QuizItem],
    *,
    min_per_rule: int,
    shown: Mapping[str, int],
    rules: Iterable[str] | None = None,
) -> list[str]:
    """Items whose gold was shown that a quiz serves again, so that no retake is ever refused.

    For each rule `short_rules` names, the rule's shown items seen longest ago (lowest `shown`
    rank first, the item id among equals) are taken, just enough to reach
    ``min(min_per_rule, items of the rule)`` with the unseen ones left. Whether an item was answered
    rightly or wrongly does not matter: the retake re-tests the rule, not the annotator's past
    mistakes (docs/calibration.md, "Retakes and reused items").

    Args:
        bank: the quiz bank (`quiz_bank`).
        min_per_rule: the quota per rule.
        shown: ``{item id: recency}`` of the items whose gold the annotator was shown (a larger
            number is more recent, e.g. the attempt id).
        rules: the rules the quiz must cover (a retake's targets); None: every rule of the bank.

    Returns:
        Item ids to serve again, in the order chosen; empty when every rule has enough unseen items.
    """
    by_rule = short_rules(bank, min_per_rule=min_per_rule, exclude=shown, rules=rules)
    chosen: list[QuizItem] = []
    for rule, (left, total) in by_rule.items():
        need = min(min_per_rule, total) - left - sum(rule in c.rules for c in chosen)
        oldest = sorted(
            (i for i in bank if rule in i.rules and i.id in shown and i not in chosen),
            key=lambda i: (shown[i.id], i.id),
        )
        chosen += oldest[: max(need, 0)]
    return [c.id for c in chosen]


def rule_counts(quiz: Iterable[str], bank: Sequence[QuizItem]) -> Counter[str]:
    """Items per rule in a quiz (an item with several rules counts for each)."""
    by_id = {i.id: i for i in bank}
    return Counter(r for item_id in quiz for r in set(by_id[item_id].rules))
