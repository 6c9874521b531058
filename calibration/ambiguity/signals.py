"""Signals that a guideline rule is ambiguous: one function per signal, each returning its evidence.

Every function looks at one rule and returns an `Evidence`: whether the signal fired, a machine-readable
code (the flag), the figures behind it, a sentence in plain words and, where it applies, the items
concerned. The queue (`calibration.ambiguity.queue`) turns fired signals into a score and a suggestion.

Inputs follow the canonical shapes of `calibration.responses`: a long responses table (item_id,
annotator_id, answer and optional confidence, cited_rule, unclear, comment, seconds), an item-to-rule
table (item_id, rule_id) and gold answers as a Series indexed by item_id.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypeVar

import numpy as np
import pandas as pd

from calibration.agreement.results import jsonable
from calibration.errors import NotFoundError
from calibration.responses import (
    ANNOTATOR,
    ANSWER,
    CITED_RULE,
    COMMENT,
    CONFIDENCE,
    ITEM,
    RULE,
    SECONDS,
    UNCLEAR,
    items_of_rule,
)
from calibration.wording import counted

SignalCode = Literal[
    "low_agreement",
    "skewed_prevalence",
    "few_items",
    "likely_ambiguous",
    "split_items",
    "good_annotators_fail",
    "gold_suspect",
    "confused_labels",
    "low_confidence",
    "flagged_unclear",
    "long_time",
    "overlapping_rules",
    "contradictory_examples",
    "vague_wording",
    "missing_edge_cases",
    "careless_annotator",
    "model_error_pattern",
    "suspect_items",
    "localization_disagreement",
    "coverage_disagreement",
    "box_label_confusion",
]

# Defaults, each the threshold a lead would state in words; every signal takes them as arguments.
MIN_ITEMS = 10  # fewer items per rule than this give `few_items`, not a verdict
SKEW_SHARE = 0.8  # one answer holding this share of all answers under a rule is a dominant label
GOOD_SKILL = 0.8  # accuracy against gold on the other rules that makes an annotator "good elsewhere"
CONSENSUS = 0.7  # share of answers agreeing with each other that counts as a consensus
CONFUSION_SHARE = 0.6  # one label pair holding this share of the disagreement is concentrated confusion
LOW_CONFIDENCE = 3.0  # mean self-reported confidence (1-5) at or below this is low
UNCLEAR_SHARE = 0.1  # share of answers flagged unclear that fires `flagged_unclear`
SLOW_RATIO = 1.5  # median time on the rule's items this many times the overall median is long
OVERLAP_SHARE = 0.25  # share of answers citing a rule the item is not mapped to
TOLERANCE = 1e-9  # thresholds are compared with this slack: 32/40 computes as 0.7999999999999996
PRIOR_ITEMS = 5.0  # a few-item rule's agreement is shrunk towards the pilot's as if it had this many items
SPLIT_EXCESS = 0.1  # share of split items above what independent slips predict that fires `split_items`
SEPARATION_Z = 2.0  # an annotator signal (confidence, time) counts from this many standard errors on
BOX_IOU = (
    0.75  # mean IoU of matched boxes below this: annotators draw the same objects' boundaries differently
)
BOX_COVERAGE = (
    0.1  # share of boxes that no other annotator's box overlaps: annotators include different objects
)
BOX_RELABEL = 0.1  # share of boxes matched at min_iou whose labels differ
MIN_BOX_PAIRS = 10  # matched (or compared) boxes under a rule below which a box signal gives no verdict


def at_least(value: float, threshold: float) -> bool:
    """``value >= threshold`` with `TOLERANCE` (False for NaN)."""
    return not np.isnan(value) and value >= threshold - TOLERANCE


def below(value: float, threshold: float) -> bool:
    """``value < threshold`` with `TOLERANCE` (False for NaN): 0.7999999999999996 is not below 0.8."""
    return not np.isnan(value) and value < threshold - TOLERANCE


@dataclass(frozen=True)
class Evidence:
    """What one signal found about one rule.

    Attributes:
        code: the flag code (see `SignalCode`).
        fired: whether the signal raises the flag.
        message: the finding in plain words, with its figures.
        figures: the numbers behind the finding, JSON-serialisable.
        items: the items concerned (gold suspects, items with unclear flags, ...), worst first.
        comments: annotators' comments that bear on the finding.
    """

    code: SignalCode
    fired: bool
    message: str
    figures: Mapping[str, Any] = field(default_factory=dict)
    items: tuple[str, ...] = ()
    comments: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: code, fired, message, figures, items, comments."""
        return {
            "code": self.code,
            "fired": self.fired,
            "message": self.message,
            "figures": {key: _plain(value) for key, value in self.figures.items()},
            "items": list(self.items),
            "comments": list(self.comments),
        }


@dataclass(frozen=True)
class RuleAgreement:
    """Per-rule agreement figures the signals judge (taken from the agreement engine's report).

    Attributes:
        statistic: name of the chance-corrected coefficient (e.g. ``krippendorff_alpha``).
        estimate: its point estimate (NaN when undefined).
        ci_low, ci_high: its 95% bootstrap interval.
        percent: raw (pairwise) percent agreement.
        ac1: Gwet's AC1, robust to skewed prevalence (Gwet 2008), NaN when not computed.
        n_items: items with at least two answers under the rule.
        flags: the engine's flags for the rule (``skewed_prevalence``, ``few_items`` ...).
        ac1_low, ac1_high: the 95% bootstrap interval of AC1 (what `low_agreement` judges).
        judge: the name of the judged statistic in messages: ``AC1``, or for boxes (which have no AC1)
            ``box alpha``, whose value and interval then fill the ac1 fields.
    """

    statistic: str
    estimate: float
    ci_low: float
    ci_high: float
    percent: float
    ac1: float
    n_items: int
    flags: tuple[str, ...] = ()
    ac1_low: float = float("nan")
    ac1_high: float = float("nan")
    judge: str = "AC1"


def _plain(value: Any) -> Any:
    """JSON of the ambiguity results: `calibration.agreement.results.jsonable`, figures to 4 decimals."""
    return jsonable(value, digits=4)


