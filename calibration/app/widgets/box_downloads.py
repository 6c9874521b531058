"""Downloads of a boxes round for other tools (exports page): gold as COCO JSON, Label Studio tasks and config.

The files are built on click (`calibration.rounds.box_files.round_box_files`), once per click.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from calibration.rounds.box_files import BoxFiles, round_box_files


def box_downloads(engine: Any, round_: Any, stem: str) -> None:
    """Three download buttons for the boxes round `round_`; `stem` starts the file names."""

    def files() -> BoxFiles:
        return round_box_files(engine, round_.id)

    with st.container(border=True):
        st.markdown("**Boxes for other tools**")
        st.caption(
            "Gold boxes as COCO JSON (CVAT, Label Studio and detectors read it); the round's answers and "
            "gold as Label Studio tasks (percent coordinates of each image), with the labeling config."
        )
        left, middle, right = st.columns(3)
        left.download_button(
            "Gold as COCO JSON",
            lambda: files().coco_gold,
            file_name=f"{stem}-gold-coco.json",
            mime="application/json",
            key="exp_coco",
            on_click="ignore",
            icon=":material/download:",
        )
        middle.download_button(
            "Label Studio tasks",
            lambda: files().labelstudio_tasks,
            file_name=f"{stem}-labelstudio-tasks.json",
            mime="application/json",
            key="exp_ls_tasks",
            on_click="ignore",
            icon=":material/download:",
        )
        right.download_button(
            "Label Studio config",
            lambda: files().labelstudio_config,
            file_name=f"{stem}-labelstudio-config.xml",
            mime="application/xml",
            key="exp_ls_config",
            on_click="ignore",
            icon=":material/download:",
        )
