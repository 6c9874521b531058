"""The adaptive quiz: a sequential probability ratio test per rule on the item model, with
information-based item choice.

Public API::

    AdaptiveBank(pool, threshold, params=None, confidence=0.95, width=0.1)
    AdaptiveBank.step(answered, min_per_rule=3, max_per_rule=None, max_items=None,
                      seed=0, exposure=None, select_at="cut") -> AdaptiveStep

**The test** (Wald 1947; for IRT mastery testing Reckase 1983, Eggen 1999). Per rule, the mark
``threshold`` is an accuracy on the rule's items; with the item model (2PL or Rasch,
`calibration.adaptive.irt`) it becomes an ability ``θ_cut`` at which the mean probability of a right
answer over the rule's items is the mark. Around it an indifference zone ``[θ0, θ1]``, where the mean
accuracy is ``threshold - width`` and ``threshold + width``: an annotator inside it may be decided
either way. Each answer with credit ``y`` on item ``i`` adds
``y log(P_i(θ1) / P_i(θ0)) + (1 - y) log((1 - P_i(θ1)) / (1 - P_i(θ0)))`` to the rule's log
likelihood ratio; the rule passes when it reaches ``log((1 - β) / α)``, fails at ``log(β / (1 - α))``,
with ``α = β = 1 - confidence``: an annotator at ``θ0`` or below passes with probability at most about
α, one at ``θ1`` or above fails with probability at most about β, whichever items were chosen (the
ratio uses each item's own parameters). Without an item model every item is alike and the test is
the Bernoulli SPRT of accuracy ``threshold - width`` against ``threshold + width``.

**Stopping.** A rule is open while it has had fewer than ``min_per_rule`` items or is undecided,
has unasked items and has had fewer than ``max_per_rule``; the quiz stops when no rule is open or
after ``max_items``. A rule's decision is final from the answer where it had ``min_per_rule``
items and its ratio crossed a boundary: later answers on items it shares with a rule still open
do not reopen it. A rule the test leaves undecided when the quiz stops (its items ran out, or
the quiz reached ``max_items``) is decided by the Beta posterior of its accuracy (prior Beta(1, 1),
`calibration.agreement.decisions`) when that reaches ``confidence`` (0 right of 4 is ``fail`` with
posterior probability 99.97% of an accuracy under 0.8), recorded in ``posterior``; else it stays
``undecided`` (a retake targets it).

**About N items left** adds, over the open rules, the items that reach the boundary the rule leans
to (its ratio's sign) at the mean step of its unasked items, at least its remaining quota, at most
its unasked items. A right answer on a rule leaning to pass never raises it: the distance falls by
the item's step, and the mean step of the items left can fall only when the rule needs more items
than it has, where the count is capped by them. It does go up, by design, after an answer against
the rule's lean: a right answer on a rule leaning to fail moves the fail boundary away (near the
end that is often one more item), and a rule that turns from one side to the other now counts
towards the other boundary. Where feedback is ``at_end`` the page does not show it.

**Selection.** The next item goes to the open rule that has had the fewest items (ties: a seeded
hash), and within it to the unasked item with the most Fisher information ``a² P (1 - P)`` at
``select_at``: ``"cut"`` (the rule's ``θ_cut``, the most informative point for the test and
independent of the answers, so the order reveals nothing about correctness), ``"estimate"`` (the
annotator's current ability on the rule, expected a posteriori; only where feedback is immediate) or
``"none"`` (no model: exposure and hash only). Exposure control (randomesque, Kingsbury & Zara
1989): among the ``top_k`` most informative items the least exposed across annotators is taken.
**Label balance** (issue 14). With the items' gold labels given, the candidates within the rule are
first narrowed to the items whose gold label has been asked on the rule fewer than ``label_slack``
times more than its least asked label (labels with unasked items only). With the default slack 2
no label runs more than two items ahead of another on a rule, so an annotator who answers one label
everywhere is right on at most one item in the number of labels, plus two, and fails the rule
however the labels are spread in the bank; one who answers it mostly fares little better. The
narrowing uses only which items were asked, never the answers, so it reveals nothing about
correctness; a strict turn (slack 1) would let an annotator who trusts their last answer guess the
next item's gold label, with slack 2 the next label is forced only when one label is a whole item
ahead.
Everything is a function of the answers, the seed and the exposure counts; exposure changes as others
take quizzes, so the app persists each chosen item when it is chosen.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from calibration.adaptive.sequential import QuizStep, item_rank
from calibration.errors import DataError
from calibration.sprt import DEFAULT_WIDTH

SelectAt = Literal["cut", "estimate", "none"]
DEFAULT_TOP_K = 3
"""Exposure control: the least exposed of this many most informative items is asked."""
LABEL_SLACK = 2
"""Label balance: within a rule, no gold label is asked more than this many times more than the
rule's least asked label (among labels with items left)."""
_GRID = np.linspace(-6.0, 6.0, 121)