def number_text(value: float | None, digits: int = 2, *, sign: bool = False, missing: str = "n/a") -> str:
    """`value` rounded to `digits` decimals for a message or a table, `missing` when None or NaN.

    A value that rounds to zero prints without a sign (``0.00``, not ``-0.00``: a tiny negative alpha
    is not a finding); with `sign`, other values carry theirs (``+0.12``).
    """
    if value is None or np.isnan(value):
        return missing
    rounded = round(float(value), digits) + 0.0  # + 0.0 turns -0.0 into 0.0
    if rounded == 0:
        return f"{0.0:.{digits}f}"
    return f"{rounded:+.{digits}f}" if sign else f"{rounded:.{digits}f}"


def _fmt(value: float) -> str:
    return number_text(value)


def answer_key(answer: Any) -> str:
    """A compact key of a canonical answer, the same for equal answers: label id, joined labels
    (``A+B``), span list (``PER[0:5]``), rating, box counts per label (``2 car, 1 person``).

    Answers are counted by it (`answer_distribution`) and named by it in the evidence (the JSON of
    `calibration ambiguity`). Not `calibration.reports.tables.answer_text`, which renders one answer
    in full for a reader (span texts, box coordinates) and needs the task type.
    """
    if isinstance(answer, tuple):
        if answer and all(hasattr(part, "label") and hasattr(part, "width") for part in answer):
            counts: dict[str, int] = {}
            for part in answer:
                counts[part.label] = counts.get(part.label, 0) + 1
            return ", ".join(f"{n} {label}" for label, n in sorted(counts.items()))
        if answer and all(hasattr(part, "label") and hasattr(part, "start") for part in answer):
            return "; ".join(f"{part.label}[{part.start}:{part.end}]" for part in answer)
        return "+".join(map(str, answer)) if answer else "(none)"
    return str(answer)


class _RuleEntry(Protocol):
    @property
    def rule_id(self) -> str: ...


_Entry = TypeVar("_Entry", bound=_RuleEntry)


def rule_entry(entries: Sequence[_Entry], rule_id: str, *, missing: str, listed: str) -> _Entry:
    """The entry of `rule_id` among `entries` (a queue's or a comparison's, one per rule).

    Raises:
        NotFoundError: no entry: "rule 'R' `missing`", hint "`listed`: the rules there are".
    """
    for entry in entries:
        if entry.rule_id == rule_id:
            return entry
    raise NotFoundError(
        f"rule {rule_id!r} {missing}", hint=f"{listed}: {', '.join(e.rule_id for e in entries)}"
    )


def rule_responses(responses: pd.DataFrame, item_rules: pd.DataFrame, rule_id: str) -> pd.DataFrame:
    """The rows of `responses` whose item is mapped to `rule_id`."""
    return responses[responses[ITEM].isin(items_of_rule(item_rules, rule_id))]


def majority(responses: pd.DataFrame) -> pd.DataFrame:
    """Per item: the most frequent answer, its share, and the number of answers.

    Returns:
        DataFrame indexed by item_id with columns ``majority`` (a canonical answer), ``share``
        (float in (0, 1]) and ``n`` (int). Ties go to the answer seen first.
    """
    rows = []
    for item, answers in responses.groupby(ITEM, sort=False)[ANSWER]:
        counts = answers.value_counts(sort=True)
        rows.append((item, counts.index[0], counts.iloc[0] / len(answers), len(answers)))
    frame = pd.DataFrame(rows, columns=[ITEM, "majority", "share", "n"]).set_index(ITEM)
    return frame


def answer_distribution(answers: pd.Series) -> dict[str, int]:
    """Counts of each answer (in its short human form), most frequent first."""
    counts: dict[str, int] = {}
    for answer in answers:
        key = answer_key(answer)
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


# --------------------------------------------------------------------------- agreement


def few_items(n_items: int, *, minimum: int = MIN_ITEMS) -> Evidence:
    """`few_items`: too few items under the rule for an agreement verdict.

    Args:
        n_items: items with at least two answers under the rule.
        minimum: the number of items below which no verdict is given.
    """
    fired = n_items < minimum
    message = (
        f"only {counted(n_items, 'item')} with two or more answers (at least {minimum} are needed for a verdict); "
        "pilot more items under this rule"
        if fired
        else f"{n_items} items with two or more answers"
    )
    return Evidence("few_items", fired, message, {"n_items": n_items, "minimum": minimum})


def skewed_prevalence(
    stats: RuleAgreement, answers: pd.Series, *, target: float, dominant_share: float = SKEW_SHARE
) -> Evidence:
    """`skewed_prevalence`: the kappa paradox (Feinstein & Cicchetti 1990).

    Fires when the agreement engine flagged the rule so, or when raw agreement reaches the target while
    the chance-corrected coefficient is below it and one answer dominates: chance agreement is then so high that kappa/alpha are low even though the
    annotators nearly always agree. Gwet's AC1 (Gwet 2008) is reported as the prevalence-robust figure.

    Args:
        stats: the rule's agreement figures.
        answers: every answer given under the rule.
        target: the pilot's agreement target.
        dominant_share: the share of all answers one answer must hold to count as dominant.
    """
    distribution = answer_distribution(answers)
    total = sum(distribution.values())
    top, top_count = next(iter(distribution.items()), ("", 0))
    share = top_count / total if total else float("nan")
    fired = "skewed_prevalence" in stats.flags or bool(
        total
        and at_least(share, dominant_share)
        and at_least(stats.percent, target)
        and below(stats.estimate, target)
    )
    figures = {
        "dominant_answer": top,
        "dominant_share": share,
        "percent_agreement": stats.percent,
        "ac1": stats.ac1,
        stats.statistic: stats.estimate,
    }
    if fired:
        message = (
            f"{top!s} is {share:.0%} of the answers: raw agreement {_fmt(stats.percent)} and AC1 "
            f"{_fmt(stats.ac1)} are high while {stats.statistic} {_fmt(stats.estimate)} is low because chance "
            "agreement is high (kappa paradox); not a sign of ambiguity on its own"
        )
    else:
        message = f"most frequent answer {top!s} is {share:.0%} of the answers" if total else "no answers"
    return Evidence("skewed_prevalence", fired, message, figures)


