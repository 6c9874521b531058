"""Scoring one annotator (or each annotator) against gold answers, and pass/fail against a policy.

Public API::

    score_against_gold(responses, gold, task, item_rules=None, policy=None) -> GoldScore
    score_annotators(responses_all, gold, task, item_rules=None, policy=None) -> pd.DataFrame
    needed_correct(threshold, n_items) -> int
    exact_percent(value) -> str

Correctness per task type (canonical answers, `calibration.answers`):

- single_label, pairwise, rating: exact match; multi_label: the label sets are equal;
- span: the span sets are equal (exact offsets and labels); span precision/recall/F1 are micro
  averages over all spans (exact match of start, end and label);
- partial credit: an item's ``credit`` is 1 when correct and 0 when not, except for span items,
  whose credit is the F1 of the item's spans against its gold spans (exact match, as above; 1 when
  both are empty), so 2 of 3 gold spans found and nothing extra earns 0.8. ``accuracy`` (overall and
  per rule) is the mean credit, which equals the share of correct items for every other task type;
  ``n_correct`` still counts the items answered exactly right;
- ranking: identical order; Kendall's tau-a per item is averaged into ``kendall_tau``;
- boxes: answer boxes are paired with gold boxes by maximum total IoU (`calibration.boxes.score_boxes`,
  Hungarian assignment); a pair is correct at IoU >= the task's ``min_iou`` with the same label. An
  item is correct when its F1 is 1 (every gold box found, nothing extra; an empty answer to an item
  with nothing to box is correct), and its credit is that F1, like span items. ``box_precision``,
  ``box_recall`` and ``box_f1`` are micro averages over all boxes, ``box_mean_iou`` the mean IoU of
  all matched pairs; ``per_label`` counts gold boxes found per label.

Kappa against gold (Cohen 1960) uses the guideline's declared categories: unweighted for nominal
tasks (single_label, pairwise), linear weights on scale positions for ordinal ratings and quadratic
for interval/ratio ones; multi_label uses the pooled item x label binary decisions; span and ranking
tasks have no kappa, nor have boxes (None: there are no negatives to count, Hripcsak & Rothschild 2005). When every
gold answer falls in one category (whatever the answers: kappa against a constant gold is 0, or 0/0
when every answer matches, and so says nothing), kappa is None with the flag
``undefined_single_category``.

Pass/fail (policy = the guideline's ``calibration:`` block):

- ``kappa >= pass_kappa`` when both are set; when kappa is None (undefined or not applicable) the
  kappa criterion is replaced by ``accuracy >= pass_kappa`` and the flag ``kappa_not_available`` is set;
- ``accuracy >= pass_accuracy`` when set;
- every rule's accuracy ``>= pass_rule_accuracy`` when set.

The thresholds are compared exactly (``2/3 = 0.667 < 0.67``), never after rounding: show them with
`exact_percent` and `needed_correct` ("at least 3 of 3") so that what annotators read agrees with the
check.

``failed_rules`` always lists the rules below the rule threshold, which is ``pass_rule_accuracy``
when set, else ``pass_accuracy``, else 0.8; they are the rules a retake should target. They make the
attempt fail only through the ``pass_rule_accuracy`` criterion.

Decisions with stated confidence (`calibration.agreement.decisions`): every rule is also decided
``pass``, ``fail`` or ``undecided`` against the same rule threshold at the policy's
``decision_confidence`` (Beta(1, 1) prior), in ``rule_decisions`` with the accuracy's credible
interval; ``decision`` combines them. A rule decided ``fail`` (the evidence says, with that
confidence, that the accuracy is below the threshold) fails the attempt and joins ``failed_rules``
even when the pass marks alone would pass it; ``undecided_rules`` lists the rules without enough
evidence either way. With a rule threshold of 0 or 1 there is nothing to decide statistically:
``rule_decisions`` is empty and ``decision`` is ``undecided``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from calibration.agreement.coefficients import UNDEFINED_SINGLE_CATEGORY, agreement_weights, cohen_kappa
from calibration.agreement.decisions import DECISION_COLUMNS, Decision, decide_rules, overall_decision
from calibration.agreement.results import jsonable
from calibration.boxes import BoxScore, as_boxes, score_boxes
from calibration.errors import DataError
from calibration.guidelines.model import Policy, Task
from calibration.responses import ANNOTATOR, ANSWER, ITEM, RULE

DEFAULT_MIN_IOU = 0.5  # the Task.min_iou default, for callers that have no task
_COUNT_COLUMNS = ["n_items", "n_correct", "accuracy"]


@dataclass(frozen=True)
class GoldScore:
    """One annotator's result against gold.

    ``per_rule`` is indexed by rule_id, ``per_label`` by gold label (columns n_items, n_correct,
    accuracy); ``confusion`` counts gold (index) x answer (columns) over the declared categories for
    single_label, rating and pairwise tasks (empty otherwise).
    """

    n_items: int
    n_correct: int
    accuracy: float | None
    kappa: float | None
    per_rule: pd.DataFrame
    per_label: pd.DataFrame
    confusion: pd.DataFrame
    passed: bool
    failed_rules: list[str]
    reasons: list[str]
    flags: list[str]
    span_precision: float | None = None
    span_recall: float | None = None
    span_f1: float | None = None
    mae: float | None = None
    within_one: float | None = None
    kendall_tau: float | None = None
    box_precision: float | None = None
    box_recall: float | None = None
    box_f1: float | None = None
    box_mean_iou: float | None = None
    items: pd.DataFrame = field(default_factory=pd.DataFrame)  # per item: answer, gold, correct, credit
    credit: float | None = (
        None  # the sum of the items' credit (partial for spans); accuracy = credit / n_items
    )
    # per rule: decision, p_pass, acc_low, acc_high, ... (`calibration.agreement.decisions.decide_rules`)
    rule_decisions: pd.DataFrame = field(default_factory=pd.DataFrame)
    decision: Decision = "undecided"  # fail if a rule failed, pass if every rule passed

    @property
    def undecided_rules(self) -> list[str]:
        """Rules without enough evidence for a decision either way: what more items should target."""
        if self.rule_decisions.empty:
            return []
        return [str(r) for r in self.rule_decisions.index[self.rule_decisions["decision"] == "undecided"]]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (frames become ``{row: {column: value}}`` mappings)."""

        def frame(df: pd.DataFrame) -> dict[str, Any]:
            return {
                str(k): {c: jsonable(v) for c, v in row.items()}
                for k, row in df.to_dict(orient="index").items()
            }

        return {
            "n_items": self.n_items,
            "n_correct": self.n_correct,
            "credit": self.credit,
            "accuracy": self.accuracy,
            "kappa": self.kappa,
            "passed": self.passed,
            "failed_rules": list(self.failed_rules),
            "reasons": list(self.reasons),
            "flags": list(self.flags),
            "span_precision": self.span_precision,
            "span_recall": self.span_recall,
            "span_f1": self.span_f1,
            "mae": self.mae,
            "within_one": self.within_one,
            "kendall_tau": self.kendall_tau,
            "box_precision": self.box_precision,
            "box_recall": self.box_recall,
            "box_f1": self.box_f1,
            "box_mean_iou": self.box_mean_iou,
            "per_rule": frame(self.per_rule),
            "decision": self.decision,
            "undecided_rules": self.undecided_rules,
            "rule_decisions": frame(self.rule_decisions),
            "per_label": frame(self.per_label),
            "confusion": {
                str(k): {str(c): int(v) for c, v in row.items()}
                for k, row in self.confusion.to_dict(orient="index").items()
            },
        }


