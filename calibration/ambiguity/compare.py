"""Before and after: per-rule agreement and gold accuracy of two piloted versions, with intervals of the change.

For every rule piloted in both versions the comparison reports the agreement and the gold accuracy
in each version and a 95% bootstrap interval of the DIFFERENCE (after minus before). Items are
resampled within each version independently (the two pilots are independent samples of items;
Efron & Tibshirani 1993, ch. 8), with the engine's seeded Poisson weights
(`calibration.agreement.bootstrap`). The verdict is ``improved`` when the interval lies above zero,
``worse`` when it lies below, ``unchanged`` otherwise.

Annotators: when at least two annotators answered in both versions, only their answers are compared
(``annotators`` in the figures says which), so a careless annotator leaving, or a new one joining,
is not mistaken for an effect of the rewrite. When the interval of an ``unchanged`` rule is so wide
that a change of `DETECTABLE` could hide in it, the verdict is ``not_enough_items`` and the figures
say how many items per version would do (``items_needed``, from the 1/sqrt(n) width of the interval).

The kappa paradox (Feinstein & Cicchetti 1990): when one answer dominates a rule in either version,
kappa/alpha can fall while annotators agree more. Such rules are judged by Gwet's AC1 (Gwet 2008),
which does not collapse under skewed prevalence, so a rule whose raw agreement rose sharply is not
marked worse because its alpha fell. All coefficients come from `calibration.agreement.coefficients`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from calibration.agreement.bootstrap import percentile_interval, replicate_sums
from calibration.agreement.coefficients import item_statistics, statistics_from_sums
from calibration.agreement.structured import unitize
from calibration.ambiguity.queue import STATISTIC, Pilot
from calibration.ambiguity.signals import SKEW_SHARE, _plain, answer_distribution, rule_responses
from calibration.errors import DataError, NotFoundError
from calibration.guidelines.diff import diff_guidelines
from calibration.guidelines.model import Label, Task
from calibration.responses import ANNOTATOR, ANSWER, ITEM

Verdict = Literal["improved", "unchanged", "worse", "not_enough_items"]
ROBUST_STATISTIC = "gwet_ac1"
DETECTABLE = 0.2  # a change this large must be told apart: wider half-intervals give "not_enough_items"


@dataclass(frozen=True)
class RuleComparison:
    """One rule before and after.

    Attributes:
        rule_id: the rule (ids are stable across versions).
        statistic: the agreement statistic judged (`krippendorff_alpha`, or `gwet_ac1` when prevalence skews).
        before, after: that statistic in each version (NaN when undefined).
        difference: after minus before.
        ci95: bootstrap interval of the difference (NaN, NaN when it cannot be estimated).
        verdict: improved, unchanged, worse, or not_enough_items (the interval is too wide to tell;
            ``figures["items_needed"]`` says how many items per version would do).
        figures: every statistic per version (percent agreement, alpha, AC1, dominant share, items).
        gold_before, gold_after, gold_difference, gold_ci95: accuracy against gold and its change.
        gold_verdict: improved, unchanged or worse for the gold accuracy (unchanged without gold).
        text_changed: the rule's content changed between the versions (from the guideline diff).
        skewed: one answer dominates the rule in either version.
    """

    rule_id: str
    statistic: str
    before: float
    after: float
    difference: float
    ci95: tuple[float, float]
    verdict: Verdict
    figures: dict[str, Any]
    gold_before: float
    gold_after: float
    gold_difference: float
    gold_ci95: tuple[float, float]
    gold_verdict: Verdict
    text_changed: bool
    skewed: bool

    def to_dict(self) -> dict[str, Any]:
        """``{"rule_id", "before", "after", "difference", "ci95", "verdict", ...}`` as `calibration compare --json`.

        Beyond the six keys of the issue: ``statistic``, ``text_changed``, ``skewed_prevalence``,
        ``gold_accuracy`` (before, after, difference, ci95) and ``figures``.
        """
        return _plain(
            {
                "rule_id": self.rule_id,
                "before": self.before,
                "after": self.after,
                "difference": self.difference,
                "ci95": list(self.ci95),
                "verdict": self.verdict,
                "statistic": self.statistic,
                "text_changed": self.text_changed,
                "skewed_prevalence": self.skewed,
                "gold_accuracy": {
                    "before": self.gold_before,
                    "after": self.gold_after,
                    "difference": self.gold_difference,
                    "ci95": list(self.gold_ci95),
                    "verdict": self.gold_verdict,
                },
                "figures": self.figures,
            }
        )


@dataclass(frozen=True)
class Comparison:
    """The rule-by-rule comparison of two pilots; `rules` in guideline order (changed rules first)."""

    before_ref: str
    after_ref: str
    rules: tuple[RuleComparison, ...]
    changed_rule_ids: tuple[str, ...]

    def rule(self, rule_id: str) -> RuleComparison:
        """The comparison of one rule.

        Raises:
            NotFoundError: the rule was not piloted in both versions.
        """
        for entry in self.rules:
            if entry.rule_id == rule_id:
                return entry
        raise NotFoundError(
            f"rule {rule_id!r} was not piloted in both versions",
            hint=f"compared rules: {', '.join(r.rule_id for r in self.rules)}",
        )

    def to_dict(self) -> dict[str, Any]:
        """``{"rules": [...], "before", "after", "changed_rule_ids"}``."""
        return {
            "rules": [entry.to_dict() for entry in self.rules],
            "before": self.before_ref,
            "after": self.after_ref,
            "changed_rule_ids": list(self.changed_rule_ids),
        }

    def table(self) -> pd.DataFrame:
        """One row per rule (index rule_id): statistic, before, after, difference, ci_low, ci_high, verdict,
        gold_before, gold_after, gold_difference, gold_verdict, text_changed."""
        rows = [
            {
                "rule_id": r.rule_id,
                "statistic": r.statistic,
                "before": r.before,
                "after": r.after,
                "difference": r.difference,
                "ci_low": r.ci95[0],
                "ci_high": r.ci95[1],
                "verdict": r.verdict,
                "gold_before": r.gold_before,
                "gold_after": r.gold_after,
                "gold_difference": r.gold_difference,
                "gold_verdict": r.gold_verdict,
                "text_changed": r.text_changed,
            }
            for r in self.rules
        ]
        return pd.DataFrame(rows).set_index("rule_id") if rows else pd.DataFrame()


# --------------------------------------------------------------------------- per-item sufficient statistics


def _comparison_task(before: Pilot, after: Pilot) -> Task:
    """The task both pilots are encoded with (same categories in both): the newer guideline's, else the
    older's, else a single-label task over the answers seen in either pilot."""
    for pilot in (after, before):
        if pilot.guideline is not None:
            return pilot.guideline.task
    for pilot in (after, before):
        if pilot.declared_task is not None and pilot.declared_task.type != "single_label":
            return pilot.declared_task
    observed = sorted({str(a) for a in pd.concat([before.responses[ANSWER], after.responses[ANSWER]])})
    return Task(type="single_label", labels=[Label(id=a, name=a) for a in observed])


