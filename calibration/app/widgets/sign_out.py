"""The sidebar's Sign out button; a user without a password confirms first (they could not sign in again)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from calibration.app import auth, state
from calibration.app.navigation import spec

CONFIRM_KEY = "app_sign_out_confirm"
NO_PASSWORD_WARNING = (
    "You have no password: set one first on the Account page, or you will need a new link from your "
    "lead to come back."
)


def _ask() -> None:
    st.session_state[CONFIRM_KEY] = True


def _cancel() -> None:
    st.session_state.pop(CONFIRM_KEY, None)


def can_sign_in_again(user: Any) -> bool:
    """Whether the user can come back after signing out: a password, or single sign-on."""
    return bool(user.has_password) or auth.oidc_signed_in()


def sign_out_button(user: Any) -> None:
    """Sign out at once, or for a user without a password, a warning and a confirmation first."""
    if can_sign_in_again(user):
        st.button("Sign out", key="app_sign_out", icon=":material/logout:", on_click=state.begin_sign_out)
        return
    if not st.session_state.get(CONFIRM_KEY):
        st.button("Sign out", key="app_sign_out", icon=":material/logout:", on_click=_ask)
        return
    st.warning(NO_PASSWORD_WARNING, icon=":material/key_off:")
    st.page_link(spec("account.py").script, label="Set a password", icon=":material/key:")
    st.button(
        "Sign out anyway",
        key="app_sign_out_confirmed",
        icon=":material/logout:",
        on_click=state.begin_sign_out,
    )
    st.button("Cancel", key="app_sign_out_cancel", on_click=_cancel)
