"""An upper bound for ranking rules by ambiguity from the answers alone: the simulator's own model.

`bench/queue_quality.py` plants ambiguous rules and traps in simulated pilots; in its ``silent``
scenario the annotators give no signals (no confidence, "unclear", comments or seconds), and the
revision queue only equals sorting by percent agreement there. This script asks whether any method
could do better from what such a pilot holds (the answers and the gold answers), by ranking the
rules with the Bayes-optimal classifier **of the simulator itself**: each rule's likelihood ratio

    P(answers, gold | the rule is ambiguous) / P(answers, gold | it is not)

under the exact generative model of `queue_quality` (`_new_rule`, `_answer_one`), with every latent
variable integrated out by its own prior, and handed what no real method knows: every annotator's
true skill and every rule's own labels (so the number of labels a rule uses, which the simulator
ties to its kind, counts as evidence too). Ranking by that ratio maximises the expected number of
ambiguous rules in the top k, so its precision at k bounds every method's on the same pilots, up to
the Monte Carlo error of the integrals (reported as the spread over two independent integrations).

- Not ambiguous: ``clear`` (2 or 3 labels, truth uniform), ``skewed_clear`` (2 labels, 8 % rare),
  ``noise_pair`` (3 labels, slips on one pair); the label order is unknown and averaged over.
- Ambiguous: ``two_readings`` (a random set of 20-50 % of the annotators, each item contested with
  probability 20-50 %, summed over every set and a grid of the share), ``vague_boundary`` (item
  positions uniform on the gold side, per-answer jitter 0.08, annotator thresholds N(0, s) with s
  uniform in 0.1-0.3: Monte Carlo over the thresholds, a grid over each item's position).
- Scored like `queue_quality.score_pilot`: k is the number of planted ambiguous rules with at least
  ten items with two or more answers; few-item rules leave every ranking.

Run: ``python bench/queue_oracle.py [--pilots N] [--seed S] [--scenario silent] [--draws D]``; prints
precision at k of the oracle, the queue and percent agreement with 95 % bootstrap intervals over pilots,
and the oracle minus percent agreement, paired. About 2 s per pilot.
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import special, stats

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import queue_quality as qq  # noqa: E402

JITTER = 0.08  # `_answer_one`: the per-answer noise on a vague boundary's position
GRID = 64  # positions per item side (midpoints)
CHUNK = 100  # Monte Carlo draws per array
SHARES = np.linspace(0.2, 0.5, 31)  # the grid over the uniform shares (contested items, second reading)


def _log_answers(x: np.ndarray, truth: np.ndarray, skill: np.ndarray, n_labels: int) -> np.ndarray:
    """log P(answer | truth) per item x annotator, slips uniform over the other labels."""
    return np.where(x == truth[:, None], np.log(skill)[None], np.log((1 - skill) / (n_labels - 1))[None])


def _clear(x, gold, skill, n_labels, gold_prior) -> float:
    """log P(answers, gold | a clear rule), `gold_prior` the log prior of each item's gold label."""
    return float((_log_answers(x, gold, skill, n_labels).sum(axis=1) + gold_prior).sum())


def log_not_ambiguous(
    x: np.ndarray, gold: np.ndarray, skill: np.ndarray, n_labels: int, n_clear: float
) -> float:
    """log P(answers, gold, labels | not ambiguous): the mixture of the kinds a pilot plants, weighted by
    how many of each it has (one skewed, one noise pair, `n_clear` clear rules of which 60 % use 2 labels)."""
    terms, weights = [], []
    if n_labels == 2:
        terms.append(_clear(x, gold, skill, 2, np.full(len(gold), math.log(0.5))))
        weights.append(n_clear * 0.6)
        skewed = []
        for rare in (0, 1):  # which of the two labels is the rare one
            prior = np.where(gold == rare, math.log(0.08), math.log(0.92))
            skewed.append(_clear(x, gold, skill, 2, prior))
        terms.append(float(special.logsumexp(skewed) - math.log(2)))
        weights.append(1.0)
    else:
        terms.append(_clear(x, gold, skill, 3, np.full(len(gold), math.log(1 / 3))))
        weights.append(n_clear * 0.4)
        pairs = []
        for order in itertools.permutations(range(3)):  # labels[0], labels[1], labels[2] of `_new_rule`
            slip_to = {order[0]: order[1], order[1]: order[0], order[2]: order[0]}
            target = np.vectorize(slip_to.get)(gold)
            right = x == gold[:, None]
            lp = np.where(
                right,
                np.log(skill)[None],
                np.where(x == target[:, None], np.log(1 - skill)[None], -np.inf),
            )
            pairs.append(float((lp.sum(axis=1) + math.log(1 / 3)).sum()))
        terms.append(float(special.logsumexp(pairs) - math.log(6)))
        weights.append(1.0)
    w = np.array(weights)
    return float(special.logsumexp(np.array(terms), b=w / w.sum()))


