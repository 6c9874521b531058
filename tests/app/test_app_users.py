"""The Users page (lead only): add users, account invitation links, roles, deactivation, password resets (AppTest)."""

from __future__ import annotations

from calibration.rounds import service
from tests.app.app_helpers import PASSWORD, ROOT, errors, new_app, page, texts, unescape


def _users_page(user):
    at = new_app(user).run()
    at.switch_page(page("users.py")).run()
    assert not at.exception, at.exception
    return at


def _user(engine, name):
    return next(u for u in service.list_users(engine) if u.name == name)


def test_the_users_page_is_for_leads_only(app_engine, app_lead, app_annotator):
    from streamlit.testing.v1 import AppTest

    from calibration.app.navigation import pages_for

    assert "users.py" in [p.file for p in pages_for("lead")]
    assert "users.py" not in [p.file for p in pages_for("author")]
    author = service.create_user(
        app_engine, "Avi Author", role="author", email="avi@example.org", password=PASSWORD, actor=app_lead
    )
    for user in (app_annotator, author):
        # The page script reached directly (not through the menu) refuses on the server.
        at = AppTest.from_file(str(ROOT / page("users.py")), default_timeout=30)
        at.session_state["auth_user_id"] = user.id
        at.run()
        assert errors(at)[0].startswith("This page is for a lead; you are signed in as")
        assert not at.button and not at.dataframe


def test_a_lead_adds_a_user_who_can_then_sign_in(app_engine, app_lead):
    at = _users_page(app_lead)
    at.text_input(key="users_add_name").input("Ora Author")
    at.text_input(key="users_add_email").input("ora@example.org")
    at.selectbox(key="users_add_role").set_value("author")
    at.text_input(key="users_add_password").input(PASSWORD)
    at.button(key="users_add").click().run()
    assert not at.exception and not at.error
    assert unescape(at.success[0].value) == "Added Ora Author (guideline author)."
    assert service.authenticate(app_engine, "ora@example.org", PASSWORD).role == "author"
    table = at.dataframe[0].value
    assert table[table["name"] == "Ora Author"][["role", "status"]].values.tolist() == [
        ["Guideline author", "active"]
    ]
    # errors are shown, not raised: the same name again
    at.text_input(key="users_add_name").input("Ora Author")
    at.button(key="users_add").click().run()
    assert errors(at) == ["name: the name 'Ora Author' is taken (hint: choose another name)"]


def test_a_lead_creates_an_account_invitation_that_signs_up_an_author(app_engine, app_lead):
    at = _users_page(app_lead)
    at.segmented_control(key="users_invite_role").set_value("author")
    at.button(key="users_invite").click().run()
    assert not at.exception
    [link] = [c.value for c in at.code]
    assert "/join?invite=" in link
    token = link.split("invite=")[1]
    assert service.invitation_role(app_engine, token) == "author"

    join = new_app(query={"invite": token}).run()
    assert not join.exception
    assert join.title[0].value == "Create your account"
    assert "a guideline author" in texts(join)
    join.text_input(key="join_account_name").input("Ines Invited")
    join.button(key="join_account_submit").click().run()
    assert errors(join) == [
        "Email: an author account needs an email and a password (hint: you sign in with them next time)"
    ]
    join.text_input(key="join_account_email").input("ines@example.org")
    join.text_input(key="join_account_password").input(PASSWORD)
    join.text_input(key="join_account_password_again").input(PASSWORD + "x")
    join.button(key="join_account_submit").click().run()
    # asked twice, as on the setup and annotator join forms, in the same words
    assert errors(join) == ["Password: the two passwords differ (hint: type the same password twice)"]
    assert not [u for u in service.list_users(app_engine) if u.name == "Ines Invited"]
    join.text_input(key="join_account_password_again").input(PASSWORD)
    join.button(key="join_account_submit").click().run()
    assert not join.exception and not join.error
    ines = _user(app_engine, "Ines Invited")
    assert ines.role == "author" and join.session_state["auth_user_id"] == ines.id
    assert service.authenticate(app_engine, "ines@example.org", PASSWORD).id == ines.id


