"""First start, sign-in, invitations and role checks, through the router (AppTest)."""

from __future__ import annotations

import datetime as dt

import pytest

from calibration.rounds import service
from tests.app.app_helpers import PASSWORD, errors, new_app, page


def test_first_start_asks_for_the_first_lead_and_signs_them_in(app_engine):
    at = new_app().run()
    assert not at.exception
    assert at.title[0].value == "Welcome: set up the calibration trainer"
    at.text_input(key="setup_name").input("Lena Lead")
    at.text_input(key="setup_email").input("lead@example.org")
    at.text_input(key="setup_password").input(PASSWORD)
    at.text_input(key="setup_repeat").input(PASSWORD)
    at.button(key="setup_submit").click().run()
    assert not at.exception
    assert service.has_lead(app_engine)
    lead = service.authenticate(app_engine, "lead@example.org", PASSWORD)
    assert lead.role == "lead" and at.session_state["auth_user_id"] == lead.id
    at.run()
    assert at.title[0].value == "Hello, Lena Lead"


def test_the_setup_demo_checkbox_names_every_pilot_it_loads(app_engine):
    at = new_app().run()
    label = at.checkbox(key="setup_demo").label
    at.text_input(key="setup_name").input("Lena Lead")
    at.text_input(key="setup_email").input("lead@example.org")
    at.text_input(key="setup_password").input(PASSWORD)
    at.text_input(key="setup_repeat").input(PASSWORD)
    at.checkbox(key="setup_demo").check()
    at.button(key="setup_submit").click().run(timeout=180)
    assert not at.exception
    loaded = {r.guideline_ref for r in service.list_rounds(app_engine)}
    assert loaded == {"contract-clauses@1.0.0", "contract-clauses@1.1.0", "street-objects@1.0.0"}
    for ref in loaded:  # the label promises what is loaded, the box pilot included
        guideline_id, version = ref.split("@")
        assert guideline_id in label and version in label, (ref, label)


def test_setup_refuses_two_different_passwords(app_engine):
    at = new_app().run()
    at.text_input(key="setup_name").input("Lena Lead")
    at.text_input(key="setup_email").input("lead@example.org")
    at.text_input(key="setup_password").input(PASSWORD)
    at.text_input(key="setup_repeat").input(PASSWORD + "x")
    at.button(key="setup_submit").click().run()
    assert errors(at) == [
        "Password: the two passwords differ (hint: type the same password twice)"
    ]  # one wording everywhere
    assert not service.has_lead(app_engine)


def test_setup_refuses_a_short_password_with_the_service_message(app_engine):
    at = new_app().run()
    at.text_input(key="setup_name").input("Lena Lead")
    at.text_input(key="setup_email").input("lead@example.org")
    at.text_input(key="setup_password").input("short")
    at.text_input(key="setup_repeat").input("short")
    at.button(key="setup_submit").click().run()
    assert "at least 8 are needed" in errors(at)[0]
    assert not service.has_lead(app_engine)


def test_admin_from_environment_skips_the_setup_page(tmp_path, monkeypatch):
    from calibration.storage.engine import make_engine

    url = f"sqlite:///{tmp_path / 'env.db'}"
    monkeypatch.setenv("CALIBRATION_DATABASE_URL", url)
    monkeypatch.setenv("CALIBRATION_ADMIN_EMAIL", "ops@example.org")
    monkeypatch.setenv("CALIBRATION_ADMIN_PASSWORD", PASSWORD)
    at = new_app().run()
    assert not at.exception
    assert at.title[0].value == "Sign in"
    engine = make_engine(url)
    assert service.authenticate(engine, "ops@example.org", PASSWORD).role == "lead"
    engine.dispose()


def test_sign_in_with_a_wrong_password_is_refused(app_lead):
    at = new_app().run()
    at.text_input(key="sign_in_login").input("lead@example.org")
    at.text_input(key="sign_in_password").input("not-the-password")
    at.button(key="sign_in_submit").click().run()
    assert errors(at) == ["wrong email or password (hint: check both; passwords are case-sensitive)"]
    assert "auth_user_id" not in at.session_state


def test_sign_in_is_rate_limited(app_lead):
    at = new_app().run()
    for _ in range(5):
        at.text_input(key="sign_in_login").input("lead@example.org")
        at.text_input(key="sign_in_password").input("not-the-password")
        at.button(key="sign_in_submit").click().run()
    at.text_input(key="sign_in_password").input(PASSWORD)
    at.button(key="sign_in_submit").click().run()
    assert errors(at)[0].startswith("too many attempts, try again in ")


