"""Retakes cannot be passed from memory: items whose gold was shown are not served again, and never certify."""

from __future__ import annotations

import json
from typing import Any

import pytest

from calibration.cli.main import main
from calibration.errors import CalibrationError
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


def test_seven_attempts_answered_from_remembered_gold_never_certify(
    published: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = published.engine
    service.create_calibration_round(engine, "cal", "tiny@1.0.0", actor=published.lead, seed=3)
    ann, remembered = _ann(engine), {}
    results, refused = [], None
    served: list[set[str]] = []
    for _ in range(7):
        try:
            results.append(_take_from_memory(engine, "cal", ann, remembered))
        except CalibrationError as error:
            refused = error
            break
        served.append(set(results[-1].attempt.items))
    assert not any(r.certified or r.passed for r in results)
    assert service.certifications(engine, ann) == []
    assert sum(map(len, served)) == len(set().union(*served))  # no item whose gold was shown comes back
    assert refused is not None and "needs more quiz items" in refused.message
    assert refused.message.startswith("rule R-")
    assert "can add items with gold answers for these rules" in refused.hint
    (warning, *_) = service.round_status(engine, "cal").warnings
    assert warning.startswith("rule R-") and "needs more quiz items" in warning and "shown to ann" in warning
    assert main(["round", "status", "cal", "--database-url", published.url]) == 0
    assert f"warning: {warning}" in capsys.readouterr().out.splitlines()
    assert main(["round", "status", "cal", "--json", "--database-url", published.url]) == 0
    assert json.loads(capsys.readouterr().out)["warnings"][0] == warning


def test_items_shown_in_another_round_do_not_count_toward_certification(
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
    assert second.passed is False and second.certified is False
    assert any("had their gold answer shown in an earlier attempt" in r for r in second.score["reasons"])
    assert service.certifications(engine, ann) == []


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
