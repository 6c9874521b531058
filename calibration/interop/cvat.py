"""CVAT for images 1.1 XML -> raw records (box answers), one file per annotator.

CVAT's "CVAT for images 1.1" export (docs.cvat.ai, "CVAT for images" format) is::

    <annotations>
      <version>1.1</version>
      <meta>...</meta>
      <image id="0" name="so-001.png" width="320" height="240">
        <box label="car" source="manual" occluded="0" xtl="17.00" ytl="185.00" xbr="112.00"
             ybr="228.00" z_order="0"/>
        <polygon label="person" points="..."/>
      </image>
    </annotations>

Each ``<image>`` is an item, matched to the guideline's bank by its ``name`` (file name); its
``<box>`` elements are the annotator's boxes (corners ``xtl, ytl`` and ``xbr, ybr`` in pixels); an
image without boxes is an answer with no boxes. Other shapes (polygons, polylines, points, masks,
tags) are not boxes and are ignored with a warning; a rotated box (``rotation`` other than 0) is
refused. The annotator is the ``annotator`` option, else the job's assignee
(``<meta><job><assignee><username>``, in a job's export), else the file name's stem. The video flavour
(``<track>`` elements) is refused: export the task as "CVAT for images 1.1".
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from calibration.errors import DataError, Location
from calibration.interop.common import RawImport, RawItem, RawResponse, decode_text
from calibration.interop.images import item_for_image

if TYPE_CHECKING:
    from calibration.guidelines.model import Guideline

EXPECTED = "a CVAT for images 1.1 XML export (<annotations> with <image> and <box> elements)"
OTHER_SHAPES = ("polygon", "polyline", "points", "mask", "tag", "skeleton", "ellipse", "cuboid")


def read_cvat(data: bytes, source: str, guideline: Guideline, *, annotator: str | None = None) -> RawImport:
    """Read a CVAT for images 1.1 XML export as one annotator's box answers.

    Args:
        data: the file's bytes.
        source: the file name (its stem names the annotator by default).
        guideline: a boxes guideline version.
        annotator: the annotator of the file (default: the job's assignee, else the file name's stem).

    Returns:
        The `RawImport`; raw answers are lists of ``{label, x, y, width, height}``.

    Raises:
        DataError: invalid XML (with line and column), a DOCTYPE, the video flavour, a box without
            its label or corners, a rotated box, an image that is not in the guideline; naming it.
    """
    text = decode_text(data, source)
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise DataError(
            "the XML declares a DOCTYPE or entities, which are not accepted",
            location=Location(path=source),
            hint=f"expected {EXPECTED}",
        )
    try:
        root = ET.fromstring(text)
    except ET.ParseError as error:
        line, column = error.position
        truncated = "no element found" in str(error) or "unclosed token" in str(error)
        raise DataError(
            "the XML ends early (truncated file?)"
            if truncated
            else f"invalid XML: {str(error).split(':')[0]}",
            location=Location(path=source, line=line, column=column + 1),
            hint=f"expected {EXPECTED}; download the export again",
        ) from None
    if root.tag != "annotations":
        raise DataError(
            f"the root element is <{root.tag}>, not <annotations>",
            location=Location(path=source, line=1),
            hint=f"expected {EXPECTED}",
        )
    if root.find("track") is not None:
        raise DataError(
            "this is a CVAT for video export (<track> elements)",
            location=Location(path=source),
            hint="export the task as 'CVAT for images 1.1'",
        )
    assignee = (root.findtext("meta/job/assignee/username") or "").strip()
    who = annotator or assignee or PurePosixPath(source).stem
    raw = RawImport(format="cvat", source=source)
    ignored: Counter[str] = Counter()
    for position, image in enumerate(root.iter("image")):
        name = image.get("name")
        where = Location(path=source, field=f"image {image.get('id', position)} ({name})")
        if not name:
            raise DataError("an <image> has no name", location=where, hint=EXPECTED)
        item_id = item_for_image(name, guideline, where)
        raw.add_item(RawItem(item_id, None, where))
        boxes = [_box(element, index, where) for index, element in enumerate(image.iter("box"))]
        for shape in OTHER_SHAPES:
            ignored[shape] += len(image.findall(shape))
        raw.responses.append(RawResponse(item_id, who, boxes, where))
    if not raw.items:
        raise DataError("the file has no <image> elements", location=Location(path=source), hint=EXPECTED)
    shapes = ", ".join(f"{count} {shape}" for shape, count in sorted(ignored.items()) if count)
    if shapes:
        raw.warnings.append(f"shapes that are not boxes were ignored: {shapes}")
    return raw


def _box(element: ET.Element, index: int, image: Location) -> dict[str, Any]:
    where = Location(path=image.path, field=f"{image.field}, box {index + 1}")
    label = element.get("label")
    if not label:
        raise DataError("a <box> has no label", location=where, hint=EXPECTED)
    try:
        xtl, ytl, xbr, ybr = (float(element.get(k, "")) for k in ("xtl", "ytl", "xbr", "ybr"))
        rotation = float(element.get("rotation", "0") or 0)
    except ValueError:
        raise DataError(
            "a <box> needs numeric xtl, ytl, xbr and ybr", location=where, hint="corners in pixels"
        ) from None
    if rotation % 360:
        raise DataError(
            f"the box is rotated by {rotation:g} degrees; only axis-aligned boxes are answers",
            location=where,
            hint="redraw it without rotation in CVAT, or leave the image out of the import",
        )
    if xbr <= xtl or ybr <= ytl:
        raise DataError(
            f"the box has no area (xtl={xtl:g}, ytl={ytl:g}, xbr={xbr:g}, ybr={ybr:g})",
            location=where,
            hint="xbr must be right of xtl and ybr below ytl",
        )
    return {"label": label, "x": xtl, "y": ytl, "width": round(xbr - xtl, 6), "height": round(ybr - ytl, 6)}
