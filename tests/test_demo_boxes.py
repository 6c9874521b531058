"""The demo's simulated box annotators: gold plus jitter, and the habits planted on R-OCCLUDED, R-REFLECTION,
R-CROWD and R-TIGHT show where they should."""

from __future__ import annotations

import itertools
import re
from collections import defaultdict

import numpy as np
import pytest

from calibration.boxes import iou, match_boxes
from calibration.demo_boxes import DEMO_BOX_ANNOTATORS, BoxHabits, demo_box_pilot, simulate_box_responses
from calibration.errors import DataError, NotFoundError
from calibration.street_scenes import HEIGHT, WIDTH


@pytest.fixture(scope="module")
def pilot():
    return demo_box_pilot(seed=0)


def _answers(responses, annotator):
    mine = responses[responses["annotator_id"] == annotator]
    return dict(zip(mine["item_id"], mine["answer"], strict=True))


def test_the_pilot_is_every_item_by_four_annotators_and_is_reproducible(pilot):
    guideline, responses = pilot
    assert len(responses) == 4 * len(guideline.items)
    assert sorted(responses["annotator_id"].unique()) == sorted(DEMO_BOX_ANNOTATORS)
    again = demo_box_pilot(seed=0)[1]
    other = demo_box_pilot(seed=1)[1]
    assert list(again["answer"]) == list(responses["answer"])
    assert list(other["answer"]) != list(responses["answer"])


def test_boxes_stay_inside_the_image_with_a_positive_size(pilot):
    for answer in pilot[1]["answer"]:
        for box in answer:
            assert box.width > 0 and box.height > 0
            assert box.x >= 0 and box.y >= 0 and box.x + box.width <= WIDTH and box.y + box.height <= HEIGHT


def test_the_careful_annotator_matches_every_gold_box(pilot):
    guideline, responses = pilot
    careful = _answers(responses, "ann-01")
    for item_id, gold in guideline.gold_answers().items():
        answer = careful[item_id]
        matches = match_boxes(gold, answer, min_iou=0.5)
        assert len(matches) == len(gold) == len(answer), item_id
        assert all(gold[m.left].label == answer[m.right].label and m.iou > 0.75 for m in matches), item_id


def test_visible_only_annotators_box_the_person_behind_the_car_short(pilot):
    guideline, responses = pilot
    hidden_person = next(b for b in guideline.gold_answers()["so-010"] if b.label == "person")
    for annotator, habit in DEMO_BOX_ANNOTATORS.items():
        drawn = next(b for b in _answers(responses, annotator)["so-010"] if b.label == "person")
        if habit.visible_only:
            assert drawn.height < 0.7 * hidden_person.height and iou(drawn, hidden_person) < 0.65
        else:
            assert iou(drawn, hidden_person) > 0.8


def _per_rule(guideline, responses):
    """Mean IoU of matched pairs and the share of unmatched boxes, per rule, over annotator pairs."""
    rules = {item.id: item.rules for item in guideline.items}
    ious, unmatched, boxes = defaultdict(list), defaultdict(int), defaultdict(int)
    for item_id, answers in responses.groupby("item_id")["answer"]:
        for a, b in itertools.combinations(list(answers), 2):
            matches = match_boxes(a, b)
            for rule in rules[item_id]:
                ious[rule] += [m.iou for m in matches]
                unmatched[rule] += len(a) + len(b) - 2 * len(matches)
                boxes[rule] += len(a) + len(b)
    return (
        {rule: float(np.mean(values)) for rule, values in ious.items()},
        {rule: unmatched[rule] / boxes[rule] for rule in boxes},
    )


def test_the_planted_boundary_and_inclusion_rules_stand_out(pilot):
    mean_iou, unmatched = _per_rule(*pilot)
    assert min(mean_iou, key=mean_iou.get) == "R-OCCLUDED"  # localization: a boundary rule
    assert sorted(unmatched, key=unmatched.get)[-2:] == [
        "R-CROWD",
        "R-REFLECTION",
    ]  # coverage: inclusion rules
    assert unmatched["R-REFLECTION"] > 0.15 and unmatched["R-FRAME"] == 0


def test_without_habits_every_rule_agrees(pilot):
    guideline, _ = pilot
    calm = simulate_box_responses(guideline, {"a": BoxHabits(miss=0), "b": BoxHabits(miss=0)})
    mean_iou, unmatched = _per_rule(guideline, calm)
    assert min(mean_iou.values()) > 0.85
    assert max(unmatched.values()) == 0


def test_hesitant_answers_carry_flags_and_comments(pilot):
    _, responses = pilot
    flagged = responses[responses["unclear"]]
    assert len(flagged) >= 5
    assert set(flagged["annotator_id"]) <= {
        a for a, h in DEMO_BOX_ANNOTATORS.items() if h != BoxHabits(jitter=0.5)
    }
    assert flagged["comment"].notna().any()


def test_simulation_errors(pilot):
    guideline, _ = pilot
    with pytest.raises(DataError, match="simulate at least 2 annotators, got 1"):
        simulate_box_responses(guideline, {"solo": BoxHabits()})
    with pytest.raises(
        NotFoundError, match=re.escape("item 'so-999' is not in the quiz bank of street-objects@1.0.0")
    ):
        simulate_box_responses(guideline, items=["so-999"])
    item = guideline.items[0]
    stranger = item.model_copy(update={"input": item.input.model_copy(update={"image": "images/photo.png"})})
    other = guideline.model_copy(update={"items": [stranger]})
    with pytest.raises(
        DataError,
        match=re.escape("item so-001 shows images/photo.png, which is not a generated street scene"),
    ):
        simulate_box_responses(other)