def _second_reading_sizes(n: int) -> dict[int, float]:
    """P(the second reading is held by m annotators): round(n U(0.2, 0.5)), at least 1."""
    u = np.linspace(0.2, 0.5, 30001)
    sizes = np.maximum(1, np.round(n * u)).astype(int)
    values, counts = np.unique(sizes, return_counts=True)
    return {int(v): float(c) / len(u) for v, c in zip(values, counts, strict=True)}


def log_two_readings(x: np.ndarray, gold: np.ndarray, skill: np.ndarray) -> float:
    """log P(answers, gold | two readings), 2 labels: summed over the annotators holding the second
    reading and over the share of contested items (on which they read the other label)."""
    n_items, n = x.shape
    right = _log_answers(x, gold, skill, 2)  # reading 1
    other = _log_answers(x, 1 - gold, skill, 2)  # the contested item's other label
    base = right.sum(axis=1)  # items
    terms = []
    for m, p_m in _second_reading_sizes(n).items():
        for group in itertools.combinations(range(n), m):
            g = list(group)
            flipped = base - right[:, g].sum(axis=1) + other[:, g].sum(axis=1)
            # per share p: sum over items of log((1-p) e^base + p e^flipped)
            both = np.stack([base, flipped])  # 2 x items
            per_p = [float(special.logsumexp(both, axis=0, b=np.array([[1 - p], [p]])).sum()) for p in SHARES]
            terms.append(
                float(special.logsumexp(per_p) - math.log(len(SHARES)))
                + math.log(p_m)
                - math.log(math.comb(n, m))
            )
    return float(special.logsumexp(terms)) + n_items * math.log(0.5)


def log_vague(
    x: np.ndarray, gold: np.ndarray, skill: np.ndarray, rng: np.random.Generator, draws: int
) -> float:
    """log P(answers, gold | a vague boundary), 2 labels, averaged over the label order: Monte Carlo
    over the spread and the annotators' thresholds, midpoint grid over each item's position on its gold
    side (gold = the reading at threshold 0)."""
    n_items, n = x.shape
    spread = rng.uniform(0.1, 0.3, size=draws)
    thresholds = rng.normal(size=(draws, n)) * spread[:, None]
    out = []
    for upper in (1, 0):  # which label is `labels[1]` (the one above the boundary)
        side = np.where(gold == upper, 1.0, -1.0)  # the gold side of each item's position
        grid = (np.arange(GRID) + 0.5) / GRID  # |position| in (0, 1)
        pos = side[:, None] * grid[None]  # items x grid
        says_upper = (x == upper)[None, :, None, :]
        totals = []
        for start in range(0, draws, CHUNK):
            th = thresholds[start : start + CHUNK]
            # P(reads `upper`) for each draw, item, grid point, annotator
            q = stats.norm.cdf((pos[None, :, :, None] - th[:, None, None, :]) / JITTER)
            p_upper = skill * q + (1 - skill) * (1 - q)
            lp = np.log(np.where(says_upper, p_upper, 1 - p_upper)).sum(axis=3)  # draws x items x grid
            per_item = special.logsumexp(lp, axis=2) - math.log(GRID)  # the position, uniform on its side
            totals.append(per_item.sum(axis=1))
        out.append(float(special.logsumexp(np.concatenate(totals)) - math.log(draws)))
    # each item's gold side has probability 1/2 under any order
    return float(special.logsumexp(out) - math.log(2)) + n_items * math.log(0.5)


def estimated_skills(sim: qq.SimPilot) -> np.ndarray:
    """Each annotator's accuracy against gold over every item of the pilot (what a real pilot can
    estimate: ambiguous rules lower it a little), clipped to 0.6-0.995."""
    frame = sim.responses
    right = (
        frame["answer"].astype(str).to_numpy() == sim.gold.reindex(frame["item_id"]).astype(str).to_numpy()
    )
    rate = pd.Series(right, index=frame["annotator_id"].to_numpy()).groupby(level=0).mean()
    return np.clip(np.array([rate[a] for a in sim.annotators]), 0.6, 0.995)


def oracle_scores(
    sim: qq.SimPilot, rng: np.random.Generator, draws: int, estimated: bool = False
) -> dict[str, float]:
    """Per rule with enough items: log P(ambiguous) - log P(not ambiguous), from answers, gold, the
    annotators' true skills (or, `estimated`, their accuracy against gold: `estimated_skills`) and the
    rule's labels."""
    if sim.careless is not None or "confidence" in sim.responses:
        raise SystemExit("the oracle models the silent scenario only (no careless annotator, no signals)")
    n_kinds = len(sim.rules)
    planted = 2.5 + 4  # ambiguous (2 or 3) + few_ambiguous, skewed, few_clear, noise_pair
    n_clear = max(n_kinds - planted, 0.5)
    skill = estimated_skills(sim) if estimated else np.array([sim.skill[a] for a in sim.annotators])
    out = {}
    frame = sim.responses
    for rule in sim.rules:
        mine = frame[frame["item_id"].isin(rule.items)]
        table = mine.pivot(index="item_id", columns="annotator_id", values="answer")
        table = table.loc[rule.items, sim.annotators]
        code = {label: k for k, label in enumerate(rule.labels)}
        x = np.vectorize(code.__getitem__)(table.to_numpy().astype(str)).astype(int)
        gold = np.array([code[str(sim.gold[item])] for item in rule.items])
        n_labels = len(rule.labels)
        not_amb = log_not_ambiguous(x, gold, skill, n_labels, n_clear)
        if n_labels != 2:
            out[rule.rule_id] = -np.inf  # every planted ambiguous rule uses two labels
            continue
        amb = float(
            special.logsumexp([log_two_readings(x, gold, skill), log_vague(x, gold, skill, rng, draws)])
            - math.log(2)
        )
        out[rule.rule_id] = amb - not_amb
    return out


