"""Replay calibration quizzes on answers already given: what a fixed or adaptive quiz would have used.

Public API::

    replay_quiz(graded, item_rules, threshold, policy="adaptive", ...) -> dict

Each annotator's quiz is replayed on that annotator's own answers only: the policy may pick only
items the annotator answered, and reads the answer given. The reference decision uses every answer
of the annotator in the file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from calibration.adaptive.cat import AdaptiveBank
from calibration.adaptive.irt import CREDIT, fit_irt
from calibration.adaptive.sequential import fixed_items
from calibration.agreement.decisions import DEFAULT_CONFIDENCE, decide_rules, overall_decision
from calibration.errors import DataError
from calibration.responses import ANNOTATOR, ITEM

QuizPolicy = Literal["fixed", "adaptive"]


def _decide(
    pool: Mapping[str, Sequence[str]], answered: Mapping[str, float], threshold: float, confidence: float
):
    rules = sorted({r for rs in pool.values() for r in rs})
    n = dict.fromkeys(rules, 0)
    credit = dict.fromkeys(rules, 0.0)
    for item, value in answered.items():
        for rule in pool[item]:
            n[rule] += 1
            credit[rule] += value
    frame = pd.DataFrame(
        {"n_items": [n[r] for r in rules], "n_correct": [credit[r] for r in rules]},
        index=pd.Index(rules, name="rule_id"),
    )
    frame["credit"] = frame["n_correct"].astype(float)
    return decide_rules(frame, threshold, confidence=confidence)["decision"].to_dict()


def _item_params(graded: pd.DataFrame) -> dict[str, tuple[float, float]] | None:
    """(discrimination, difficulty) per item from the item model fitted on the file's answers (Rasch
    when they are thin), or None when it cannot be fitted (then every item is alike)."""
    try:
        items = fit_irt(graded, "auto").items
    except DataError:
        return None
    return {str(i): (float(row["discrimination"]), float(row["difficulty"])) for i, row in items.iterrows()}


def replay_quiz(
    graded: pd.DataFrame,
    item_rules: Mapping[str, Sequence[str]],
    threshold: float,
    policy: QuizPolicy = "adaptive",
    *,
    confidence: float = DEFAULT_CONFIDENCE,
    min_per_rule: int = 3,
    items_per_quiz: int = 20,
    seed: int = 0,
) -> dict[str, Any]:
    """Replay every annotator's quiz under `policy` on their own answers.

    Args:
        graded: item_id, annotator_id, credit (`calibration.adaptive.irt.graded_answers`).
        item_rules: the rules of each gold item; answers on other items are left out.
        threshold, confidence: the rule mark and the decision confidence.
        policy: ``fixed`` (each rule ``min_per_rule`` items, filled up to ``items_per_quiz``; rules
            decided on the Beta posterior) or ``adaptive`` (the adaptive quiz of
            `calibration.adaptive.cat`: an SPRT per rule on the item model fitted on the file's
            answers, items chosen by information at the rule's cut point, until every rule is decided).
        seed: seed of the item order.

    Returns:
        ``{"policy", "annotators": {id: {"items_used", "items_available", "decision", "rules":
        {rule: decision}}}, "summary": {"items_used_mean", "items_available_mean",
        "decisions_agreeing_with_all_items"}}``; the last is the share of annotators whose overall
        decision equals the one all their answers give.

    Raises:
        DataError: no answer is on an item with gold and rules.
    """
    known = graded[graded[ITEM].astype(str).isin(item_rules)]
    if known.empty:
        raise DataError(
            "no answer in the file is on a quiz item with a gold answer and rules",
            hint="check that the item ids match the guideline's quiz bank",
        )
    params = _item_params(known) if policy == "adaptive" else None
    annotators: dict[str, Any] = {}
    agree = []
    for annotator, part in known.groupby(known[ANNOTATOR].astype(str), sort=True):
        answers = dict(zip(part[ITEM].astype(str), part[CREDIT].astype(float), strict=True))
        pool = {item: list(item_rules[item]) for item in answers}
        if policy == "fixed":
            used = fixed_items(pool, min_per_rule, items_per_quiz, seed)
            rules = _decide(pool, {i: answers[i] for i in used}, threshold, confidence)
        else:
            bank = AdaptiveBank(pool, threshold, params=params, confidence=confidence)
            asked: list[tuple[str, float]] = []
            while True:
                step = bank.step(asked, min_per_rule=min_per_rule, seed=seed, select_at="cut")
                if step.next_item is None:
                    break
                asked.append((step.next_item, answers[step.next_item]))
            used = [item for item, _ in asked]
            rules = dict(step.rule_decisions)
        reference = _decide(pool, answers, threshold, confidence)
        decision = overall_decision(rules.values())
        agree.append(decision == overall_decision(reference.values()))
        annotators[annotator] = {
            "items_used": len(used),
            "items_available": len(answers),
            "decision": decision,
            "rules": rules,
        }
    return {
        "policy": policy,
        "annotators": annotators,
        "summary": {
            "items_used_mean": float(np.mean([a["items_used"] for a in annotators.values()])),
            "items_available_mean": float(np.mean([a["items_available"] for a in annotators.values()])),
            "decisions_agreeing_with_all_items": float(np.mean(agree)),
        },
    }