def _agreement_rows(mine: pd.DataFrame, task: Task) -> tuple[np.ndarray, Any]:
    """Per-item agreement sufficient statistics (rows = items) and their spec, from the engine.

    Answers are unitized as the agreement engine does (`calibration.agreement.structured.unitize`:
    items for label choices, item x label or item x character units for multi-label and span tasks),
    then the units of one item are summed into one row, because items are the resampling clusters.
    """
    level = "ordinal" if task.type == "ranking" else task.measurement_level
    encoded = unitize(mine, task)
    stats, spec = item_statistics(encoded.counts(), level)  # type: ignore[arg-type]
    per_item = np.zeros((encoded.n_items, stats.shape[1]))
    np.add.at(per_item, encoded.unit_items, stats)
    return per_item, spec


def _gold_rows(mine: pd.DataFrame, gold: pd.Series) -> np.ndarray:
    """Per item (with gold): answers and correct answers, the sums behind accuracy."""
    scored = mine[mine[ITEM].isin(gold.index)]
    if scored.empty:
        return np.zeros((0, 2))
    correct = np.array([a == gold[i] for i, a in zip(scored[ITEM], scored[ANSWER], strict=True)], dtype=float)
    frame = pd.DataFrame({"item": scored[ITEM].to_numpy(), "n": 1.0, "correct": correct})
    return frame.groupby("item")[["n", "correct"]].sum().to_numpy()


