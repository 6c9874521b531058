"""Adaptive calibration bench: fixed vs sequential quizzes on simulated annotators; model fit and next-item speed.

Usage: ``python bench/adaptive.py [--repetitions 100] [--seed 0] [--skip-fit]``

1. Quizzes. A bank of 6 rules x 40 gold items with 2PL parameters; the adaptive quiz uses a 2PL
   fitted on a simulated calibration population (300 annotators), not the true parameters. Simulated
   annotators of known per-rule accuracy (over the rule's bank): expert (0.95), good (0.91),
   borderline (0.82, inside the indifference zone 0.70-0.90), weak on one rule (0.95, one rule 0.55),
   careless (0.95 with 35% random lapses: 0.73) and spammer (random among three labels: 0.33).
   A decision is wrong when it certifies an annotator with a rule below the zone or refuses one with
   every rule above it (the borderline annotator may be decided either way).
   - fixed L/rule: L random items per rule, certified when every rule's accuracy is at least the mark
     (``pass_rule_accuracy: 0.8``); L = 3 is today's default quiz, L swept from 3 to 40;
   - adaptive: `calibration.adaptive.cat.AdaptiveBank.step` (an SPRT per rule, alpha = beta = 0.05,
     at least 3 and at most 40 items per rule), with item information at the rule's cut point or at
     the annotator's current estimate, and the same SPRT with no item model (every item alike).
   Per policy: mean items, wrong decisions, undecided quizzes; then, per adaptive variant, the
   shortest fixed quiz with no more wrong decisions, and how many fewer items the adaptive one used.
   First round (issue 14): a version has no item model until a round on it closes. A round of 60
   annotators (10 of each kind above, in a seeded order) takes the adaptive quiz one after another:
   the SPRT without an item model throughout, against the store's fallback, a provisional Rasch fit
   on the answers of the annotators who finished before (from the 6th on,
   `calibration.rounds.adaptive_quiz.PROVISIONAL_MIN_ANNOTATORS`); items used and wrong decisions.
2. Model fit: 2PL on 200,000 answers (2,000 items, 500 annotators); wall-clock and CPU seconds.
3. Next item: `next_step` and `AdaptiveBank.step` on a pool of 2,000 items (40 rules) after 60 answers; median ms, and the
   ratio to refitting the model from scratch on every answer.

The same comparison for pilots (answers needed to reach the full design's per-rule decisions) is
``bench/adaptive_pilot.py``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from calibration.adaptive.sequential import next_step

MARK = 0.8
WIDTH = 0.1
RULES = [f"R{k}" for k in range(6)]
PER_RULE = 40
POOL = {f"{r}-{k:02d}": [r] for r in RULES for k in range(PER_RULE)}
ITEMS = list(POOL)
RULE_OF = np.array([RULES.index(POOL[i][0]) for i in ITEMS])
# Simulated annotators: per-rule accuracy over the rule's bank (an ability per rule is solved for it)
# and a lapse rate (a lapse answers at random among three labels).
ANNOTATORS: dict[str, tuple[dict[str, float], float]] = {
    "expert": (dict.fromkeys(RULES, 0.95), 0.0),
    "good": (dict.fromkeys(RULES, 0.91), 0.0),
    "borderline (in zone)": (dict.fromkeys(RULES, 0.82), 0.0),
    "weak on one rule": (dict.fromkeys(RULES, 0.95) | {"R3": 0.55}, 0.0),
    "careless": (dict.fromkeys(RULES, 0.95), 0.35),
    "spammer": (dict.fromkeys(RULES, 1 / 3), 0.0),
}
FIXED_LENGTHS = [3, 5, 8, 10, 12, 15, 20, 25, 30, 35, 40]


def _bank(seed: int):
    """True item parameters, and the 2PL fitted on a simulated calibration population (300 annotators
    answering every item): the adaptive quiz only sees the fitted ones."""
    import pandas as pd

    from calibration.adaptive.irt import fit_irt

    rng = np.random.default_rng([seed, 7])
    a = rng.lognormal(0.2, 0.35, len(ITEMS))
    b = rng.normal(-1.2, 1.0, len(ITEMS))
    theta = rng.normal(0.3, 1.0, 300)
    p = 1 / (1 + np.exp(-a[None, :] * (theta[:, None] - b[None, :])))
    y = (rng.uniform(size=p.shape) < p).astype(float)
    graded = pd.DataFrame(
        {
            "item_id": np.tile(np.array(ITEMS, dtype=object), len(theta)),
            "annotator_id": np.repeat([f"p{k}" for k in range(len(theta))], len(ITEMS)),
            "credit": y.ravel(),
        }
    )
    fitted = fit_irt(graded, "2pl").items
    params = {i: (float(fitted.loc[i, "discrimination"]), float(fitted.loc[i, "difficulty"])) for i in ITEMS}
    return a, b, params


def _true_p(
    a: np.ndarray, b: np.ndarray, accuracy: dict[str, float], lapse: float
) -> tuple[np.ndarray, dict[str, float]]:
    """Per item, the simulated annotator's probability of a right answer; and the true accuracy per rule."""
    from calibration.adaptive.cat import _theta_for

    p = np.empty(len(ITEMS))
    for k, rule in enumerate(RULES):
        idx = k == RULE_OF
        if accuracy[rule] <= 1 / 3 + 1e-9:
            p[idx] = 1 / 3
        else:
            theta = _theta_for(a[idx], b[idx], accuracy[rule])
            p[idx] = 1 / (1 + np.exp(-a[idx] * (theta - b[idx])))
    p = (1 - lapse) * p + lapse / 3
    return p, {r: float(p[k == RULE_OF].mean()) for k, r in enumerate(RULES)}