def _counts_frame(
    groups: pd.Series, correct: pd.Series, index_name: str, credit: pd.Series | None = None
) -> pd.DataFrame:
    """n_items, n_correct and accuracy per group; with `credit` (span items), a credit column too,
    and accuracy is the mean credit."""
    columns = _COUNT_COLUMNS if credit is None else [*_COUNT_COLUMNS[:2], "credit", "accuracy"]
    if groups.empty:
        return pd.DataFrame(columns=columns, index=pd.Index([], name=index_name))
    table = pd.DataFrame({"g": groups.to_numpy(), "c": correct.to_numpy().astype(int)})
    table["p"] = table["c"] if credit is None else credit.to_numpy().astype(float)
    out = table.groupby("g", sort=True).agg(
        n_items=("c", "size"), n_correct=("c", "sum"), credit=("p", "sum")
    )
    out["accuracy"] = out["credit"] / out["n_items"]
    out.index.name = index_name
    return out[columns].astype({"n_items": int, "n_correct": int})


class SpanMatch(NamedTuple):
    """How one span answer matches its gold spans (exact start, end and label)."""

    right: int  # answer spans that are gold spans
    given: int  # spans in the answer
    gold: int  # gold spans

    @property
    def f1(self) -> float:
        """2 * right / (given + gold); 1.0 when both are empty (nothing to mark, nothing marked)."""
        total = self.given + self.gold
        return 2 * self.right / total if total else 1.0


