"""Pass/fail/undecided per rule with stated confidence: a Beta-binomial posterior on the rule accuracy.

Public API::

    decide_rule(credit, n_items, threshold, confidence=0.95, prior=(1, 1)) -> RuleDecision
    decide_rules(per_rule, threshold, confidence=0.95, prior=(1, 1)) -> pd.DataFrame
    overall_decision(decisions) -> "pass" | "fail" | "undecided"
    items_to_decide(credit, n_items, threshold, confidence=0.95, prior=(1, 1), limit=50) -> int | None

The model (docs/adaptive.md): an annotator's accuracy ``p`` on a rule has the prior ``Beta(a, b)``
(``Beta(1, 1)``, uniform, by default); after ``n`` items of which ``k`` were right the posterior is
``Beta(a + k, b + n - k)`` (conjugacy; Gelman et al., *Bayesian Data Analysis*, 3rd ed., 2013, ch. 2).
With partial credit (span items) ``k`` is the summed credit, a fractional count.

The decision, at confidence ``c`` (0.95 by default):

- ``pass`` when ``P(p >= threshold | answers) >= c``;
- ``fail`` when ``P(p < threshold | answers) >= c``;
- ``undecided`` otherwise: more items are needed.

Equivalently, with the equal-tailed ``2c - 1`` credible interval ``[low, high]`` (90% for c = 0.95):
pass when ``low >= threshold``, fail when ``high < threshold``. That interval is what the pages show
beside the decision, instead of a bare percentage on three items.

Error rates: the posterior probability is calibrated whatever the stopping rule (the likelihood
principle; Berger & Wolpert 1988), so among annotators whose accuracies follow the prior, at most
``1 - c`` of the ``pass`` decisions and at most ``1 - c`` of the ``fail`` decisions are wrong, for a
fixed quiz and for an adaptive one that stops as soon as a rule is decided. For one annotator whose
accuracy sits right at the threshold the frequentist rate is higher (docs/adaptive.md gives the
simulated figures); ``tests/agreement/test_decisions.py`` checks the stated rates by simulation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from calibration.errors import DataError

Decision = Literal["pass", "fail", "undecided"]
DEFAULT_CONFIDENCE = 0.95
"""A rule is decided when the posterior probability of its side of the threshold reaches this."""
DEFAULT_PRIOR: tuple[float, float] = (1.0, 1.0)
"""Beta(1, 1): every accuracy equally likely before the first answer."""
DECISION_COLUMNS = ["decision", "p_pass", "acc_low", "acc_high", "n_items", "credit", "threshold"]


@dataclass(frozen=True)
class RuleDecision:
    """The decision on one rule.

    Attributes:
        decision: ``pass``, ``fail`` or ``undecided``.
        p_pass: posterior probability that the accuracy is at least the threshold.
        low, high: the equal-tailed ``2 * confidence - 1`` credible interval of the accuracy.
        n_items, credit: items answered and their summed credit (items right, partial for spans).
        threshold, confidence: what was decided against.
    """

    decision: Decision
    p_pass: float
    low: float
    high: float
    n_items: int
    credit: float
    threshold: float
    confidence: float

    def sentence(self) -> str:
        """E.g. "pass: accuracy 78%-99% (90% interval), P(≥ 80%) = 0.96"."""
        level = 2 * self.confidence - 1
        return (
            f"{self.decision}: accuracy {self.low:.0%}-{self.high:.0%} ({level:.0%} interval), "
            f"P(≥ {self.threshold:.0%}) = {self.p_pass:.2f}"
        )


def _check(n_items: int, credit: float, threshold: float, confidence: float, prior: tuple[float, float]):
    if n_items < 0 or not 0 <= credit <= n_items + 1e-9:
        raise DataError(
            f"credit {credit} out of {n_items} items is not a count of right answers",
            hint="credit must lie between 0 and the number of items",
        )
    if not 0 < threshold < 1:
        raise DataError(f"threshold {threshold} must lie strictly between 0 and 1", hint="e.g. 0.8")
    if not 0.5 < confidence < 1:
        raise DataError(f"confidence {confidence} must lie strictly between 0.5 and 1", hint="e.g. 0.95")
    if min(prior) <= 0:
        raise DataError(f"prior Beta{tuple(prior)} needs two positive parameters", hint="e.g. (1, 1)")


def decide_rule(
    credit: float,
    n_items: int,
    threshold: float,
    *,
    confidence: float = DEFAULT_CONFIDENCE,
    prior: tuple[float, float] = DEFAULT_PRIOR,
) -> RuleDecision:
    """Decide one rule from its items: pass, fail or undecided (module docstring).

    Args:
        credit: items answered right (the summed partial credit for span items).
        n_items: items answered on the rule.
        threshold: the accuracy the rule needs, strictly between 0 and 1.
        confidence: posterior probability a decision needs, in (0.5, 1).
        prior: ``(a, b)`` of the Beta prior on the accuracy.

    Raises:
        DataError: credit outside ``[0, n_items]``, or threshold, confidence or prior out of range.

    Example:
        >>> decide_rule(3, 3, 0.8).decision  # 3 of 3 is not enough evidence for 80%
        'undecided'
        >>> decide_rule(14, 14, 0.8).decision
        'pass'
        >>> decide_rule(0, 3, 0.8).decision
        'fail'
    """
    from scipy import special  # imported on use: scipy is heavy, and the CLI's memory budget is tight

    _check(n_items, credit, threshold, confidence, prior)
    a, b = prior[0] + credit, prior[1] + n_items - credit
    p_pass = float(special.betaincc(a, b, threshold))  # P(p >= threshold) under Beta(a, b)
    low, high = (float(special.betaincinv(a, b, q)) for q in (1 - confidence, confidence))
    if p_pass >= confidence:
        decision: Decision = "pass"
    elif 1 - p_pass >= confidence:
        decision = "fail"
    else:
        decision = "undecided"
    return RuleDecision(decision, p_pass, low, high, int(n_items), float(credit), threshold, confidence)


def decide_rules(
    per_rule: pd.DataFrame,
    threshold: float,
    *,
    confidence: float = DEFAULT_CONFIDENCE,
    prior: tuple[float, float] = DEFAULT_PRIOR,
) -> pd.DataFrame:
    """Decide every rule of a per-rule score table.

    Args:
        per_rule: indexed by rule_id with columns n_items and n_correct, and credit when items earn
            partial credit (`calibration.agreement.gold.GoldScore.per_rule`).

    Returns:
        DataFrame indexed by rule_id with columns decision, p_pass, acc_low, acc_high, n_items,
        credit, threshold (`DECISION_COLUMNS`).
    """
    rows = {}
    for rule, row in per_rule.iterrows():
        credit = row["credit"] if "credit" in per_rule.columns else row["n_correct"]
        d = decide_rule(float(credit), int(row["n_items"]), threshold, confidence=confidence, prior=prior)
        rows[str(rule)] = [d.decision, d.p_pass, d.low, d.high, d.n_items, d.credit, d.threshold]
    out = pd.DataFrame.from_dict(rows, orient="index", columns=DECISION_COLUMNS)
    out.index.name = per_rule.index.name or "rule_id"
    return out.astype({"n_items": int, "p_pass": float, "acc_low": float, "acc_high": float})


def decide_counts(
    credit: np.ndarray,
    n_items: np.ndarray,
    threshold: float,
    *,
    confidence: float = DEFAULT_CONFIDENCE,
    prior: tuple[float, float] = DEFAULT_PRIOR,
) -> np.ndarray:
    """`decide_rule`'s decision for many rules at once (arrays of credit and items; no checks)."""
    from scipy import special  # imported on use, as in decide_rule

    p_pass = special.betaincc(prior[0] + credit, prior[1] + n_items - credit, threshold)
    return np.where(p_pass >= confidence, "pass", np.where(1 - p_pass >= confidence, "fail", "undecided"))


