"""Boxes drawn with Pillow (calibration.reports.boxes): the feedback's per-box checks and the pictures."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from calibration.boxes import Box
from calibration.reports.boxes import (
    GOLD,
    PALETTE,
    YOURS,
    BoxLayer,
    annotator_colors,
    check_boxes,
    draw_annotators,
    draw_feedback,
    draw_layers,
    enlargement,
)


def _png(width: int = 200, height: int = 100, color: str = "#ffffff") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="PNG")
    return out.getvalue()


def _rgb(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def _open(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


def test_each_gold_box_gets_the_matched_box_its_iou_and_a_verdict() -> None:
    gold = [
        Box("CAR", 0, 0, 10, 10),
        Box("CAR", 50, 50, 10, 10),
        Box("TREE", 100, 0, 10, 10),
        Box("CAR", 0, 80, 4, 4),
    ]
    answer = [
        Box("CAR", 0, 0, 10, 10),  # exact: correct
        Box("CAR", 52, 50, 10, 10),  # IoU 80/120 = 0.667: correct at 0.5
        Box("CAR", 100, 0, 10, 10),  # right place, wrong label
        Box("CAR", 150, 50, 10, 10),  # nothing there: extra
    ]
    rows = check_boxes(answer, gold, 0.5)
    assert [(r.gold, r.yours, r.correct, r.verdict) for r in rows] == [
        (1, 1, True, "correct"),
        (2, 2, True, "correct"),
        (3, 3, False, "wrong label"),
        (4, None, False, "missed"),
        (None, 4, False, "extra box (not in gold)"),
    ]
    assert rows[1].iou == pytest.approx(80 / 120)
    # a stricter threshold turns the loose box into "too loose"
    strict = check_boxes(answer, gold, 0.7)
    assert (strict[1].correct, strict[1].verdict) == (False, "too loose (IoU too low)")


def test_check_boxes_with_nothing_drawn_or_no_gold() -> None:
    assert [r.verdict for r in check_boxes([], [Box("A", 0, 0, 5, 5)], 0.5)] == ["missed"]
    assert [r.verdict for r in check_boxes([Box("A", 0, 0, 5, 5)], [], 0.5)] == ["extra box (not in gold)"]
    assert check_boxes([], [], 0.5) == []


def test_small_images_are_enlarged_by_a_whole_factor() -> None:
    assert [enlargement(w) for w in (100, 240, 320, 480, 640, 960, 2000)] == [4, 4, 3, 2, 2, 1, 1]
    drawn = _open(draw_layers(_png(320, 60), []))
    assert drawn.size == (960, 180)


def test_the_feedback_draws_your_boxes_in_blue_and_gold_in_orange_with_a_legend() -> None:
    image = _png(960, 240)
    drawn = _open(draw_feedback(image, [Box("CAR", 100, 100, 100, 100)], [Box("CAR", 300, 100, 100, 100)]))
    assert drawn.width == 960 and drawn.height > 240  # the legend strip below the image
    assert drawn.getpixel((100, 150)) == _rgb(YOURS)  # left edge of your box
    assert drawn.getpixel((300, 150)) == _rgb(GOLD)  # left edge of the gold box
    assert drawn.getpixel((250, 150)) == (255, 255, 255)  # between them: the image untouched


def test_every_annotator_gets_a_colour_of_their_own() -> None:
    assert annotator_colors(["ann", "bo", "cy"]) == {"ann": PALETTE[0], "bo": PALETTE[1], "cy": PALETTE[2]}
    drawn = _open(
        draw_annotators(
            _png(960, 200), {"ann": [Box("CAR", 10, 50, 50, 50)], "bo": [Box("CAR", 200, 50, 50, 50)]}
        )
    )
    assert drawn.getpixel((10, 75)) == _rgb(PALETTE[0])
    assert drawn.getpixel((200, 75)) == _rgb(PALETTE[1])
    assert drawn.height > 200


def test_boxes_are_drawn_in_image_pixels_on_an_enlarged_image() -> None:
    drawn = _open(draw_layers(_png(100, 50), [BoxLayer("a", "#ff0000", [Box("X", 10, 10, 20, 20)], width=1)]))
    assert drawn.size == (400, 200)
    assert drawn.getpixel((40, 100)) == (255, 0, 0)  # x 10 times 4, on the box's left edge
    assert drawn.getpixel((60, 100)) == (255, 255, 255)  # inside the box


def test_a_jpeg_image_is_drawn_too() -> None:
    out = io.BytesIO()
    Image.new("RGB", (1200, 300), "#808080").save(out, format="JPEG")
    drawn = _open(draw_feedback(out.getvalue(), [], []))
    assert drawn.width == 1200
