"""A closed round deals no new item: on load, and on "Next item", the quiz says the round is closed
and draws no answer form (fixed and adaptive quizzes, fixed and adaptive pilots). The server still
refuses an answer to a closed round."""

from __future__ import annotations

from typing import Any

import pytest

from calibration.errors import CalibrationError
from calibration.rounds import service
from tests.app.app_helpers import calibration_round, new_app, page, single_label_guideline, texts
from tests.app.test_adaptive_pilot_app import _publish as publish_pilot_guideline
from tests.app.test_app_quiz_adaptive import _guideline as adaptive_guideline


def _open(user: Any, round_: Any) -> Any:
    at = new_app(user, query={"round": str(round_.id)}).run()
    at.switch_page(page("quiz.py")).run()
    assert not at.exception, at.exception
    return at


def _answer_forms(at: Any) -> list[str]:
    return [b.key for b in at.button if (b.key or "").endswith("_submit")]


def _assert_closed(at: Any, name: str) -> None:
    assert not at.exception, at.exception
    assert any(f"This round ({name}) is closed" in w.value for w in at.warning), [w.value for w in at.warning]
    assert not _answer_forms(at)
    assert not [b for b in at.button if b.key == "quiz_next"]
    assert not at.radio  # no item's answer widget
    assert not [c for c in at.caption if c.value.startswith("Item ")]
    assert not [p for p in at.progress if (p.proto.text or "").startswith("Item ")]


def _answer_first(at: Any, engine: Any, round_: Any, user: Any, value: str) -> Any:
    attempt = service.start_or_resume_attempt(engine, round_.id, user)
    key = f"quiz_{attempt.id}_{attempt.items.index(attempt.next_item)}"
    assert _answer_forms(at) == [f"{key}_submit"]
    at.radio(key=f"{key}_answer").set_value(value)
    at.button(key=f"{key}_submit").click().run()
    assert not at.exception, at.exception
    return attempt


def _refused(engine: Any, attempt: Any, user: Any) -> None:
    after = service.get_attempt(engine, attempt.id, actor=user)
    assert after.answered == 1
    if after.next_item is not None:  # the server-side refusal stays
        with pytest.raises(CalibrationError, match="is closed"):
            service.record_answer(engine, attempt.id, after.next_item, "POS", actor=user)


def test_a_fixed_quiz_closed_after_an_answer_shows_the_notice_on_load(app_engine, app_lead, app_annotator):
    guideline = single_label_guideline(feedback="at_end")
    round_ = calibration_round(app_engine, app_lead, guideline, app_annotator)
    at = _open(app_annotator, round_)
    attempt = _answer_first(at, app_engine, round_, app_annotator, "POS")
    assert _answer_forms(at)  # item 2 while the round is open
    service.close_round(app_engine, round_.id, actor=app_lead)
    _assert_closed(_open(app_annotator, round_), round_.name)
    _refused(app_engine, attempt, app_annotator)
    service.close_round(app_engine, round_.id, actor=app_lead, reopen=True)
    assert _answer_forms(_open(app_annotator, round_))  # reopened: the quiz goes on


def test_next_item_after_feedback_in_a_closed_round_shows_the_notice(app_engine, app_lead, app_annotator):
    guideline = single_label_guideline()  # immediate feedback: "Next item" after each answer
    round_ = calibration_round(app_engine, app_lead, guideline, app_annotator)
    at = _open(app_annotator, round_)
    attempt = _answer_first(at, app_engine, round_, app_annotator, "POS")
    assert [b for b in at.button if b.key == "quiz_next"]
    service.close_round(app_engine, round_.id, actor=app_lead)
    at.button(key="quiz_next").click().run()  # drawn while open, pressed once closed
    _assert_closed(at, round_.name)
    reloaded = _open(app_annotator, round_)
    _assert_closed(reloaded, round_.name)
    _refused(app_engine, attempt, app_annotator)


def test_a_reload_with_feedback_pending_keeps_the_feedback_but_offers_no_next_item(
    app_engine, app_lead, app_annotator
):
    guideline = single_label_guideline()
    round_ = calibration_round(app_engine, app_lead, guideline, app_annotator)
    at = _open(app_annotator, round_)
    attempt = _answer_first(at, app_engine, round_, app_annotator, "POS")
    item = guideline.item(attempt.next_item)
    service.close_round(app_engine, round_.id, actor=app_lead)
    reloaded = _open(app_annotator, round_)
    _assert_closed(reloaded, round_.name)
    assert item.why in texts(reloaded)  # the feedback on the item answered stays readable


