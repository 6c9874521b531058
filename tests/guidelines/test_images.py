"""Images on inputs and the boxes task: loading, located problems, images on disk (issue 15)."""

from __future__ import annotations

import pytest

from calibration.boxes import Box
from calibration.errors import GuidelineError
from calibration.guidelines.loading import dump_guideline, load_guideline_text

BOXES_YAML = """\
format: 1
id: street
version: 1.0.0
title: People and cars
task:
  type: boxes
  min_iou: 0.6
  labels:
    - {id: PERSON, name: Person}
    - {id: CAR, name: Car}
rules:
  - id: R-PERSON
    title: One box per person
    text: Box every visible person, occluded parts included.
    labels: [PERSON]
    examples:
      - input: {image: images/street-01.png, alt: Two people beside a parked car}
        answer: [{label: PERSON, x: 1, y: 2, width: 3, height: 4}]
items:
  - id: s1
    input: {image: images/street-01.png, alt: Two people beside a parked car}
    rules: [R-PERSON]
    answer:
      - {label: PERSON, x: 1, y: 2, width: 3, height: 4}
      - {label: CAR, x: 5, y: 5, width: 3, height: 2}
  - id: s2
    input: {image: images/empty.png, alt: An empty street, text: Box people and cars.}
    rules: [R-PERSON]
    answer: []
"""


def _messages(text: str) -> list[str]:
    with pytest.raises(GuidelineError) as caught:
        load_guideline_text(text, "street.yaml")
    return [str(p) for p in caught.value.problems]


def test_a_boxes_guideline_loads_with_images_and_canonical_gold() -> None:
    guideline = load_guideline_text(BOXES_YAML)
    assert guideline.task.min_iou == 0.6
    item = guideline.item("s1")
    assert (item.input.image, item.input.alt) == ("images/street-01.png", "Two people beside a parked car")
    assert guideline.gold_answers() == {
        "s1": (Box("CAR", 5, 5, 3, 2), Box("PERSON", 1, 2, 3, 4)),
        "s2": (),
    }
    assert load_guideline_text(dump_guideline(guideline)) == guideline


def test_box_problems_point_at_the_box_with_line_and_column() -> None:
    broken = BOXES_YAML.replace(
        "{label: CAR, x: 5, y: 5, width: 3, height: 2}", "{label: CRA, x: 5, y: 5, width: 0, height: 2}"
    )
    assert _messages(broken) == [
        "street.yaml:25:9: items[0].answer[1]: unknown label 'CRA'; expected one of PERSON, CAR "
        "(hint: did you mean 'CAR'?)"
    ]


def test_a_boxes_input_needs_an_image_and_alt() -> None:
    no_image = BOXES_YAML.replace(
        "input: {image: images/empty.png, alt: An empty street, text: Box people and cars.}",
        "input: Box people and cars.",
    )
    assert _messages(no_image) == [
        "street.yaml:27:12: items[1].input: a boxes task needs an image on every input "
        "(hint: write input: {image: images/photo.png, alt: a short description of the image})"
    ]
    no_alt = BOXES_YAML.replace(", alt: An empty street", "")
    assert _messages(no_alt) == [
        "street.yaml:27:12: items[1].input: an input with an image needs alt: a short description of the image"
    ]


def test_image_classification_and_a_text_beside_an_image() -> None:
    text = BOXES_YAML.replace("type: boxes\n  min_iou: 0.6", "type: single_label")
    text = text.replace("answer: [{label: PERSON, x: 1, y: 2, width: 3, height: 4}]", "answer: PERSON")
    text = text.replace(
        "answer:\n      - {label: PERSON, x: 1, y: 2, width: 3, height: 4}\n"
        "      - {label: CAR, x: 5, y: 5, width: 3, height: 2}",
        "answer: CAR",
    )
    guideline = load_guideline_text(text.replace("answer: []", "answer: PERSON"))
    assert guideline.gold_answers() == {"s1": "CAR", "s2": "PERSON"}
    assert guideline.item("s2").input.text == "Box people and cars."


def test_a_span_input_needs_text() -> None:
    text = """\
format: 1
id: pii
version: 1.0.0
title: PII
task: {type: span, labels: [{id: NAME, name: Name}]}
rules: [{id: R1, title: Names, text: Mark names.}]
items:
  - {id: i1, input: {image: a.png, alt: A form}, rules: [R1], answer: []}
"""
    assert _messages(text) == [
        "street.yaml:8:21: items[0].input.text: a span task needs a text to mark spans in"
    ]


def test_lint_compares_image_inputs_by_their_image_not_by_a_shared_instruction() -> None:
    from calibration.guidelines.lint import lint_guideline

    two_images = BOXES_YAML.replace(
        "input: {image: images/street-01.png, alt: Two people beside a parked car}\n    rules",
        "input: {image: images/street-01.png, alt: Two people beside a parked car, text: Box people and cars.}\n"
        "    rules",
    )
    codes = [p.code for p in lint_guideline(load_guideline_text(two_images))]
    assert "contradictory_examples" not in codes  # same text, other image, other gold: fine
    same_image = two_images.replace("images/empty.png", "images/street-01.png")
    contradictions = [
        p for p in lint_guideline(load_guideline_text(same_image)) if p.code == "contradictory_examples"
    ]
    assert [p.location.field for p in contradictions] == ["items[1].answer"]