def span_match(answer: Any, gold: Any) -> SpanMatch:
    """Compare one item's spans with its gold spans (canonical spans or ``[start, end, label]`` lists)."""
    mine = {tuple(map(_hashable, s)) for s in answer}
    truth = {tuple(map(_hashable, s)) for s in gold}
    return SpanMatch(len(mine & truth), len(mine), len(truth))


def answers_credit(
    task_type: str, answers: list[Any], golds: list[Any], *, min_iou: float = DEFAULT_MIN_IOU
) -> list[float]:
    """Each answer's credit: the F1 of its spans or boxes (boxes matched at `min_iou`), else 1.0 or 0.0."""
    if task_type == "span":
        return [span_match(a, g).f1 for a, g in zip(answers, golds, strict=True)]
    if task_type == "boxes":
        return [_box_score(a, g, min_iou).f1 for a, g in zip(answers, golds, strict=True)]
    return [float(c) for c in answers_correct(task_type, answers, golds)]


def _box_score(answer: Any, gold: Any, min_iou: float) -> BoxScore:
    return score_boxes(as_boxes(answer), as_boxes(gold), min_iou)


def _kendall_tau(a: tuple, b: tuple) -> float:
    """Kendall's tau-a between two orders of the same candidates."""
    pos = {c: i for i, c in enumerate(b)}
    ranks = np.array([pos.get(c, -1) for c in a])
    n = len(ranks)
    if n < 2 or (ranks < 0).any():
        return float("nan")
    i, j = np.triu_indices(n, 1)
    s = np.sign(ranks[j] - ranks[i])
    return float(s.sum() / len(s))


def answers_correct(
    task_type: str, answers: list[Any], golds: list[Any], *, min_iou: float = DEFAULT_MIN_IOU
) -> list[bool]:
    """Whether each answer is right, by the task type's rule (module docstring); boxes match at `min_iou`."""
    pairs = zip(answers, golds, strict=True)
    if task_type == "boxes":
        return [_box_score(a, g, min_iou).is_correct for a, g in pairs]
    if task_type == "multi_label":
        return [set(a) == set(g) for a, g in pairs]
    if task_type == "span":
        return [set(map(tuple, a)) == set(map(tuple, g)) for a, g in pairs]
    if task_type == "ranking":
        return [tuple(a) == tuple(g) for a, g in pairs]
    return [a == g for a, g in pairs]


def _one_annotator(responses: pd.DataFrame) -> pd.DataFrame:
    for column in (ITEM, ANSWER):
        if column not in responses.columns:
            raise DataError(f"responses need the column {column}", hint="pass the canonical responses table")
    if ANNOTATOR in responses.columns:
        who = responses[ANNOTATOR].astype(str).unique()
        if len(who) > 1:
            raise DataError(
                f"score_against_gold scores one annotator; the responses hold {len(who)} "
                f"({', '.join(sorted(who)[:5])}{', ...' if len(who) > 5 else ''})",
                hint="use score_annotators for several annotators",
            )
    frame = responses[[ITEM, ANSWER]].copy()
    frame[ITEM] = frame[ITEM].astype(str)
    # a changed answer overwrites the earlier one: the last row for an item counts
    return frame.drop_duplicates(ITEM, keep="last")


