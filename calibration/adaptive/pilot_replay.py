"""Replay a pilot in the order a policy would have asked for answers: when is each rule decided?

Public API::

    replay_pilot(responses, item_rules, task, target, policy="adaptive", ...) -> dict

A rule's agreement is Krippendorff's alpha over its items with a 95% item-bootstrap interval (the
agreement engine's sufficient statistics and Poisson bootstrap, `calibration.agreement.bootstrap`).
A rule is decided ``above`` when the interval lies at or above the target, ``below`` when it lies
below, else ``undecided``; a rule with fewer than ``min_items`` items is undecided. Items are
added with all of their answers in the file, one item at a time:

- ``uniform``: in a seeded random order;
- ``adaptive``: the next item goes to the undecided rule whose interval is widest (a rule under
  ``min_items`` first), and a rule stops receiving items once decided.

Both stop when no undecided rule has items left. ``decision_all`` uses every item of the rule.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from calibration.adaptive.sequential import item_rank
from calibration.agreement.bootstrap import percentile_interval, replicate_sums
from calibration.agreement.coefficients import count_matrix, item_statistics, statistics_from_sums
from calibration.errors import DataError
from calibration.responses import ANSWER, ITEM, RULE

if TYPE_CHECKING:
    from calibration.guidelines.model import Task

PilotPolicy = Literal["uniform", "adaptive"]
MIN_ITEMS = 5
REPLICATES = 200


def rule_intervals(
    stats: np.ndarray, spec: Any, rows: list[int], seed: int, levels: tuple[float, ...] = (0.95,)
) -> list[list[float] | None]:
    """Item-bootstrap intervals of Krippendorff's alpha on the given item rows, one per level (the
    same replicates), each None with fewer than `MIN_ITEMS` items or no finite replicate."""
    if len(rows) < MIN_ITEMS:
        return [None for _ in levels]
    replicates = replicate_sums([stats[rows]], REPLICATES, seed)[0]
    alpha = statistics_from_sums(replicates, spec)["krippendorff_alpha"]
    return [percentile_interval(alpha, level) for level in levels]


def rule_interval(stats: np.ndarray, spec: Any, rows: list[int], seed: int) -> list[float] | None:
    """The 95% item-bootstrap interval of Krippendorff's alpha on the given item rows, or None
    (fewer than `MIN_ITEMS` items, or no finite replicate)."""
    return rule_intervals(stats, spec, rows, seed)[0]


def decide(interval: list[float] | None, target: float) -> str:
    """``above`` when the interval lies at or above `target`, ``below`` when below, else ``undecided``."""
    if interval is None:
        return "undecided"
    low, high = interval
    return "above" if low >= target else "below" if high < target else "undecided"


def _rule_state(stats: np.ndarray, spec: Any, rows: list[int], target: float, seed: int) -> tuple[str, float]:
    """(decision, interval width) of a rule on the given item rows."""
    interval = rule_interval(stats, spec, rows, seed)
    if interval is None:
        return "undecided", np.inf
    return decide(interval, target), interval[1] - interval[0]


def replay_pilot(
    responses: pd.DataFrame,
    item_rules: pd.DataFrame,
    task: Task,
    target: float,
    policy: PilotPolicy = "adaptive",
    *,
    seed: int = 0,
) -> dict[str, Any]:
    """Replay a pilot under `policy` (module docstring).

    Args:
        responses: canonical responses (item_id, annotator_id, answer).
        item_rules: item-to-rule table (item_id, rule_id).
        task: the task (its declared categories and level of measurement); label, rating and
            pairwise tasks.
        target: the agreement (alpha) a rule should reach.

    Returns:
        ``{"policy", "answers_used", "answers_available", "rules": {rule: {"decision",
        "decision_all", "answers_used"}}}`` with decisions ``above``, ``below`` or ``undecided``.

    Raises:
        DataError: another task type, or no answered item has a rule.
    """
    if task.type not in ("single_label", "rating", "pairwise"):
        raise DataError(
            f"replay pilot works on single_label, rating and pairwise tasks, not {task.type}",
            hint="replay the pilot of a label or rating guideline",
        )
    categories = list(task.categories)
    codes = {c: k for k, c in enumerate(categories)}
    frame = responses[responses[ANSWER].map(lambda a: a in codes)]
    items = sorted(set(frame[ITEM].astype(str)))
    rules_of = item_rules.astype(str).groupby(ITEM)[RULE].apply(list).to_dict()
    items = [i for i in items if i in rules_of]
    if not items:
        raise DataError(
            "no answered item has a rule in the item-to-rule map",
            hint="check that the item ids of the responses and of the map match",
        )
    index = {item: k for k, item in enumerate(items)}
    frame = frame[frame[ITEM].astype(str).isin(index)]
    unit = frame[ITEM].astype(str).map(index).to_numpy()
    counts = count_matrix(unit, frame[ANSWER].map(codes).to_numpy(), len(items), len(categories))
    stats, spec = item_statistics(counts, task.measurement_level)
    answers = counts.sum(axis=1).astype(int)
    rules = sorted({r for i in items for r in rules_of[i]})
    members = {r: [index[i] for i in items if r in rules_of[i]] for r in rules}
    decision_all = {r: _rule_state(stats, spec, members[r], target, seed)[0] for r in rules}

    # each step touches only the picked item's rules: their rows so far, in the order chosen (the
    # bootstrap's weights follow that order), and how many of their items are left
    member_sets = {r: set(members[r]) for r in rules}
    rows_of: dict[str, list[int]] = {r: [] for r in rules}
    left = {r: len(members[r]) for r in rules}
    chosen: list[int] = []
    taken: set[int] = set()
    state = {r: _rule_state(stats, spec, [], target, seed) for r in rules}
    order = sorted(range(len(items)), key=lambda k: item_rank(seed, items[k]))
    while True:
        open_rules = [r for r in rules if state[r][0] == "undecided" and left[r]]
        if not open_rules:
            break
        if policy == "uniform":
            pick = next(k for k in order if k not in taken and any(k in member_sets[r] for r in open_rules))
        else:
            rule = max(open_rules, key=lambda r: (state[r][1], -item_rank(seed, r)))
            pick = next(k for k in order if k not in taken and k in member_sets[rule])
        chosen.append(pick)
        taken.add(pick)
        for r in dict.fromkeys(rules_of[items[pick]]):  # a rule listed twice counts once
            rows_of[r].append(pick)
            left[r] -= 1
            state[r] = _rule_state(stats, spec, rows_of[r], target, seed)
    return {
        "policy": policy,
        "answers_used": int(answers[chosen].sum()),
        "answers_available": int(answers.sum()),
        "rules": {
            r: {
                "decision": state[r][0],
                "decision_all": decision_all[r],
                "answers_used": int(answers[rows_of[r]].sum()),
            }
            for r in rules
        },
    }
