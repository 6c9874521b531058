"""Gold columns of the agreement report: accuracy and kappa against gold per block of answers.

Boxes reports get theirs from `box_gold_blocks` (mean box F1 against gold, no kappa).

Used by `calibration.agreement.breakdown` for overall, per-rule, per-label and per-annotator blocks;
correctness per task type is `calibration.agreement.gold.answers_correct`, kappa is Cohen's kappa on
the declared categories (weighted as ``cohen_kappa_mean`` is at the report's level: linear for
ordinal, quadratic for interval/ratio, none for nominal; pooled binary for multi-label).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from calibration.agreement import coefficients as co
from calibration.agreement.encoding import Encoded, category_codes
from calibration.agreement.gold import answers_correct, answers_credit
from calibration.agreement.results import NAN, GoldFigures, number
from calibration.responses import ANNOTATOR, ANSWER, ITEM, RULE

if TYPE_CHECKING:
    from calibration.guidelines.model import Task


@dataclass
class GoldRows:
    """Gold correctness per answer row, and (answer, gold) category pairs for kappa."""

    task: Task
    item: np.ndarray
    annotator: np.ndarray
    correct: np.ndarray  # float: 1, 0, NaN (no gold)
    gold_labels: Any  # gold answer per row: str codes ("" without gold) or canonical answers (None)
    answers: list[Any]
    k_row: np.ndarray
    k_answer: np.ndarray
    k_gold: np.ndarray
    k_q: int
    k_weights: np.ndarray | None
    n_items: int = 0
    by_item: bool = False  # single-choice tasks: block sums come from per-item totals
    category_names: tuple[str, ...] = ()  # single-choice tasks: the category of each k code, as text

    def __post_init__(self) -> None:
        if not self.by_item:
            return
        has = np.isfinite(self.correct) & (self.item >= 0)
        items = self.item[has]
        self._item_n = np.bincount(items, minlength=self.n_items)
        self._item_correct = np.bincount(items, weights=self.correct[has], minlength=self.n_items)
        k_items = self.item[self.k_row]
        self._item_gold = np.full(self.n_items, -1, dtype=np.int64)
        self._item_gold[k_items] = self.k_gold
        flat = k_items * self.k_q + self.k_answer
        self._item_answers = np.bincount(flat, minlength=self.n_items * self.k_q).reshape(
            self.n_items, self.k_q
        )

    def _items_summary(self, items: np.ndarray) -> GoldFigures:
        n = int(self._item_n[items].sum())
        accuracy = float(self._item_correct[items].sum() / n) if n else None
        kappa = None
        if n:
            gold = self._item_gold[items]
            valid = gold >= 0
            table = np.zeros((self.k_q, self.k_q))
            np.add.at(table, gold[valid], self._item_answers[items][valid])
            kappa = co.cohen_kappa(table, self.k_weights)
        return GoldFigures(number(accuracy), number(kappa), n)

    def _summary(self, rows: np.ndarray) -> GoldFigures:
        has = rows & np.isfinite(self.correct)
        accuracy = float(self.correct[has].mean()) if has.any() else None
        kappa = None
        if self.k_q and has.any():
            sel = has[self.k_row]
            table = co.contingency(self.k_gold[sel], self.k_answer[sel], self.k_q)
            kappa = co.cohen_kappa(table, self.k_weights)
        return GoldFigures(number(accuracy), number(kappa), int(has.sum()))

    def block(self, items: np.ndarray | None) -> GoldFigures:
        if items is None:
            return self._summary(np.ones(len(self.item), dtype=bool))
        if self.by_item:
            return self._items_summary(np.asarray(items))
        mask = np.zeros(int(self.item.max()) + 2 if len(self.item) else 1, dtype=bool)
        mask[items] = True
        return self._summary(mask[self.item])  # item code -1 (unknown) reads the last, False, cell

    def annotator_block(self, a: int) -> GoldFigures:
        return self._summary(self.annotator == a)

    def label_block(self, label: str) -> GoldFigures:
        """Accuracy on the answers whose gold is (single choice) or contains (multi_label) the label."""
        if self.task.type == "multi_label":
            hits = [
                (label in set(map(str, g)), label in set(map(str, a)))
                for g, a in zip(self.gold_labels, self.answers, strict=True)
                if g is not None
            ]
            relevant = [ok for has, ok in hits if has]
            return GoldFigures(
                float(np.mean(relevant)) if relevant else NAN, number(self._label_kappa(label))
            )
        if self.task.type in ("span", "ranking", "boxes"):
            return GoldFigures()
        rows = np.asarray(self.gold_labels, dtype=object) == label  # "" where the item has no gold
        has = rows & np.isfinite(self.correct)
        return GoldFigures(
            float(self.correct[has].mean()) if has.any() else NAN, number(self._label_kappa(label))
        )

    def _label_kappa(self, label: str) -> float | None:
        """Cohen's kappa of the label against the rest: (gold is the label) vs (answer is the label).

        Over every answer with a gold answer, like the per-label agreement (one against the rest);
        multi_label: the label's membership in the gold set against its membership in the answer.
        None when undefined (no gold answers, or neither side ever / always uses the label).
        """
        if self.task.type == "multi_label":
            labels = list(self.task.label_ids)
            if label not in labels or not len(self.k_row):
                return None
            step, first = len(labels), labels.index(label)  # k rows: each answer's labels in order
            gold, answer = self.k_gold[first::step], self.k_answer[first::step]
        else:
            if label not in self.category_names or not len(self.k_row):
                return None
            code = self.category_names.index(label)
            gold, answer = (self.k_gold == code).astype(np.int64), (self.k_answer == code).astype(np.int64)
        return co.cohen_kappa(co.contingency(gold, answer, 2))


def gold_rows(
    responses: pd.DataFrame, task: Task, enc: Encoded, gold: pd.Series, weights: Any = "task"
) -> GoldRows:
    """Gold rows of the report. `weights`: the agreement weights of ``gold_kappa`` (the report passes
    those of ``cohen_kappa_mean``, so ``--level`` reweights both alike); ``"task"`` keeps the task's own
    level (linear for ordinal ratings, quadratic for interval/ratio ratings, none otherwise)."""
    frame = responses.drop_duplicates([ITEM, ANNOTATOR], keep="last").reset_index(drop=True)
    gold = gold.copy()
    gold.index = gold.index.astype(str)
    gold = gold[~gold.index.duplicated(keep="last")]
    items = frame[ITEM].astype(str)
    item_codes = enc.items.get_indexer(items)
    ann_codes = enc.annotators.get_indexer(frame[ANNOTATOR].astype(str))
    position = gold.index.get_indexer(items)
    has = position >= 0
    sel = np.flatnonzero(has)
    correct = np.full(len(frame), np.nan)
    k_rows: list[int] | np.ndarray = []
    k_a: list[int] | np.ndarray = []
    k_g: list[int] | np.ndarray = []
    k_q, k_w = 0, None
    category_names: tuple[str, ...] = ()
    golds: list[Any] | None
    gold_labels: np.ndarray | list[Any]
    if task.type in ("single_label", "rating", "pairwise"):
        # vectorized: answers and gold answers as codes on the declared categories
        categories = list(enc.categories)
        category_names = tuple(str(c) for c in categories)
        a_codes = category_codes(frame[ANSWER].to_numpy(), categories)
        gold_codes_all = category_codes(gold.to_numpy(), categories)
        g_codes = np.where(has, gold_codes_all[np.where(has, position, 0)], -1)
        correct[sel] = (a_codes[sel] == g_codes[sel]).astype(float)
        both = np.flatnonzero((a_codes >= 0) & (g_codes >= 0))
        k_rows, k_a, k_g = both, a_codes[both], g_codes[both]
        k_q = enc.q
        level = task.measurement_level
        if not isinstance(weights, str):
            k_w = weights
        elif task.type == "rating" and level != "nominal":
            k_w = co.agreement_weights(k_q, "linear" if level == "ordinal" else "quadratic")
        golds = None
        gold_labels = np.array([str(c) for c in categories] + [""], dtype=object)[g_codes]
        answers: list[Any] = []
    else:
        answers = list(frame[ANSWER])
        gold_values = gold.to_numpy()
        golds = [gold_values[p] if h else None for p, h in zip(position, has, strict=True)]
        if len(sel):
            correct[sel] = answers_correct(
                task.type, [answers[i] for i in sel], [golds[i] for i in sel], min_iou=task.min_iou
            )
        gold_labels = golds
        if task.type == "multi_label":
            labels = task.label_ids
            rows_: list[int] = []
            a_: list[int] = []
            g_: list[int] = []
            for i in sel:
                a_set, g_set = set(answers[i]), set(golds[i])
                for lab in labels:
                    rows_.append(int(i))
                    a_.append(int(lab in a_set))
                    g_.append(int(lab in g_set))
            k_rows, k_a, k_g = rows_, a_, g_
            k_q = 2
    return GoldRows(
        task=task,
        item=item_codes,
        annotator=ann_codes,
        correct=correct,
        gold_labels=gold_labels,
        answers=answers,
        k_row=np.asarray(k_rows, dtype=np.int64),
        k_answer=np.asarray(k_a, dtype=np.int64),
        k_gold=np.asarray(k_g, dtype=np.int64),
        k_q=k_q,
        k_weights=k_w,
        n_items=enc.n_items,
        by_item=task.type in ("single_label", "rating", "pairwise"),
        category_names=category_names,
    )


def box_gold_blocks(
    responses: pd.DataFrame, task: Task, gold: pd.Series, item_rules: pd.DataFrame | None = None
) -> tuple[GoldFigures, dict[str, GoldFigures], dict[str, GoldFigures]]:
    """Gold fields of a boxes report: the mean box F1 against gold, overall, per rule and per annotator.

    An answer's credit is the F1 of its boxes against the item's gold boxes, matched at the task's
    ``min_iou`` with the same label (`calibration.agreement.gold.answers_credit`: what a calibration
    quiz scores, and the dashboard's annotator-by-rule heat map). ``gold_accuracy`` is the mean
    credit of the block's answers to items with gold (an answer that finds every gold box and adds
    none earns 1); ``gold_kappa`` is NaN (null in the JSON: boxes have no category per item, so no
    kappa); ``n_gold_answers`` counts the answers scored.

    Args:
        responses: canonical responses whose answers are boxes (the latest answer per item and
            annotator counts).
        task: the boxes task (its ``min_iou``).
        gold: gold boxes indexed by item_id.
        item_rules: item-to-rule table; None gives no per-rule fields.

    Returns:
        (overall figures, figures by rule id, figures by annotator id): `GoldFigures` (accuracy NaN
        without gold answers).
    """
    frame = responses.drop_duplicates([ITEM, ANNOTATOR], keep="last")
    gold = gold[~gold.index.astype(str).duplicated(keep="last")]
    gold.index = gold.index.astype(str)
    frame = frame[frame[ITEM].astype(str).isin(gold.index)]
    credit = pd.DataFrame(
        {
            ITEM: frame[ITEM].astype(str).to_numpy(),
            ANNOTATOR: frame[ANNOTATOR].astype(str).to_numpy(),
            "credit": answers_credit(
                "boxes",
                list(frame[ANSWER]),
                list(gold.reindex(frame[ITEM].astype(str)).to_numpy()),
                min_iou=float(task.min_iou),
            ),
        }
    )

    def fields(values: pd.Series) -> GoldFigures:
        return GoldFigures(number(values.mean()) if len(values) else NAN, NAN, len(values))

    per_rule: dict[str, GoldFigures] = {}
    if item_rules is not None and len(item_rules):
        pairs = item_rules[[ITEM, RULE]].astype(str).drop_duplicates()
        joined = credit.merge(pairs, on=ITEM)
        per_rule = {str(rule): fields(part["credit"]) for rule, part in joined.groupby(RULE, sort=True)}
    per_annotator = {str(who): fields(part["credit"]) for who, part in credit.groupby(ANNOTATOR, sort=True)}
    return fields(credit["credit"]), per_rule, per_annotator
