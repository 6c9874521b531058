"""Downloads of a boxes round for other tools (exports page): gold as COCO JSON, Label Studio tasks and config.

The files are built on click (`calibration.rounds.box_files.round_box_files`), once per click.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from calibration.rounds.box_files import round_box_files


def box_downloads(engine: Any, round_: Any, stem: str) -> None:
    """Three download buttons for the boxes round `round_`; `stem` starts the file names."""

    def build(field: str) -> Callable[[], str]:
        # the round's files are built only when a button is clicked
        return lambda: str(getattr(round_box_files(engine, round_.id), field))

    with st.container(border=True):
        st.markdown("**Boxes for other tools**")
        st.caption(
            "Gold boxes as COCO JSON (CVAT, Label Studio and detectors read it); the round's answers and "
            "gold as Label Studio tasks (percent coordinates of each image), with the labeling config."
        )
        downloads = (
            ("Gold as COCO JSON", "coco_gold", "gold-coco.json", "application/json", "exp_coco"),
            ("Label Studio tasks", "labelstudio_tasks", "labelstudio-tasks.json", "application/json", "exp_ls_tasks"),
            ("Label Studio config", "labelstudio_config", "labelstudio-config.xml", "application/xml", "exp_ls_config"),
        )  # fmt: skip
        for column, (label, field, suffix, mime, key) in zip(st.columns(3), downloads, strict=True):
            column.download_button(
                label,
                build(field),
                file_name=f"{stem}-{suffix}",
                mime=mime,
                key=key,
                on_click="ignore",
                icon=":material/download:",
            )
