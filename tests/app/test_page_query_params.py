"""Each page keeps only its own query parameters, and writes one only when the user picks something
(writing a default on arrival added a second browser-history entry to every visit from the menu)."""

from __future__ import annotations

from calibration.app.navigation import own_query_params
from calibration.rounds import service
from tests.app.app_helpers import calibration_round, new_app, page, single_label_guideline


def test_a_parameter_carried_from_another_page_is_dropped(app_engine, app_lead, app_annotator):
    calibration_round(app_engine, app_lead, single_label_guideline(), app_annotator)
    at = new_app(app_annotator).run()
    at.query_params["round"] = "5"  # what the browser carries from quiz?round=5 to the next page
    at.switch_page(page("guideline.py")).run()
    assert not at.exception, at.exception
    assert dict(at.query_params) == {}  # no "round", and no default "version" written on arrival


def test_a_page_keeps_its_own_parameters_and_the_notice():
    assert own_query_params("quiz", "annotator", {"round": ["3"], "attempt": ["7"], "notice": ["x"]}) is None
    assert own_query_params("guideline", "annotator", {"round": ["3"], "version": ["g@1.0.0"]}) == {
        "version": ["g@1.0.0"]
    }
    assert own_query_params("home", "lead", {"round": ["3"]}) == {}  # Home reads none
    assert own_query_params("", "lead", {"round": ["3"]}) is None  # the root: sign-in returns land there
    assert own_query_params("dashboard", "lead", {"round": ["3"], "version": ["g@1"]}) == {"round": ["3"]}
    assert own_query_params("join", "lead", {"invite": ["t"]}) is None  # not a menu page: its own to read


def test_picking_a_guideline_version_writes_it_into_the_url(app_engine, app_annotator):
    at = new_app(app_annotator).run()
    at.switch_page(page("guideline.py")).run()
    box = at.selectbox(key="guideline_version")
    other = next(ref for ref in box.options if ref != box.value)
    box.set_value(other).run()
    assert not at.exception, at.exception
    assert dict(at.query_params) == {"version": other}
    assert at.selectbox(key="guideline_version").value == other


def test_the_version_in_the_url_wins_over_the_last_pick(app_engine, app_annotator):
    at = new_app(app_annotator).run()
    at.switch_page(page("guideline.py")).run()
    box = at.selectbox(key="guideline_version")
    first, other = box.value, next(ref for ref in box.options if ref != box.value)
    box.set_value(other).run()
    at.query_params["version"] = first  # back: the browser's URL names the earlier version
    at.run()
    assert at.selectbox(key="guideline_version").value == first


def test_the_quiz_writes_its_round_only_when_one_is_picked(app_engine, app_lead, app_annotator):
    guideline = single_label_guideline()
    first = calibration_round(app_engine, app_lead, guideline, app_annotator, name="First quiz")
    second = service.create_calibration_round(
        app_engine, "Second quiz", guideline.ref, actor=app_lead, annotators=[app_annotator.name]
    )
    at = new_app(app_annotator).run()
    at.switch_page(page("quiz.py")).run()
    assert not at.exception, at.exception
    assert "round" not in at.query_params  # arriving from the menu: no second history entry
    box = at.sidebar.selectbox(key="quiz_round_pick")
    other = second.id if box.value == first.id else first.id
    at.query_params["attempt"] = "12345"  # the other round's attempt must not follow
    box.set_value(other).run()
    assert not at.exception, at.exception
    assert dict(at.query_params) == {"round": str(other)}
    assert at.sidebar.selectbox(key="quiz_round_pick").value == other