def low_agreement(
    stats: RuleAgreement, *, target: float, skewed: bool = False, few: bool = False
) -> Evidence:
    """`low_agreement`: agreement confidently below the pilot target, judged by Gwet's AC1.

    AC1 (Gwet 2008) is the judge because the kappa paradox does not fool it: when one answer dominates,
    kappa/alpha are low although annotators agree, AC1 is not (Feinstein & Cicchetti 1990). Confidently
    below means the upper bound of AC1's 95% interval is below the target (compared with `TOLERANCE`);
    without an AC1 interval, the point estimate is judged. A rule with too few items (`few`) gets no
    verdict here (see `likely_ambiguous`). ``skewed`` is kept for the message: the rule's alpha is low
    because one answer dominates.

    Args:
        stats: the rule's agreement figures.
        target: the pilot's agreement target (policy ``pilot_target``).
        skewed: whether `skewed_prevalence` fired for the rule.
        few: whether `few_items` fired for the rule.
    """
    judged_ac1 = stats.judge == "AC1"
    figures = {
        "statistic": "gwet_ac1" if judged_ac1 else stats.statistic,
        "estimate": stats.ac1,
        "ci95": (stats.ac1_low, stats.ac1_high),
        "target": target,
        "percent_agreement": stats.percent,
        stats.statistic: stats.estimate,
        "gap": target - stats.ac1 if not np.isnan(stats.ac1) else float("nan"),
        "judged_by": "ac1" if judged_ac1 else stats.statistic,
    }
    interval = f"{stats.judge} {_fmt(stats.ac1)} (95% CI {_fmt(stats.ac1_low)} to {_fmt(stats.ac1_high)})"
    if few:
        return Evidence("low_agreement", False, f"{interval}: too few items for a verdict", figures)
    upper = stats.ac1_high if not np.isnan(stats.ac1_high) else stats.ac1
    if np.isnan(upper):
        return Evidence("low_agreement", False, f"{interval}: agreement is undefined", figures)
    fired = below(upper, target)
    if fired:
        message = f"{interval} is confidently below the pilot target {target:.2f}"
    elif below(stats.ac1, target):
        message = f"{interval} is below the target {target:.2f}, but the interval reaches it: no verdict yet"
    elif skewed:
        message = (
            f"{stats.statistic} {_fmt(stats.estimate)} is below the target {target:.2f} only because one "
            f"answer dominates; {interval} reaches it"
        )
    else:
        message = f"{interval} reaches the target {target:.2f}"
    return Evidence("low_agreement", bool(fired), message, figures)


def likely_ambiguous(
    stats: RuleAgreement,
    *,
    target: float,
    pooled_ac1: float,
    few: bool,
    minimum: int = MIN_ITEMS,
    prior_items: float = PRIOR_ITEMS,
) -> Evidence:
    """`likely_ambiguous`: a rule with too few items whose agreement still points at ambiguity.

    The rule's AC1 is shrunk towards the pilot's pooled AC1 as if the pilot contributed `prior_items`
    items (``(n * ac1 + prior * pooled) / (n + prior)``): with few items a low value is mostly noise,
    so it takes a clearly low AC1 to fire (and 0.05 below the pilot's). The verdict is "likely ambiguous, pilot N more items",
    N being what the rule lacks to reach `minimum` items (at least 10 more when it already has them).

    Args:
        stats: the rule's agreement figures; target: the pilot target.
        pooled_ac1: AC1 over the other rules of the pilot (NaN when unknown: then the target is used).
        few: whether `few_items` fired (only then can this fire).
    """
    n = stats.n_items
    prior = target if np.isnan(pooled_ac1) else pooled_ac1
    shrunk = (n * stats.ac1 + prior_items * prior) / (n + prior_items) if not np.isnan(stats.ac1) else np.nan
    more = items_to_tell(stats, float(shrunk), target, minimum=minimum)
    figures = {
        "n_items": n,
        "ac1": stats.ac1,
        "shrunk_ac1": shrunk,
        "pooled_ac1": prior,
        "pilot_more": more,
        "target": target,
    }
    fired = few and n >= 2 and below(float(shrunk), target) and below(stats.ac1, prior - 0.05)
    if fired:
        message = (
            f"likely ambiguous: {stats.judge} {_fmt(stats.ac1)} on only {counted(n, 'item')} (shrunk towards the pilot's "
            f"{_fmt(prior)}: {_fmt(float(shrunk))}, below the target {target:.2f}); to tell whether the rule "
            f"reaches the target of {target:.2f}, pilot about {more} more items under it"
        )
    else:
        message = f"{stats.judge} {_fmt(stats.ac1)} on {counted(n, 'item')}, shrunk {_fmt(float(shrunk))}"
    return Evidence("likely_ambiguous", bool(fired), message, figures)


def items_to_tell(stats: RuleAgreement, estimate: float, target: float, *, minimum: int = MIN_ITEMS) -> int:
    """More items the rule needs for its AC1 interval to tell `estimate` from `target` (width ~ 1/sqrt(n)).

    The half-width h of AC1's 95% interval on n items shrinks as 1/sqrt(n); it must come down to the
    distance between the (shrunk) estimate and the target, at least 0.05. At least what the rule lacks to
    reach `minimum` items, plus `minimum`; without an interval, that alone.
    """
    n = stats.n_items
    floor = max(minimum - n, 0) + minimum
    half = (stats.ac1_high - stats.ac1_low) / 2
    if n <= 0 or np.isnan(half) or np.isnan(estimate):
        return floor
    distance = max(abs(estimate - target), 0.05)
    needed = int(np.ceil(n * (half / distance) ** 2))
    return max(floor, needed - n)


