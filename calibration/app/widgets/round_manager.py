"""The rounds page's "Manage round" section: archive or unarchive, delete (confirmed by name), remove the demo."""

from __future__ import annotations

from typing import Any

import streamlit as st

from calibration.app import state
from calibration.errors import CalibrationError
from calibration.rounds import service
from calibration.rounds.demo_workspace import demo_round_names, remove_demo_workspace
from calibration.wording import counted

NOTICE_KEY = "rounds_manage_notice"


def _done(message: str) -> None:
    st.session_state[NOTICE_KEY] = message
    st.rerun()


def show_notice() -> None:
    """The outcome of the last management action (shown once, above the round picker)."""
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.success(state.escape_markdown(notice), icon=":material/check_circle:")


def manage_round(engine: Any, user: Any, round_: Any) -> None:
    """Archive or unarchive `round_`, or delete it after its name is typed again."""
    with st.container(border=True):
        st.markdown("**Manage round**")
        left, right = st.columns(2)
        with left:
            if round_.archived:
                st.caption("Archived: hidden from annotators and from the default selections; data kept.")
                if st.button(
                    "Unarchive the round", key=f"rounds_unarchive_{round_.id}", icon=":material/unarchive:"
                ):
                    _act(lambda: service.archive_round(engine, round_.id, actor=user, unarchive=True))
                    _done(f"{round_.name} is back in the lists.")
            else:
                st.caption(
                    "Archiving hides the round from annotators and from default selections; data kept."
                )
                if st.button(
                    "Archive the round", key=f"rounds_archive_{round_.id}", icon=":material/archive:"
                ):
                    _act(lambda: service.archive_round(engine, round_.id, actor=user))
                    _done(f"{round_.name} is archived.")
        with right:
            st.caption("Deleting removes the round with every answer and attempt; it cannot be undone.")
            typed = st.text_input("Type the round's name to delete it", key=f"rounds_delete_name_{round_.id}")
            if st.button(
                "Delete the round",
                key="rounds_delete",
                icon=":material/delete_forever:",
                disabled=typed.strip() != round_.name,
            ):
                removed = _act(lambda: service.delete_round(engine, round_.id, actor=user, confirm=typed))
                state.forget_round_caches()
                st.session_state.pop("rounds_pick", None)
                _done(f"{round_.name} is deleted with {counted(removed['responses'], 'answer')}.")


def manage_demo(engine: Any, user: Any, names: set[str]) -> None:
    """Offer to remove the demo workspace when one of its rounds is among `names`."""
    if not set(demo_round_names()) & names:
        return
    with st.container(border=True):
        st.markdown(
            "**Demo workspace**: remove its pilot rounds, their answers and the simulated *(demo)* annotators."
        )
        sure = st.checkbox("Yes, remove the demo workspace", key="rounds_demo_confirm")
        if (
            st.button(
                "Remove the demo workspace",
                key="rounds_demo_remove",
                icon=":material/delete_sweep:",
                disabled=not sure,
            )
            and sure
        ):  # the box is checked on the server too, not only by the disabled button
            removed = _act(lambda: remove_demo_workspace(engine, actor=user))
            state.forget_round_caches()
            st.session_state.pop("rounds_pick", None)
            _done(
                f"Demo workspace removed: {counted(removed['rounds'], 'round')}, {counted(removed['users'], 'simulated annotator')}."
            )


def _act(action: Any) -> Any:
    try:
        return action()
    except CalibrationError as error:
        state.render_error(error)
        st.stop()