def _fixed(p: np.ndarray, length: int, rng: np.random.Generator) -> tuple[int, str]:
    """`length` items per rule drawn at random; certified when every rule's accuracy is at least the mark
    (``pass_rule_accuracy``), else refused."""
    for k in range(len(RULES)):
        idx = rng.choice(np.flatnonzero(k == RULE_OF), size=length, replace=False)
        if (rng.uniform(size=length) < p[idx]).mean() < MARK:
            return length * len(RULES), "fail"
    return length * len(RULES), "pass"


def _adaptive(bank, p, rng, seed, select_at, exposure) -> tuple[int, str]:
    answered: list[tuple[str, float]] = []
    while True:
        step = bank.step(
            answered, min_per_rule=3, max_per_rule=PER_RULE, seed=seed, select_at=select_at, exposure=exposure
        )
        if step.done:
            break
        item = step.next_item
        exposure[item] = exposure.get(item, 0) + 1
        answered.append((item, float(rng.uniform() < p[ITEMS.index(item)])))
    rules = list(step.rule_decisions.values())
    verdict = "fail" if "fail" in rules else "pass" if all(d == "pass" for d in rules) else "undecided"
    return len(answered), verdict


def bench_quizzes(repetitions: int, seed: int) -> None:
    from calibration.adaptive.cat import AdaptiveBank

    a, b, params = _bank(seed)
    banks = {
        "adaptive (info at cut)": (AdaptiveBank(POOL, MARK, params=params, width=WIDTH), "cut"),
        "adaptive (info at estimate)": (AdaptiveBank(POOL, MARK, params=params, width=WIDTH), "estimate"),
        "SPRT, no item model": (AdaptiveBank(POOL, MARK, width=WIDTH), "none"),
    }
    print(
        f"1. Quizzes: {repetitions} repetitions per annotator (seeds {seed * 1000}..{seed * 1000 + repetitions - 1}), "
        f"6 rules x {PER_RULE} items, rule mark {MARK}, indifference zone {MARK - WIDTH:.2f}-{MARK + WIDTH:.2f}, "
        "alpha = beta = 0.05"
    )
    print(
        f"{'annotator':<22} {'true accuracy per rule':<24} {'policy':<28} {'items':>6} {'wrong':>6} {'undecided':>9}"
    )
    # wrong decisions: certified with a rule truly below the zone, or refused with every rule above it
    summary: dict[str, list[float]] = {}
    fixed_wrong = dict.fromkeys(FIXED_LENGTHS, 0)
    for name, (accuracy, lapse) in ANNOTATORS.items():
        p, truth = _true_p(a, b, accuracy, lapse)
        below = any(v < MARK - WIDTH for v in truth.values())
        above = all(v >= MARK + WIDTH for v in truth.values())
        in_zone = not below and not above
        shown = ", ".join(f"{v:.2f}" for v in sorted(set(round(v, 2) for v in truth.values())))

        def wrong(verdict: str, below: bool = below, above: bool = above) -> bool:
            return (verdict == "pass" and below) or (verdict == "fail" and above)

        runs = {}
        for length in FIXED_LENGTHS:
            rng = np.random.default_rng([seed, len(name), length])
            out = [_fixed(p, length, rng) for _ in range(repetitions)]
            runs[f"fixed {length}/rule"] = out
            if not in_zone:
                fixed_wrong[length] += sum(wrong(v) for _, v in out)
        for policy, (bank, at) in banks.items():
            rng = np.random.default_rng([seed, len(name), 99])
            exposure: dict[str, int] = {}
            runs[policy] = [
                _adaptive(bank, p, rng, seed * 1000 + rep, at, exposure) for rep in range(repetitions)
            ]
        for policy, out in runs.items():
            if policy.startswith("fixed") and policy not in ("fixed 3/rule", "fixed 20/rule"):
                continue
            items = statistics.mean(n for n, _ in out)
            n_wrong = sum(wrong(v) for _, v in out)
            undecided = sum(v == "undecided" for _, v in out)
            print(f"{name:<22} {shown:<24} {policy:<28} {items:>6.1f} {n_wrong:>6} {undecided:>9}")
        for policy, out in runs.items():
            s = summary.setdefault(policy, [0.0, 0.0, 0.0])
            s[0] += sum(n for n, _ in out)
            s[1] += 0 if in_zone else sum(wrong(v) for _, v in out)
            s[2] += sum(v == "undecided" for _, v in out)
    total = repetitions * len(ANNOTATORS)
    outside = repetitions * (len(ANNOTATORS) - 1)
    print(
        f"\nAll annotators ({total} quizzes per policy; wrong decisions among the {outside} outside the zone):"
    )
    for policy, (items, n_wrong, undecided) in summary.items():
        print(
            f"  {policy:<28} items {items / total:>6.1f}  wrong {int(n_wrong):>4}  undecided {int(undecided):>4}"
        )
    for policy in banks:
        items, n_wrong, _ = summary[policy]
        match = next((length for length in FIXED_LENGTHS if fixed_wrong[length] <= n_wrong), None)
        if match is None:
            print(f"  {policy}: no fixed length up to {FIXED_LENGTHS[-1]}/rule is as accurate")
        else:
            fixed_items = match * len(RULES)
            print(
                f"  {policy}: {items / total:.1f} items for {int(n_wrong)} wrong decisions; the shortest fixed quiz "
                f"with no more wrong decisions has {match}/rule = {fixed_items} items "
                f"({fixed_wrong[match]} wrong): {1 - items / total / fixed_items:.0%} fewer items"
            )


