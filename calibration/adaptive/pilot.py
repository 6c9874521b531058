"""Adaptive pilot rounds: per-rule decisions against the pilot target, and which item to hand out next.

Public API::

    control_slice(item_ids, fraction, seed) -> frozenset[str]
    pilot_status(responses, item_rules, task, target, control=..., overlap=2, seed=0) -> dict[rule, RuleStatus]
    next_pilot_item(status, item_rules, control=..., assigned=..., mine=..., overlap=..., annotator=...,
                    position=..., fraction=..., seed=...) -> str | None

**Decision** (issue 14: valid however often the round is read). A rule's agreement is
Krippendorff's alpha over its items with at least two answers, shown with a 95% item-bootstrap
interval. The decision is a group-sequential test (Lan & DeMets 1983) at planned looks: after the
rule's `FIRST_LOOK`-th completed item, then every `LOOK_EVERY` items, and at its last item in the
round (``N`` items: the information fraction of a look on ``n`` items is ``n / N``). At a look, the
score statistic ``z = (alpha - target) / se0`` is read on the rule's first ``n`` completed items
(in the order they got their second answer), each item counted with its first two answers only
(those it had when it was completed, so a third answer never changes a past look), ``se0`` being
alpha's standard error *at the target* (`null_se`). The rule is ``above`` at the first look where ``z`` reaches the O'Brien-Fleming-type
boundary of `calibration.adaptive.group_sequential` for one-sided error `ERROR_RATE` (2.5%),
``below`` where ``-z`` does, and it stays so (a decision is final); else ``undecided``. So a rule
at the target is decided above (or below) with probability at most about 2.5% whatever the number
of reads, however many answers arrive after the decision (measured on small rules: "below" about
3.1% at 60 items and 2.8% at 200 for balanced binary labels, probably the right skew of the
binomial count of disagreements; docs/adaptive.md).

**About N more items**: the standard error shrinks like ``1/sqrt(n)``; with the estimate at
distance ``d = |alpha - target|`` (floored at 0.01) the next look at ``n'`` items is reached when
``c' * se0 * sqrt(n / n') <= d``, so ``N = n' - n`` for the first such planned look ``n'``, or
``ceil(n * (c * se0 / d)**2) - n`` past the rule's last item (``c`` the last look's boundary)
when none is. Under two completed items, N is what is missing to reach the first look.

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

from calibration.adaptive.group_sequential import Spending, boundaries
from calibration.adaptive.pilot_replay import rule_interval
from calibration.adaptive.sequential import item_rank
from calibration.agreement.coefficients import (
    StatSpec,
    _ordinal_distance,
    count_matrix,
    item_statistics,
    statistics_from_sums,
)
from calibration.errors import DataError
from calibration.responses import ANSWER, ITEM

if TYPE_CHECKING:
    from calibration.guidelines.model import Task

DEFAULT_CONTROL_FRACTION = 0.2
ERROR_RATE = 0.025
"""One-sided error per direction: a rule at the target ends ``above`` (or ``below``) at most this often."""
FIRST_LOOK = 10
LOOK_EVERY = 5
SPENDING: Spending = "obf"
FUTILITY = 0.1
"""A rule stops taking items (undecided) at a look where the conditional power to decide it by its
last item, at the current trend, is below this; non-binding, so it never adds a wrong decision."""
PILOT_TASKS = ("single_label", "rating", "pairwise")
_MIN_DISTANCE = 0.01


@dataclass(frozen=True)
class RuleStatus:
    """Where one rule of an adaptive pilot stands.

    ``items`` counts the rule's items with at least two answers; ``estimate`` and ``interval`` are
    alpha on them (the adaptive estimate), ``control_*`` the same on the control slice only.
    ``more_items`` is "about N more items" for an undecided rule (None once decided, or when
    there is no estimate: the text then says only that the rule is undecided);
    ``items_left`` the rule's items that do not have two answers yet; ``decided_at`` the completed
    items at the look that decided the rule (None while undecided); ``z`` the score statistic
    ``(alpha - target) / se0`` on every completed item and ``se0`` its standard error at the target
    (None without them); ``futile`` whether a look found that the rule cannot be decided on the
    round's items at the current trend (it then takes no more items).
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
    decided_at: int | None = None
    z: float | None = None
    futile: bool = False
    se0: float | None = None

    def label(self) -> str:
        """The decision in a few words, for a table cell (`sentence` says it in full).

        "decided above target", "about 12 more items", "about 12 more items (3 left)", "undecided, no
        items left", "stopped: about 40 more needed".
        """
        if self.decision in ("above", "below"):
            return f"decided {self.decision} target"
        if self.items_left == 0 and not self.futile:
            return "undecided, no items left"
        if self.more_items is None:  # no estimate of the items it needs: say only where it stands
            return "stopped, undecided" if self.futile else "undecided"
        if self.futile:
            return f"stopped: about {self.more_items} more needed"
        noun = "item" if self.more_items == 1 else "items"
        text = f"about {self.more_items} more {noun}"
        if self.more_items is not None and self.more_items > self.items_left:
            text += f" ({self.items_left} left)"
        return text

    def sentence(self) -> str:
        """What the lead reads: decided above/below target, or about N more items to decide."""
        if self.decision == "above":
            return "decided above target"
        if self.decision == "below":
            return "decided below target"
        if self.items_left == 0 and not self.futile:
            return (
                "cannot be decided in this round: every item of the rule has its answers; "
                "add items of this rule or start a new round"
            )
        if self.more_items is None:
            if self.futile:
                return "undecided, and it cannot be decided on this round's items: it takes no more"
            return f"undecided: more items with {self.overlap} answers each are needed to decide"
        noun = "item" if self.more_items == 1 else "items"
        text = f"about {self.more_items} more {noun} with {self.overlap} answers each to decide"
        if self.futile:
            text += ", more than this round has: it takes no more (besides the control slice)"
        elif self.more_items is not None and self.more_items > self.items_left:
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