def precision_at_k(sim: qq.SimPilot, order: list[str]) -> float | None:
    """`queue_quality.score_pilot`'s precision at k for one ranking."""
    from calibration.ambiguity.signals import MIN_ITEMS

    excluded = {r for r, n in qq.observed_items(sim).items() if n < MIN_ITEMS}
    positives = {r.rule_id for r in sim.rules if r.kind in qq.AMBIGUOUS and r.rule_id not in excluded}
    if not positives:
        return None
    top = [r for r in order if r not in excluded][: len(positives)]
    return sum(r in positives for r in top) / len(positives)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pilots", type=int, default=20)
    parser.add_argument("--seed", type=int, default=107000)
    parser.add_argument("--scenario", default="silent")
    parser.add_argument("--draws", type=int, default=1500, help="Monte Carlo draws of the thresholds")
    parser.add_argument("--bootstrap", type=int, default=200, help="the queue's bootstrap per pilot")
    parser.add_argument(
        "--estimated-skills",
        action="store_true",
        help="the oracle estimates the annotators' skills from their accuracy against gold (not told them)",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rows = []
    for seed in range(args.seed, args.seed + args.pilots):
        sim = qq.simulate(args.scenario, seed)
        ranked, _ = qq.rankings(sim, args.bootstrap)
        row = {}
        for run in (0, 1):  # two independent integrations: the Monte Carlo error of the bound
            scores = oracle_scores(sim, np.random.default_rng([seed, run]), args.draws, args.estimated_skills)
            order = sorted(scores, key=lambda r: (-scores[r], r))
            row[f"oracle{run}"] = precision_at_k(sim, order)
        row["queue"] = precision_at_k(sim, ranked["queue"])
        row["percent_agreement"] = precision_at_k(sim, ranked["percent_agreement"])
        # percent agreement told what the oracle is told about labels: 3-label rules last
        three = {r.rule_id for r in sim.rules if len(r.labels) != 2}
        told = [r for r in ranked["percent_agreement"] if r not in three] + [
            r for r in ranked["percent_agreement"] if r in three
        ]
        row["pa_two_labels"] = precision_at_k(sim, told)
        queue_told = [r for r in ranked["queue"] if r not in three] + [
            r for r in ranked["queue"] if r in three
        ]
        row["queue_two_labels"] = precision_at_k(sim, queue_told)
        if row["queue"] is not None:
            rows.append(row)
    rng = np.random.default_rng(12345)
    data = {key: np.array([r[key] for r in rows], dtype=float) for key in rows[0]}
    oracle = (data["oracle0"] + data["oracle1"]) / 2

    def interval(values: np.ndarray) -> str:
        boots = rng.choice(values, size=(2000, len(values))).mean(axis=1)
        return f"{values.mean():+.3f} [{np.percentile(boots, 2.5):+.3f}, {np.percentile(boots, 97.5):+.3f}]"

    print(
        f"{args.scenario}: {len(rows)} pilots, seeds {args.seed}-{args.seed + args.pilots - 1}, "
        f"{args.draws} Monte Carlo draws, {time.perf_counter() - started:.0f} s"
    )
    print(f"precision at k  oracle {interval(oracle)}")
    print(f"                queue {interval(data['queue'])}")
    print(f"                percent agreement {interval(data['percent_agreement'])}")
    print(f"oracle - percent agreement (paired) {interval(oracle - data['percent_agreement'])}")
    print(f"queue - percent agreement (paired) {interval(data['queue'] - data['percent_agreement'])}")
    print(f"percent agreement with 3-label rules last {interval(data['pa_two_labels'])}")
    print(f"oracle - that (paired) {interval(oracle - data['pa_two_labels'])}")
    print(f"the queue with 3-label rules last {interval(data['queue_two_labels'])}")
    print(
        f"that - percent agreement told the same (paired) {interval(data['queue_two_labels'] - data['pa_two_labels'])}"
    )
    print(
        f"Monte Carlo: the two integrations differ by {np.mean(np.abs(data['oracle0'] - data['oracle1'])):.3f} on average"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
