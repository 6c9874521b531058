"""Results that stay: every finished attempt's result and review, feedback that survives a reload."""

from __future__ import annotations

from typing import Any

import pytest

from calibration.errors import PermissionDenied
from calibration.rounds import service
from tests.app.app_helpers import calibration_round, errors, new_app, page, single_label_guideline, texts


def open_quiz(user: Any, round_: Any, **query: str) -> Any:
    at = new_app(user, query={"round": str(round_.id), **query}).run()
    at.switch_page(page("quiz.py")).run()
    assert not at.exception, at.exception
    return at


def answer(
    at: Any, engine: Any, attempt_id: int, user: Any, guideline: Any, *, wrong_rule: str | None = None
) -> str:
    """Answer the attempt's next item (wrongly when it exercises `wrong_rule`); returns the item id."""
    attempt = service.get_attempt(engine, attempt_id, actor=user)
    item = guideline.item(attempt.next_item)
    key = f"quiz_{attempt.id}_{attempt.items.index(item.id)}"
    given = item.answer
    if wrong_rule in item.rules:
        given = "NEG" if item.answer == "POS" else "POS"
    at.radio(key=f"{key}_answer").set_value(given)
    at.button(key=f"{key}_submit").click().run()
    assert not at.exception, at.exception
    return item.id


def take(
    at: Any, engine: Any, round_: Any, user: Any, guideline: Any, *, wrong_rule: str | None = None
) -> Any:
    """Answer every item of the current attempt, clicking through the feedback; returns the attempt."""
    attempt = service.start_or_resume_attempt(engine, round_.id, user)
    while service.get_attempt(engine, attempt.id, actor=user).next_item is not None:
        answer(at, engine, attempt.id, user, guideline, wrong_rule=wrong_rule)
        at.button(key="quiz_next").click().run()
    return service.get_attempt(engine, attempt.id, actor=user)


def test_a_reload_while_feedback_is_shown_shows_the_same_feedback(app_engine, app_lead, app_annotator):
    guideline = single_label_guideline()
    round_ = calibration_round(app_engine, app_lead, guideline, app_annotator)
    at = open_quiz(app_annotator, round_)
    attempt = service.start_or_resume_attempt(app_engine, round_.id, app_annotator)
    first = answer(at, app_engine, attempt.id, app_annotator, guideline)
    assert guideline.item(first).why in texts(at)

    reloaded = open_quiz(app_annotator, round_)  # a new browser session: nothing in session_state
    shown = texts(reloaded)
    assert reloaded.success[0].value.startswith("Correct. Your answer: ")
    assert guideline.item(first).why in shown and guideline.item(first).input.text in shown
    assert [b.key for b in reloaded.button if b.key == "quiz_next"] == ["quiz_next"]
    assert service.get_attempt(app_engine, attempt.id, actor=app_annotator).feedback_item == first

    reloaded.button(key="quiz_next").click().run()
    second = service.get_attempt(app_engine, attempt.id, actor=app_annotator).next_item
    assert guideline.item(second).input.text in texts(reloaded)
    assert guideline.item(first).why not in texts(reloaded)
    again = open_quiz(app_annotator, round_)  # once dismissed, a reload does not show it again
    assert guideline.item(second).input.text in texts(again) and not again.success


def test_a_failed_result_and_its_review_stay_reachable_from_home(app_engine, app_lead, app_annotator):
    guideline = single_label_guideline()
    round_ = calibration_round(app_engine, app_lead, guideline, app_annotator)
    failed = take(
        open_quiz(app_annotator, round_), app_engine, round_, app_annotator, guideline, wrong_rule="R-NEG"
    )

    home = new_app(app_annotator).run()  # later, in a new session
    home.button(key=f"home_open_{round_.id}").click().run()
    assert not home.exception, home.exception
    # one banner: the retake waiting (Home's sentence) and what to reread
    assert home.error[0].value == (
        "Not passed yet: a retake on the rules to reread is waiting. Reread the rules marked below."
    )
    assert not any("Not passed yet" in i.value for i in home.info)
    assert home.dataframe[0].value.set_index("rule")["reread"].to_dict() == {"R-POS": False, "R-NEG": True}
    assert "needed" not in home.dataframe[0].value.columns  # this policy has no per-rule pass mark
    shown = texts(home)
    assert "Your answers" in shown
    for item_id in failed.items:  # the review: every answer with its gold answer and why
        assert guideline.item(item_id).why in shown
    assert "**Gold answer:** **Negative**" in shown
    wrong = 1 + next(i for i, item_id in enumerate(failed.items) if "R-NEG" in guideline.item(item_id).rules)
    assert [e.label for e in home.expander if "not correct" in e.label] == [f"Item {wrong} · not correct"]
    # and the targeted retake is offered from there
    home.button(key="quiz_retake").click().run()
    retake = service.start_or_resume_attempt(app_engine, round_.id, app_annotator)
    assert retake.number == 2 and retake.target_rules == ("R-NEG",)
    assert home.info[0].value == "Retake: the items exercise the rule R-NEG."