def look_sizes(total: int, first_look: int = FIRST_LOOK, look_every: int = LOOK_EVERY) -> list[int]:
    """The completed-item counts at which a rule of `total` items is read: `first_look`, then every
    `look_every`, and `total` (a single look at `total` when it is at most `first_look`)."""
    if total <= 0:
        return []
    sizes = list(range(max(first_look, 2), total, max(look_every, 1)))
    return [*sizes, total]


def null_se(stats: np.ndarray, spec: StatSpec, target: float) -> tuple[np.ndarray, np.ndarray]:
    """Alpha and its standard error under ``alpha = target``, on every prefix of the item rows.

    Alpha is ``1 - sum(u_i)`` with ``u_i = (N - 1) o_i / D_e`` (``o_i`` the item's observed
    disagreement, ``N`` the pairable values, ``D_e`` the expected disagreement, both taken as fixed).
    At the target, ``E sum(u_i) = 1 - target``, spread over the items by their pairable values
    ``m_i``: ``mu_i = (1 - target) m_i / N``. Each ``u_i`` lies in ``[0, U_i]`` with
    ``U_i = (N - 1) delta_max m_i / D_e``, so its variance is at most ``mu_i (U_i - mu_i)``
    (Bhatia & Davis 2000). For two answers on a nominal scale ``u_i`` takes only those two values
    and this is the binomial variance of the disagreement count; for ratings it is conservative.

    Returns:
        (alpha, se0), one value per prefix (NaN where alpha is undefined).
    """
    prefix = np.cumsum(stats, axis=0)
    alpha = statistics_from_sums(prefix, spec)["krippendorff_alpha"]
    marg = stats[:, spec.marginals]
    m = marg.sum(axis=1)
    n_c = prefix[:, spec.marginals]
    total = n_c.sum(axis=1)
    if spec.delta is not None:
        delta = np.broadcast_to(spec.delta, (len(stats), spec.q, spec.q))
    else:
        delta = _ordinal_distance(n_c)
    d_e = np.einsum("nk,nkl,nl->n", n_c, delta, n_c)
    d_max = delta.reshape(len(stats), -1).max(axis=1)
    m2 = np.cumsum(m**2)
    with np.errstate(divide="ignore", invalid="ignore"):
        var = (1 - target) * m2 / total * (d_max * (total - 1) / d_e - (1 - target) / total)
        se = np.sqrt(np.where(var > 0, var, np.nan))
    return alpha, se