def split_items(mine: pd.DataFrame, *, excess: float = SPLIT_EXCESS, min_answers: int = 4) -> Evidence:
    """`split_items`: disagreement concentrated on items where annotators split, not spread as slips.

    On an item with ``m`` answers, the dissent is ``k = m - (count of the most frequent answer)``. If
    annotators made independent slips at the rule's own rate ``e`` (``sum k / sum m``), ``k`` would follow
    Binomial(m, e), and items with two or more dissenting answers would be rare. Ambiguity (two readings,
    a vague boundary) splits some items while others are unanimous: the share of split items (k >= 2)
    exceeds the binomial expectation (by `excess`, and by 2.5 standard errors). A clear rule whose items
    are merely hard (more slips everywhere) does not. Only items with at least `min_answers` answers count.

    Args:
        mine: the responses under the rule.
        excess: observed minus expected share of split items that fires the signal.
    """
    sizes = mine.groupby(ITEM, sort=False)[ANSWER].agg(
        lambda a: (len(a), int(pd.Series([answer_key(x) for x in a]).value_counts().iloc[0]))
    )
    m = np.array([v[0] for v in sizes], dtype=float)
    top = np.array([v[1] for v in sizes], dtype=float)
    keep = m >= min_answers
    if keep.sum() < 3:
        return Evidence(
            "split_items", False, "too few items with four or more answers", {"n_items": int(keep.sum())}
        )
    m, k = m[keep], (m - top)[keep]
    rate = float(k.sum() / m.sum())
    expected = float(np.mean(1 - (1 - rate) ** m - m * rate * (1 - rate) ** (m - 1)))
    observed = float(np.mean(k >= 2))
    gap = observed - expected
    n = len(m)
    z = (observed - expected) * np.sqrt(n / max(expected * (1 - expected), 1e-9))
    fired = gap >= excess - TOLERANCE and int((k >= 2).sum()) >= 2 and z >= 2.5
    figures = {"observed": observed, "expected": expected, "excess": gap, "z": float(z), "n_items": n}
    message = (
        f"{observed:.0%} of the items split (two or more dissenting answers); independent slips at this "
        f"rule's rate would split {expected:.0%}"
    )
    return Evidence("split_items", bool(fired), message, figures)


# --------------------------------------------------------------------------- gold


def gold_accuracy(responses: pd.DataFrame, gold: pd.Series) -> pd.DataFrame:
    """Per annotator: answers on gold items and the share equal to gold (exact canonical match).

    Returns:
        DataFrame indexed by annotator_id with columns ``n_gold`` (int) and ``accuracy`` (float).
    """
    scored = responses[responses[ITEM].isin(gold.index)]
    correct = [answer == gold[item] for item, answer in zip(scored[ITEM], scored[ANSWER], strict=True)]
    frame = pd.DataFrame({ANNOTATOR: scored[ANNOTATOR].to_numpy(), "correct": np.array(correct, dtype=float)})
    grouped = frame.groupby(ANNOTATOR)["correct"]
    return pd.DataFrame({"n_gold": grouped.size(), "accuracy": grouped.mean()})