def test_every_finished_attempt_keeps_its_result_with_an_attempt_selector(
    app_engine, app_lead, app_annotator
):
    guideline = single_label_guideline()
    round_ = calibration_round(app_engine, app_lead, guideline, app_annotator)
    at = open_quiz(app_annotator, round_)
    first = take(at, app_engine, round_, app_annotator, guideline, wrong_rule="R-NEG")
    at.run()
    at.button(key="quiz_retake").click().run()
    second = take(at, app_engine, round_, app_annotator, guideline)
    at.run()
    assert at.success[0].value == f"Passed. You are certified on {guideline.ref}."

    home = new_app(app_annotator).run()
    labels = {b.key: b.label for b in home.button if b.key.startswith("home_result_")}
    assert labels == {
        f"home_result_{first.id}": "Attempt 1 · not passed",
        f"home_result_{second.id}": "Attempt 2 · passed",
    }
    home.button(key=f"home_result_{first.id}").click().run()
    assert not home.exception, home.exception
    assert home.query_params["attempt"] == str(first.id)
    assert home.error[0].value.startswith("Not passed yet")
    assert "Your answers" in texts(home)
    assert not [b for b in home.button if b.key == "quiz_retake"]  # the latest attempt passed
    picker = home.selectbox(key=f"quiz_attempt_pick_{round_.id}")
    assert picker.value == first.id
    picker.set_value(second.id).run()
    assert home.success[0].value.startswith("Passed.")
    assert home.query_params["attempt"] == str(second.id)


def test_an_earlier_result_can_be_read_during_a_retake_and_the_quiz_resumed(
    app_engine, app_lead, app_annotator
):
    guideline = single_label_guideline()
    round_ = calibration_round(app_engine, app_lead, guideline, app_annotator)
    at = open_quiz(app_annotator, round_)
    first = take(at, app_engine, round_, app_annotator, guideline, wrong_rule="R-NEG")
    at.run()
    at.button(key="quiz_retake").click().run()
    retake = service.start_or_resume_attempt(app_engine, round_.id, app_annotator)

    home = new_app(app_annotator).run()
    assert home.button(key=f"home_open_{round_.id}").label == "Continue"
    home.button(key=f"home_result_{first.id}").click().run()
    assert home.error[0].value.startswith("Not passed yet")
    home.button(key="quiz_resume").click().run()
    assert not home.exception, home.exception
    assert guideline.item(retake.next_item).input.text in texts(home)
    assert home.info[0].value == "Retake: the items exercise the rule R-NEG."


def test_an_annotator_cannot_open_another_annotators_attempt(app_engine, app_lead, app_annotator):
    guideline = single_label_guideline()
    other = service.create_user(app_engine, "Otto Other", role="annotator", actor=app_lead)
    service.publish(app_engine, guideline, app_lead)
    round_ = service.create_calibration_round(
        app_engine, "Shared round", guideline.ref, actor=app_lead, annotators=[app_annotator.name, other.name]
    )
    mine = take(
        open_quiz(app_annotator, round_), app_engine, round_, app_annotator, guideline, wrong_rule="R-NEG"
    )

    at = open_quiz(other, round_, attempt=str(mine.id))
    assert any("may not see the result of another annotator's attempt" in e for e in errors(at))
    shown = texts(at)
    assert not any(guideline.item(i).why in shown for i in mine.items)
    assert "Gold answer" not in shown

    with pytest.raises(PermissionDenied):
        service.attempt_result(app_engine, mine.id, actor=other)
    assert service.my_attempts(app_engine, round_.id, actor=other) == []
    assert [a.id for a in service.my_attempts(app_engine, round_.id, actor=app_annotator)] == [mine.id]


