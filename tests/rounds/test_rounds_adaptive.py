"""Adaptive quizzes in the store: one item chosen and persisted at a time, never repeated, stopping
when every rule is decided, resuming with the same next item after a reload or a killed process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from calibration.guidelines.model import Guideline
from calibration.rounds import service
from calibration.rounds._common import guideline_of, items_of

ROOT = Path(__file__).resolve().parents[2]
LABELS = ("POS", "NEG", "NEU")
WRONG = {"POS": "NEG", "NEG": "NEU", "NEU": "POS"}


def adaptive_guideline_data(per_rule: int = 15, **policy: Any) -> dict[str, Any]:
    """Three rules (one per label), `per_rule` gold items each, ``policy: adaptive``."""
    rules = [
        {
            "id": f"R-{x}",
            "title": f"{x} replies",
            "text": f"Label {x} when the reply is {x.lower()}.",
            "labels": [x],
        }
        for x in LABELS
    ]
    items = [
        {
            "id": f"{x.lower()}{k:02d}",
            "input": f"a {x.lower()} reply, number {k}",
            "rules": [f"R-{x}"],
            "answer": x,
        }
        for x in LABELS
        for k in range(per_rule)
    ]
    return {
        "format": 1,
        "id": "adapt",
        "version": "1.0.0",
        "title": "Adaptive sentiment",
        "task": {"type": "single_label", "labels": [{"id": x, "name": x.title()} for x in LABELS]},
        "calibration": {"policy": "adaptive", "min_items_per_rule": 3, "feedback": "at_end"} | policy,
        "rules": rules,
        "items": items,
    }


@pytest.fixture
def adaptive_round(store: Any) -> Any:
    service.publish_guideline(store.engine, Guideline.model_validate(adaptive_guideline_data()), store.lead)
    for name in ("ann", "bob"):
        service.create_user(
            store.engine, name, role="annotator", email=f"{name}@example.org", actor=store.lead
        )
    service.create_calibration_round(store.engine, "cal", "adapt@1.0.0", actor=store.lead, seed=5)
    return store


def _user(engine: Any, name: str) -> Any:
    return service.user_by_email(engine, f"{name}@example.org")


def _gold(item_id: str) -> str:
    return item_id[:3].upper()


def _take(engine: Any, who: Any, answer: Any, limit: int = 200) -> tuple[Any, list[str]]:
    """Answer an adaptive attempt to its end (``answer(item) -> label``); the items in order."""
    attempt = service.start_or_resume_attempt(engine, "cal", who)
    asked: list[str] = []
    while attempt.next_item is not None and len(asked) < limit:
        item = attempt.next_item
        assert len(attempt.items) == len(asked) + 1  # only the item on screen is chosen ahead
        asked.append(item)
        service.record_answer(engine, attempt.id, item, answer(item), actor=who)
        attempt = service.get_attempt(engine, attempt.id, actor=who)
    return attempt, asked


def test_an_adaptive_attempt_never_repeats_an_item_and_stops_when_every_rule_passes(
    adaptive_round: Any,
) -> None:
    engine = adaptive_round.engine
    ann = _user(engine, "ann")
    attempt, asked = _take(engine, ann, _gold)
    assert len(asked) == len(set(asked))
    # all right: the Bernoulli SPRT of 0.7 against 0.9 passes a rule after 12 right answers
    assert len(asked) == 36 < 45
    progress = service.adaptive_progress(engine, attempt.id, actor=ann)
    assert progress is not None and progress.items_left == 0
    assert progress.rule_decisions == dict.fromkeys(("R-NEG", "R-NEU", "R-POS"), "pass")
    result = service.finish_attempt(engine, attempt.id, actor=ann)
    assert result.passed and result.certified
    assert result.score is not None and result.score["decision"] == "pass"


def test_an_annotator_who_misses_everything_fails_fast_and_the_retake_asks_new_items(
    adaptive_round: Any,
) -> None:
    engine = adaptive_round.engine
    ann = _user(engine, "ann")
    attempt, asked = _take(engine, ann, lambda item: WRONG[_gold(item)])
    assert len(asked) == 9  # three wrong answers fail a rule
    result = service.finish_attempt(engine, attempt.id, actor=ann)
    assert result.passed is False and not result.certified
    assert sorted(result.failed_rules) == ["R-NEG", "R-NEU", "R-POS"]
    assert any("fail by the sequential test after 3 item(s)" in r for r in result.score["reasons"])
    retake, again = _take(engine, ann, _gold)
    assert retake.number == 2 and retake.target_rules == ("R-NEG", "R-NEU", "R-POS")
    assert not set(again) & set(asked)  # their gold was shown at the end of the first attempt


def test_the_retake_targets_undecided_rules_too(store: Any) -> None:
    data = adaptive_guideline_data(per_rule=5)  # 5 items cannot pass a rule (12 right are needed)
    service.publish_guideline(store.engine, Guideline.model_validate(data), store.lead)
    service.create_user(store.engine, "ann", role="annotator", email="ann@example.org", actor=store.lead)
    service.create_calibration_round(store.engine, "cal", "adapt@1.0.0", actor=store.lead)
    ann = _user(store.engine, "ann")
    miss_neg = lambda item: WRONG[_gold(item)] if item.startswith("neg") else _gold(item)  # noqa: E731
    attempt, asked = _take(store.engine, ann, miss_neg)
    assert len(asked) == 3 + 5 + 5  # R-NEG fails after 3, the others run out of items undecided
    result = service.finish_attempt(store.engine, attempt.id, actor=ann)
    assert result.passed is False
    assert sorted(result.failed_rules) == ["R-NEG", "R-NEU", "R-POS"]
    assert result.score["rule_decisions"]["R-NEG"]["decision"] == "fail"
    assert result.score["rule_decisions"]["R-POS"]["decision"] == "undecided"


def test_a_reload_after_others_took_items_shows_the_same_next_item(adaptive_round: Any) -> None:
    engine = adaptive_round.engine
    ann, bob = _user(engine, "ann"), _user(engine, "bob")
    attempt = service.start_or_resume_attempt(engine, "cal", ann)
    for _ in range(4):
        service.record_answer(engine, attempt.id, attempt.next_item, "POS", actor=ann)
        attempt = service.get_attempt(engine, attempt.id, actor=ann)
    shown = attempt.next_item
    _take(engine, bob, _gold)  # bob's quiz changes every item's exposure
    again = service.start_or_resume_attempt(engine, "cal", ann)
    assert again.id == attempt.id and again.next_item == shown and again.answered == 4


def test_a_fixed_round_is_unchanged(store: Any, tiny_guideline: Guideline) -> None:
    service.publish_guideline(store.engine, tiny_guideline, store.lead)
    service.create_user(store.engine, "ann", role="annotator", email="ann@example.org", actor=store.lead)
    service.create_calibration_round(store.engine, "cal", "tiny@1.0.0", actor=store.lead)
    attempt = service.start_or_resume_attempt(store.engine, "cal", _user(store.engine, "ann"))
    assert len(attempt.items) >= 6
    assert service.adaptive_progress(store.engine, attempt.id, actor=_user(store.engine, "ann")) is None


WORKER = textwrap.dedent(
    """
    import sys
    from calibration.rounds import service
    from calibration.storage.engine import make_engine

    engine = make_engine(sys.argv[1])
    user = service.user_by_email(engine, sys.argv[2])
    attempt = service.start_or_resume_attempt(engine, "cal", user)
    for _ in range(int(sys.argv[3])):
        service.record_answer(engine, attempt.id, attempt.next_item, attempt.next_item[:3].upper(), actor=user)
        attempt = service.start_or_resume_attempt(engine, "cal", user)
    print("SHOWN", attempt.next_item, flush=True)  # on screen, not answered yet
    sys.stdin.readline()  # waits until killed
    """
)


def test_a_killed_process_resumes_with_the_same_next_item(adaptive_round: Any) -> None:
    engine, url = adaptive_round.engine, adaptive_round.url
    process = subprocess.Popen(
        [sys.executable, "-c", WORKER, url, "ann@example.org", "7"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=os.environ | {"PYTHONUNBUFFERED": "1"},
    )
    shown = None
    assert process.stdout is not None
    try:
        for line in process.stdout:
            if line.startswith("SHOWN "):
                shown = line.split()[1]
                process.send_signal(signal.SIGKILL)
                break
    finally:
        process.kill()
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, process.stderr.read() if process.stderr else ""
    assert shown is not None
    ann, bob = _user(engine, "ann"), _user(engine, "bob")
    _take(engine, bob, _gold)  # exposure changes meanwhile
    attempt = service.start_or_resume_attempt(engine, "cal", ann)
    assert attempt.answered == 7 and attempt.next_item == shown
    assert service.start_or_resume_attempt(engine, "cal", ann).next_item == shown


def test_an_adaptive_quiz_does_not_certify_one_label_given_everywhere() -> None:
    """The sequential test judges accuracy per rule; when the items it chose share a gold label, an
    annotator who gives that label everywhere can pass every rule (a worker of the public RTE/temporal
    replay did, docs/adaptive.md). The guideline's kappa mark still applies, so such an attempt fails."""
    from types import SimpleNamespace

    import pandas as pd

    from calibration.agreement.gold import score_against_gold
    from calibration.rounds.attempts import _adaptive_result

    guideline = Guideline.model_validate(adaptive_guideline_data())
    gold = pd.Series({"pos00": "POS", "pos01": "POS", "pos02": "POS", "pos03": "POS", "neg00": "NEG"})
    rules = pd.DataFrame({"item_id": list(gold.index), "rule_id": ["R-POS"] * 4 + ["R-NEG"]})

    def result_for(answers: dict[str, str]) -> Any:
        frame = pd.DataFrame({"item_id": list(answers), "answer": list(answers.values())})
        score = score_against_gold(
            frame, gold, guideline.task, item_rules=rules, policy=guideline.calibration
        )
        step = SimpleNamespace(rule_decisions={"R-POS": "pass"}, counts={"R-POS": (4, 4)})
        return _adaptive_result(score, step)

    constant = result_for(dict.fromkeys(gold.index, "POS"))
    assert not constant.passed
    assert any(r.startswith("kappa against gold") for r in constant.reasons)
    # the same decisions with answers that follow the gold pass
    assert result_for(dict(gold)).passed


