"""A model as an annotator: certify it like a person, and triage each rule (automate, keep people).

Public API::

    choose_model(responses, model=None) -> (name, responses of that model)
    certify_model(responses, guideline, model=None) -> ModelCertification
    triage_rules(responses, gold, item_rules, ...) -> pandas.DataFrame (one row per rule)
    wilson_interval(successes, n, confidence=0.95) -> (low, high)

A model is certified with exactly the scoring of a person's calibration quiz
(`calibration.agreement.gold.score_against_gold` with the guideline's policy): the same per-rule
accuracy, the same rule threshold (``pass_rule_accuracy``, else ``pass_accuracy``, else 0.8) and the
same pass/fail. The per-rule decision is the person's: pass, fail or undecided with stated confidence
(`calibration.agreement.decisions`); the Wilson interval next to it states the accuracy's precision (Wilson 1927; Brown, Cai & DasGupta 2001 recommend it over the Wald interval for small n).

Triage compares, per rule and on the same gold items, the model's accuracy with the pooled accuracy
of the (certified) people, and the model's agreement with the people's majority answer. The
difference model - people gets a percentile bootstrap interval that resamples items (Efron &
Tibshirani 1993), so an item's answers move together. The decision is a non-inferiority test
(Wellek 2010): with ``margin`` the largest accuracy loss the lead accepts,

- ``automate with spot-checks`` when the interval's lower bound is above ``-margin`` (the model is
  at most ``margin`` worse than the people, with the stated confidence);
- ``keep people`` when its upper bound is below ``-margin`` (the model is surely worse);
- ``not enough evidence`` otherwise, or with fewer than ``min_items`` gold items or no people's
  answers on them.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from calibration.agreement.gold import GoldScore, answers_credit, score_against_gold
from calibration.agreement.results import jsonable
from calibration.answers import suggest
from calibration.errors import DataError
from calibration.responses import ANNOTATOR, ANNOTATOR_KIND, ANSWER, ITEM, RULE, gold_series, item_rules_frame
from calibration.wording import counted

if TYPE_CHECKING:
    from collections.abc import Iterable

    from calibration.guidelines.model import Guideline, Task

Decision = Literal["automate with spot-checks", "keep people", "not enough evidence"]
AUTOMATE: Decision = "automate with spot-checks"
KEEP: Decision = "keep people"
UNSURE: Decision = "not enough evidence"

TRIAGE_COLUMNS = [
    "n_items",
    "model_accuracy",
    "model_low",
    "model_high",
    "human_accuracy",
    "human_low",
    "human_high",
    "n_human_answers",
    "model_vs_consensus",
    "consensus_low",
    "consensus_high",
    "difference",
    "difference_low",
    "difference_high",
    "decision",
    "model_errors",
    "error_pattern",
]


def wilson_interval(successes: float, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval of a proportion (Wilson 1927).

    Args:
        successes: the number of successes (a sum of partial credits is accepted).
        n: the number of trials.
        confidence: two-sided coverage, in (0, 1).

    Returns:
        ``(low, high)``; ``(nan, nan)`` when n is 0.

    Example:
        >>> [round(v, 3) for v in wilson_interval(8, 10)]
        [0.49, 0.943]
    """
    if not 0 < confidence < 1:
        raise DataError(f"confidence must be between 0 and 1, got {confidence!r}", hint="e.g. 0.95")
    if n <= 0:
        return math.nan, math.nan
    # lazy: scipy.stats takes ~0.6 s to import and only the model checks need it
    from scipy.stats import norm

    z = float(norm.ppf(0.5 + confidence / 2))
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def choose_model(responses: pd.DataFrame, model: str | None = None) -> tuple[str, pd.DataFrame]:
    """The model annotator's answers in a responses table.

    The model is `model` when given; else the only annotator marked ``annotator_kind=model``; else
    the only annotator of the table (a file of one model's answers).

    Returns:
        ``(name, that annotator's rows)`` (a RangeIndex).

    Raises:
        DataError: the named model is not in the table (with a did-you-mean hint), or several
            annotators could be the model and none is named.
    """
    names = sorted(set(responses[ANNOTATOR]))
    if model is not None:
        if model not in names:
            raise DataError(
                f"no answer in the file is by the model {model!r}",
                hint=suggest(model, names) or f"the annotators are {', '.join(names[:10])}",
            )
        chosen = model
    else:
        marked = (
            sorted(set(responses.loc[responses[ANNOTATOR_KIND].eq("model"), ANNOTATOR]))
            if ANNOTATOR_KIND in responses
            else []
        )
        candidates = marked or names
        if len(candidates) != 1:
            raise DataError(
                f"the file holds answers by several {'models' if marked else 'annotators'}: "
                f"{', '.join(candidates[:10])}",
                hint="name the model with --model NAME",
            )
        chosen = candidates[0]
    return chosen, responses[responses[ANNOTATOR].eq(chosen)].reset_index(drop=True)


