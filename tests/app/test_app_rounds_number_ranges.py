"""Rounds page: a number outside a field's range never becomes the field's previous value unseen.

With min/max on the widget the browser kept such a number to itself ("Number is outside the allowed
range") and Create round made the round with the default; now the number reaches the page, which
refuses it naming the field and the range, and keeps what was typed."""

from __future__ import annotations

from calibration.rounds import service
from tests.app.app_helpers import errors, new_app, page


def _rounds_page(user):
    at = new_app(user).run()
    at.switch_page(page("rounds.py")).run()
    assert not at.exception, at.exception
    return at


def test_items_per_quiz_outside_its_range_is_refused_and_kept(app_engine, app_lead):
    at = _rounds_page(app_lead)
    at.text_input(key="rounds_name").input("Too long")
    at.selectbox(key="rounds_ref").set_value("contract-clauses@1.1.0")
    at.number_input(key="rounds_per_quiz").set_value(99999).run()
    refusal = (
        "Items per quiz is 99999: it must be from 0 to 500; nothing was created "
        "(hint: type a whole number in the range, then press the button again)"
    )
    assert errors(at) == [refusal]  # said at once, instead of the quiz length preview
    at.button(key="rounds_create").click().run()
    assert not at.exception
    assert errors(at) == [refusal]  # once: not again above the button
    assert service.list_rounds(app_engine) == []
    assert at.number_input(key="rounds_per_quiz").value == 99999
    at.number_input(key="rounds_per_quiz").set_value(6)
    at.button(key="rounds_create").click().run()
    (created,) = service.list_rounds(app_engine)
    assert created.settings["items_per_quiz"] == 6


def test_too_many_invitation_links_are_refused(app_engine, app_lead):
    at = _rounds_page(app_lead)
    at.text_input(key="rounds_name").input("Cohort")
    at.selectbox(key="rounds_ref").set_value("contract-clauses@1.1.0")
    at.number_input(key="rounds_links_count").set_value(-1)
    at.button(key="rounds_create").click().run()
    assert errors(at) == [
        "Invitation links to create is -1: it must be from 0 to 100; nothing was created "
        "(hint: type a whole number in the range, then press the button again)"
    ]
    assert service.list_rounds(app_engine) == []
    at.number_input(key="rounds_links_count").set_value(0)
    at.button(key="rounds_create").click().run()
    (round_,) = service.list_rounds(app_engine)
    at.number_input(key="rounds_more_count").set_value(101)
    at.button(key=f"rounds_more_{round_.id}").click().run()
    assert "How many is 101: it must be from 1 to 100" in errors(at)[0]
    assert not [c for c in at.code if "invite=" in c.value]
