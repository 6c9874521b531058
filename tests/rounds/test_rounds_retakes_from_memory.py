"""Retakes never dead-end: rules short of unseen items reuse the items seen longest ago, and the result says so."""

from __future__ import annotations

import json
from typing import Any

import pytest

from calibration.cli.main import main
from calibration.guidelines.model import Guideline
from calibration.rounds import sampling, service

WRONG = {"POS": "NEG", "NEG": "NEU", "NEU": "POS"}


@pytest.fixture
def published(store: Any, tiny_guideline: Guideline) -> Any:
    service.publish_guideline(store.engine, tiny_guideline, store.lead)
    service.create_user(store.engine, "ann", role="annotator", actor=store.lead)
    return store


def _ann(engine: Any) -> Any:
    return next(u for u in service.list_users(engine) if u.name == "ann")


def _take_from_memory(engine: Any, round_name: str, ann: Any, remembered: dict[str, Any]) -> Any:
    """One attempt by an annotator who knows only the gold answers shown to them earlier."""
    attempt = service.start_or_resume_attempt(engine, round_name, ann)
    gold = service.round_items(engine, round_name)
    for item in attempt.items:
        answer = remembered.get(item, WRONG[gold[item].answer])
        service.record_answer(engine, attempt.id, item, answer, actor=ann)
    result = service.finish_attempt(engine, attempt.id, actor=ann)
    for item_id, item in service.quiz_items(engine, attempt.id, actor=ann).items():
        if item.answer is not None:  # shown with the result: remembered from now on
            remembered[item_id] = item.answer
    return result


