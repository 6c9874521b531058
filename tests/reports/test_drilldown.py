"""The items behind a dashboard click: a confusion cell and an annotator pair, on hand-made answers."""

from __future__ import annotations

import pandas as pd

from calibration.reports.drilldown import (
    box_confusion_cell_items,
    box_pair_disagreements,
    confusion_cell_items,
    pair_disagreements,
)


def _responses(rows):
    return pd.DataFrame(rows, columns=["item_id", "annotator_id", "answer"])


ANSWERS = _responses(
    [
        ("i1", "a", "X"), ("i1", "b", "Y"), ("i1", "c", "X"),
        ("i2", "a", "X"), ("i2", "b", "Z"),
        ("i3", "a", "Y"), ("i3", "b", "Y"),
        ("i4", "a", "X"), ("i4", "c", "Y"),
        ("i5", "b", "Y"),
    ]
)  # fmt: skip


def test_an_off_diagonal_cell_lists_the_items_with_both_answers_in_either_order():
    assert list(confusion_cell_items(ANSWERS, ["i1", "i2", "i3", "i4"], "X", "Y")) == ["i1", "i4"]
    assert list(confusion_cell_items(ANSWERS, ["i1", "i2", "i3", "i4"], "Y", "X")) == ["i1", "i4"]
    assert list(confusion_cell_items(ANSWERS, ["i1", "i2", "i3", "i4"], "X", "Z")) == ["i2"]


def test_only_the_given_items_count():
    assert list(confusion_cell_items(ANSWERS, ["i2", "i3"], "X", "Y")) == []
    assert list(confusion_cell_items(ANSWERS, [], "X", "Y")) == []


def test_a_diagonal_cell_needs_two_answers_with_the_label():
    assert list(confusion_cell_items(ANSWERS, ["i1", "i2", "i3", "i4", "i5"], "X", "X")) == ["i1"]
    assert list(confusion_cell_items(ANSWERS, ["i1", "i2", "i3", "i4", "i5"], "Y", "Y")) == ["i3"]


def test_numeric_answers_compare_as_the_chart_shows_them():
    ratings = _responses([("i1", "a", 3), ("i1", "b", 4), ("i2", "a", 3), ("i2", "b", 3)])
    assert list(confusion_cell_items(ratings, ["i1", "i2"], "3", "4")) == ["i1"]
    assert list(pair_disagreements(ratings, "a", "b")) == ["i1"]


def test_a_pair_disagrees_on_the_items_both_answered_differently():
    assert list(pair_disagreements(ANSWERS, "a", "b")) == ["i1", "i2"]
    assert list(pair_disagreements(ANSWERS, "a", "c")) == ["i4"]
    assert list(pair_disagreements(ANSWERS, "b", "c")) == ["i1"]


def test_an_annotator_without_answers_gives_none():
    assert pair_disagreements(ANSWERS, "a", "nobody") is None


def test_a_box_confusion_cell_lists_the_images_with_boxes_matched_under_those_labels():
    """Boxes: the cell counts pairs of boxes matched at min_iou, so its images are those where two
    annotators' matched boxes carry the two labels (not whole answers equal to a label)."""
    from calibration.boxes import Box

    car, near = Box("car", 0, 0, 10, 10), Box("person", 1, 0, 10, 10)  # IoU 0.82
    far = Box("person", 50, 50, 10, 10)
    rows = [
        ("img1", "a", (car,)),
        ("img1", "b", (near,)),  # matched: car vs person
        ("img2", "a", (car,)),
        ("img2", "b", (far,)),  # no overlap: not matched
        ("img3", "a", (car,)),
        ("img3", "b", (Box("car", 0, 0, 10, 10),)),  # matched: car vs car
        ("img4", "a", (car,)),
        ("img4", "b", (Box("person", 6, 0, 10, 10),)),  # IoU 0.25: below min_iou
    ]
    responses = pd.DataFrame(rows, columns=["item_id", "annotator_id", "answer"])
    items = ["img1", "img2", "img3", "img4"]
    assert list(box_confusion_cell_items(responses, items, "car", "person", min_iou=0.5)) == ["img1"]
    assert list(box_confusion_cell_items(responses, items, "person", "car", min_iou=0.5)) == ["img1"]
    assert list(box_confusion_cell_items(responses, items, "car", "car", min_iou=0.5)) == ["img3"]
    assert list(box_confusion_cell_items(responses, items, "car", "person", min_iou=0.2)) == ["img1", "img4"]
    assert list(box_confusion_cell_items(responses, ["img3"], "car", "person", min_iou=0.5)) == []


def test_two_annotators_disagree_on_boxes_only_beyond_min_iou_or_on_a_label():
    from calibration.boxes import Box

    car = Box("car", 0, 0, 10, 10)
    rows = [
        ("img1", "a", (car,)),
        ("img1", "b", (Box("car", 1, 0, 10, 10),)),  # a pixel apart: agree
        ("img2", "a", (car,)),
        ("img2", "b", (Box("person", 0, 0, 10, 10),)),  # another label
        ("img3", "a", (car,)),
        ("img3", "b", ()),  # left out
        ("img4", "a", (car,)),  # b did not answer
    ]
    responses = pd.DataFrame(rows, columns=["item_id", "annotator_id", "answer"])
    assert list(box_pair_disagreements(responses, "a", "b", min_iou=0.5)) == ["img2", "img3"]
    assert list(pair_disagreements(responses, "a", "b")) == ["img1", "img2", "img3"]  # as text: all differ
    assert box_pair_disagreements(responses, "a", "c", min_iou=0.5) is None