@dataclass(frozen=True)
class ModelCertification:
    """A model's calibration result on a guideline's bank, decided like a person's.

    ``per_rule`` is indexed by rule_id with columns n_items, n_correct, accuracy, low, high (the
    Wilson interval at ``confidence``), threshold, decision and p_pass: the decision a person's quiz
    result states for the same answers (``pass``, ``fail`` or ``undecided``, decided with stated
    confidence by `calibration.agreement.decisions`; ``fail`` also below the rule's pass mark) and the
    posterior probability that the accuracy reaches the threshold.
    """

    model: str
    guideline: str
    score: GoldScore
    per_rule: pd.DataFrame
    confidence: float
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """Certified: the same pass/fail as a person's quiz with the same answers."""
        return self.score.passed

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (the CLI's --json)."""
        rules = {
            str(rule): {k: jsonable(v) for k, v in row.items()}
            for rule, row in self.per_rule.to_dict(orient="index").items()
        }
        return {
            "model": self.model,
            "guideline": self.guideline,
            "passed": self.passed,
            "n_items": self.score.n_items,
            "accuracy": self.score.accuracy,
            "kappa": self.score.kappa,
            "reasons": list(self.score.reasons),
            "confidence": self.confidence,
            "per_rule": rules,
            "notes": list(self.notes),
        }

    def lines(self) -> list[str]:
        """A readable report: the verdict, then one line per rule."""
        verdict = "certified" if self.passed else "not certified"
        accuracy = "-" if self.score.accuracy is None else f"{self.score.accuracy:.3f}"
        out = [
            f"model {self.model} on {self.guideline}: {verdict} ({self.score.n_items} items, accuracy {accuracy})"
        ]
        out += [f"  {reason}" for reason in self.score.reasons]
        level = round(self.confidence * 100)
        for rule, row in self.per_rule.iterrows():
            out.append(
                f"{rule}: {row['decision']} accuracy {row['accuracy']:.3f} on {int(row['n_items'])} items "
                f"({level}% interval {row['low']:.2f}-{row['high']:.2f}; threshold {row['threshold']:.2f}"
                + ("" if pd.isna(row["p_pass"]) else f"; P(accuracy >= threshold) {row['p_pass']:.2f}")
                + ")"
            )
        out += [f"note: {note}" for note in self.notes]
        return out


def certify_model(
    responses: pd.DataFrame, guideline: Guideline, model: str | None = None, *, confidence: float = 0.95
) -> ModelCertification:
    """Score a model's answers on the guideline's bank exactly as a person's calibration quiz.

    Args:
        responses: canonical responses (`calibration.responses`) holding the model's answers.
        guideline: the guideline version; its bank gold, item rules and calibration policy are used.
        model: the model's annotator id (see `choose_model`).
        confidence: coverage of the per-rule Wilson intervals.

    Returns:
        The `ModelCertification`.

    Raises:
        DataError: no model can be chosen, or none of its answers is on a bank item with gold.
    """
    name, answers = choose_model(responses, model)
    gold = gold_series(guideline.gold_answers())
    scored = answers[answers[ITEM].isin(gold.index)]
    if scored.empty:
        raise DataError(
            f"none of {name}'s {counted(len(answers), 'answer')} is on an item of {guideline.ref}'s bank with gold",
            hint="certify-model scores answers on the bank items (item_id as in the guideline)",
        )
    policy = guideline.calibration
    score = score_against_gold(
        scored[[ITEM, ANSWER]], gold, guideline.task, item_rules_frame(guideline.item_rules()), policy
    )
    threshold = policy.rule_threshold
    per_rule = score.per_rule[["n_items", "n_correct", "accuracy"]].copy()
    bounds = [
        wilson_interval(acc * n, int(n), confidence)
        for n, acc in zip(per_rule["n_items"], per_rule["accuracy"], strict=True)
    ]
    per_rule["low"] = [b[0] for b in bounds]
    per_rule["high"] = [b[1] for b in bounds]
    per_rule["threshold"] = float(threshold)
    # the decision a person's result shows for the same answers: pass / fail / undecided with stated
    # confidence (`calibration.agreement.decisions`), and fail for a rule below the pass mark
    stated = score.rule_decisions.reindex(per_rule.index)
    per_rule["decision"] = [
        "fail" if str(r) in score.failed_rules else (d if isinstance(d, str) else "pass")
        for r, d in zip(per_rule.index, stated.get("decision", pd.Series(index=per_rule.index)), strict=True)
    ]
    per_rule["p_pass"] = stated["p_pass"] if "p_pass" in stated else float("nan")
    notes = []
    left = len(answers) - len(scored)
    if left:
        notes.append(f"{left} answer(s) on items without bank gold were not scored")
    missing = sorted(set(gold.index) - set(scored[ITEM]))
    if missing:
        notes.append(f"{len(missing)} bank item(s) with gold have no answer from {name}")
    return ModelCertification(name, guideline.ref, score, per_rule, confidence, notes)


# --------------------------------------------------------------------------- triage


def _credit(task: Task, answers: pd.Series, gold: pd.Series) -> np.ndarray:
    return np.asarray(answers_credit(task.type, list(answers), list(gold), min_iou=task.min_iou), dtype=float)


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _consensus(people: pd.DataFrame) -> pd.Series:
    """The people's majority answer per item (items with a tie have none)."""
    out = {}
    for item, answers in people.groupby(ITEM, sort=False)[ANSWER]:
        counts = Counter(_hashable(a) for a in answers).most_common(2)
        if len(counts) == 1 or counts[0][1] > counts[1][1]:
            out[item] = counts[0][0]
    return pd.Series(out, dtype=object)


def _error_pattern(
    task: Task, model: pd.DataFrame, people: pd.DataFrame, edge_items: set[str], min_errors: int
) -> str | None:
    """How the model fails differently from people on one rule, or None.

    ``label pair GOLD->ANSWER`` when at least `min_errors` model errors are one confusion, 60% of
    its errors or more, and the model makes it more often than the people do on the same items
    (one-sided exact binomial test at 1%); ``edge cases`` when the model's error rate on the rule's
    edge-case items is at least twice its rate elsewhere and above the people's there (same test).
    """
    wrong = model[model["credit"] < 1]
    if task.type in ("single_label", "pairwise", "rating") and len(wrong) >= min_errors:
        pairs = Counter(zip(wrong["gold"].map(str), wrong[ANSWER].map(str), strict=True))
        ((pair, count),) = pairs.most_common(1)
        if count >= min_errors and count / len(wrong) >= 0.6:
            same = (people["gold"].map(str) == pair[0]) & (people[ANSWER].map(str) == pair[1])
            # the people's rate of this confusion, smoothed so that "never" is not a rate of 0
            human_rate = (float(same.sum()) + 0.5) / (len(people) + 1)
            if _more_often(count, len(model), human_rate):
                return f"label pair {pair[0]}->{pair[1]}"
    if edge_items and len(wrong) >= min_errors:
        on_edge = model[ITEM].isin(edge_items)
        edge_rate = 1 - model.loc[on_edge, "credit"].mean() if on_edge.any() else 0.0
        rest_rate = 1 - model.loc[~on_edge, "credit"].mean() if (~on_edge).any() else 0.0
        human_edge = people[ITEM].isin(edge_items)
        human_rate = 1 - people.loc[human_edge, "credit"].mean() if human_edge.any() else 0.0
        edge_errors = int((model.loc[on_edge, "credit"] < 1).sum())
        if edge_rate >= 2 * rest_rate and _more_often(edge_errors, int(on_edge.sum()), max(human_rate, 0.01)):
            return "edge cases"
    return None


def _more_often(count: int, n: int, rate: float, alpha: float = 0.01) -> bool:
    """The model made this error more often than at `rate` (one-sided exact binomial test)."""
    # lazy: scipy.stats (~0.6 s), as in wilson_interval
    from scipy.stats import binomtest

    return bool(n) and binomtest(count, n, min(rate, 0.999), alternative="greater").pvalue < alpha


def triage_rules(
    responses: pd.DataFrame,
    gold: pd.Series,
    item_rules: pd.DataFrame,
    task: Task,
    *,
    model: str | None = None,
    people: Iterable[str] | None = None,
    margin: float = 0.05,
    confidence: float = 0.95,
    min_items: int = 10,
    edge_items: Iterable[str] = (),
    bootstrap: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """Per rule: the model against gold and against the people's consensus, the people against
    gold on the same items, and the non-inferiority decision.

    Args:
        responses: canonical responses holding the model's and the people's answers (the model
            chosen as in `choose_model`; people are every other annotator not marked as a model).
        gold: canonical gold answers indexed by item_id; only items with gold are compared.
        item_rules: item_id, rule_id.
        task: the guideline's task.
        model: the model's annotator id.
        people: the people to compare with (e.g. the certified annotators); default every person.
        margin: the largest accuracy loss against the people that still allows automation.
        confidence: coverage of the intervals (the decision uses the two-sided interval).
        min_items: fewer gold items answered by the model on a rule give ``not enough evidence``.
        edge_items: the guideline's edge-case items (for the ``edge cases`` error pattern).
        bootstrap: item resamples for the difference's interval.
        seed: random seed of the bootstrap.

    Returns:
        A DataFrame indexed by rule_id with the columns of `TRIAGE_COLUMNS` (accuracies and bounds
        as floats, NaN when undefined; ``error_pattern`` None or a description).

    Raises:
        DataError: no model can be chosen; ``margin`` outside [0, 1).
    """
    if not 0 <= margin < 1:
        raise DataError(f"margin must be at least 0 and below 1, got {margin!r}", hint="e.g. 0.05")
    name, model_rows = choose_model(responses, model)
    others = responses[responses[ANNOTATOR].ne(name)]
    if ANNOTATOR_KIND in others:
        others = others[others[ANNOTATOR_KIND].ne("model")]
    if people is not None:
        others = others[others[ANNOTATOR].isin(set(people))]
    model_rows = model_rows[model_rows[ITEM].isin(gold.index)].copy()
    others = others[others[ITEM].isin(gold.index)].copy()
    for frame in (model_rows, others):
        frame["gold"] = gold.reindex(frame[ITEM]).to_numpy()
        frame["credit"] = _credit(task, frame[ANSWER], frame["gold"]) if len(frame) else []
    consensus = _consensus(others)
    rng = np.random.default_rng(seed)
    edges = set(edge_items)
    rows = {}
    for rule, items in item_rules.groupby(RULE, sort=True)[ITEM]:
        on_rule = set(items)
        m = model_rows[model_rows[ITEM].isin(on_rule)]
        h = others[others[ITEM].isin(set(m[ITEM]))]
        rows[str(rule)] = _rule_row(
            task, m, h, consensus, margin, confidence, min_items, edges, bootstrap, rng
        )
    return pd.DataFrame.from_dict(rows, orient="index", columns=TRIAGE_COLUMNS).rename_axis(RULE)


def _rule_row(
    task: Task,
    m: pd.DataFrame,
    h: pd.DataFrame,
    consensus: pd.Series,
    margin: float,
    confidence: float,
    min_items: int,
    edges: set[str],
    bootstrap: int,
    rng: np.random.Generator,
) -> dict[str, Any]:
    n = len(m)
    model_acc = float(m["credit"].mean()) if n else math.nan
    human_acc = float(h["credit"].mean()) if len(h) else math.nan
    agreed = [
        _hashable(a) == consensus[i] for i, a in zip(m[ITEM], m[ANSWER], strict=True) if i in consensus.index
    ]
    with_consensus = float(np.mean(agreed)) if agreed else math.nan
    low, high = _difference_interval(m, h, confidence, bootstrap, rng)
    if n < min_items or not len(h):
        decision = UNSURE
    elif low > -margin:
        decision = AUTOMATE
    elif high < -margin:
        decision = KEEP
    else:
        decision = UNSURE
    return {
        "n_items": n,
        "model_accuracy": model_acc,
        "model_low": wilson_interval(m["credit"].sum(), n, confidence)[0],
        "model_high": wilson_interval(m["credit"].sum(), n, confidence)[1],
        "human_accuracy": human_acc,
        "human_low": wilson_interval(h["credit"].sum(), len(h), confidence)[0],
        "human_high": wilson_interval(h["credit"].sum(), len(h), confidence)[1],
        "n_human_answers": len(h),
        "model_vs_consensus": with_consensus,
        "consensus_low": wilson_interval(sum(agreed), len(agreed), confidence)[0],
        "consensus_high": wilson_interval(sum(agreed), len(agreed), confidence)[1],
        "difference": model_acc - human_acc,
        "difference_low": low,
        "difference_high": high,
        "decision": decision,
        "model_errors": int((m["credit"] < 1).sum()),
        "error_pattern": _error_pattern(task, m, h, edges, 5),
    }


def _difference_interval(
    m: pd.DataFrame, h: pd.DataFrame, confidence: float, bootstrap: int, rng: np.random.Generator
) -> tuple[float, float]:
    """Percentile bootstrap interval of model accuracy - people's accuracy, resampling items."""
    if not len(m) or not len(h) or bootstrap < 1:
        return math.nan, math.nan
    items = m[ITEM].to_numpy()
    model_credit = m.groupby(ITEM)["credit"].mean().reindex(items).to_numpy()
    human_sum = h.groupby(ITEM)["credit"].sum().reindex(items).fillna(0).to_numpy()
    human_n = h.groupby(ITEM)["credit"].size().reindex(items).fillna(0).to_numpy()
    picks = rng.integers(0, len(items), size=(bootstrap, len(items)))
    with np.errstate(invalid="ignore", divide="ignore"):
        diffs = model_credit[picks].mean(axis=1) - human_sum[picks].sum(axis=1) / human_n[picks].sum(axis=1)
    diffs = diffs[~np.isnan(diffs)]
    if not len(diffs):
        return math.nan, math.nan
    tail = (1 - confidence) / 2 * 100
    return float(np.percentile(diffs, tail)), float(np.percentile(diffs, 100 - tail))


MODEL_ROW_COLUMNS = ["n_answers", "n_gold", "accuracy", "low", "high", "agrees_with_people", "n_majority"]


def model_rows(
    people: pd.DataFrame,
    model_responses: pd.DataFrame,
    gold: pd.Series,
    task: Task,
    *,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """One row per model annotator, apart from the people: its accuracy against gold (Wilson interval)
    and how often it gives the people's majority answer.

    Returns:
        A DataFrame indexed by annotator_id (the models) with `MODEL_ROW_COLUMNS`; empty without models.
    """
    consensus = _consensus(people) if len(people) else pd.Series(dtype=object)
    rows = {}
    for name, mine in model_responses.groupby(ANNOTATOR, sort=True):
        scored = mine[mine[ITEM].isin(gold.index)]
        credit = _credit(task, scored[ANSWER], gold.reindex(scored[ITEM])) if len(scored) else np.array([])
        low, high = wilson_interval(float(credit.sum()), len(credit), confidence)
        agreed = [
            _hashable(a) == consensus[i]
            for i, a in zip(mine[ITEM], mine[ANSWER], strict=True)
            if i in consensus.index
        ]
        rows[str(name)] = {
            "n_answers": len(mine),
            "n_gold": len(credit),
            "accuracy": float(credit.mean()) if len(credit) else math.nan,
            "low": low,
            "high": high,
            "agrees_with_people": float(np.mean(agreed)) if agreed else math.nan,
            "n_majority": len(agreed),
        }
    return pd.DataFrame.from_dict(rows, orient="index", columns=MODEL_ROW_COLUMNS).rename_axis(ANNOTATOR)
