"""Simulated box annotators for the demo pilot on the bundled street-objects guideline (pure, seeded).

Each simulated annotator draws the gold boxes of `calibration.street_scenes` with a little jitter,
and some have a habit that a real pilot shows when a rule is unclear:

- ``visible_only``: a partly hidden object is boxed to its visible part only (the boundary rule
  R-OCCLUDED: localization disagreement, matched boxes with a low IoU);
- ``loose``: boxes a few pixels larger than the object on every side (the boundary rule R-TIGHT);
- ``boxes_decoys``: reflections and pictures are boxed as if they were road users (the inclusion rule
  R-REFLECTION: coverage disagreement, boxes that others leave out);
- ``skips_hidden_crowd``: crowd members partly hidden by others are left out (the inclusion rule
  R-CROWD).

The demo pilot plants two of them on two annotators each (R-OCCLUDED and R-REFLECTION split the
group two against two), and one annotator each for R-TIGHT and R-CROWD, so the lead's dashboard and
revision queue have a boundary and an inclusion problem to show. Every (item, annotator) answer draws
from its own generator, so adding an item or an annotator changes no other answer.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import numpy as np
import pandas as pd

from calibration.answers import suggest
from calibration.boxes import Box
from calibration.demo import GUIDELINES_DIR, _rng
from calibration.errors import DataError, NotFoundError
from calibration.guidelines.loading import load_guideline
from calibration.guidelines.model import Guideline, Item
from calibration.responses import responses_frame
from calibration.street_scenes import HEIGHT, WIDTH, Scene, decoy_boxes, scene, seen_objects

DEMO_BOX_GUIDELINE = "street-objects"
DEMO_BOX_VERSION = "1.0.0"


@dataclass(frozen=True)
class BoxHabits:
    """How one simulated annotator boxes.

    Attributes:
        jitter: standard deviation of each box edge's error, in pixels.
        loose: pixels added on every side of every box (0 = tight boxes).
        visible_only: box the visible part of a partly hidden object instead of its full extent.
        boxes_decoys: box the people and cars seen in reflections and pictures.
        skips_hidden_crowd: leave out crowd members that others partly hide.
        miss: probability of missing a small object (under 30 px tall) altogether.
    """

    jitter: float = 1.0
    loose: float = 0.0
    visible_only: bool = False
    boxes_decoys: bool = False
    skips_hidden_crowd: bool = False
    miss: float = 0.05


DEMO_BOX_ANNOTATORS: dict[str, BoxHabits] = {
    "ann-01": BoxHabits(jitter=0.5, miss=0.0),
    "ann-02": BoxHabits(jitter=0.8, visible_only=True, boxes_decoys=True),
    "ann-03": BoxHabits(jitter=0.7, visible_only=True, loose=1.5),
    "ann-04": BoxHabits(jitter=0.9, boxes_decoys=True, skips_hidden_crowd=True),
}
"""The demo pilot's four annotators: the planted disagreement the demo and its tests rely on."""

_COMMENTS = {
    "visible_only": (
        "Do I box the legs I cannot see?",
        "Only the top half of this person is visible; I boxed what I see.",
    ),
    "boxes_decoys": (
        "Is the car in the window a reflection or a car inside the shop?",
        "The poster shows a person; I boxed it to be safe.",
    ),
    "skips_hidden_crowd": ("Too many people overlap here; I boxed the ones I can see clearly.",),
}


