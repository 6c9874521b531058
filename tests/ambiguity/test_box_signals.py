"""Ambiguity signals for boxes: localization, coverage and label confusion fire on planted rules only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from calibration.agreement.boxes import box_agreement, box_item_disagreement
from calibration.ambiguity import signals
from calibration.ambiguity.queue import revision_queue
from calibration.boxes import Box
from calibration.guidelines.model import Label, Task
from calibration.responses import Annotations, items_of_rule

LABELS = ("car", "person", "truck")
TASK = Task(type="boxes", labels=[Label(id=lab, name=lab) for lab in LABELS])
RULES = ("clean", "boundary", "inclusion", "labels")


def planted_pilot(seed: int = 0, n_per_rule: int = 16, n_ann: int = 4) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Four rules: clean (tight boxes), boundary (jittered edges), inclusion (ann0 skips half the
    objects, ann1 adds the reflections), labels (car and truck swapped)."""
    rng = np.random.default_rng(seed)
    rows, mapping = [], []
    for rule in RULES:
        for k in range(n_per_rule):
            item = f"{rule}-{k:02d}"
            mapping.append((item, rule))
            objects = [
                (LABELS[int(rng.integers(0, 2))], 120.0 * j + 10, float(rng.uniform(0, 300)), 60.0, 50.0)
                for j in range(4)
            ]
            for a in range(n_ann):
                boxes = []
                for j, (label, x, y, w, h) in enumerate(objects):
                    spread = 9.0 if rule == "boundary" else 1.0
                    dx, dy, dw, dh = rng.normal(0, spread, 4)
                    if rule == "inclusion" and a == 0 and j % 2:
                        continue
                    if rule == "labels" and label == "car" and a % 2:
                        label = "truck"
                    boxes.append(Box(label, x + dx, y + dy, w + dw, h + dh))
                if rule == "inclusion" and a == 1:
                    boxes.append(Box("person", 20.0 * k, 400.0, 30.0, 30.0))
                rows.append((item, f"ann{a}", tuple(sorted(boxes))))
    responses = pd.DataFrame(rows, columns=["item_id", "annotator_id", "answer"])
    return responses, pd.DataFrame(mapping, columns=["item_id", "rule_id"])


def evidence_by_rule(
    responses: pd.DataFrame, item_rules: pd.DataFrame
) -> dict[str, dict[str, signals.Evidence]]:
    table = box_item_disagreement(responses, TASK)
    confusion = box_agreement(responses, TASK, item_rules, bootstrap=0).confusion
    out = {}
    for rule in RULES:
        items = table.loc[items_of_rule(item_rules, rule)]
        found = [
            signals.localization_disagreement(items),
            signals.coverage_disagreement(items),
            signals.box_label_confusion(items, confusion[rule]),
        ]
        out[rule] = {e.code: e for e in found}
    return out


def test_each_box_signal_fires_on_its_planted_rule_and_not_on_the_clean_rule() -> None:
    found = evidence_by_rule(*planted_pilot())
    fired = {rule: {code for code, e in ev.items() if e.fired} for rule, ev in found.items()}
    assert fired == {
        "clean": set(),
        "boundary": {"localization_disagreement"},
        "inclusion": {"coverage_disagreement"},
        "labels": {"box_label_confusion"},
    }
    assert found["labels"]["box_label_confusion"].figures["pair"] == ["car", "truck"]
    assert "mostly car vs truck" in found["labels"]["box_label_confusion"].message
    assert found["boundary"]["localization_disagreement"].figures["mean_iou"] < signals.BOX_IOU
    assert found["clean"]["localization_disagreement"].figures["mean_iou"] > 0.9


def test_worst_items_are_the_rules_worst_images() -> None:
    responses, item_rules = planted_pilot()
    found = evidence_by_rule(responses, item_rules)
    table = box_item_disagreement(responses, TASK)
    worst = found["boundary"]["localization_disagreement"].items
    assert len(worst) == 5 and all(i.startswith("boundary-") for i in worst)
    mine = table.loc[items_of_rule(item_rules, "boundary"), "mean_iou"].sort_values()
    assert list(worst) == list(mine.index[:5])
    coverage = found["inclusion"]["coverage_disagreement"].items
    assert all(i.startswith("inclusion-") for i in coverage)


def test_no_verdict_on_too_few_boxes() -> None:
    responses, _item_rules = planted_pilot(n_per_rule=1, n_ann=2)
    table = box_item_disagreement(responses, TASK)
    items = table.loc[["boundary-00"]]
    evidence = signals.localization_disagreement(items)
    assert not evidence.fired and "no verdict" in evidence.message


def test_revision_queue_of_a_boxes_pilot() -> None:
    responses, item_rules = planted_pilot()
    queue = revision_queue(
        Annotations(
            responses=responses, item_rules=item_rules, gold=pd.Series(dtype=object), declared_task=TASK
        ),
        bootstrap=200,
    )
    entries = {entry.rule_id: entry for entry in queue.rules}
    assert "localization_disagreement" in entries["boundary"].flags
    assert "coverage_disagreement" in entries["inclusion"].flags
    assert "box_label_confusion" in entries["labels"].flags
    assert not set(entries["clean"].flags) & set(signals.SignalCode.__args__[-3:])
    assert entries["clean"].rank == 4 and entries["clean"].group == "no_action"
    assert "state which objects the rule includes" in entries["inclusion"].suggestion
    assert "where the edges go" in entries["boundary"].suggestion
    # worst images come from the box disagreement, with a readable summary of each answer
    worst = entries["boundary"].worst_items[0]
    assert worst["item_id"].startswith("boundary-") and worst["disagreement"] > 0
    assert all("car" in key or "person" in key for key in worst["distribution"])
    payload = entries["boundary"].to_dict()
    assert payload["evidence"]["agreement"]["statistic"] == "krippendorff_alpha"
    assert payload["evidence"]["agreement"]["gwet_ac1"] is None
    low = entries["boundary"].signal("low_agreement")
    assert low is not None and low.message.startswith("box alpha ")


@pytest.mark.parametrize(
    "code", ["localization_disagreement", "coverage_disagreement", "box_label_confusion"]
)
def test_box_signal_codes_are_declared(code: str) -> None:
    assert code in signals.SignalCode.__args__
