"""The lead's box view: the worst images drawn with every annotator's boxes, and alpha against the IoU
threshold (dashboard, revision queue and adjudication of a boxes round).

Pictures are drawn on the server with Pillow (`calibration.reports.boxes`), one colour per annotator
with a legend; the curve is the round analysis's ``thresholds`` figure
(`calibration.reports.charts.alpha_threshold_figure`).
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
from calibration.reports.boxes import draw_annotators
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


def _image_disagreement(data: Any) -> pd.DataFrame:
    from calibration.agreement.boxes import box_item_disagreement

    return box_item_disagreement(data.responses, data.guideline.task)


def worst_image_ids(round_: Any, n: int = 4) -> list[str]:
    """The `n` images of a boxes round with the highest observed box disagreement (distance 1 − IoU
    over matched boxes, 1 for a box no other annotator drew: `box_item_disagreement`), cached until
    the round gets a new answer."""
    marker = state.latest_response_marker(round_.id)
    items = state.cached_analysis("box_item_disagreement", round_.id, marker, _image_disagreement)
    ranked = items["disagreement"].dropna().sort_values(ascending=False, kind="stable")
    return [str(i) for i in ranked.index[:n]]


def show_box_dashboard(round_: Any, data: Any, figures: dict[str, Any], *, n_images: int = 4) -> None:
    """Box agreement of a boxes round: alpha against the IoU threshold (the analysis's ``thresholds``
    figure) and the images annotators disagree on most, drawn with every annotator's boxes."""
    st.subheader("Boxes: agreement by IoU threshold")
    if "thresholds" in figures:
        st.plotly_chart(figures["thresholds"], key="box_alpha_curve", width="stretch")
    st.caption(
        "Alpha with distance 1 − IoU between matched boxes; at threshold t, matched boxes below IoU t "
        "count as not matched. A steep fall says annotators find the same objects but draw their "
        "edges differently (a boundary rule is unclear)."
    )
    st.subheader("Boxes: the images annotators disagree on most")
    show_images_with_boxes(round_, data, worst_image_ids(round_, n_images))
