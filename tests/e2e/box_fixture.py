"""A small boxes guideline written to a folder with Pillow-drawn images, for the browser journey and the
screenshots (until a bundled boxes guideline is used instead).

The gold boxes have distinctive coordinates, so a test can look for them in the page and in the
websocket frames: `gold_fingerprints` lists the strings that would show them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

WIDTH, HEIGHT = 320, 200
GUIDELINE_ID = "e2e-boxes"

# item id -> (alt text, gold boxes as (label, x, y, width, height), why)
ITEMS: dict[str, tuple[str, list[tuple[str, int, int, int, int]], str]] = {
    "B1": (
        "A red van parked beside a person in a blue coat",
        [("VEHICLE", 137, 59, 83, 71), ("PERSON", 41, 33, 27, 93)],
        "The van and the person each get one box of their own.",
    ),
    "B2": (
        "Two people, one partly hidden behind a green hedge",
        [("PERSON", 67, 43, 29, 97), ("PERSON", 211, 37, 31, 89)],
        "The person behind the hedge is boxed whole: hidden parts count.",
    ),
}


def _scene(path: Path, boxes: list[tuple[str, int, int, int, int]], hedge: bool = False) -> None:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (WIDTH, HEIGHT), (214, 228, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 150, WIDTH, HEIGHT), fill=(170, 170, 160))  # the road
    for label, x, y, w, h in boxes:
        if label == "VEHICLE":
            draw.rectangle((x, y + h // 4, x + w - 1, y + h - 12), fill=(196, 48, 43))
            draw.ellipse((x + 6, y + h - 22, x + 26, y + h - 1), fill=(30, 30, 30))
            draw.ellipse((x + w - 27, y + h - 22, x + w - 7, y + h - 1), fill=(30, 30, 30))
        else:
            draw.ellipse((x + w // 4, y, x + 3 * w // 4, y + w // 2), fill=(236, 200, 170))  # head
            draw.rectangle((x, y + w // 2, x + w - 1, y + h - 1), fill=(40, 80, 170))  # coat
    if hedge:
        draw.rectangle((190, 95, 260, 150), fill=(60, 140, 60))
    image.save(path, format="PNG")


def write_guideline(folder: Path) -> Path:
    """Write ``guideline.yaml`` and its two images into `folder`; returns the guideline file."""
    import yaml

    (folder / "images").mkdir(parents=True, exist_ok=True)
    items: list[dict[str, Any]] = []
    for index, (item_id, (alt, gold, why)) in enumerate(ITEMS.items()):
        _scene(folder / "images" / f"{item_id.lower()}.png", gold, hedge=index == 1)
        items.append(
            {
                "id": item_id,
                "input": {"image": f"images/{item_id.lower()}.png", "alt": alt},
                "rules": ["R-ONE", "R-HIDDEN"] if index else ["R-ONE"],
                "answer": [
                    {"label": label, "x": x, "y": y, "width": w, "height": h} for label, x, y, w, h in gold
                ],
                "why": why,
            }
        )
    document = {
        "format": 1,
        "id": GUIDELINE_ID,
        "version": "1.0.0",
        "title": "Street objects, boxed",
        "task": {
            "type": "boxes",
            "instructions": "Draw one box around every vehicle and every person.",
            "labels": [{"id": "VEHICLE", "name": "Vehicle"}, {"id": "PERSON", "name": "Person"}],
            "min_iou": 0.5,
        },
        "calibration": {
            "items_per_quiz": 2,
            "min_items_per_rule": 1,
            "pass_kappa": None,
            "pass_accuracy": 0.5,
            "feedback": "immediate",
        },
        "rules": [
            {"id": "R-ONE", "title": "One box per object", "text": "Each vehicle and person gets one box."},
            {
                "id": "R-HIDDEN",
                "title": "Hidden parts",
                "text": "Include the parts of a person hidden behind something.",
            },
        ],
        "items": items,
    }
    path = folder / "guideline.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def gold_fingerprints(item_id: str) -> list[str]:
    """Strings that appear in the page or a websocket frame only when the item's gold boxes are there.

    Each holds a character outside base64 (quote, colon, comma, space), so the image's data URL
    cannot produce one by chance.
    """
    out = [ITEMS[item_id][2]]
    for _label, x, y, w, h in ITEMS[item_id][1]:
        out += [
            f'"x":{x},"y":{y}',
            f'"x": {x}, "y": {y}',
            f"x {x}, y {y}",
            f"{w} \u00d7 {h}",
            f'"width":{w},"height":{h}',
            f'"width": {w}, "height": {h}',
            f"{w}\u00d7{h} at ({x}, {y})",  # calibration.reports.tables.answer_text
            f"x={x}, y={y}",  # a Box's repr
        ]
    return out


def publish_guideline(engine: Any, folder: Path, lead: Any) -> str:
    """Write the guideline and its images into `folder`, publish it (images included); returns its ref."""
    from calibration.guidelines.loading import read_guideline_file
    from calibration.rounds import service

    loaded = read_guideline_file(write_guideline(folder))
    service.publish(engine, loaded.guideline, lead, images=loaded.images)
    return loaded.guideline.ref


def simulated_answer(item_id: str, who: int) -> list[dict[str, Any]]:
    """Annotator `who`'s boxes on an item of a pilot: the gold boxes, each drawn a little off; annotator 1
    leaves out the last box, annotator 2 draws the first one loosely, annotator 3 mislabels the last."""
    import random

    rng = random.Random(f"{item_id}-{who}")
    gold = ITEMS[item_id][1]
    out = []
    for index, (label, x, y, w, h) in enumerate(gold):
        if who == 1 and index == len(gold) - 1:
            continue
        loose = 14 if who == 2 and index == 0 else 0
        dx, dy = rng.randint(-3, 3) - loose, rng.randint(-3, 3) - loose
        box = {
            "label": "VEHICLE" if who == 3 and index == len(gold) - 1 else label,
            "x": max(0, x + dx),
            "y": max(0, y + dy),
            "width": w + rng.randint(-3, 3) + 2 * loose,
            "height": h + rng.randint(-3, 3) + 2 * loose,
        }
        out.append(box)
    return out


def make_pilot(
    engine: Any, ref: str, lead: Any, names: tuple[str, ...] = ("Ama", "Ben", "Chen", "Dora")
) -> Any:
    """A finished pilot round of the guideline, every item answered by each of `names` (`simulated_answer`)."""
    from calibration.rounds import service

    people = [service.create_user(engine, name, role="annotator", actor=lead) for name in names]
    round_ = service.create_pilot_round(
        engine, "Boxes pilot", ref, actor=lead, annotators=[p.name for p in people], overlap=len(people)
    )
    for who, person in enumerate(people):
        attempt = service.start_or_resume_attempt(engine, round_.id, person)
        for item_id in attempt.items:
            service.record_answer(engine, attempt.id, item_id, simulated_answer(item_id, who), actor=person)
        service.finish_attempt(engine, attempt.id, actor=person)
    return round_
