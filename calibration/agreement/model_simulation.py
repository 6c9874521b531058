"""Simulated answers of a model and of people at known per-rule accuracy (tests, benches, the demo).

The items are synthetic copies of a guideline's bank items: for each rule, ``items_per_rule`` items
named ``<rule>-sim-<k>`` whose gold answers cycle through the gold answers of the rule's bank items.
A simulated annotator answers an item correctly with its accuracy on the item's rule; a wrong
answer is another of the guideline's gold answers, drawn at random (or, for a model rule listed in
``confusions``, always the given answer: a model that fails in one way). Only task types whose
answers are categories (single_label, pairwise, rating) can be simulated.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from calibration.errors import DataError
from calibration.responses import gold_series, item_rules_frame, responses_frame

if TYPE_CHECKING:
    from calibration.guidelines.model import Guideline

SIMULATED_TYPES = ("single_label", "pairwise", "rating")


def simulate_answers(
    guideline: Guideline,
    model_accuracy: Mapping[str, float],
    *,
    human_accuracy: float = 0.9,
    n_people: int = 3,
    items_per_rule: int = 40,
    confusions: Mapping[str, Any] | None = None,
    model: str = "sim-model@1",
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Answers of one model and `n_people` people on synthetic items of every rule.

    Args:
        guideline: a guideline whose task is one of `SIMULATED_TYPES`, with bank gold on every rule.
        model_accuracy: the model's accuracy per rule_id (rules not listed: 0.9).
        human_accuracy: every person's accuracy on every rule.
        n_people: people answering every item.
        items_per_rule: synthetic items per rule.
        confusions: per rule_id, the one wrong answer the model always gives when it errs.
        model: the model's annotator id.
        seed: random seed.

    Returns:
        ``(responses, gold, item_rules)`` in the canonical shapes of `calibration.responses`;
        the responses have ``annotator_kind`` (``model`` for the model) and, for the model, a
        ``score`` (higher on its right answers, as a calibrated model's would be).

    Raises:
        DataError: the task type cannot be simulated, or a rule has no bank gold.
    """
    if guideline.task.type not in SIMULATED_TYPES:
        raise DataError(
            f"simulated answers need a {', '.join(SIMULATED_TYPES)} task, not {guideline.task.type}",
            hint="simulate on a guideline whose answers are categories",
        )
    gold_bank = guideline.gold_answers()
    categories = sorted({v for v in gold_bank.values()}, key=str)
    rng = np.random.default_rng(seed)
    confusions = dict(confusions or {})
    records: list[dict[str, Any]] = []
    gold: dict[str, Any] = {}
    rules: dict[str, list[str]] = {}
    for rule in guideline.rules:
        golds = [gold_bank[i.id] for i in guideline.items if rule.id in i.rules and i.id in gold_bank]
        if not golds:
            raise DataError(f"rule {rule.id} has no bank item with gold to simulate from")
        accuracy = float(model_accuracy.get(rule.id, 0.9))
        for k in range(items_per_rule):
            item = f"{rule.id}-sim-{k:03d}"
            truth = golds[k % len(golds)]
            gold[item], rules[item] = truth, [rule.id]
            right = bool(rng.random() < accuracy)
            answer = truth if right else confusions.get(rule.id, _wrong(truth, categories, rng))
            score = float(rng.uniform(0.7, 1.0) if right else rng.uniform(0.3, 0.8))
            records.append(_record(item, model, answer, "model", score))
            for person in range(n_people):
                correct = bool(rng.random() < human_accuracy)
                said = truth if correct else _wrong(truth, categories, rng)
                records.append(_record(item, f"person-{person + 1}", said, "human", None))
    return responses_frame(records), gold_series(gold), item_rules_frame(rules)


def _wrong(truth: Any, categories: list[Any], rng: np.random.Generator) -> Any:
    others = [c for c in categories if c != truth]
    return others[int(rng.integers(len(others)))] if others else truth


def _record(item: str, who: str, answer: Any, kind: str, score: float | None) -> dict[str, Any]:
    return {"item_id": item, "annotator_id": who, "answer": answer, "annotator_kind": kind, "score": score}
