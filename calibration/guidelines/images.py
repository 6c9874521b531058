"""Images of a guideline: read each file next to the guideline, check it is a safe PNG or JPEG, and size it.

An input's ``image`` is a path relative to the guideline file (as written, e.g. ``images/street-01.png``).
`read_images` reads and decodes every image a guideline uses once, and reports each problem at the
input's ``image`` field: a path outside the guideline's folder, a missing file, a file over
`MAX_IMAGE_BYTES`, a file that is not a PNG or JPEG or does not decode, and an image over
`MAX_IMAGE_PIXELS` (a decompression bomb is refused from its header, before any pixel is decoded).
`box_problems` checks gold boxes against the image size. Pillow does the decoding.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from PIL import Image, UnidentifiedImageError

from calibration.answers import parse_answer
from calibration.errors import AnswerError

if TYPE_CHECKING:
    from calibration.guidelines.model import Guideline

MAX_IMAGE_BYTES = 20 * 1024 * 1024
"""Largest image file accepted (20 MB)."""
MAX_IMAGE_PIXELS = 50_000_000
"""Largest image accepted, in pixels (width × height): 50 megapixels."""
MEDIA_TYPES: dict[str, str] = {"PNG": "image/png", "JPEG": "image/jpeg"}
"""Accepted Pillow formats and their media types."""
_SUFFIXES: dict[str, str] = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}

FieldPath = tuple[str | int, ...]
Found = tuple[FieldPath, str, str | None, str]
"""A problem: ``(field path, message, hint, code)``."""


class ImageFile(NamedTuple):
    """A decoded, checked image: its path as written in the guideline, media type, size and bytes."""

    path: str
    media_type: str
    width: int
    height: int
    data: bytes

    @property
    def sha256(self) -> str:
        """SHA-256 (hex) of the file's bytes."""
        return hashlib.sha256(self.data).hexdigest()


class ImageError(ValueError):
    """An image file that cannot be used; `message`, `hint` and `code` say why and what to do."""

    def __init__(self, message: str, hint: str | None = None, code: str = "image_invalid") -> None:
        super().__init__(message)
        self.message, self.hint, self.code = message, hint, code


def image_inputs(guideline: Guideline) -> Iterator[tuple[FieldPath, Any]]:
    """``(field path, input)`` of every example, edge case and item input that has an image."""
    for r, rule in enumerate(guideline.rules):
        for kind in ("examples", "edge_cases"):
            for e, example in enumerate(getattr(rule, kind)):
                if example.input.image is not None:
                    yield ("rules", r, kind, e), example.input
    for i, item in enumerate(guideline.items):
        if item.input.image is not None:
            yield ("items", i), item.input


def decode_image(path: str, data: bytes) -> ImageFile:
    """Check `data` is a PNG or JPEG within the limits, decode it, and return it with its size.

    Raises:
        ImageError: too large, not a PNG or JPEG, too many pixels (a decompression bomb), or does not decode.
    """
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageError(
            f"image {path} is {len(data) / 1024 / 1024:.1f} MB; the limit is {MAX_IMAGE_BYTES // 1024 // 1024} MB",
            "shrink or recompress the image",
            "image_too_large",
        )
    with warnings.catch_warnings():
        # Pillow warns on huge images (and raises on larger ones); our own pixel limit, checked
        # from the header before any pixel is decoded, is lower and says why
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                kind = image.format or "unknown"
                width, height = image.size
                if kind not in MEDIA_TYPES:
                    raise ImageError(
                        f"image {path} is a {kind} file; expected PNG or JPEG",
                        "convert it to PNG or JPEG",
                    )
                _check_pixels(path, width, height)
                image.load()
        except ImageError:
            raise
        except Image.DecompressionBombError:
            raise ImageError(
                f"image {path} has too many pixels to decode safely (a decompression bomb?); "
                f"the limit is {MAX_IMAGE_PIXELS:,} pixels",
                "use a smaller image",
                "image_too_large",
            ) from None
        except UnidentifiedImageError:
            raise ImageError(
                f"image {path} is not a PNG or JPEG image (Pillow cannot read it)", "save it as PNG or JPEG"
            ) from None
        except (OSError, ValueError, SyntaxError) as error:  # truncated or corrupt pixel data
            raise ImageError(
                f"image {path} does not decode: {error}", "export the image again as PNG or JPEG"
            ) from None
    suffix = Path(path).suffix.lower()
    if _SUFFIXES.get(suffix) != kind:
        raise ImageError(
            f"image {path} is a {kind} file but is named {suffix or 'without an extension'}",
            f"name it {'.png' if kind == 'PNG' else '.jpg'}",
        )
    return ImageFile(path, MEDIA_TYPES[kind], int(width), int(height), bytes(data))


