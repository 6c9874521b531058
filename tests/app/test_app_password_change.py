"""A password a lead chose (reset, temporary password) must be replaced at the next sign-in (AppTest)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from calibration.rounds import service
from tests.app.app_helpers import PASSWORD, ROOT, after_redirect, errors, new_app, page

NEW_PASSWORD = "my own long passphrase"


def _user(engine, name):
    return next(u for u in service.list_users(engine) if u.name == name)


def _sign_in(login: str, password: str) -> AppTest:
    at = new_app().run()
    at.text_input(key="sign_in_login").input(login)
    at.text_input(key="sign_in_password").input(password)
    at.button(key="sign_in_submit").click().run()
    assert not at.exception and not at.error, errors(at)
    return at.run()  # the browser comes back from the cookie route: the next run opens the app


def _reset_on_the_users_page(lead, person) -> str:
    at = new_app(lead).run()
    at.switch_page(page("users.py")).run()
    at.selectbox(key="users_pick").set_value(person.id).run()
    at.button(key="users_reset").click().run()
    at.button(key="users_confirm").click().run()
    assert not at.exception and not at.error
    [temporary] = [c.value for c in at.code]
    at.run()  # the table was drawn above the button: the next run shows the new state
    assert at.dataframe[0].value.set_index("name").loc[person.name, "password"] == (
        "temporary (to change at sign-in)"
    )
    return temporary


def _choose(at: AppTest, new: str, repeat: str | None = None) -> AppTest:
    at.text_input(key="password_change_new").input(new)
    at.text_input(key="password_change_repeat").input(new if repeat is None else repeat)
    return at.button(key="password_change_submit").click().run()


def test_after_a_reset_no_page_opens_until_the_user_chose_their_own_password(app_engine, app_lead):
    ora = service.create_user(
        app_engine, "Ora Author", role="author", email="ora@example.org", password=PASSWORD, actor=app_lead
    )
    temporary = _reset_on_the_users_page(app_lead, ora)

    at = _sign_in("ora@example.org", temporary)
    assert at.title[0].value == "Choose a new password"
    # every page, reached through the menu or directly, shows the form instead of its content
    for name in ("guidelines_admin.py", "compare.py"):
        at.switch_page(page(name)).run()
        assert not at.exception
        assert [t.value for t in at.title] == ["Choose a new password"]
    direct = AppTest.from_file(str(ROOT / page("revision_queue.py")), default_timeout=30)
    direct.session_state["auth_user_id"] = ora.id
    direct.run()
    assert [t.value for t in direct.title] == ["Choose a new password"]

    # refused with a clear message, nothing changes
    _choose(at, "short")
    assert errors(at) == [
        "New password: the password has 5 characters; at least 8 are needed (hint: use a longer passphrase)"
    ]
    _choose(at, temporary)
    assert errors(at) == [
        "New password: the new password is the temporary one "
        "(hint: choose a password of your own, not the one your lead gave you)"
    ]
    _choose(at, "ORA@example.org")
    assert errors(at) == [
        "New password: the new password is your name or email (hint: choose a password that others cannot guess)"
    ]
    _choose(at, NEW_PASSWORD, NEW_PASSWORD + "x")
    assert errors(at) == ["New password: the two passwords differ (hint: type the same password twice)"]
    assert at.error[0].icon == ":material/error:"  # styled like every other refusal
    assert _user(app_engine, "Ora Author").must_change_password

    _choose(at, NEW_PASSWORD)
    assert not at.exception and not at.error
    assert not _user(app_engine, "Ora Author").must_change_password
    at.run()
    assert at.title[0].value == "Compare versions"  # the page asked for opens: signed in again
    at.switch_page(page("home.py")).run()
    assert not at.exception and at.title[0].value == "Hello, Ora Author"
    assert service.authenticate(app_engine, "ora@example.org", NEW_PASSWORD).id == ora.id


def test_an_account_added_with_a_temporary_password_chooses_its_own_at_first_sign_in(app_engine, app_lead):
    at = new_app(app_lead).run()
    at.switch_page(page("users.py")).run()
    assert at.checkbox(key="users_add_temporary").value is True  # the default
    at.text_input(key="users_add_name").input("Ines Lead")
    at.text_input(key="users_add_email").input("ines@example.org")
    at.selectbox(key="users_add_role").set_value("lead")
    at.text_input(key="users_add_password").input(PASSWORD)
    at.button(key="users_add").click().run()
    assert not at.exception and not at.error
    assert _user(app_engine, "Ines Lead").must_change_password

    signed_in = _sign_in("ines@example.org", PASSWORD)
    assert signed_in.title[0].value == "Choose a new password"
    _choose(signed_in, NEW_PASSWORD).run()
    assert signed_in.title[0].value == "Hello, Ines Lead"


def test_an_account_added_with_a_password_of_its_own_opens_at_once(app_engine, app_lead):
    at = new_app(app_lead).run()
    at.switch_page(page("users.py")).run()
    at.text_input(key="users_add_name").input("Ines Lead")
    at.text_input(key="users_add_email").input("ines@example.org")
    at.selectbox(key="users_add_role").set_value("lead")
    at.text_input(key="users_add_password").input(PASSWORD)
    at.checkbox(key="users_add_temporary").uncheck()
    at.button(key="users_add").click().run()
    assert not _user(app_engine, "Ines Lead").must_change_password
    assert _sign_in("ines@example.org", PASSWORD).title[0].value == "Hello, Ines Lead"


def test_a_lead_cannot_reset_their_own_password_on_the_users_page(app_engine, app_lead):
    at = new_app(app_lead).run()
    at.switch_page(page("users.py")).run()
    assert at.selectbox(key="users_pick").value == app_lead.id
    assert at.button(key="users_reset").disabled


def test_the_forced_change_hides_the_page_menu_and_confirms_after_the_redirect(
    app_engine, app_lead, monkeypatch
):
    import streamlit

    positions: list[str] = []
    navigation = streamlit.navigation

    def recording(pages, **kwargs):
        positions.append(kwargs.get("position", "sidebar"))
        return navigation(pages, **kwargs)

    monkeypatch.setattr(streamlit, "navigation", recording)
    ora = service.create_user(
        app_engine, "Ora Author", role="author", email="ora@example.org", password=PASSWORD, actor=app_lead
    )
    temporary = _reset_on_the_users_page(app_lead, ora)
    positions.clear()
    at = _sign_in("ora@example.org", temporary)
    assert at.title[0].value == "Choose a new password"
    assert positions[-1] == "hidden"  # only "Sign out" in the sidebar
    assert [b.label for b in at.sidebar.button] == ["Sign out"]
    _choose(at, NEW_PASSWORD)
    assert not at.error
    back, path = after_redirect(at, app_engine)  # the redirect: a new session, maybe another server
    assert path == "" and dict(back.query_params) == {"notice": "password-set"}
    back.run()
    assert positions[-1] == "sidebar"
    assert [s.value for s in back.success] == ["Your password is set; you are signed in with it."]
    assert "notice" not in back.query_params  # shown once: a reload does not repeat it
    back.run()
    assert not back.success


def test_an_invitation_link_shows_the_password_form_before_the_round_can_be_joined(app_engine, app_lead):
    from tests.app.app_helpers import single_label_guideline

    tess = service.create_user(
        app_engine,
        "Tess Temp",
        role="annotator",
        email="tess@example.org",
        password=PASSWORD,
        actor=app_lead,
        must_change_password=True,
    )
    guideline = single_label_guideline()
    service.publish(app_engine, guideline, app_lead)
    round_ = service.create_calibration_round(app_engine, "R", guideline.ref, actor=app_lead)
    token = service.invite(app_engine, round_.id, actor=app_lead)
    at = new_app(tess).run()
    at.query_params["invite"] = token
    at.switch_page(page("join.py")).run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Choose a new password"]
    assert not [b for b in at.button if b.key == "join_existing"]
    assert not service.round_status(app_engine, round_.id).annotators  # nothing redeemed
    # after choosing a password the same (session-kept) invitation can be used
    _choose(at, NEW_PASSWORD)
    assert not at.exception and not at.error, errors(at)
    at.switch_page(page("join.py")).run()
    at.button(key="join_existing").click().run()
    assert not at.exception and not at.error, errors(at)
    assert [p.name for p in service.round_status(app_engine, round_.id).annotators] == ["Tess Temp"]
