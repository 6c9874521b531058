"""Attempts keep what the quiz shows: the feedback on screen, and every finished attempt's result."""

from __future__ import annotations

from typing import Any

import pytest

from calibration.errors import ConflictError, PermissionDenied
from calibration.guidelines.model import Guideline
from calibration.rounds import service


@pytest.fixture
def cal(store: Any, tiny_guideline: Guideline) -> Any:
    """A calibration round "cal" on tiny@1.0.0 (immediate feedback) with annotators ann and bob."""
    service.publish_guideline(store.engine, tiny_guideline, store.lead)
    users = [service.create_user(store.engine, n, role="annotator", actor=store.lead) for n in ("ann", "bob")]
    service.create_calibration_round(
        store.engine, "cal", "tiny@1.0.0", actor=store.lead, annotators=["ann", "bob"], seed=3
    )
    return store, users, tiny_guideline


def test_the_feedback_on_screen_is_kept_until_acknowledged(cal: Any) -> None:
    store, (ann, bob), guideline = cal
    attempt = service.start_or_resume_attempt(store.engine, "cal", ann)
    assert attempt.feedback_item is None
    first, second = attempt.items[:2]
    service.record_answer(store.engine, attempt.id, first, guideline.item(first).answer, actor=ann)
    assert service.start_or_resume_attempt(store.engine, "cal", ann).feedback_item == first

    with pytest.raises(PermissionDenied):
        service.acknowledge_feedback(store.engine, attempt.id, first, actor=bob)
    service.acknowledge_feedback(store.engine, attempt.id, second, actor=ann)  # not pending: nothing
    assert service.get_attempt(store.engine, attempt.id, actor=ann).feedback_item == first
    service.acknowledge_feedback(store.engine, attempt.id, first, actor=ann)
    service.acknowledge_feedback(store.engine, attempt.id, first, actor=ann)  # a second click: nothing
    assert service.get_attempt(store.engine, attempt.id, actor=ann).feedback_item is None


def test_no_feedback_is_kept_when_the_policy_shows_it_at_the_end(
    store: Any, tiny_guideline_data: Any
) -> None:
    data = tiny_guideline_data()
    data["calibration"] = data["calibration"] | {"feedback": "at_end"}
    guideline = Guideline.model_validate(data)
    service.publish_guideline(store.engine, guideline, store.lead)
    ann = service.create_user(store.engine, "ann", role="annotator", actor=store.lead)
    service.create_calibration_round(store.engine, "cal", guideline.ref, actor=store.lead, annotators=["ann"])
    attempt = service.start_or_resume_attempt(store.engine, "cal", ann)
    item = attempt.items[0]
    service.record_answer(store.engine, attempt.id, item, guideline.item(item).answer, actor=ann)
    assert service.get_attempt(store.engine, attempt.id, actor=ann).feedback_item is None


def test_finished_attempts_keep_their_results_for_their_annotator_only(cal: Any) -> None:
    store, (ann, bob), guideline = cal
    attempt = service.start_or_resume_attempt(store.engine, "cal", ann)
    with pytest.raises(ConflictError) as error:
        service.attempt_result(store.engine, attempt.id, actor=ann)
    assert error.value.message == f"attempt #{attempt.id} is not finished yet"
    for item in attempt.items:
        answer = guideline.item(item).answer
        if "R-NEG" in guideline.item(item).rules:
            answer = "POS" if answer == "NEG" else "NEG"
        service.record_answer(store.engine, attempt.id, item, answer, actor=ann)
    finished = service.finish_attempt(store.engine, attempt.id, actor=ann)
    retake = service.start_or_resume_attempt(store.engine, "cal", ann)

    result = service.attempt_result(store.engine, attempt.id, actor=ann)  # still there during the retake
    assert result.passed is False and result.score == finished.score
    assert service.attempt_result(store.engine, attempt.id, actor=store.lead).score == finished.score
    with pytest.raises(PermissionDenied) as denied:
        service.attempt_result(store.engine, attempt.id, actor=bob)
    assert denied.value.message == "bob may not see the result of another annotator's attempt"
    assert [(a.id, a.finished) for a in service.my_attempts(store.engine, "cal", actor=ann)] == [
        (attempt.id, True),
        (retake.id, False),
    ]
    assert service.my_attempts(store.engine, "cal", actor=bob) == []


def _other_label(guideline: Guideline, item: str) -> str:
    return next(x for x in ("POS", "NEG", "NEU") if x != guideline.item(item).answer)


def test_an_answer_whose_gold_was_shown_cannot_be_changed(cal: Any) -> None:
    """Immediate feedback shows the gold once an item is answered: changing the answer afterwards would
    score the annotator on the shown gold (found by the security review)."""
    store, (ann, _), guideline = cal
    attempt = service.start_or_resume_attempt(store.engine, "cal", ann)
    item = attempt.items[0]
    wrong = _other_label(guideline, item)
    service.record_answer(store.engine, attempt.id, item, wrong, actor=ann)
    with pytest.raises(ConflictError) as error:
        service.record_answer(store.engine, attempt.id, item, guideline.item(item).answer, actor=ann)
    assert error.value.message == (
        f"item {item!r} is already answered and its gold answer was shown; the answer stays as given"
    )
    resumed = service.start_or_resume_attempt(store.engine, "cal", ann)
    assert resumed.answers[item].answer == wrong
    # the same answer again (a double click) and a changed comment are still fine
    again = service.record_answer(store.engine, attempt.id, item, wrong, actor=ann, comment="unsure")
    assert again.answer == wrong and again.comment == "unsure"


def test_an_answer_can_change_while_its_gold_is_still_hidden(store: Any, tiny_guideline_data: Any) -> None:
    data = tiny_guideline_data()
    data["calibration"] = data["calibration"] | {"feedback": "at_end"}
    guideline = Guideline.model_validate(data)
    service.publish_guideline(store.engine, guideline, store.lead)
    ann = service.create_user(store.engine, "ann", role="annotator", actor=store.lead)
    service.create_calibration_round(store.engine, "cal", guideline.ref, actor=store.lead, annotators=["ann"])
    attempt = service.start_or_resume_attempt(store.engine, "cal", ann)
    item = attempt.items[0]
    service.record_answer(store.engine, attempt.id, item, _other_label(guideline, item), actor=ann)
    changed = service.record_answer(store.engine, attempt.id, item, guideline.item(item).answer, actor=ann)
    assert changed.answer == guideline.item(item).answer
