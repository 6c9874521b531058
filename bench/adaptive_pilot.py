"""Adaptive pilot bench: answers needed to decide every rule, full uniform design vs the adaptive pilot.

Usage: ``python bench/adaptive_pilot.py [--repetitions 100] [--seed 0] [--quick] [--scenario mixed|clear|both]
[--first-look 10] [--look-every 5] [--spending obf|pocock]``

A simulated pilot of 8 rules, target alpha 0.8, 2 answers per item, labels among three
categories. Rules have a known true agreement: an annotator knows the item's label with
probability ``q`` and otherwise answers at random, so two annotators' chance-corrected agreement is
``q**2``. Scenario ``mixed`` (20-40 items per rule, 240 items): 0.95 and 0.92 (clearly above), 0.30,
0.55 and 0.65 (clearly below), 0.75, 0.80 and 0.85 (near the target). Scenario ``clear`` (30-40
items per rule, 290 items): 0.95 to 0.98 and 0.00 to 0.50, every rule far from the target.
Repetition ``r`` uses seed ``seed + r`` and ``4 + r % 3`` annotators (4 to 6). Every policy reads
the same simulated answers.

- **full design**: every item gets 2 answers (480); one look at the end: a rule is decided when the
  95% bootstrap interval shown (on at least 5 items) lies above or below the target (the fixed
  design's rule, `calibration.adaptive.pilot_replay.decide`).
- **uniform, stop when all decided**: the full design's items in a seeded random order, each with
  its 2 answers; it stops at the first item after which every rule is decided (else it uses all).
- **adaptive**: the store's loop (`calibration.rounds.adaptive_pilot`): each annotator holds one
  item; a random annotator with an item answers it, then gets the next from
  `calibration.adaptive.pilot.next_pilot_item` on `pilot_status` of the answers so far, with the
  round's 20% control slice; an annotator with no next item finishes (the bench also counts the
  runs in which one reloading at the end would have got another item). Reported: answers when
  every rule was first decided, and answers in all (the rest of the control slice and the items
  already handed out are answered too).

A decision is **wrong** when a rule is decided above the target while its true agreement is below
``target - 0.1``, or below while it is above ``target + 0.1``; inside that margin either decision is
acceptable. Status is recomputed only for the rules of an item that gets its second answer (other
answers leave every rule's status unchanged); ``exact=True`` recomputes every rule on every answer,
and the test checks both give the same run.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from calibration.adaptive.pilot import (
    DEFAULT_CONTROL_FRACTION,
    FIRST_LOOK,
    FUTILITY,
    LOOK_EVERY,
    SPENDING,
    RuleStatus,
    control_slice,
    next_pilot_item,
    pilot_status,
)
from calibration.adaptive.pilot_replay import MIN_ITEMS, decide
from calibration.guidelines.model import Label, Task

TARGET = 0.8
MARGIN = 0.1
OVERLAP = 2
LABELS = ("P", "N", "U")
TASK = Task(type="single_label", labels=[Label(id=x, name=x) for x in LABELS])
# rule -> (true agreement, items)
RULES: dict[str, tuple[float, int]] = {
    "above-0.95": (0.95, 30),
    "above-0.92": (0.92, 25),
    "below-0.30": (0.30, 40),
    "below-0.55": (0.55, 20),
    "below-0.65": (0.65, 35),
    "near-0.75": (0.75, 40),
    "near-0.80": (0.80, 30),
    "near-0.85": (0.85, 20),
}
# Every rule far from the target, 30-40 items: the full design decides most of them.
CLEAR_RULES: dict[str, tuple[float, int]] = {
    "above-0.98": (0.98, 40),
    "above-0.97": (0.97, 30),
    "above-0.96": (0.96, 40),
    "above-0.95": (0.95, 40),
    "below-0.00": (0.00, 30),
    "below-0.30": (0.30, 40),
    "below-0.45": (0.45, 40),
    "below-0.50": (0.50, 30),
}
SCENARIOS = {"mixed": RULES, "clear": CLEAR_RULES}
DECISIONS = ("above", "below", "undecided")
# the group-sequential look schedule of the designs that read after every item (--first-look ...)
design: dict[str, object] = {
    "first_look": FIRST_LOOK,
    "look_every": LOOK_EVERY,
    "spending": SPENDING,
    "futility": FUTILITY,
}


@dataclass
class Pilot:
    """One simulated pilot: items and their rules, every annotator's answer to every item."""

    item_rules: dict[str, list[str]]
    answers: dict[tuple[str, str], str]
    annotators: list[str]
    truth: dict[str, float]


