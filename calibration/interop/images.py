"""The images of a boxes guideline as labeling tools name them: the item of a file name, and image sizes.

Tools know an image by its file name (COCO ``file_name``, CVAT ``<image name=>``) or by a URL whose
last part is the file name (Label Studio ``data.image``, where an upload gets an 8-hex-digit prefix:
``/data/upload/3/8f2c1a9b-so-001.png``). An imported image is matched to the bank item, example or
edge case whose ``input.image`` has the same file name (case-insensitive); an image that matches none
is refused, since the app can only show the images published with the guideline version.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from PIL import Image, UnidentifiedImageError

from calibration.answers import suggest
from calibration.errors import DataError, Location

if TYPE_CHECKING:
    from calibration.guidelines.model import Guideline

_UPLOAD_PREFIX = re.compile(r"^[0-9a-f]{8}-", re.IGNORECASE)


def file_name(reference: str) -> str:
    """The file name in a path or URL: ``/data/upload/3/so-001.png?x=1`` -> ``so-001.png``.

    Label Studio's local-storage URLs carry the path in the ``d`` query parameter
    (``/data/local-files/?d=street/so-001.png``): that path's file name is taken.
    """
    parts = urlsplit(reference.replace("\\", "/"))
    local = parse_qs(parts.query).get("d")
    path = local[0] if local else unquote(parts.path)
    return PurePosixPath(path).name


def image_of(input: Any) -> str | None:
    """The image path of an input (None when it has none)."""
    image = getattr(input, "image", None)
    return str(image) if image else None


def items_by_image(guideline: Guideline) -> dict[str, str]:
    """Bank item id by image file name, lowercased (the first item wins when two show one image)."""
    found: dict[str, str] = {}
    for item in guideline.items:
        image = image_of(item.input)
        if image is not None:
            found.setdefault(file_name(image).casefold(), item.id)
    return found


def item_for_image(reference: str, guideline: Guideline, where: Location) -> str:
    """The bank item showing the image `reference` names (a file name, a path or a URL).

    Raises:
        DataError: no bank item of the guideline shows an image of that file name, naming the place.
    """
    known = items_by_image(guideline)
    name = file_name(reference)
    for candidate in (name, _UPLOAD_PREFIX.sub("", name)):
        if candidate.casefold() in known:
            return known[candidate.casefold()]
    names = sorted({file_name(image_of(i.input) or "") for i in guideline.items if image_of(i.input)})
    raise DataError(
        f"image {name!r} is not an image of {guideline.ref}",
        location=where,
        hint=(suggest(name, names) or "")
        + (" " if suggest(name, names) else "")
        + (
            f"images are matched to bank items by file name ({', '.join(names[:3])}, ...)"
            if names
            else f"{guideline.ref} has no items with an image"
        ),
    )


def image_sizes(guideline: Guideline, folder: str | Path) -> dict[str, tuple[int, int]]:
    """``(width, height)`` of every bank image, by item id, read from the files under `folder`.

    Args:
        guideline: a boxes guideline.
        folder: the folder the image paths are relative to (the guideline file's folder).

    Raises:
        DataError: an image file is missing or is not an image Pillow can read.
    """
    sizes: dict[str, tuple[int, int]] = {}
    for item in guideline.items:
        image = image_of(item.input)
        if image is None:
            continue
        path = Path(folder) / image
        try:
            with Image.open(path) as opened:
                sizes[item.id] = (int(opened.width), int(opened.height))
        except (OSError, UnidentifiedImageError, Image.DecompressionBombError):
            raise DataError(
                f"cannot read the image {image} of item {item.id}",
                location=Location(path=str(path)),
                hint="run `calibration validate` on the guideline file",
            ) from None
    return sizes


def sizes_by_item(guideline: Guideline, images: Iterable[Any]) -> dict[str, tuple[int, int]]:
    """``(width, height)`` by bank item id from image records with ``path``, ``width`` and ``height``
    (the images a published version stores, `calibration.rounds.service.images_of`)."""
    by_path = {str(image.path): (int(image.width), int(image.height)) for image in images}
    return {
        item.id: by_path[image]
        for item in guideline.items
        if (image := image_of(item.input)) is not None and image in by_path
    }


def size_of(sizes: Mapping[str, tuple[int, int]], item_id: str) -> tuple[int, int]:
    """The image size of `item_id`.

    Raises:
        DataError: the size is unknown.
    """
    if item_id not in sizes:
        raise DataError(
            f"the image size of item {item_id} is unknown",
            hint="exports of boxes need the image files (give the guideline file, or its folder)",
        )
    return sizes[item_id]
