"""bench/queue_oracle.py: the Bayes-optimal ranking under the simulator's own model (an upper bound)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import special

from tests.bench_scripts import bench_script

SKILL = np.array([0.9, 0.95, 0.88])


def _total(log_p, n_items: int, n_annotators: int, n_labels: int) -> float:
    """Sum of P(answers, gold) over every answer matrix and every gold vector."""
    terms = []
    for gold in itertools.product(range(n_labels), repeat=n_items):
        for flat in itertools.product(range(n_labels), repeat=n_items * n_annotators):
            x = np.array(flat).reshape(n_items, n_annotators)
            terms.append(log_p(x, np.array(gold)))
    return float(np.exp(special.logsumexp(terms)))


def test_every_likelihood_is_a_distribution_over_answers_and_gold() -> None:
    """Each kind's P(answers, gold) sums to 1 over all answer matrices and gold answers: a missing
    factor (the gold prior, the label order, the share of contested items) would move the sum."""
    oracle = bench_script("queue_oracle")
    assert _total(lambda x, g: oracle.log_two_readings(x, g, SKILL), 2, 3, 2) == pytest.approx(1.0, abs=1e-9)
    assert _total(
        lambda x, g: oracle.log_vague(x, g, SKILL, np.random.default_rng(1), 50), 2, 3, 2
    ) == pytest.approx(1.0, abs=1e-9)
    for n_labels in (2, 3):
        total = _total(
            lambda x, g, n=n_labels: oracle.log_not_ambiguous(x, g, SKILL[:2], n, 4.0),
            1 if n_labels == 3 else 2,
            2,
            n_labels,
        )
        assert total == pytest.approx(1.0, abs=1e-9)


def test_a_reading_held_by_the_same_annotators_outweighs_the_same_dissent_at_random() -> None:
    """Two rules with the same 8 dissenting answers on 20 items: held by one annotator on the items of
    one answer (a second reading), or spread over annotators and items (slips). The likelihood ratio
    of ambiguity is higher for the first."""
    oracle = bench_script("queue_oracle")
    skill = np.array([0.93] * 5)
    gold = np.array([k % 2 for k in range(20)])
    reading = np.tile(gold[:, None], (1, 5))
    slips = reading.copy()
    for k in range(8):
        reading[2 * k, 0] = 1 - gold[2 * k]  # annotator a0, always on items whose gold is 0
        slips[k * 2 + (k % 2), k % 5] = 1 - gold[k * 2 + (k % 2)]

    def ratio(x: np.ndarray) -> float:
        amb = special.logsumexp(
            [
                oracle.log_two_readings(x, gold, skill),
                oracle.log_vague(x, gold, skill, np.random.default_rng(0), 300),
            ]
        ) - math.log(2)
        return float(amb - oracle.log_not_ambiguous(x, gold, skill, 2, 4.0))

    assert ratio(reading) > ratio(slips) + 2.0


def test_the_script_prints_the_bound_and_the_baselines(capsys) -> None:
    oracle = bench_script("queue_oracle")
    assert oracle.main(["--pilots", "1", "--seed", "102000", "--draws", "50", "--bootstrap", "20"]) == 0
    out = capsys.readouterr().out
    for line in ("oracle", "percent agreement", "3-label rules last", "oracle - that (paired)"):
        assert line in out
