"""The annotator's quiz for every task type: answers recorded, feedback, gold kept back, resume, retake."""

from __future__ import annotations

import pytest

from calibration.answers import parse_answer
from calibration.rounds import service
from tests.app.app_helpers import (
    TASKS,
    calibration_round,
    errors,
    new_app,
    page,
    single_label_guideline,
    task_guideline,
    texts,
    unescape,
)


def open_quiz(user, round_):
    at = new_app(user, query={"round": str(round_.id)}).run()
    at.switch_page(page("quiz.py")).run()
    assert not at.exception, at.exception
    return at


def current(engine, round_, user):
    """(attempt, item id, widget key prefix) of the item the quiz shows now."""
    attempt = service.start_or_resume_attempt(engine, round_.id, user)
    item_id = attempt.next_item
    return attempt, item_id, f"quiz_{attempt.id}_{attempt.items.index(item_id)}"


def stored(engine, attempt, user, item_id):
    return service.get_attempt(engine, attempt.id, actor=user).answers[item_id].answer


def test_single_label_answer_is_recorded_with_immediate_feedback(app_engine, app_lead, app_annotator):
    guideline = single_label_guideline()
    round_ = calibration_round(app_engine, app_lead, guideline, app_annotator)
    at = open_quiz(app_annotator, round_)
    attempt, item_id, key = current(app_engine, round_, app_annotator)
    item = guideline.item(item_id)
    assert at.progress[0].value == 0
    before = texts(at)
    assert item.why not in before and "Gold answer" not in before
    assert item.input.text in before
    at.radio(key=f"{key}_answer").set_value(item.answer)
    at.segmented_control(key=f"{key}_confidence").set_value(4)
    at.checkbox(key=f"{key}_unclear").check()
    at.text_area(key=f"{key}_comment").input("The rule could say more")
    at.button(key=f"{key}_submit").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("Correct. Your answer: ")
    assert item.why in texts(at)
    response = service.get_attempt(app_engine, attempt.id, actor=app_annotator).answers[item_id]
    assert (response.answer, response.confidence, response.unclear, response.comment) == (
        item.answer,
        4,
        True,
        "The rule could say more",
    )
    assert response.seconds is not None and response.seconds >= 0
    at.button(key="quiz_next").click().run()
    assert at.progress[0].value == 50


def test_a_wrong_answer_shows_gold_rationale_and_rule_link(app_engine, app_lead, app_annotator):
    guideline = single_label_guideline()
    round_ = calibration_round(app_engine, app_lead, guideline, app_annotator)
    at = open_quiz(app_annotator, round_)
    _, item_id, key = current(app_engine, round_, app_annotator)
    item = guideline.item(item_id)
    wrong = "NEG" if item.answer == "POS" else "POS"
    at.radio(key=f"{key}_answer").set_value(wrong)
    at.button(key=f"{key}_submit").click().run()
    assert at.error[0].value.startswith("Not quite. Your answer: ")
    shown = texts(at)
    assert "**Gold answer:** **" + guideline.label(item.answer).name + "**" in shown
    assert item.why in shown
    rule = guideline.rule(item.rules[0])
    assert f"guideline?version={guideline.ref}#rule-{rule.id}" in shown


def test_submitting_without_an_answer_is_refused(app_engine, app_lead, app_annotator):
    round_ = calibration_round(app_engine, app_lead, single_label_guideline(), app_annotator)
    at = open_quiz(app_annotator, round_)
    attempt, _, key = current(app_engine, round_, app_annotator)
    at.button(key=f"{key}_submit").click().run()
    assert at.warning[0].value == "Choose an answer before submitting."
    assert service.get_attempt(app_engine, attempt.id, actor=app_annotator).answered == 0


def test_the_quiz_resumes_after_a_reload(app_engine, app_lead, app_annotator):
    guideline = single_label_guideline(feedback="at_end")  # no feedback on screen: resume at the next item
    round_ = calibration_round(app_engine, app_lead, guideline, app_annotator)
    at = open_quiz(app_annotator, round_)
    _, item_id, key = current(app_engine, round_, app_annotator)
    at.radio(key=f"{key}_answer").set_value(guideline.item(item_id).answer)
    at.button(key=f"{key}_submit").click().run()
    reloaded = open_quiz(app_annotator, round_)  # a new browser session: state comes from the database
    assert reloaded.progress[0].value == 50
    _, next_item, _ = current(app_engine, round_, app_annotator)
    assert next_item != item_id
    assert guideline.item(next_item).input.text in texts(reloaded)