def bench_first_round(rounds: int, seed: int, people: int = 60) -> None:
    import pandas as pd

    from calibration.adaptive.cat import AdaptiveBank
    from calibration.adaptive.irt import fit_irt
    from calibration.rounds.adaptive_quiz import PROVISIONAL_MIN_ANNOTATORS

    a, b, _ = _bank(seed)
    kinds = list(ANNOTATORS)
    plain = AdaptiveBank(POOL, MARK, width=WIDTH)
    totals: dict[str, list[float]] = {}
    cpu = time.process_time()
    for r in range(rounds):
        rng = np.random.default_rng([seed, 31, r])
        order = [kinds[k % len(kinds)] for k in rng.permutation(people)]
        for policy in ("SPRT, no item model", "provisional Rasch"):
            answers: list[tuple[str, str, float]] = []
            exposure: dict[str, int] = {}
            play = np.random.default_rng([seed, 32, r])
            for k, kind in enumerate(order):
                accuracy, lapse = ANNOTATORS[kind]
                p, truth = _true_p(a, b, accuracy, lapse)
                bank = plain
                if policy == "provisional Rasch" and k >= PROVISIONAL_MIN_ANNOTATORS:
                    graded = pd.DataFrame(answers, columns=["item_id", "annotator_id", "credit"])
                    fitted = fit_irt(graded, "rasch").items
                    params = {
                        str(i): (float(v.discrimination), float(v.difficulty)) for i, v in fitted.iterrows()
                    }
                    bank = AdaptiveBank(POOL, MARK, params=params, width=WIDTH)
                answered: list[tuple[str, float]] = []
                while True:
                    step = bank.step(
                        answered, min_per_rule=3, max_per_rule=PER_RULE, seed=r * 1000 + k, exposure=exposure
                    )
                    if step.done:
                        break
                    item = step.next_item
                    exposure[item] = exposure.get(item, 0) + 1
                    answered.append((item, float(play.uniform() < p[ITEMS.index(item)])))
                answers += [(i, f"p{k}", y) for i, y in answered]
                rules = list(step.rule_decisions.values())
                verdict = (
                    "fail" if "fail" in rules else "pass" if all(d == "pass" for d in rules) else "undecided"
                )
                below = any(v < MARK - WIDTH for v in truth.values())
                above = all(v >= MARK + WIDTH for v in truth.values())
                bad = (verdict == "pass" and below) or (verdict == "fail" and above)
                phase = "first 5" if k < PROVISIONAL_MIN_ANNOTATORS else "from the 6th"
                row = totals.setdefault(f"{policy}|{phase}", [0.0, 0.0, 0.0, 0.0])
                row[0] += len(answered)
                row[1] += bad
                row[2] += verdict == "undecided"
                row[3] += 1
    cpu = time.process_time() - cpu
    print(
        f"\nFirst round without an item model: {rounds} rounds x {people} annotators (10 of each kind, seeded order), "
        f"{cpu:.0f} s CPU"
    )
    print(
        f"  {'policy':<22} {'annotators':<14} {'items (mean)':>12} {'wrong':>6} {'undecided':>9} {'quizzes':>8}"
    )
    for key, (items, bad, undecided, n) in totals.items():
        policy, phase = key.split("|")
        print(f"  {policy:<22} {phase:<14} {items / n:>12.1f} {int(bad):>6} {int(undecided):>9} {int(n):>8}")


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
    line = f"3. Next item: pool of {len(pool):,} items, 40 rules, after 60 answers: sequential median {median:.1f} ms"
    from calibration.adaptive.cat import AdaptiveBank

    params = {i: (float(rng.lognormal(0, 0.3)), float(rng.normal())) for i in pool}
    start = time.perf_counter()
    bank = AdaptiveBank(pool, MARK, params=params)
    build = (time.perf_counter() - start) * 1000
    times = []
    for _ in range(30):
        start = time.perf_counter()
        bank.step(answered, min_per_rule=1, select_at="estimate")
        times.append(time.perf_counter() - start)
    adaptive = statistics.median(times) * 1000
    line += f"; adaptive {build:.0f} ms to prepare the bank, then median {adaptive:.1f} ms per step"
    if fit_seconds:
        line += f" (refitting the model on every answer instead: {fit_seconds * 1000 / (build + adaptive):.0f}x slower)"
    print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=100, help="quizzes per annotator and policy")
    parser.add_argument("--seed", type=int, default=0, help="seed")
    parser.add_argument("--skip-fit", action="store_true", help="leave out the 200,000-answer fit")
    parser.add_argument("--rounds", type=int, default=5, help="simulated first rounds of 60 annotators")
    parser.add_argument("--only-first-round", action="store_true", help="run only the first-round comparison")
    args = parser.parse_args()
    if args.only_first_round:
        bench_first_round(args.rounds, args.seed)
        return
    bench_quizzes(args.repetitions, args.seed)
    bench_first_round(args.rounds, args.seed)
    fit = None if args.skip_fit else bench_fit(args.seed)
    bench_next_item(fit)


if __name__ == "__main__":
    main()