def test_a_lead_changes_a_role(app_engine, app_lead, app_annotator):
    at = _users_page(app_lead)
    at.selectbox(key="users_pick").set_value(app_annotator.id).run()
    at.selectbox(key=f"users_role_{app_annotator.id}").set_value("author").run()
    at.button(key="users_set_role").click().run()
    assert not at.exception and not at.error
    assert _user(app_engine, app_annotator.name).role == "author"
    assert unescape(at.success[0].value) == "Ari Annotator is now guideline author."


def test_a_lead_cannot_deactivate_themself_or_demote_the_last_lead(app_engine, app_lead):
    at = _users_page(app_lead)
    assert at.selectbox(key="users_pick").value == app_lead.id
    assert at.button(key="users_deactivate").disabled
    at.selectbox(key=f"users_role_{app_lead.id}").set_value("annotator").run()
    at.button(key="users_set_role").click().run()
    assert errors(at) == [
        "user: cannot make annotator of Lena Lead: they are the last active lead "
        "(hint: make another user a lead first)"
    ]
    assert _user(app_engine, "Lena Lead").role == "lead"


def test_a_deactivated_user_is_signed_out_and_cannot_sign_in_until_reactivated(app_engine, app_lead):
    ora = service.create_user(
        app_engine, "Ora Author", role="author", email="ora@example.org", password=PASSWORD, actor=app_lead
    )
    signed_in = new_app(ora).run()
    assert signed_in.title[0].value == "Hello, Ora Author"

    at = _users_page(app_lead)
    at.selectbox(key="users_pick").set_value(ora.id).run()
    at.button(key="users_deactivate").click().run()
    at.button(key="users_confirm").click().run()
    assert not at.exception and not at.error
    assert _user(app_engine, "Ora Author").active is False
    assert at.dataframe[0].value.set_index("name").loc["Ora Author", "status"] == "deactivated"

    signed_in.run()  # the open session ends at its next run
    assert signed_in.title[0].value == "Sign in"
    fresh = new_app().run()
    fresh.text_input(key="sign_in_login").input("ora@example.org")
    fresh.text_input(key="sign_in_password").input(PASSWORD)
    fresh.button(key="sign_in_submit").click().run()
    assert errors(fresh) == ["this account is deactivated (hint: ask a lead to reactivate it)"]
    assert "auth_user_id" not in fresh.session_state

    at.button(key="users_reactivate").click().run()
    assert not at.exception and _user(app_engine, "Ora Author").active
    assert service.authenticate(app_engine, "ora@example.org", PASSWORD).name == "Ora Author"


def test_a_password_reset_shows_a_temporary_password_once(app_engine, app_lead):
    ora = service.create_user(
        app_engine, "Ora Author", role="author", email="ora@example.org", password=PASSWORD, actor=app_lead
    )
    at = _users_page(app_lead)
    at.selectbox(key="users_pick").set_value(ora.id).run()
    at.button(key="users_reset").click().run()
    at.button(key="users_confirm").click().run()
    assert not at.exception and not at.error
    [temporary] = [c.value for c in at.code]
    assert service.authenticate(app_engine, "ora@example.org", temporary).id == ora.id
    at.run()
    assert temporary not in [c.value for c in at.code]  # shown once


def test_a_name_that_differs_only_by_case_is_refused_and_a_taken_email_says_where_to_look(
    app_engine, app_lead
):
    service.create_user(
        app_engine, "Ben Annotator", role="annotator", actor=app_lead, email="ben@example.org"
    )
    at = _users_page(app_lead)
    at.text_input(key="users_add_name").input("ben annotator")
    at.selectbox(key="users_add_role").set_value("annotator")
    at.checkbox(key="users_add_temporary").set_value(False)
    at.button(key="users_add").click().run()
    assert not at.exception
    assert errors(at) == [
        "name: the name 'ben annotator' differs from the existing 'Ben Annotator' only by case "
        "(hint: choose another name, or use the existing account)"
    ]
    assert [u.name for u in service.list_users(app_engine)].count("ben annotator") == 0
    at.text_input(key="users_add_name").input("Benjamin")
    at.text_input(key="users_add_email").input("BEN@example.org")
    at.button(key="users_add").click().run()
    assert errors(at) == [
        "Email: BEN@example.org is already registered "
        "(hint: use another email, or find the existing account in the list)"
    ]


