"""The join page's form for an account invitation (``join?invite=TOKEN`` made on the Users page).

An account invitation carries a role instead of a round: the invited person chooses a name (leads and
authors also an email and a password, to sign in again), and is signed in as the new user.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from calibration.app import auth, state
from calibration.auth import check_repeated
from calibration.errors import CalibrationError
from calibration.rounds import service

ROLE_NAMES = {"annotator": "an annotator", "author": "a guideline author", "lead": "a lead"}


def join_as_new_user(engine: Any, token: str, role: str) -> None:
    """Render the sign-up form of an account invitation of `role`, and redeem it when submitted."""
    st.title("Create your account")
    st.markdown(f"You are invited to the calibration trainer as **{ROLE_NAMES.get(role, role)}**.")
    needs_password = role != "annotator"
    with st.form("join_account_form"):
        name = st.text_input(
            "Your name (others see it)",
            key="join_account_name",
            placeholder=f"up to {service.MAX_NAME} characters",
        )
        email = st.text_input(
            "Email" + ("" if needs_password else " (optional: to sign in again later)"),
            key="join_account_email",
        )
        password = st.text_input(
            "Password (8 characters or more)" + ("" if needs_password else ", optional"),
            type="password",
            key="join_account_password",
        )
        repeated = st.text_input("Repeat the password", type="password", key="join_account_password_again")
        submitted = st.form_submit_button(
            "Create my account", type="primary", icon=":material/person_add:", key="join_account_submit"
        )
    if not submitted:
        return
    try:
        if password or repeated:
            check_repeated(password, repeated, field="password")  # as on the other sign-up forms
        user = service.redeem_user_invitation(
            engine, token, name.strip(), email=email.strip() or None, password=password or None
        )
    except CalibrationError as error:
        state.render_error(error)
        if "invitation" in str(error):
            st.session_state.pop("join_token", None)
        return
    st.session_state.pop("join_token", None)
    state.sign_in_as(user)
    st.success(f"Welcome, {state.escape_markdown(user.name)}. Opening the app…")
    auth.remember_browser(user.id)
    st.stop()
