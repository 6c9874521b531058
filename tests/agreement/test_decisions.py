"""Pass/fail/undecided per rule: values, errors, and the stated error rates in simulation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from calibration.agreement.decisions import (
    decide_rule,
    decide_rules,
    items_to_decide,
    overall_decision,
)
from calibration.errors import DataError


def test_three_right_of_three_is_not_enough_evidence_for_eighty_percent():
    d = decide_rule(3, 3, 0.8)
    # posterior Beta(4, 1): P(p >= 0.8) = 1 - 0.8**4
    assert d.p_pass == pytest.approx(1 - 0.8**4)
    assert d.decision == "undecided"
    assert d.low == pytest.approx(stats.beta(4, 1).ppf(0.05)) and d.high == pytest.approx(1 - 0.0, abs=0.02)


def test_decisions_flip_where_the_posterior_crosses_the_confidence():
    # Beta(1 + n, 1): P(p >= 0.8) = 1 - 0.8**(n + 1) >= 0.95 first at n = 13
    assert decide_rule(12, 12, 0.8).decision == "undecided"
    assert decide_rule(13, 13, 0.8).decision == "pass"
    assert decide_rule(0, 2, 0.8).decision == "fail"  # P(p < 0.8) = 1 - 0.2**3
    assert decide_rule(5, 10, 0.8).decision == "fail"
    assert decide_rule(13, 13, 0.8, confidence=0.99).decision == "undecided"


def test_the_interval_explains_the_decision():
    for credit, n in [(13, 13), (5, 10), (8, 10), (2.5, 3)]:
        d = decide_rule(credit, n, 0.8)
        assert (d.decision == "pass") == (d.low >= 0.8)
        assert (d.decision == "fail") == (d.high < 0.8)
        assert d.low <= credit / n + 0.25 and d.high >= credit / n - 0.25
    assert "pass: accuracy" in decide_rule(13, 13, 0.8).sentence()


def test_a_prior_is_a_head_start():
    assert decide_rule(3, 3, 0.8, prior=(12, 1)).decision == "pass"  # Beta(15, 1)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((4, 3, 0.8), "credit 4 out of 3 items is not a count"),
        ((1, 3, 1.0), "threshold 1.0 must lie strictly between 0 and 1"),
    ],
)
def test_bad_input_is_named(args, message):
    with pytest.raises(DataError, match=message):
        decide_rule(*args)
    with pytest.raises(DataError, match=r"confidence 0\.4"):
        decide_rule(1, 3, 0.8, confidence=0.4)
    with pytest.raises(DataError, match="prior"):
        decide_rule(1, 3, 0.8, prior=(0, 1))


def test_decide_rules_reads_a_per_rule_table_and_uses_partial_credit():
    per_rule = pd.DataFrame(
        {"n_items": [13, 3, 10], "n_correct": [13, 3, 0], "credit": [13.0, 3.0, 5.0]},
        index=pd.Index(["R1", "R2", "R3"], name="rule_id"),
    )
    out = decide_rules(per_rule, 0.8)
    assert out["decision"].to_dict() == {"R1": "pass", "R2": "undecided", "R3": "fail"}
    assert out.loc["R3", "credit"] == 5.0
    assert overall_decision(out["decision"]) == "fail"
    assert overall_decision(["pass", "pass"]) == "pass"
    assert overall_decision(["pass", "undecided"]) == "undecided"
    assert overall_decision([]) == "undecided"


def test_items_to_decide_counts_the_optimistic_rest():
    assert items_to_decide(13, 13, 0.8) == 0
    assert items_to_decide(3, 3, 0.8) == 3  # three wrong: Beta(4, 4) fails; passing takes 10 right
    assert decide_rule(3, 6, 0.8).decision == "fail" and decide_rule(12, 12, 0.8).decision == "undecided"
    assert items_to_decide(0, 0, 0.8) == 1  # one wrong: Beta(1, 2), P(p < 0.8) = 0.96
    assert items_to_decide(10, 20, 0.5, limit=0) is None


def _decision_table(n_max: int, threshold: float, confidence: float = 0.95) -> np.ndarray:
    """decision code [n, k]: 1 pass, -1 fail, 0 undecided (vectorised decide_rule)."""
    n = np.arange(n_max + 1)[:, None]
    k = np.arange(n_max + 1)[None, :]
    valid = k <= n
    p_pass = stats.beta.sf(threshold, 1 + k, 1 + np.maximum(n - k, 0))
    code = np.where(p_pass >= confidence, 1, np.where(1 - p_pass >= confidence, -1, 0))
    for nn, kk in [(12, 12), (13, 13), (10, 5)]:  # the table agrees with decide_rule
        expected = {"pass": 1, "fail": -1, "undecided": 0}[decide_rule(kk, nn, threshold).decision]
        assert threshold != 0.8 or code[nn, kk] == expected
    return np.where(valid, code, 0)


@pytest.mark.parametrize("sequential", [False, True])
def test_wrong_decisions_stay_within_the_stated_rate_when_accuracies_follow_the_prior(sequential):
    """Among decided rules, at most 5% of passes and 5% of fails are wrong (plus Monte Carlo slack),
    for a fixed quiz of 20 items and for a quiz that stops at the first decision (max 40 items)."""
    rng = np.random.default_rng(7)
    threshold, n_max, m = 0.8, 40 if sequential else 20, 40_000
    table = _decision_table(n_max, threshold)
    p = rng.uniform(size=m)  # the prior, Beta(1, 1)
    right = rng.uniform(size=(m, n_max)) < p[:, None]
    k = np.cumsum(right, axis=1)
    n = np.arange(1, n_max + 1)
    codes = table[n[None, :], k]  # decision after each item
    if sequential:
        decided = codes != 0
        first = np.where(decided.any(axis=1), decided.argmax(axis=1), n_max - 1)
        final = codes[np.arange(m), first]
    else:
        final = codes[:, -1]
    passed, failed = final == 1, final == -1
    wrong_pass = np.mean(p[passed] < threshold)
    wrong_fail = np.mean(p[failed] >= threshold)
    assert passed.sum() > 1000 and failed.sum() > 1000
    assert wrong_pass <= 0.05 + 0.01
    assert wrong_fail <= 0.05 + 0.01


def test_a_weak_annotator_rarely_passes_a_fixed_quiz():
    """Frequentist check for one annotator 10 points below the threshold, 20 items: P(pass) <= 5%."""
    threshold, n = 0.8, 20
    table = _decision_table(n, threshold)
    k = np.arange(n + 1)
    p_pass = stats.binom.pmf(k, n, threshold - 0.1)[table[n, k] == 1].sum()
    assert p_pass <= 0.05


def test_the_vectorised_forms_agree_with_the_scalar_ones():
    from calibration.agreement.decisions import decide_counts, items_to_decide_counts

    cases = [(13, 13), (3, 3), (0, 2), (5, 10), (2.5, 3), (0, 0), (10, 20)]
    credit = np.array([c for c, _ in cases], dtype=float)
    n = np.array([k for _, k in cases], dtype=float)
    assert list(decide_counts(credit, n, 0.8)) == [decide_rule(c, k, 0.8).decision for c, k in cases]
    expected = [items_to_decide(c, k, 0.8) for c, k in cases]
    assert list(items_to_decide_counts(credit, n, 0.8)) == [-1 if e is None else e for e in expected]