def _dominant_share(mine: pd.DataFrame) -> float:
    counts = answer_distribution(mine[ANSWER])
    total = sum(counts.values())
    return max(counts.values()) / total if total else float("nan")


def _verdict(interval: tuple[float, float], detectable: float | None = None) -> Verdict:
    low, high = interval
    if np.isnan(low) or np.isnan(high):
        return "unchanged" if detectable is None else "not_enough_items"
    if low > 0:
        return "improved"
    if high < 0:
        return "worse"
    if detectable is not None and (high - low) / 2 > detectable:
        return "not_enough_items"
    return "unchanged"


def items_needed(interval: tuple[float, float], n_items: int, detectable: float = DETECTABLE) -> int | None:
    """Items per version for the interval's half-width to reach `detectable` (width ~ 1/sqrt(n))."""
    low, high = interval
    if np.isnan(low) or np.isnan(high) or n_items <= 0:
        return None
    half = (high - low) / 2
    if half <= detectable:
        return n_items
    return int(np.ceil(n_items * (half / detectable) ** 2))


def common_annotators(before: Pilot, after: Pilot) -> list[str]:
    """Annotators who answered in both versions (sorted)."""
    return sorted(set(before.responses[ANNOTATOR].astype(str)) & set(after.responses[ANNOTATOR].astype(str)))


def _restricted(pilot: Pilot, annotators: list[str]) -> Pilot:
    keep = pilot.responses[ANNOTATOR].astype(str).isin(annotators)
    return Pilot(pilot.responses[keep], pilot.item_rules, pilot.gold, pilot.guideline, pilot.declared_task)


def _interval(replicates: np.ndarray) -> tuple[float, float]:
    found = percentile_interval(replicates)
    return (float("nan"), float("nan")) if found is None else (found[0], found[1])


# --------------------------------------------------------------------------- comparison


def _ref(pilot: Pilot, fallback: str) -> str:
    return pilot.guideline.ref if pilot.guideline is not None else fallback


def _changed_rules(before: Pilot, after: Pilot) -> tuple[str, ...]:
    if before.guideline is None or after.guideline is None:
        return ()

    return tuple(diff_guidelines(before.guideline, after.guideline).changed_rule_ids)