def good_annotators_fail(
    responses: pd.DataFrame,
    item_rules: pd.DataFrame,
    gold: pd.Series,
    rule_id: str,
    *,
    good_skill: float = GOOD_SKILL,
    min_gold_elsewhere: int = 5,
    min_gold_here: int = 2,
    drop: float = 0.2,
) -> Evidence:
    """`good_annotators_fail`: annotators who are accurate on the other rules miss gold on this one.

    Skill is each annotator's accuracy against gold on items NOT mapped to the rule, so the rule's own
    difficulty does not lower the bar. When annotators who are good elsewhere fall well below their own
    level here, the rule (or its gold) is at fault rather than the people.

    Args:
        responses, item_rules, gold: canonical tables (gold: Series indexed by item_id).
        rule_id: the rule judged.
        good_skill: accuracy elsewhere from which an annotator counts as good.
        min_gold_elsewhere: gold answers elsewhere needed to estimate an annotator's skill.
        min_gold_here: gold answers under the rule needed for an annotator to count here.
        drop: how far below their skill elsewhere the good annotators' accuracy here must fall.
    """
    here = set(items_of_rule(item_rules, rule_id))
    mine = responses[responses[ITEM].isin(here)]
    others = responses[~responses[ITEM].isin(here)]
    skill = gold_accuracy(others, gold)
    good = skill[(skill["n_gold"] >= min_gold_elsewhere) & (skill["accuracy"] >= good_skill)]
    local = gold_accuracy(mine[mine[ANNOTATOR].isin(good.index)], gold)
    local = local[local["n_gold"] >= min_gold_here]
    if local.empty:
        return Evidence(
            "good_annotators_fail",
            False,
            "no annotator with a known skill elsewhere answered enough gold items under this rule",
            {"n_good_annotators": len(good)},
        )
    accuracy_here = float((local["accuracy"] * local["n_gold"]).sum() / local["n_gold"].sum())
    skill_there = float(good.loc[local.index, "accuracy"].mean())
    failing = local.index[local["accuracy"] <= good.loc[local.index, "accuracy"] - drop]
    fired = accuracy_here <= skill_there - drop and len(failing) >= max(2, len(local) // 2)
    figures = {
        "n_good_annotators": len(local),
        "n_failing": len(failing),
        "accuracy_elsewhere": skill_there,
        "accuracy_here": accuracy_here,
        "failing_annotators": sorted(map(str, failing)),
    }
    message = (
        f"{len(failing)} of {len(local)} annotators who score {skill_there:.0%} against gold on the other rules "
        f"score {accuracy_here:.0%} here"
    )
    if fired:
        message += ": the rule (or its gold) is at fault, not the annotators"
    return Evidence("good_annotators_fail", bool(fired), message, figures)


def gold_drop_separation(
    responses: pd.DataFrame,
    item_rules: pd.DataFrame,
    gold: pd.Series,
    rule_id: str,
    *,
    exclude: Sequence[str] = (),
    min_gold_elsewhere: int = 5,
    min_gold_here: int = 2,
) -> float:
    """How many standard errors the annotators' accuracy against gold falls on this rule below their own
    accuracy on the other rules (pooled over annotators, continuous: `good_annotators_fail` as a z).

    Per annotator with `min_gold_here` gold answers under the rule and `min_gold_elsewhere` elsewhere
    (`gold_accuracy` on each side), the drop is elsewhere minus here, with the binomial variance
    ``p (1 - p) (1 / n_here + 1 / n_elsewhere)`` at their accuracy elsewhere ``p`` (kept within
    [0.05, 0.95]); the z is the summed drop over the square root of the summed variance. Each annotator is
    compared with themselves, so a weak annotator does not count against a rule. `exclude` are items left
    out on both sides (gold suspects: a wrong gold answer must not make its rule look ambiguous). Positive
    when the annotators miss gold more on this rule; NaN with no annotator to compare.
    """
    kept = gold.drop([i for i in exclude if i in gold.index])
    here = set(items_of_rule(item_rules, rule_id))
    mine = gold_accuracy(responses[responses[ITEM].isin(here)], kept)
    others = gold_accuracy(responses[~responses[ITEM].isin(here)], kept)
    both = mine.add_suffix("_here").join(others.add_suffix("_elsewhere"), how="inner")
    both = both[(both["n_gold_here"] >= min_gold_here) & (both["n_gold_elsewhere"] >= min_gold_elsewhere)]
    if both.empty:
        return float("nan")
    p = both["accuracy_elsewhere"].clip(0.05, 0.95)
    variance = p * (1 - p) * (1 / both["n_gold_here"] + 1 / both["n_gold_elsewhere"])
    drop = both["accuracy_elsewhere"] - both["accuracy_here"]
    return float(drop.sum() / np.sqrt(variance.sum()))


def gold_suspects(
    responses: pd.DataFrame,
    gold: pd.Series,
    item_ids: Sequence[str] | None = None,
    *,
    consensus: float = CONSENSUS,
    min_answers: int = 3,
) -> pd.DataFrame:
    """Items whose annotators agree with each other and not with gold.

    Args:
        responses: canonical responses.
        gold: gold answers indexed by item_id.
        item_ids: restrict to these items (default: every gold item).
        consensus: share of answers the majority answer must hold.
        min_answers: answers an item needs.

    Returns:
        DataFrame indexed by item_id (strongest consensus first) with columns ``gold``, ``majority``,
        ``share``, ``n`` and ``distribution`` (dict answer -> count).
    """
    scope = responses[responses[ITEM].isin(gold.index)]
    if item_ids is not None:
        scope = scope[scope[ITEM].isin(item_ids)]
    columns = ["gold", "majority", "share", "n", "distribution"]
    if scope.empty:
        return pd.DataFrame(columns=columns, index=pd.Index([], name=ITEM))
    top = majority(scope)
    top["gold"] = [gold[item] for item in top.index]
    wrong = top[(top["n"] >= min_answers) & (top["share"] >= consensus)]
    differs = np.array([m != g for m, g in zip(wrong["majority"], wrong["gold"], strict=True)], dtype=bool)
    wrong = wrong.loc[differs]
    wrong = wrong.sort_values(["share", "n"], ascending=False)
    wrong["distribution"] = [
        answer_distribution(scope.loc[scope[ITEM] == item, ANSWER]) for item in wrong.index
    ]
    return wrong[columns]


def suspect_quiz_items(suspects: pd.DataFrame, item_ids: Sequence[str]) -> Evidence:
    """`suspect_items`: the rule's quiz items that measure nothing or the opposite under the item model.

    Args:
        suspects: `calibration.adaptive.irt.suspect_items` of the guideline version's fit (indexed by
            item_id, with columns n_answers, discrimination, ability_correlation, reason).
        item_ids: the rule's items.

    Strong annotators miss such an item as often as weak ones, or more (Lalor et al. 2016): its gold
    answer is wrong or the item is ambiguous. The items are listed, most reversed first.
    """
    wanted = {str(i) for i in item_ids}
    mine = suspects[[str(i) in wanted for i in suspects.index]] if len(suspects) else suspects
    return _suspects(
        "suspect_items",
        mine,
        lambda item, row: {
            "item_id": str(item),
            "n_answers": int(row["n_answers"]),
            "discrimination": float(row["discrimination"]),
            "ability_correlation": float(row["ability_correlation"]),
            "reason": str(row["reason"]),
        },
        "no quiz item of the rule measures the wrong thing",
        "under the item model, quiz items measure nothing or the opposite: "
        + "; ".join(f"{item} ({row['reason']})" for item, row in mine.iterrows()),
        items=tuple(str(i) for i in mine.index),
    )


def _suspects(
    code: SignalCode,
    suspects: pd.DataFrame,
    figure: Callable[[Any, pd.Series], dict[str, Any]],
    quiet: str,
    message: str,
    items: tuple[str, ...],
) -> Evidence:
    """The evidence of a signal that lists suspect items: fired when `suspects` has a row.

    The figures are ``n_suspects`` and ``suspects`` (`figure` of each row); `quiet` is the message
    when none is suspect, `message` (and `items`) when some are.
    """
    figures = {
        "n_suspects": len(suspects),
        "suspects": [figure(item, row) for item, row in suspects.iterrows()],
    }
    if suspects.empty:
        return Evidence(code, False, quiet, figures)
    return Evidence(code, True, message, figures, items=items)


def gold_suspect(
    responses: pd.DataFrame, gold: pd.Series, item_ids: Sequence[str], *, consensus: float = CONSENSUS
) -> Evidence:
    """`gold_suspect`: under the rule, items where the annotators' consensus contradicts gold.

    Either the gold answer is wrong or the rule leads everyone to the same wrong answer; either way the
    item's gold needs review. The items are listed, strongest consensus first.
    """
    suspects = gold_suspects(responses, gold, item_ids, consensus=consensus)
    parts = [
        f"{item} (gold {answer_key(row['gold'])}, {row['share']:.0%} answered {answer_key(row['majority'])})"
        for item, row in suspects.iterrows()
    ]
    return _suspects(
        "gold_suspect",
        suspects,
        lambda item, row: {
            "item_id": item,
            "gold": answer_key(row["gold"]),
            "majority": answer_key(row["majority"]),
            "share": float(row["share"]),
        },
        "no item where the annotators agree against gold",
        "annotators agree with each other against gold on " + ", ".join(parts),
        items=tuple(suspects.index),
    )


# --------------------------------------------------------------------------- annotators' own signals


def _comments(frame: pd.DataFrame, limit: int = 5) -> tuple[str, ...]:
    if COMMENT not in frame:
        return ()
    texts = [str(c).strip() for c in frame[COMMENT] if isinstance(c, str) and c.strip()]
    return tuple(dict.fromkeys(texts))[:limit]


def _item_means(values: pd.Series, items: pd.Series | None) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    if items is None:
        return numbers.dropna()
    return numbers.groupby(items.to_numpy()).mean().dropna()


def separation(
    here: pd.Series,
    others: pd.Series,
    here_items: pd.Series | None = None,
    other_items: pd.Series | None = None,
) -> float:
    """How far the rule's answers stand from the other rules': ``(mean(others) - mean(here)) / SE`` (Welch).

    With item ids, the values are first averaged per item and the items are the units: answers to
    one item are not independent (a long text is slow for everyone), so counting answers would
    overstate the separation. Positive when the rule's values are lower (less confident); NaN with
    fewer than two values on a side.
    """
    a = _item_means(here, here_items)
    b = _item_means(others, other_items)
    if len(a) < 2 or len(b) < 2:
        return float("nan")
    se = float(np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b)))
    if se == 0:
        return 0.0 if a.mean() == b.mean() else float(np.sign(b.mean() - a.mean()) * np.inf)
    return float((b.mean() - a.mean()) / se)


