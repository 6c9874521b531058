"""The forced password change: after a lead chose a user's password, no page opens until they choose their own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st


def choose_own_password(user: Any) -> None:
    """Show the "choose your own password" form in place of the page, then stop the page.

    Called by `calibration.app.state.require_role` on every page run while the user's
    ``must_change_password`` is set (a lead reset the password, or added the account with a temporary
    one), so no page can be reached before the change, whatever the URL. On success the user is
    signed in again with the new session version (the change ends every other session).
    """
    from calibration.app import state
    from calibration.rounds import service

    st.title("Choose a new password")
    st.info(
        f"{state.escape_markdown(user.name)}, your lead gave you a temporary password. Choose your own "
        "before you continue: 8 characters or more, not the temporary one, not your name, a part of it or your email.",
        icon=":material/key:",
    )
    entered = password_form(
        "password_change_form", "password_change", submit="Set my password", icon=":material/lock_reset:"
    )
    if entered is not None:
        _, new, repeat = entered
        save_password(
            lambda: service.replace_temporary_password(state.get_engine(), user, new),
            new,
            repeat,
            success="Your password is set. Opening the app…",
            notice="password-set",  # confirmed again after the redirect
        )
    st.stop()


def password_form(
    form_key: str,
    key: str,
    *,
    submit: str,
    icon: str,
    current: bool = False,
    labels: tuple[str, str] = ("New password", "Repeat the new password"),
) -> tuple[str, str, str] | None:
    """A password form: (current password or "", new, repeated) once submitted, else None.

    Widget keys are ``{key}_current``, ``{key}_new``, ``{key}_repeat`` and ``{key}_submit``.
    """
    with st.form(form_key, clear_on_submit=False):
        old = ""
        if current:
            old = st.text_input(
                "Current password", type="password", key=f"{key}_current", autocomplete="current-password"
            )
        new = st.text_input(labels[0], type="password", key=f"{key}_new", autocomplete="new-password")
        repeat = st.text_input(labels[1], type="password", key=f"{key}_repeat", autocomplete="new-password")
        submitted = st.form_submit_button(submit, type="primary", key=f"{key}_submit", icon=icon)
    return (old, new, repeat) if submitted else None


def save_password(
    change: Callable[[], Any],
    new: str,
    repeat: str,
    *,
    success: str,
    notice: str,
    next_path: str = "",
) -> None:
    """Check the password was typed twice alike, run `change` (the library call storing it), then sign
    this session in again with the new session version and re-issue the browser's cookie; an error is
    shown in place and stops the page."""
    from calibration.app import auth, state
    from calibration.auth import check_repeated
    from calibration.errors import CalibrationError

    try:
        check_repeated(new, repeat)
        updated = change()
    except CalibrationError as error:
        state.render_error(error)
        st.stop()
    state.sign_in_as(updated)  # this session keeps going with the new session version
    st.success(success, icon=":material/check_circle:")
    auth.remember_browser(updated.id, next_path=next_path, notice=notice)