def answer_all(at, engine, round_, user, guideline, *, wrong_rule=None):
    """Answer every item (gold, except on `wrong_rule`), clicking through immediate feedback."""
    attempt_id = service.start_or_resume_attempt(engine, round_.id, user).id
    while True:
        attempt = service.get_attempt(engine, attempt_id, actor=user)
        if attempt.next_item is None:
            return at
        item_id = attempt.next_item
        key = f"quiz_{attempt.id}_{attempt.items.index(item_id)}"
        item = guideline.item(item_id)
        assert item.why not in texts(at)  # no rationale of an unanswered item on the page
        answer = item.answer
        if wrong_rule in item.rules:
            answer = "NEG" if item.answer == "POS" else "POS"
        at.radio(key=f"{key}_answer").set_value(answer)
        at.button(key=f"{key}_submit").click().run()
        if any(button.key == "quiz_next" for button in at.button):
            at.button(key="quiz_next").click().run()


def test_passing_the_quiz_shows_score_kappa_and_certifies(app_engine, app_lead, app_annotator):
    guideline = single_label_guideline()
    round_ = calibration_round(app_engine, app_lead, guideline, app_annotator)
    at = answer_all(open_quiz(app_annotator, round_), app_engine, round_, app_annotator, guideline)
    at.run()
    assert at.success[0].value == f"Passed. You are certified on {guideline.ref}."
    assert [m.value for m in at.metric][:2] == ["2 / 2", "100%"]
    assert [c.guideline_ref for c in service.certifications(app_engine, app_annotator.id)] == [guideline.ref]


def test_failing_shows_rules_to_reread_and_a_targeted_retake(app_engine, app_lead, app_annotator):
    guideline = single_label_guideline()
    round_ = calibration_round(app_engine, app_lead, guideline, app_annotator)
    at = answer_all(
        open_quiz(app_annotator, round_), app_engine, round_, app_annotator, guideline, wrong_rule="R-NEG"
    )
    at.run()
    assert at.error[0].value == (
        "Not passed yet: a retake on the rules to reread is waiting. Reread the rules marked below."
    )
    assert not any("Not passed yet" in i.value for i in at.info)  # one banner, not two in a row
    table = at.dataframe[0].value
    assert table.set_index("rule")["reread"].to_dict() == {"R-POS": False, "R-NEG": True}
    assert any("[R\\-NEG · Complaints are negative](guideline?version=" in m.value for m in at.markdown)
    assert not service.certifications(app_engine, app_annotator.id)
    at.button(key="quiz_retake").click().run()
    assert not at.exception
    retake = service.start_or_resume_attempt(app_engine, round_.id, app_annotator)
    assert retake.number == 2 and retake.target_rules == ("R-NEG",)
    assert at.info[0].value == "Retake: the items exercise the rule R-NEG."


def test_at_end_feedback_waits_for_the_end(app_engine, app_lead, app_annotator):
    guideline = single_label_guideline(feedback="at_end")
    round_ = calibration_round(app_engine, app_lead, guideline, app_annotator)
    at = open_quiz(app_annotator, round_)
    _, first, key = current(app_engine, round_, app_annotator)
    at.radio(key=f"{key}_answer").set_value(guideline.item(first).answer)
    at.button(key=f"{key}_submit").click().run()
    assert guideline.item(first).why not in texts(at)  # no feedback yet
    assert at.progress[0].value == 50
    at = answer_all(at, app_engine, round_, app_annotator, guideline)
    at.run()
    shown = texts(at)
    assert "Your answers" in shown
    assert all(item.why in shown for item in guideline.items if item.id in {first})


def _answer_with_widgets(at, task_type, key, item):
    spec = TASKS[task_type]
    gold = item.answer
    if task_type == "multi_label":
        at.pills(key=f"{key}_answer").set_value(gold)
    elif task_type == "rating":
        at.radio(key=f"{key}_answer").set_value(gold)
    elif task_type == "pairwise":
        at.segmented_control(key=f"{key}_answer").set_value(gold)
    elif task_type == "ranking":
        at.multiselect(key=f"{key}_answer").set_value(gold)
    elif task_type == "span":  # the selection in the text (JavaScript): its value, as the browser sends it
        start = item.input.text.index(gold[0]["text"])
        at.session_state[f"{key}_select"] = {
            "spans": [[start, start + len(gold[0]["text"]), gold[0]["label"]]]
        }
    assert spec  # every task type has a fixture


@pytest.mark.parametrize("task_type", sorted(TASKS))
def test_every_task_type_records_the_answer_given_with_its_widget(
    task_type, app_engine, app_lead, app_annotator
):
    guideline = task_guideline(task_type)
    round_ = calibration_round(app_engine, app_lead, guideline, app_annotator)
    at = open_quiz(app_annotator, round_)
    attempt, item_id, key = current(app_engine, round_, app_annotator)
    item = guideline.item(item_id)
    assert item.why not in texts(at)
    _answer_with_widgets(at, task_type, key, item)
    at.button(key=f"{key}_submit").click().run()
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    expected = parse_answer(guideline.task, item.answer, item.input)
    got = parse_answer(guideline.task, stored(app_engine, attempt, app_annotator, item_id), item.input)
    assert got == expected
    assert at.success[0].value.startswith("Correct. Your answer: ")


