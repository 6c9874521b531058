"""The structure of a rule's disagreement: concentrated on some items, consistent within annotators.

Raw agreement counts disagreeing answers; it does not ask where they fall. Ambiguity and noise differ
there:

- **Two readings** of a rule make disagreement *annotator-consistent*: the annotators holding the same
  reading agree with each other and disagree with the others on the contested items, so the
  disagreement rates of annotator pairs spread far more than slips would spread them. A careless or
  strict annotator dissents more everywhere, which their dissent on the other rules predicts;
  ordinary slips are spread over annotators.
- A **vague boundary** (and two readings too) *concentrates* disagreement on some items (those near
  the boundary) while the others are unanimous; a clear but hard rule spreads its slips over items.
- Annotators who draw a vague boundary at their **own threshold** dissent on one side of it only (one
  answers A where the others say B, another B where they say A): each annotator's dissent leans to the
  items of one majority answer (``direction``), where slips fall on the items of every answer alike.

Both are judged against a parametric bootstrap of **independent slips**: every item keeps its majority
answer, every annotator slips to another of the rule's answers at random, at a rate that reproduces
the rule's own disagreement. For ``items`` (the variance over items of the share of disagreeing answer
pairs) each annotator keeps their rate under this rule, so only where the dissent falls is tested; for
``annotators`` (the variance over annotator pairs of their disagreement rate) each annotator's rate is
the rule's rate scaled by how much they dissent on the other rules (`dissent_elsewhere`: shrunk
towards typical by its sampling noise, and drawn anew from its posterior in every replicate, so a rate
estimated on few answers elsewhere does not become fake annotator differences in the null of a larger
rule), so a careless annotator is expected to disagree more with everyone, and the rates are scaled so the replicates' share of
disagreeing annotator pairs matches the rule's. The z for ``items`` is that of the observed statistic's
logarithm among the replicates' (variances are skewed, their logarithms close to normal); for
``annotators`` it is the observed spread's place among the replicates' at the same level of
disagreement (`_level_z`), so that under independent slips it has mean about 0, spread about 1 and
exceeds 1.64 in about 5% of rules. Positive when the disagreement is more structured than slips would
make it, negative when less.

``direction`` is judged against a permutation null instead: every annotator keeps their number of
dissenting answers, placed at random among the items they answered (`_direction_z`).

Only categorical answers (single-label and rating tasks) are judged; the seed makes the result
reproducible.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

from calibration.responses import ANNOTATOR, ANSWER, ITEM

REPLICATES = 200  # bootstrap replicates of the independent-slips model per rule
MIN_STRUCTURE_ITEMS = 3  # items with two or more answers below which nothing is judged
CALIBRATION_REPLICATES = 16  # replicates on which the slip rate is matched to the observed dissent
CALIBRATION_STEPS = 12  # bisection steps of that match
CHUNK_CELLS = 2_000_000  # replicates x items x annotators x labels simulated at once (memory)
FLOOR = 1e-6  # added to a variance before its logarithm is taken


@dataclass(frozen=True)
class Structure:
    """How structured a rule's disagreement is, in standard normal units (NaN when not judged).

    Attributes:
        items: concentration on some items (the variance over items of the share of disagreeing answer
            pairs), against independent slips at each annotator's own rate under the rule.
        annotators: consistency within annotators (the variance over annotator pairs of their rate of
            disagreement on the rule's items), against slips at the rule's rate scaled by each
            annotator's dissent elsewhere; NaN with fewer than three annotator pairs.
        direction: each annotator's dissent leaning to the items of one majority answer (the Pearson X2
            of the annotator x majority-answer table of dissent, against the shares their own dissent
            and that answer's dissent predict), against the same independent slips as ``items``, judged
            at the observed level of dissent: an annotator with their own threshold on a vague boundary
            dissents on one side of it only, a slip falls on either side.
        n_items, n_annotators: what was judged.
    """

    items: float = float("nan")
    annotators: float = float("nan")
    n_items: int = 0
    n_annotators: int = 0
    direction: float = float("nan")

    def figures(self) -> dict[str, float | int]:
        """The figures as the queue's evidence shows them."""
        return {
            "item_concentration": self.items,
            "annotator_consistency": self.annotators,
            "answer_direction": self.direction,
            "n_items": self.n_items,
            "n_annotators": self.n_annotators,
        }


def dissent_shares(responses: pd.DataFrame) -> pd.DataFrame:
    """Per answer: whether it dissents from the item's majority (1), or not (0: it is a most frequent answer).

    Returns:
        DataFrame with columns item_id, annotator_id, dissent (items with two or more answers only).
    """
    frame = pd.DataFrame(
        {
            ITEM: responses[ITEM].to_numpy(),
            ANNOTATOR: responses[ANNOTATOR].to_numpy(),
            "key": [repr(a) for a in responses[ANSWER]],
        }
    )
    frame["same"] = frame.groupby([ITEM, "key"])["key"].transform("size")
    frame = frame[frame.groupby(ITEM)["key"].transform("size") >= 2]
    top = frame.groupby(ITEM)["same"].transform("max")
    return pd.DataFrame(
        {
            ITEM: frame[ITEM].to_numpy(),
            ANNOTATOR: frame[ANNOTATOR].to_numpy(),
            "dissent": (frame["same"] < top).astype(float).to_numpy(),
        }
    )


def dissent_elsewhere(shares: pd.DataFrame, rule_items: list[str]) -> dict[str, float]:
    """Per annotator: their dissent rate on the items NOT of this rule, over everyone's (1 = typical).

    Each annotator's rate is shrunk towards the pooled rate by its sampling noise (empirical Bayes): with
    ``v_a = p(1 - p) / n_a`` the binomial variance of a rate on ``n_a`` answers and ``tau2`` the spread of
    the annotators' true rates (the rates' variance minus the mean ``v_a``, at least 0), the rate moves
    to ``p + tau2 / (tau2 + v_a) * (rate - p)``. Unshrunk, the noise of a rate on few answers elsewhere
    became fake annotator differences in the null of a rule with many more items, whose
    ``annotator_consistency`` then drifted negative as the rule grew (mean z -0.7 to -1.6 on 100 items
    with 80 elsewhere, -3.6 to -5.9 on 400: tests/ambiguity/test_queue_structure.py).

    Clipped to [0.1, 10]; empty when there is nothing elsewhere to compare with. (Clipped to [0.25, 4],
    annotators who never dissented elsewhere were expected to slip at a quarter of the pooled rate, and a
    careless annotator's regular dissent, spread over everyone by the level-matched null, looked like a
    reading: tests/ambiguity/test_queue_structure.py.)
    """
    rest = shares[~shares[ITEM].isin(rule_items)]
    pooled = float(rest["dissent"].mean()) if len(rest) else float("nan")
    if not len(rest) or not pooled > 0:
        return {}
    per = rest.groupby(ANNOTATOR)["dissent"].agg(["mean", "size"])
    ratios = per["mean"].to_numpy(dtype=float) / pooled
    noise = (1.0 - pooled) / (pooled * per["size"].to_numpy(dtype=float))  # variance of each ratio
    spread = _true_spread(shares)
    weight = spread / (spread + noise) if spread > 0 else np.zeros_like(noise)
    ratio = np.clip(1.0 + weight * (ratios - 1.0), 0.1, 10.0)
    # the posterior spread of each ratio: the null draws the ratios from it in every replicate
    sd = np.sqrt(weight * noise)
    names = [str(a) for a in per.index]
    return Elsewhere(
        zip(names, map(float, ratio), strict=True), sd=dict(zip(names, map(float, sd), strict=True))
    )


def _true_spread(shares: pd.DataFrame) -> float:
    """The variance of the annotators' true dissent ratios (rate over the pooled rate) over all the
    pilot's items: the ratios' variance minus their mean binomial variance, at least 0. Taken over all
    items (this rule's too), it is estimated on many answers even when the other rules have few."""
    pooled = float(shares["dissent"].mean()) if len(shares) else float("nan")
    per = shares.groupby(ANNOTATOR)["dissent"].agg(["mean", "size"])
    if not pooled > 0 or len(per) < 2:
        return 0.0
    ratios = per["mean"].to_numpy(dtype=float) / pooled
    noise = (1.0 - pooled) / (pooled * per["size"].to_numpy(dtype=float))
    return max(0.0, float(ratios.var(ddof=1)) - float(noise.mean()))


class Elsewhere(dict[str, float]):
    """Each annotator's (shrunk) dissent elsewhere relative to everyone's, with ``sd``: its posterior
    standard deviation per annotator, from which `disagreement_structure` draws the ratios anew in every
    replicate of its null (so the null carries the uncertainty of a rate estimated on few answers)."""

    def __init__(self, *args, sd: Mapping[str, float] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.sd: dict[str, float] = dict(sd or {})


def disagreement_structure(
    mine: pd.DataFrame,
    elsewhere: Mapping[str, float] | None = None,
    *,
    seed: int | tuple[int, ...] = 0,
    replicates: int = REPLICATES,
) -> Structure:
    """How concentrated (items) and annotator-consistent the disagreement of one rule's answers is.

    Args:
        mine: the rule's responses (categorical answers).
        elsewhere: each annotator's dissent on the other rules relative to everyone's
            (`dissent_elsewhere`); missing annotators count as typical (1).
        seed: of the bootstrap replicates.
        replicates: replicates of the independent-slips model.

    Returns:
        A `Structure`; NaN parts with fewer than `MIN_STRUCTURE_ITEMS` items with two answers or fewer
        than two annotators (``annotators`` also with fewer than three annotator pairs sharing two
        items), and 0 when there is no disagreement at all.
    """
    keys = [repr(a) for a in mine[ANSWER]]
    labels = sorted(set(keys))
    items = sorted(map(str, set(mine[ITEM])))
    annotators = sorted(map(str, set(mine[ANNOTATOR])))
    if len(annotators) < 2:
        return Structure(n_annotators=len(annotators))
    item_index = {x: i for i, x in enumerate(items)}
    annotator_index = {x: i for i, x in enumerate(annotators)}
    label_index = {x: i for i, x in enumerate(labels)}
    answers = -np.ones((len(items), len(annotators)), dtype=int)
    answers[[item_index[str(i)] for i in mine[ITEM]], [annotator_index[str(a)] for a in mine[ANNOTATOR]]] = [
        label_index[k] for k in keys
    ]
    present = answers >= 0
    counts = present.sum(axis=1)
    keep = counts >= 2
    answers, present, counts = answers[keep], present[keep], counts[keep]
    n_items, n_annotators = answers.shape
    if n_items < MIN_STRUCTURE_ITEMS:
        return Structure(n_items=int(n_items), n_annotators=n_annotators)
    n_labels = len(labels)
    by_label = np.stack([(answers == k).sum(axis=1) for k in range(n_labels)], axis=1)
    majority = by_label.argmax(axis=1)
    # items with one most frequent answer: on a tie argmax picks the lowest label, and whoever gave the
    # other one would count as dissenting on its side (a reviewer: with 2 annotators, where every
    # disagreement is a tie, `direction` averaged -1.7 under independent slips)
    unique_majority = (by_label == by_label.max(axis=1, keepdims=True)).sum(axis=1) == 1
    slipped = present & (answers != majority[:, None])
    if n_labels < 2 or not slipped.any():
        return Structure(0.0, 0.0, int(n_items), n_annotators, 0.0)
    answered = np.maximum(present.sum(axis=0), 1)
    own_rate = slipped.sum(axis=0) / answered
    ratio = np.array([float((elsewhere or {}).get(a, 1.0)) for a in annotators])
    ratio_sd = np.array([float(getattr(elsewhere, "sd", {}).get(a, 0.0)) for a in annotators])
    scaled_rate = np.clip(slipped.sum() / present.sum() * ratio / np.average(ratio, weights=answered), 0, 0.9)
    rng = np.random.default_rng(seed)
    # replicates per chunk: the one-hot array is chunk x items x annotators x labels floats
    chunk = max(1, min(replicates, CHUNK_CELLS // max(1, n_items * n_annotators * n_labels)))

    def simulate(rate: np.ndarray, uniforms: np.ndarray, shift: np.ndarray) -> np.ndarray:
        drawn = np.where(
            uniforms < (rate if rate.ndim == 3 else rate[None, None, :]),
            (majority[None, :, None] + shift) % n_labels,
            majority[None, :, None],
        )
        return np.where(present[None], drawn, -1)

    def draws(size: int) -> tuple[np.ndarray, np.ndarray]:
        shape = (size, n_items, n_annotators)
        return rng.random(shape), rng.integers(1, n_labels, size=shape)

    def dissent(sets: np.ndarray) -> float:
        """Answers off their item's majority (ties to the first label, as observed), mean per replicate."""
        per_label = np.stack([(sets == k).sum(axis=2) for k in range(n_labels)], axis=-1)
        return float(((sets != per_label.argmax(axis=-1)[..., None]) & present[None]).sum(axis=(1, 2)).mean())

    def pair_level(sets: np.ndarray) -> np.ndarray:
        """Per replicate: the share of disagreeing answer pairs over the annotator pairs judged (pooled)."""
        onehot = ((sets[..., None] == np.arange(n_labels)) & present[None, :, :, None]).astype(float)
        agree = np.einsum("riak,ribk->rab", onehot, onehot)[:, upper[0], upper[1]][:, enough]
        return 1.0 - agree.sum(axis=1) / shared.sum()

    def calibrated(rate: np.ndarray, level=dissent, observed: float | None = None) -> np.ndarray:
        """The slip rates (`rate` scaled) whose simulated `level` of disagreement matches the observed one:
        by default the dissent from the majority (slips that make or join a majority are not seen as
        dissent, so observed dissent undercounts slips). Bisection on the scale with common random
        numbers."""
        if not rate.max() > 0:
            return rate
        target = float(slipped.sum()) if observed is None else observed
        uniforms, shift = draws(max(1, min(CALIBRATION_REPLICATES, chunk)))

        def gap(scale: float) -> float:
            return float(np.mean(level(simulate(np.clip(scale * rate, 0, 0.9), uniforms, shift)))) - target

        low, high = (1.0 if observed is None else 0.25), max(1.0, 0.9 / float(rate.max()))
        if gap(low) >= 0:
            return np.clip(low * rate, 0, 0.9)
        if gap(high) <= 0:
            return np.clip(high * rate, 0, 0.9)
        for _ in range(CALIBRATION_STEPS):
            middle = (low + high) / 2
            low, high = (middle, high) if gap(middle) < 0 else (low, middle)
        return np.clip((low + high) / 2 * rate, 0, 0.9)

    def statistics(sets: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per replicate: concentration on items, spread over annotator pairs, and the pairs' pooled level."""
        onehot = ((sets[..., None] == np.arange(n_labels)) & present[None, :, :, None]).astype(float)
        per_label = onehot.sum(axis=2)  # replicate, item, label
        agreeing = (per_label * (per_label - 1)).sum(axis=-1) / (counts * (counts - 1))
        concentration = (1.0 - agreeing).var(axis=1)
        # annotator pairs: two readings make some pairs agree (the same reading) and others not
        agree = np.einsum("riak,ribk->rab", onehot, onehot)[:, upper[0], upper[1]][:, enough]
        level = 1.0 - agree.sum(axis=1) / max(float(shared.sum()), 1.0)
        return concentration, (1.0 - agree / shared).var(axis=1), level

    def null(rate: np.ndarray, spread: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
        """The statistics over `replicates` simulated answer sets, drawn chunk by chunk; with `spread`,
        each replicate's rates are scaled by annotator ratios drawn from their posterior (mean `ratio`,
        sd `spread`), normalised to keep the rates' answer-weighted mean."""
        out = []
        for start in range(0, replicates, chunk):
            size = min(chunk, replicates - start)
            rates = np.broadcast_to(rate, (size, n_annotators))
            if spread is not None and spread.any():
                drawn = np.maximum(ratio + spread * rng.standard_normal((size, n_annotators)), 0.05) / ratio
                drawn = drawn / (drawn @ (rate * answered))[:, None] * float(rate @ answered)
                rates = np.clip(rate * drawn, 0, 0.9)
            out.append(statistics(simulate(rates[:, None, :], *draws(size))))
        return tuple(np.concatenate(part) for part in zip(*out, strict=True))

    both = present.astype(float).T @ present.astype(float)  # items two annotators both answered
    upper = np.triu_indices(n_annotators, 1)
    enough = both[upper] >= 2
    shared = both[upper][enough]
    observed = statistics(answers[None])
    concentration = _tail_z(float(observed[0][0]), null(calibrated(own_rate))[0])
    direction = float("nan")
    if n_annotators >= 3 and unique_majority.sum() >= MIN_STRUCTURE_ITEMS:
        u = unique_majority
        direction = _direction_z(slipped[u], present[u], majority[u], n_labels, seed, replicates)
    consistency = float("nan")
    if enough.sum() >= 3:  # three pairs at least (three annotators): a spread over pairs to judge
        # the slip rates matched to the observed share of disagreeing pairs (the level the spread grows
        # with), and the spread judged among the replicates at the observed level: without either, the z
        # of independent slips averaged 0.3 on 8-item rules with a spread of 0.4, and exceeded 1.64 in
        # 0-3% of rules instead of 5% (tests/ambiguity/test_queue_structure.py)
        rate = calibrated(np.clip(scaled_rate, 0, 0.9), pair_level, float(observed[2][0]))
        _, spread, level = null(rate, ratio_sd)
        consistency = _level_z(float(observed[1][0]), float(observed[2][0]), spread, level)
    return Structure(concentration, consistency, int(n_items), n_annotators, direction)


def _direction_x2(off: np.ndarray, present: np.ndarray, major: np.ndarray) -> np.ndarray:
    """Per replicate: the Pearson X2 of the annotator x majority-answer table of dissent.

    `off` (replicate, item, annotator) marks dissenting answers, `major` (item, label) each item's majority
    answer. An annotator's dissent is expected to fall on the items of answer ``l`` in proportion to their
    answers on such items times that answer's dissent share over everyone (some answers may be harder).
    """
    n_al = present.astype(float).T @ major  # annotator, label
    d_al = np.einsum("ria,il->ral", off, major)
    share = d_al.sum(axis=1) / np.maximum(n_al.sum(axis=0), 1.0)  # replicate, label
    weight = n_al[None] * share[:, None, :]
    expected = d_al.sum(axis=2, keepdims=True) * weight / np.maximum(weight.sum(axis=2, keepdims=True), 1e-12)
    cells = np.where(expected > 0, (d_al - expected) ** 2 / np.maximum(expected, 1e-12), 0.0)
    return cells.sum(axis=(1, 2))


def _direction_z(
    slipped: np.ndarray,
    present: np.ndarray,
    majority: np.ndarray,
    n_labels: int,
    seed: int | tuple[int, ...],
    replicates: int,
) -> float:
    """How one-sided each annotator's dissent is: the observed `_direction_x2` among replicates that keep
    every annotator's number of dissenting answers and place them at random among the items they answered
    (a permutation null, exact given those numbers; slips at a rate re-drawn per replicate made an
    annotator with one dissent dissent on no item a third of the time, and the z of independent slips
    averaged 0.3). The normal quantile of its mid-rank, and beyond all replicates its distance from
    their mean over their spread. Its own generator (from `seed`), so the other parts' replicates stay
    as they were."""
    major = (majority[:, None] == np.arange(n_labels)).astype(float)
    observed = float(_direction_x2(slipped[None].astype(float), present, major)[0])
    seeds = seed if isinstance(seed, tuple) else (seed,)
    rng = np.random.default_rng([*map(int, seeds), 7])
    keys = np.where(present[None], rng.random((replicates, *present.shape)), np.inf)
    ranks = keys.argsort(axis=1).argsort(axis=1)  # each annotator's answered items in random order
    off = (ranks < slipped.sum(axis=0)[None, None, :]).astype(float)
    null = _direction_x2(off, present, major)
    below = float((null < observed - 1e-9).sum())
    ties = float((np.abs(null - observed) <= 1e-9).sum())
    z = float(NormalDist().inv_cdf((below + 0.5 * ties + 0.5) / (replicates + 1)))
    spread = float(null.std())
    tail = (observed - float(null.mean())) / spread if spread > 0 else 0.0
    if below == replicates:
        return max(z, tail)
    if below + ties == 0:
        return min(z, tail)
    return z


def _tail_z(observed: float, null: np.ndarray) -> float:
    """How far the observed statistic lies above the replicates': the z of its logarithm among theirs.

    Variances are skewed and their logarithms close to normal; unlike a rank among the replicates, the
    z is not bounded by their number. ``FLOOR`` keeps a variance of 0 finite.
    """
    logs = np.log(np.maximum(null, 0.0) + FLOOR)
    spread = float(logs.std())
    if spread == 0:
        return 0.0
    return float((np.log(max(observed, 0.0) + FLOOR) - logs.mean()) / spread)


def _level_z(observed: float, level: float, null: np.ndarray, levels: np.ndarray) -> float:
    """How far the observed statistic lies above the replicates' at the observed level of disagreement.

    A spread of rates grows with their level; the observed spread comes with its own level, the
    replicates' with theirs. The replicates' log statistic is regressed on their log level (replicates
    without any disagreement left out) and the observed residual placed among theirs: the normal
    quantile of its mid-rank (ties count half), calibrated even where the replicates pile up at one
    value; beyond all replicates, the residual over the residuals' spread when it goes further (a rank
    among 200 replicates stops at 2.8). `_tail_z` when there is no level to regress on.
    """
    keep = levels > 0
    if keep.sum() < 10 or not level > 0:
        return _tail_z(observed, null)
    x = np.log(levels[keep])
    if float(x.std()) == 0:
        return _tail_z(observed, null)
    y = np.log(np.maximum(null[keep], 0.0) + FLOOR)
    slope, intercept = np.polyfit(x, y, 1)
    residuals = y - (intercept + slope * x)
    mine = float(np.log(max(observed, 0.0) + FLOOR) - (intercept + slope * np.log(level)))
    below, ties, n = float((residuals < mine).sum()), float((residuals == mine).sum()), len(residuals)
    z = float(NormalDist().inv_cdf((below + 0.5 * ties + 0.5) / (n + 1)))
    spread = float(residuals.std())
    tail = mine / spread if spread > 0 else 0.0
    if below == n:
        return max(z, tail)
    if below + ties == 0:
        return min(z, tail)
    return z
