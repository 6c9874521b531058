"""Adaptive pilot rounds: per-rule decisions against the pilot target, and which item to hand out next.

Public API::

    control_slice(item_ids, fraction, seed) -> frozenset[str]
    pilot_status(responses, item_rules, task, target, control=..., overlap=2, seed=0) -> dict[rule, RuleStatus]
    next_pilot_item(status, item_rules, control=..., assigned=..., mine=..., overlap=..., annotator=...,
                    position=..., fraction=..., seed=...) -> str | None

**Decision**: a rule's agreement is Krippendorff's alpha over its items that have at least two
answers, with a 95% item-bootstrap interval (shown). The status is read after every completed
item and a decided rule stops receiving items, so the decision uses a stricter stopping rule
(issue 14, optional stopping): the rule is ``above`` the target when the `STOP_LEVEL` (99%)
interval from the same replicates lies at or above it, ``below`` when it lies below, else
``undecided``, and only once it has `STOP_MIN_ITEMS` (15) such items. On fewer items that all
agree every bootstrap replicate is 1 and the interval is [1, 1], which would stop a rule on a run
of luck. One look at the end of a fixed design passes ``stop_level=0.95, stop_min_items=5`` (the
rule of `calibration.adaptive.pilot_replay`).

**About N more items.** The bootstrap interval's half-width shrinks like ``1/sqrt(n)`` in the number
of items ``n``. With the estimate ``a`` at distance ``d = |a - target|`` from the target and the
half-width ``h`` on the target's side, the interval clears the target after about
``n * (h / d)**2`` items, so ``N = ceil(n * (h / d)**2) - n`` more (at least 1 and at least what
is missing to reach `STOP_MIN_ITEMS`; ``h`` is the stopping interval's, ``d`` is floored at 0.01).
Under `MIN_ITEMS` items, N is what is missing to reach `STOP_MIN_ITEMS`.

**Control slice.** A seeded uniform random `fraction` of the round's items (`control_slice`) is
handed out whatever the decisions, interleaved: each annotator's k-th item is a control item with
probability `fraction` (a seeded draw per annotator and position) while control items need answers.
Alpha on the control items alone is an unbiased estimate of the whole round's agreement per rule;
the adaptive estimate (on every answered item) over-samples the rules that were hard to decide.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from calibration.adaptive.pilot_replay import MIN_ITEMS, decide, rule_interval, rule_intervals
from calibration.adaptive.sequential import item_rank
from calibration.agreement.coefficients import count_matrix, item_statistics, statistics_from_sums
from calibration.errors import DataError
from calibration.responses import ANSWER, ITEM

if TYPE_CHECKING:
    from calibration.guidelines.model import Task

DEFAULT_CONTROL_FRACTION = 0.2
STOP_LEVEL = 0.99
STOP_MIN_ITEMS = 15
PILOT_TASKS = ("single_label", "rating", "pairwise")
_MIN_DISTANCE = 0.01


@dataclass(frozen=True)
class RuleStatus:
    """Where one rule of an adaptive pilot stands.

    ``items`` counts the rule's items with at least two answers; ``estimate`` and ``interval`` are
    alpha on them (the adaptive estimate), ``control_*`` the same on the control slice only.
    ``more_items`` is "about N more items" for an undecided rule (None once decided);
    ``items_left`` the rule's items that do not have two answers yet.
    """

    rule: str
    decision: str
    items: int
    estimate: float | None
    interval: tuple[float, float] | None
    control_items: int
    control_estimate: float | None
    control_interval: tuple[float, float] | None
    more_items: int | None
    items_left: int
    overlap: int = 2
    stop_interval: tuple[float, float] | None = None

    def sentence(self) -> str:
        """What the lead reads: decided above/below target, or about N more items to decide."""
        if self.decision == "above":
            return "decided above target"
        if self.decision == "below":
            return "decided below target"
        text = f"about {self.more_items} more items with {self.overlap} answers each to decide"
        if self.more_items is not None and self.more_items > self.items_left:
            text += f" (only {self.items_left} left in the round)"
        return text


def control_slice(
    item_ids: Sequence[str], fraction: float = DEFAULT_CONTROL_FRACTION, seed: int = 0
) -> frozenset[str]:
    """A seeded uniform random sample of ``round(fraction * len(item_ids))`` items.

    Raises:
        DataError: `fraction` outside [0, 1].
    """
    if not 0 <= fraction <= 1:
        raise DataError(f"the control fraction must be between 0 and 1, got {fraction}", hint="e.g. 0.2")
    ordered = sorted(dict.fromkeys(item_ids), key=lambda i: item_rank(seed, f"control:{i}"))
    return frozenset(ordered[: round(fraction * len(ordered))])


def _alpha(stats: np.ndarray, spec: object, rows: list[int]) -> float | None:
    if not rows:
        return None
    value = float(statistics_from_sums(stats[rows].sum(axis=0), spec)["krippendorff_alpha"])  # type: ignore[arg-type]
    return value if math.isfinite(value) else None


def _more_items(
    n: int, estimate: float | None, interval: list[float] | None, target: float, minimum: int
) -> int:
    if n < MIN_ITEMS:
        return max(MIN_ITEMS, minimum) - n
    if estimate is None or interval is None:
        return max(n, minimum - n)
    low, high = interval
    half = (estimate - low) if estimate >= target else (high - estimate)
    distance = max(abs(estimate - target), _MIN_DISTANCE)
    return max(1, minimum - n, math.ceil(n * (max(half, 0.0) / distance) ** 2) - n)


def pilot_status(
    responses: pd.DataFrame,
    item_rules: Mapping[str, Sequence[str]],
    task: Task,
    target: float,
    *,
    control: Collection[str] = (),
    overlap: int = 2,
    seed: int = 0,
    stop_level: float = STOP_LEVEL,
    stop_min_items: int = STOP_MIN_ITEMS,
) -> dict[str, RuleStatus]:
    """Per rule: the decision against `target`, both estimates and about how many more items (module docstring).

    Args:
        responses: canonical responses of the round so far (item_id, annotator_id, answer).
        item_rules: the round's items and their rules (items without a rule are ignored).
        task: the guideline's task (single_label, rating or pairwise).
        target: the agreement (alpha) a rule should reach (the policy's ``pilot_target``).
        control: the control slice (`control_slice`).
        overlap: answers each item gets in the round (for the sentence).
        seed: seeds the bootstrap.
        stop_level: the level of the interval that decides (`STOP_LEVEL` for a pilot read after
            every item; 0.95 for one look at the end of a fixed design).

    Raises:
        DataError: another task type.
    """
    if task.type not in PILOT_TASKS:
        raise DataError(
            f"an adaptive pilot works on single_label, rating and pairwise tasks, not {task.type}",
            hint="run a fixed pilot round for this guideline",
        )
    categories = list(task.categories)
    codes = {c: k for k, c in enumerate(categories)}
    items = sorted(str(i) for i, rules in item_rules.items() if rules)
    index = {item: k for k, item in enumerate(items)}
    keep = np.array([a in codes for a in responses[ANSWER]], dtype=bool) & np.array(
        [str(i) in index for i in responses[ITEM]], dtype=bool
    )
    frame = responses[keep]
    unit = frame[ITEM].astype(str).map(index).to_numpy(dtype=np.int64)
    answers = frame[ANSWER].map(codes).to_numpy(dtype=np.int64)
    counts = count_matrix(unit, answers, len(items), len(categories))
    stats, spec = item_statistics(counts, task.measurement_level)
    paired = counts.sum(axis=1) >= 2
    controls = {str(i) for i in control}
    rules = sorted({str(r) for i in items for r in item_rules[i]})
    out: dict[str, RuleStatus] = {}
    for rule in rules:
        members = [index[i] for i in items if rule in item_rules[i]]
        rows = [k for k in members if paired[k]]
        control_rows = [k for k in rows if items[k] in controls]
        interval, stop = rule_intervals(stats, spec, rows, seed, (0.95, stop_level))
        control_interval = rule_interval(stats, spec, control_rows, seed)
        estimate = _alpha(stats, spec, rows)
        decision = decide(stop, target) if len(rows) >= stop_min_items else "undecided"
        out[rule] = RuleStatus(
            rule=rule,
            decision=decision,
            items=len(rows),
            estimate=estimate,
            interval=(interval[0], interval[1]) if interval else None,
            control_items=len(control_rows),
            control_estimate=_alpha(stats, spec, control_rows),
            control_interval=(control_interval[0], control_interval[1]) if control_interval else None,
            more_items=None
            if decision != "undecided"
            else _more_items(len(rows), estimate, stop, target, stop_min_items),
            items_left=len(members) - len(rows),
            overlap=overlap,
            stop_interval=(stop[0], stop[1]) if stop else None,
        )
    return out


def _width(status: RuleStatus) -> float:
    return math.inf if status.interval is None else status.interval[1] - status.interval[0]


def next_pilot_item(
    status: Mapping[str, RuleStatus],
    item_rules: Mapping[str, Sequence[str]],
    *,
    control: Collection[str],
    assigned: Mapping[str, int],
    mine: Collection[str],
    overlap: int,
    annotator: str,
    position: int,
    fraction: float = DEFAULT_CONTROL_FRACTION,
    seed: int = 0,
) -> str | None:
    """The item an annotator gets next in an adaptive pilot, or None when there is none for them.

    Candidates are the items the annotator does not have whose assignments are under `overlap`.
    The annotator's `position`-th item is a control item with probability `fraction` (seeded per
    annotator and position) while control items need answers. Otherwise it goes to the undecided
    rule whose interval is widest (a rule under `MIN_ITEMS` items first); within it, items that
    already have answers come first (to complete them), then a seeded order. Decided rules get no
    more items. When no undecided rule has a candidate, the rest of the control slice is handed out.

    Args:
        status: `pilot_status` of the round now.
        item_rules: the round's items and their rules.
        control: the control slice.
        assigned: assignments per item so far (every annotator).
        mine: the annotator's items so far.
    """
    controls = {str(i) for i in control}
    taken = set(mine)
    free = [i for i in item_rules if i not in taken and assigned.get(i, 0) < overlap]

    def order(candidates: list[str]) -> list[str]:
        return sorted(candidates, key=lambda i: (-assigned.get(i, 0), item_rank(seed, f"item:{i}")))

    free_controls = order([i for i in free if i in controls])
    draw = item_rank(seed, f"slot:{annotator}:{position}") / 2.0**64
    if free_controls and draw < fraction:
        return free_controls[0]
    open_rules = [
        r
        for r, s in status.items()
        if s.decision == "undecided" and any(r in item_rules[i] for i in free if i not in controls)
    ]
    if open_rules:
        rule = max(open_rules, key=lambda r: (_width(status[r]), -item_rank(seed, f"rule:{r}")))
        return order([i for i in free if i not in controls and rule in item_rules[i]])[0]
    return free_controls[0] if free_controls else None
