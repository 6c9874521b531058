"""Adaptive pilot library: decisions against the target, "about N more items", the control slice,
and the next item (decided rules get none)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest

from calibration.adaptive.pilot import STOP_MIN_ITEMS, control_slice, next_pilot_item, pilot_status
from calibration.errors import DataError
from calibration.guidelines.model import Label, Task

TASK = Task(type="single_label", labels=[Label(id=x, name=x) for x in ("P", "N", "U")])


def pilot(n_agree: int, n_random: int, n_noisy: int = 0, seed: int = 0):
    """Rule A: two annotators always agree; B: they answer at random; C: they agree 70% of the time."""
    rng = np.random.default_rng(seed)
    rows, rules = [], {}
    for rule, n in (("A", n_agree), ("B", n_random), ("C", n_noisy)):
        for k in range(n):
            item = f"{rule}{k:02d}"
            rules[item] = [rule]
            truth = str(rng.choice(["P", "N", "U"]))
            for who in ("x", "y"):
                if rule == "A" or (rule == "C" and rng.random() < 0.77):
                    answer = truth
                else:
                    answer = str(rng.choice(["P", "N", "U"]))
                rows.append((item, who, answer))
    return pd.DataFrame(rows, columns=["item_id", "annotator_id", "answer"]), rules


def test_decided_above_and_below_and_undecided_with_an_estimate_of_items():
    responses, rules = pilot(30, 30, 8, seed=3)
    rules.update({f"C{k:02d}": ["C"] for k in range(8, 60)})  # 52 more C items not answered yet
    status = pilot_status(responses, rules, TASK, 0.6)
    assert status["A"].decision == "above" and status["A"].sentence() == "decided above target"
    assert status["B"].decision == "below" and status["B"].sentence() == "decided below target"
    assert status["A"].more_items is None and status["B"].more_items is None
    c = status["C"]
    assert c.decision == "undecided" and c.items == 8 and c.items_left == 52
    assert c.more_items is not None and c.more_items >= 1
    assert c.sentence() == f"about {c.more_items} more items with 2 answers each to decide"
    # the estimate: the stopping interval's half-width shrinks like 1/sqrt(n) until it clears the
    # target, and a rule stops on STOP_MIN_ITEMS items at the earliest
    assert c.estimate is not None and c.interval is not None and c.stop_interval is not None
    low, high = c.stop_interval
    assert low < c.interval[0] and high >= c.interval[1]  # the stopping interval is the wider one
    half = (c.estimate - low) if c.estimate >= 0.6 else (high - c.estimate)
    distance = max(abs(c.estimate - 0.6), 0.01)
    expected = max(1, STOP_MIN_ITEMS - 8, int(np.ceil(8 * (half / distance) ** 2)) - 8)
    assert c.more_items == expected


def test_a_rule_under_five_items_needs_what_is_missing_and_items_left_are_capped_in_the_sentence():
    responses, rules = pilot(3, 0)
    status = pilot_status(responses, rules, TASK, 0.6)
    # a rule stops on STOP_MIN_ITEMS (15) completed items at the earliest
    assert status["A"].decision == "undecided" and status["A"].more_items == STOP_MIN_ITEMS - 3 == 12
    assert status["A"].items_left == 0
    assert (
        status["A"].sentence()
        == "about 12 more items with 2 answers each to decide (only 0 left in the round)"
    )


def test_a_rule_whose_first_items_all_agree_is_not_decided_before_fifteen_items():
    # Issue 14: on 10 items that all agree every bootstrap replicate is 1, so the interval is [1, 1]
    # and a rule read after every item would stop "above" on a run of luck; it must wait for 15.
    responses, rules = pilot(10, 0)
    status = pilot_status(responses, rules, TASK, 0.8)
    assert status["A"].interval == (1.0, 1.0) and status["A"].decision == "undecided"
    assert status["A"].more_items == 5
    responses, rules = pilot(15, 0)
    assert pilot_status(responses, rules, TASK, 0.8)["A"].decision == "above"
    # one look at the end of a fixed design keeps the 95% interval and 5 items
    responses, rules = pilot(10, 0)
    fixed = pilot_status(responses, rules, TASK, 0.8, stop_level=0.95, stop_min_items=5)
    assert fixed["A"].decision == "above"


def test_items_with_one_answer_do_not_count():
    responses, rules = pilot(10, 0)
    one_each = responses[responses["annotator_id"] == "x"]
    status = pilot_status(one_each, rules, TASK, 0.6)
    assert status["A"].items == 0 and status["A"].items_left == 10 and status["A"].estimate is None


def test_control_estimate_uses_the_control_slice_only():
    responses, rules = pilot(30, 30)
    control = control_slice(sorted(rules), 0.2, seed=1)
    status = pilot_status(responses, rules, TASK, 0.6, control=control)
    in_a = sum(i.startswith("A") for i in control)
    assert status["A"].control_items == in_a and status["A"].items == 30
    assert status["A"].control_estimate == pytest.approx(1.0)
    assert status["B"].control_items == 12 - in_a


def test_control_slice_is_a_seeded_fifth_of_the_items_drawn_uniformly():
    items = [f"i{k:03d}" for k in range(200)]
    assert len(control_slice(items)) == 40
    assert control_slice(items, seed=3) == control_slice(items, seed=3)
    assert control_slice(items, seed=3) != control_slice(items, seed=4)
    # uniform: over many seeds every item is in the slice about 20% of the time
    hits = Counter(i for s in range(300) for i in control_slice(items[:20], 0.2, seed=s))
    assert min(hits.values()) > 30 and max(hits.values()) < 95  # expected 60 of 300
    with pytest.raises(DataError, match=r"the control fraction must be between 0 and 1, got 1\.5"):
        control_slice(items, 1.5)


def test_decided_rules_get_no_more_items_and_the_widest_undecided_rule_goes_first():
    responses, rules = pilot(30, 30, 8, seed=3)
    rules.update({f"A{k:02d}": ["A"] for k in range(30, 60)})
    rules.update({f"C{k:02d}": ["C"] for k in range(8, 60)})
    status = pilot_status(responses, rules, TASK, 0.6)
    assigned = Counter(responses["item_id"])
    picks = [
        next_pilot_item(
            status, rules, control=(), assigned=assigned, mine=set(), overlap=2, annotator=f"a{k}", position=0
        )
        for k in range(20)
    ]
    assert all(p is not None and p.startswith("C") for p in picks)  # A is decided: none of its 30 free items


def test_control_items_are_interleaved_at_the_fraction_and_keep_coming_after_every_rule_is_decided():
    responses, rules = pilot(30, 30)
    rules.update({f"A{k:02d}": ["A"] for k in range(30, 130)})
    control = control_slice(sorted(rules), 0.2, seed=0)
    status = pilot_status(responses, rules, TASK, 0.6, control=control)
    assigned = Counter(responses["item_id"])
    assert all(s.decision != "undecided" for s in status.values())
    pick = next_pilot_item(
        status, rules, control=control, assigned=assigned, mine=set(), overlap=2, annotator="z", position=0
    )
    assert pick in control and assigned[pick] < 2  # only the control slice is left to hand out
    done = {i: 2 for i in rules}
    assert (
        next_pilot_item(
            status, rules, control=control, assigned=done, mine=set(), overlap=2, annotator="z", position=0
        )
        is None
    )
    # with an undecided rule, about 20% of positions go to the control slice
    status = pilot_status(responses.iloc[:0], rules, TASK, 0.6, control=control)
    draws = [
        next_pilot_item(
            status, rules, control=control, assigned={}, mine=set(), overlap=2, annotator=who, position=k
        )
        in control
        for who in ("x", "y", "z", "w")
        for k in range(100)
    ]
    assert 0.14 < sum(draws) / len(draws) < 0.26


def test_an_item_is_never_given_twice_to_one_annotator_nor_beyond_the_overlap():
    _, rules = pilot(6, 0)
    empty = pd.DataFrame(columns=["item_id", "annotator_id", "answer"])
    status = pilot_status(empty, rules, TASK, 0.6)
    mine: set[str] = set()
    assigned: Counter[str] = Counter({"A00": 2})
    for k in range(5):
        pick = next_pilot_item(
            status, rules, control=(), assigned=assigned, mine=mine, overlap=2, annotator="x", position=k
        )
        assert pick is not None and pick not in mine and pick != "A00"
        mine.add(pick)
        assigned[pick] += 1
    assert (
        next_pilot_item(
            status, rules, control=(), assigned=assigned, mine=mine, overlap=2, annotator="x", position=5
        )
        is None
    )


def test_other_task_types_are_refused():
    responses, rules = pilot(5, 0)
    with pytest.raises(DataError, match="adaptive pilot works on single_label, rating and pairwise tasks"):
        pilot_status(responses, rules, Task(type="multi_label", labels=TASK.labels), 0.6)