@dataclass
class Run:
    """What one policy did on one pilot."""

    answers: int
    decisions: dict[str, str]
    answers_per_rule: dict[str, int] = field(default_factory=dict)
    answers_all_decided: int | None = None
    handed_to_decided: int = 0
    reload_items: int = 0
    estimates: dict[str, float | None] = field(default_factory=dict)
    control_estimates: dict[str, float | None] = field(default_factory=dict)
    one_look: dict[str, str] = field(default_factory=dict)


def simulate_pilot(rules: dict[str, tuple[float, int]], annotators: int, rng: np.random.Generator) -> Pilot:
    """Answers of `annotators` people to every item of `rules` (rule -> (true agreement, items))."""
    people = [f"a{k}" for k in range(annotators)]
    item_rules: dict[str, list[str]] = {}
    answers: dict[tuple[str, str], str] = {}
    for rule, (agreement, n) in rules.items():
        know = float(np.sqrt(agreement))
        for k in range(n):
            item = f"{rule}:{k:02d}"
            item_rules[item] = [rule]
            truth = LABELS[int(rng.integers(len(LABELS)))]
            for who in people:
                known = rng.random() < know
                answers[(item, who)] = truth if known else LABELS[int(rng.integers(len(LABELS)))]
    return Pilot(item_rules, answers, people, {r: a for r, (a, _) in rules.items()})


def _frame(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["item_id", "annotator_id", "answer"])


class _Status:
    """`pilot_status` of the answers so far, recomputed per rule when one of its items is completed."""

    def __init__(self, pilot: Pilot, control: frozenset[str], seed: int, exact: bool) -> None:
        self.pilot, self.control, self.seed, self.exact = pilot, control, seed, exact
        self.rows: list[tuple[str, str, str]] = []
        self.status = self._compute(pilot.item_rules)

    def _compute(self, item_rules: dict[str, list[str]]) -> dict[str, RuleStatus]:
        return pilot_status(
            _frame(self.rows),
            item_rules,
            TASK,
            TARGET,
            control=self.control,
            overlap=OVERLAP,
            seed=self.seed,
            intervals=False,
            **design,  # type: ignore[arg-type]
        )

    def add(self, item: str, annotator: str, answers_on_item: int) -> None:
        self.rows.append((item, annotator, self.pilot.answers[(item, annotator)]))
        if self.exact:
            self.status = self._compute(self.pilot.item_rules)
        elif answers_on_item == OVERLAP:  # the item now counts; only its rules change
            rules = set(self.pilot.item_rules[item])
            sub = {i: r for i, r in self.pilot.item_rules.items() if rules & set(r)}
            self.status.update({r: s for r, s in self._compute(sub).items() if r in rules})

    def all_decided(self) -> bool:
        return all(s.decision != "undecided" for s in self.status.values())


