"""Sign in (leads, authors, returning annotators), or set up the first lead account on first start."""

import streamlit as st

from calibration.app import auth, bootstrap, state
from calibration.auth import check_repeated
from calibration.errors import CalibrationError
from calibration.rounds import service

engine = state.get_engine()
if st.query_params.get("invite"):  # an invitation link to the app's root: the join page takes it
    st.switch_page("calibration/app/pages/join.py", query_params={"invite": st.query_params["invite"]})

if bootstrap.needs_setup(engine):
    st.title("Welcome: set up the calibration trainer")
    st.markdown(
        "The database is ready and the bundled guidelines are published. Create the first **lead** "
        "account: leads create rounds, invite annotators and read the agreement dashboards."
    )
    with st.form("setup_form"):
        name = st.text_input("Your name", key="setup_name")
        email = st.text_input("Email", key="setup_email")
        password = st.text_input("Password (8 characters or more)", type="password", key="setup_password")
        repeat = st.text_input("Repeat the password", type="password", key="setup_repeat")
        demo = st.checkbox(
            "Also load the demo workspace: finished pilots answered by simulated annotators, on "
            "contract-clauses 1.0.0 and its rewrite 1.1.0, and a box pilot on street-objects 1.0.0",
            value=False,
            key="setup_demo",
        )
        created = st.form_submit_button("Create lead account", type="primary", key="setup_submit")
    if created:
        try:
            check_repeated(password, repeat, field="password")  # the same words on every form
            user = service.create_user(
                engine,
                name=name.strip(),
                email=email.strip(),
                role="lead",
                password=password,
                first_lead=True,
            )
            if demo:
                with st.spinner("Loading the demo workspace…"):
                    bootstrap.load_demo_workspace(engine, actor_id=user.id)
        except CalibrationError as error:
            state.render_error(error)
            st.stop()
        state.sign_in_as(user)
        st.success("Account created. Opening the app…")
        auth.remember_browser(user.id)
        st.stop()
    st.stop()

st.title("Sign in")
st.caption(
    "Annotators: open the invitation link your lead sent you (it signs you in), or, once you have set a "
    "password on your Account page, sign in here with your name and that password."
)
with st.form("sign_in_form"):
    login = st.text_input("Email or name", key="sign_in_login", autocomplete="username")
    password = st.text_input(
        "Password", type="password", key="sign_in_password", autocomplete="current-password"
    )
    submitted = st.form_submit_button(
        "Sign in", type="primary", key="sign_in_submit", icon=":material/login:"
    )
if submitted:
    try:
        user = service.authenticate(engine, login.strip(), password, client=state.client_address())
    except CalibrationError as error:
        state.render_error(error)
        st.stop()
    state.sign_in_as(user)
    st.success(f"Welcome back, {state.escape_markdown(user.name)}.")
    auth.remember_browser(user.id, state.path_after_sign_in(user))
    st.stop()

if auth.oidc_configured():
    st.divider()
    problem = auth.oidc_problem(engine)
    shown = state.escape_markdown(st.user.get("email") or "unknown") if problem else ""
    if problem == "unverified":
        st.warning(
            f"Single sign-on has not verified the email {shown}, so it cannot sign you in. "
            "Verify it with your identity provider, or sign in with a password."
        )
    elif problem == "deactivated":
        st.warning(
            f"Single sign-on says you are {shown}, but this account is deactivated. "
            "Ask a lead to reactivate it."
        )
    elif problem is not None:
        # The identity provider knows this person, but no account has their email (see current_user).
        st.warning(
            f"Single sign-on says you are {shown}, but no account has this email. "
            "Ask a lead to add you or to send you an invitation link."
        )
    if problem is not None:
        st.button("Sign out of single sign-on", key="sign_in_sso_out", on_click=st.logout)
    else:
        if st.query_params.pop(auth.SSO_REFUSED_PARAM, None) is not None:  # the route refused the link
            st.warning(auth.SSO_REFUSED, icon=":material/link_off:")
        if auth.SSO_START_PARAM in st.query_params:  # back from the route (auth docstring)
            nonce = st.query_params.pop(auth.SSO_START_PARAM, None)
            if auth.sso_start_allowed(nonce):  # not another site's link: the route's cookie matches
                st.login()
                st.stop()
        if st.button("Sign in with single sign-on", key="sign_in_sso", icon=":material/key:"):
            # the page asked for by URL survives the identity provider's round trip in a cookie
            requested = {k: v for k, v in st.query_params.to_dict().items() if k != auth.SSO_START_PARAM}
            auth.start_single_sign_on(str(st.session_state.get(state.REQUESTED_PAGE_KEY) or ""), requested)
            st.stop()
