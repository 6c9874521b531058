"""Security review: lead pages refuse annotators on the server, and no gold reaches an annotator's page early.

"Any element" here means the protobuf of every element the script sent to the browser (texts,
widget labels, options, defaults, help, keys), not only the visible texts.
"""

from __future__ import annotations

import pytest

from calibration.app.navigation import ANNOTATOR, PAGES
from calibration.rounds import service
from tests.app.app_helpers import ROOT, calibration_round, new_app, page, single_label_guideline

LEAD_PAGES = [spec for spec in PAGES if ANNOTATOR not in spec.roles]


def sent_to_browser(at) -> str:
    """The text form of every element proto in the app's element tree (main, sidebar, widgets)."""
    parts: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in (getattr(node, "children", None) or {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


def gold_marks(guideline) -> list[str]:
    """Strings that only the quiz bank's gold side carries (its rationales)."""
    return [item.why for item in guideline.items]


def bank_texts(guideline) -> list[str]:
    return [item.input.text for item in guideline.items]


@pytest.fixture
def answered_round(app_engine, app_lead, app_annotator):
    """A calibration round with the annotator's first answer stored (so lead pages have data)."""
    guideline = single_label_guideline()
    round_ = calibration_round(app_engine, app_lead, guideline, app_annotator)
    attempt = service.start_or_resume_attempt(app_engine, round_.id, app_annotator)
    first = attempt.next_item
    service.record_answer(app_engine, attempt.id, first, "POS", actor=app_annotator)
    return guideline, round_


def _refusal(roles: tuple[str, ...]) -> str:
    names = {"lead": "lead", "author": "guideline author"}
    allowed = " or ".join(names[r] for r in roles)
    return f"This page is for a {allowed}; you are signed in as an annotator."


@pytest.mark.parametrize("spec", LEAD_PAGES, ids=[spec.file for spec in LEAD_PAGES])
def test_every_lead_page_file_refuses_a_signed_in_annotator_before_reading_data(
    spec, answered_round, app_annotator
):
    from streamlit.testing.v1 import AppTest

    guideline, round_ = answered_round
    at = AppTest.from_file(str(ROOT / page(spec.file)), default_timeout=30)
    at.session_state["auth_user_id"] = app_annotator.id
    at.query_params["round"] = str(round_.id)
    at.run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [_refusal(spec.roles)]
    sent = sent_to_browser(at)
    for secret in (*gold_marks(guideline), *bank_texts(guideline), "Ari Annotator"):
        assert secret not in sent, f"{spec.file} sent {secret!r} to an annotator"
    # Nothing but the refusal: no widget, table or chart of the page was drawn.
    assert not at.dataframe and not at.selectbox and not at.button and not at.table


@pytest.mark.parametrize("spec", LEAD_PAGES, ids=[spec.file for spec in LEAD_PAGES])
def test_an_annotator_cannot_switch_to_a_lead_page_through_the_router(spec, app_annotator):
    at = new_app(app_annotator).run()
    with pytest.raises(ValueError):  # not registered in an annotator's navigation: no URL, no switch
        at.switch_page(page(spec.file)).run()


def test_a_signed_out_visitor_gets_the_sign_in_request_on_every_page_file(answered_round):
    from streamlit.testing.v1 import AppTest

    guideline, _ = answered_round
    for spec in PAGES:
        at = AppTest.from_file(str(ROOT / page(spec.file)), default_timeout=30).run()
        assert [e.value for e in at.error] == ["Please sign in to open this page."], spec.file
        assert not any(secret in sent_to_browser(at) for secret in gold_marks(guideline)), spec.file


def _quiz(user, round_):
    at = new_app(user, query={"round": str(round_.id)}).run()
    at.switch_page(page("quiz.py")).run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("feedback", ["immediate", "at_end"])
def test_no_gold_of_an_unanswered_item_is_in_any_element_of_the_quiz(
    feedback, app_engine, app_lead, app_annotator
):
    guideline = single_label_guideline(feedback=feedback)
    round_ = calibration_round(app_engine, app_lead, guideline, app_annotator)
    at = _quiz(app_annotator, round_)
    attempt = service.start_or_resume_attempt(app_engine, round_.id, app_annotator)
    first, second = attempt.items
    sent = sent_to_browser(at)
    assert guideline.item(first).input.text in sent  # the item is on the page ...
    assert not [why for why in gold_marks(guideline) if why in sent]  # ... its rationale is not
    key = f"quiz_{attempt.id}_0"
    at.radio(key=f"{key}_answer").set_value(guideline.item(first).answer)
    at.button(key=f"{key}_submit").click().run()
    sent = sent_to_browser(at)
    assert guideline.item(second).why not in sent
    if feedback == "at_end":
        assert guideline.item(first).why not in sent  # at_end: not even the answered item's yet
    else:
        assert guideline.item(first).why in sent  # immediate: the answered item's feedback


def test_a_pilot_round_never_sends_gold_even_after_the_last_answer(app_engine, app_lead, app_annotator):
    guideline = single_label_guideline()
    service.publish(app_engine, guideline, app_lead)
    round_ = service.create_pilot_round(
        app_engine, "Pilot", guideline.ref, actor=app_lead, annotators=[app_annotator.name], overlap=1
    )
    at = _quiz(app_annotator, round_)
    attempt = service.start_or_resume_attempt(app_engine, round_.id, app_annotator)
    for position in range(attempt.total):
        assert not [why for why in gold_marks(guideline) if why in sent_to_browser(at)]
        key = f"quiz_{attempt.id}_{position}"
        at.radio(key=f"{key}_answer").set_value("POS")
        at.button(key=f"{key}_submit").click().run()
        assert not at.exception
    sent = sent_to_browser(at)
    assert "All items answered" in sent
    assert not [why for why in gold_marks(guideline) if why in sent]
    at.switch_page(page("home.py")).run()
    assert not [why for why in gold_marks(guideline) if why in sent_to_browser(at)]


def test_the_annotators_home_and_guideline_pages_send_no_quiz_bank(answered_round, app_annotator):
    guideline, _ = answered_round
    at = new_app(app_annotator).run()
    for name in ("home.py", "guideline.py"):
        if name != "home.py":
            at.switch_page(page(name)).run()
        assert not at.exception, at.exception
        sent = sent_to_browser(at)
        assert not [s for s in (*gold_marks(guideline), *bank_texts(guideline)) if s in sent], name
    assert guideline.rules[0].examples[0].why in sent_to_browser(at)  # teaching material is shown


HOSTILE_TITLE = "Praise ![x](https://tracker.example/p.png) [click](https://evil.example) :red[loud] **bold**"


def _hostile_guideline(feedback: str = "immediate"):
    """The tiny guideline with markdown, an image and a directive in its title, a rule title and an anchor."""
    from calibration.guidelines.model import Guideline

    data = single_label_guideline(feedback=feedback).model_dump(mode="json", exclude_none=True)
    data["title"] = "Guide :blue[styled] [link](https://evil.example)"
    data["rules"][0]["title"] = HOSTILE_TITLE
    return Guideline.model_validate(data)


def test_rule_and_guideline_titles_from_an_upload_are_escaped_on_the_guideline_page(
    app_engine, app_lead, app_annotator
):
    from calibration.app.state import escape_markdown

    guideline = _hostile_guideline()
    calibration_round(app_engine, app_lead, guideline, app_annotator)
    at = new_app(app_annotator).run()
    at.switch_page(page("guideline.py")).run()
    assert not at.exception, at.exception
    assert at.title[0].value == escape_markdown(guideline.title)
    assert f"R-POS · {escape_markdown(HOSTILE_TITLE)}" in [h.value for h in at.subheader]
    assert f"R-POS · {HOSTILE_TITLE}" not in [h.value for h in at.subheader]


def test_rule_titles_in_quiz_feedback_are_escaped(app_engine, app_lead, app_annotator):
    from calibration.app.state import escape_markdown

    guideline = _hostile_guideline()
    round_ = calibration_round(app_engine, app_lead, guideline, app_annotator)
    at = _quiz(app_annotator, round_)
    assert at.title[0].value == escape_markdown(guideline.title)
    attempt = service.start_or_resume_attempt(app_engine, round_.id, app_annotator)
    pos = next(i for i, item_id in enumerate(attempt.items) if "R-POS" in guideline.item(item_id).rules)
    for position in range(pos + 1):
        key = f"quiz_{attempt.id}_{position}"
        at.radio(key=f"{key}_answer").set_value(guideline.item(attempt.items[position]).answer)
        at.button(key=f"{key}_submit").click().run()
        if position < pos:
            at.button(key="quiz_next").click().run()
    labels = [e.label for e in at.expander]
    assert f"Rule R-POS · {escape_markdown(HOSTILE_TITLE)}" in labels
    assert not [label for label in labels if "](https://" in label]


def test_a_round_name_is_escaped_in_the_rounds_page_heading(app_engine, app_lead, app_annotator):
    from calibration.app.state import escape_markdown

    name = "Q3 ![t](https://tracker.example/p.png) :red[urgent]"
    calibration_round(app_engine, app_lead, single_label_guideline(), app_annotator, name=name)
    at = new_app(app_lead).run()
    at.switch_page(page("rounds.py")).run()
    assert not at.exception, at.exception
    assert escape_markdown(name) in [h.value for h in at.subheader]
    assert name not in [h.value for h in at.subheader]


def _sso(at, **identity):
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "sso-cookie-secret",
        "client_id": "calibration",
        "client_secret": "secret",
        "server_metadata_url": "http://localhost:8610/.well-known/openid-configuration",
    }
    at.user = {"is_logged_in": True, **identity}
    return at


def test_a_single_sign_on_identity_with_an_unverified_email_signs_nobody_in(app_lead):
    at = _sso(new_app(), email="lead@example.org", email_verified=False).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Sign in"
    assert "auth_user_id" not in at.session_state
    assert at.warning[0].value == (
        "Single sign-on has not verified the email lead@example\\.org, so it cannot sign you in. "
        "Verify it with your identity provider, or sign in with a password."
    )
    verified = _sso(new_app(), email="lead@example.org", email_verified=True).run()
    assert verified.title[0].value == "Hello, Lena Lead"


def test_an_identity_that_signs_nobody_in_can_sign_out_of_single_sign_on(app_lead, monkeypatch):
    """The one way out of an identity the app refuses (else the next sign-in is the same identity)."""
    import streamlit as st

    calls = []
    monkeypatch.setattr(st, "logout", lambda: calls.append("logout"))  # Streamlit's own redirect
    at = _sso(new_app(), email="lead@example.org", email_verified=False).run()
    assert not [b for b in at.button if b.key == "sign_in_sso"]  # no sign-in with this identity
    at.button(key="sign_in_sso_out").click().run()
    assert not at.exception, at.exception
    assert calls == ["logout"]
    assert "auth_user_id" not in at.session_state


def test_a_single_sign_on_identity_never_signs_in_an_account_by_its_name(app_engine, app_lead):
    """nOAuth: a user named like someone's address at the provider is not that address's account."""
    bob = service.create_user(app_engine, "bob@partner.example", role="lead", email=None, actor=app_lead)
    at = _sso(new_app(), email="BOB@partner.example", email_verified=True).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Sign in" and "auth_user_id" not in at.session_state
    assert "no account has this email" in at.warning[0].value
    assert service.get_user(app_engine, bob.id).sign_in_method == "local"


@pytest.mark.parametrize(
    "claim", [{}, {"email_verified": None}, {"email_verified": "false"}, {"email_verified": 0}]
)
def test_a_single_sign_on_identity_without_a_true_email_verified_signs_nobody_in(
    app_lead, claim, monkeypatch
):
    monkeypatch.delenv("CALIBRATION_SSO_ASSUME_EMAIL_VERIFIED", raising=False)
    at = _sso(new_app(), email="lead@example.org", **claim).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Sign in" and "auth_user_id" not in at.session_state
    assert at.warning[0].value.startswith("Single sign-on has not verified the email lead@example\\.org")
    assert _sso(new_app(), email="lead@example.org", email_verified="true").run().title[0].value == (
        "Hello, Lena Lead"
    )


def test_a_deployment_can_trust_a_provider_that_sends_no_email_verified(app_lead, monkeypatch):
    monkeypatch.setenv("CALIBRATION_SSO_ASSUME_EMAIL_VERIFIED", "1")
    assert _sso(new_app(), email="lead@example.org").run().title[0].value == "Hello, Lena Lead"
    refused = _sso(new_app(), email="lead@example.org", email_verified=False).run()  # said false: never
    assert refused.title[0].value == "Sign in"


def test_a_deactivated_account_is_told_so_and_not_marked_single_sign_on(app_engine, app_lead):
    ann = service.create_user(app_engine, "Ann", role="author", email="ann@example.org", actor=app_lead)
    service.deactivate_user(app_engine, ann, actor=app_lead)
    at = _sso(new_app(), email="ann@example.org", email_verified=True).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Sign in" and "auth_user_id" not in at.session_state
    assert at.warning[0].value == (
        "Single sign-on says you are ann@example\\.org, but this account is deactivated. "
        "Ask a lead to reactivate it."
    )
    assert service.get_user(app_engine, ann.id).sign_in_method == "local"
    assert "single_sign_on" not in [e.action for e in service.audit_log(app_engine)]


def test_an_error_quoting_user_text_is_shown_escaped(app_engine, app_lead):
    from calibration.app.state import escape_markdown
    from tests.app.app_helpers import errors

    guideline = single_label_guideline()
    round_ = calibration_round(app_engine, app_lead, guideline, app_lead, name="Open round")
    hostile = "![t](https://tracker.example/p.png) :red[x]"
    service.create_user(app_engine, hostile, role="annotator", actor=app_lead)
    token = service.invite(app_engine, round_.id, actor=app_lead)
    at = new_app(query={"invite": token}).run()
    at.text_input(key="join_name").input(hostile)
    at.button(key="join_submit").click().run()
    assert not at.exception, at.exception
    expected = f"Display name: the name {hostile!r} is taken (hint: choose another name)"
    assert [e.value for e in at.error] == [escape_markdown(expected)]  # what the browser gets
    assert errors(at) == [expected]  # what the reader sees


TRACKER = "![t](https://tracker.example/p.png)"


def test_span_token_pills_and_label_options_are_escaped(app_engine, app_lead, app_annotator):
    from calibration.app.state import escape_markdown
    from calibration.guidelines.model import Guideline
    from tests.app.app_helpers import task_guideline

    data = task_guideline("span").model_dump(mode="json", exclude_none=True)
    for item in data["items"]:
        item["input"]["text"] += f" {TRACKER} :red[x] # - 1."
    data["task"]["labels"][0]["name"] = f"Email {TRACKER}"
    guideline = Guideline.model_validate(data)
    round_ = calibration_round(app_engine, app_lead, guideline, app_annotator)
    at = _quiz(app_annotator, round_)
    attempt = service.start_or_resume_attempt(app_engine, round_.id, app_annotator)
    key = f"quiz_{attempt.id}_0"
    from calibration.app.widgets.spans import token_labels, tokenize

    text = guideline.item(attempt.items[0]).input.text
    at.toggle(key=f"{key}_buttons").set_value(True).run()
    tokens = at.pills(key=f"{key}_tokens").options
    # a lone "#" or "-" pill would render as an empty heading or list item: every token is escaped
    assert tokens == [escape_markdown(t) for t in token_labels(text, tokenize(text))]
    assert "\\#" in tokens and "\\-" in tokens and "#" not in tokens
    labels = at.segmented_control(key=f"{key}_label").options
    assert labels[0] == escape_markdown(f"Email {TRACKER}")


def test_single_label_names_are_escaped_in_the_answer_form(app_engine, app_lead, app_annotator):
    from calibration.app.state import escape_markdown
    from calibration.guidelines.model import Guideline

    data = single_label_guideline().model_dump(mode="json", exclude_none=True)
    data["task"]["labels"][0]["name"] = f"Positive {TRACKER}"
    guideline = Guideline.model_validate(data)
    round_ = calibration_round(app_engine, app_lead, guideline, app_annotator)
    at = _quiz(app_annotator, round_)
    attempt = service.start_or_resume_attempt(app_engine, round_.id, app_annotator)
    options = at.radio(key=f"quiz_{attempt.id}_0_answer").options
    assert escape_markdown(f"Positive {TRACKER}") in options
    assert f"Positive {TRACKER}" not in options


def _sign_out_link(at) -> str:
    at.button(key="app_sign_out").click().run()
    assert at.info[0].value == "Signing out…"
    (link,) = at.get("link_button")
    return link.proto.url


def test_signing_out_of_a_single_sign_on_account_ends_the_identity_too(app_lead):
    at = _sso(new_app(), email="lead@example.org", email_verified=True).run()
    assert at.title[0].value == "Hello, Lena Lead"
    assert _sign_out_link(at) == "/calibration/signout?sso=1"
    assert _sign_out_link(new_app(app_lead).run()) == "/calibration/signout"  # password sign-in


def test_the_signout_route_goes_on_to_streamlits_logout_for_single_sign_on():
    import asyncio

    from starlette.requests import Request

    from calibration.app import auth

    routes = {route.path: route for route in auth.session_routes()}

    def call(query: str):
        scope = {
            "type": "http",
            "method": "GET",
            "path": "/calibration/signout",
            "root_path": "",
            "scheme": "https",
            "query_string": query.encode(),
            "headers": [(b"host", b"calib.example.org")],
            "server": ("calib.example.org", 443),
        }
        return asyncio.run(routes["/calibration/signout"].endpoint(Request(scope)))

    for query, target in (("sso=1", "/auth/logout"), ("", "/"), ("sso=https://evil.example", "/")):
        response = call(query)
        assert response.status_code == 303 and response.headers["location"] == target
        assert response.headers["set-cookie"].startswith(f'{auth.COOKIE_NAME}=""')
