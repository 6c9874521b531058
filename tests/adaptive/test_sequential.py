"""The sequential quiz policy: never repeats, stops rules when decided, resumes deterministically."""

from __future__ import annotations

import numpy as np
import pytest

from calibration.adaptive.sequential import fixed_items, item_rank, next_step

POOL = {f"{r}{k}": [r] for r in ("A", "B") for k in range(30)} | {"AB": ["A", "B"]}


def run(pool, skill, seed=0, **kwargs):
    rng = np.random.default_rng(seed)
    answered = []
    steps = []
    while True:
        step = next_step(pool, answered, 0.8, seed=seed, **kwargs)
        steps.append(step)
        if step.done:
            return answered, steps
        answered.append((step.next_item, float(rng.uniform() < skill[pool[step.next_item][0]])))


def test_an_item_is_never_asked_twice_and_decided_rules_stop():
    answered, steps = run(POOL, {"A": 1.0, "B": 0.0}, min_per_rule=3)
    items = [i for i, _ in answered]
    assert len(items) == len(set(items))
    assert steps[-1].decisions["decision"].to_dict() == {"A": "pass", "B": "fail"}
    assert steps[-1].open_rules == [] and steps[-1].items_left == 0
    # B fails after its 3 items; A passes after 13 right: far fewer than the 61 items of the pool
    assert len(items) <= 17


def test_the_first_item_serves_two_open_rules_and_the_minimum_comes_first():
    step = next_step(POOL, [], 0.8, min_per_rule=2)
    assert step.next_item == "AB" and step.open_rules == ["A", "B"]
    answered = [("AB", 0.0)]  # one wrong decides both fail, but each needs 2 items first
    step = next_step(POOL, answered, 0.8, min_per_rule=2)
    assert step.decisions["decision"].to_dict() == {"A": "fail", "B": "fail"}
    assert step.next_item is not None and step.items_left == 2


def test_resuming_from_the_stored_answers_gives_the_same_next_item():
    answered, steps = run(POOL, {"A": 0.85, "B": 0.9}, seed=4)
    for k in range(len(answered)):
        again = next_step(POOL, answered[:k], 0.8, seed=4)
        assert again.next_item == steps[k].next_item


def test_the_rule_order_does_not_depend_on_correctness():
    """Which rule comes next depends on counts only: same counts, different answers, same item."""
    right = next_step(POOL, [("A0", 1.0), ("B0", 1.0)], 0.8, min_per_rule=3)
    wrong = next_step(POOL, [("A0", 0.0), ("B0", 0.0)], 0.8, min_per_rule=3)
    assert right.next_item == wrong.next_item


def test_exposure_prefers_the_least_used_item_and_max_items_stops():
    first = next_step(POOL, [("AB", 1.0)], 0.8).next_item
    other = next_step(POOL, [("AB", 1.0)], 0.8, exposure={first: 5}).next_item
    assert other != first
    assert next_step(POOL, [("AB", 1.0)], 0.8, max_items=1).done


def test_items_left_shrinks_as_a_rule_nears_its_decision():
    answered = [(f"A{k}", 1.0) for k in range(12)]
    pool = {i: r for i, r in POOL.items() if i.startswith("A") and i != "AB"}
    assert next_step(pool, answered, 0.8).items_left == 1
    assert next_step(pool, [], 0.8).items_left == 1  # one wrong answer would decide it


def test_fixed_items_give_each_rule_its_quota_then_fill():
    chosen = fixed_items(POOL, 3, 10, seed=1)
    assert len(chosen) == 10 == len(set(chosen))
    assert sum("A" in POOL[i] for i in chosen) >= 3 and sum("B" in POOL[i] for i in chosen) >= 3
    assert fixed_items(POOL, 3, 10, seed=1) == chosen


def test_the_rank_is_stable():
    assert item_rank(0, "x") == item_rank(0, "x") != item_rank(1, "x")


@pytest.mark.parametrize("skill", [0.95, 0.6])
def test_decisions_of_the_sequential_quiz_are_mostly_right(skill):
    wrong = 0
    for seed in range(40):
        _, steps = run({f"A{k}": ["A"] for k in range(40)}, {"A": skill}, seed=seed)
        decision = steps[-1].decisions.loc["A", "decision"]
        wrong += decision == ("fail" if skill > 0.8 else "pass")
    assert wrong <= 4  # 10% of 40, above the nominal 5% for Monte Carlo slack


def test_a_prior_is_passed_to_the_decisions():
    answered = [(f"A{k}", 1.0) for k in range(5)]
    pool = {f"A{k}": ["A"] for k in range(30)}
    assert next_step(pool, answered, 0.8).rule_decisions == {"A": "undecided"}
    assert next_step(pool, answered, 0.8, prior=(12, 1)).rule_decisions == {"A": "pass"}


def test_property_a_quiz_never_repeats_and_ends_within_the_pool():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=40, deadline=None)
    @given(
        n_rules=st.integers(1, 4),
        per_rule=st.integers(1, 8),
        answers=st.lists(st.booleans(), min_size=40, max_size=40),
        seed=st.integers(0, 1000),
        minimum=st.integers(1, 3),
    )
    def check(n_rules, per_rule, answers, seed, minimum):
        pool = {f"R{r}-{k}": [f"R{r}"] for r in range(n_rules) for k in range(per_rule)}
        asked: list[tuple[str, float]] = []
        for right in answers:
            step = next_step(pool, asked, 0.8, min_per_rule=minimum, seed=seed)
            if step.done:
                break
            assert step.next_item in pool and step.next_item not in {i for i, _ in asked}
            assert step.items_left >= 1
            asked.append((step.next_item, float(right)))
        assert len(asked) <= len(pool)

    check()
