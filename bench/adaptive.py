"""Adaptive calibration bench: fixed vs sequential quizzes on simulated annotators; model fit and next-item speed.

Usage: ``python bench/adaptive.py [--repetitions 100] [--seed 0] [--skip-fit]``

1. Quizzes. A bank of 6 rules x 40 gold items. Simulated annotators of known per-rule accuracy:
   expert (0.95 everywhere), good (0.88), borderline (0.82), weak on one rule (0.95, one rule 0.55),
   careless (0.70: lapses everywhere) and spammer (0.33: random among three labels). A rule is truly
   passed when its accuracy is at least the mark (0.8); certification is right when it is given to
   exactly the annotators who pass every rule.
   - fixed: 3 items per rule (18 items, the default `min_items_per_rule`); certified when the
     accuracy over the quiz is at least 0.8 and no rule is decided fail (the trainer's rule with
     ``pass_accuracy: 0.8``);
   - sequential: `calibration.adaptive.sequential.next_step` (min 3 items per rule, at most 150
     items); certified when every rule is decided pass, refused when one is decided fail, and left
     undecided (not certified, retake the undecided rules) otherwise.
   Per policy: mean items, wrong certifications (certified but some rule below the mark), wrong
   refusals (refused though every rule is at or above it), undecided quizzes, and the share of
   decided rules that are wrong (the stated rate: 5%).
2. Model fit: 2PL on 200,000 answers (2,000 items, 500 annotators); wall-clock and CPU seconds.
3. Next item: `next_step` on a pool of 2,000 items (40 rules) after 60 answers; median ms, and the
   ratio to refitting the model from scratch on every answer.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from calibration.adaptive.sequential import fixed_items, next_step
from calibration.agreement.decisions import decide_counts

MARK = 0.8
RULES = [f"R{k}" for k in range(6)]
POOL = {f"{r}-{k:02d}": [r] for r in RULES for k in range(40)}
ANNOTATORS = {
    "expert": dict.fromkeys(RULES, 0.95),
    "good": dict.fromkeys(RULES, 0.88),
    "borderline": dict.fromkeys(RULES, 0.82),
    "weak on one rule": dict.fromkeys(RULES, 0.95) | {"R3": 0.55},
    "careless": dict.fromkeys(RULES, 0.70),
    "spammer": dict.fromkeys(RULES, 1 / 3),
}


def _fixed(skill: dict[str, float], rng: np.random.Generator, seed: int) -> tuple[int, str, list[str]]:
    items = fixed_items(POOL, 3, 18, seed)
    right = {i: float(rng.uniform() < skill[POOL[i][0]]) for i in items}
    n = np.array([sum(1 for i in items if POOL[i][0] == r) for r in RULES], dtype=float)
    c = np.array([sum(right[i] for i in items if POOL[i][0] == r) for r in RULES])
    rules = list(decide_counts(c, n, MARK))
    accuracy = sum(right.values()) / len(items)
    verdict = "pass" if accuracy >= MARK and "fail" not in rules else "fail"
    return len(items), verdict, rules


def _sequential(skill: dict[str, float], rng: np.random.Generator, seed: int) -> tuple[int, str, list[str]]:
    answered: list[tuple[str, float]] = []
    while True:
        step = next_step(POOL, answered, MARK, min_per_rule=3, max_items=150, seed=seed)
        if step.done:
            break
        answered.append((step.next_item, float(rng.uniform() < skill[POOL[step.next_item][0]])))
    rules = [step.rule_decisions[r] for r in RULES]
    verdict = "fail" if "fail" in rules else "pass" if all(d == "pass" for d in rules) else "undecided"
    return len(answered), verdict, rules


def bench_quizzes(repetitions: int, seed: int) -> None:
    print(f"1. Quizzes: {repetitions} repetitions per annotator, rule mark {MARK}, confidence 0.95")
    header = f"{'annotator':<18} {'policy':<11} {'items':>6} {'wrong cert.':>11} {'wrong refusal':>13} {'undecided':>9} {'wrong rules':>11}"
    print(header)
    totals: dict[str, list[float]] = {"fixed": [0, 0, 0, 0, 0, 0], "sequential": [0, 0, 0, 0, 0, 0]}
    for name, skill in ANNOTATORS.items():
        truly = {r: skill[r] >= MARK for r in RULES}
        should_pass = all(truly.values())
        for policy, run in (("fixed", _fixed), ("sequential", _sequential)):
            rng = np.random.default_rng([seed, len(name), repetitions])
            items, wrong_cert, wrong_refusal, undecided, decided, wrong_rules = [], 0, 0, 0, 0, 0
            for rep in range(repetitions):
                n, verdict, rules = run(skill, rng, seed * 1000 + rep)
                items.append(n)
                wrong_cert += verdict == "pass" and not should_pass
                wrong_refusal += verdict == "fail" and should_pass
                undecided += verdict == "undecided"
                for r, d in zip(RULES, rules, strict=True):
                    if d != "undecided":
                        decided += 1
                        wrong_rules += (d == "pass") != truly[r]
            share = wrong_rules / decided if decided else 0.0
            t = totals[policy]
            t[0] += sum(items)
            t[1] += wrong_cert
            t[2] += wrong_refusal
            t[3] += undecided
            t[4] += decided
            t[5] += wrong_rules
            print(
                f"{name:<18} {policy:<11} {statistics.mean(items):>6.1f} {wrong_cert:>11} "
                f"{wrong_refusal:>13} {undecided:>9} {share:>10.1%}"
            )
    runs = repetitions * len(ANNOTATORS)
    for policy, t in totals.items():
        print(
            f"{'all':<18} {policy:<11} {t[0] / runs:>6.1f} {int(t[1]):>11} {int(t[2]):>13} {int(t[3]):>9} "
            f"{(t[5] / t[4] if t[4] else 0):>10.1%}"
        )


def bench_fit(seed: int) -> float:
    import pandas as pd

    from calibration.adaptive.irt import fit_irt

    rng = np.random.default_rng(seed)
    n_items, n_people, n = 2000, 500, 200_000
    a = rng.lognormal(0, 0.3, n_items)
    b = rng.normal(0, 1, n_items)
    theta = rng.normal(0, 1, n_people)
    item = rng.integers(0, n_items, n)
    person = rng.integers(0, n_people, n)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-a[item] * (theta[person] - b[item])))).astype(float)
    graded = pd.DataFrame(
        {
            "item_id": pd.Series([f"i{k}" for k in item]),
            "annotator_id": pd.Series([f"a{k}" for k in person]),
            "credit": y,
        }
    )
    wall, cpu = time.perf_counter(), time.process_time()
    fitted = fit_irt(graded, "2pl")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    got = fitted.items.loc[[f"i{k}" for k in range(n_items)]]
    print(
        f"2. Fit: 2PL on {n:,} answers ({n_items:,} items, {n_people} annotators): {wall:.2f} s wall, "
        f"{cpu:.2f} s CPU; converged {fitted.converged}; difficulty r = "
        f"{np.corrcoef(got['difficulty'], b)[0, 1]:.3f}, discrimination r = "
        f"{np.corrcoef(got['discrimination'], a)[0, 1]:.3f}"
    )
    return wall


def bench_next_item(fit_seconds: float | None) -> None:
    pool = {f"R{r}-{k:02d}": [f"R{r}"] for r in range(40) for k in range(50)}
    rng = np.random.default_rng(1)
    answered: list[tuple[str, float]] = []
    for _ in range(60):
        step = next_step(pool, answered, MARK, min_per_rule=1)
        answered.append((step.next_item, float(rng.uniform() < 0.9)))
    times = []
    for _ in range(30):
        start = time.perf_counter()
        next_step(pool, answered, MARK, min_per_rule=1)
        times.append(time.perf_counter() - start)
    median = statistics.median(times) * 1000
    line = f"3. Next item: pool of {len(pool):,} items, 40 rules, after 60 answers: median {median:.1f} ms"
    if fit_seconds:
        line += f" (refitting the model on every answer instead: {fit_seconds * 1000 / median:.0f}x slower)"
    print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=100, help="quizzes per annotator and policy")
    parser.add_argument("--seed", type=int, default=0, help="seed")
    parser.add_argument("--skip-fit", action="store_true", help="leave out the 200,000-answer fit")
    args = parser.parse_args()
    bench_quizzes(args.repetitions, args.seed)
    fit = None if args.skip_fit else bench_fit(args.seed)
    bench_next_item(fit)


if __name__ == "__main__":
    main()