def test_a_refused_user_keeps_what_was_typed_and_an_added_one_clears_the_form(app_engine, app_lead):
    service.create_user(app_engine, "Ben", role="annotator", actor=app_lead, email="ben@example.org")
    at = _users_page(app_lead)
    at.text_input(key="users_add_name").input("Benjamin Author")
    at.text_input(key="users_add_email").input("ben@example.org")
    at.selectbox(key="users_add_role").set_value("author")
    at.text_input(key="users_add_password").input(PASSWORD)
    at.checkbox(key="users_add_temporary").set_value(False)
    at.button(key="users_add").click().run()
    assert errors(at)[0].startswith("Email: ben@example.org is already registered")
    # only the email needs changing: the rest is still there
    assert at.text_input(key="users_add_name").value == "Benjamin Author"
    assert at.selectbox(key="users_add_role").value == "author"
    assert at.text_input(key="users_add_password").value == PASSWORD
    assert at.checkbox(key="users_add_temporary").value is False
    at.text_input(key="users_add_email").input("benjamin@example.org")
    at.button(key="users_add").click().run()
    assert not at.exception and not at.error, errors(at)
    assert unescape(at.success[0].value) == "Added Benjamin Author (guideline author)."
    assert service.authenticate(app_engine, "benjamin@example.org", PASSWORD).role == "author"
    # added: the form is ready for the next person
    assert [
        at.text_input(key=k).value for k in ("users_add_name", "users_add_email", "users_add_password")
    ] == [
        "",
        "",
        "",
    ]
    assert at.selectbox(key="users_add_role").value == "annotator"
    assert at.checkbox(key="users_add_temporary").value is True


def test_deactivate_and_reset_ask_for_a_second_click_naming_the_user(app_engine, app_lead):
    ora = service.create_user(
        app_engine, "Ora Author", role="author", email="ora@example.org", password=PASSWORD, actor=app_lead
    )
    at = _users_page(app_lead)
    at.selectbox(key="users_pick").set_value(ora.id).run()
    at.button(key="users_deactivate").click().run()
    assert _user(app_engine, "Ora Author").active  # nothing yet: asks first
    assert unescape(at.warning[0].value).startswith("Deactivate Ora Author? They can no longer sign in")
    assert at.button(key="users_confirm").label == "Yes, deactivate Ora Author"
    at.button(key="users_cancel").click().run()
    assert not at.exception and _user(app_engine, "Ora Author").active
    assert not [b for b in at.button if b.key == "users_confirm"]

    at.button(key="users_reset").click().run()
    assert at.button(key="users_confirm").label == "Yes, reset the password of Ora Author"
    assert service.authenticate(app_engine, "ora@example.org", PASSWORD).id == ora.id  # unchanged
    at.button(key="users_confirm").click().run()
    assert not at.exception and not at.error
    assert unescape(at.success[0].value) == "The password of Ora Author is reset."
    assert _user(app_engine, "Ora Author").must_change_password

    at.button(key="users_deactivate").click().run()
    at.button(key="users_confirm").click().run()
    assert not _user(app_engine, "Ora Author").active
    assert unescape(at.success[0].value) == "Ora Author is deactivated and can no longer sign in."


def test_the_confirm_button_shows_a_markdown_name_as_plain_text(app_engine, app_lead):
    evil = service.create_user(
        app_engine,
        "[Click me](https://evil.example/) ![t](https://evil.example/p.png)",
        role="annotator",
        actor=app_lead,
    )
    at = new_app(app_lead).run()
    at.switch_page(page("users.py")).run()
    for action in ("users_deactivate", "users_reset"):
        at.selectbox(key="users_pick").set_value(evil.id).run()
        at.button(key=action).click().run()
        label = at.button(key="users_confirm").label
        assert "](https://" not in label and "\\[Click me\\]" in label, label
        assert unescape(label).endswith(evil.name)
        at.button(key="users_cancel").click().run()