def separation_weight(z: float) -> float:
    """The share of a signal's points it earns: ``z / (2 SEPARATION_Z)`` between 0 and 1 (all of them from
    twice `SEPARATION_Z` standard errors), nothing when the rule does not stand out."""
    if np.isnan(z):
        return 0.0
    return float(min(1.0, max(0.0, z / (2 * SEPARATION_Z))))


def _others(mine: pd.DataFrame, everything: pd.DataFrame) -> pd.DataFrame:
    return everything.loc[~everything.index.isin(mine.index)]


def low_confidence(
    mine: pd.DataFrame, everything: pd.DataFrame, *, threshold: float = LOW_CONFIDENCE, margin: float = 0.5
) -> Evidence:
    """`low_confidence`: annotators say they are unsure under this rule.

    Fires when the rule's mean confidence (1-5) is at or below `threshold`, or `margin` below the mean
    over every rule.

    Args:
        mine: responses under the rule; everything: all responses.
    """
    if CONFIDENCE not in mine or mine[CONFIDENCE].isna().all():
        return Evidence("low_confidence", False, "confidence was not asked", {})
    mean_here = float(mine[CONFIDENCE].dropna().astype(float).mean())
    mean_all = float(everything[CONFIDENCE].dropna().astype(float).mean())
    fired = mean_here <= threshold or mean_here <= mean_all - margin
    z = (
        separation(mine[CONFIDENCE], _others(mine, everything)[CONFIDENCE])
        if CONFIDENCE in everything
        else np.nan
    )
    message = f"mean confidence {mean_here:.1f} of 5 here, {mean_all:.1f} over all rules"
    items = ()
    if fired:
        by_item = mine.groupby(ITEM)[CONFIDENCE].mean().sort_values()
        items = tuple(by_item.index[:5])
    return Evidence(
        "low_confidence",
        bool(fired),
        message,
        {"mean_here": mean_here, "mean_all": mean_all, "separation": z, "weight": separation_weight(z)},
        items=items,
    )


def flagged_unclear(
    mine: pd.DataFrame,
    everything: pd.DataFrame | None = None,
    *,
    share: float = UNCLEAR_SHARE,
    min_flags: int = 2,
) -> Evidence:
    """`flagged_unclear`: annotators marked the guideline unclear on the rule's items, with their comments.

    With `everything` (all responses), ``separation`` is how many standard errors the rule's share of
    flags stands above the other rules' (its points scale with it, see `separation_weight`).
    """
    if UNCLEAR not in mine or mine.empty:
        return Evidence("flagged_unclear", False, "no unclear flags were collected", {})
    flagged = mine[mine[UNCLEAR].astype(bool)]
    rate = len(flagged) / len(mine)
    z = float("nan")
    if everything is not None and UNCLEAR in everything:
        others = _others(mine, everything)
        z = -separation(mine[UNCLEAR].astype(float), others[UNCLEAR].astype(float), mine[ITEM], others[ITEM])
    fired = len(flagged) >= min_flags and (at_least(rate, share) or at_least(z, SEPARATION_Z))
    message = f"{len(flagged)} of {len(mine)} answers ({rate:.0%}) flagged the guideline as unclear"
    items = tuple(flagged[ITEM].value_counts().index[:5])
    return Evidence(
        "flagged_unclear",
        bool(fired),
        message,
        {"n_flagged": len(flagged), "share": rate, "separation": z, "weight": separation_weight(z)},
        items=items,
        comments=_comments(flagged),
    )


def long_time(mine: pd.DataFrame, everything: pd.DataFrame, *, ratio: float = SLOW_RATIO) -> Evidence:
    """`long_time`: the rule's items take much longer than the others (median seconds per answer)."""
    if SECONDS not in mine or mine[SECONDS].isna().all():
        return Evidence("long_time", False, "time per item was not recorded", {})
    median_here = float(mine[SECONDS].median())
    median_all = float(everything[SECONDS].median())
    observed = median_here / median_all if median_all > 0 else float("nan")
    logs = np.log(everything[SECONDS].clip(lower=1e-3))
    rest = ~logs.index.isin(mine.index)
    z = -separation(logs.loc[mine.index], logs.loc[rest], mine[ITEM], everything.loc[rest, ITEM])
    fired = at_least(observed, ratio) or at_least(z, SEPARATION_Z)
    message = f"median {median_here:.0f} s per answer here, {median_all:.0f} s over all rules"
    items = ()
    if fired:
        items = tuple(mine.groupby(ITEM)[SECONDS].median().sort_values(ascending=False).index[:5])
    return Evidence(
        "long_time",
        bool(fired),
        message,
        {
            "median_seconds": median_here,
            "median_seconds_all": median_all,
            "ratio": observed,
            "separation": z,
            "weight": separation_weight(z),
        },
        items=items,
    )


