"""Canonical answers per task type: parsing, errors with hints, JSON and CSV cell round trips."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calibration.answers import Span, answer_to_json, dump_cell, load_cell, parse_answer
from calibration.errors import AnswerError
from calibration.guidelines.model import PairInput, RankingInput, Task, TextInput

LABELS = [{"id": i, "name": i.title()} for i in ("PER", "ORG", "LOC")]
SINGLE = Task(type="single_label", labels=LABELS)
MULTI = Task(type="multi_label", labels=LABELS)
SPAN = Task(type="span", labels=LABELS)
RATING = Task(type="rating", scale={"min": 1, "max": 5})
PAIR = Task(type="pairwise", allow_tie=False)
RANK = Task(type="ranking", candidates=3)


def test_single_label_unknown_label_suggests_the_closest() -> None:
    assert parse_answer(SINGLE, "ORG") == "ORG"
    with pytest.raises(AnswerError) as error:
        parse_answer(SINGLE, "ORGG")
    assert error.value.message == "unknown label 'ORGG'; expected one of PER, ORG, LOC"
    assert error.value.hint == "did you mean 'ORG'?"
    with pytest.raises(AnswerError, match="did you mean 'PER'"):
        parse_answer(SINGLE, "per")


def test_multi_label_is_a_sorted_set_and_refuses_repeats() -> None:
    assert parse_answer(MULTI, ["LOC", "PER"]) == ("LOC", "PER")
    assert parse_answer(MULTI, []) == ()
    with pytest.raises(AnswerError, match="labels repeat"):
        parse_answer(MULTI, ["PER", "PER"])


def test_spans_resolve_text_and_require_start_when_text_repeats() -> None:
    text = TextInput(text="Ann called Ann's bank in Paris")
    spans = parse_answer(
        SPAN, [{"text": "Paris", "label": "LOC"}, {"text": "Ann", "label": "PER", "start": 11}], text
    )
    assert spans == (Span(11, 14, "PER"), Span(25, 30, "LOC"))
    with pytest.raises(AnswerError) as error:
        parse_answer(SPAN, [{"text": "Ann", "label": "PER"}], text)
    assert error.value.message == "span text 'Ann' occurs 2 times in the input"
    assert error.value.hint == "add start: one of [0, 11]"
    with pytest.raises(AnswerError, match="does not occur in the input"):
        parse_answer(SPAN, [{"text": "London", "label": "LOC"}], text)
    with pytest.raises(AnswerError, match="out of bounds for a text of 30 characters"):
        parse_answer(SPAN, [[20, 40, "LOC"]], text)
    assert parse_answer(SPAN, [[25, 30, "LOC"]], text) == (Span(25, 30, "LOC"),)


def test_rating_pairwise_ranking() -> None:
    assert parse_answer(RATING, "4") == 4
    with pytest.raises(AnswerError, match=r"off the scale 1\.\.5"):
        parse_answer(RATING, 6)
    with pytest.raises(AnswerError) as error:
        parse_answer(PAIR, "tie")
    assert error.value.hint == "this task does not allow ties"
    candidates = RankingInput(prompt="p", candidates={"x": "1", "y": "2", "z": "3"})
    assert parse_answer(RANK, ["z", "x", "y"], candidates) == ("z", "x", "y")
    with pytest.raises(AnswerError, match="not a permutation"):
        parse_answer(RANK, ["z", "x", "x"], candidates)
    assert parse_answer(Task(type="pairwise"), "B", PairInput(prompt="p", a="1", b="2")) == "b"


def test_missing_answer_is_refused() -> None:
    with pytest.raises(AnswerError, match="the answer is missing"):
        parse_answer(SINGLE, None)


@given(st.lists(st.sampled_from(["PER", "ORG", "LOC"]), unique=True))
def test_multi_label_cell_round_trip(labels: list[str]) -> None:
    answer = parse_answer(MULTI, labels)
    assert parse_answer(MULTI, load_cell(dump_cell("multi_label", answer))) == answer


def test_span_json_carries_text_and_round_trips_through_a_cell() -> None:
    text = "Ann met Bob"
    answer = parse_answer(SPAN, [{"text": "Bob", "label": "PER"}], TextInput(text=text))
    assert answer_to_json("span", answer, text) == [{"start": 8, "end": 11, "label": "PER", "text": "Bob"}]
    assert parse_answer(SPAN, load_cell(dump_cell("span", answer)), TextInput(text=text)) == answer


def test_load_cell_reads_plain_text_numbers_and_reports_broken_json() -> None:
    assert load_cell("INDEMNIFICATION") == "INDEMNIFICATION"
    assert load_cell("3") == 3
    assert load_cell("") is None
    with pytest.raises(AnswerError, match="looks like JSON but does not parse"):
        load_cell('["A", ')


BOXES = Task(type="boxes", labels=[{"id": "CAR", "name": "Car"}, {"id": "PERSON", "name": "Person"}])


def test_boxes_are_a_sorted_tuple_of_box_and_round_trip_through_a_csv_cell() -> None:
    from calibration.boxes import Box

    raw = [
        {"label": "PERSON", "x": 10, "y": 20.0, "width": 5.5, "height": 30},
        {"label": "CAR", "x": 0, "y": 0, "width": 40, "height": 20},
        ["CAR", 0, 0, 40, 20],  # the list form; an equal box is kept (a duplicate is a false positive)
    ]
    answer = parse_answer(BOXES, raw)
    assert answer == (Box("CAR", 0, 0, 40, 20), Box("CAR", 0, 0, 40, 20), Box("PERSON", 10, 20, 5.5, 30))
    assert isinstance(answer[2].y, int)  # 20.0 is written back as 20
    cell = dump_cell("boxes", answer)
    assert cell.startswith('[{"label":"CAR","x":0,"y":0,"width":40,"height":20},')
    assert parse_answer(BOXES, load_cell(cell)) == answer
    assert answer_to_json("boxes", answer)[2] == {
        "label": "PERSON",
        "x": 10,
        "y": 20,
        "width": 5.5,
        "height": 30,
    }
    assert parse_answer(BOXES, answer) == answer  # canonical answers parse to themselves
    assert parse_answer(BOXES, []) == ()  # nothing to box
    assert dump_cell("boxes", ()) == "[]"


@pytest.mark.parametrize(
    ("raw", "message", "hint"),
    [
        ("CAR", "expected a list of boxes, got 'CAR'", "write [] when there is nothing to box"),
        (
            [{"label": "CARR", "x": 0, "y": 0, "width": 1, "height": 1}],
            "unknown label 'CARR'; expected one of CAR, PERSON",
            "did you mean 'CAR'?",
        ),
        (
            [{"label": "CAR", "x": 0, "y": 0, "widht": 1, "height": 1}],
            "unknown box field(s) ['widht']; a box has label, x, y, width and height",
            "did you mean 'width'?",
        ),
        (
            [{"label": "CAR", "x": 0, "y": 0}],
            "box {'label': 'CAR', 'x': 0, 'y': 0} misses width, height",
            "a box has label, x, y (top-left corner), width and height in image pixels",
        ),
        (
            [{"label": "CAR", "x": 0, "y": 0, "width": 0, "height": 3}],
            "box of width 0 and height 3 is empty",
            "width and height must be positive",
        ),
        (
            [{"label": "CAR", "x": -2, "y": 0, "width": 1, "height": 3}],
            "box corner (-2, 0) is outside the image",
            "x and y are the top-left corner in pixels from the image's top-left, 0 or more",
        ),
        ([["CAR", 0, 0, True, 3]], "box width must be a number of pixels, got True in", None),
        ([["CAR", 0, "1", 2, 3]], "box y must be a number of pixels, got '1' in", None),
        ([["CAR", 0, float("nan"), 2, 3]], "box y must be a finite number, got nan", None),
        ([7], "expected a box like {label, x, y, width, height}, got 7", None),
    ],
)
def test_box_errors_name_the_problem_and_a_hint(raw: object, message: str, hint: str | None) -> None:
    with pytest.raises(AnswerError) as error:
        parse_answer(BOXES, raw)
    assert error.value.message.startswith(message)
    if hint is not None:
        assert error.value.hint == hint


def test_box_numbers_from_numpy_are_plain_numbers() -> None:
    import numpy as np

    (box,) = parse_answer(
        BOXES, [{"label": "CAR", "x": np.int64(3), "y": np.float64(1.5), "width": 2, "height": 2}]
    )
    assert (type(box.x), type(box.y)) == (int, float)


def test_task_min_iou_defaults_to_a_half_and_belongs_to_boxes_tasks() -> None:
    from pydantic import ValidationError

    assert BOXES.min_iou == 0.5
    assert BOXES.categories == ["CAR", "PERSON"]
    assert Task(type="boxes", labels=LABELS, min_iou=1).min_iou == 1
    for bad in (0, 1.2):
        with pytest.raises(ValidationError, match="min_iou"):
            Task(type="boxes", labels=LABELS, min_iou=bad)
    with pytest.raises(
        ValidationError, match="min_iou applies to boxes tasks only, not to a single_label task"
    ):
        Task(type="single_label", labels=LABELS, min_iou=0.7)
    with pytest.raises(ValidationError, match="a boxes task needs at least one label"):
        Task(type="boxes")


def test_inputs_carry_an_optional_image_with_alt_text() -> None:
    from pydantic import ValidationError

    only_image = TextInput(image="images/street-01.png", alt="Two people beside a parked car")
    assert (only_image.image, only_image.alt, only_image.text) == (
        "images/street-01.png",
        "Two people beside a parked car",
        "",
    )
    assert TextInput(text="hi").image is None
    assert PairInput(prompt="p", a="a", b="b", image="x.jpg", alt="A chart").image == "x.jpg"
    assert (
        RankingInput(prompt="p", candidates={"c1": "x", "c2": "y"}, image="x.png", alt="A map").alt == "A map"
    )
    with pytest.raises(ValidationError, match="an input with an image needs alt"):
        TextInput(image="images/a.png")
    with pytest.raises(ValidationError, match="alt describes an image: give image too"):
        TextInput(text="hi", alt="A cat")
    with pytest.raises(ValidationError, match="an input needs text, an image, or both"):
        TextInput()
    assert TextInput(text="").model_dump(exclude_defaults=True) == {"text": ""}  # still loads after a dump


@pytest.mark.parametrize(
    ("box", "message"),
    [
        (
            {"x": 0, "y": 0, "width": 10**400, "height": 1},
            "an integer of 401 digits) is beyond 100,000,000 pixels",
        ),
        ({"x": 9.3e18, "y": 0, "width": 5, "height": 5}, "box x (9.3e+18) is beyond 100,000,000 pixels"),
        ({"x": 0, "y": 0, "width": 1e-320, "height": 1}, "is empty"),
    ],
)
def test_box_numbers_a_drawing_or_scoring_cannot_handle_are_refused(box, message) -> None:
    """Huge coordinates crashed Pillow's drawing, a 400-digit integer overflowed the finiteness check,
    and a subnormal size gave identical boxes an IoU of 0 (review)."""
    task = Task.model_validate({"type": "boxes", "labels": [{"id": "c", "name": "C"}]})
    with pytest.raises(AnswerError, match=re.escape(message)):
        parse_answer(task, [{"label": "c", **box}])


def test_an_answer_with_more_boxes_than_scoring_can_pair_is_refused() -> None:
    task = Task.model_validate({"type": "boxes", "labels": [{"id": "c", "name": "C"}]})
    box = {"label": "c", "x": 0, "y": 0, "width": 2, "height": 2}
    assert len(parse_answer(task, [box] * 1000)) == 1000
    with pytest.raises(AnswerError, match="1001 boxes in one answer; at most 1000"):
        parse_answer(task, [box] * 1001)
