"""Box answers: draw bounding boxes on the item's image (our own component), and the box feedback.

``frontend/box_draw.js`` (with the frame shared by our widgets, see `widget_frame`) is a small
components-v1 widget (static HTML, CSS and plain JavaScript, no build step, no CDN). The annotator
chooses a label, drags on the image to draw a box, drags a box to move it and its handles to resize
it, relabels the selected box with a label button, removes it with its button or the Delete key, and
zooms with buttons, Ctrl + wheel or + / −; the keyboard can do all of it (see the widget's help
line). Coordinates go back in image pixels, whole numbers, whatever the zoom. The widget lives
inside the answer form, so its value ``{"boxes": [{label, x, y, width, height}, ...]}`` stays in the
browser until the form is submitted: one round trip per answer.

It receives the image (a ``data:`` URL made on the server: the browser fetches nothing), its size,
its alt text, the labels and the annotator's own boxes (none); never a gold answer. Tests without a
browser (AppTest shows the widget as an ``UnknownElement``) set its value through
``st.session_state[f"{key}_boxes"]``.

The reasons for our own widget rather than streamlit-drawable-canvas 0.13 or
streamlit-image-annotation 0.8 are in docs/drawing-boxes.md.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import streamlit as st

from calibration.app.widgets.grid import grid_height
from calibration.app.widgets.widget_frame import declare_widget

HEX_COLORS = ("#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#d62728", "#8c564b", "#e377c2")
NAMED = {
    "blue": "#1f77b4",
    "green": "#2ca02c",
    "orange": "#ff7f0e",
    "violet": "#9467bd",
    "red": "#d62728",
    "yellow": "#bcbd22",
    "gray": "#7f7f7f",
}


def image_mime(data: bytes) -> str:
    """``image/png`` or ``image/jpeg`` from the file's first bytes (other formats are refused upstream)."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return "image/png"


def data_url(data: bytes) -> str:
    """The image as a ``data:`` URL, so the widget's frame needs no request of its own."""
    return f"data:{image_mime(data)};base64,{base64.b64encode(data).decode('ascii')}"


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height in pixels, read from the image header with Pillow."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as picture:
        return int(picture.width), int(picture.height)


def label_color(label: Any, index: int) -> str:
    """The label's own colour (``#rgb``, ``#rrggbb`` or a Streamlit colour name), else one of a cycle."""
    own = str(getattr(label, "color", None) or "")
    if own.startswith("#") and len(own) in (4, 7):
        return own
    return NAMED.get(own.lower(), HEX_COLORS[index % len(HEX_COLORS)])


def boxes_from_value(value: Any) -> Any:
    """The raw box answer in the widget's value ``{"boxes": [...]}``; ``[]`` before any box is drawn.

    A value of another shape is returned as it is, for `calibration.answers.parse_answer` to refuse
    with a message.
    """
    if value is None:
        return []
    if isinstance(value, dict) and isinstance(value.get("boxes"), list):
        return [dict(box) if isinstance(box, dict) else box for box in value["boxes"]]
    return value


def box_drawer(task: Any, image: bytes, *, alt: str, key: str) -> Any:
    """Draw boxes on `image` (inside the answer form); returns the raw boxes drawn so far.

    Args:
        task: the guideline's boxes task (its labels).
        image: the item's PNG or JPEG bytes.
        alt: the image's text alternative (shown as its caption too).
        key: the item's widget-key prefix; the widget's own key is ``f"{key}_boxes"``.
    """
    width, height = image_size(image)
    value = declare_widget("box_draw")(
        image=data_url(image),
        width=width,
        height=height,
        alt=alt,
        labels=[
            {"id": label.id, "name": label.name, "color": label_color(label, index)}
            for index, label in enumerate(task.labels)
        ],
        boxes=[],
        instance=key,
        key=f"{key}_boxes",
        default=None,
    )
    return boxes_from_value(value)


def box_feedback(task: Any, image: bytes, answer: Any, gold: Any) -> None:
    """The gold boxes over the annotator's (Pillow, server side), the IoU of each match and a verdict
    per box. Call only once the item is answered: gold is drawn."""
    import pandas as pd

    from calibration.reports.boxes import check_boxes, draw_feedback

    min_iou = float(task.min_iou)
    st.image(
        draw_feedback(image, list(answer), list(gold)),
        caption=(
            f"Your boxes in blue (1, 2 ...), gold boxes in orange (G1, G2 ...). A box is right at "
            f"IoU ≥ {min_iou:g} with the gold box's label."
        ),
        width="content",
    )
    names = {label.id: label.name for label in task.labels}
    rows = [
        {
            "gold box": f"G{check.gold}" if check.gold else "–",
            "gold label": names.get(check.gold_label or "", check.gold_label or "–"),
            "your box": str(check.yours) if check.yours else "–",
            "your label": names.get(check.your_label or "", check.your_label or "–"),
            "IoU": "–" if check.iou is None else f"{check.iou:.2f}",  # a dash, not None, for no match
            "verdict": ("✓ " if check.correct else "✗ ") + check.verdict,
        }
        for check in check_boxes(list(answer), list(gold), min_iou)
    ]
    if rows:
        st.dataframe(
            pd.DataFrame(rows), hide_index=True, width="stretch", height=grid_height(len(rows), None)
        )