def test_an_adaptive_quiz_balances_the_gold_labels_within_a_rule(store: Any) -> None:
    """Issue 14: a rule whose bank is mostly one gold label (24 POS, 6 NEG). The quiz asks the
    labels in turn (no label two items ahead of another while both have items left), so an
    annotator who answers POS everywhere, or mostly, fails the rule on the sequential test itself."""
    data = adaptive_guideline_data()
    data["rules"] = [{"id": "R-MIX", "title": "Mixed", "text": "Label the reply.", "labels": ["POS", "NEG"]}]
    data["items"] = [
        {
            "id": f"{x.lower()}{k:02d}",
            "input": f"a {x.lower()} reply, number {k}",
            "rules": ["R-MIX"],
            "answer": x,
        }
        for x, n in (("POS", 24), ("NEG", 6))
        for k in range(n)
    ]
    service.publish_guideline(store.engine, Guideline.model_validate(data), store.lead)
    service.create_calibration_round(store.engine, "cal", "adapt@1.0.0", actor=store.lead, seed=5)
    for name, answer in (
        ("ann", lambda item: "POS"),
        ("bob", lambda item: "POS" if item[-1] != "3" else "NEG"),
    ):
        who = service.create_user(
            store.engine, name, role="annotator", email=f"{name}@example.org", actor=store.lead
        )
        attempt, asked = _take(store.engine, who, answer)
        labels = [_gold(i) for i in asked]
        for k in range(1, len(labels) + 1):
            if labels[: k - 1].count("NEG") < 6:
                assert abs(labels[:k].count("POS") - labels[:k].count("NEG")) <= 2, labels
        progress = service.adaptive_progress(store.engine, attempt.id, actor=who)
        assert progress is not None and progress.rule_decisions == {"R-MIX": "fail"}
        assert not service.finish_attempt(store.engine, attempt.id, actor=who).passed