def _expit(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _theta_for(a: np.ndarray, b: np.ndarray, accuracy: float) -> float:
    """The ability at which the mean probability of a right answer over the items is `accuracy`."""
    lo, hi = -12.0, 12.0
    for _ in range(36):  # 24 / 2**36: far finer than any estimate
        mid = (lo + hi) / 2
        if float(np.mean(_expit(a * (mid - b)))) < accuracy:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _thetas(a: np.ndarray, b: np.ndarray, rule: np.ndarray, n_rules: int, targets: np.ndarray) -> np.ndarray:
    """`_theta_for` of every rule and target accuracy at once: (rule, item) pairs in, (rules, targets) out."""
    lo = np.full((n_rules, len(targets)), -12.0)
    hi = np.full((n_rules, len(targets)), 12.0)
    size = np.bincount(rule, minlength=n_rules).astype(float)[:, None]
    for _ in range(36):
        mid = (lo + hi) / 2
        p = _expit(a[:, None] * (mid[rule] - b[:, None]))
        mean = np.stack(
            [np.bincount(rule, weights=p[:, k], minlength=n_rules) for k in range(len(targets))], 1
        )
        below = mean / size < targets[None, :]
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    return (lo + hi) / 2


@dataclass(frozen=True)
class AdaptiveStep(QuizStep):
    """Where an adaptive quiz stands: `QuizStep` and each rule's log likelihood ratio.

    ``items_left`` counts, for each open rule, the items that would reach its nearer boundary if the
    answers kept the current direction, at least its quota.

    Attributes:
        llr: per rule id, the log likelihood ratio so far.
        posterior: the rules the sequential test left undecided when the quiz stopped but the Beta
            posterior decides (`calibration.agreement.decisions`): rule -> (decision, posterior
            probability of that side of the mark).
    """

    llr: dict[str, float]
    posterior: dict[str, tuple[str, float]] = field(default_factory=dict)


class AdaptiveBank:
    """A quiz bank prepared for the adaptive test (module docstring).

    Args:
        pool: item id -> its rules (items that may be asked).
        threshold: the rule mark (accuracy), strictly between 0 and 1.
        params: item id -> (discrimination, difficulty) from the item model; items without one (and
            every item when None) get discrimination 1 and the rule's median difficulty (0 when the
            rule has none), so with no model the test is the Bernoulli SPRT.
        confidence: 1 - α = 1 - β.
        width: half-width of the indifference zone in accuracy.
    """

    def __init__(
        self,
        pool: Mapping[str, Sequence[str]],
        threshold: float,
        *,
        params: Mapping[str, tuple[float, float]] | None = None,
        confidence: float = 0.95,
        width: float = DEFAULT_WIDTH,
    ) -> None:
        if not 0 < threshold < 1:
            raise DataError(f"threshold {threshold} must lie strictly between 0 and 1", hint="e.g. 0.8")
        if not 0.5 < confidence < 1:
            raise DataError(f"confidence {confidence} must lie strictly between 0.5 and 1", hint="e.g. 0.95")
        if not 0 < width < 0.5:
            raise DataError(f"indifference width {width} must lie between 0 and 0.5", hint="e.g. 0.1")
        self.items = list(pool)
        self.index = {item: k for k, item in enumerate(self.items)}
        self.rules = sorted({r for rs in pool.values() for r in rs})
        self.item_rules = [tuple(sorted(set(pool[i]))) for i in self.items]
        self.rule_items: dict[str, list[int]] = {r: [] for r in self.rules}
        for k, rules_ in enumerate(self.item_rules):
            for r in rules_:
                self.rule_items[r].append(k)
        given = params or {}
        a = np.ones(len(self.items))
        b = np.zeros(len(self.items))
        known = np.zeros(len(self.items), dtype=bool)
        for k, item in enumerate(self.items):
            if item in given:
                a[k] = max(float(given[item][0]), 0.05)  # a reversed item still counts, weakly
                b[k] = float(given[item][1])
                known[k] = True
        for rule in self.rules:
            idx = np.array(self.rule_items[rule])
            fitted = idx[known[idx]]
            fill = float(np.median(b[fitted])) if len(fitted) else 0.0
            b[idx[~known[idx]]] = fill
        self.a, self.b = a, b
        self.threshold, self.confidence, self.width = threshold, confidence, width
        low, high = max(threshold - width, 0.01), min(threshold + width, 0.99)
        self.upper = math.log(confidence / (1 - confidence))  # log((1 - β) / α)
        self.lower = -self.upper
        pair_rule = np.array([j for j, r in enumerate(self.rules) for _ in self.rule_items[r]], dtype=int)
        pair_item = np.array([k for r in self.rules for k in self.rule_items[r]], dtype=int)
        thetas = _thetas(
            a[pair_item], b[pair_item], pair_rule, len(self.rules), np.array([low, threshold, high])
        )
        self.cut: dict[str, float] = {r: float(thetas[j, 1]) for j, r in enumerate(self.rules)}
        # per (rule, item) the log ratio of a right and of a wrong answer
        self.step_right: dict[str, np.ndarray] = {}
        self.step_wrong: dict[str, np.ndarray] = {}
        for j, rule in enumerate(self.rules):
            idx = np.array(self.rule_items[rule])
            ra, rb = a[idx], b[idx]
            p0 = _expit(ra * (thetas[j, 0] - rb))
            p1 = _expit(ra * (thetas[j, 2] - rb))
            right, wrong = np.zeros(len(self.items)), np.zeros(len(self.items))
            right[idx] = np.log(p1 / p0)
            wrong[idx] = np.log((1 - p1) / (1 - p0))
            self.step_right[rule], self.step_wrong[rule] = right, wrong

    def information(self, at: float, items: Sequence[int]) -> np.ndarray:
        """Fisher information ``a² P (1 - P)`` of the items at ability `at`."""
        idx = np.asarray(items, dtype=int)
        p = _expit(self.a[idx] * (at - self.b[idx]))
        return self.a[idx] ** 2 * p * (1 - p)

    def _posterior(self, counts: Mapping[str, tuple[int, float]]) -> dict[str, tuple[str, float]]:
        """Rules the Beta posterior (prior Beta(1, 1)) decides at the bank's confidence, with the
        posterior probability of the decided side of the mark."""
        from scipy import special

        out: dict[str, tuple[str, float]] = {}
        for rule, (n, credit) in counts.items():
            if n == 0:
                continue
            above = float(special.betaincc(1 + credit, 1 + n - credit, self.threshold))
            if above >= self.confidence:
                out[rule] = ("pass", above)
            elif 1 - above >= self.confidence:
                out[rule] = ("fail", 1 - above)
        return out

    def _side(self, llr: float) -> str:
        return "pass" if llr >= self.upper else "fail" if llr <= self.lower else "undecided"

    def estimate(self, rule: str, answered: Sequence[tuple[int, float]]) -> float:
        """The annotator's ability on `rule` (EAP, prior N(θ_cut, 1)) from (item index, credit)."""
        mine = [(k, y) for k, y in answered if rule in self.item_rules[k]]
        if not mine:
            return self.cut[rule]
        idx = np.array([k for k, _ in mine])
        y = np.array([v for _, v in mine])[:, None]
        z = self.a[idx][:, None] * (_GRID[None, :] - self.b[idx][:, None])
        log_post = np.sum(y * z - np.logaddexp(0.0, z), axis=0) - 0.5 * (_GRID - self.cut[rule]) ** 2
        w = np.exp(log_post - log_post.max())
        return float(np.sum(w * _GRID) / w.sum())

    def step(
        self,
        answered: Sequence[tuple[str, float]],
        *,
        min_per_rule: int = 3,
        max_per_rule: int | None = None,
        max_items: int | None = None,
        seed: int | str = 0,
        exposure: Mapping[str, int] | None = None,
        select_at: SelectAt = "cut",
        top_k: int = DEFAULT_TOP_K,
        rules: Sequence[str] | None = None,
        labels: Mapping[str, str] | None = None,
        label_slack: int = LABEL_SLACK,
    ) -> AdaptiveStep:
        """The decisions so far and the next item (module docstring).

        Args:
            answered: (item_id, credit) of the answers so far; items outside the pool are ignored.
            min_per_rule, max_per_rule: items a rule gets at least before it may stop, and at most.
            max_items: the quiz stops after this many answers.
            seed: ties between rules and items.
            exposure: how often each item was asked across annotators.
            select_at: where item information is measured: ``cut``, ``estimate`` or ``none``.
            top_k: exposure control, see `DEFAULT_TOP_K`.
            rules: the rules the quiz is on (a retake's targets); None: every rule of the pool.
            labels: item id -> its gold label (label balance, module docstring); None: no balance.
            label_slack: see `LABEL_SLACK`.
        """
        wanted = self.rules if rules is None else [r for r in self.rules if r in set(rules)]
        done = [(self.index[i], float(y)) for i, y in answered if i in self.index]
        asked = {k for k, _ in done}
        n = dict.fromkeys(wanted, 0)
        credit = dict.fromkeys(wanted, 0.0)
        llr = dict.fromkeys(wanted, 0.0)
        final: dict[str, str] = {}
        for k, y in done:
            for rule in self.item_rules[k]:
                if rule in n:
                    n[rule] += 1
                    credit[rule] += y
                    llr[rule] += y * self.step_right[rule][k] + (1 - y) * self.step_wrong[rule][k]
                    if rule not in final and n[rule] >= min_per_rule and self._side(llr[rule]) != "undecided":
                        # the rule stopped here: an item of another rule it shares later never reopens it
                        final[rule] = self._side(llr[rule])
        decisions = {r: final.get(r) or self._side(llr[r]) for r in wanted}
        unasked = {r: [k for k in self.rule_items[r] if k not in asked] for r in wanted}
        cap = max_per_rule if max_per_rule is not None else len(self.items)
        open_rules = [
            r
            for r in wanted
            if unasked[r] and n[r] < cap and (n[r] < min_per_rule or decisions[r] == "undecided")
        ]
        room = len(self.items) - len(asked)
        if max_items is not None:
            room = min(room, max(0, max_items - len(done)))
        left = 0
        for r in open_rules:
            ks = unasked[r]
            if llr[r] >= 0:
                per = float(np.mean(self.step_right[r][ks]))
                need = math.ceil((self.upper - llr[r]) / per) if per > 0 else len(ks)
            else:
                per = float(np.mean(self.step_wrong[r][ks]))
                need = math.ceil((self.lower - llr[r]) / per) if per < 0 else len(ks)
            left += min(max(need, min_per_rule - n[r], 1), len(ks), cap - n[r])
        counts = {r: (n[r], credit[r]) for r in wanted}
        if not open_rules or room == 0:
            # the rules that stop undecided: the Beta posterior decides them when it is that sure
            posterior = self._posterior({r: counts[r] for r in wanted if decisions[r] == "undecided"})
            decisions.update({r: d for r, (d, _) in posterior.items()})
            return AdaptiveStep(None, decisions, [], 0, counts, llr, posterior)
        rule = min(open_rules, key=lambda r: (n[r], item_rank(seed, r)))
        candidates = unasked[rule]
        if labels:
            asked_labels = Counter(labels.get(self.items[k]) for k, _ in done if rule in self.item_rules[k])
            left_labels = {labels.get(self.items[k]) for k in candidates}
            least = min(asked_labels.get(x, 0) for x in left_labels)
            candidates = [
                k
                for k in candidates
                if asked_labels.get(labels.get(self.items[k]), 0) <= least + label_slack - 1
            ]
        if select_at == "none":
            info = np.zeros(len(candidates))
        else:
            at = self.cut[rule] if select_at == "cut" else self.estimate(rule, done)
            info = self.information(at, candidates)
        opened = set(open_rules)
        serves = [len(opened.intersection(self.item_rules[k])) for k in candidates]
        order = sorted(
            range(len(candidates)),
            key=lambda j: (-serves[j], -round(float(info[j]), 9), item_rank(seed, self.items[candidates[j]])),
        )
        seen = exposure or {}
        best = min(
            order[: max(1, top_k)],
            key=lambda j: (seen.get(self.items[candidates[j]], 0), order.index(j)),
        )
        item = self.items[candidates[best]]
        return AdaptiveStep(item, decisions, open_rules, max(1, min(left, room)), counts, llr)
