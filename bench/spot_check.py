"""Does the spot-check plan catch a drop at the stated rate? Many simulated batches, not a timing.

For each plan (baseline accuracy, target accuracy) `sampling_plan` gives n labels to check and an
acceptance number c. We simulate batches of 2,000 model labels whose true accuracy is

1. the target (a drop): the share of batches sent back to people must be at least the stated
   confidence (95 %), up to the simulation's own error;
2. halfway between the target and the baseline (a partial drop): reported, no claim;
3. the baseline (no drop): the share sent back (false alarms) must be at most the stated 5 %.

Each batch: its labels are right or wrong at the true accuracy (binomial), the check draws n of them
at random without replacement with `spot_check_items`, and the decision counts the errors among
them (`review_decisions`), exactly as a reviewer's CSV would be read back.

Run: ``python bench/spot_check.py [--repetitions N]`` (default 2,000 batches per plan and accuracy).
"""

from __future__ import annotations

import argparse
import math

import numpy as np
import pandas as pd

from calibration.agreement.spot_check import review_decisions, sampling_plan, spot_check_items

PLANS = [(1.0, 0.95), (0.98, 0.9), (0.97, 0.9), (0.95, 0.85)]
BATCH = 2000


def sent_back_share(baseline: float, target: float, accuracy: float, repetitions: int, seed: int) -> float:
    """Share of simulated batches at `accuracy` whose spot-check sends the rule back to people."""
    plan = sampling_plan(baseline, target)
    rng = np.random.default_rng(seed)
    items = [f"i{k}" for k in range(BATCH)]
    item_rules = pd.DataFrame({"item_id": items, "rule_id": "R"})
    back = 0
    for repetition in range(repetitions):
        right = rng.random(BATCH) < accuracy
        answers = pd.DataFrame(
            {"item_id": items, "annotator_id": "m", "answer": np.where(right, "A", "B"), "score": np.nan}
        )
        plan_table = spot_check_items(answers, {"R": plan}, item_rules, seed=repetition)
        truth = dict(zip(items, np.where(right, "A", "B").tolist(), strict=True))
        # a reviewer who knows the truth: the right answer is "A" wherever the model said "B" wrongly
        reviewed = plan_table.assign(reviewer_answer=["A" for _ in plan_table["item_id"]])
        assert all(
            truth[i] == a for i, a in zip(plan_table["item_id"], plan_table["model_answer"], strict=True)
        )
        back += review_decisions(reviewed).loc["R", "decision"] == "back to people"
    return back / repetitions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=2000)
    args = parser.parse_args()
    reps = args.repetitions
    print(f"{reps} batches of {BATCH} labels per row; 95% confidence, 5% false alarms stated")
    print(
        f"{'baseline':>8} {'target':>6} {'n':>4} {'c':>2} {'at target':>10} {'halfway':>8} {'at baseline':>11}"
    )
    ok = True
    for baseline, target in PLANS:
        plan = sampling_plan(baseline, target)
        at_target = sent_back_share(baseline, target, target, reps, 1)
        halfway = sent_back_share(baseline, target, (baseline + target) / 2, reps, 2)
        at_baseline = sent_back_share(baseline, target, baseline, reps, 3)
        slack = 3 * math.sqrt(0.05 * 0.95 / reps)  # three standard errors of a share near 5 %
        ok &= at_target >= 0.95 - slack and at_baseline <= 0.05 + slack
        print(
            f"{baseline:>8.2f} {target:>6.2f} {plan.n:>4} {plan.c:>2} {at_target:>10.3f} {halfway:>8.3f} "
            f"{at_baseline:>11.3f}"
        )
    print("detects at the stated rate: " + ("yes" if ok else "NO"))


if __name__ == "__main__":
    main()