def test_a_rule_decided_by_the_posterior_says_so_in_the_result() -> None:
    """Issue 14: a rule whose items ran out undecided by the sequential test, decided by the Beta
    posterior (`AdaptiveBank.step`'s ``posterior``), states that and its confidence."""
    from types import SimpleNamespace

    import pandas as pd

    from calibration.agreement.gold import score_against_gold
    from calibration.rounds.attempts import _adaptive_result

    guideline = Guideline.model_validate(adaptive_guideline_data())
    gold = pd.Series({f"pos{k:02d}": "POS" for k in range(4)})
    rules = pd.DataFrame({"item_id": list(gold.index), "rule_id": ["R-POS"] * 4})
    frame = pd.DataFrame({"item_id": list(gold.index), "answer": ["NEG"] * 4})
    score = score_against_gold(frame, gold, guideline.task, item_rules=rules, policy=guideline.calibration)
    step = SimpleNamespace(
        rule_decisions={"R-POS": "fail"},
        counts={"R-POS": (4, 0.0)},
        posterior={"R-POS": ("fail", 1 - 0.2**5)},
    )
    result = _adaptive_result(score, step)
    assert not result.passed and result.failed_rules == ["R-POS"]
    assert (
        "rule R-POS: fail by the Beta posterior after 4 item(s) (the sequential test stopped undecided): "
        "probability 99.97% that the accuracy is under the mark"
    ) in result.reasons


