"""Choosing one of a page's records (a round, a user) in a select box that remembers the choice."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import streamlit as st

T = TypeVar("T")


def pick_one(
    label: str, by_id: Mapping[Any, T], *, key: str, default: Any, describe: Callable[[T], str]
) -> T:
    """A select box over the records `by_id` (non-empty); the chosen record.

    It opens on `default` (an id) and keeps the session's choice while that record is still listed;
    when it is not (deleted, or published if a draft, in another session), it says so and opens on
    `default`.
    """
    if st.session_state.get(key) not in by_id:
        if st.session_state.get(key) is not None:
            st.warning(
                f"The {label.lower()} you had chosen is no longer listed (deleted or changed in another "
                "session): this is another one.",
                icon=":material/info:",
            )
        st.session_state[key] = default
    chosen = st.selectbox(label, list(by_id), format_func=lambda i: describe(by_id[i]), key=key)
    return by_id[chosen]