def test_retakes_never_dead_end_they_reuse_the_items_seen_longest_ago(
    published: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = published.engine
    service.create_calibration_round(engine, "cal", "tiny@1.0.0", actor=published.lead, seed=3)
    ann = _ann(engine)
    results = [_take_from_memory(engine, "cal", ann, {}) for _ in range(6)]  # every answer wrong
    bank = {i.id: i for i in sampling.quiz_bank(service.get_guideline(engine, "tiny@1.0.0"))}
    last_seen: dict[str, int] = {}
    reused_any = False
    for number, result in enumerate(results, start=1):
        assert result.passed is False  # a retake was drawn every time: never refused
        items = set(result.attempt.items)
        reused = items & set(last_seen)
        assert service.seen_before(engine, result.attempt.id, actor=ann) == reused
        for rule in result.attempt.target_rules or ():
            mine = {i for i, q in bank.items() if q.rules == (rule,)}
            if not reused & mine:
                continue
            reused_any = True
            assert mine - set(last_seen) <= items  # unseen items first
            older = max(last_seen[i] for i in reused & mine)
            assert all(last_seen[i] >= older for i in (mine & set(last_seen)) - items)  # then oldest
        if reused:
            seen = f"{len(reused)} items were" if len(reused) > 1 else "1 item was"
            assert f"{seen} seen in an earlier attempt" in " ".join(result.score["reasons"])
        last_seen.update(dict.fromkeys(items, number))
    assert reused_any
    assert any(r.attempt.number > 2 for r in results)
    (warning,) = service.round_status(engine, "cal").warnings
    assert warning.startswith("retakes reuse quiz items seen before") and "(ann)" in warning
    assert main(["round", "status", "cal", "--database-url", published.url]) == 0
    assert f"warning: {warning}" in capsys.readouterr().out.splitlines()
    assert main(["round", "status", "cal", "--json", "--database-url", published.url]) == 0
    assert json.loads(capsys.readouterr().out)["warnings"][0] == warning


def test_items_shown_in_another_round_count_and_the_result_says_so(
    published: Any, tiny_guideline_data: Any
) -> None:
    engine, lead = published.engine, published.lead
    data = tiny_guideline_data("1.1.0")
    data["items"] = data["items"][:6]  # exactly one quiz's worth: both rounds serve the same items
    service.publish_guideline(engine, Guideline.model_validate(data), lead)
    # both quizzes are drawn when the rounds are created, before any gold was shown
    service.create_calibration_round(engine, "first", "tiny@1.1.0", actor=lead, annotators=["ann"])
    service.create_calibration_round(engine, "second", "tiny@1.1.0", actor=lead, annotators=["ann"])
    ann, remembered = _ann(engine), {}
    assert _take_from_memory(engine, "first", ann, remembered).passed is False
    second = _take_from_memory(engine, "second", ann, remembered)  # every answer right, from memory
    # reused items count like the others (docs/calibration.md); the result names them for the lead
    assert second.passed is True
    assert "6 items were seen in an earlier attempt (their gold answer was shown): " in " ".join(
        second.score["reasons"]
    )
    assert service.seen_before(engine, second.attempt.id, actor=ann) == set(second.attempt.items)


def test_a_fresh_annotator_still_passes(published: Any) -> None:
    engine = published.engine
    service.create_calibration_round(engine, "cal", "tiny@1.0.0", actor=published.lead)
    ann = _ann(engine)
    attempt = service.start_or_resume_attempt(engine, "cal", ann)
    gold = service.round_items(engine, "cal")
    for item in attempt.items:
        service.record_answer(engine, attempt.id, item, gold[item].answer, actor=ann)
    assert service.finish_attempt(engine, attempt.id, actor=ann).certified is True
    assert service.round_status(engine, "cal").warnings == []


def test_short_rules_names_rules_whose_unshown_items_cannot_fill_the_quota() -> None:
    bank = [
        sampling.QuizItem("a1", ("A",)),
        sampling.QuizItem("a2", ("A",)),
        sampling.QuizItem("a3", ("A", "B")),
        sampling.QuizItem("b1", ("B",)),
        sampling.QuizItem("c1", ("C",)),
    ]
    assert sampling.short_rules(bank, min_per_rule=2) == {}
    assert sampling.short_rules(bank, min_per_rule=2, exclude={"a1", "a3"}) == {"A": (1, 3), "B": (1, 2)}
    assert sampling.short_rules(bank, min_per_rule=2, exclude={"a1", "a3"}, rules=["B"]) == {"B": (1, 2)}
    assert sampling.short_rules(bank, min_per_rule=2, exclude={"c1"}) == {"C": (0, 1)}
    quiz = sampling.sample_quiz(bank, size=5, min_per_rule=1, exclude={"a1", "b1"})
    assert sorted(quiz) == ["a2", "a3", "c1"]


def test_reuse_plan_takes_just_enough_of_the_items_seen_longest_ago() -> None:
    bank = [
        sampling.QuizItem("a1", ("A",)),
        sampling.QuizItem("a2", ("A",)),
        sampling.QuizItem("a3", ("A",)),
        sampling.QuizItem("b1", ("B",)),
        sampling.QuizItem("b2", ("B",)),
    ]
    shown = {"a1": 7, "a2": 3, "a3": 5, "b1": 2}  # recency: a2 seen longest ago, then a3
    assert sampling.reuse_plan(bank, min_per_rule=2, shown=shown, rules=["A"]) == ["a2", "a3"]
    assert sampling.reuse_plan(bank, min_per_rule=1, shown=shown, rules=["A"]) == ["a2"]
    assert sampling.reuse_plan(bank, min_per_rule=2, shown=shown, rules=["B"]) == ["b1"]  # b2 is unseen
    assert sampling.reuse_plan(bank, min_per_rule=1, shown=shown, rules=["B"]) == []
    quiz = sampling.sample_quiz(
        bank, size=5, min_per_rule=2, target_rules=["B"], exclude=shown, reuse=["b1"], seen=shown
    )
    assert sorted(quiz) == ["b1", "b2"]
    # reused items fill quotas only, never the length
    quiz = sampling.sample_quiz(bank, size=5, min_per_rule=1, target_rules=["A"], exclude=shown, reuse=["a2"])
    assert quiz == ["a2"]


def test_retakes_on_the_bundled_contract_clauses_are_always_drawn(store: Any) -> None:
    """The tester's walk: 4-6 bank items per rule, a quiz of 24, most answers wrong, then retakes."""
    from calibration.app.navigation import APP_ROOT
    from calibration.guidelines.loading import load_guideline

    engine = store.engine
    guideline = load_guideline(APP_ROOT / "guidelines" / "contract-clauses" / "1.1.0.yaml")
    service.publish_guideline(engine, guideline, store.lead)
    service.create_user(engine, "ann", role="annotator", actor=store.lead)
    service.create_calibration_round(engine, "cc", guideline.ref, actor=store.lead)
    ann = _ann(engine)
    labels = [label.id for label in guideline.task.labels]
    for number in range(1, 5):
        assert service.retake_status(engine, "cc", ann) == (
            None if number == 1 else service.RetakeStatus(True, service.RETAKE_WAITING)
        )
        attempt = service.start_or_resume_attempt(engine, "cc", ann)
        assert attempt.number == number
        gold = service.round_items(engine, "cc")
        for item in attempt.items:
            wrong = next(label for label in labels if label != gold[item].answer)
            service.record_answer(engine, attempt.id, item, wrong, actor=ann)
        result = service.finish_attempt(engine, attempt.id, actor=ann)
        assert result.passed is False and result.failed_rules
    reused = service.seen_before(engine, attempt.id, actor=ann)
    assert reused and reused <= set(attempt.items)


def test_reused_answers_are_the_current_answers_given_on_items_seen_before(published: Any) -> None:
    """`service.reused_answers` (the Annotators page's count) on SQLite and PostgreSQL."""
    engine = published.engine
    service.create_calibration_round(engine, "cal", "tiny@1.0.0", actor=published.lead, seed=3)
    ann = _ann(engine)
    results = [_take_from_memory(engine, "cal", ann, {}) for _ in range(4)]
    latest: dict[str, int] = {}  # each item's latest attempt: its answer is the current one
    for result in results:
        latest.update(dict.fromkeys(result.attempt.items, result.attempt.id))
    expected = sorted(i for i, a in latest.items() if i in service.seen_before(engine, a, actor=ann))
    assert expected  # retakes reused items
    assert service.reused_answers(engine, "cal") == {"ann": expected}
    service.create_pilot_round(engine, "pilot", "tiny@1.0.0", actor=published.lead, annotators=["ann"])
    assert service.reused_answers(engine, "pilot") == {}
