"""Suspect quiz items of the item model (strong annotators miss them as often as weak ones) join the
revision queue as evidence on their rule, listed, and only when an item model is given."""

from __future__ import annotations

import numpy as np
import pandas as pd

from calibration.adaptive.irt import fit_irt, suspect_items
from calibration.ambiguity import signals
from calibration.ambiguity.queue import revision_queue
from calibration.guidelines.model import Label, Task
from calibration.responses import Annotations, gold_series, item_rules_frame, responses_frame

TASK = Task(type="single_label", labels=[Label(id="YES", name="Yes"), Label(id="NO", name="No")])


def _quiz_answers() -> tuple[pd.DataFrame, pd.Series, pd.DataFrame, pd.DataFrame]:
    """30 annotators of spread ability on 20 items of two rules; item q07 (rule R-A) has wrong gold."""
    rng = np.random.default_rng(8)
    b = rng.normal(-0.5, 1.0, 20)
    theta = rng.normal(0.0, 1.2, 60)
    right = rng.uniform(size=(20, 60)) < 1 / (1 + np.exp(-(theta[None, :] - b[:, None])))
    right[7] = ~right[7]  # the gold of q07 is the wrong label: strong annotators "miss" it
    items = [f"q{k:02d}" for k in range(20)]
    gold = {i: "YES" if k % 2 else "NO" for k, i in enumerate(items)}
    rows = [
        {
            "item_id": item,
            "annotator_id": f"a{j:02d}",
            "answer": gold[item] if right[k, j] else ("NO" if gold[item] == "YES" else "YES"),
        }
        for k, item in enumerate(items)
        for j in range(60)
    ]
    responses = responses_frame(rows)
    graded = pd.DataFrame(
        {
            "item_id": [r["item_id"] for r in rows],
            "annotator_id": [r["annotator_id"] for r in rows],
            "credit": right.ravel().astype(float),
        }
    )
    rules = item_rules_frame({i: ["R-A" if k < 10 else "R-B"] for k, i in enumerate(items)})
    return responses, gold_series(gold), rules, graded


def test_a_reversed_quiz_item_is_listed_on_its_rule_in_the_revision_queue() -> None:
    responses, gold, rules, graded = _quiz_answers()
    suspects = suspect_items(graded, fit_irt(graded, "2pl"))
    assert "q07" in suspects.index
    pilot = Annotations(responses=responses, item_rules=rules, gold=gold, declared_task=TASK)
    plain = revision_queue(pilot, bootstrap=0)
    queue = revision_queue(pilot, bootstrap=0, item_suspects=suspects)
    rule_a = queue.entry("R-A")
    assert "suspect_items" in rule_a.flags
    evidence = rule_a.signal("suspect_items")
    assert evidence is not None and evidence.fired and "q07" in evidence.items
    assert evidence.message.startswith(
        "under the item model, quiz items measure nothing or the opposite: q07"
    )
    assert "q07" in rule_a.candidate_items
    assert "Review quiz item(s) q07" in rule_a.suggestion
    assert rule_a.score == plain.entry("R-A").score  # evidence about items, no points for the rule
    rule_b = queue.entry("R-B")
    assert not set(rule_b.signal("suspect_items").items) & {"q07"}
    assert plain.entry("R-A").signal("suspect_items") is None  # without an item model: no such evidence


def test_no_suspect_does_not_fire() -> None:
    empty = pd.DataFrame(columns=["n_answers", "discrimination", "ability_correlation", "reason"])
    evidence = signals.suspect_quiz_items(empty, ["q01"])
    assert not evidence.fired and evidence.items == ()
    assert evidence.to_dict()["figures"]["n_suspects"] == 0
