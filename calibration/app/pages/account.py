"""Account (every signed-in role): who you are signed in as, and changing your own password."""

import streamlit as st

from calibration.app import auth, state
from calibration.app.widgets.password_change import password_form, save_password
from calibration.rounds import service

user = state.require_role()

st.title("Account")


def _no_email(user) -> str:
    """How a user with no email signs in: with their name and password (Sign in takes either), else links."""
    if user.has_password:
        return "none (you sign in with your name and your password)"
    return "none (invitation link only)"


st.markdown(
    "  \n".join(
        [
            f"**Name:** {state.escape_markdown(user.name)}",
            f"**Email:** {state.escape_markdown(user.email) if user.email else _no_email(user)}",
            f"**Role:** {state.ROLE_NAMES.get(user.role, user.role)}",
        ]
    )
)

if not user.has_password and (user.sign_in_method == "sso" or auth.oidc_signed_in()):
    # single sign-on proves who they are: a local password would be a second way in the provider
    # cannot revoke (offered only to people who signed in with an invitation link; the service refuses
    # it too: `service.record_single_sign_on`)
    st.info(
        "You sign in with single sign-on: no password is needed here. Your organisation's account "
        "controls your access.",
        icon=":material/badge:",
    )
    st.stop()

if not user.has_password:
    st.subheader("Choose a password")
    st.info(
        "You have no password: you signed in with an invitation link. Choose one to sign in again "
        f"later on the Sign in page with your {'email' if user.email else 'name'} and this password, "
        "without a new link.",
        icon=":material/link:",
    )
    st.caption("8 characters or more, not your name, a part of it or your email.")
    entered = password_form(
        "account_first_password_form",
        "account_first",
        submit="Set my password",
        icon=":material/key:",
        labels=("Password", "Repeat the password"),
    )
    if entered is not None:
        _, new, repeat = entered
        save_password(
            lambda: service.set_first_password(state.get_engine(), user, new),
            new,
            repeat,
            success=state.NOTICES["password-created"],
            notice="password-created",
            next_path="account",
        )
    st.stop()

st.subheader("Change your password")
st.caption(
    "8 characters or more, not your name, a part of it or your email, not your current password. Changing it signs you "
    "out everywhere else (other browsers, other devices); this browser stays signed in."
)
entered = password_form(
    "account_password_form",
    "account",
    submit="Change my password",
    icon=":material/lock_reset:",
    current=True,
)
if entered is not None:
    current, new, repeat = entered
    # a cookie with the new session version; the confirmation shows again after the redirect
    save_password(
        lambda: service.change_own_password(
            state.get_engine(), user, current, new, client=state.client_address()
        ),
        new,
        repeat,
        success=state.NOTICES["password-changed"],
        notice="password-changed",
        next_path="account",
    )