def test_a_first_round_gets_a_provisional_rasch_model_once_five_annotators_finished(store: Any) -> None:
    """Issue 14: with no stored item model, every item is alike and the test needs 12 right answers
    in a row per rule. Once `PROVISIONAL_MIN_ANNOTATORS` annotators have finished, the quiz uses a
    Rasch fit on their answers: the items they missed come out harder."""
    from calibration.rounds import adaptive_quiz
    from calibration.rounds._common import find_round, guideline_of, items_of
    from calibration.storage.engine import session_scope

    engine = store.engine
    service.publish_guideline(engine, Guideline.model_validate(adaptive_guideline_data()), store.lead)
    service.create_calibration_round(engine, "cal", "adapt@1.0.0", actor=store.lead, seed=5)

    def hard(item: str) -> bool:
        return int(item[-2:]) % 3 == 0

    def params() -> Any:
        with session_scope(engine) as session:
            row, version = find_round(session, "cal")
            guideline = guideline_of(version)
            return adaptive_quiz._provisional_params(session, row, guideline, items_of(row, version))

    for k in range(adaptive_quiz.PROVISIONAL_MIN_ANNOTATORS):
        assert params() is None  # not before five finished attempts
        who = service.create_user(
            engine, f"p{k}", role="annotator", email=f"p{k}@example.org", actor=store.lead
        )
        attempt, _ = _take(engine, who, lambda item: WRONG[_gold(item)] if hard(item) else _gold(item))
        service.finish_attempt(engine, attempt.id, actor=who)
    fitted = params()
    assert fitted is not None
    hard_b = [b for i, (_, b) in fitted.items() if hard(i)]
    easy_b = [b for i, (_, b) in fitted.items() if not hard(i)]
    assert hard_b and easy_b and min(hard_b) > max(easy_b)
    assert {a for a, _ in fitted.values()} == {1.0}  # Rasch: one discrimination


def test_an_attempt_keeps_the_item_parameters_of_its_start_when_others_finish(store: Any) -> None:
    """Review: the provisional fit is refitted when another annotator finishes; an attempt under way
    keeps the parameters it started with (from the attempts finished by its start, so after a
    restart too), so a rule it already decided cannot reopen."""
    from calibration.rounds import adaptive_quiz
    from calibration.rounds._common import find_round
    from calibration.storage import tables as t
    from calibration.storage.engine import session_scope

    engine = store.engine
    service.publish_guideline(engine, Guideline.model_validate(adaptive_guideline_data()), store.lead)
    service.create_calibration_round(engine, "cal", "adapt@1.0.0", actor=store.lead, seed=5)

    def answer(item: str) -> str:
        return WRONG[_gold(item)] if int(item[-2:]) % 3 == 0 else _gold(item)

    def finish(name: str) -> None:
        who = service.create_user(
            engine, name, role="annotator", email=f"{name}@example.org", actor=store.lead
        )
        attempt, _ = _take(engine, who, answer)
        service.finish_attempt(engine, attempt.id, actor=who)

    for k in range(adaptive_quiz.PROVISIONAL_MIN_ANNOTATORS - 1):
        finish(f"p{k}")
    late = service.create_user(engine, "late", role="annotator", email="late@example.org", actor=store.lead)
    _take(engine, late, _gold, limit=8)

    def llr() -> dict[str, float]:
        with session_scope(engine) as session:
            row, version = find_round(session, "cal")
            attempt = session.scalars(select(t.Attempt).where(t.Attempt.annotator_id == late.id)).one()
            return adaptive_quiz.current_step(session, attempt, row, version, "late").llr

    before = llr()
    finish("p-last")  # the fifth finished attempt: the round now has a provisional fit
    with session_scope(engine) as session:
        row, version = find_round(session, "cal")
        assert adaptive_quiz._provisional_params(session, row, guideline_of(version), items_of(row, version))
    assert llr() == before