def conditional_power(z: float, fraction: float, last_cut: float) -> float:
    """The probability that the score statistic ends beyond the last boundary (either side) at the
    rule's last item, its drift being the current trend (``z / sqrt(fraction)`` per unit of
    information; Lan, Simon & Halperin 1982; Jennison & Turnbull 2000, ch. 10)."""
    if fraction >= 1:
        return float(abs(z) >= last_cut)
    b = z * math.sqrt(fraction)
    mean = b + (b / fraction) * (1 - fraction)
    sd = math.sqrt(1 - fraction)
    up = 0.5 * math.erfc((last_cut - mean) / (sd * math.sqrt(2)))
    down = 0.5 * math.erfc((last_cut + mean) / (sd * math.sqrt(2)))
    return up + down


def _decide(
    alpha: np.ndarray,
    se: np.ndarray,
    target: float,
    looks: list[int],
    cuts: tuple[float, ...],
    futility: float = FUTILITY,
) -> tuple[str, int | None, bool]:
    """The first look whose score statistic crosses its boundary: (decision, items at that look,
    whether an earlier look found the rule futile)."""
    futile = False
    last = next((c for c in reversed(cuts) if math.isfinite(c)), math.inf)
    for size, cut in zip(looks, cuts, strict=True):
        if size > len(alpha):
            break
        a, s = alpha[size - 1], se[size - 1]
        if not (math.isfinite(a) and math.isfinite(s)):
            continue
        z = (a - target) / s
        if math.isfinite(cut) and z >= cut:
            return "above", size, futile
        if math.isfinite(cut) and z <= -cut:
            return "below", size, futile
        if size < looks[-1] and conditional_power(z, size / looks[-1], last) < futility:
            futile = True
    return "undecided", None, futile


def _more_items(
    n: int, estimate: float | None, se: float | None, target: float, looks: list[int], cuts: tuple[float, ...]
) -> int:
    ahead = [(size, cut) for size, cut in zip(looks, cuts, strict=True) if size > n]
    if n < 2 or estimate is None or se is None or not math.isfinite(se):
        return max(1, (ahead[0][0] if ahead else FIRST_LOOK) - n)
    distance = max(abs(estimate - target), _MIN_DISTANCE)
    for size, cut in ahead:
        if math.isfinite(cut) and cut * se * math.sqrt(n / size) <= distance:
            return size - n
    last = next((c for c in reversed(cuts) if math.isfinite(c)), 1.96)
    beyond = math.ceil(n * (last * se / distance) ** 2) - n
    return max(1, beyond, (looks[-1] - n + 1) if looks else 1)


def _hashable(value: object) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _completion_order(units: list[int]) -> list[int]:
    """Item rows in the order they got their second answer (the order of the responses)."""
    seen: dict[int, int] = {}
    order: list[int] = []
    for k in units:
        seen[k] = seen.get(k, 0) + 1
        if seen[k] == 2:
            order.append(k)
    return order


def _first_two(units: list[int]) -> np.ndarray:
    """Positions of each item's first two answers (in the order of the responses)."""
    seen: dict[int, int] = {}
    keep: list[int] = []
    for position, k in enumerate(units):
        seen[k] = seen.get(k, 0) + 1
        if seen[k] <= 2:
            keep.append(position)
    return np.array(keep, dtype=np.int64)


