"""Boxes drawn on their image with Pillow: an answer beside its gold boxes, and every annotator's boxes.

Pure functions from image bytes and boxes to PNG bytes (nothing here imports streamlit), so the
quiz feedback, the lead's box view and the tests draw the same pictures. Boxes are in image pixels
(`calibration.boxes.Box`); small images are enlarged by a whole factor first, so thin lines and
labels stay legible. Names and labels are drawn into the pixels, never rendered as HTML.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from calibration.boxes import Box, score_boxes

YOURS = "#0072b2"
"""Colour of the annotator's own boxes in the feedback (blue, told apart from gold without hue alone:
gold boxes are drawn thicker and tagged ``G1``, ``G2`` ...)."""
GOLD = "#e69f00"
"""Colour of the gold boxes in the feedback (orange)."""
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9", "#f0e442", "#000000")
"""One colour per annotator in the lead's view (Okabe-Ito, readable with colour-blindness)."""

MIN_WIDTH = 960
"""Images narrower than this are enlarged by a whole factor (at most 4) before boxes are drawn."""


@dataclass(frozen=True)
class BoxLayer:
    """Boxes of one person (or the gold) in one colour; `tags` names each box (e.g. "1", "G2")."""

    name: str
    color: str
    boxes: Sequence[Box]
    tags: Sequence[str] | None = None
    width: int = 2
    tag_below: bool = False
    """Tag each box under its bottom-left corner instead of above its top-left one."""
    tag_inside: bool = False
    """Tag each box inside its top-left corner."""


@dataclass(frozen=True)
class BoxCheck:
    """One row of the feedback: a gold box and the annotator's box matched to it, or an unmatched box.

    ``gold`` and ``yours`` are 1-based numbers of the boxes in their answers (None when unmatched),
    ``iou`` the pair's intersection over union, ``correct`` whether the pair counts (IoU at least
    `min_iou` and the same label).
    """

    gold: int | None
    yours: int | None
    gold_label: str | None
    your_label: str | None
    iou: float | None
    correct: bool

    @property
    def verdict(self) -> str:
        if self.gold is None:
            return "extra box (not in gold)"
        if self.yours is None:
            return "missed"
        if self.correct:
            return "correct"
        if self.gold_label != self.your_label:
            return "wrong label"
        return "too loose (IoU too low)"


def check_boxes(answer: Sequence[Box], gold: Sequence[Box], min_iou: float) -> list[BoxCheck]:
    """Each gold box with the answer's box paired with it, then the answer's boxes paired with none.

    The pairs and their verdicts are `calibration.boxes.score_boxes`'s (maximum total IoU, labels
    ignored for the pairing; a pair counts at IoU >= `min_iou` with the same label), so the feedback
    and the score agree. Every overlapping pair is shown with its IoU, even a loose one, so the
    annotator sees how far off it was.
    """
    score = score_boxes(answer, gold, min_iou)
    by_gold = {m.gold: m for m in score.matches}
    used = {m.answer for m in score.matches}
    rows = []
    for g, gold_box in enumerate(gold):
        match = by_gold.get(g)
        if match is None:
            rows.append(BoxCheck(g + 1, None, gold_box.label, None, None, False))
            continue
        mine = answer[match.answer]
        rows.append(BoxCheck(g + 1, match.answer + 1, gold_box.label, mine.label, match.iou, match.correct))
    for a, mine in enumerate(answer):
        if a not in used:
            rows.append(BoxCheck(None, a + 1, None, mine.label, None, False))
    return rows


def _font(size: int) -> Any:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1 has one bitmap size only
        return ImageFont.load_default()


def _open(image: bytes) -> Image.Image:
    picture = Image.open(io.BytesIO(image))
    picture.load()
    return picture.convert("RGB")


def enlargement(width: int) -> int:
    """The whole factor a `width`-pixel image is enlarged by before drawing (1 to 4)."""
    return max(1, min(4, math.ceil(MIN_WIDTH / max(1, width))))


