"""The adjudication queue of a boxes round: boxes that match (IoU >= min_iou, same label) are agreement,
though their coordinates differ by a pixel; an image where annotators box different objects, or
draw them far apart, is disputed, and the most disputed image comes first."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from calibration.boxes import Box
from calibration.guidelines.model import Label, Task
from calibration.reports.adjudication import adjudication_queue
from calibration.responses import Annotations

TASK = Task(type="boxes", labels=[Label(id=lab, name=lab) for lab in ("car", "person")])
CAR, PERSON = Box("car", 10.0, 10.0, 60.0, 40.0), Box("person", 100.0, 20.0, 20.0, 60.0)


def _nudged(box: Box, dx: float) -> Box:
    return Box(box.label, box.x + dx, box.y, box.width, box.height)


def _guideline() -> SimpleNamespace:
    items = {
        i: SimpleNamespace(id=i, input=SimpleNamespace(text=""), answer=None) for i in ("same", "far", "left")
    }

    def item(item_id: str) -> SimpleNamespace:
        return items[item_id]

    return SimpleNamespace(task=TASK, items=list(items.values()), item=item)


def test_boxes_a_pixel_apart_agree_and_the_most_disputed_image_comes_first() -> None:
    rows = []
    for a in range(3):
        rows.append(("same", f"ann{a}", (_nudged(CAR, a), _nudged(PERSON, -a))))  # 1-2 px apart: agreement
        rows.append(("far", f"ann{a}", (_nudged(CAR, 45.0 * a),)))  # drawn far apart: IoU < 0.5
        rows.append(("left", f"ann{a}", (CAR, PERSON) if a else (CAR,)))  # one annotator leaves a person out
    responses = pd.DataFrame(rows, columns=["item_id", "annotator_id", "answer"])
    item_rules = pd.DataFrame({"item_id": ["same", "far", "left"], "rule_id": ["R1", "R1", "R1"]})
    gold = pd.Series({"same": (CAR, PERSON), "far": (CAR,), "left": (CAR, PERSON)})
    guideline = _guideline()
    for item in guideline.items:
        item.answer = gold[item.id]

    queue = adjudication_queue(
        Annotations(responses=responses, item_rules=item_rules, gold=gold, guideline=guideline)
    )

    assert list(queue.index) == ["far", "left"]  # "same" is not disputed; the farthest apart first
    assert set(queue["reason"]) == {"disagreement"}
