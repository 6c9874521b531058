"""Account (every signed-in role): who you are signed in as, and changing your own password."""

import streamlit as st

from calibration.app import auth, state
from calibration.auth import check_repeated
from calibration.errors import CalibrationError
from calibration.rounds import service

user = state.require_role()

st.title("Account")
st.markdown(
    "  \n".join(
        [
            f"**Name:** {state.escape_markdown(user.name)}",
            f"**Email:** {state.escape_markdown(user.email) if user.email else 'none (invitation link only)'}",
            f"**Role:** {state.ROLE_NAMES.get(user.role, user.role)}",
        ]
    )
)

if not user.has_password:
    st.subheader("Choose a password")
    st.info(
        "You have no password: you signed in with an invitation link. Choose one to sign in again "
        f"later on the Sign in page with your {'email' if user.email else 'name'} and this password, "
        "without a new link.",
        icon=":material/link:",
    )
    st.caption("8 characters or more, not your name or email.")
    with st.form("account_first_password_form", clear_on_submit=False):
        new = st.text_input("Password", type="password", key="account_first_new", autocomplete="new-password")
        repeat = st.text_input(
            "Repeat the password", type="password", key="account_first_repeat", autocomplete="new-password"
        )
        submitted = st.form_submit_button(
            "Set my password", type="primary", key="account_first_submit", icon=":material/key:"
        )
    if submitted:
        try:
            check_repeated(new, repeat)
            updated = service.set_first_password(state.get_engine(), user, new)
        except CalibrationError as error:
            state.render_error(error)
            st.stop()
        state.sign_in_as(updated)  # this session keeps going with the new session version
        st.success(state.NOTICES["password-created"], icon=":material/check_circle:")
        auth.remember_browser(updated.id, next_path="account", notice="password-created")
    st.stop()

st.subheader("Change your password")
st.caption(
    "8 characters or more, not your name or email, not your current password. Changing it signs you "
    "out everywhere else (other browsers, other devices); this browser stays signed in."
)
with st.form("account_password_form", clear_on_submit=False):
    current = st.text_input(
        "Current password", type="password", key="account_current", autocomplete="current-password"
    )
    new = st.text_input("New password", type="password", key="account_new", autocomplete="new-password")
    repeat = st.text_input(
        "Repeat the new password", type="password", key="account_repeat", autocomplete="new-password"
    )
    submitted = st.form_submit_button(
        "Change my password", type="primary", key="account_submit", icon=":material/lock_reset:"
    )
if submitted:
    try:
        check_repeated(new, repeat)
        updated = service.change_own_password(
            state.get_engine(), user, current, new, client=state.client_address()
        )
    except CalibrationError as error:
        state.render_error(error)
        st.stop()
    state.sign_in_as(updated)  # this session keeps going with the new session version
    st.success(state.NOTICES["password-changed"], icon=":material/check_circle:")
    # a cookie with the new session version; the confirmation shows again after the redirect
    auth.remember_browser(updated.id, next_path="account", notice="password-changed")
