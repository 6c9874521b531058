"""The forced password change: after a lead chose a user's password, no page opens until they choose their own."""

from __future__ import annotations

from typing import Any

import streamlit as st


def choose_own_password(user: Any) -> None:
    """Show the "choose your own password" form in place of the page, then stop the page.

    Called by `calibration.app.state.require_role` on every page run while the user's
    ``must_change_password`` is set (a lead reset the password, or added the account with a temporary
    one), so no page can be reached before the change, whatever the URL. On success the user is
    signed in again with the new session version (the change ends every other session).
    """
    from calibration.app import auth, state
    from calibration.auth import check_repeated
    from calibration.errors import CalibrationError
    from calibration.rounds import service

    st.title("Choose a new password")
    st.info(
        f"{state.escape_markdown(user.name)}, your lead gave you a temporary password. Choose your own "
        "before you continue: 8 characters or more, not the temporary one, not your name or email.",
        icon=":material/key:",
    )
    with st.form("password_change_form"):
        new = st.text_input(
            "New password", type="password", key="password_change_new", autocomplete="new-password"
        )
        repeat = st.text_input(
            "Repeat the new password",
            type="password",
            key="password_change_repeat",
            autocomplete="new-password",
        )
        submitted = st.form_submit_button(
            "Set my password", type="primary", key="password_change_submit", icon=":material/lock_reset:"
        )
    if submitted:
        try:
            check_repeated(new, repeat)
            updated = service.replace_temporary_password(state.get_engine(), user, new)
        except CalibrationError as error:
            state.render_error(error)
            st.stop()
        state.sign_in_as(updated)
        st.success("Your password is set. Opening the app…", icon=":material/check_circle:")
        auth.remember_browser(updated.id, notice="password-set")  # confirmed again after the redirect
    st.stop()
