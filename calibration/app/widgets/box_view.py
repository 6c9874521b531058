"""The lead's box view: the worst images drawn with every annotator's boxes, and alpha against the IoU
threshold (dashboard and revision queue of a boxes round).

Pictures are drawn on the server with Pillow (`calibration.reports.boxes`), one colour per annotator
with a legend; the curve is a plotly figure of `calibration.agreement.boxes.alpha_by_threshold`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from calibration.app import state
from calibration.app.widgets.images import input_image
from calibration.app.widgets.text import escape_markdown
from calibration.boxes import Box
from calibration.reports.boxes import alpha_curve_figure, draw_annotators, worst_images
from calibration.responses import ANNOTATOR, ANSWER, ITEM


def boxes_by_annotator(responses: pd.DataFrame, item_id: str) -> dict[str, list[Box]]:
    """Every annotator's boxes on one image (canonical answers: tuples of `Box`), in answer order."""
    rows = responses[responses[ITEM] == item_id]
    return {
        str(who): [Box(*b) for b in (answer or ())]
        for who, answer in zip(rows[ANNOTATOR], rows[ANSWER], strict=True)
    }


def show_images_with_boxes(round_: Any, data: Any, item_ids: Sequence[str], *, columns: int = 2) -> None:
    """Each image of `item_ids` with every annotator's boxes on it (one colour each, legend below)."""
    items = state.round_items(round_.id)
    shown = [i for i in item_ids if i in items]
    if not shown:
        st.caption("No image to show.")
        return
    grid = st.columns(columns)
    for index, item_id in enumerate(shown):
        item = items[item_id]
        image = input_image(round_.guideline_ref, item.input)
        with grid[index % columns]:
            if image is None:
                st.warning(f"The image of item {escape_markdown(item_id)} is not in the database.")
                continue
            alt = getattr(item.input, "alt", None) or ""
            st.image(
                draw_annotators(image, boxes_by_annotator(data.responses, item_id)),
                caption=escape_markdown(f"{item_id} · {alt}" if alt else item_id),
                width="stretch",
            )


def _box_agreement(data: Any) -> Any:
    from calibration.agreement.boxes import box_agreement

    return box_agreement(data.responses, data.guideline.task, data.item_rules)


def show_box_dashboard(round_: Any, data: Any, *, n_images: int = 4) -> None:
    """Box agreement of a boxes round: alpha against the IoU threshold and the worst images."""
    from calibration.agreement.boxes import alpha_by_threshold

    marker = state.latest_response_marker(round_.id)
    result = state.cached_analysis("box_agreement", round_.id, marker, _box_agreement)
    st.subheader("Boxes: agreement by IoU threshold")
    st.plotly_chart(alpha_curve_figure(alpha_by_threshold(result)), key="box_alpha_curve", width="stretch")
    st.caption(
        "Alpha with distance 1 − IoU between matched boxes; at threshold t, matched boxes below IoU t "
        "count as not matched. A steep fall says annotators find the same objects but draw their "
        "edges differently (a boundary rule is unclear)."
    )
    st.subheader("Boxes: the images annotators disagree on most")
    show_images_with_boxes(round_, data, worst_images(result.items, n_images))