@pytest.mark.parametrize("feedback", ["immediate", "at_end"])
def test_an_adaptive_quiz_closed_after_an_answer_deals_no_item(
    tmp_path, app_engine, app_lead, app_annotator, feedback
):
    guideline = adaptive_guideline(tmp_path, feedback)
    service.publish(app_engine, guideline, app_lead)
    round_ = service.create_calibration_round(
        app_engine, "Adaptive quiz", guideline.ref, actor=app_lead, annotators=[app_annotator.name]
    )
    at = _open(app_annotator, round_)
    attempt = _answer_first(at, app_engine, round_, app_annotator, "POS")
    service.close_round(app_engine, round_.id, actor=app_lead)
    if feedback == "immediate":
        at.button(key="quiz_next").click().run()
        _assert_closed(at, round_.name)
    _assert_closed(_open(app_annotator, round_), round_.name)
    _refused(app_engine, attempt, app_annotator)
    assert not service.get_attempt(app_engine, attempt.id, actor=app_annotator).finished


def test_a_fixed_pilot_closed_after_an_answer_deals_no_item(app_engine, app_lead, app_annotator):
    guideline = single_label_guideline()
    service.publish(app_engine, guideline, app_lead)
    round_ = service.create_pilot_round(
        app_engine, "Pilot", guideline.ref, actor=app_lead, annotators=[app_annotator.name], overlap=1
    )
    at = _open(app_annotator, round_)
    attempt = _answer_first(at, app_engine, round_, app_annotator, "POS")
    service.close_round(app_engine, round_.id, actor=app_lead)
    _assert_closed(_open(app_annotator, round_), round_.name)
    _refused(app_engine, attempt, app_annotator)


def test_an_adaptive_pilot_closed_after_an_answer_deals_no_item(app_engine, app_lead):
    publish_pilot_guideline(app_engine, app_lead)
    ann = service.create_user(app_engine, "Ann", role="annotator", actor=app_lead)
    round_ = service.create_pilot_round(
        app_engine, "Adaptive C", "pil@1.0.0", actor=app_lead, annotators=["Ann"], adaptive=True
    )
    at = _open(ann, round_)
    attempt = _answer_first(at, app_engine, round_, ann, "POS")
    service.close_round(app_engine, round_.id, actor=app_lead)
    _assert_closed(_open(ann, round_), round_.name)
    _refused(app_engine, attempt, ann)
    assert not service.get_attempt(app_engine, attempt.id, actor=ann).finished


def test_home_says_a_round_is_closed_before_the_annotator_opens_it(app_engine, app_lead, app_annotator):
    """Home offered "Continue" on a closed round, which led to the closed notice; it says so itself."""
    guideline = single_label_guideline(feedback="at_end")
    round_ = calibration_round(app_engine, app_lead, guideline, app_annotator)
    at = new_app(app_annotator).run()
    assert at.button(key=f"home_open_{round_.id}").label == "Continue"
    service.close_round(app_engine, round_.id, actor=app_lead)
    at = new_app(app_annotator).run()
    assert not at.exception, at.exception
    assert any("Closed by your lead: this round takes no more answers." in c.value for c in at.caption)
    assert at.button(key=f"home_open_{round_.id}").label == "Open"
    assert [p.proto.text for p in at.progress][-1].endswith(" · closed")  # not "in progress"
    at.button(key=f"home_open_{round_.id}").click().run()  # never started: the refusal says why
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [
        r"round 'Quiz round' is closed \(hint\: ask your lead to reopen it\)"
    ]
    assert not _answer_forms(at)


def test_an_answer_sent_after_the_round_closed_is_said_not_recorded(app_engine, app_lead, app_annotator):
    """The item's form was open when the lead closed the round: the page said only "your answers so far
    are saved", and the progress line went away (third walk). It says this answer was not recorded."""
    guideline = single_label_guideline(feedback="at_end")
    round_ = calibration_round(app_engine, app_lead, guideline, app_annotator)
    at = _open(app_annotator, round_)
    attempt = _answer_first(at, app_engine, round_, app_annotator, "POS")
    after = service.get_attempt(app_engine, attempt.id, actor=app_annotator)
    key = f"quiz_{attempt.id}_{after.items.index(after.next_item)}"
    service.close_round(app_engine, round_.id, actor=app_lead)
    at.radio(key=f"{key}_answer").set_value("POS")
    at.button(key=f"{key}_submit").click().run()
    _assert_closed(at, round_.name)
    assert any("The answer you just gave was not recorded" in w.value for w in at.warning)
    assert [p.proto.text for p in at.progress] == [f"1 of {after.total} answered"]
    assert service.get_attempt(app_engine, attempt.id, actor=app_annotator).answered == 1
    reloaded = _open(app_annotator, round_)  # a reload: the notice, not the lost answer's warning
    assert not any("not recorded" in w.value for w in reloaded.warning)
