"""Gold scoring of boxes tasks: IoU matching at the task's min_iou, F1 per item as credit, box totals."""

from __future__ import annotations

import pytest

from calibration.agreement.gold import answers_correct, answers_credit, score_against_gold, score_annotators
from calibration.boxes import Box
from calibration.guidelines.model import Label, Policy, Task
from calibration.responses import gold_series, item_rules_frame, responses_frame

TASK = Task(type="boxes", labels=[Label(id=i, name=i) for i in ("CAR", "PERSON")], min_iou=0.6)
GOLD = {
    "a": (Box("CAR", 0, 0, 10, 10), Box("PERSON", 20, 0, 10, 10)),
    "b": (Box("PERSON", 0, 0, 4, 8),),
    "c": (),  # nothing to box
}
RULES = item_rules_frame({"a": ["R-CAR", "R-PERSON"], "b": ["R-PERSON"], "c": ["R-EMPTY"]})


def _one(answers: dict, who: str = "ann") -> object:
    return responses_frame([{"item_id": k, "annotator_id": who, "answer": v} for k, v in answers.items()])


def test_box_items_earn_their_f1_as_credit_and_count_correct_at_f1_one() -> None:
    answers = {
        # the CAR box is off by one pixel (IoU 81/119 = 0.68 >= 0.6), the PERSON box is missed
        "a": (Box("CAR", 1, 1, 10, 10),),
        # IoU 24 / 32 = 0.75: right
        "b": (Box("PERSON", 0, 0, 4, 6),),
        "c": (),
    }
    score = score_against_gold(_one(answers), gold_series(GOLD), TASK, RULES, Policy(pass_kappa=None))
    assert score.items["credit"].to_dict() == {"a": pytest.approx(2 / 3), "b": 1.0, "c": 1.0}
    assert score.items["correct"].to_dict() == {"a": False, "b": True, "c": True}
    assert (score.n_items, score.n_correct) == (3, 2)
    assert score.accuracy == pytest.approx((2 / 3 + 2) / 3)
    assert score.kappa is None
    # micro totals over boxes: 2 right of 2 given, of 3 gold boxes
    assert (score.box_precision, score.box_recall, score.box_f1) == (
        1.0,
        pytest.approx(2 / 3),
        pytest.approx(0.8),
    )
    assert score.box_mean_iou == pytest.approx((81 / 119 + 0.75) / 2)
    assert score.per_rule.loc["R-PERSON", "credit"] == pytest.approx(2 / 3 + 1)
    assert score.per_rule.loc["R-PERSON", "accuracy"] == pytest.approx((2 / 3 + 1) / 2)
    assert score.per_rule.loc["R-EMPTY", "accuracy"] == 1.0
    # per gold label: CAR found 1 of 1, PERSON 1 of 2
    assert score.per_label[["n_items", "n_correct"]].to_dict(orient="index") == {
        "CAR": {"n_items": 1, "n_correct": 1},
        "PERSON": {"n_items": 2, "n_correct": 1},
    }
    assert score.to_dict()["box_f1"] == pytest.approx(0.8)


def test_the_task_min_iou_decides() -> None:
    answers = {"b": (Box("PERSON", 0, 0, 4, 6),)}  # IoU 0.75
    strict = TASK.model_copy(update={"min_iou": 0.8})
    assert score_against_gold(_one(answers), gold_series(GOLD), TASK).n_correct == 1
    assert score_against_gold(_one(answers), gold_series(GOLD), strict).n_correct == 0
    golds = [GOLD["b"]]
    assert answers_correct("boxes", [answers["b"]], golds, min_iou=0.8) == [False]
    assert answers_credit("boxes", [answers["b"]], golds, min_iou=0.7) == [1.0]


def test_json_box_answers_score_like_canonical_ones() -> None:
    as_json = [b.to_json() for b in GOLD["a"]]
    assert answers_correct("boxes", [as_json], [GOLD["a"]]) == [True]


def test_pass_decisions_and_the_annotator_table_follow_the_box_credit() -> None:
    wrong_label = {"a": (Box("PERSON", 0, 0, 10, 10), Box("PERSON", 20, 0, 10, 10)), "b": (), "c": ()}
    perfect = dict(GOLD)
    frame = responses_frame(
        [{"item_id": k, "annotator_id": "bob", "answer": v} for k, v in wrong_label.items()]
        + [{"item_id": k, "annotator_id": "ann", "answer": v} for k, v in perfect.items()]
    )
    policy = Policy(pass_kappa=None, pass_rule_accuracy=0.8)
    table = score_annotators(frame, gold_series(GOLD), TASK, RULES, policy)
    assert table.loc["ann", "passed"] and table.loc["ann", "box_f1"] == 1.0
    assert not table.loc["bob", "passed"]
    assert table.loc["bob", "failed_rules"] == ["R-CAR", "R-PERSON"]
    assert table.loc["bob", "box_f1"] == pytest.approx(2 * 1 / (2 + 3))  # 1 right of 2 given, of 3 gold
