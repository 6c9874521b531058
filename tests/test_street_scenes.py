"""The generated street scenes: the bundled images and their gold boxes come from calibration.street_scenes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image

from calibration.boxes import Box
from calibration.demo import GUIDELINES_DIR
from calibration.street_scenes import (
    HEIGHT,
    SCENES,
    WIDTH,
    decoy_boxes,
    gold_boxes,
    render,
    scene,
    seen_objects,
    write_images,
)

FOLDER = GUIDELINES_DIR / "street-objects"
IMAGES = FOLDER / "images"


def _entries() -> dict[str, dict]:
    """Every item, example and edge case of the YAML that shows an image, by image stem."""
    data = yaml.safe_load((FOLDER / "1.0.0.yaml").read_text(encoding="utf-8"))
    found = [*data["items"]]
    for rule in data["rules"]:
        found += [*rule.get("examples", []), *rule.get("edge_cases", [])]
    return {Path(entry["input"]["image"]).stem: entry for entry in found}


def _as_boxes(answer: list[dict]) -> tuple[Box, ...]:
    return tuple(sorted(Box(b["label"], b["x"], b["y"], b["width"], b["height"]) for b in answer))


def test_every_image_is_used_once_and_every_reference_exists():
    entries = _entries()
    on_disk = {p.stem for p in IMAGES.glob("*.png")}
    assert set(entries) == on_disk == set(SCENES)
    assert all(entry["input"]["image"] == f"images/{stem}.png" for stem, entry in entries.items())


def test_the_images_stay_small_and_carry_their_licence():
    total = sum(p.stat().st_size for p in IMAGES.glob("*.png"))
    assert total < 2 * 1024 * 1024
    assert "CC0 1.0" in (IMAGES / "LICENSE").read_text(encoding="utf-8")
    assert "calibration/street_scenes.py" in (IMAGES / "README.md").read_text(encoding="utf-8")


def test_yaml_gold_and_alt_text_are_the_scripts():
    for stem, entry in _entries().items():
        drawn = scene(stem)
        assert entry["input"]["alt"] == drawn.alt, stem
        if "answer" in entry:
            assert _as_boxes(entry["answer"]) == gold_boxes(drawn), stem


def test_the_script_redraws_the_bundled_images_pixel_for_pixel(tmp_path):
    for path in write_images(tmp_path):
        bundled = np.asarray(Image.open(IMAGES / path.name).convert("RGB"))
        assert bundled.shape == (HEIGHT, WIDTH, 3)
        assert np.array_equal(np.asarray(Image.open(path).convert("RGB")), bundled), path.name


@pytest.mark.parametrize("stem", ["so-001", "so-002", "ex-light", "so-028", "ex-frame"])
def test_gold_box_is_where_the_object_changes_the_picture(stem):
    """An independent check of exactness: drop one object, and the changed pixels span its gold box."""
    drawn = scene(stem)
    full = np.asarray(render(drawn)).astype(int)
    fully_visible = {o.gold for o in seen_objects(drawn) if o.visible == o.gold}
    checked = 0
    for thing in drawn.things:
        without = replace(drawn, things=[t for t in drawn.things if t is not thing])
        changed = np.abs(full - np.asarray(render(without)).astype(int)).sum(axis=2) > 0
        ys, xs = np.nonzero(changed)
        box = Box(thing.kind, xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1)
        if box in fully_visible:
            checked += 1
        else:
            assert thing.kind == "bicycle" and stem == "so-028", (stem, box)  # the rider hides part of it
    assert checked >= 2


def test_hidden_parts_are_in_the_gold_but_not_in_the_visible_extent():
    person_behind_car = next(o for o in seen_objects(scene("edge-occluded-car")) if o.gold.label == "person")
    assert person_behind_car.visible is not None
    assert person_behind_car.visible.height < person_behind_car.gold.height
    assert person_behind_car.visible_share < 0.8


def test_boxes_of_objects_cut_by_the_frame_end_at_the_border():
    boxes = gold_boxes(scene("ex-frame")) + gold_boxes(scene("edge-frame-border"))
    assert any(b.x == 0 for b in boxes)
    assert any(b.x + b.width == WIDTH for b in boxes)
    assert all(b.x >= 0 and b.x + b.width <= WIDTH and b.y + b.height <= HEIGHT for b in boxes)


def test_reflections_and_pictures_are_decoys_not_gold():
    for stem in ("ex-reflection", "edge-poster", "edge-empty"):
        drawn = scene(stem)
        assert decoy_boxes(drawn)
        assert not set(decoy_boxes(drawn)) & set(gold_boxes(drawn))
    assert gold_boxes(scene("edge-empty")) == ()


def test_crowd_members_each_have_a_box():
    drawn = scene("ex-crowd")
    assert len(gold_boxes(drawn)) == len(drawn.things) == 5
    assert all(t.crowd for t in drawn.things)
