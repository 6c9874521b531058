"""Users (lead): add users, invitation links for new accounts, roles, deactivation and password resets."""

import pandas as pd
import streamlit as st

from calibration.app import state
from calibration.app.widgets.choice import pick_one
from calibration.app.widgets.grid import fitted_widths, grid_height, naive_utc, word_width, wrapped_row_height
from calibration.errors import CalibrationError
from calibration.rounds import service
from calibration.storage.repository import Role

ROLES: tuple[Role, ...] = ("annotator", "author", "lead")
ROLE_LABELS: dict[Role, str] = {"annotator": "Annotator", "author": "Guideline author", "lead": "Lead"}
# the users table's widths in pixels, 812 together (tests/e2e/test_layout_1280_browser.py measures the
# cells); a name wraps at its spaces, the password notes wrap too: "none (single" over "sign-on)"
USER_WIDTHS = {"name": 160, "email": 240, "role": 112, "status": 92, "password": 120, "since": 88}

user = state.require_role("lead")
engine = state.get_engine()
st.title("Users")
st.caption(
    "Leads run rounds and manage users, guideline authors write and publish guidelines, annotators "
    "take quizzes. A deactivated user cannot sign in; their answers stay."
)


def _join_link(token: str) -> str:
    base = (st.context.url or "").split("?")[0].rsplit("/", 1)[0] if st.context.url else ""
    return f"{base}/join?invite={token}"


def _done(message: str) -> None:
    st.session_state["users_notice"] = message
    st.rerun()


def _act(change, message: str) -> None:
    """Make the service `change` (a call); its error in words, else `message` after a rerun."""
    try:
        change()
    except CalibrationError as error:
        state.render_error(error)
    else:
        _done(message)


notice = st.session_state.pop("users_notice", None)
if notice:
    st.success(state.escape_markdown(notice), icon=":material/check_circle:")

people = service.list_users(engine)
table = pd.DataFrame(
    [
        {
            "name": p.name,
            "email": p.email or "",
            "role": ROLE_LABELS.get(p.role, p.role),
            "status": "active" if p.active else "deactivated",
            "password": (
                "temporary (to change at sign-in)"
                if p.must_change_password
                else "set"
                if p.has_password
                else "none (single sign-on)"
                if p.sign_in_method == "sso"
                else "none (invitation only)"
            ),
            "since": naive_utc(p.created_at),  # UTC; tz-aware: a Pandas4Warning (widgets/grid.py)
        }
        for p in people
    ],
    columns=["name", "email", "role", "status", "password", "since"],
)
# Every column fits the main column at 1280 px (about 818 px) with its longest word whole (a word the
# grid would break anywhere: an email, "Fitzgerald-Vandermeulen"), "Guideline author" and "deactivated" uncut (75 px cut both, and the password and
# date columns were out of view to the right); the password note wraps, giving up what the others gain.
widths = fitted_widths(
    {c: ([] if c == "since" else table[c], USER_WIDTHS[c]) for c in USER_WIDTHS},
    "password",
    word_width(table["password"], 90),
)
row_height = (
    max((wrapped_row_height(table[c], widths[c]) or 0 for c in ("name", "password")), default=0) or None
)
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    row_height=row_height,
    height=grid_height(len(table), row_height),  # whole rows (Streamlit's 400 px cut the tenth user in half)
    column_config={
        "name": st.column_config.TextColumn("name", width=widths["name"]),
        "email": st.column_config.TextColumn("email", width=widths["email"]),
        "role": st.column_config.TextColumn("role", width=widths["role"]),
        "status": st.column_config.TextColumn("status", width=widths["status"]),
        "password": st.column_config.TextColumn("password", width=widths["password"]),
        "since": st.column_config.DatetimeColumn("since", format="YYYY-MM-DD", width=widths["since"]),
    },
)

# ----------------------------------------------------------------- add or invite
# The form is emptied after a user is added, not on every submit: a refused one keeps what was typed.
ADD_DEFAULTS = {
    "users_add_name": "",
    "users_add_email": "",
    "users_add_role": ROLES[0],
    "users_add_password": "",
    "users_add_temporary": True,
}
if st.session_state.pop("users_add_clear", False):  # before the widgets: only then may they be reset
    st.session_state.update(ADD_DEFAULTS)
for key, default in ADD_DEFAULTS.items():
    st.session_state.setdefault(key, default)
left, right = st.columns(2)
with left, st.form("users_add_form", clear_on_submit=False):
    st.markdown("**Add a user**")
    name = st.text_input("Name", key="users_add_name", placeholder=f"up to {service.MAX_NAME} characters")
    email = st.text_input("Email (they sign in with it)", key="users_add_email")
    role = st.selectbox("Role", ROLES, format_func=ROLE_LABELS.__getitem__, key="users_add_role")
    password = st.text_input(
        "Password (8 characters or more; annotators may have none)", type="password", key="users_add_password"
    )
    temporary_password = st.checkbox(
        "Temporary: they choose their own password at their first sign-in", key="users_add_temporary"
    )
    added = st.form_submit_button("Add user", type="primary", icon=":material/person_add:", key="users_add")
if added:
    try:
        new = service.create_user(
            engine,
            name.strip(),
            role=role,
            email=email.strip() or None,
            password=password or None,
            actor=user,
            must_change_password=bool(password) and temporary_password,
        )
    except CalibrationError as error:
        state.render_error(error)
    else:
        st.session_state["users_add_clear"] = True
        _done(f"Added {new.name} ({ROLE_LABELS[new.role].lower()}).")