def test_the_review_shows_the_rule_the_annotator_cited(app_engine, app_lead, app_annotator):
    guideline = single_label_guideline(feedback="at_end")
    round_ = calibration_round(app_engine, app_lead, guideline, app_annotator)
    attempt = service.start_or_resume_attempt(app_engine, round_.id, app_annotator)
    for item_id in attempt.items:
        item = guideline.item(item_id)
        service.record_answer(
            app_engine, attempt.id, item_id, item.answer, actor=app_annotator, cited_rule=item.rules[0]
        )
    service.finish_attempt(app_engine, attempt.id, actor=app_annotator)
    at = open_quiz(app_annotator, round_)
    cited = [c.value for c in at.caption if c.value.startswith("Rule you cited: ")]
    expected = [guideline.item(i).rules[0] for i in attempt.items]
    assert cited == [f"Rule you cited: {rule.replace('-', chr(92) + '-')}" for rule in expected]
    assert [e.label for e in at.expander if e.label.startswith("Item ")] == [
        f"Item {n} · correct" for n in range(1, len(attempt.items) + 1)
    ]


def test_a_finished_pilot_lists_no_results_and_no_retake(app_engine, app_lead, app_annotator):
    guideline = single_label_guideline()
    service.publish(app_engine, guideline, app_lead)
    round_ = service.create_pilot_round(
        app_engine, "Pilot", guideline.ref, actor=app_lead, annotators=[app_annotator.name], overlap=1
    )
    attempt = service.start_or_resume_attempt(app_engine, round_.id, app_annotator)
    for item_id in attempt.items:
        service.record_answer(app_engine, attempt.id, item_id, "POS", actor=app_annotator)
    service.finish_attempt(app_engine, attempt.id, actor=app_annotator)
    home = new_app(app_annotator).run()
    assert not [b for b in home.button if b.key.startswith("home_result_")]  # pilots have no gold result
    home.button(key=f"home_open_{round_.id}").click().run()
    assert home.success[0].value == "All items answered. Thank you: your answers are saved."
    assert not [b for b in home.button if b.key in ("quiz_retake", "quiz_resume")]
    assert "Gold answer" not in texts(home)


def test_a_closed_round_shows_the_failed_result_without_a_retake(app_engine, app_lead, app_annotator):
    guideline = single_label_guideline()
    round_ = calibration_round(app_engine, app_lead, guideline, app_annotator)
    take(open_quiz(app_annotator, round_), app_engine, round_, app_annotator, guideline, wrong_rule="R-NEG")
    service.close_round(app_engine, round_.id, actor=app_lead)
    at = open_quiz(app_annotator, round_)
    assert not [b for b in at.button if b.key == "quiz_retake"]
    assert at.error[0].value == (
        "Not passed yet. This round is closed: ask your lead to reopen it for a retake. "
        "Reread the rules marked below."
    )
    assert not at.info  # one banner


def test_the_per_rule_result_fits_a_1280_pixel_window(app_engine, app_lead, app_annotator):
    """Every column of the result table has a fixed width, and together they fit the main column of a
    1280 px window with the sidebar (checked in Chromium: a wider table cut off the interval column)."""
    import json

    from calibration.app.widgets.feedback import RESULT_TABLE_WIDTH

    guideline = single_label_guideline(pass_rule_accuracy=0.5)  # with the "needed" column
    round_ = calibration_round(app_engine, app_lead, guideline, app_annotator)
    take(open_quiz(app_annotator, round_), app_engine, round_, app_annotator, guideline, wrong_rule="R-NEG")
    home = new_app(app_annotator).run()
    home.button(key=f"home_open_{round_.id}").click().run()
    assert not home.exception, home.exception
    table = home.dataframe[0]
    shown = list(table.value.columns)
    assert {"needed", "interval", "reread", "link"} <= set(shown)
    config = json.loads(table.proto.columns)
    widths = {name: config.get(name, {}).get("width") for name in shown}
    assert all(isinstance(w, int) and w > 0 for w in widths.values()), widths
    assert sum(widths.values()) <= RESULT_TABLE_WIDTH <= 820
    assert config["interval"]["label"] == "Interval"
