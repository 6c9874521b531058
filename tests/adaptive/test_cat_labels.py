"""Issue 14: the adaptive quiz balances gold labels within a rule, so an annotator who answers one
label everywhere (or mostly) cannot pass a rule on items that all share one gold label."""

from __future__ import annotations

import numpy as np
import pytest

from calibration.adaptive.cat import AdaptiveBank

# One rule, 30 items with gold "A" and 10 with gold "B". The model makes the A items the most
# informative at the cut, so information alone would ask A items first.
POOL = {f"a{k:02d}": ["R"] for k in range(30)} | {f"b{k:02d}": ["R"] for k in range(10)}
GOLD = {i: i[0].upper() for i in POOL}
PARAMS = {i: ((2.0, 0.0) if GOLD[i] == "A" else (1.6, 0.2)) for i in POOL}


def _quiz(answer, labels, rng: np.random.Generator) -> tuple[str, list[str]]:
    bank = AdaptiveBank(POOL, 0.8, params=PARAMS)
    answered: list[tuple[str, float]] = []
    while True:
        step = bank.step(answered, min_per_rule=3, seed=3, labels=labels)
        if step.done:
            return step.rule_decisions["R"], [i for i, _ in answered]
        item = step.next_item
        answered.append((item, float(answer(item, rng) == GOLD[item])))


def _constant(item: str, rng: np.random.Generator) -> str:
    return "A"


def _mostly_a(item: str, rng: np.random.Generator) -> str:
    return "A" if rng.uniform() < 0.85 else "B"


@pytest.mark.parametrize("answerer", [_constant, _mostly_a])
def test_a_label_biased_annotator_fails_when_labels_are_balanced(answerer) -> None:
    rng = np.random.default_rng(0)
    for _ in range(20):
        decision, asked = _quiz(answerer, GOLD, rng)
        assert decision == "fail"
        shares = [GOLD[i] for i in asked]
        # no label runs more than two items ahead while both have items left (10 B items)
        for k in range(1, len(shares) + 1):
            if shares[: k - 1].count("B") < 10:
                assert abs(shares[:k].count("A") - shares[:k].count("B")) <= 2


def test_without_the_labels_information_alone_asks_one_label_and_the_constant_answerer_passes() -> None:
    # the defect the balance fixes: every item asked has gold "A"
    decision, asked = _quiz(_constant, None, np.random.default_rng(0))
    assert {GOLD[i] for i in asked} == {"A"} and decision == "pass"


def test_an_annotator_who_reads_the_items_still_passes_with_balanced_labels() -> None:
    rng = np.random.default_rng(1)
    decisions = [_quiz(lambda i, r: GOLD[i] if r.uniform() < 0.97 else "B", GOLD, rng)[0] for _ in range(20)]
    assert decisions.count("pass") >= 17
