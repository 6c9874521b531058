"""Before and after: per-rule agreement and gold accuracy of two piloted versions, with the change's verdict.

The agreement verdict is a test of each item's majority share (the share of its answers that agree
with its most common answer), paired by item when the same items were piloted in both versions (a
paired t test: item difficulty cancels, and the label mix being the same, the kappa paradox cannot
fool it), Welch's test on the per-item values otherwise (`change_test`). Each version's percent
agreement, alpha and AC1 are reported in the figures, from `calibration.agreement.coefficients`.

Two looks, one error rate: the first look calls a rule ``improved`` past z = 2.24 (one-sided 1.25%,
`FIRST_LOOK_ALPHA`), ``worse`` below -2.24, ``not_enough_items`` when a change of `DETECTABLE` could
hide in the interval (or fewer than MIN_ITEMS items were tested), with ``items_needed`` and
``more_items`` from conditional power (`items_needed`: power POWER at the change of DETECTABLE, or the
larger one seen, with the per-item spread at its SPREAD_CONFIDENCE upper confidence limit;
``too_small_to_tell`` past REALISTIC_ITEMS, said in words by `follow_up_advice`), else ``unchanged``.
The follow-up pilots the new items in both versions and calls `compare_versions` on them with
``first_look=``: the two looks' z values are combined with fixed equal weights (inverse normal
combination, Lehmacher & Wassmer 1999) against `follow_up_boundary`, so both looks together call at most `ALPHA` (2.5%) of unchanged
rules improved, however many follow-up items were piloted.

Not rewritten, not improved: when both pilots carry their guideline and its labels and task did not
change, a rule whose content did not change (`text_changed` false) cannot be ``improved`` or
``worse`` by the rewrite; a change the test finds there is ``rose_text_unchanged`` /
``fell_text_unchanged`` (`rewrite_verdict`: the annotators, the items or other rules changed, or
chance), and the test's own verdict stays in ``figures["test_verdict"]`` (the gold accuracy's in
``figures["gold_test_verdict"]``).

Annotators: when at least two annotators answered in both versions, only their answers are compared
(``annotators`` in the figures says which), so a careless annotator leaving, or a new one joining,
is not mistaken for an effect of the rewrite; and the test counts matched answers only (`_matched`):
on the same items, each item's majority share over the annotators who answered that item in both
versions; on different items, each annotator thinned to the share of the rule's items they covered in
both, so an annotator who quits early in one version does not move it either. Who was compared is said in
words (`annotators_compared`), and when most of a version's disagreement on a rule came from the annotators
left out, so is what the verdict cannot tell (`left_out_note`: a second reading held by an annotator who
left goes with them, and the rewrite's effect on it cannot be seen). Gold accuracy keeps a
95% bootstrap interval of the difference, items resampled within each version with the engine's
seeded Poisson weights (`calibration.agreement.bootstrap`; Efron & Tibshirani 1993, ch. 8).
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import integrate, optimize, stats

from calibration.agreement.bootstrap import percentile_interval, replicate_sums
from calibration.agreement.coefficients import item_statistics, statistics_from_sums
from calibration.agreement.structured import unitize
from calibration.ambiguity.signals import (
    MIN_ITEMS,
    SKEW_SHARE,
    _plain,
    answer_distribution,
    rule_entry,
    rule_responses,
)
from calibration.ambiguity.structure import dissent_shares
from calibration.errors import DataError
from calibration.guidelines.diff import diff_guidelines
from calibration.guidelines.model import Label, Task
from calibration.responses import ANNOTATOR, ANSWER, ITEM, Annotations

Verdict = Literal[
    "improved", "unchanged", "worse", "not_enough_items", "rose_text_unchanged", "fell_text_unchanged"
]
# A rule whose text did not change between the guideline versions (labels and task unchanged too) cannot
# be improved or worsened by the rewrite: a change the test finds there is the annotators', the items' or
# other rules' doing (or chance), and is said so (`rewrite_verdict`); the test's own verdict stays in
# ``figures["test_verdict"]``.
NOT_REWRITTEN = {"improved": "rose_text_unchanged", "worse": "fell_text_unchanged"}
NOT_REWRITTEN_WORDS = (
    "the rule's text is unchanged, so this is not the rewrite's doing: the annotators, the items or "
    "other rules changed, or chance"
)
TEST_STATISTIC = "majority_share"  # per item: the share of answers agreeing with its most common answer
DETECTABLE = 0.05  # a change of majority share this large must be told apart (else "not_enough_items")
ALPHA = 0.025  # one-sided error per direction over both looks (false "improved" at most 2.5%)
FIRST_LOOK_ALPHA = 0.0125  # the part of ALPHA spent at the first look; the follow-up look gets the rest
# items_needed: the follow-up's power at the change the first look saw (or DETECTABLE), on a pessimistic spread
# (SPREAD_CONFIDENCE); 0.90, not 0.85, because a first look that overstates the change sizes its
# follow-up short (the benchmark's design seeds 100-119: 87-100% of the fixes of true effect >= DETECTABLE
# found at 0.85)
POWER = 0.90


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
            ``figures["items_needed"]`` says how many items per version would do, and
            ``figures["too_small_to_tell"]`` whether that is more than a pilot of realistic size);
            rose_text_unchanged / fell_text_unchanged where the test says improved / worse but the
            rule was not rewritten (`rewrite_verdict`; the test's verdict is ``figures["test_verdict"]``).
        figures: every statistic per version (percent agreement, alpha, AC1, dominant share, items).
        gold_before, gold_after, gold_difference, gold_ci95: accuracy against gold and its change.
        gold_verdict: improved, unchanged or worse for the gold accuracy (unchanged without gold;
            rose_text_unchanged / fell_text_unchanged as `verdict`, the interval's own verdict in
            ``figures["gold_test_verdict"]``).
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
        return rule_entry(
            self.rules, rule_id, missing="was not piloted in both versions", listed="compared rules"
        )

    def to_dict(self) -> dict[str, Any]:
        """``{"rules": [...], "before", "after", "changed_rule_ids"}``."""
        return {
            "rules": [entry.to_dict() for entry in self.rules],
            "before": self.before_ref,
            "after": self.after_ref,
            "changed_rule_ids": list(self.changed_rule_ids),
        }

    def first_look_json(self) -> str:
        """The JSON a follow-up reads as its first look (``compare_versions(first_look=...)``,
        ``calibration compare --first-look FILE``): ``{"rules": [...], "before", "after"}`` (the
        versions' refs, checked by the follow-up), as ``calibration compare --json``."""
        data = self.to_dict()
        return json.dumps(
            {"rules": data["rules"], "before": data["before"], "after": data["after"]},
            indent=2,
            ensure_ascii=False,
        )

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


def _comparison_task(before: Annotations, after: Annotations) -> Task:
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


def _agreement_rows(mine: pd.DataFrame, task: Task) -> tuple[np.ndarray, Any, pd.Series]:
    """Per-item agreement sufficient statistics (rows = items) and their spec, from the engine, and
    each item's majority share (`TEST_STATISTIC`).

    Answers are unitized as the agreement engine does (`calibration.agreement.structured.unitize`:
    items for label choices, item x label or item x character units for multi-label and span tasks),
    then the units of one item are summed into one row, because items are the resampling clusters.
    An item's majority share is the mean over its units with two or more answers of the share of the
    answers that agree with the unit's most common answer.
    """
    level = "ordinal" if task.type == "ranking" else task.measurement_level
    encoded = unitize(mine, task)
    counts = np.asarray(encoded.counts(), dtype=float)
    unit_stats, spec = item_statistics(counts, level)  # type: ignore[arg-type]
    per_item = np.zeros((encoded.n_items, unit_stats.shape[1]))
    np.add.at(per_item, encoded.unit_items, unit_stats)
    answers = counts.sum(axis=1)
    pairable = answers >= 2
    share = np.zeros(encoded.n_items)
    units = np.zeros(encoded.n_items)
    np.add.at(share, encoded.unit_items[pairable], counts[pairable].max(axis=1) / answers[pairable])
    np.add.at(units, encoded.unit_items[pairable], 1.0)
    keep = units > 0
    majority = pd.Series(share[keep] / units[keep], index=pd.Index(encoded.items)[keep], dtype=float)
    return per_item, spec, majority


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


def _verdict(interval: tuple[float, float]) -> Verdict:
    low, high = interval
    if np.isnan(low) or np.isnan(high):
        return "unchanged"
    if low > 0:
        return "improved"
    if high < 0:
        return "worse"
    return "unchanged"


def common_annotators(before: Annotations, after: Annotations) -> list[str]:
    """Annotators who answered in both versions (sorted)."""
    return sorted(set(before.responses[ANNOTATOR].astype(str)) & set(after.responses[ANNOTATOR].astype(str)))


def _restricted(pilot: Annotations, annotators: list[str]) -> Annotations:
    keep = pilot.responses[ANNOTATOR].astype(str).isin(annotators)
    return pilot.with_responses(pilot.responses[keep])


def _interval(replicates: np.ndarray) -> tuple[float, float]:
    found = percentile_interval(replicates)
    return (float("nan"), float("nan")) if found is None else (found[0], found[1])


# --------------------------------------------------------------------------- the paired test of the change


@dataclass(frozen=True)
class ChangeTest:
    """The test of one rule's change in per-item majority share at one look.

    Attributes:
        design: ``paired`` (the items answered in both versions: each item's after-minus-before
            agreement, so item difficulty cancels) or ``unpaired`` (too few shared items: Welch).
        n_items: items in the test (paired items, or the smaller version's items).
        before, after: mean per-item majority share of the tested items in each version.
        difference: after minus before.
        se: its standard error; df: degrees of freedom of the t statistic.
        z: the one-sided t statistic as a standard normal quantile (``Phi^-1(F_t(t))``): above 0 for
            an increase; the follow-up combines the looks' z values.
        sd: the standard deviation of one item's difference (plans the follow-up's size).
    """

    design: str
    n_items: int
    before: float
    after: float
    difference: float
    se: float
    df: float
    z: float
    sd: float

    @property
    def undecidable(self) -> bool:
        """No verdict can rest on this look: every item moved by the same nonzero amount (sd 0 makes
        a z of +-8 from nothing) or the z is not a number."""
        return (not self.sd > 0 and self.difference != 0) or not np.isfinite(self.z)

    def to_dict(self) -> dict[str, Any]:
        return {
            "design": self.design,
            "n_items": self.n_items,
            "difference": self.difference,
            "se": self.se,
            "df": self.df,
            "z": self.z,
            "sd": self.sd,
        }


def _z_of_t(t: float, df: float) -> float:
    """The standard normal quantile with the same one-sided tail as a t statistic (both tails kept)."""
    if np.isinf(t):
        return float(np.sign(t) * 8.0)
    return float(np.clip(stats.norm.isf(stats.t.sf(t, df)), -8.0, 8.0))


def _paired(before: pd.Index, after: pd.Index) -> bool:
    """The paired design: at least three items, and at least half of the smaller version's items,
    were answered in both versions (`change_test`)."""
    shared = len(before.intersection(after))
    return shared >= 3 and 2 * shared >= min(len(before), len(after))


def _matched(
    before: pd.DataFrame, after: pd.DataFrame, paired: bool, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One rule's answers in both versions, cut to the same annotators in the same proportions, so that a
    change of who answered what (an annotator who quits early in one version) cannot move the test.

    Paired design: each shared item keeps only the answers of the annotators who answered THAT item in
    both versions. Unpaired design: only the annotators who answered the rule in both versions are kept,
    and in the version where one of them covered the larger share of the rule's items, their answers are
    thinned (a seeded random subset of their items) to the share they covered in the other version, so
    each annotator contributes to the same share of items in both. With fewer than two annotators in
    both versions the answers are compared as they are (nothing to match)."""
    who_b, who_a = before[ANNOTATOR].astype(str), after[ANNOTATOR].astype(str)
    both = sorted(set(who_b) & set(who_a))
    if len(both) < 2:
        return before, after
    if paired:
        pairs_b = before[ITEM].astype(str) + "\x1f" + who_b
        pairs_a = after[ITEM].astype(str) + "\x1f" + who_a
        kept = set(pairs_b) & set(pairs_a)
        return before[pairs_b.isin(kept)], after[pairs_a.isin(kept)]
    before, after = before[who_b.isin(both)], after[who_a.isin(both)]
    items_b = before.groupby(before[ANNOTATOR].astype(str))[ITEM].unique()
    items_a = after.groupby(after[ANNOTATOR].astype(str))[ITEM].unique()
    n_b, n_a = before[ITEM].nunique(), after[ITEM].nunique()
    drop_b: list[tuple[str, Any]] = []
    drop_a: list[tuple[str, Any]] = []
    for annotator in both:
        mine_b, mine_a = sorted(items_b[annotator], key=str), sorted(items_a[annotator], key=str)
        share = min(len(mine_b) / n_b, len(mine_a) / n_a)
        for mine, n, drop in ((mine_b, n_b, drop_b), (mine_a, n_a, drop_a)):
            keep = round(share * n)
            if keep < len(mine):
                chosen = set(rng.choice(len(mine), size=keep, replace=False).tolist())
                drop.extend((annotator, item) for k, item in enumerate(mine) if k not in chosen)

    def without(frame: pd.DataFrame, drop: list[tuple[str, Any]]) -> pd.DataFrame:
        if not drop:
            return frame
        gone = pd.MultiIndex.from_tuples(drop)
        here = pd.MultiIndex.from_arrays([frame[ANNOTATOR].astype(str), frame[ITEM]])
        return frame[~here.isin(gone)]

    return without(before, drop_b), without(after, drop_a)


def change_test(before: pd.Series, after: pd.Series) -> ChangeTest | None:
    """Paired t test of the per-item majority share on the items of both versions; Welch when they
    share too few.

    Paired when at least three items, and at least half of the smaller version's items, were answered in
    both versions. Returns None with fewer than three items in a version (nothing to test).
    """
    shared = before.index.intersection(after.index)
    smaller = min(len(before), len(after))
    if _paired(before.index, after.index):
        d = (after[shared] - before[shared]).to_numpy(dtype=float)
        n = len(d)
        sd = float(d.std(ddof=1))
        difference = float(d.mean())
        se, df, design = sd / np.sqrt(n), float(n - 1), "paired"
        mean_b, mean_a = float(before[shared].mean()), float(after[shared].mean())
    elif smaller >= 3:
        vb, va = before.var(ddof=1) / len(before), after.var(ddof=1) / len(after)
        se = float(np.sqrt(vb + va))
        mean_b, mean_a = float(before.mean()), float(after.mean())
        difference = mean_a - mean_b
        with np.errstate(divide="ignore", invalid="ignore"):
            df = float((vb + va) ** 2 / (vb**2 / (len(before) - 1) + va**2 / (len(after) - 1)))
        df = df if np.isfinite(df) else float(smaller - 1)
        n, design = smaller, "unpaired"
        sd = se * np.sqrt(n)
    else:
        return None
    if se > 0:
        z = _z_of_t(difference / se, df)
    else:  # every item moved by the same amount: no noise to weigh it against
        z = 0.0 if difference == 0 else float(np.sign(difference) * 8.0)
    return ChangeTest(design, int(n), mean_b, mean_a, difference, float(se), df, z, float(sd))


def _bivariate_below(c1: float, c2: float, rho: float) -> float:
    """P(Z1 <= c1, Z2 <= c2) for standard normals with correlation rho (one deterministic integral)."""
    if rho >= 1 - 1e-12:
        return float(stats.norm.cdf(min(c1, c2)))
    scale = np.sqrt(1 - rho * rho)
    value, _ = integrate.quad(
        lambda x: stats.norm.pdf(x) * stats.norm.cdf((c2 - rho * x) / scale), -np.inf, c1
    )
    return float(value)


def first_boundary(first_alpha: float = FIRST_LOOK_ALPHA) -> float:
    """The z a change must pass at the first look."""
    return float(stats.norm.isf(first_alpha))


FOLLOW_UP_WEIGHT = float(np.sqrt(0.5))  # both looks weigh the same in the combination, whatever their sizes


@functools.lru_cache(maxsize=8)
def follow_up_boundary(
    weight: float = FOLLOW_UP_WEIGHT, alpha: float = ALPHA, first_alpha: float = FIRST_LOOK_ALPHA
) -> float:
    """The z the combined statistic ``Z = w1 Z1 + w2 Z2`` (the first look's z and the follow-up items'
    z, Lehmacher & Wassmer 1999) must pass at the follow-up look, so that both looks together call at
    most `alpha` of unchanged rules improved (and as many worse): the alpha-spending condition
    ``P(Z1 > c1) + P(Z1 <= c1, Z > c2) = alpha`` with ``corr(Z1, Z) = w1``. The weights are fixed in
    advance (not taken from the item counts), so the test keeps its level however many follow-up items
    are piloted, even when their number was chosen from the first look's data."""
    c1 = first_boundary(first_alpha)
    target = 1 - alpha
    return float(optimize.brentq(lambda c2: _bivariate_below(c1, c2, weight) - target, 0.0, 8.0, xtol=1e-6))


# items_needed sizes the follow-up on the one-sided SPREAD_CONFIDENCE upper confidence limit of the
# first look's per-item sd (chi-square on its degrees of freedom), not on the estimate: a first look's
# spread is often smaller than the rule's (ten items can show 0.2 where it is 0.3). On the benchmark's
# design seeds 104000-104019, 0.80 against the former average over the spread's uncertainty: about 15%
# more follow-up items, all real fixes found 0.90 -> 0.94, 0.81 -> 0.91, 0.73 -> 0.76 (base, careless,
# small), the fixes of true effect under DETECTABLE gaining most.
SPREAD_CONFIDENCE = 0.80
REALISTIC_ITEMS = 1000  # items per version past which a follow-up is "too small a change to tell apart"
ITEMS_NEEDED_MAX = 100_000  # items_needed stops searching here (reported as this many)


def _follow_up_power(more: np.ndarray | int, bound: float, effect: float, sds: np.ndarray) -> np.ndarray:
    """P(the follow-up's z passes `bound`) with `more` paired items whose differences have mean `effect`
    and sd `sds` (one power per sd): the follow-up's t test is noncentral t on ``more - 1`` degrees of
    freedom, and its z passes `bound` when t passes the t quantile of the same tail (`_z_of_t`)."""
    df = np.asarray(more, dtype=float) - 1.0
    t_crit = stats.t.isf(stats.norm.sf(bound), df)
    return np.asarray(stats.nct.sf(t_crit, df, effect * np.sqrt(df + 1.0) / sds), dtype=float)


def pessimistic_spread(test: ChangeTest, confidence: float = SPREAD_CONFIDENCE) -> float:
    """The one-sided `confidence` upper confidence limit of the per-item sd from the first look's estimate
    on ``test.df`` degrees of freedom: ``sd * sqrt(df / q)``, q the ``1 - confidence`` quantile of
    chi-square(df). Ten items can show a spread of 0.2 where it is 0.3: taking the estimate as known
    sized that follow-up for 38% power instead of 85% (tests/ambiguity/test_compare_follow_up.py)."""
    df = max(float(test.df), 1.0)
    return float(test.sd * np.sqrt(df / stats.chi2.ppf(1.0 - confidence, df)))


def items_needed(test: ChangeTest, detectable: float = DETECTABLE, power: float = POWER) -> int:
    """Items per version (the first look's included) for the follow-up look to reach its boundary with
    probability `power` if the change is what the first look saw (or `detectable`, whichever is larger)
    and the items vary as much as `pessimistic_spread` allows.

    Conditional power (Cui, Hung & Wang 1999): the follow-up's z must pass
    ``(follow_up_boundary() - w1 |z1|) / w2``; its items' t test is noncentral t (exact on few items,
    where the normal approximation promised too much), and the per-item spread is not taken as known
    but as its SPREAD_CONFIDENCE upper confidence limit (Browne 1995's point about pilot variances:
    sizing on the estimate falls short about half the time). The follow-up has at least MIN_ITEMS
    items (a t test on fewer is mostly its own noise); the search stops at ITEMS_NEEDED_MAX. Past
    REALISTIC_ITEMS the change is too small to tell apart in a pilot (`too_small_to_tell`)."""
    if test.sd <= 0 or not np.isfinite(test.sd):
        return max(test.n_items, MIN_ITEMS)
    effect = max(abs(test.difference), detectable)
    w1 = w2 = FOLLOW_UP_WEIGHT
    bound = (follow_up_boundary() - w1 * abs(test.z)) / w2
    sds = np.array([pessimistic_spread(test)])

    def reaches(more: int) -> bool:
        return float(_follow_up_power(more, bound, effect, sds)[0]) >= power

    low, high = MIN_ITEMS, MIN_ITEMS
    while not reaches(high):
        if high >= ITEMS_NEEDED_MAX:
            return test.n_items + ITEMS_NEEDED_MAX
        low, high = high, min(2 * high, ITEMS_NEEDED_MAX)
    while high - low > 1:  # reaches(high), and not reaches(low) unless low is the minimum
        middle = (low + high) // 2
        if reaches(middle):
            high = middle
        else:
            low = middle
    more = low if low == MIN_ITEMS and reaches(low) else high
    return int(test.n_items + more)


def too_small_to_tell(items: int | None) -> bool:
    """A follow-up of this many items per version is more than a pilot of realistic size."""
    return items is not None and items > REALISTIC_ITEMS


def follow_up_advice(entry: RuleComparison, version: str = "the new version") -> str:
    """What to do about a ``not_enough_items`` rule, in words: how many more items to pilot per version
    to tell whether `version` changed the rule, or, past REALISTIC_ITEMS, that the change is too small to
    tell apart in a pilot of realistic size.

    The question is the change between the versions, not whether the rule reaches the target (the
    revision queue's "pilot more items" answers that one, and often asks for more). When the first look
    saw no spread between items, the number only fills the follow-up up to MIN_ITEMS: it is a floor,
    said as one (`items_needed`). Otherwise the advice says what the number is sized for: a change of
    DETECTABLE (or the larger one the first look saw) with probability POWER, on a pessimistic spread
    (`pessimistic_spread`), not the spread the first look showed."""
    needed, more = entry.figures.get("items_needed"), entry.figures.get("more_items")
    if entry.figures.get("look") == 2:
        return "still not enough items after the follow-up (the plan has two looks: no verdict)"
    if not needed:
        return "too few items answered in both versions to estimate how many more are needed"
    if too_small_to_tell(needed):
        test = entry.figures.get("test") or {}
        effect = max(abs(float(test.get("difference", 0.0))), DETECTABLE)
        return (
            f"this change is too small to tell apart in a pilot of realistic size (finding a change "
            f"of {effect:.2f} would take about {needed} items per version)"
        )
    question = f"to tell whether {version} changed {entry.rule_id}"
    items = "item" if more == 1 else "items"
    test = entry.figures.get("test") or {}
    if not float(test.get("sd", 1.0)) > 0:  # no spread seen: `items_needed` only fills up to MIN_ITEMS
        return (
            f"{question}, pilot at least {more} more {items} per version; the number needed depends on the "
            "spread they show"
        )
    seen = abs(float(test.get("difference", 0.0)))
    # sized for the first look's change when it is the larger: say it is an "if", since a first look
    # that overstates the change sizes a follow-up that finds the true one less often (a reviewer: 83-87%).
    # Worded for a reader who has run one comparison and never heard of "looks".
    change = (
        f"a change as large as the one seen so far ({seen:.2f})"
        if seen > DETECTABLE
        else f"a change of {DETECTABLE:.2f}"
    )
    return (
        f"{question}, pilot about {more} more {items} per version ({needed} per version in all; "
        f"enough to find {change} with {POWER:.0%} probability, allowing for items that "
        "vary more than these did)"
    )


def no_verdict_reason(entry: RuleComparison) -> str | None:
    """Why a ``not_enough_items`` rule has no verdict, in a few words (None for a rule with one).

    Its change and interval are then not a measurement to show: with every item moving by the same
    amount (often 0: the same answers in both versions) the interval has zero width by construction,
    and with too few items it says nothing. Pages show "–" for them and this reason."""
    if entry.figures.get("test_verdict", entry.verdict) != "not_enough_items":
        return None
    if entry.figures.get("look") == 2:
        return "still not enough items after the follow-up"
    test = entry.figures.get("test")
    if not test:
        return "no item answered in both versions"
    reasons = []
    if int(test.get("n_items", 0)) < MIN_ITEMS:
        # the count only: how many more to pilot is the advice's (`follow_up_advice`), which the page
        # shows above the table; a second, smaller "of the MIN_ITEMS needed" read as a contradiction
        reasons.append(
            f"too few items in both versions ({int(test['n_items'])}): see how many more to pilot above"
        )
    if not float(test.get("sd", 1.0)) > 0:
        moved = float(test.get("difference", 0.0))
        reasons.append(
            "the items all moved by the same amount"
            + (" (none moved)" if moved == 0 else f" ({moved:+.2f})")
            + ", so the change's spread is unknown"
        )
    if not reasons:
        reasons.append(f"the interval is too wide: a change of {DETECTABLE:.2f} could hide in it")
    return "; ".join(reasons)


def version_label(ref: str) -> str:
    """The version part of a guideline ref (``contract-clauses@1.1.0`` -> ``1.1.0``), for `follow_up_advice`;
    ``the new version`` when the pilot has no guideline."""
    return ref.rpartition("@")[2] if "@" in ref else "the new version"


def _first_look_verdict(test: ChangeTest | None) -> tuple[Verdict, tuple[float, float]]:
    """improved / worse past the first look's boundary; not_enough_items when a change of DETECTABLE
    could hide in the interval or fewer than MIN_ITEMS items were tested; unchanged otherwise. The
    interval is the t interval at the first look's level (97.5% two-sided with the default spending),
    so it excludes 0 exactly when the verdict is improved or worse."""
    if test is None:
        return "not_enough_items", (float("nan"), float("nan"))
    c1 = first_boundary()
    quantile = float(stats.t.isf(FIRST_LOOK_ALPHA, test.df))
    half = quantile * test.se
    interval = (test.difference - half, test.difference + half)
    # too few items, a change with no spread between items (a z of +-8 from sd = 0) or NaN shares:
    # nothing to decide on (identical shares on enough items stay unchanged)
    if test.n_items < MIN_ITEMS or test.undecidable or not np.isfinite(half):
        return "not_enough_items", interval
    if test.z > c1:
        return "improved", interval
    if test.z < -c1:
        return "worse", interval
    if half > DETECTABLE or test.n_items < MIN_ITEMS:
        return "not_enough_items", interval
    return "unchanged", interval


# --------------------------------------------------------------------------- comparison


def _ref(pilot: Annotations, fallback: str) -> str:
    return pilot.guideline.ref if pilot.guideline is not None else fallback


def _changed_rules(before: Annotations, after: Annotations) -> tuple[tuple[str, ...], bool]:
    """The rules whose content changed between the versions (the guideline diff), and whether the
    rewrite is known rule by rule: both pilots carry their guideline and its labels and task did not
    change (a label's definition or the task belongs to every rule)."""
    if before.guideline is None or after.guideline is None:
        return (), False
    diff = diff_guidelines(before.guideline, after.guideline)
    per_rule = not (diff.labels_added or diff.labels_removed or diff.labels_changed or diff.task_changes)
    return tuple(diff.changed_rule_ids), per_rule


def rewrite_verdict(verdict: Verdict, rewritten: bool) -> Verdict:
    """The verdict said of the rewrite: a rule that was not rewritten (its text, the labels and the task
    unchanged) is not ``improved`` or ``worse`` by it; a change the test finds there is
    ``rose_text_unchanged`` / ``fell_text_unchanged`` (the annotators, the items or other rules changed,
    or chance: the test's own error, up to ALPHA per direction when nothing changed)."""
    if rewritten:
        return verdict
    found = NOT_REWRITTEN.get(verdict)
    return verdict if found is None else found  # type: ignore[return-value]


FIRST_LOOK_HINT = "give the unchanged output of `calibration compare --json` of the first look"


def _number(value: Any, where: str, field: str, low: float, high: float) -> float:
    """`value` as a finite float in [low, high], else a DataError naming `where` and `field`."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or not low <= value <= high:
        raise DataError(
            f"{where}: {field} must be a finite number from {low:g} to {high:g}, got {value!r}",
            hint=FIRST_LOOK_HINT,
        )
    return float(value)


def _pending(
    first_look: Comparison | Mapping[str, Any], source: str = "the first look"
) -> dict[str, dict[str, Any]]:
    """The rules of a first look that await a follow-up (verdict not_enough_items with a test), by id.

    Checks what the follow-up reads (a JSON file may have been edited or cut): every rule has a string
    ``rule_id`` and a mapping ``figures``; a pending rule's test has ``n_items`` an integer >= 1, ``z``
    within +-8 (as `change_test` clips it), ``se`` >= 0, ``difference`` within +-1 and the rule's
    ``before`` / ``after`` shares within 0..1.

    Raises:
        DataError: naming `source` (the file), the rule and the field.
    """
    rules = first_look.to_dict()["rules"] if isinstance(first_look, Comparison) else first_look.get("rules")
    if not isinstance(rules, list):
        raise DataError(f"{source} has no 'rules' list", hint=FIRST_LOOK_HINT)
    out = {}
    for index, entry in enumerate(rules):
        if not isinstance(entry, Mapping):
            raise DataError(
                f"{source}: rule {index + 1} is not an object",
                hint=FIRST_LOOK_HINT,
            )
        rule_id = entry.get("rule_id")
        if not isinstance(rule_id, str) or not rule_id:
            raise DataError(
                f"{source}: rule {index + 1} has no rule_id (got {rule_id!r})",
                hint=FIRST_LOOK_HINT,
            )
        where = f"{source}: rule {rule_id}"
        figures = entry.get("figures") or {}
        if not isinstance(figures, Mapping):
            raise DataError(
                f"{where}: figures must be an object, got {type(figures).__name__}",
                hint=FIRST_LOOK_HINT,
            )
        test = figures.get("test")
        if not (
            entry.get("verdict") == "not_enough_items"
            and isinstance(test, Mapping)
            and figures.get("look", 1) == 1
        ):
            continue
        n_items = test.get("n_items")
        if not isinstance(n_items, int) or isinstance(n_items, bool) or n_items < 1:
            raise DataError(
                f"{where}: figures.test.n_items must be a whole number of 1 or more, got {n_items!r}",
                hint=FIRST_LOOK_HINT,
            )
        checked = {
            "n_items": n_items,
            "z": _number(test.get("z"), where, "figures.test.z", -8.0, 8.0),
            "se": _number(test.get("se"), where, "figures.test.se", 0.0, 2.0),
            "difference": _number(test.get("difference"), where, "figures.test.difference", -1.0, 1.0),
        }
        out[rule_id] = {
            "test": {**test, **checked},
            "before": _number(entry.get("before"), where, "before", 0.0, 1.0),
            "after": _number(entry.get("after"), where, "after", 0.0, 1.0),
        }
    return out


def _check_versions(
    first_look: Comparison | Mapping[str, Any], before: Annotations, after: Annotations, source: str
) -> None:
    """Refuse a follow-up of other versions than its first look's (when the first look names them)."""
    data = first_look.to_dict() if isinstance(first_look, Comparison) else first_look
    for name, pilot in (("before", before), ("after", after)):
        recorded = data.get(name)
        if recorded is None:
            continue  # a first look written before the versions were recorded
        mine = _ref(pilot, name)
        if recorded != mine:
            raise DataError(
                f"{source} compared {name} version {recorded!r}; this follow-up's {name} version is {mine!r}",
                hint="pilot the follow-up items on the same two versions as the first look",
            )


def _combined_interval(
    looks: tuple[tuple[float, float, float], ...], weights: tuple[float, ...], boundary: float
) -> tuple[float, float]:
    """The changes delta the combined test at `boundary` would not reject: ``|sum w_k z_k(delta)| <=
    boundary`` with ``z_k(delta)`` the z of ``(d_k - delta) / se_k`` on df_k (looks: (d, se, df) each).
    NaN when a look has no finite positive SE."""
    if not all(np.isfinite(d) and se > 0 and np.isfinite(se) for d, se, _ in looks):
        return float("nan"), float("nan")

    def combined(delta: float) -> float:  # decreasing in delta
        return float(
            sum(w * _z_of_t((d - delta) / se, df) for w, (d, se, df) in zip(weights, looks, strict=True))
        )

    ds = [d for d, _, _ in looks]
    reach = 20 * max(se for _, se, _ in looks)  # every z clipped at +-8 there: past any boundary
    low_end, high_end = min(ds) - reach, max(ds) + reach
    low = optimize.brentq(lambda x: combined(x) - boundary, low_end, high_end, xtol=1e-9)
    high = optimize.brentq(lambda x: combined(x) + boundary, low_end, high_end, xtol=1e-9)
    return float(low), float(high)


def _follow_up_verdict(
    first: dict[str, Any], second: ChangeTest | None
) -> tuple[Verdict, tuple[float, float], dict[str, Any], tuple[float, float, float]]:
    """The verdict at the follow-up look: the first look's z and the follow-up items' z combined with
    fixed equal weights (inverse normal combination), against `follow_up_boundary`.

    Returns the verdict, the interval (`_combined_interval`: the combined test inverted, so it excludes
    0 exactly when the verdict is improved or worse), the combination's figures and the pooled (before,
    after, difference) over both looks' items."""
    t1 = first["test"]
    n1, z1, d1, se1 = int(t1["n_items"]), float(t1["z"]), float(t1["difference"]), float(t1["se"])
    if second is None:
        nan = float("nan")
        return "not_enough_items", (nan, nan), {"first_look": t1}, (first["before"], first["after"], d1)
    n2 = second.n_items
    total = n1 + n2
    w1 = w2 = FOLLOW_UP_WEIGHT
    z = float(w1 * z1 + w2 * second.z)
    c2 = follow_up_boundary()
    pooled = (n1 * d1 + n2 * second.difference) / total
    interval = _combined_interval(
        ((d1, se1, float(t1["df"])), (second.difference, second.se, second.df)), (w1, w2), c2
    )
    half = (interval[1] - interval[0]) / 2
    verdict: Verdict
    if second.undecidable:
        verdict = "not_enough_items"
    elif z > c2:
        verdict = "improved"
    elif z < -c2:
        verdict = "worse"
    elif not half <= DETECTABLE:  # NaN as well
        verdict = "not_enough_items"
    else:
        verdict = "unchanged"
    combined = {"z": z, "boundary": c2, "weights": [float(w1), float(w2)], "first_look": t1}
    before = (n1 * float(first["before"]) + n2 * second.before) / total
    after = (n1 * float(first["after"]) + n2 * second.after) / total
    return verdict, interval, combined, (before, after, pooled)


LEFT_OUT_SHARE = 0.5  # `left_out_note`: at least this share of a version's dissent was not compared ...
LEFT_OUT_MIN = 3  # ... and at least this many dissenting answers


def _left_out_dissent(pilot: Annotations, rule_id: str, left_out: Sequence[str]) -> dict[str, Any]:
    """One version's dissenting answers on the rule (answers other than their item's most common one,
    `dissent_shares`) from everyone, and those of the annotators the comparison leaves out, by name."""
    shares = dissent_shares(rule_responses(pilot.responses, pilot.item_rules, rule_id))
    dissent = shares[shares["dissent"] > 0]
    who = dissent[ANNOTATOR].astype(str)
    out = who[who.isin(left_out)].value_counts()
    return {
        "dissenting": len(dissent),
        "left_out": int(out.sum()),
        "by": {str(name): int(n) for name, n in sorted(out.items(), key=lambda kv: (-kv[1], kv[0]))},
    }


def annotators_compared(comparison: Comparison) -> str | None:
    """Who the comparison rests on, in one sentence, when some annotators answered in only one version
    (None when everyone is compared): the verdicts are about the annotators in both versions."""
    figures = next((r.figures.get("annotators") for r in comparison.rules), None)
    if not figures or figures.get("compared") != "common":
        return None
    names = figures["names"]

    def listed(values: list[str]) -> str:
        return ", ".join(values[:8]) + (f" and {len(values) - 8} more" if len(values) > 8 else "")

    where = []
    if figures.get("only_before"):
        where.append(f"{listed(figures['only_before'])} (older version only)")
    if figures.get("only_after"):
        where.append(f"{listed(figures['only_after'])} (newer version only)")
    left = "; ".join(where) or listed(figures["left_out"])
    return (
        f"Compared on the {len(names)} annotators who answered in both versions ({listed(names)}), so that "
        f"a change of annotators is not taken for the rewrite's effect; left out: {left}."
    )


def left_out_note(entry: RuleComparison) -> str | None:
    """When most of a version's disagreement on a rewritten rule came from annotators the comparison leaves
    out (at least LEFT_OUT_SHARE of LEFT_OUT_MIN or more dissenting answers), what the verdict cannot say:
    before (unless improved), whether the rewrite settles those annotators' reading (an annotator who
    held a second reading and left takes the rule's disagreement with them); after (unless worse), that
    the newcomers' disagreement is not in the verdict. None otherwise."""
    found = entry.figures.get("left_out_dissent")
    if not found or not entry.figures.get("rewritten", True):
        return None
    notes = []
    for side, skip, tail in (
        (
            "before",
            "improved",
            "the comparison, on the annotators in both, cannot tell whether the rewrite settles what they "
            "read differently; pilot the new version with them (or more annotators) to know",
        ),
        (
            "after",
            "worse",
            "it is not in the verdict, which compares the annotators in both; their answers may show the "
            "rule is still unclear to newcomers",
        ),
    ):
        counts = found.get(side) or {}
        total, out = int(counts.get("dissenting", 0)), int(counts.get("left_out", 0))
        if entry.verdict == skip or total < LEFT_OUT_MIN or out < LEFT_OUT_SHARE * total:
            continue
        names = ", ".join(list(counts.get("by", {}))[:3])
        version = "the older version" if side == "before" else "the newer version"
        notes.append(
            f"{out} of the {total} dissenting answers on {entry.rule_id} in {version} came from "
            f"annotators who answered only in it ({names}): {tail}"
        )
    return "; ".join(notes) or None


def compare_versions(
    before: Annotations,
    after: Annotations,
    *,
    bootstrap: int = 1000,
    seed: int = 0,
    skew_share: float = SKEW_SHARE,
    first_look: Comparison | Mapping[str, Any] | None = None,
    first_look_source: str = "the first look",
) -> Comparison:
    """Compare two pilots rule by rule: agreement (a paired test of per-item agreement) and gold
    accuracy (a bootstrap CI of the change).

    Args:
        before, after: the two piloted versions (`Annotations.of(responses, guideline=...)`).
        bootstrap: replicates per version (gold accuracy intervals).
        seed: the before-version's weights use `seed`, the after-version's ``seed + 1`` (independent).
        skew_share: dominant-answer share above which a rule is marked `skewed` (the kappa paradox).
        first_look: the comparison (or its ``--json`` output) of a first look whose verdict was
            ``not_enough_items`` on some rules; `before` and `after` then hold ONLY the follow-up items
            those rules were piloted on, and the verdict combines both looks (`follow_up_boundary`).
            Only the rules that awaited a follow-up are compared, and only once: a follow-up's
            output (look 2) awaits none. When the first look names its versions (``before`` /
            ``after``), the follow-up's must be the same.
        first_look_source: how errors in `first_look` name it (the file it was read from).

    Returns:
        A `Comparison` over the rules answered in both pilots.

    Raises:
        DataError: no rule was piloted in both versions (or, with `first_look`, none awaited a follow-up),
            or the task is of type ``boxes`` (no per-item agreement to compare).
    """
    rule_ids = [r for r in after.rule_ids if r in set(before.rule_ids)]
    pending = _pending(first_look, first_look_source) if first_look is not None else None
    if first_look is not None:
        _check_versions(first_look, before, after, first_look_source)
    if pending is not None:
        rule_ids = [r for r in rule_ids if r in pending]
        if not rule_ids:
            raise DataError(
                "no rule of the follow-up awaited one (verdict not_enough_items at the first look)",
                hint=f"rules that await a follow-up: {', '.join(sorted(pending)) or 'none'}",
            )
    common = common_annotators(before, after)
    in_before = set(before.responses["annotator_id"].astype(str))
    in_after = set(after.responses["annotator_id"].astype(str))
    everyone = sorted(in_before | in_after)
    # everyone's answers, kept to count whose dissent the comparison leaves out (`left_out_note`)
    full = {"before": before, "after": after}
    if len(common) >= 2 and len(common) < len(everyone):
        before, after = _restricted(before, common), _restricted(after, common)
        annotators = {
            "compared": "common",
            "names": common,
            "left_out": sorted(set(everyone) - set(common)),
            "only_before": sorted(in_before - in_after),
            "only_after": sorted(in_after - in_before),
        }
    else:
        annotators = {"compared": "all", "names": everyone, "left_out": []}
    if not rule_ids:
        raise DataError(
            "no rule was piloted in both versions",
            hint="rule ids must stay the same across versions; check the item-to-rule maps",
        )
    task = _comparison_task(before, after)
    if task.type == "boxes":
        raise DataError(
            "compare cannot judge a guideline of task type 'boxes' (per-item agreement of boxes is not defined)",
            hint="compare box rounds with `calibration agreement` on each pilot, or pilot a categorical task",
        )
    parts: dict[str, dict[str, Any]] = {}
    replicates: dict[str, list[np.ndarray]] = {}
    tests: dict[str, ChangeTest | None] = {}
    for name, pilot, offset in (("before", before, 0), ("after", after, 1)):
        blocks = []
        for rule_id in rule_ids:
            mine = rule_responses(pilot.responses, pilot.item_rules, rule_id)
            rows, spec, majority = _agreement_rows(mine, task)
            blocks.append(_gold_rows(mine, pilot.gold))
            parts.setdefault(rule_id, {})[name] = (
                rows,
                spec,
                blocks[-1],
                _dominant_share(mine),
                majority,
            )
        replicates[name] = replicate_sums(blocks, bootstrap, seed + offset)
    for index, rule_id in enumerate(rule_ids):
        paired = _paired(parts[rule_id]["before"][4].index, parts[rule_id]["after"][4].index)
        matched = _matched(
            rule_responses(before.responses, before.item_rules, rule_id),
            rule_responses(after.responses, after.item_rules, rule_id),
            paired,
            np.random.default_rng([seed, index]),
        )
        shares = [_agreement_rows(m, task)[2] if len(m) else pd.Series(dtype=float) for m in matched]
        tests[rule_id] = change_test(shares[0], shares[1])
    changed, per_rule = _changed_rules(before, after)
    entries = []
    for index, rule_id in enumerate(rule_ids):
        figures: dict[str, Any] = {}
        gold_point: dict[str, float] = {}
        gold_boot: dict[str, np.ndarray] = {}
        for name in ("before", "after"):
            rows, spec, gold_rows, share, _ = parts[rule_id][name]
            values = {k: float(v) for k, v in statistics_from_sums(rows.sum(axis=0), spec).items()}
            with np.errstate(divide="ignore", invalid="ignore"):
                totals = gold_rows.sum(axis=0) if len(gold_rows) else np.zeros(2)
                gold_point[name] = totals[1] / totals[0] if totals[0] else float("nan")
                sums = replicates[name][index]
                gold_boot[name] = np.where(
                    sums[:, 0] > 0, sums[:, 1] / np.where(sums[:, 0] > 0, sums[:, 0], 1), np.nan
                )
            figures[name] = {
                "n_items": int((rows[:, 1] > 0).sum()),
                "percent_agreement": values["percent_agreement"],
                "krippendorff_alpha": values["krippendorff_alpha"],
                "gwet_ac1": values["gwet_ac1"],
                "dominant_share": share,
                "gold_accuracy": gold_point[name],
            }
        skewed = any(parts[rule_id][n][3] >= skew_share for n in ("before", "after"))
        test = tests[rule_id]
        figures["annotators"] = annotators
        figures["left_out_dissent"] = (
            {name: _left_out_dissent(full[name], rule_id, annotators["left_out"]) for name in full}
            if annotators["left_out"]
            else None
        )
        figures["test"] = None if test is None else test.to_dict()
        if pending is None:
            verdict, ci = _first_look_verdict(test)
            figures["look"] = 1
            figures["boundary"] = first_boundary()
            needed = items_needed(test) if verdict == "not_enough_items" and test is not None else None
            figures["items_needed"] = needed
            figures["more_items"] = None if needed is None else max(0, needed - test.n_items)  # type: ignore[union-attr]
            figures["too_small_to_tell"] = too_small_to_tell(needed)
            nan = float("nan")
            point = (nan, nan, nan) if test is None else (test.before, test.after, test.difference)
        else:
            verdict, ci, combined, point = _follow_up_verdict(pending[rule_id], test)
            figures["look"] = 2
            figures["combined"] = combined
            figures["items_needed"] = None
            figures["more_items"] = None
            figures["too_small_to_tell"] = False
        gold_ci = _interval(gold_boot["after"] - gold_boot["before"])
        rewritten = not per_rule or rule_id in changed
        figures["rewritten"] = rewritten  # the verdict is said of the rewrite (`rewrite_verdict`)
        figures["test_verdict"] = verdict
        figures["gold_test_verdict"] = _verdict(gold_ci)
        entries.append(
            RuleComparison(
                rule_id=rule_id,
                statistic=TEST_STATISTIC,
                before=point[0],
                after=point[1],
                difference=point[2],
                ci95=ci,
                verdict=rewrite_verdict(verdict, rewritten),
                figures=figures,
                gold_before=gold_point["before"],
                gold_after=gold_point["after"],
                gold_difference=gold_point["after"] - gold_point["before"],
                gold_ci95=gold_ci,
                gold_verdict=rewrite_verdict(_verdict(gold_ci), rewritten),
                text_changed=rule_id in changed,
                skewed=skewed,
            )
        )
    return Comparison(_ref(before, "before"), _ref(after, "after"), tuple(entries), changed)