def test_a_models_password_cannot_be_reset_on_the_page(app_engine, app_lead):
    from calibration.storage import tables as t
    from calibration.storage.engine import session_scope

    with session_scope(app_engine) as session:  # as `certify-model --store` adds a model
        session.add(t.User(name="clauses-bot@2026-01", role="annotator", kind="model"))
    model = _user(app_engine, "clauses-bot@2026-01")
    at = _users_page(app_lead)
    at.selectbox(key="users_pick").set_value(model.id).run()
    assert at.button(key="users_reset").disabled
    assert "never signs in" in at.button(key="users_reset").help


def test_a_single_sign_on_user_without_a_password_gets_none_on_the_page(app_engine, app_lead):
    sam = service.create_user(
        app_engine, "Sam Sso", role="annotator", email="sam@example.org", actor=app_lead
    )
    service.record_single_sign_on(app_engine, sam)
    at = _users_page(app_lead)
    (people,) = [d.value for d in at.dataframe if "password" in d.value.columns]
    assert people.set_index("name").loc["Sam Sso", "password"] == "none (single sign-on)"
    at.selectbox(key="users_pick").set_value(sam.id).run()
    assert at.button(key="users_reset").disabled
    assert "single sign-on" in at.button(key="users_reset").help


def test_a_lead_allows_a_password_again_for_a_single_sign_on_user(app_engine, app_lead):
    """The way back when the identity provider goes away: local sign-in, then a reset."""
    sam = service.create_user(
        app_engine, "Sam Sso", role="annotator", email="sam@example.org", actor=app_lead
    )
    at = _users_page(app_lead)
    at.selectbox(key="users_pick").set_value(sam.id).run()
    assert not [b for b in at.button if b.key == "users_allow_password"]  # a local account
    service.sign_in_with_single_sign_on(app_engine, "sam@example.org")
    at = _users_page(app_lead)
    at.selectbox(key="users_pick").set_value(sam.id).run()
    assert at.button(key="users_reset").disabled
    at.button(key="users_allow_password").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("Sam Sso can have a password again")
    assert service.get_user(app_engine, sam.id).sign_in_method == "local"
    assert not at.button(key="users_reset").disabled
    at.button(key="users_reset").click().run()
    at.button(key="users_confirm").click().run()
    assert service.get_user(app_engine, sam.id).has_password


def test_the_users_table_gives_the_grid_dates_without_a_time_zone(app_engine, app_lead):
    """A tz-aware date column makes pyarrow (before 26) call the deprecated ``Series.values``: a
    pandas ``Pandas4Warning`` in the server log on every run. The page runs with that warning as an
    error, and its dates reach the grid as naive UTC (the same days as before)."""
    import warnings

    import pandas as pd
    from pandas.errors import Pandas4Warning

    with warnings.catch_warnings():
        warnings.simplefilter("error", Pandas4Warning)
        at = _users_page(app_lead)
    (table,) = [d.value for d in at.dataframe if "since" in d.value.columns]
    assert not isinstance(table["since"].dtype, pd.DatetimeTZDtype), table["since"].dtype
    lena = table[table["name"] == "Lena Lead"]["since"].iloc[0]
    assert lena.date() == _user(app_engine, "Lena Lead").created_at.date()


def test_the_rounds_progress_table_gives_the_grid_dates_without_a_time_zone(
    app_engine, app_lead, app_annotator
):
    import warnings

    import pandas as pd
    from pandas.errors import Pandas4Warning

    round_ = service.create_pilot_round(
        app_engine, "Pilot", "contract-clauses@1.0.0", actor=app_lead, annotators=[app_annotator.name]
    )
    attempt = service.start_or_resume_attempt(app_engine, round_.id, app_annotator)
    service.record_answer(app_engine, attempt.id, attempt.next_item, "OTHER", actor=app_annotator)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Pandas4Warning)
        at = new_app(app_lead, query={"round": str(round_.id)}).run()
        at.switch_page(page("rounds.py")).run()
    assert not at.exception, at.exception
    (table,) = [d.value for d in at.dataframe if "last activity" in d.value.columns]
    assert not isinstance(table["last activity"].dtype, pd.DatetimeTZDtype), table["last activity"].dtype
    assert table["last activity"].notna().all()
