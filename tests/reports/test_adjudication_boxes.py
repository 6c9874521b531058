"""The adjudication queue of a boxes round: answers that differ by a few pixels are one answer."""

from __future__ import annotations

import pandas as pd

from calibration.guidelines.loading import load_guideline_text
from calibration.reports.adjudication import adjudication_queue
from calibration.responses import Annotations
from tests.box_guideline import BOXES_YAML

PERSON = {"label": "PERSON", "x": 1, "y": 2, "width": 3, "height": 4}
CAR = {"label": "CAR", "x": 5, "y": 5, "width": 3, "height": 2}


def _queue(answers: dict[str, list[list[dict]]]):
    from calibration.answers import parse_answer

    guideline = load_guideline_text(BOXES_YAML, "street.yaml")
    rows = [
        {"item_id": item_id, "annotator_id": f"a{k}", "answer": parse_answer(guideline.task, answer)}
        for item_id, given in answers.items()
        for k, answer in enumerate(given)
    ]
    responses = pd.DataFrame(rows)
    item_rules = pd.DataFrame({"item_id": list(answers), "rule_id": "R-PERSON"})
    gold = pd.Series({item.id: item.answer for item in guideline.items}, dtype=object)
    return adjudication_queue(
        Annotations(responses=responses, item_rules=item_rules, gold=gold, guideline=guideline)
    )


def test_boxes_a_few_pixels_apart_are_one_answer_not_a_dispute():
    nudged = {**PERSON, "x": 1.2, "height": 4.1}  # IoU about 0.9, above the task's 0.6
    queue = _queue({"s1": [[PERSON, CAR], [CAR, nudged], [PERSON, {**CAR, "y": 5.1}]]})
    assert queue.empty  # s1 has gold and its three answers are the same boxes


def test_a_missing_box_or_another_label_is_a_dispute_counted_once_per_kind():
    relabelled = {**CAR, "label": "PERSON"}
    queue = _queue({"s1": [[PERSON, CAR], [PERSON, CAR], [PERSON], [PERSON, relabelled], [PERSON]]})
    row = queue.loc["s1"]
    assert row["reason"] == "disagreement"
    assert (row["distinct"], row["majority_share"]) == (3, 0.4)
