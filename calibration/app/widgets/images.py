"""Images of items, examples and edge cases: read from the database (per published version), shown with
their alt text.

Images live in the database with the published guideline version that holds them, so every app server
on one database shows the same pictures. They never change once published, so their bytes are cached
per database, version and path (shared across sessions, read-only).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from calibration.app import state
from calibration.app.widgets.text import escape_markdown


@st.cache_resource(max_entries=256, show_spinner=False)
def _image_bytes(url: str | None, ref: str, path: str) -> bytes | None:
    from calibration.errors import NotFoundError
    from calibration.rounds import service

    engine = state.get_engine()
    guideline_id, _, version = ref.partition("@")
    published = [v for v in service.list_guideline_versions(engine, guideline_id) if v.version == version]
    if not published:
        return None
    try:
        return service.image_of(engine, published[0].id, path).data
    except NotFoundError:
        return None


def input_image(guideline_ref: str, input: Any) -> bytes | None:
    """The PNG or JPEG bytes of an input's image (None when the input has no image or it is missing)."""
    path = getattr(input, "image", None)
    if not path:
        return None
    return _image_bytes(state.database_url(), guideline_ref, str(path))


def show_image(image: bytes, alt: str | None) -> None:
    """An image with its alt text as the caption (text, escaped: alt text is the author's data)."""
    st.image(image, caption=escape_markdown(alt) if alt else None, width="content")


def show_input_image(guideline_ref: str, input: Any) -> None:
    """The input's image with its alt text, if it has one; a warning when the image cannot be read."""
    if not getattr(input, "image", None):
        return
    image = input_image(guideline_ref, input)
    if image is None:
        st.warning(
            f"The image {escape_markdown(str(input.image))} of this item is not in the database.",
            icon=":material/broken_image:",
        )
        return
    show_image(image, getattr(input, "alt", None))
