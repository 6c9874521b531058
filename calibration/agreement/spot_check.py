"""Spot-checks of an automated rule: how many model labels a person checks per batch, which ones, and
what the checked labels say.

Public API::

    sampling_plan(baseline_accuracy, target_accuracy, confidence=0.95, false_alarm=0.05) -> SamplingPlan
    spot_check_items(model_answers, plans, item_rules, seed=0, targeted_share=0.5) -> pandas.DataFrame
    review_decisions(reviewed) -> pandas.DataFrame

The plan is a single sampling plan by attributes (Schilling & Neubauer, *Acceptance Sampling in
Quality Control*, 2nd ed. 2009, ch. 5): a person checks ``n`` of the model's labels drawn at random
from the batch and the rule stays automated while at most ``c`` are wrong. ``n`` and ``c`` are the
smallest sample and its acceptance number with

- P(more than c errors | error rate ``1 - target``) >= ``confidence``: a drop to the target accuracy
  is detected with the stated confidence (the consumer's risk is ``1 - confidence``);
- P(more than c errors | error rate ``1 - baseline``) <= ``false_alarm``: a model still as good as
  measured is rarely sent back to people (the producer's risk).

With a baseline of 1 (no error seen) this is the zero-acceptance plan, ``c = 0`` and
``n = ceil(ln(1 - confidence) / ln(target))`` (e.g. 59 labels for a 95% target at 95% confidence).

Only the random draw counts for the decision: it estimates the batch's error rate without bias. The
model's lowest-scored labels (``targeted_share`` of ``n`` more) are checked too, because that is
where its errors gather (they are corrected, and reported, but they would overstate the error rate).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from calibration.errors import DataError
from calibration.responses import ANNOTATOR, ANSWER, ITEM, RULE, SCORE

MAX_SAMPLE = 5000
PLAN_COLUMNS = ["item_id", "rule_id", "model", "model_answer", "score", "selection", "plan_n", "plan_c"]
"""Columns of a spot-check plan table (and of its CSV; reviewers fill ``reviewer_answer``)."""


@dataclass(frozen=True)
class SamplingPlan:
    """A single sampling plan: check ``n`` random labels, keep automating while at most ``c`` are wrong."""

    n: int
    c: int
    baseline_accuracy: float
    target_accuracy: float
    detection: float
    """P(the check finds more than c errors) when the batch's accuracy is the target."""
    false_alarm: float
    """P(the check finds more than c errors) when the batch's accuracy is the baseline."""

    def sentence(self) -> str:
        """The plan in words."""
        return (
            f"check {self.n} random labels per batch and keep automating while at most {self.c} are wrong: "
            f"a drop to {self.target_accuracy:.0%} accuracy is caught with probability {self.detection:.1%}, "
            f"a model still at {self.baseline_accuracy:.0%} is sent back with probability {self.false_alarm:.1%}"
        )


def _check_fraction(name: str, value: float, low: float = 0.0, high: float = 1.0) -> None:
    if not (low < value < high) and not (name == "baseline_accuracy" and value == 1.0):
        raise DataError(f"{name} must be between {low:g} and {high:g}, got {value!r}", hint="e.g. 0.95")


def sampling_plan(
    baseline_accuracy: float, target_accuracy: float, *, confidence: float = 0.95, false_alarm: float = 0.05
) -> SamplingPlan:
    """The smallest single sampling plan that detects a drop to the target with `confidence`.

    Args:
        baseline_accuracy: the model's accuracy on the rule as measured (triage or certification).
        target_accuracy: the accuracy below which the rule must go back to people.
        confidence: probability of detecting a batch at the target accuracy.
        false_alarm: the largest probability of sending back a batch at the baseline accuracy.

    Returns:
        The `SamplingPlan`.

    Raises:
        DataError: a value outside (0, 1), a baseline not above the target (nothing to tell apart),
            or no plan within `MAX_SAMPLE` labels (baseline and target too close).

    Example:
        >>> plan = sampling_plan(1.0, 0.95)
        >>> (plan.n, plan.c)
        (59, 0)
    """
    # lazy: scipy.stats takes ~0.6 s to import and only the sampling plan needs it
    from scipy.stats import binom

    _check_fraction("baseline_accuracy", baseline_accuracy)
    _check_fraction("target_accuracy", target_accuracy)
    _check_fraction("confidence", confidence)
    _check_fraction("false_alarm", false_alarm)
    if baseline_accuracy <= target_accuracy:
        raise DataError(
            f"the model's accuracy {baseline_accuracy:.3f} is not above the target {target_accuracy:.3f}, "
            "so no check can tell a drop from its normal errors",
            hint="keep people on this rule, or lower the target",
        )
    bad, good = 1 - target_accuracy, 1 - baseline_accuracy
    c = 0
    n = max(1, math.ceil(math.log(1 - confidence) / math.log(target_accuracy)))
    while n <= MAX_SAMPLE:
        # the smallest n at this c that detects the drop, then check the false-alarm rate
        while n <= MAX_SAMPLE and binom.sf(c, n, bad) < confidence:
            n += 1
        if n > MAX_SAMPLE:
            break
        alarm = float(binom.sf(c, n, good))
        if alarm <= false_alarm:
            return SamplingPlan(n, c, baseline_accuracy, target_accuracy, float(binom.sf(c, n, bad)), alarm)
        c += 1
    raise DataError(
        f"no plan of at most {MAX_SAMPLE} labels tells {baseline_accuracy:.3f} from {target_accuracy:.3f} "
        f"at {confidence:.0%} confidence with at most {false_alarm:.0%} false alarms",
        hint="lower the target, or accept more false alarms",
    )