def pilot_status(
    responses: pd.DataFrame,
    item_rules: Mapping[str, Sequence[str]],
    task: Task,
    target: float,
    *,
    control: Collection[str] = (),
    overlap: int = 2,
    seed: int = 0,
    error_rate: float = ERROR_RATE,
    first_look: int = FIRST_LOOK,
    look_every: int = LOOK_EVERY,
    spending: Spending = SPENDING,
    futility: float = FUTILITY,
    intervals: bool = True,
) -> dict[str, RuleStatus]:
    """Per rule: the decision against `target`, both estimates and about how many more items (module docstring).

    Args:
        responses: canonical responses of the round so far (item_id, annotator_id, answer), in the
            order they were given (it orders the looks).
        item_rules: the round's items and their rules (items without a rule are ignored).
        task: the guideline's task (single_label, rating or pairwise).
        target: the agreement (alpha) a rule should reach (the policy's ``pilot_target``).
        control: the control slice (`control_slice`).
        overlap: answers each item gets in the round (for the sentence).
        seed: seeds the bootstrap of the interval shown.
        error_rate, first_look, look_every, spending, futility: the group-sequential design
            (module docstring); ``first_look`` at least the rule's items gives one look at the end,
            ``futility=0`` never stops a rule undecided.
        intervals: compute the bootstrap intervals shown (they decide nothing; the bench leaves
            them out).

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
    pairs = [
        (index[str(i)], codes[a])
        for i, a in zip(responses[ITEM].tolist(), responses[ANSWER].tolist(), strict=True)
        if str(i) in index and _hashable(a) and a in codes
    ]
    unit = np.array([u for u, _ in pairs], dtype=np.int64)
    answers = np.array([c for _, c in pairs], dtype=np.int64)
    counts = count_matrix(unit, answers, len(items), len(categories))
    stats, spec = item_statistics(counts, task.measurement_level)
    # The looks read only each item's first two answers (in answer order): what existed when the
    # item was completed, so a later answer never changes a past look (a decision stays final).
    first_two = _first_two(unit.tolist())
    look_counts = count_matrix(unit[first_two], answers[first_two], len(items), len(categories))
    look_stats, _ = item_statistics(look_counts, task.measurement_level)
    order = _completion_order(unit.tolist())
    controls = {str(i) for i in control}
    rules = sorted({str(r) for i in items for r in item_rules[i]})
    out: dict[str, RuleStatus] = {}
    for rule in rules:
        members = {index[i] for i in items if rule in item_rules[i]}
        rows = [k for k in order if k in members]
        control_rows = [k for k in rows if items[k] in controls]
        interval = rule_interval(stats, spec, rows, seed) if intervals else None
        control_interval = rule_interval(stats, spec, control_rows, seed) if intervals else None
        estimate = _alpha(stats, spec, rows)
        looks = look_sizes(len(members), first_look, look_every)
        cuts = boundaries([n / len(members) for n in looks], error_rate, spending)
        if rows:
            alpha, se = null_se(look_stats[rows], spec, target)
        else:
            alpha = se = np.zeros(0)
        decision, decided_at, futile = _decide(alpha, se, target, looks, cuts, futility)
        if rows and len(first_two) < len(unit):  # the current z and se0 read every answer
            alpha, se = null_se(stats[rows], spec, target)
        se_now = float(se[-1]) if len(se) else None
        z = (
            (estimate - target) / se_now
            if estimate is not None and se_now and math.isfinite(se_now)
            else None
        )
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
            else max(
                _more_items(len(rows), estimate, se_now, target, looks, cuts),
                len(members) - len(rows) + 1 if futile else 1,
            ),
            items_left=len(members) - len(rows),
            overlap=overlap,
            decided_at=decided_at,
            z=z,
            futile=futile,
            se0=se_now if se_now is not None and math.isfinite(se_now) else None,
        )
    return out


def _width(status: RuleStatus) -> float:
    """How undetermined a rule is: its standard error at the target (the width of a score interval
    up to a constant); a rule without one (under two completed items) first."""
    return math.inf if status.se0 is None or not math.isfinite(status.se0) else status.se0


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
    rule whose standard error at the target is largest (a rule under two completed items first); within it, items that
    already have answers come first (to complete them), then a seeded order. Decided rules get no
    more items, nor do futile ones. When no undecided rule has a candidate, the rest of the control
    slice is handed out.

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
        if s.decision == "undecided"
        and not s.futile
        and any(r in item_rules[i] for i in free if i not in controls)
    ]
    if open_rules:
        rule = max(open_rules, key=lambda r: (_width(status[r]), -item_rank(seed, f"rule:{r}")))
        return order([i for i in free if i not in controls and rule in item_rules[i]])[0]
    return free_controls[0] if free_controls else None
