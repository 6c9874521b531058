"""An annotator's rounds cost what their own rounds cost: a constant number of queries, whatever other rounds hold."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from calibration.guidelines.model import Guideline
from calibration.rounds import service


@pytest.fixture
def published(store: Any, tiny_guideline: Guideline) -> Any:
    service.publish_guideline(store.engine, tiny_guideline, store.lead)
    for name in ("ann", "bob", "cyd", "dee"):
        service.create_user(store.engine, name, role="annotator", actor=store.lead)
    return store


def _user(engine: Any, name: str) -> Any:
    return next(u for u in service.list_users(engine) if u.name == name)


@contextmanager
def _statements(engine: Any):
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA", "SELECT PG_")):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _my_rounds(engine: Any, user: Any, monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, Any]]:
    from calibration.app import state

    monkeypatch.setattr(state, "get_engine", lambda: engine)
    return state.my_rounds(user)


def _answer_all(engine: Any, round_id: int, user: Any) -> None:
    attempt = service.start_or_resume_attempt(engine, round_id, user)
    for item in attempt.items:
        service.record_answer(engine, attempt.id, item, "POS", actor=user)
    service.finish_attempt(engine, attempt.id, actor=user)


def _old_way(engine: Any, user: Any) -> list[tuple[Any, Any]]:
    """What my_rounds used to compute: every round's full status, filtered to the user."""
    return [
        (round_, progress)
        for round_ in reversed(service.list_rounds(engine))
        for progress in service.round_status(engine, round_.id).annotators
        if progress.annotator_id == user.id
    ]


def test_an_annotators_page_does_not_pay_for_other_rounds(
    published: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, lead = published.engine, published.lead
    ann = _user(engine, "ann")
    service.create_calibration_round(engine, "mine", "tiny@1.0.0", actor=lead, annotators=["ann"])
    with _statements(engine) as alone:
        before = _my_rounds(engine, ann, monkeypatch)
    for number in range(4):  # other people's rounds, answered in full
        round_ = service.create_pilot_round(
            engine, f"other {number}", "tiny@1.0.0", actor=lead, annotators=["bob", "cyd", "dee"], overlap=3
        )
        for name in ("bob", "cyd", "dee"):
            _answer_all(engine, round_.id, _user(engine, name))
    with _statements(engine) as crowded:
        after = _my_rounds(engine, ann, monkeypatch)
    assert [r.name for r, _ in after] == [r.name for r, _ in before] == ["mine"]
    assert len(crowded) == len(alone) <= 3


def test_annotator_rounds_match_each_rounds_status(published: Any) -> None:
    engine, lead = published.engine, published.lead
    ann, bob = _user(engine, "ann"), _user(engine, "bob")
    service.create_calibration_round(engine, "quiz a", "tiny@1.0.0", actor=lead, annotators=["ann", "bob"])
    pilot = service.create_pilot_round(
        engine, "pilot", "tiny@1.0.0", actor=lead, annotators=["ann", "bob", "cyd"], overlap=2
    )
    quiz_b = service.create_calibration_round(engine, "quiz b", "tiny@1.0.0", actor=lead, annotators=["ann"])
    _answer_all(engine, pilot.id, ann)  # finished
    attempt = service.start_or_resume_attempt(engine, quiz_b.id, ann)  # in progress, one answer
    service.record_answer(engine, attempt.id, attempt.items[0], "NEG", actor=ann)
    first = service.start_or_resume_attempt(engine, "quiz a", bob)  # bob fails quiz a: a retake waits
    for item in first.items:
        service.record_answer(engine, first.id, item, "POS", actor=bob)
    assert service.finish_attempt(engine, first.id, actor=bob).passed is False
    service.start_or_resume_attempt(engine, "quiz a", bob)
    for user in (ann, bob, _user(engine, "cyd"), _user(engine, "dee")):
        assert service.annotator_rounds(engine, user.id) == _old_way(engine, user)
    assert [r.name for r, _ in service.annotator_rounds(engine, ann.id)] == ["quiz b", "pilot", "quiz a"]
    assert [p.status for _, p in service.annotator_rounds(engine, ann.id)] == [
        "in_progress",
        "finished",
        "not_started",
    ]
    assert [(p.status, p.attempts) for _, p in service.annotator_rounds(engine, bob.id)][-1] == (
        "in_progress",
        2,
    )