def spot_check_items(
    model_answers: pd.DataFrame,
    plans: dict[str, SamplingPlan],
    item_rules: pd.DataFrame,
    *,
    seed: int = 0,
    targeted_share: float = 0.5,
) -> pd.DataFrame:
    """The labels a person checks in one batch, per automated rule.

    Args:
        model_answers: the model's canonical responses on the batch (one annotator; ``score`` optional).
        plans: the `SamplingPlan` per rule_id to check (rules not listed are not sampled).
        item_rules: item_id, rule_id.
        seed: random seed of the draw.
        targeted_share: lowest-scored labels to add, as a share of ``n`` (only when scores exist).

    Returns:
        A DataFrame with `PLAN_COLUMNS`: ``selection`` is ``random`` (counts for the decision) or
        ``lowest score``; random rows first, per rule in rule order. A rule with fewer labels in the
        batch than ``n`` has every label checked.
    """
    rng = np.random.default_rng(seed)
    rows: list[dict[str, Any]] = []
    scores = model_answers[SCORE] if SCORE in model_answers else pd.Series(np.nan, index=model_answers.index)
    frame = model_answers.assign(**{SCORE: scores.astype(float)})
    for rule in sorted(plans):
        plan = plans[rule]
        on_rule = frame[frame[ITEM].isin(set(item_rules.loc[item_rules[RULE].eq(rule), ITEM]))]
        on_rule = on_rule.drop_duplicates(ITEM).reset_index(drop=True)
        if on_rule.empty:
            continue
        picked = rng.choice(len(on_rule), size=min(plan.n, len(on_rule)), replace=False)
        chosen = on_rule.iloc[np.sort(picked)]
        rest = on_rule.drop(index=chosen.index)
        extra = rest[rest[SCORE].notna()].sort_values([SCORE, ITEM]).head(round(plan.n * targeted_share))
        for selection, part in (("random", chosen), ("lowest score", extra)):
            for row in part.itertuples(index=False):
                score = getattr(row, SCORE)
                rows.append(
                    {
                        "item_id": getattr(row, ITEM),
                        "rule_id": rule,
                        "model": getattr(row, ANNOTATOR),
                        "model_answer": getattr(row, ANSWER),
                        "score": None if score != score else float(score),
                        "selection": selection,
                        "plan_n": plan.n,
                        "plan_c": plan.c,
                    }
                )
    return pd.DataFrame(rows, columns=PLAN_COLUMNS)


REVIEW_COLUMNS = ["checked", "errors", "plan_n", "plan_c", "targeted_checked", "targeted_errors", "decision"]


def review_decisions(reviewed: pd.DataFrame) -> pd.DataFrame:
    """Each rule's decision from a reviewed spot-check (the plan table with ``reviewer_answer``).

    A label is wrong when the reviewer's answer differs from the model's. Only the random draw
    decides: ``keep automating`` while its errors are at most ``plan_c``; ``back to people`` when
    they exceed it; ``check not finished`` while fewer than ``plan_n`` random labels are reviewed
    (and the errors so far do not already exceed ``plan_c``).

    Returns:
        A DataFrame indexed by rule_id with `REVIEW_COLUMNS`.

    Raises:
        DataError: a column of the plan or ``reviewer_answer`` is missing.
    """
    missing = [
        c
        for c in ("rule_id", "model_answer", "selection", "plan_n", "plan_c", "reviewer_answer")
        if c not in reviewed
    ]
    if missing:
        raise DataError(
            f"the reviewed spot-check lacks the column(s) {', '.join(missing)}",
            hint="fill in the reviewer_answer column of the plan written by spot-check-plan",
        )
    done = reviewed[reviewed["reviewer_answer"].map(_answered)]
    wrong = pd.Series(
        [_text(r) != _text(m) for r, m in zip(done["reviewer_answer"], done["model_answer"], strict=True)],
        index=done.index,
        dtype=bool,
    )
    rows = {}
    for rule, plan in reviewed.groupby("rule_id", sort=True):
        n, c = int(plan["plan_n"].iloc[0]), int(plan["plan_c"].iloc[0])
        mine = done["rule_id"].eq(rule)
        random = mine & done["selection"].eq("random")
        targeted = mine & ~done["selection"].eq("random")
        errors = int(wrong[random].sum())
        planned = int(plan["selection"].eq("random").sum())
        if errors > c:
            decision = "back to people"
        elif int(random.sum()) < min(n, planned):
            decision = "check not finished"
        else:
            decision = "keep automating"
        rows[str(rule)] = {
            "checked": int(random.sum()),
            "errors": errors,
            "plan_n": n,
            "plan_c": c,
            "targeted_checked": int(targeted.sum()),
            "targeted_errors": int(wrong[targeted].sum()),
            "decision": decision,
        }
    return pd.DataFrame.from_dict(rows, orient="index", columns=REVIEW_COLUMNS).rename_axis(RULE)


def _answered(value: Any) -> bool:
    return value is not None and value == value and str(value).strip() != ""


def _text(value: Any) -> str:
    """An answer compared as text (canonical answers are compared as they are: same value, same text)."""
    if isinstance(value, list | tuple | frozenset | set):
        return "|".join(sorted(_text(v) for v in value))
    return str(value).strip()