with right, st.container(border=True):
    st.markdown("**Invitation link for a new account**: works once, expires in 7 days, shown only now.")
    invite_role = st.segmented_control(
        "Role of the new account",
        ROLES,
        default="annotator",
        required=True,
        format_func=ROLE_LABELS.__getitem__,
        key="users_invite_role",
    )
    if st.button("Create an invitation link", key="users_invite", icon=":material/link:"):
        try:
            token = service.invite_user(engine, invite_role, actor=user)
        except CalibrationError as error:
            state.render_error(error)
        else:
            st.session_state["users_new_link"] = (invite_role, _join_link(token))
    fresh = st.session_state.get("users_new_link")
    if fresh:
        st.caption(f"For a new {ROLE_LABELS[fresh[0]].lower()}:")
        st.code(fresh[1], language=None)

# ----------------------------------------------------------------- one user
st.subheader("Manage a user", anchor=False)
person = pick_one(
    "User",
    {p.id: p for p in people},
    key="users_pick",
    default=user.id,
    describe=lambda p: (
        f"{p.name} · {ROLE_LABELS.get(p.role, p.role)}" + ("" if p.active else " · deactivated")
    ),
)
me = person.id == user.id

with st.container(border=True):
    left, right = st.columns([2, 1], vertical_alignment="bottom")
    new_role = left.selectbox(
        "Role",
        ROLES,
        index=ROLES.index(person.role),
        format_func=ROLE_LABELS.__getitem__,
        key=f"users_role_{person.id}",
    )
    if right.button("Change the role", key="users_set_role", disabled=new_role == person.role):
        _act(
            lambda: service.set_role(engine, person, new_role, actor=user),
            f"{person.name} is now {ROLE_LABELS[new_role].lower()}.",
        )

    left, right = st.columns(2)
    if person.active:
        if left.button(
            "Deactivate",
            key="users_deactivate",
            icon=":material/person_off:",
            disabled=me,
            help="You cannot deactivate yourself."
            if me
            else "They can no longer sign in; their answers stay.",
        ):
            st.session_state["users_pending"] = ("deactivate", person.id)  # asks to confirm below
    elif left.button("Reactivate", key="users_reactivate", icon=":material/person_check:"):
        _act(lambda: service.reactivate_user(engine, person, actor=user), f"{person.name} can sign in again.")

    # single sign-on and no password: the service adds none (`service.record_single_sign_on`)
    sso_only = person.sign_in_method == "sso" and not person.has_password
    if right.button(
        "Reset the password",
        key="users_reset",
        icon=":material/key:",
        disabled=me or person.kind == "model" or sso_only,
        help="Your own password: change it on the Account page (or ask another lead to reset it)."
        if me
        else "A model never signs in: it has no password."
        if person.kind == "model"
        else "They sign in with single sign-on: their organisation's account controls access, so the "
        "account gets no password."
        if sso_only
        else "Sets a new temporary password, shown once here; the old one stops working and they "
        "choose their own at the next sign-in.",
    ):
        st.session_state["users_pending"] = ("reset", person.id)  # asks to confirm below
    if person.sign_in_method == "sso" and right.button(
        "Allow a password",
        key="users_allow_password",
        icon=":material/lock_open:",
        help="They signed in with single sign-on. Lets the account have a password again (e.g. the "
        "identity provider goes away): then reset it. Their next single sign-on records it again.",
    ):
        _act(
            lambda: service.allow_local_sign_in(engine, person, actor=user),
            f"{person.name} can have a password again: reset it to give them one.",
        )

    # A second, explicit click for what cannot be undone by the user alone (sessions end, the old
    # password stops working).
    pending = st.session_state.get("users_pending")
    if pending and pending[1] == person.id and not me:
        name = state.escape_markdown(person.name)
        if pending[0] == "deactivate":
            question = f"Deactivate {name}? They can no longer sign in and every session of theirs ends; their answers stay."
            label = f"Yes, deactivate {name}"  # a label renders markdown too
        else:
            question = (
                f"Reset the password of {name}? Their password stops working at once and every session of "
                "theirs ends; you give them the temporary one shown next."
            )
            label = f"Yes, reset the password of {name}"
        st.warning(question, icon=":material/help:")
        yes, no = st.columns(2)
        confirmed = yes.button(label, key="users_confirm", type="primary", icon=":material/check:")
        if no.button("Cancel", key="users_cancel", icon=":material/close:"):
            st.session_state.pop("users_pending", None)
            st.rerun()
        if confirmed:
            st.session_state.pop("users_pending", None)
            try:
                if pending[0] == "deactivate":
                    service.deactivate_user(engine, person, actor=user)
                else:
                    temporary = service.reset_password(engine, person, actor=user)
            except CalibrationError as error:
                state.render_error(error)
            else:
                if pending[0] == "deactivate":
                    _done(f"{person.name} is deactivated and can no longer sign in.")
                st.session_state["users_temporary"] = (person.id, temporary)
    shown = st.session_state.pop("users_temporary", None)  # shown once: gone at the next rerun
    if shown and shown[0] == person.id:
        st.success(
            f"The password of {state.escape_markdown(person.name)} is reset.", icon=":material/check_circle:"
        )
        st.warning(
            f"Temporary password of {state.escape_markdown(person.name)}: give it to them now; it is not "
            "shown again. They sign in with their email or name and this password, then choose their own.",
            icon=":material/key:",
        )
        st.code(shown[1], language=None)
