"""COCO object-detection JSON -> raw records (box answers), and the gold set as COCO JSON.

A COCO file (cocodataset.org/#format-data) is one JSON object:

===============  ==========================================================  ===========================
key              each entry                                                  used as
===============  ==========================================================  ===========================
``images``       ``{"id", "file_name", "width", "height"}``                  an item, matched by file name
``annotations``  ``{"id", "image_id", "category_id", "bbox": [x, y, w, h]}``  one box (pixels, top-left)
``categories``   ``{"id", "name"}``                                          the box's label, by name
===============  ==========================================================  ===========================

Tools write one file per annotator (CVAT, Label Studio and Roboflow export COCO per project or
job): the annotator is the ``annotator`` option, else the file name's stem. A file holding several
annotators names each annotation's with an ``annotator`` (or ``annotator_id``) field; then every
annotation must carry one. Every image of the file is an answer of every annotator of the file: an
image without their annotations is an answer with no boxes. Crowd regions (``iscrowd: 1``) are not
boxes of one object and are skipped with a warning; a box CVAT exported rotated
(``attributes.rotation`` other than 0) is refused.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from calibration.errors import DataError, Location
from calibration.interop.common import RawImport, RawItem, RawResponse, read_json
from calibration.interop.images import file_name, image_of, item_for_image, size_of

if TYPE_CHECKING:
    from calibration.boxes import Box
    from calibration.guidelines.model import Guideline

EXPECTED = "a COCO JSON file (an object with images, annotations and categories)"
ANNOTATOR_FIELDS = ("annotator", "annotator_id")


def read_coco(data: bytes, source: str, guideline: Guideline, *, annotator: str | None = None) -> RawImport:
    """Read a COCO object-detection JSON file as one annotator's (or several annotators') box answers.

    Args:
        data: the file's bytes.
        source: the file name, for messages (its stem names the annotator by default).
        guideline: a boxes guideline version (images are matched to its bank items by file name).
        annotator: the annotator of the file (default: the file name's stem).

    Returns:
        The `RawImport`; raw answers are lists of ``{label, x, y, width, height}``.

    Raises:
        DataError: not a COCO object (a list, a missing key), an annotation naming an unknown image or
            category, a bbox that is not four numbers with positive width and height, annotator
            fields on some annotations only, an image that is not in the guideline; naming the entry.
    """
    document = read_json(data, source, EXPECTED)
    top = Location(path=source)
    if not isinstance(document, dict) or "annotations" not in document or "images" not in document:
        shape = (
            type(document).__name__ if not isinstance(document, dict) else "object without images/annotations"
        )
        raise DataError(
            f"expected a COCO object with images, annotations and categories, got a JSON {shape}",
            location=top,
            hint="export the task as 'COCO 1.0' (CVAT) or 'COCO' (Label Studio), not as JSON tasks",
        )
    images = _images(document.get("images"), source, guideline)
    categories = _categories(document.get("categories"), source)
    raw = RawImport(format="coco", source=source)
    for item_id, where in images.values():
        raw.add_item(RawItem(item_id, None, where))
    annotations = document.get("annotations")
    if not isinstance(annotations, list):
        raise DataError("annotations must be a list", location=Location(path=source, field="annotations"))
    named = [
        isinstance(a, dict) and any(a.get(f) not in (None, "") for f in ANNOTATOR_FIELDS) for a in annotations
    ]
    if any(named) and not all(named):
        at = named.index(False)
        raise DataError(
            "some annotations name their annotator and this one does not",
            location=Location(path=source, field=f"annotations[{at}]"),
            hint="give every annotation an annotator field, or split the file by annotator",
        )
    default = annotator or PurePosixPath(source).stem
    boxes: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    crowd = 0
    for index, entry in enumerate(annotations):
        where = Location(path=source, field=f"annotations[{index}]" + _id(entry))
        if not isinstance(entry, dict):
            raise DataError("expected an annotation object", location=where, hint=EXPECTED)
        if not _is_id(entry.get("image_id")) or entry.get("image_id") not in images:
            raise DataError(
                f"image_id {entry.get('image_id')!r} is not the id of an entry of images",
                location=where,
                hint="the file may be cut short, or images and annotations come from two exports",
            )
        if entry.get("iscrowd"):
            crowd += 1
            continue
        if not _is_id(entry.get("category_id")) or entry.get("category_id") not in categories:
            raise DataError(
                f"category_id {entry.get('category_id')!r} is not the id of an entry of categories",
                location=where,
                hint=f"the categories are {', '.join(str(c) for c in categories) or 'none'}",
            )
        rotation = (
            (entry.get("attributes") or {}).get("rotation", 0)
            if isinstance(entry.get("attributes"), dict)
            else 0
        )
        if isinstance(rotation, int | float) and rotation % 360:
            raise DataError(
                f"the box is rotated by {rotation:g} degrees; only axis-aligned boxes are answers",
                location=where,
                hint="redraw it without rotation in the tool, or leave the image out of the export",
            )
        who = next((str(entry[f]) for f in ANNOTATOR_FIELDS if entry.get(f) not in (None, "")), default)
        x, y, width, height = _bbox(entry.get("bbox"), where)
        item_id = images[entry["image_id"]][0]
        label = categories[entry["category_id"]]
        boxes[(item_id, who)].append({"label": label, "x": x, "y": y, "width": width, "height": height})
    annotators = sorted({who for _, who in boxes}) or [default]
    for item_id, where in images.values():
        for who in annotators:
            raw.responses.append(RawResponse(item_id, who, boxes.get((item_id, who), []), where))
    if crowd:
        raw.warnings.append(f"{crowd} crowd region(s) (iscrowd: 1) skipped: a box answer boxes one object")
    return raw


def _id(entry: Any) -> str:
    return f" (id {entry['id']})" if isinstance(entry, dict) and "id" in entry else ""


def _images(found: Any, source: str, guideline: Guideline) -> dict[Any, tuple[str, Location]]:
    """Item id and place by COCO image id."""
    if not isinstance(found, list):
        raise DataError("images must be a list", location=Location(path=source, field="images"))
    images: dict[Any, tuple[str, Location]] = {}
    for index, image in enumerate(found):
        where = Location(path=source, field=f"images[{index}]" + _id(image))
        if (
            not isinstance(image, dict)
            or not isinstance(image.get("file_name"), str)
            or not _is_id(image.get("id"))
        ):
            raise DataError(
                "an image needs an id (a number or a string) and a file_name", location=where, hint=EXPECTED
            )
        images[image["id"]] = (item_for_image(image["file_name"], guideline, where), where)
    return images


def _categories(found: Any, source: str) -> dict[Any, str]:
    """Category name by category id."""
    if not isinstance(found, list):
        raise DataError(
            "categories must be a list of {id, name}",
            location=Location(path=source, field="categories"),
            hint="the labels of the boxes come from the category names",
        )
    categories: dict[Any, str] = {}
    for index, category in enumerate(found):
        if (
            not isinstance(category, dict)
            or not _is_id(category.get("id"))
            or not isinstance(category.get("name"), str)
        ):
            raise DataError(
                "a category needs an id (a number or a string) and a name",
                location=Location(path=source, field=f"categories[{index}]"),
                hint=EXPECTED,
            )
        categories[category["id"]] = category["name"]
    return categories


def _bbox(value: Any, where: Location) -> tuple[float, float, float, float]:
    numbers = (
        isinstance(value, list)
        and len(value) == 4
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    )
    if not numbers or value[2] <= 0 or value[3] <= 0:
        raise DataError(
            f"bbox must be [x, y, width, height] with a positive width and height, got {value!r}",
            location=where,
            hint="COCO boxes are in pixels from the top-left corner of the image",
        )
    return float(value[0]), float(value[1]), float(value[2]), float(value[3])


# --------------------------------------------------------------------------- export


def coco_gold(
    guideline: Guideline,
    gold: Mapping[str, tuple[Box, ...]],
    sizes: Mapping[str, tuple[int, int]],
) -> dict[str, Any]:
    """Gold boxes as a COCO object-detection object (``json.dumps`` it to write the file).

    Args:
        guideline: a boxes guideline version (its labels are the categories, in order, ids from 1).
        gold: canonical gold answers by item id (`Guideline.gold_answers`, a round's gold).
        sizes: ``(width, height)`` of each item's image (`calibration.interop.images.image_sizes`).

    Returns:
        ``{"info", "images", "annotations", "categories"}``; images in `gold` order with ids from 1,
        ``file_name`` the item's image file name; ``area`` is width x height.
    """
    bank = {item.id: item for item in guideline.items}
    categories = [
        {"id": number, "name": label.id, "supercategory": ""}
        for number, label in enumerate(guideline.task.labels, start=1)
    ]
    category = {c["name"]: c["id"] for c in categories}
    images: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    for number, (item_id, boxes) in enumerate(gold.items(), start=1):
        width, height = size_of(sizes, item_id)
        image = image_of(bank[item_id].input) if item_id in bank else None
        images.append(
            {
                "id": number,
                "file_name": file_name(image or f"{item_id}.png"),
                "width": width,
                "height": height,
            }
        )
        for box in boxes:
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": number,
                    "category_id": category[box.label],
                    "bbox": [box.x, box.y, box.width, box.height],
                    "area": box.width * box.height,
                    "iscrowd": 0,
                    "segmentation": [],
                }
            )
    return {
        "info": {"description": f"gold boxes of {guideline.ref}", "version": guideline.version},
        "images": images,
        "annotations": annotations,
        "categories": categories,
    }


def coco_json(document: Mapping[str, Any]) -> str:
    """A COCO object as indented JSON text."""
    return json.dumps(dict(document), indent=2, ensure_ascii=False) + "\n"


def _is_id(value: Any) -> bool:
    """A COCO id: an integer or a string (a list or an object would not even be a dictionary key)."""
    return isinstance(value, int | str) and not isinstance(value, bool)