def overlapping_rules(
    mine: pd.DataFrame, item_rules: pd.DataFrame, rule_id: str, *, share: float = OVERLAP_SHARE
) -> Evidence:
    """`overlapping_rules`: with rule citation on, annotators cite another rule for this rule's items.

    Counts the answers under the rule whose cited rule is not one the item is mapped to; the rules
    cited instead are named, most cited first.
    """
    if CITED_RULE not in mine:
        return Evidence("overlapping_rules", False, "rule citation was not asked", {})
    cited = mine[mine[CITED_RULE].notna()]
    if cited.empty:
        return Evidence("overlapping_rules", False, "no answer cited a rule", {})
    mapped = item_rules.groupby(ITEM)[RULE].agg(set)
    elsewhere = cited[
        [c not in mapped.get(i, set()) for i, c in zip(cited[ITEM], cited[CITED_RULE], strict=True)]
    ]
    rate = len(elsewhere) / len(cited)
    counts = elsewhere[CITED_RULE].astype(str).value_counts()
    fired = at_least(rate, share) and len(elsewhere) >= 2
    others = ", ".join(f"{rule} ({n})" for rule, n in counts.items())
    message = f"{len(elsewhere)} of {len(cited)} answers ({rate:.0%}) cite another rule"
    if others:
        message += f": {others}"
    return Evidence(
        "overlapping_rules",
        bool(fired),
        message,
        {"share": rate, "cited_instead": {str(k): int(v) for k, v in counts.items()}, "rule_id": rule_id},
        items=tuple(elsewhere[ITEM].value_counts().index[:5]),
    )


# --------------------------------------------------------------------------- guideline lint

# lint code -> flag code; other lint codes (uncovered_label, too_few_items ...) are not about ambiguity
LINT_FLAGS: dict[str, SignalCode] = {
    "contradictory_examples": "contradictory_examples",
    "vague_wording": "vague_wording",
    "no_edge_cases": "missing_edge_cases",
}


def lint_signals(warnings: Sequence[Any]) -> list[Evidence]:
    """`contradictory_examples`, `vague_wording`, `missing_edge_cases` from the rule's lint warnings.

    Args:
        warnings: the rule's warnings, as `calibration.guidelines.lint.warnings_by_rule` gives them
            (`Problem` objects with a ``code``).

    Returns:
        One fired `Evidence` per flag code that has warnings, in `LINT_FLAGS` order.
    """
    found = []
    for lint_code, flag in LINT_FLAGS.items():
        mine = [w for w in warnings if w.code == lint_code]
        if not mine:
            continue
        message = "; ".join(
            f"{w.location.field}: {w.message}" if w.location.field else w.message for w in mine
        )
        figures = {"n_warnings": len(mine), "fields": [w.location.field for w in mine]}
        found.append(Evidence(flag, True, message, figures))
    return found


# --------------------------------------------------------------------------- concentrated confusion


def confused_labels(
    pair_counts: Mapping[tuple[str, str], float],
    *,
    percent_agreement: float,
    target: float,
    share: float = CONFUSION_SHARE,
    expected_disagreement: float = float("nan"),
    margin: float = 0.05,
) -> Evidence:
    """`confused_labels`: one pair of labels accounts for most of the disagreement under the rule.

    The flag needs material disagreement (raw agreement below the target): with two labels, the one
    pair always holds all of the disagreement, however little there is. With `expected_disagreement`
    (the disagreement these annotators show on the other rules), the rule's disagreement must also
    exceed it by `margin`: a clear rule whose ordinary slips happen to fall on one label pair is not
    confused labels.

    Args:
        pair_counts: disagreeing answer pairs under the rule, counted per unordered label pair
            (from the agreement engine's `confused_pairs`), e.g. ``{("A", "B"): 30, ("A", "C"): 2}``.
        percent_agreement: the rule's raw agreement; target: the pilot target.
        share: the share of all disagreeing pairs the top pair must hold.
    """
    total = float(sum(pair_counts.values()))
    if total <= 0:
        return Evidence("confused_labels", False, "no disagreement to analyse", {"n_disagreements": 0})
    (first, second), top = max(pair_counts.items(), key=lambda kv: (kv[1], kv[0]))
    rate = top / total
    excess = (1 - percent_agreement) - expected_disagreement
    fired = at_least(rate, share) and below(percent_agreement, target)
    if not np.isnan(expected_disagreement):
        fired = fired and at_least(excess, margin)
    pairs = sorted(pair_counts.items(), key=lambda kv: -kv[1])[:5]
    figures = {
        "pair": [answer_key(first), answer_key(second)],
        "share": rate,
        "n_disagreements": total,
        "percent_agreement": percent_agreement,
        "expected_disagreement": expected_disagreement,
        "excess_disagreement": excess,
        "pairs": [{"labels": [answer_key(a), answer_key(b)], "count": c} for (a, b), c in pairs],
    }
    message = f"{answer_key(first)} vs {answer_key(second)} is {rate:.0%} of the disagreement"
    return Evidence("confused_labels", bool(fired), message, figures)


def model_error_pattern(triage_row: Mapping[str, Any], model: str) -> Evidence:
    """`model_error_pattern`: a model fails on the rule differently from people (from a model triage).

    The finding comes from a model's answers, not from people's, and says so: it fires when the
    triage (`calibration.agreement.model.triage_rules`) found the model's errors concentrated on one
    label pair people rarely confuse, or on the rule's edge cases. Such a rule may read one way to a
    model and another to people: worth a look at its wording and examples.

    Args:
        triage_row: one rule's row of the triage table (``error_pattern``, ``model_errors``,
            ``model_accuracy``, ``human_accuracy``, ``n_items``).
        model: the model's name, shown in the message.
    """
    pattern = triage_row.get("error_pattern")
    pattern = pattern if isinstance(pattern, str) and pattern else None  # NaN or None: no pattern
    figures = {
        "source": "model",
        "model": model,
        "pattern": pattern,
        "model_errors": _plain(triage_row.get("model_errors")),
        "model_accuracy": _plain(triage_row.get("model_accuracy")),
        "human_accuracy": _plain(triage_row.get("human_accuracy")),
        "n_items": _plain(triage_row.get("n_items")),
    }
    if not pattern:
        return Evidence("model_error_pattern", False, f"model {model}: no error pattern of its own", figures)
    message = f"model {model} (not people) fails here differently from people: its errors are on {pattern}"
    return Evidence("model_error_pattern", True, message, figures)


# --------------------------------------------------------------------------- boxes