def test_a_ranking_cannot_repeat_a_candidate_and_an_incomplete_one_is_refused(
    app_engine, app_lead, app_annotator
):
    guideline = task_guideline("ranking")
    round_ = calibration_round(app_engine, app_lead, guideline, app_annotator)
    at = open_quiz(app_annotator, round_)
    attempt, item_id, key = current(app_engine, round_, app_annotator)
    candidates = guideline.item(item_id).input.candidates
    widget = at.multiselect(key=f"{key}_answer")
    # one widget for the whole order: a chosen candidate is taken, so it cannot be chosen twice
    assert widget.max_selections == len(candidates)
    assert [widget.format_func(c) for c in candidates] == [f"{c} · {text}" for c, text in candidates.items()]
    widget.set_value(["c1", "c3"])
    at.button(key=f"{key}_submit").click().run()
    # a ranking-specific message, not the generic "Choose an answer before submitting."
    assert at.warning[0].value == (
        f"Rank all {len(candidates)} candidates before submitting: choose them one by one, best first, "
        "until none is left."
    )
    assert service.get_attempt(app_engine, attempt.id, actor=app_annotator).answered == 0


def test_ranking_feedback_shows_the_candidates_texts(app_engine, app_lead, app_annotator):
    guideline = task_guideline("ranking")
    round_ = calibration_round(app_engine, app_lead, guideline, app_annotator)
    at = open_quiz(app_annotator, round_)
    _, item_id, key = current(app_engine, round_, app_annotator)
    item = guideline.item(item_id)
    wrong = list(reversed(item.answer))
    at.multiselect(key=f"{key}_answer").set_value(wrong)
    at.button(key=f"{key}_submit").click().run()
    verdict = unescape(at.error[0].value)
    texts_in_order = [item.input.candidates[c] for c in wrong]
    assert all(
        f"{n}** {text} *(" in verdict for n, text in zip(("1st", "2nd", "3rd"), texts_in_order, strict=True)
    )
    gold = unescape(next(m.value for m in at.markdown if m.value.startswith("**Gold answer:**")))
    assert f"**1st** {item.input.candidates[item.answer[0]]} *({item.answer[0]})*" in gold


def test_span_tokens_must_be_contiguous_and_spans_can_be_removed(app_engine, app_lead, app_annotator):
    guideline = task_guideline("span")
    round_ = calibration_round(app_engine, app_lead, guideline, app_annotator)
    at = open_quiz(app_annotator, round_)
    _, item_id, key = current(app_engine, round_, app_annotator)
    at.toggle(key=f"{key}_buttons").set_value(True).run()
    at.pills(key=f"{key}_tokens").set_value([0, 2]).run()
    at.segmented_control(key=f"{key}_label").set_value("NAME")
    at.button(key=f"{key}_add").click().run()
    assert at.warning[0].value == "A span is a run of neighbouring tokens: select tokens without gaps."
    at.pills(key=f"{key}_tokens").set_value([0]).run()
    at.button(key=f"{key}_add").click().run()
    text = guideline.item(item_id).input.text
    first = text.split()[0]
    assert at.session_state[f"{key}_spans"] == [[0, len(first), "NAME"]]
    assert any(f"-background[{first} **Name**]" in m.value for m in at.markdown)
    at.button(key=f"{key}_remove_0").click().run()
    assert at.session_state[f"{key}_spans"] == []


def test_a_pilot_round_records_answers_without_gold_feedback(app_engine, app_lead, app_annotator):
    guideline = single_label_guideline()
    service.publish(app_engine, guideline, app_lead)
    round_ = service.create_pilot_round(
        app_engine,
        "Pilot",
        guideline.ref,
        actor=app_lead,
        annotators=[app_annotator.name],
        overlap=1,
        cite_rules=True,
    )
    at = open_quiz(app_annotator, round_)
    attempt = service.start_or_resume_attempt(app_engine, round_.id, app_annotator)
    for position in range(attempt.total):
        key = f"quiz_{attempt.id}_{position}"
        assert "Gold answer" not in texts(at)
        at.radio(key=f"{key}_answer").set_value("POS")
        at.selectbox(key=f"{key}_rule").set_value("R-POS")
        at.button(key=f"{key}_submit").click().run()
        assert not at.exception
        assert not [e for e in at.error if e.value.startswith("Not quite")]  # no gold feedback in pilots
    assert at.success[0].value == "All items answered. Thank you: your answers are saved."
    answers = service.get_attempt(app_engine, attempt.id, actor=app_annotator).answers
    assert {r.cited_rule for r in answers.values()} == {"R-POS"}


def test_an_author_reads_guidelines_but_cannot_run_rounds(app_engine, app_lead):
    author = service.create_user(
        app_engine,
        "Aya Author",
        role="author",
        email="author@example.org",
        password="correct-horse-battery",
        actor=app_lead,
    )
    at = new_app(author).run()
    assert at.title[0].value == "Hello, Aya Author"
    at.switch_page(page("guideline.py")).run()
    assert not at.exception and at.title[0].value
    with pytest.raises(ValueError):
        at.switch_page(page("rounds.py")).run()
