"""Spot-check plans: the published zero-acceptance size, the stated risks, the draw and the read-back."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom

from calibration.agreement.spot_check import review_decisions, sampling_plan, spot_check_items
from calibration.errors import DataError


def test_zero_acceptance_plan_matches_the_formula() -> None:
    plan = sampling_plan(1.0, 0.95)
    assert (plan.n, plan.c) == (59, 0)  # ceil(ln 0.05 / ln 0.95) = ceil(58.4)
    assert plan.n == math.ceil(math.log(0.05) / math.log(0.95))
    assert plan.detection == pytest.approx(1 - 0.95**59)
    assert plan.sentence().startswith("check 59 random labels per batch and keep automating while at most 0")


@pytest.mark.parametrize(("baseline", "target"), [(0.98, 0.9), (0.97, 0.9), (0.95, 0.85), (0.99, 0.95)])
def test_plans_keep_both_stated_risks_and_are_the_smallest_at_their_c(baseline, target) -> None:
    plan = sampling_plan(baseline, target, confidence=0.95, false_alarm=0.05)
    assert binom.sf(plan.c, plan.n, 1 - target) >= 0.95
    assert binom.sf(plan.c, plan.n, 1 - baseline) <= 0.05
    assert binom.sf(plan.c, plan.n - 1, 1 - target) < 0.95


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0.9, 0.9), "the model's accuracy 0.900 is not above the target 0.900"),
        ((0.95, 1.2), "target_accuracy must be between 0 and 1, got 1.2"),
        ((0.951, 0.95), "no plan of at most 5000 labels tells 0.951 from 0.950"),
    ],
)
def test_impossible_plans_are_refused_in_words(args, message) -> None:
    with pytest.raises(DataError) as caught:
        sampling_plan(*args)
    assert caught.value.message.startswith(message)


def _answers(n: int, scores: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    items = [f"i{k:03d}" for k in range(n)]
    frame = pd.DataFrame(
        {
            "item_id": items,
            "annotator_id": "m",
            "answer": "A",
            "score": np.linspace(0.1, 1.0, n) if scores else np.nan,
        }
    )
    return frame, pd.DataFrame({"item_id": items, "rule_id": "R"})


def test_the_draw_is_random_n_plus_the_lowest_scores_outside_it() -> None:
    answers, rules = _answers(400)
    plan = sampling_plan(1.0, 0.95)
    table = spot_check_items(answers, {"R": plan}, rules, seed=1, targeted_share=0.5)
    random = table[table["selection"].eq("random")]
    targeted = table[table["selection"].eq("lowest score")]
    assert len(random) == 59 and len(targeted) == 30
    assert not set(random["item_id"]) & set(targeted["item_id"])
    outside = answers[~answers["item_id"].isin(random["item_id"])].sort_values("score")
    assert targeted["item_id"].tolist() == outside["item_id"].head(30).tolist()
    assert set(table["plan_n"]) == {59} and set(table["plan_c"]) == {0}


def test_no_scores_no_targeted_part_and_a_small_batch_is_checked_whole() -> None:
    answers, rules = _answers(20, scores=False)
    table = spot_check_items(answers, {"R": sampling_plan(1.0, 0.95)}, rules)
    assert len(table) == 20 and set(table["selection"]) == {"random"}


def test_review_decisions_read_back() -> None:
    answers, rules = _answers(300)
    plan = sampling_plan(0.98, 0.9)  # n=89, c=4
    table = spot_check_items(answers, {"R": plan}, rules, seed=2)
    random = table["selection"].eq("random")
    right = table.assign(reviewer_answer="A")
    assert review_decisions(right).loc["R", "decision"] == "keep automating"
    four = right.copy()
    four.loc[four.index[random][:4], "reviewer_answer"] = "B"
    assert review_decisions(four).loc["R", ["errors", "decision"]].tolist() == [4, "keep automating"]
    five = right.copy()
    five.loc[five.index[random][:5], "reviewer_answer"] = "B"
    assert review_decisions(five).loc["R", "decision"] == "back to people"
    targeted_only = right.copy()
    targeted_only.loc[targeted_only.index[~random], "reviewer_answer"] = "B"
    decided = review_decisions(targeted_only).loc["R"]
    assert decided["decision"] == "keep automating" and decided["targeted_errors"] == (~random).sum()
    half = right.copy()
    half.loc[half.index[random][:40], "reviewer_answer"] = ""
    assert review_decisions(half).loc["R", "decision"] == "check not finished"


def test_review_without_reviewer_answers_is_refused() -> None:
    with pytest.raises(DataError, match="lacks the column"):
        review_decisions(pd.DataFrame({"rule_id": ["R"]}))


def test_the_plan_detects_a_drop_at_the_stated_rate_over_repetitions() -> None:
    """Lighter than bench/spot_check.py: 600 binomial batches at the target accuracy."""
    plan = sampling_plan(0.97, 0.9)
    rng = np.random.default_rng(0)
    errors = rng.binomial(plan.n, 0.1, size=600)
    caught = float((errors > plan.c).mean())
    assert caught >= 0.95 - 3 * math.sqrt(0.05 * 0.95 / 600)
    alarms = float((rng.binomial(plan.n, 0.03, size=600) > plan.c).mean())
    assert alarms <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / 600)
