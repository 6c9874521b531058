"""Join a round through an invitation link (``join?invite=TOKEN``): choose a display name, start the quiz.

The token is one-time and expires. It is moved from the address bar into server-side session state
at once, redeemed when the form is submitted, then forgotten. A signed-in user who opens another
invitation joins that round with their account.
"""

import streamlit as st

from calibration.app import auth, state
from calibration.auth import check_repeated
from calibration.errors import CalibrationError
from calibration.rounds import service

engine = state.get_engine()
if st.query_params.get("invite"):
    st.session_state["join_token"] = st.query_params["invite"]
    del st.query_params["invite"]
token = st.session_state.get("join_token")
signed_in = state.current_user()
if signed_in is not None and signed_in.must_change_password:
    # A password a lead chose: no invitation is redeemed before the user chooses their own (stops).
    from calibration.app.widgets.password_change import choose_own_password

    choose_own_password(signed_in)
problem = service.invitation_problem(engine, token) if token else None
if problem is not None:  # checked on opening (nothing used up): no form that could only fail
    st.title("Join a calibration round")
    st.session_state.pop("join_token", None)
    state.render_error(problem)
    st.stop()
account_role = service.invitation_role(engine, token) if token else None
if token and account_role is not None:  # an invitation to a new account (Users page), not to a round
    from calibration.app.widgets.account_invitation import join_as_new_user

    join_as_new_user(engine, token, account_role)
    st.stop()

st.title("Join a calibration round")
if not token:
    st.info(
        "Open the invitation link your lead sent you; it ends with `join?invite=…`.", icon=":material/link:"
    )
    st.stop()


def _joined(user, round_) -> None:
    """After redeeming: draw the quiz now, forget the token, remember the browser, open the quiz."""
    st.session_state.pop("join_token", None)
    try:
        service.start_or_resume_attempt(engine, round_.id, user)
    except CalibrationError as error:
        state.render_error(error)
        st.stop()
    state.sign_in_as(user)
    st.session_state["quiz_round"] = round_.id
    st.success(f"Welcome, {state.escape_markdown(user.name)}. Opening your quiz…")
    auth.remember_browser(user.id, f"quiz?round={round_.id}")
    st.stop()


user = signed_in
if user is not None:
    st.markdown(
        f"You are signed in as **{state.escape_markdown(user.name)}**. Join the round with this account?"
    )
    if st.button("Join this round", type="primary", key="join_existing", icon=":material/play_arrow:"):
        try:
            user, round_ = service.redeem_invitation(engine, token, user=user)
        except CalibrationError as error:
            st.session_state.pop("join_token", None)
            state.render_error(error)
            st.stop()
        _joined(user, round_)
    st.stop()

st.markdown(
    "Choose the name your lead will see next to your answers. You can start right away; the quiz "
    "remembers every answer, so you can stop and come back."
)
with st.form("join_form"):
    # no max_chars (a longer paste would be dropped unseen): the library says the limit
    name = st.text_input("Display name", key="join_name", placeholder=f"up to {service.MAX_NAME} characters")
    with st.expander("Sign in again later from another browser (optional)"):
        email = st.text_input("Email", key="join_email")
        password = st.text_input("Password (8 characters or more)", type="password", key="join_password")
        repeated = st.text_input("Repeat the password", type="password", key="join_password_again")
    submitted = st.form_submit_button(
        "Join and start", type="primary", icon=":material/play_arrow:", key="join_submit"
    )
if submitted:
    try:
        if password or repeated:
            check_repeated(password, repeated, field="password")  # the same words on every form
        user, round_ = service.redeem_invitation(
            engine,
            token,
            name.strip(),
            email=(email or "").strip() or None,
            password=password or None,
        )
    except CalibrationError as error:
        state.render_error(error)
        if "invitation" in str(error):
            st.session_state.pop("join_token", None)
            st.caption("Ask your lead for a new invitation link.")
        st.stop()
    _joined(user, round_)
