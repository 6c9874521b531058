"""`replay_pilot`: decided rules stop, the result's shape, refusals (the CLI: tests/cli/test_replay_cli.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from calibration.adaptive.pilot_replay import replay_pilot
from calibration.errors import DataError
from calibration.guidelines.model import Label, Task

TASK = Task(type="single_label", labels=[Label(id=x, name=x) for x in ("P", "N", "U")])


def simulated_pilot(seed: int = 0):
    """Rule A: three annotators always agree; rule B: they answer at random. 40 items each."""
    rng = np.random.default_rng(seed)
    rows, rules = [], []
    for rule in ("A", "B"):
        for k in range(40):
            item = f"{rule}{k:02d}"
            rules.append((item, rule))
            truth = rng.choice(["P", "N", "U"])
            for who in ("x", "y", "z"):
                answer = truth if rule == "A" else rng.choice(["P", "N", "U"])
                rows.append((item, who, answer))
    responses = pd.DataFrame(rows, columns=["item_id", "annotator_id", "answer"])
    return responses, pd.DataFrame(rules, columns=["item_id", "rule_id"])


@pytest.mark.parametrize("policy", ["uniform", "adaptive"])
def test_decided_rules_stop_and_agree_with_all_items(policy):
    responses, item_rules = simulated_pilot()
    result = replay_pilot(responses, item_rules, TASK, 0.6, policy)
    assert list(result) == ["policy", "answers_used", "answers_available", "rules"]
    assert result["answers_available"] == 240
    assert result["rules"]["A"]["decision"] == result["rules"]["A"]["decision_all"] == "above"
    assert result["rules"]["B"]["decision"] == result["rules"]["B"]["decision_all"] == "below"
    assert result["rules"]["A"]["answers_used"] == 15  # decided on its first 5 items
    assert result["answers_used"] < 120  # far fewer than the full design's 240


def test_adaptive_gives_the_widest_undecided_rule_the_next_item():
    responses, item_rules = simulated_pilot(seed=3)
    adaptive = replay_pilot(responses, item_rules, TASK, 0.6, "adaptive")
    uniform = replay_pilot(responses, item_rules, TASK, 0.6, "uniform")
    assert adaptive["answers_used"] <= uniform["answers_used"]


def test_other_task_types_and_unknown_items_are_refused():
    responses, item_rules = simulated_pilot()
    with pytest.raises(
        DataError, match="replay pilot works on single_label, rating and pairwise tasks, not multi_label"
    ):
        replay_pilot(responses, item_rules, Task(type="multi_label", labels=TASK.labels), 0.6)
    with pytest.raises(DataError, match="no answered item has a rule in the item-to-rule map"):
        replay_pilot(responses, item_rules.assign(item_id="other"), TASK, 0.6)


@pytest.mark.parametrize("policy", ["uniform", "adaptive"])
def test_each_step_computes_the_interval_of_the_new_items_rules_only(policy, monkeypatch):
    """One bootstrap per rule of the item just added (its rows changed), none for the others, plus
    one per rule on all of its items; an item that lists its rule twice counts once (it was
    bootstrapped twice)."""
    from calibration.adaptive import pilot_replay

    responses, item_rules = simulated_pilot()
    item_rules = pd.concat([item_rules, item_rules])  # each item under its rule twice (a map's repeated rows)
    computed: list[int] = []
    real = pilot_replay.rule_intervals
    monkeypatch.setattr(
        pilot_replay,
        "rule_intervals",
        lambda stats, spec, rows, *a, **k: computed.append(len(rows)) or real(stats, spec, rows, *a, **k),
    )
    result = replay_pilot(responses, item_rules, TASK, 0.6, policy)
    steps = result["answers_used"] // 3  # three answers per item, one rule per item
    assert len(computed) == 2 + 2 + steps  # all items and no item, per rule; then one per step
    assert result == replay_pilot(*simulated_pilot(), TASK, 0.6, policy)
