"""Gold never reaches an annotator early: quiz_items withholds it, a half-done quiz never certifies."""

from __future__ import annotations

from typing import Any

import pytest

from calibration.errors import PermissionDenied
from calibration.guidelines.model import Guideline
from calibration.rounds import service


def _setup(store: Any, guideline: Guideline, kind: str = "calibration") -> tuple[Any, service.User]:
    engine = store.engine
    service.publish_guideline(engine, guideline, store.lead)
    ann = service.create_user(engine, "ann", role="annotator", actor=store.lead)
    if kind == "calibration":
        service.create_calibration_round(
            engine, "r", guideline.ref, actor=store.lead, annotators=["ann"], seed=1
        )
    else:
        bob = service.create_user(engine, "bob", role="annotator", actor=store.lead)
        service.create_pilot_round(
            engine, "r", guideline.ref, actor=store.lead, annotators=[ann.name, bob.name], overlap=2
        )
    return engine, ann


@pytest.mark.parametrize("feedback", ["immediate", "at_end"])
def test_quiz_items_withhold_gold_until_the_policy_shows_it(
    store: Any, tiny_guideline_data: Any, feedback: str
) -> None:
    guideline = Guideline.model_validate(tiny_guideline_data(feedback=feedback))
    engine, ann = _setup(store, guideline)
    attempt = service.start_or_resume_attempt(engine, "r", ann)
    items = service.quiz_items(engine, attempt.id, actor=ann)
    assert list(items) == list(attempt.items)
    assert all(i.answer is None and i.why == "" for i in items.values())
    assert all(i.input == guideline.item(i.id).input for i in items.values())

    first = attempt.items[0]
    gold = guideline.gold_answers()
    service.record_answer(engine, attempt.id, first, gold[first], actor=ann)
    items = service.quiz_items(engine, attempt.id, actor=ann)
    shown = {i for i, item in items.items() if item.answer is not None}
    assert shown == ({first} if feedback == "immediate" else set())

    for item in attempt.items[1:]:
        service.record_answer(engine, attempt.id, item, gold[item], actor=ann)
    service.finish_attempt(engine, attempt.id, actor=ann)
    items = service.quiz_items(engine, attempt.id, actor=ann)
    assert {i: item.answer for i, item in items.items()} == {i: gold[i] for i in attempt.items}
    # the cached bank items themselves keep their gold
    assert all(item.answer is not None for item in service.round_items(engine, "r").values())


def test_quiz_items_of_a_pilot_never_carry_gold(store: Any, tiny_guideline: Guideline) -> None:
    engine, ann = _setup(store, tiny_guideline, kind="pilot")
    attempt = service.start_or_resume_attempt(engine, "r", ann)
    for item in attempt.items:
        service.record_answer(engine, attempt.id, item, "POS", actor=ann)
    service.finish_attempt(engine, attempt.id, actor=ann)
    items = service.quiz_items(engine, attempt.id, actor=ann)
    assert items and all(i.answer is None and i.why == "" for i in items.values())


def test_quiz_items_are_only_for_the_attempts_annotator(store: Any, tiny_guideline: Guideline) -> None:
    engine, ann = _setup(store, tiny_guideline)
    attempt = service.start_or_resume_attempt(engine, "r", ann)
    other = service.create_user(engine, "eve", role="annotator", actor=store.lead)
    with pytest.raises(PermissionDenied, match="eve may not see the quiz of another annotator's attempt"):
        service.quiz_items(engine, attempt.id, actor=other)
    with pytest.raises(PermissionDenied, match="the quiz view is for the attempt's annotator"):
        service.quiz_items(engine, attempt.id, actor=store.lead)


def test_a_quiz_finished_with_unanswered_items_does_not_certify(
    store: Any, tiny_guideline: Guideline
) -> None:
    engine, ann = _setup(store, tiny_guideline)
    attempt = service.start_or_resume_attempt(engine, "r", ann)
    gold = tiny_guideline.gold_answers()
    answered = attempt.items[:2]
    for item in answered:
        service.record_answer(engine, attempt.id, item, gold[item], actor=ann)
    result = service.finish_attempt(engine, attempt.id, actor=store.lead, allow_unanswered=True)
    skipped = attempt.items[2:]
    assert result.passed is False and result.certified is False
    assert f"{len(skipped)} quiz item(s) with gold were not answered" in result.score["reasons"]
    expected = {r for i in skipped for r in tiny_guideline.item(i).rules}
    assert expected <= set(result.failed_rules)
    assert service.certifications(engine, ann) == []