def _per_rule(pilot: Pilot, rows: list[tuple[str, str, str]]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for item, _, _ in rows:
        counts.update(pilot.item_rules[item])
    return {r: counts.get(r, 0) for r in pilot.truth}


def full_design(pilot: Pilot) -> Run:
    """Every item answered by 2 annotators (pairs in turn)."""
    n = len(pilot.annotators)
    rows = []
    for k, item in enumerate(pilot.item_rules):
        for j in range(OVERLAP):
            who = pilot.annotators[(k + j) % n]
            rows.append((item, who, pilot.answers[(item, who)]))
    # one look at the end: the 95% interval shown decides
    status = pilot_status(_frame(rows), pilot.item_rules, TASK, TARGET, overlap=OVERLAP)
    # and the adaptive pilot's score test, read once at the end (its 1.96 boundary)
    once = pilot_status(
        _frame(rows), pilot.item_rules, TASK, TARGET, first_look=10**9, futility=0.0, intervals=False
    )
    return Run(
        answers=len(rows),
        decisions={
            r: decide(list(s.interval) if s.interval else None, TARGET)
            if s.items >= MIN_ITEMS
            else "undecided"
            for r, s in status.items()
        },
        answers_per_rule=_per_rule(pilot, rows),
        estimates={r: s.estimate for r, s in status.items()},
        one_look={r: s.decision for r, s in once.items()},
    )


def uniform_stop(pilot: Pilot, seed: int) -> Run:
    """The full design's items in a seeded random order; stop once every rule is decided."""
    rng = np.random.default_rng([seed, 1])
    items = list(pilot.item_rules)
    n = len(pilot.annotators)
    status = _Status(pilot, frozenset(), seed, exact=False)
    for k in rng.permutation(len(items)):
        item = items[int(k)]
        for j in range(OVERLAP):
            status.add(item, pilot.annotators[(int(k) + j) % n], j + 1)
        if status.all_decided():
            break
    return Run(
        answers=len(status.rows),
        decisions={r: s.decision for r, s in status.status.items()},
        answers_per_rule=_per_rule(pilot, status.rows),
    )


def adaptive(pilot: Pilot, seed: int, fraction: float = DEFAULT_CONTROL_FRACTION, exact: bool = False) -> Run:
    """The store's adaptive pilot loop (module docstring)."""
    rng = np.random.default_rng([seed, 2])
    control = control_slice(sorted(pilot.item_rules), fraction, seed)
    status = _Status(pilot, control, seed, exact)
    assigned: Counter[str] = Counter()
    answered: Counter[str] = Counter()
    mine: dict[str, list[str]] = {a: [] for a in pilot.annotators}
    pending: dict[str, str] = {}
    handed_to_decided = 0
    all_decided_at: int | None = None

    def choose(annotator: str) -> str | None:
        return next_pilot_item(
            status.status,
            pilot.item_rules,
            control=control,
            assigned=assigned,
            mine=set(mine[annotator]),
            overlap=OVERLAP,
            annotator=annotator,
            position=len(mine[annotator]),
            fraction=fraction,
            seed=seed,
        )

    def hand_out(annotator: str) -> None:
        nonlocal handed_to_decided
        pick = choose(annotator)
        if pick is None:
            return
        if pick not in control and all(
            status.status[r].decision != "undecided" for r in pilot.item_rules[pick]
        ):
            handed_to_decided += 1
        mine[annotator].append(pick)
        assigned[pick] += 1
        pending[annotator] = pick

    for annotator in pilot.annotators:
        hand_out(annotator)
    while pending:
        annotator = sorted(pending)[int(rng.integers(len(pending)))]
        item = pending.pop(annotator)
        answered[item] += 1
        status.add(item, annotator, answered[item])
        if all_decided_at is None and status.all_decided():
            all_decided_at = len(status.rows)
        hand_out(annotator)
    final = status.status
    # An annotator who got no item finished; had they reloaded at the end (the store chooses again
    # for an attempt still in progress), would a later answer have reopened something for them?
    reload_items = sum(choose(a) is not None for a in pilot.annotators)
    return Run(
        answers=len(status.rows),
        decisions={r: s.decision for r, s in final.items()},
        answers_per_rule=_per_rule(pilot, status.rows),
        answers_all_decided=all_decided_at,
        handed_to_decided=handed_to_decided,
        reload_items=reload_items,
        estimates={r: s.estimate for r, s in final.items()},
        control_estimates={r: s.control_estimate for r, s in final.items()},
    )


def wrong(decision: str, truth: float, target: float = TARGET, margin: float = MARGIN) -> bool:
    """Decided above while truly below ``target - margin``, or below while above ``target + margin``."""
    return (decision == "above" and truth < target - margin) or (
        decision == "below" and truth > target + margin
    )


def _mean(values: Sequence[float]) -> float:
    return float(np.mean(values)) if values else float("nan")


def bench(
    repetitions: int,
    seed: int,
    rules: dict[str, tuple[float, int]],
    name: str = "custom",
    skip_uniform: bool = False,
) -> None:
    results: list[tuple[Pilot, Run, Run, Run]] = []
    start, cpu = time.perf_counter(), time.process_time()
    for rep in range(repetitions):
        s = seed + rep
        pilot = simulate_pilot(rules, 4 + rep % 3, np.random.default_rng([s, 0]))
        uni = full_design(pilot) if skip_uniform else uniform_stop(pilot, s)
        results.append((pilot, full_design(pilot), uni, adaptive(pilot, s)))
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    total_items = sum(n for _, n in rules.values())
    print(
        f"adaptive pilot bench, scenario {name}: {len(rules)} rules, {total_items} items, target {TARGET}, "
        f"{OVERLAP} answers per item, 4-6 annotators, {repetitions} repetitions (seeds {seed}-{seed + repetitions - 1}), "
        f"looks at {design['first_look']}, every {design['look_every']}, {design['spending']} spending, "
        f"futility {design['futility']}; "
        f"{wall:.1f} s wall-clock, {cpu:.1f} s CPU"
    )
    print()
    print("per rule: answers used (mean) and decisions above/below/undecided out of", repetitions)
    header = (
        f"{'rule':<12} {'true':>5} | {'full: ans':>9} {'a/b/u':>10} {'wrong':>5} | {'uniform-stop: ans':>17} "
        f"{'a/b/u':>10} {'=full':>5} {'wrong':>5} | {'adaptive: ans':>13} {'a/b/u':>10} {'=full':>5} {'wrong':>5}"
    )
    print(header)
    print("-" * len(header))

    def abu(runs: list[Run], rule: str) -> str:
        c = Counter(r.decisions[rule] for r in runs)
        return "/".join(str(c.get(d, 0)) for d in DECISIONS)

    full = [f for _, f, _, _ in results]
    uni = [u for _, _, u, _ in results]
    ada = [a for _, _, _, a in results]
    for rule, (truth, _) in rules.items():
        cells = []
        for runs in (full, uni, ada):
            used = _mean([r.answers_per_rule[rule] for r in runs])
            same = sum(r.decisions[rule] == f.decisions[rule] for r, f in zip(runs, full, strict=True))
            bad = sum(wrong(r.decisions[rule], truth) for r in runs)
            cells.append((used, abu(runs, rule), same, bad))
        (fu, fd, _, fw), (uu, ud, us, uw), (au, ad, as_, aw) = cells
        print(
            f"{rule:<12} {truth:>5.2f} | {fu:>9.1f} {fd:>10} {fw:>5} | {uu:>17.1f} {ud:>10} {us:>5} {uw:>5} | "
            f"{au:>13.1f} {ad:>10} {as_:>5} {aw:>5}"
        )
    print()
    clear = [r for r, (t, _) in rules.items() if abs(t - TARGET) > MARGIN]
    near = [r for r in rules if r not in clear]

    def summary(name: str, runs: list[Run]) -> None:
        decided = [sum(r.decisions[x] != "undecided" for x in rules) for r in runs]
        agree_clear = sum(
            r.decisions[x] == f.decisions[x] for r, f in zip(runs, full, strict=True) for x in clear
        )
        agree_near = sum(
            r.decisions[x] == f.decisions[x] for r, f in zip(runs, full, strict=True) for x in near
        )
        bad = sum(wrong(r.decisions[x], rules[x][0]) for r in runs for x in rules)
        every = sum(all(r.decisions[x] != "undecided" for x in rules) for r in runs)
        pairs = [(r.decisions[x], f.decisions[x]) for r, f in zip(runs, full, strict=True) for x in rules]
        more = sum(d != "undecided" and g == "undecided" for d, g in pairs)
        fewer = sum(d == "undecided" and g != "undecided" for d, g in pairs)
        opposite = sum("undecided" not in (d, g) and d != g for d, g in pairs)
        print(
            f"{name:<34} answers {_mean([r.answers for r in runs]):6.1f} "
            f"({_mean([r.answers for r in runs]) / full[0].answers:5.1%} of the full design); "
            f"rules decided {_mean(decided):.2f}/{len(rules)}, all in {every}/{len(runs)}; same as full: clear rules "
            f"{agree_clear}/{len(clear) * len(runs)}, near rules {agree_near}/{len(near) * len(runs)}; "
            f"wrong {bad}/{len(rules) * len(runs)}"
        )
        if runs is not full:
            print(
                f"{'':<34} against full: decided where full is undecided {more}, undecided where full "
                f"decided {fewer}, opposite decision {opposite}"
            )

    summary("full design", full)
    summary("full design, score test once", [dataclasses.replace(f, decisions=f.one_look) for f in full])
    summary("uniform order, stop when decided", uni)
    summary("adaptive (all answers)", ada)
    reached = [a.answers_all_decided for a in ada if a.answers_all_decided is not None]
    print(
        f"adaptive: every rule decided in {len(reached)}/{len(ada)} runs, after {_mean([float(x) for x in reached]):.1f} "
        f"answers on average in those; items handed to decided rules outside the control slice: "
        f"{sum(a.handed_to_decided for a in ada)}; runs in which an annotator reloading at the end "
        f"would get another item: {sum(a.reload_items > 0 for a in ada)}"
    )
    reached_u = [u.answers for u in uni if all(d != "undecided" for d in u.decisions.values())]
    print(
        f"uniform order: every rule decided in {len(reached_u)}/{len(uni)} runs, after "
        f"{_mean([float(x) for x in reached_u]):.1f} answers on average in those"
    )
    print()
    print("estimates of alpha, mean (mean absolute error to the true agreement):")

    def show(values: list[float | None], truth: float) -> str:
        vals = [v for v in values if v is not None]
        return f"{_mean(vals):.3f} ({_mean([abs(v - truth) for v in vals]):.3f}, n={len(vals)})"

    for rule, (truth, _) in rules.items():
        print(
            f"  {rule:<12} full {show([f.estimates[rule] for f in full], truth)}; adaptive "
            f"{show([a.estimates[rule] for a in ada], truth)}; "
            f"control slice {show([a.control_estimates[rule] for a in ada], truth)}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=100, help="simulated pilots")
    parser.add_argument("--seed", type=int, default=0, help="first seed (repetition r uses seed + r)")
    parser.add_argument("--quick", action="store_true", help="10 repetitions")
    parser.add_argument("--scenario", choices=[*SCENARIOS, "both"], default="both", help="rule set")
    parser.add_argument(
        "--first-look", type=int, default=FIRST_LOOK, help="completed items at a rule's first look"
    )
    parser.add_argument("--look-every", type=int, default=LOOK_EVERY, help="completed items between looks")
    parser.add_argument(
        "--spending", choices=["obf", "pocock"], default=SPENDING, help="alpha spending function"
    )
    parser.add_argument(
        "--futility", type=float, default=FUTILITY, help="conditional power below which a rule stops"
    )
    parser.add_argument(
        "--skip-uniform",
        action="store_true",
        help="leave out uniform-stop (its rows then repeat the full design)",
    )
    args = parser.parse_args()
    design.update(
        first_look=args.first_look, look_every=args.look_every, spending=args.spending, futility=args.futility
    )
    for name, rules in SCENARIOS.items():
        if args.scenario in (name, "both"):
            bench(10 if args.quick else args.repetitions, args.seed, rules, name, args.skip_uniform)
            print()


if __name__ == "__main__":
    main()