def simulate_box_responses(
    guideline: Guideline,
    annotators: Mapping[str, BoxHabits] | None = None,
    items: Sequence[str] | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Answers of simulated box annotators to the street-objects items, as a canonical responses table.

    Args:
        guideline: a street-objects guideline version (its items show `calibration.street_scenes` images).
        annotators: habits by annotator id; default `DEMO_BOX_ANNOTATORS`.
        items: item ids to answer, in this order; default every item of the bank, pilot-only ones too.
        seed: the random seed; the same arguments give the same table.

    Returns:
        A responses table with item_id, annotator_id, answer (a sorted tuple of `Box`, rounded to 0.1
        pixel and cut at the image frame), confidence (1-5), unclear, comment and seconds; rows by item,
        then annotator.

    Raises:
        DataError: fewer than two annotators, or an item whose image is not a generated scene.
        NotFoundError: an item id the guideline does not have.
    """
    habits = dict(DEMO_BOX_ANNOTATORS if annotators is None else annotators)
    if len(habits) < 2:
        raise DataError(f"simulate at least 2 annotators, got {len(habits)}", hint="agreement needs two")
    records: list[dict[str, Any]] = []
    for item in _items(guideline, items):
        drawn = _scene_of(item)
        for annotator, habit in habits.items():
            rng = _rng(seed, "boxes", item.id, annotator)
            records.append({"item_id": item.id, "annotator_id": annotator, **_answer(drawn, habit, rng)})
    columns = ["item_id", "annotator_id", "answer", "confidence", "unclear", "comment", "seconds"]
    frame = pd.DataFrame.from_records(records, columns=columns)
    frame["answer"] = pd.Series([r["answer"] for r in records], index=frame.index, dtype=object)
    return responses_frame(frame)


def demo_box_pilot(seed: int = 0) -> tuple[Guideline, pd.DataFrame]:
    """The demo workspace's box pilot: the bundled street-objects guideline answered by `DEMO_BOX_ANNOTATORS`."""
    guideline = load_guideline(GUIDELINES_DIR / DEMO_BOX_GUIDELINE / f"{DEMO_BOX_VERSION}.yaml")
    return guideline, simulate_box_responses(guideline, seed=seed)


def _items(guideline: Guideline, items: Sequence[str] | None) -> list[Item]:
    if items is None:
        return list(guideline.items)
    known = {item.id: item for item in guideline.items}
    missing = [i for i in items if i not in known]
    if missing:
        raise NotFoundError(
            f"item {missing[0]!r} is not in the quiz bank of {guideline.ref}",
            hint=suggest(missing[0], list(known)) or "use ids from the guideline's items",
        )
    return [known[i] for i in items]


def _scene_of(item: Item) -> Scene:
    image = getattr(item.input, "image", None) or ""
    stem = PurePosixPath(image).stem
    try:
        return scene(stem)
    except KeyError:
        raise DataError(
            f"item {item.id} shows {image or 'no image'}, which is not a generated street scene",
            hint="box answers are simulated on the street-objects guideline's images",
        ) from None


def _answer(drawn: Scene, habit: BoxHabits, rng: np.random.Generator) -> dict[str, Any]:
    boxes: list[Box] = []
    habits_used: list[str] = []
    for seen in seen_objects(drawn):
        box = seen.gold
        hidden = seen.visible is not None and seen.visible != seen.gold
        if seen.crowd and habit.skips_hidden_crowd and seen.visible_share < 0.98:
            habits_used.append("skips_hidden_crowd")
            continue
        if hidden and habit.visible_only and not seen.crowd and seen.visible is not None:
            habits_used.append("visible_only")
            box = seen.visible
        if box.height < 30 and rng.random() < habit.miss:
            continue
        boxes.append(_drawn(box, habit, rng))
    if habit.boxes_decoys:
        for decoy in decoy_boxes(drawn):
            habits_used.append("boxes_decoys")
            boxes.append(_drawn(decoy, habit, rng))
    hesitant = bool(habits_used)
    unclear = hesitant and rng.random() < 0.35
    comment = None
    if unclear:
        pool = _COMMENTS[str(rng.choice(sorted(set(habits_used))))]
        comment = str(rng.choice(pool)) if rng.random() < 0.8 else None
    confidence = int(
        rng.choice([2, 3, 4, 5], p=[0.15, 0.45, 0.3, 0.1] if hesitant else [0.02, 0.1, 0.4, 0.48])
    )
    seconds = round(
        float(rng.lognormal(math.log(14.0 * (1 + len(boxes)) * (1.4 if hesitant else 1.0)), 0.3)), 1
    )
    return {
        "answer": tuple(sorted(boxes)),
        "confidence": confidence,
        "unclear": unclear,
        "comment": comment,
        "seconds": seconds,
    }


def _drawn(box: Box, habit: BoxHabits, rng: np.random.Generator) -> Box:
    """`box` as a person draws it: each edge off by the jitter, the looseness added, cut at the frame.

    Both shrink for small objects (people zoom in on them): full size from 40 pixels up, a quarter at 10.
    """
    scale = float(np.clip(min(box.width, box.height) / 40.0, 0.25, 1.0))
    error = rng.normal(0.0, habit.jitter * scale, size=4) if habit.jitter > 0 else np.zeros(4)
    loose = habit.loose * scale
    x0 = box.x - loose + error[0]
    y0 = box.y - loose + error[1]
    x1 = box.x + box.width + loose + error[2]
    y1 = box.y + box.height + loose + error[3]
    x0, y0 = max(0.0, round(x0, 1)), max(0.0, round(y0, 1))
    x1, y1 = min(float(WIDTH), round(x1, 1)), min(float(HEIGHT), round(y1, 1))
    x1, y1 = max(x1, x0 + 1.0), max(y1, y0 + 1.0)
    return Box(box.label, x0, y0, round(x1 - x0, 1), round(y1 - y0, 1))
