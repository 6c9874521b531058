"""`reused_answers` counts an answer as reused only when the item's gold answer had been shown to the
annotator before it (another attempt finished, or answered with immediate feedback), SQLite and
PostgreSQL: not an item merely given in another round's attempt still running."""

from __future__ import annotations

from typing import Any

from calibration.guidelines.model import Guideline
from calibration.rounds import service
from tests.conftest import tiny_guideline_data


def _setup(store: Any, feedback: str) -> tuple[Any, Any]:
    # every gold item in every quiz: the two rounds' attempts share all their items
    guideline = Guideline.model_validate(tiny_guideline_data(feedback=feedback, items_per_quiz=12))
    service.publish_guideline(store.engine, guideline, store.lead)
    ann = service.create_user(store.engine, "ann", role="annotator", actor=store.lead)
    for name in ("first", "second"):
        service.create_calibration_round(
            store.engine, name, guideline.ref, actor=store.lead, annotators=["ann"]
        )
    return ann, guideline


def _finish(engine: Any, round_name: str, ann: Any) -> list[str]:
    attempt = service.start_or_resume_attempt(engine, round_name, ann)
    gold = service.round_items(engine, round_name)
    for item in attempt.items:
        service.record_answer(engine, attempt.id, item, gold[item].answer, actor=ann)
    service.finish_attempt(engine, attempt.id, actor=ann)
    return sorted(attempt.items)


def test_items_of_a_running_attempt_are_not_reused_until_its_gold_is_shown(store: Any) -> None:
    engine = store.engine
    ann, _ = _setup(store, "at_end")
    running = set(service.start_or_resume_attempt(engine, "first", ann).items)  # nothing shown yet
    answered = _finish(engine, "second", ann)
    assert running & set(answered)
    assert service.reused_answers(engine, "second") == {}
    # the first attempt is answered now, after the second's gold was shown: those answers reused it
    again = _finish(engine, "first", ann)
    assert service.reused_answers(engine, "first") == {"ann": sorted(set(again) & set(answered))}
    assert service.reused_answers(engine, "second") == {}  # shown after its answers: still not reused


def test_an_item_answered_with_immediate_feedback_was_seen(store: Any) -> None:
    engine = store.engine
    ann, _ = _setup(store, "immediate")
    attempt = service.start_or_resume_attempt(engine, "first", ann)
    item = attempt.items[0]
    service.record_answer(
        engine, attempt.id, item, service.round_items(engine, "first")[item].answer, actor=ann
    )
    answered = _finish(engine, "second", ann)
    assert item in answered
    assert service.reused_answers(engine, "second") == {"ann": [item]}