def _worst(items: pd.DataFrame, column: str, *, ascending: bool, n: int, among: pd.Series) -> tuple[str, ...]:
    """Ids of the `n` images worst on `column` among those where it is measured (``among`` > 0)."""
    measured = items[(among > 0) & items[column].notna()]
    ordered = measured.sort_values([column, "disagreement"], ascending=[ascending, False], kind="stable")
    return tuple(str(i) for i in ordered.index[:n])


def _box_evidence(
    code: SignalCode,
    counted: tuple[float, int, str],
    fired: bool,
    message: str,
    figures: Mapping[str, Any],
    worst: tuple[str, ...],
) -> Evidence:
    """A box signal's finding: no verdict on too few boxes, else `fired` or not with `message`, naming the
    `worst` images when it fires.

    Args:
        counted: ``(count, minimum, what)``: the signal measured `count` boxes (`what`, e.g. "matched
            boxes") and needs `minimum` for a verdict.
    """
    count, minimum, what = counted
    if count < minimum:
        return Evidence(code, False, f"only {int(count)} {what}: no verdict", figures)
    return Evidence(code, bool(fired), message, figures, items=worst if fired else ())


def localization_disagreement(
    items: pd.DataFrame, *, threshold: float = BOX_IOU, minimum: int = MIN_BOX_PAIRS, n_worst: int = 5
) -> Evidence:
    """`localization_disagreement`: annotators box the same objects but draw their boundaries differently.

    Fires when the mean IoU of the rule's matched boxes (pairs of two annotators' boxes matched at any
    overlap, `calibration.agreement.boxes`) is below `threshold`: a boundary rule ("include the
    occluded part", "tight around the visible pixels") is unclear. The worst images are those with the
    lowest mean IoU, to be drawn with every annotator's boxes.

    Args:
        items: the rule's rows of `calibration.agreement.boxes.BoxAgreement.items` (index item_id).
        threshold: mean IoU below which the signal fires; minimum: matched pairs needed for a verdict.
    """
    matched = float(items["n_matched"].sum()) if len(items) else 0.0
    mean_iou = (
        float((items["mean_iou"].fillna(0) * items["n_matched"]).sum() / matched) if matched else float("nan")
    )
    worst = _worst(items, "mean_iou", ascending=True, n=n_worst, among=items["n_matched"]) if matched else ()
    figures = {"mean_iou": mean_iou, "threshold": threshold, "n_matched": int(matched)}
    fired = below(mean_iou, threshold)
    if fired:
        message = (
            f"annotators box the same objects but their boxes overlap with a mean IoU of only {mean_iou:.2f} "
            f"(below {threshold:.2f}, over {int(matched)} matched pairs): say where a box's edges go"
        )
    else:
        message = f"matched boxes overlap with a mean IoU of {mean_iou:.2f}"
    return _box_evidence(
        "localization_disagreement", (matched, minimum, "matched boxes"), fired, message, figures, worst
    )


def coverage_disagreement(
    items: pd.DataFrame, *, threshold: float = BOX_COVERAGE, minimum: int = MIN_BOX_PAIRS, n_worst: int = 5
) -> Evidence:
    """`coverage_disagreement`: some annotators box objects that others leave out.

    Over the rule's pairs of answers, the share of boxes that no box of the other annotator overlaps
    (unmatched at any overlap); at `threshold` or above an inclusion rule ("one box per person in a
    crowd", "box reflections or not") is unclear. The worst images have the largest such share.

    Args:
        items: the rule's rows of `calibration.agreement.boxes.BoxAgreement.items` (index item_id).
    """
    compared = float(items["n_pair_boxes"].sum()) if len(items) else 0.0
    unmatched = float(items["n_unmatched"].sum()) if len(items) else 0.0
    share = unmatched / compared if compared else float("nan")
    worst = (
        _worst(items, "unmatched_share", ascending=False, n=n_worst, among=items["n_unmatched"])
        if compared
        else ()
    )
    figures = {
        "unmatched_share": share,
        "threshold": threshold,
        "n_unmatched": int(unmatched),
        "n_compared": int(compared),
    }
    fired = at_least(share, threshold)
    message = f"{share:.0%} of the boxes have no counterpart in another annotator's answer"
    if fired:
        message += (
            ": annotators disagree about which objects to box; say which objects this rule includes and "
            "which it leaves out"
        )
    return _box_evidence(
        "coverage_disagreement", (compared, minimum, "boxes compared"), fired, message, figures, worst
    )


def box_label_confusion(
    items: pd.DataFrame,
    confusion: pd.DataFrame | None = None,
    *,
    threshold: float = BOX_RELABEL,
    minimum: int = MIN_BOX_PAIRS,
    n_worst: int = 5,
) -> Evidence:
    """`box_label_confusion`: annotators box the same object but give it different labels.

    The share of box pairs matched at the task's ``min_iou`` whose labels differ; at `threshold` or
    above the signal fires and names the label pair most often swapped (from the rule's label
    coincidences, `BoxAgreement.confusion`).

    Args:
        items: the rule's rows of `BoxAgreement.items`; confusion: the rule's label x label table.
    """
    matched = float(items["n_matched_min_iou"].sum()) if len(items) else 0.0
    mismatched = float(items["n_label_mismatch"].sum()) if len(items) else 0.0
    share = mismatched / matched if matched else float("nan")
    pair: list[str] = []
    if confusion is not None and len(confusion) > 1:
        values = confusion.to_numpy(dtype=float)
        upper = [
            (values[i, j] + values[j, i], i, j) for i in range(len(values)) for j in range(i + 1, len(values))
        ]
        top, i, j = max(upper)
        if top > 0:
            pair = [str(confusion.index[i]), str(confusion.columns[j])]
    worst = (
        _worst(items, "label_mismatch", ascending=False, n=n_worst, among=items["n_label_mismatch"])
        if matched
        else ()
    )
    figures = {"mismatch_share": share, "threshold": threshold, "n_matched": int(matched), "pair": pair}
    fired = at_least(share, threshold)
    named = f", mostly {pair[0]} vs {pair[1]}" if pair else ""
    if fired:
        message = f"{share:.0%} of the boxes annotators agree on carry different labels{named}"
    else:
        message = f"{share:.0%} of matched boxes carry different labels"
    return _box_evidence(
        "box_label_confusion", (matched, minimum, "matched boxes"), fired, message, figures, worst
    )
