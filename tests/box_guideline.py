"""A small boxes guideline with images on disk, for tests of images and box answers (issue 15).

`BOXES_YAML` has two gold items: ``s1`` on ``images/street-01.png`` (20×10 pixels) with a PERSON and a
CAR box, and ``s2`` on ``images/empty.png`` (8×8) with nothing to box; `write_box_guideline` writes it
and its images (tiny Pillow-made PNGs) into a folder.
"""

from __future__ import annotations

from pathlib import Path

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


def write_png(path: Path, size: tuple[int, int] = (20, 10), kind: str = "PNG", color: int = 200) -> Path:
    """A one-colour image of `size` saved as `kind` (PNG, JPEG, GIF ...) at `path`."""
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (color, 30, 30)).save(path, kind)
    return path


def write_box_guideline(folder: Path, text: str = BOXES_YAML, name: str = "street.yaml") -> Path:
    """Write `text` and its two images into `folder`; the guideline file's path."""
    write_png(folder / "images" / "street-01.png")
    write_png(folder / "images" / "empty.png", (8, 8))
    file = folder / name
    file.write_text(text, encoding="utf-8")
    return file