def items_to_decide_counts(
    credit: np.ndarray,
    n_items: np.ndarray,
    threshold: float,
    *,
    confidence: float = DEFAULT_CONFIDENCE,
    prior: tuple[float, float] = DEFAULT_PRIOR,
    limit: int = 50,
) -> np.ndarray:
    """`items_to_decide` for many rules at once; -1 where `limit` more items cannot decide."""
    from scipy import special  # imported on use, as in decide_rule

    extra = np.arange(limit + 1)[None, :]
    a = (prior[0] + np.asarray(credit, dtype=float))[:, None]
    b = (prior[1] + np.asarray(n_items, dtype=float) - np.asarray(credit, dtype=float))[:, None]
    decided = (special.betaincc(a + extra, b, threshold) >= confidence) | (
        special.betainc(a, b + extra, threshold) >= confidence
    )
    return np.where(decided.any(axis=1), decided.argmax(axis=1), -1)


def overall_decision(decisions: Iterable[str]) -> Decision:
    """``fail`` when any rule failed, ``pass`` when every rule (at least one) passed, else ``undecided``."""
    seen = list(decisions)
    if "fail" in seen:
        return "fail"
    if seen and all(d == "pass" for d in seen):
        return "pass"
    return "undecided"


def items_to_decide(
    credit: float,
    n_items: int,
    threshold: float,
    *,
    confidence: float = DEFAULT_CONFIDENCE,
    prior: tuple[float, float] = DEFAULT_PRIOR,
    limit: int = 50,
) -> int | None:
    """The fewest further items that can decide the rule: all right (to pass) or all wrong (to fail).

    This is the optimistic count behind "about N items left"; 0 when already decided, None when
    `limit` more items cannot decide it.
    """
    from scipy import special  # imported on use, as in decide_rule

    _check(n_items, credit, threshold, confidence, prior)
    extra = np.arange(limit + 1)
    a, b = prior[0] + credit, prior[1] + n_items - credit
    pass_p = special.betaincc(a + extra, b, threshold)
    fail_p = special.betainc(a, b + extra, threshold)
    decided = (pass_p >= confidence) | (fail_p >= confidence)
    return int(np.argmax(decided)) if decided.any() else None