def test_sign_in_opens_the_home_page(app_lead):
    at = new_app().run()
    at.text_input(key="sign_in_login").input("lead@example.org")
    at.text_input(key="sign_in_password").input(PASSWORD)
    at.button(key="sign_in_submit").click().run()
    assert not at.exception
    assert at.session_state["auth_user_id"] == app_lead.id
    assert at.success[0].value == "Welcome back, Lena Lead."
    at.run()
    assert at.title[0].value == "Hello, Lena Lead"


def test_an_annotator_cannot_reach_lead_pages(app_annotator):
    at = new_app(app_annotator).run()
    assert at.title[0].value == "Hello, Ari Annotator"
    for lead_page in ("rounds.py", "dashboard.py"):
        with pytest.raises(ValueError):  # not registered in an annotator's navigation
            at.switch_page(page(lead_page)).run()


def test_lead_pages_check_the_role_on_the_server(app_annotator):
    from streamlit.testing.v1 import AppTest

    from tests.app.app_helpers import ROOT

    at = AppTest.from_file(str(ROOT / page("rounds.py")), default_timeout=30)
    at.session_state["auth_user_id"] = app_annotator.id
    at.run()
    assert errors(at) == ["This page is for a lead; you are signed in as an annotator."]
    assert not [t for t in at.title if t.value == "Rounds"]


def test_a_page_needs_a_signed_in_user(app_engine):
    from streamlit.testing.v1 import AppTest

    from tests.app.app_helpers import ROOT

    at = AppTest.from_file(str(ROOT / page("quiz.py")), default_timeout=30).run()
    assert errors(at) == ["Please sign in to open this page."]


def _round_with_invitation(app_engine, app_lead, guideline, **invite):

    service.publish(app_engine, guideline, app_lead)
    round_ = service.create_calibration_round(app_engine, "Onboarding", guideline.ref, actor=app_lead)
    return round_, service.invite(app_engine, round_.id, actor=app_lead, **invite)


def test_invitation_link_creates_the_annotator_and_starts_the_quiz(app_engine, app_lead):
    from tests.app.app_helpers import single_label_guideline

    round_, token = _round_with_invitation(app_engine, app_lead, single_label_guideline())
    at = new_app(query={"invite": token}).run()
    assert not at.exception
    assert at.title[0].value == "Join a calibration round"
    assert "invite" not in at.query_params  # the token leaves the address bar at once
    at.text_input(key="join_name").input("Nia New")
    at.button(key="join_submit").click().run()
    assert not at.exception
    assert at.success[0].value == "Welcome, Nia New. Opening your quiz…"
    nia = next(u for u in service.list_users(app_engine, "annotator") if u.name == "Nia New")
    assert at.session_state["auth_user_id"] == nia.id
    status = service.round_status(app_engine, round_.id)
    assert [(p.name, p.status) for p in status.annotators] == [("Nia New", "in_progress")]
    # one-time: the same link does not work twice, and says so on opening, without a form
    again = new_app(query={"invite": token}).run()
    assert not again.exception
    assert errors(again)[0].startswith("this invitation was already used on ")
    # Nia chose no password: signing in cannot bring her back, so the page says to ask for a new link
    assert errors(again)[0].endswith(
        "(hint: ask your lead for a new link: the account made with this link has no password to sign in with)"
    )
    assert "Nia" not in errors(again)[0]  # nothing about the account it made
    assert not [t for t in again.text_input if t.key == "join_name"]
    assert not [b for b in again.button if b.key == "join_submit"]


def test_a_used_link_of_an_account_with_a_password_says_to_sign_in(app_engine, app_lead):
    from tests.app.app_helpers import single_label_guideline

    _, token = _round_with_invitation(app_engine, app_lead, single_label_guideline())
    service.redeem_invitation(
        app_engine, token, "Pat Password", email="pat@example.org", password="longenough1"
    )
    again = new_app(query={"invite": token}).run()
    assert errors(again)[0].endswith(
        "(hint: sign in with the email and password chosen when joining, or ask your lead for a new link)"
    )
    assert not [t for t in again.text_input if t.key == "join_name"]