def _check_pixels(path: str, width: int, height: int) -> None:
    if width * height > MAX_IMAGE_PIXELS:
        raise ImageError(
            f"image {path} is {width}×{height} = {width * height:,} pixels; the limit is "
            f"{MAX_IMAGE_PIXELS:,} (a larger image could be a decompression bomb)",
            "scale the image down",
            "image_too_large",
        )


def read_image(base: Path, path: str) -> ImageFile:
    """Read and check the image `path` (relative to the folder `base`).

    Raises:
        ImageError: the path leaves `base`, the file is missing or unreadable, or `decode_image` refuses it.
    """
    relative = Path(path)
    if relative.is_absolute() or ".." in relative.parts:
        raise ImageError(
            f"image path {path!r} must stay inside the guideline's folder",
            "write a path relative to the guideline file, such as images/photo.png",
            "image_path",
        )
    root = base.resolve()
    file = (root / relative).resolve()
    if not file.is_relative_to(root):
        raise ImageError(
            f"image path {path!r} leads outside the guideline's folder (a link?)",
            "copy the image next to the guideline",
            "image_path",
        )
    if not file.is_file():
        raise ImageError(
            f"image file {path} not found next to the guideline",
            f"the path is relative to the guideline file's folder ({base})",
            "image_missing",
        )
    size = file.stat().st_size
    if size > MAX_IMAGE_BYTES:
        raise ImageError(
            f"image {path} is {size / 1024 / 1024:.1f} MB; the limit is {MAX_IMAGE_BYTES // 1024 // 1024} MB",
            "shrink or recompress the image",
            "image_too_large",
        )
    try:
        data = file.read_bytes()
    except OSError as error:
        raise ImageError(f"image {path} cannot be read: {error.strerror}", None, "image_missing") from None
    return decode_image(path, data)


def read_images(guideline: Guideline, base: Path) -> tuple[dict[str, ImageFile], list[Found]]:
    """Every image `guideline` uses, read from `base`, and the problems found (at each input's ``image``).

    Returns:
        ``(images by path as written, problems)``; an image with a problem is left out of the mapping.
    """
    images: dict[str, ImageFile] = {}
    failed: dict[str, ImageError] = {}
    found: list[Found] = []
    for at, input in image_inputs(guideline):
        path = input.image
        if path not in images and path not in failed:
            try:
                images[path] = read_image(base, path)
            except ImageError as error:
                failed[path] = error
        if path in failed:
            problem = failed[path]
            found.append(((*at, "input", "image"), problem.message, problem.hint, problem.code))
    return images, found


def box_problems(guideline: Guideline, images: Mapping[str, ImageFile]) -> list[Found]:
    """Gold boxes (items, examples, edge cases of a boxes task) that leave their image, at each box."""
    task = guideline.task
    if task.type != "boxes":
        return []
    golds: list[tuple[FieldPath, Any, Any]] = []
    for r, rule in enumerate(guideline.rules):
        for kind in ("examples", "edge_cases"):
            for e, example in enumerate(getattr(rule, kind)):
                golds.append((("rules", r, kind, e), example.input, example.answer))
    golds += [(("items", i), item.input, item.answer) for i, item in enumerate(guideline.items)]
    found: list[Found] = []
    for at, input, answer in golds:
        image = images.get(input.image) if input.image is not None else None
        if image is None or not isinstance(answer, list | tuple):
            continue
        for k, raw in enumerate(answer):
            try:
                (box,) = parse_answer(task, [raw], input)
            except (AnswerError, ValueError):
                continue  # reported by the answer checks
            if box.x + box.width > image.width or box.y + box.height > image.height:
                found.append(
                    (
                        (*at, "answer", k),
                        f"{box.label} box ({box.x}, {box.y}, {box.width}×{box.height}) reaches "
                        f"({box.x + box.width}, {box.y + box.height}), outside the "
                        f"{image.width}×{image.height} image {image.path}",
                        "boxes are in image pixels from the top-left corner; keep x + width and y + height "
                        "within the image",
                        "box_outside_image",
                    )
                )
    return found