def score_against_gold(
    responses: pd.DataFrame,
    gold: pd.Series,
    task: Task,
    item_rules: pd.DataFrame | None = None,
    policy: Policy | None = None,
) -> GoldScore:
    """Score one annotator's answers against gold and judge pass/fail against `policy`.

    Args:
        responses: canonical responses of ONE annotator (columns item_id, answer; annotator_id optional).
        gold: canonical gold answers, a Series indexed by item_id. Items without gold are not scored.
        task: the guideline task (type, declared labels/scale).
        item_rules: item-to-rule table (item_id, rule_id); an item with several rules counts for each.
        policy: the guideline's calibration policy; None means the default `Policy()`.

    Returns:
        A `GoldScore`.

    Raises:
        DataError: the responses hold several annotators or miss a column.
    """
    policy = policy or Policy()
    frame = _one_annotator(responses)
    gold = gold.copy()
    gold.index = gold.index.astype(str)
    frame = frame[frame[ITEM].isin(gold.index)].reset_index(drop=True)
    answers = list(frame[ANSWER])
    golds = list(gold.reindex(frame[ITEM]).to_numpy())
    kind = task.type
    flags: list[str] = []
    extra: dict[str, float | None] = {}

    box_scores = (
        [_box_score(a, g, task.min_iou) for a, g in zip(answers, golds, strict=True)]
        if kind == "boxes"
        else []
    )
    if kind == "boxes":
        correct_s = pd.Series([b.is_correct for b in box_scores], dtype=bool)
        credit_s = pd.Series([b.f1 for b in box_scores], dtype=float)
    else:
        correct_s = pd.Series(answers_correct(kind, answers, golds), dtype=bool)
        credit_s = pd.Series(answers_credit(kind, answers, golds), dtype=float)
    n_items, n_correct, credit = len(frame), int(correct_s.sum()), float(credit_s.sum())
    accuracy = credit / n_items if n_items else None

    kappa: float | None = None
    confusion = pd.DataFrame()
    categories = list(task.categories)
    if kind in ("single_label", "rating", "pairwise"):
        codes = {c: i for i, c in enumerate(categories)}
        q = len(categories)
        table = np.zeros((q, q))
        a_idx = np.array([codes.get(a, -1) for a in answers], dtype=np.int64)
        g_idx = np.array([codes.get(g, -1) for g in golds], dtype=np.int64)
        ok = (a_idx >= 0) & (g_idx >= 0)
        np.add.at(table, (g_idx[ok], a_idx[ok]), 1)
        confusion = pd.DataFrame(
            table.astype(int),
            index=pd.Index(categories, name="gold"),
            columns=pd.Index(categories, name="answer"),
        )
        level = task.measurement_level
        weights = None
        if kind == "rating" and level != "nominal":
            weights = agreement_weights(q, "linear" if level == "ordinal" else "quadratic")
        # gold in one category: kappa is 0 whatever the answers (or 0/0 when all match), so undefined
        kappa = cohen_kappa(table, weights) if n_items and np.count_nonzero(table.sum(axis=1)) > 1 else None
        if n_items and kappa is None:
            flags.append(UNDEFINED_SINGLE_CATEGORY)
        if kind == "rating" and n_items:
            diff = np.abs(np.array(answers, dtype=float) - np.array(golds, dtype=float))
            extra["mae"] = float(diff.mean())
            extra["within_one"] = float((diff <= 1).mean())
    elif kind == "multi_label" and n_items:
        labels = list(task.label_ids)
        a_bin = np.array([[lab in set(a) for lab in labels] for a in answers], dtype=np.int64).ravel()
        g_bin = np.array([[lab in set(g) for lab in labels] for g in golds], dtype=np.int64).ravel()
        table = np.zeros((2, 2))
        np.add.at(table, (g_bin, a_bin), 1)
        kappa = cohen_kappa(table) if np.count_nonzero(table.sum(axis=1)) > 1 else None
        if kappa is None:
            flags.append(UNDEFINED_SINGLE_CATEGORY)
    elif kind == "span" and n_items:
        a_spans = {(i, *map(_hashable, s)) for i, a in enumerate(answers) for s in a}
        g_spans = {(i, *map(_hashable, s)) for i, g in enumerate(golds) for s in g}
        tp = len(a_spans & g_spans)
        extra["span_precision"] = tp / len(a_spans) if a_spans else (1.0 if not g_spans else 0.0)
        extra["span_recall"] = tp / len(g_spans) if g_spans else (1.0 if not a_spans else 0.0)
        total = len(a_spans) + len(g_spans)
        extra["span_f1"] = 2 * tp / total if total else 1.0
    elif kind == "boxes" and n_items:
        extra.update(_box_totals(box_scores))
    elif kind == "ranking" and n_items:
        taus = [_kendall_tau(tuple(a), tuple(g)) for a, g in zip(answers, golds, strict=True)]
        finite = [t for t in taus if np.isfinite(t)]
        extra["kendall_tau"] = float(np.mean(finite)) if finite else None

    # per label
    if kind in ("single_label", "rating", "pairwise"):
        per_label = _counts_frame(pd.Series(golds, dtype=object), correct_s, "label")
    elif kind == "multi_label":
        rows = [(lab, lab in set(a)) for a, g in zip(answers, golds, strict=True) for lab in g]
        per_label = _counts_frame(
            pd.Series([r[0] for r in rows], dtype=object), pd.Series([r[1] for r in rows]), "label"
        )
    elif kind == "span":
        rows = []
        for a, g in zip(answers, golds, strict=True):
            mine = set(map(tuple, a))
            rows.extend((s[2], tuple(s) in mine) for s in g)
        per_label = _counts_frame(
            pd.Series([r[0] for r in rows], dtype=object), pd.Series([r[1] for r in rows]), "label"
        )
    elif kind == "boxes":
        rows = []
        for g, score in zip(golds, box_scores, strict=True):
            found = {m.gold for m in score.matches if m.correct}
            rows.extend((box.label, k in found) for k, box in enumerate(as_boxes(g)))
        per_label = _counts_frame(
            pd.Series([r[0] for r in rows], dtype=object), pd.Series([r[1] for r in rows]), "label"
        )
    else:
        per_label = pd.DataFrame(columns=_COUNT_COLUMNS, index=pd.Index([], name="label"))

    # per rule
    if item_rules is not None and len(item_rules):
        rules = item_rules[[ITEM, RULE]].astype(str)
        joined = pd.DataFrame({ITEM: frame[ITEM], "correct": correct_s, "credit": credit_s}).merge(
            rules, on=ITEM, how="inner"
        )
        partial = joined["credit"] if kind in ("span", "boxes") else None
        per_rule = _counts_frame(joined[RULE], joined["correct"], RULE, partial)
    else:
        per_rule = pd.DataFrame(columns=_COUNT_COLUMNS, index=pd.Index([], name=RULE))

    passed, failed_rules, reasons, more_flags = _judge(policy, accuracy, kappa, per_rule, n_items)
    threshold = policy.rule_threshold
    if 0 < threshold < 1:
        decisions = decide_rules(per_rule, threshold, confidence=policy.decision_confidence)
    else:  # an accuracy of 0 or 1 exactly is no statistical question: the pass marks alone decide
        decisions = pd.DataFrame(columns=DECISION_COLUMNS, index=pd.Index([], name=RULE))
    decided_fail = [str(r) for r in decisions.index[decisions["decision"] == "fail"]]
    for rule in decided_fail:
        if rule not in failed_rules or policy.pass_rule_accuracy is None:
            row = decisions.loc[rule]
            reasons.append(
                f"rule {rule}: decided fail, accuracy {row['acc_low']:.0%}-{row['acc_high']:.0%} "
                f"({2 * policy.decision_confidence - 1:.0%} interval) is below {row['threshold']:.0%}"
            )
    passed = passed and not decided_fail
    failed_rules = sorted({*failed_rules, *decided_fail})
    items = pd.DataFrame(
        {ANSWER: answers, "gold": golds, "correct": correct_s.to_numpy(), "credit": credit_s.to_numpy()},
        index=frame[ITEM],
    )
    return GoldScore(
        n_items=n_items,
        n_correct=n_correct,
        accuracy=accuracy,
        kappa=kappa,
        per_rule=per_rule,
        per_label=per_label,
        confusion=confusion,
        passed=passed,
        failed_rules=failed_rules,
        reasons=reasons,
        flags=flags + more_flags,
        items=items,
        credit=credit if n_items else None,
        rule_decisions=decisions,
        decision=overall_decision(decisions["decision"]) if n_items and len(decisions) else "undecided",
        **extra,
    )