def test_the_join_form_asks_for_the_password_twice(app_engine, app_lead):
    from tests.app.app_helpers import single_label_guideline

    _, token = _round_with_invitation(app_engine, app_lead, single_label_guideline())
    at = new_app(query={"invite": token}).run()
    at.text_input(key="join_name").input("Tess Typo")
    at.text_input(key="join_password").input("longenough1")
    at.text_input(key="join_password_again").input("longenough2")
    at.button(key="join_submit").click().run()
    assert errors(at) == [
        "Password: the two passwords differ (hint: type the same password twice)"
    ]  # one wording everywhere
    assert not [u for u in service.list_users(app_engine, "annotator") if u.name == "Tess Typo"]
    at.text_input(key="join_password_again").input("longenough1")
    at.button(key="join_submit").click().run()
    assert not at.exception
    assert at.success[0].value == "Welcome, Tess Typo. Opening your quiz…"
    assert next(u for u in service.list_users(app_engine, "annotator") if u.name == "Tess Typo").has_password


def test_an_expired_invitation_is_refused(app_engine, app_lead):
    from tests.app.app_helpers import single_label_guideline

    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=10)
    _, token = _round_with_invitation(app_engine, app_lead, single_label_guideline(), now=past)
    at = new_app(query={"invite": token}).run()
    assert errors(at)[0].startswith("this invitation expired on ")  # on opening: no form to fill first
    assert "ask your lead for a new link" in errors(at)[0]
    assert not [t for t in at.text_input if t.key == "join_name"]


def test_a_made_up_invitation_is_refused(app_engine, app_lead):
    at = new_app(query={"invite": "not-a-real-token"}).run()
    assert not [t for t in at.text_input if t.key == "join_name"]  # the error on opening, no form
    assert errors(at) == [
        "this invitation link is not valid (hint: copy the whole link, or ask your lead for a new one)"
    ]


def test_sign_out_forgets_the_user(app_lead):
    at = new_app(app_lead).run()
    at.button(key="app_sign_out").click().run()
    assert "auth_user_id" not in at.session_state
    assert at.info[0].value == "Signing out…"
    at.run()
    assert at.title[0].value == "Sign in"


def _with_sso(at):
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "sso-cookie-secret",
        "client_id": "calibration",
        "client_secret": "secret",
        "server_metadata_url": "http://localhost:8610/.well-known/openid-configuration",
    }
    return at


def test_single_sign_on_is_offered_when_configured(app_lead):
    at = _with_sso(new_app()).run()
    assert not at.exception
    assert [b.label for b in at.button if b.key == "sign_in_sso"] == ["Sign in with single sign-on"]
    plain = new_app().run()
    assert not [b for b in plain.button if b.key == "sign_in_sso"]


def test_a_single_sign_on_identity_signs_in_the_account_with_that_email(app_lead):
    at = _with_sso(new_app())
    at.user = {"is_logged_in": True, "email": "lead@example.org", "email_verified": True, "name": "Lena"}
    at.run()
    assert not at.exception
    assert at.title[0].value == "Hello, Lena Lead"


def test_an_unknown_single_sign_on_identity_is_told_to_ask_a_lead(app_lead):
    at = _with_sso(new_app())
    at.user = {"is_logged_in": True, "email": "stranger@example.org", "email_verified": True}
    at.run()
    assert at.title[0].value == "Sign in"
    assert at.warning[0].value.startswith(
        "Single sign-on says you are stranger@example\\.org, but no account"
    )


def test_a_user_without_a_password_confirms_sign_out_after_a_warning(app_engine, app_annotator):
    assert not app_annotator.has_password
    at = new_app(app_annotator).run()
    at.sidebar.button(key="app_sign_out").click().run()
    assert "auth_user_id" in at.session_state  # not yet: the warning first
    assert at.sidebar.warning[0].value == (
        "You have no password: set one first on the Account page, or you will need a new link from "
        "your lead to come back."
    )
    assert [link.label for link in at.sidebar.get("page_link")] == ["Set a password"]
    at.sidebar.button(key="app_sign_out_cancel").click().run()
    assert not at.sidebar.warning and "auth_user_id" in at.session_state
    at.sidebar.button(key="app_sign_out").click().run()
    at.sidebar.button(key="app_sign_out_confirmed").click().run()
    assert "auth_user_id" not in at.session_state
    assert at.info[0].value == "Signing out…"


def test_a_used_account_invitation_shows_the_error_instead_of_the_form(app_engine, app_lead):
    token = service.invite_user(app_engine, "annotator", actor=app_lead)
    service.redeem_user_invitation(app_engine, token, "Una Used")  # no password chosen
    at = new_app(query={"invite": token}).run()
    assert not at.exception
    assert errors(at)[0].startswith("this invitation was already used on ")
    assert "ask your lead for a new link" in errors(at)[0] and "Una" not in errors(at)[0]
    assert not [t for t in at.text_input if t.key == "join_account_name"]