def compare_versions(
    before: Pilot,
    after: Pilot,
    *,
    bootstrap: int = 1000,
    seed: int = 0,
    skew_share: float = SKEW_SHARE,
) -> Comparison:
    """Compare two pilots rule by rule: agreement and gold accuracy, each with a bootstrap CI of the change.

    Args:
        before, after: the two piloted versions (`Pilot.of(guideline, responses, item_rules, gold)`).
        bootstrap: replicates per version.
        seed: the before-version's weights use `seed`, the after-version's ``seed + 1`` (independent).
        skew_share: dominant-answer share above which a rule is judged by AC1 instead of alpha.

    Returns:
        A `Comparison` over the rules answered in both pilots.

    Raises:
        DataError: no rule was piloted in both versions.
    """
    rule_ids = [r for r in after.rule_ids if r in set(before.rule_ids)]
    common = common_annotators(before, after)
    everyone = sorted(
        set(before.responses["annotator_id"].astype(str)) | set(after.responses["annotator_id"].astype(str))
    )
    if len(common) >= 2 and len(common) < len(everyone):
        before, after = _restricted(before, common), _restricted(after, common)
        annotators = {"compared": "common", "names": common, "left_out": sorted(set(everyone) - set(common))}
    else:
        annotators = {"compared": "all", "names": everyone, "left_out": []}
    if not rule_ids:
        raise DataError(
            "no rule was piloted in both versions",
            hint="rule ids must stay the same across versions; check the item-to-rule maps",
        )
    task = _comparison_task(before, after)
    parts: dict[str, dict[str, Any]] = {}
    replicates: dict[str, list[np.ndarray]] = {}
    for name, pilot, offset in (("before", before, 0), ("after", after, 1)):
        blocks, specs = [], []
        for rule_id in rule_ids:
            mine = rule_responses(pilot.responses, pilot.item_rules, rule_id)
            rows, spec = _agreement_rows(mine, task)
            blocks += [rows, _gold_rows(mine, pilot.gold)]
            specs.append(spec)
            parts.setdefault(rule_id, {})[name] = (rows, spec, blocks[-1], _dominant_share(mine))
        replicates[name] = replicate_sums(blocks, bootstrap, seed + offset)
    changed = _changed_rules(before, after)
    entries = []
    for index, rule_id in enumerate(rule_ids):
        figures: dict[str, Any] = {}
        point: dict[str, dict[str, float]] = {}
        boot: dict[str, dict[str, np.ndarray]] = {}
        gold_point: dict[str, float] = {}
        gold_boot: dict[str, np.ndarray] = {}
        for name in ("before", "after"):
            rows, spec, gold_rows, share = parts[rule_id][name]
            values = statistics_from_sums(rows.sum(axis=0), spec)
            point[name] = {k: float(v) for k, v in values.items()}
            boot[name] = statistics_from_sums(replicates[name][2 * index], spec)
            with np.errstate(divide="ignore", invalid="ignore"):
                totals = gold_rows.sum(axis=0) if len(gold_rows) else np.zeros(2)
                gold_point[name] = totals[1] / totals[0] if totals[0] else float("nan")
                sums = replicates[name][2 * index + 1]
                gold_boot[name] = np.where(
                    sums[:, 0] > 0, sums[:, 1] / np.where(sums[:, 0] > 0, sums[:, 0], 1), np.nan
                )
            figures[name] = {
                "n_items": int((rows[:, 1] > 0).sum()),
                "percent_agreement": point[name]["percent_agreement"],
                "krippendorff_alpha": point[name]["krippendorff_alpha"],
                "gwet_ac1": point[name]["gwet_ac1"],
                "dominant_share": share,
                "gold_accuracy": gold_point[name],
            }
        skewed = any(parts[rule_id][n][3] >= skew_share for n in ("before", "after"))
        statistic = ROBUST_STATISTIC if skewed else STATISTIC
        difference = point["after"][statistic] - point["before"][statistic]
        ci = _interval(boot["after"][statistic] - boot["before"][statistic])
        gold_ci = _interval(gold_boot["after"] - gold_boot["before"])
        verdict = _verdict(ci, DETECTABLE)
        figures["annotators"] = annotators
        n_small = min(figures["before"]["n_items"], figures["after"]["n_items"])
        figures["items_needed"] = items_needed(ci, n_small) if verdict == "not_enough_items" else None
        entries.append(
            RuleComparison(
                rule_id=rule_id,
                statistic=statistic,
                before=point["before"][statistic],
                after=point["after"][statistic],
                difference=difference,
                ci95=ci,
                verdict=verdict,
                figures=figures,
                gold_before=gold_point["before"],
                gold_after=gold_point["after"],
                gold_difference=gold_point["after"] - gold_point["before"],
                gold_ci95=gold_ci,
                gold_verdict=_verdict(gold_ci),
                text_changed=rule_id in changed,
                skewed=skewed,
            )
        )
    return Comparison(_ref(before, "before"), _ref(after, "after"), tuple(entries), changed)