def _box_totals(scores: list[BoxScore]) -> dict[str, float | None]:
    """Micro-averaged box precision, recall and F1 over items, and the mean IoU of every matched pair."""
    correct = sum(s.correct for s in scores)
    given = sum(s.given for s in scores)
    gold = sum(s.gold for s in scores)
    ious = [m.iou for s in scores for m in s.matches]
    return {
        "box_precision": correct / given if given else (1.0 if not gold else 0.0),
        "box_recall": correct / gold if gold else (1.0 if not given else 0.0),
        "box_f1": 2 * correct / (given + gold) if given + gold else 1.0,
        "box_mean_iou": float(np.mean(ious)) if ious else None,
    }


def needed_correct(threshold: float, n_items: int) -> int:
    """The fewest correct answers out of `n_items` that meet `threshold` (the same ``>=`` as the check).

    >>> needed_correct(0.67, 3), needed_correct(0.66, 3), needed_correct(0.7, 10)
    (3, 2, 7)
    """
    return next((k for k in range(n_items + 1) if k / n_items >= threshold), n_items) if n_items else 0


def against_mark(value: float, mark: float | None, digits: int = 2) -> str:
    """`value` with `digits` decimals, or more when needed so that it never reads as on the other side
    of `mark`: a kappa of 0.7996 under a 0.8 mark shows as 0.7996, not 0.80 (which reads as a pass).

    Every page and reason that shows a statistic next to its pass mark formats it with this.

    >>> against_mark(0.7996, 0.8), against_mark(0.8, 0.8), against_mark(0.8123, 0.8), against_mark(0.5, None)
    ('0.7996', '0.80', '0.81', '0.50')
    """
    shown = digits
    if mark is not None and np.isfinite(value):
        while shown < 12 and (float(f"{value:.{shown}f}") >= mark) != (value >= mark):
            shown += 1
    return f"{value:.{shown}f}"