def draw_layers(image: bytes, layers: Sequence[BoxLayer], *, legend: bool = False) -> bytes:
    """PNG bytes of `image` with each layer's boxes drawn in its colour, tagged with its tags or labels.

    Args:
        image: PNG or JPEG bytes.
        layers: drawn in order (later layers on top).
        legend: add a strip below the image naming each layer beside its colour.
    """
    picture = _open(image)
    factor = enlargement(picture.width)
    if factor > 1:
        picture = picture.resize((picture.width * factor, picture.height * factor), Image.Resampling.NEAREST)
    font = _font(max(11, min(20, picture.width // 48)))
    draw = ImageDraw.Draw(picture)
    tags: list[tuple[tuple[float, float], str, str, bool]] = []
    for layer in layers:
        for index, box in enumerate(layer.boxes):
            x0, y0 = box.x * factor, box.y * factor
            x1, y1 = (box.x + box.width) * factor, (box.y + box.height) * factor
            draw.rectangle((x0, y0, x1, y1), outline=layer.color, width=layer.width)
            tag = layer.tags[index] if layer.tags is not None else str(box.label)
            if layer.tag_inside:
                tags.append(((x0 + layer.width, y0 + layer.width), tag, layer.color, True))
            else:
                tags.append(((x0, y1) if layer.tag_below else (x0, y0), tag, layer.color, layer.tag_below))
    placed: list[tuple[float, float, float, float]] = []
    for corner, tag, color, below in tags:  # after every box, so no box line crosses a tag
        placed.append(_tag(draw, corner, tag, color, font, picture.height, below, placed))
    if legend and layers:
        picture = _with_legend(picture, layers, _font(max(14, min(32, picture.width // 36))))
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def _tag(
    draw: ImageDraw.ImageDraw,
    at: tuple[float, float],
    text: str,
    color: str,
    font: Any,
    height: int,
    below: bool = False,
    placed: Sequence[tuple[float, float, float, float]] = (),
) -> tuple[float, float, float, float]:
    """A small filled label above the corner `at` (below it with `below`), kept inside the image and
    moved down past the tags already `placed`; returns where it went."""
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    w, h = right - left + 6, bottom - top + 4
    x, y = at[0], (at[1] + 1 if below else at[1] - h)
    if y < 0:
        y = at[1]
    for _ in range(len(placed)):
        hit = [p for p in placed if x < p[2] and p[0] < x + w and y < p[3] and p[1] < y + h]
        if not hit:
            break
        y = max(p[3] for p in hit) + 1
    y = min(y, max(0, height - h))
    draw.rectangle((x, y, x + w, y + h), fill=color)
    draw.text((x + 3 - left, y + 2 - top), text, fill="#ffffff", font=font)
    return (x, y, x + w, y + h)


def _with_legend(picture: Image.Image, layers: Sequence[BoxLayer], font: Any) -> Image.Image:
    probe = ImageDraw.Draw(picture)
    line = max(int(probe.textbbox((0, 0), "Ag", font=font)[3]) + 8, 18)
    rows: list[tuple[BoxLayer, int, int]] = []
    x, row = 8, 0
    for layer in layers:  # wrap the entries to the image's width
        width = 26 + int(probe.textlength(layer.name, font=font)) + 16
        if x + width > picture.width and x > 8:
            row, x = row + 1, 8
        rows.append((layer, x, row))
        x += width
    strip = Image.new("RGB", (picture.width, picture.height + (row + 1) * line + 8), "#ffffff")
    strip.paste(picture, (0, 0))
    draw = ImageDraw.Draw(strip)
    for layer, x, r in rows:
        y = picture.height + 4 + r * line
        draw.rectangle((x, y + 3, x + 18, y + line - 5), outline=layer.color, width=3)
        draw.text((x + 24, y + 2), layer.name, fill="#31333f", font=font)
    return strip


def draw_feedback(image: bytes, answer: Sequence[Box], gold: Sequence[Box]) -> bytes:
    """The gold boxes (orange, thick, tagged G1, G2 ... above) and the annotator's boxes over them
    (blue, thin, tagged 1, 2 ... below), with a legend; the numbers are those of `check_boxes`. A box
    drawn close to its gold box shows as a blue line along the orange one."""
    yours = [str(i + 1) for i in range(len(answer))]
    return draw_layers(
        image,
        [
            BoxLayer("Gold boxes (G1, G2 ...)", GOLD, gold, [f"G{i + 1}" for i in range(len(gold))], 5),
            BoxLayer("Your boxes (1, 2 ...)", YOURS, answer, yours, 2, tag_below=True),
        ],
        legend=True,
    )


def annotator_colors(names: Sequence[str]) -> dict[str, str]:
    """A colour per annotator, in the given order, from `PALETTE` (cycled)."""
    return {name: PALETTE[index % len(PALETTE)] for index, name in enumerate(names)}


def draw_annotators(image: bytes, boxes_by_annotator: Mapping[str, Sequence[Box]]) -> bytes:
    """Every annotator's boxes on the image, one colour each, and a legend naming the annotators with
    their number of boxes. Each box is tagged with its label inside its top-left corner; the tags of
    boxes drawn at almost the same place are stacked, not overlaid."""
    colors = annotator_colors(list(boxes_by_annotator))
    layers = [
        BoxLayer(f"{name} ({len(boxes)})", colors[name], boxes, tag_inside=True)
        for name, boxes in boxes_by_annotator.items()
    ]
    return draw_layers(image, layers, legend=True)