def test_a_new_round_with_a_deleted_rounds_ids_gets_its_own_provisional_model(store: Any) -> None:
    """SQLite gives a deleted round's id (and its attempts' ids) to the next round: the provisional
    fit cached for the deleted round must not be reused for the new one."""
    from sqlalchemy import select

    from calibration.rounds import adaptive_quiz
    from calibration.rounds._common import find_round, guideline_of, items_of
    from calibration.storage import tables as t
    from calibration.storage.engine import session_scope

    engine = store.engine
    service.publish_guideline(engine, Guideline.model_validate(adaptive_guideline_data()), store.lead)
    people = [
        service.create_user(engine, f"p{k}", role="annotator", email=f"p{k}@example.org", actor=store.lead)
        for k in range(adaptive_quiz.PROVISIONAL_MIN_ANNOTATORS)
    ]

    def fit(hard_remainder: int) -> tuple[Any, dict[str, Any]]:
        service.create_calibration_round(engine, "cal", "adapt@1.0.0", actor=store.lead, seed=5)
        for who in people:
            attempt, _ = _take(
                engine, who, lambda i: WRONG[_gold(i)] if int(i[-2:]) % 3 == hard_remainder else _gold(i)
            )
            service.finish_attempt(engine, attempt.id, actor=who)
        with session_scope(engine) as session:
            row, version = find_round(session, "cal")
            ids = (row.id, sorted(session.scalars(select(t.Attempt.id).where(t.Attempt.round_id == row.id))))
            fitted = adaptive_quiz._provisional_params(
                session, row, guideline_of(version), items_of(row, version)
            )
        assert fitted is not None
        return ids, fitted

    first_ids, first = fit(0)
    service.delete_round(engine, "cal", actor=store.lead, confirm="cal")
    second_ids, second = fit(1)
    hard_b = [b for i, (_, b) in second.items() if int(i[-2:]) % 3 == 1]
    easy_b = [b for i, (_, b) in second.items() if int(i[-2:]) % 3 != 1]
    assert min(hard_b) > max(easy_b)  # the new round's answers, not the deleted round's
    assert second != first
    if engine.dialect.name == "sqlite":
        assert second_ids == first_ids  # the case this guards against


def test_an_adaptive_retake_on_a_small_bank_reuses_the_items_seen_before(store: Any) -> None:
    """3 items per rule, quota 3: after a failed attempt every rule is out of unseen items, and the
    retake reuses them as a fixed quiz does (docs/calibration.md) instead of being refused."""
    engine = store.engine
    service.publish_guideline(
        engine, Guideline.model_validate(adaptive_guideline_data(per_rule=3)), store.lead
    )
    service.create_user(engine, "ann", role="annotator", email="ann@example.org", actor=store.lead)
    service.create_calibration_round(engine, "cal", "adapt@1.0.0", actor=store.lead, seed=5)
    ann = _user(engine, "ann")
    first, asked = _take(engine, ann, lambda item: WRONG[_gold(item)])
    assert service.finish_attempt(engine, first.id, actor=ann).passed is False
    assert service.retake_status(engine, "cal", ann) == service.RetakeStatus(True, service.RETAKE_WAITING)
    retake, again = _take(engine, ann, _gold)
    assert retake.number == 2 and again
    assert set(again) & set(asked)  # reused: the rules had no unseen items left
    assert service.seen_before(engine, retake.id, actor=ann) == set(again) & set(asked)