def exact_percent(value: float) -> str:
    """`value` (0..1) as a percentage with as many decimals as it needs (up to 2), rounded to the nearest.

    The same figure the result tables show (2/3 is 66.67% everywhere) and a mark shows as it is (0.67
    is 67%), so "66.67%, below 67%" reads right; comparisons use the exact values, never the text.

    >>> exact_percent(0.67), exact_percent(2 / 3), exact_percent(0.675), exact_percent(1.0)
    ('67%', '66.67%', '67.5%', '100%')
    """
    hundredths = round(value * 100, 2)
    text = f"{hundredths:.2f}".rstrip("0").rstrip(".")
    return ("0" if text in ("-0", "") else text) + "%"


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _judge(
    policy: Policy, accuracy: float | None, kappa: float | None, per_rule: pd.DataFrame, n_items: int
) -> tuple[bool, list[str], list[str], list[str]]:
    """Apply the policy; returns (passed, failed_rules, reasons, flags)."""
    reasons: list[str] = []
    flags: list[str] = []
    if n_items == 0 or accuracy is None:
        return False, [], ["no answered item has a gold answer"], ["no_gold_items"]
    threshold = policy.rule_threshold
    below = per_rule[per_rule["accuracy"] < threshold] if len(per_rule) else per_rule
    failed_rules = [str(r) for r in below.index]
    if policy.pass_kappa is not None:
        if kappa is not None:
            if kappa < policy.pass_kappa:
                reasons.append(
                    f"kappa against gold {against_mark(kappa, policy.pass_kappa, 3)} is below the pass "
                    f"mark {policy.pass_kappa:.2f}"
                )
        else:
            flags.append("kappa_not_available")
            if accuracy < policy.pass_kappa:
                reasons.append(
                    f"accuracy {against_mark(accuracy, policy.pass_kappa, 3)} is below the pass mark "
                    f"{policy.pass_kappa:.2f} "
                    "(kappa is not available here, so accuracy is judged against pass_kappa)"
                )
    if policy.pass_accuracy is not None and accuracy < policy.pass_accuracy:
        reasons.append(
            f"accuracy {against_mark(accuracy, policy.pass_accuracy, 3)} is below the pass mark "
            f"{policy.pass_accuracy:.2f}"
        )
    if policy.pass_rule_accuracy is not None:
        for rule in failed_rules:
            row = per_rule.loc[rule]
            n = int(row["n_items"])
            has_partial = row.get("credit", row["n_correct"]) != row["n_correct"]
            partial = f", {row['credit']:.2f} with partial credit" if has_partial else ""
            need = (
                f"a credit of at least {policy.pass_rule_accuracy * n:.2f} of {n} needed"
                if has_partial
                else f"at least {needed_correct(policy.pass_rule_accuracy, n)} of {n} needed"
            )
            reasons.append(
                f"rule {rule}: {int(row['n_correct'])} of {n} correct{partial} "
                f"({exact_percent(row['accuracy'])}), below {exact_percent(policy.pass_rule_accuracy)}: {need}"
            )
    return not reasons, failed_rules, reasons, flags


def rule_decision_texts(decisions: pd.DataFrame) -> list[str]:
    """Each rule's decision with the credible interval of the accuracy, e.g. ``"R1: pass, 78%–99%"``."""
    return [
        f"{rule}: {row['decision']}, {row['acc_low']:.0%}–{row['acc_high']:.0%}"
        for rule, row in decisions.iterrows()
    ]


def score_annotators(
    responses_all: pd.DataFrame,
    gold: pd.Series,
    task: Task,
    item_rules: pd.DataFrame | None = None,
    policy: Policy | None = None,
) -> pd.DataFrame:
    """One row per annotator: n_items, n_correct, accuracy, kappa, passed, failed_rules, flags, the
    task-specific span_f1 / box_f1 / box_mean_iou / mae / within_one / kendall_tau where they apply, the overall ``decision``
    and ``rule_decisions`` (`rule_decision_texts`: one "R1: pass, 78%–99%" text per rule).

    Returns:
        DataFrame indexed by annotator_id (sorted).
    """
    if ANNOTATOR not in responses_all.columns:
        raise DataError("responses need the column annotator_id", hint="pass the canonical responses table")
    rows = {}
    for annotator, part in responses_all.groupby(responses_all[ANNOTATOR].astype(str), sort=True):
        score = score_against_gold(part, gold, task, item_rules, policy)
        rows[annotator] = {
            "n_items": score.n_items,
            "n_correct": score.n_correct,
            "accuracy": score.accuracy,
            "kappa": score.kappa,
            "passed": score.passed,
            "failed_rules": score.failed_rules,
            "flags": score.flags,
            "span_f1": score.span_f1,
            "box_f1": score.box_f1,
            "box_mean_iou": score.box_mean_iou,
            "mae": score.mae,
            "within_one": score.within_one,
            "kendall_tau": score.kendall_tau,
            "decision": score.decision,
            "rule_decisions": rule_decision_texts(score.rule_decisions),
        }
    columns = ["n_items", "n_correct", "accuracy", "kappa", "passed", "failed_rules", "flags",
               "span_f1", "box_f1", "box_mean_iou", "mae", "within_one", "kendall_tau", "decision",
               "rule_decisions"]  # fmt: skip
    out = pd.DataFrame.from_dict(rows, orient="index", columns=columns)
    out.index.name = ANNOTATOR
    return out
