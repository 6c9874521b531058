"""Attempts: start or resume, quiz items, record answers, finish and score (certifying on a pass)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from calibration.agreement.decisions import overall_decision
from calibration.agreement.gold import score_against_gold
from calibration.answers import answer_to_json, check_answer_extras, parse_answer
from calibration.errors import (
    AnswerError,
    CalibrationError,
    ConflictError,
    Location,
    NotFoundError,
    PermissionDenied,
)
from calibration.responses import gold_series, item_rules_frame, responses_frame
from calibration.rounds import adaptive_pilot, adaptive_quiz, sampling
from calibration.rounds._common import (
    SYSTEM,
    Actor,
    RoundRef,
    actor_row,
    actor_user_id,
    canonical_value,
    find_round,
    guideline_of,
    items_of,
    jsonable,
    retrying,
)
from calibration.rounds.adaptive_quiz import AdaptiveProgress
from calibration.rounds.rounds_admin import draw_quiz
from calibration.storage import repository as repo
from calibration.storage import tables as t
from calibration.storage.engine import session_scope
from calibration.storage.repository import (
    Attempt,
    Response,
    User,
)
from calibration.wording import counted

if TYPE_CHECKING:
    from calibration.guidelines.model import Item


@dataclass(frozen=True)
class AttemptResult:
    """The outcome of finishing an attempt.

    ``score`` is `GoldScore.to_dict()` of `calibration.agreement.gold.score_against_gold` for
    calibration rounds (None for pilots); ``retake_rules`` are the rules a retake will target.
    """

    attempt: Attempt
    passed: bool | None
    failed_rules: tuple[str, ...]
    score: dict[str, Any] | None
    certified: bool

    @property
    def retake_rules(self) -> tuple[str, ...]:
        return self.failed_rules if self.passed is False else ()


def _owner(session: Session, actor: Actor, action: str) -> t.User:
    if actor == SYSTEM:
        raise PermissionDenied(f"cannot {action} without a signed-in annotator", hint="sign in first")
    row = actor_row(session, actor, repo.ROLES, action)
    assert row is not None
    return row


def _pilot_items_for_late_joiner(session: Session, round_row: t.Round, annotator: t.User) -> list[str]:
    settings = round_row.settings or {}
    items = list(settings.get("items") or [])
    counts = repo.assignment_counts(session, round_row.id)
    rng = sampling._rng(settings.get("seed", 0), "late", annotator.name)
    order = items[:]
    rng.shuffle(order)
    order.sort(key=lambda i: counts.get(i, 0))  # stable: least-covered first, seeded among equals
    take = settings.get("per_annotator") or len(items)
    chosen = order[: min(int(take), len(items))]
    rng.shuffle(chosen)
    return chosen


def start_or_resume_attempt(engine: Engine, round: RoundRef, annotator: Actor) -> Attempt:
    """The annotator's attempt in a round: the one in progress, else a new one when due.

    A new attempt is started when the annotator has none, or (calibration) when the last one failed:
    the retake's quiz targets the failed rules. When the last attempt passed (or a pilot is done) it
    is returned as it is, finished.

    Returns:
        The `Attempt` with its item order, current answers and ``next_item``.

    Raises:
        NotFoundError: unknown round. CalibrationError: the round is closed (for a new attempt),
        or the annotator has no items. PermissionDenied: no signed-in user.
    """

    def work(session: Session) -> Attempt:
        person = _owner(session, annotator, "take a quiz")
        row, version = find_round(session, round)
        attempts = repo.attempts_of(session, row.id, person.id)
        if attempts and attempts[-1].status == "in_progress":
            current = attempts[-1]
            if adaptive_quiz.is_adaptive(row, guideline_of(version)) and row.status == "open":
                adaptive_quiz.advance(
                    session, current, row, version, person.name
                )  # no-op when one is pending
            if adaptive_pilot.is_adaptive_pilot(row) and row.status == "open":
                adaptive_pilot.advance(session, current, row, version, person.name)
            return repo.attempt_of(session, current, row.name)
        target: list[str] | None = None
        if attempts:
            last = attempts[-1]
            score = last.score or {}
            if row.kind == "pilot" or score.get("passed") is not False:
                return repo.attempt_of(session, last, row.name)
            target = list(score.get("failed_rules") or []) or None
        if row.status != "open":
            raise CalibrationError(f"round {row.name!r} is closed", hint="ask your lead to reopen it")
        number = len(attempts) + 1
        items = repo.assigned_items(session, row.id, person.id, number)
        if not items:
            if adaptive_pilot.is_adaptive_pilot(row):
                items = adaptive_pilot.first_items(session, row, version, person.name)
            elif row.kind == "pilot":
                items = _pilot_items_for_late_joiner(session, row, person)
            else:
                items = draw_quiz(session, row, version, person, number, target)
            if not items and adaptive_pilot.is_adaptive_pilot(row):
                raise CalibrationError(
                    f"round {row.name!r} has no more items for {person.name}: the adaptive pilot needs no more answers",
                    hint="every rule is decided and the control slice is answered, or every item has its answers",
                )
            if not items:
                raise CalibrationError(f"round {row.name!r} has no items for {person.name}")
            repo.add_assignments(session, row.id, person.id, number, items)
        attempt = t.Attempt(
            round_id=row.id, annotator_id=person.id, number=number, status="in_progress", target_rules=target
        )
        session.add(attempt)
        session.flush()
        repo.audit(
            session,
            person.id,
            "start_attempt",
            f"round:{row.name}",
            attempt=attempt.id,
            number=number,
            target_rules=target,
        )
        return repo.attempt_of(session, attempt, row.name)

    return retrying(engine, work)


RETAKE_WAITING = "Not passed yet: a retake on the rules to reread is waiting."
RETAKE_CLOSED = "Not passed yet. This round is closed: ask your lead to reopen it for a retake."


@dataclass(frozen=True)
class RetakeStatus:
    """Whether a due retake can start now (``available``), and the sentence every page shows for it."""

    available: bool
    message: str


def retake_status(engine: Engine, round: RoundRef, annotator: Actor) -> RetakeStatus | None:
    """The annotator's due retake: available, or why not; None when no retake is due.

    No retake is due with no attempt, one in progress, a last attempt that passed, or in a pilot. A
    due retake is available while the round is open: rules short of unseen items reuse items seen
    longest ago (`sampling.reuse_plan`), so the bank never blocks it. The one answer Home and the
    quiz page both show.
    """
    with session_scope(engine, read_only=True) as session:
        person = _owner(session, annotator, "take a quiz")
        row, _ = find_round(session, round)
        attempts = repo.attempts_of(session, row.id, person.id)
        if row.kind == "pilot" or not attempts:
            return None
        last = attempts[-1]
        if last.status == "in_progress" or (last.score or {}).get("passed") is not False:
            return None
        if row.status != "open":
            return RetakeStatus(False, RETAKE_CLOSED)
        return RetakeStatus(True, RETAKE_WAITING)


def seen_before(engine: Engine, attempt_id: int, *, actor: Actor) -> set[str]:
    """Items of a calibration attempt that its annotator was given in an earlier calibration attempt
    on the guideline (their gold answer was shown) and that were served again because one of their
    rules had too few unseen items left (`sampling.reuse_plan`): the quiz page says so on them.

    Empty in a pilot (pilots draw no quiz) and for items met before whose rules all still had
    unseen items (e.g. two rounds drawn before any gold was shown).

    Raises:
        NotFoundError: unknown attempt. PermissionDenied: someone else's attempt.
    """
    with session_scope(engine, read_only=True) as session:
        row, round_row, version, _ = _attempt_for(session, attempt_id, actor, "see the quiz")
        if round_row.kind != "calibration":
            return set()
        earlier = repo.gold_shown_recency(
            session, version.guideline_id, [row.annotator_id], before_attempt=row.id
        ).get(row.annotator_id, {})
        if not earlier:
            return set()
        assigned = repo.assigned_items(session, row.round_id, row.annotator_id, row.number)
        guideline = guideline_of(version)
        bank = sampling.quiz_bank(guideline)
        settings = round_row.settings or {}
        min_per_rule = int(settings.get("min_items_per_rule") or guideline.calibration.min_items_per_rule)
        short = sampling.short_rules(bank, min_per_rule=min_per_rule, exclude=earlier)
        rules = {i.id: i.rules for i in bank}
        return {i for i in assigned if i in earlier and any(r in short for r in rules.get(i, ()))}


def _reused(session: Session, row: t.Attempt, version: t.GuidelineVersion) -> set[str]:
    earlier = repo.gold_shown_recency(
        session, version.guideline_id, [row.annotator_id], before_attempt=row.id
    ).get(row.annotator_id, {})
    assigned = repo.assigned_items(session, row.round_id, row.annotator_id, row.number)
    return {i for i in assigned if i in earlier}


def _attempt_for(
    session: Session, attempt_id: int, actor: Actor, action: str, lock: bool = False
) -> tuple[t.Attempt, t.Round, t.GuidelineVersion, t.User | None]:
    row = repo.lock_attempt(session, attempt_id) if lock else session.get(t.Attempt, attempt_id)
    if row is None:
        raise NotFoundError(f"unknown attempt #{attempt_id}", location=Location(field="attempt"))
    who = None
    if actor != SYSTEM:
        who = actor_row(session, actor, repo.ROLES, action)
        assert who is not None
        if who.id != row.annotator_id and who.role != "lead":
            raise PermissionDenied(
                f"{who.name} may not {action} of another annotator's attempt",
                hint="annotators only see and answer their own attempts",
            )
    round_row, version = find_round(session, row.round_id)
    return row, round_row, version, who


def get_attempt(engine: Engine, attempt_id: int, *, actor: Actor) -> Attempt:
    """An attempt with its items and current answers (its owner or a lead).

    Raises:
        NotFoundError: unknown attempt. PermissionDenied: someone else's attempt.
    """
    with session_scope(engine, read_only=True) as session:
        row, round_row, _, _ = _attempt_for(session, attempt_id, actor, "see the answers")
        return repo.attempt_of(session, row, round_row.name)


def quiz_items(engine: Engine, attempt_id: int, *, actor: Actor) -> dict[str, Item]:
    """The items of an attempt as its annotator may see them now, in the attempt's order.

    Annotator-facing: an item's gold ``answer`` and its ``why`` are withheld (None and "") unless the
    annotator may see them: in a calibration round, once the item is answered when the guideline's
    feedback is "immediate", or once the attempt is finished; in a pilot round, never. Use this, not
    `round_items` (a lead's view with every gold answer), to render a quiz.

    Raises:
        NotFoundError: unknown attempt. PermissionDenied: someone else's attempt (leads included: a
        lead reads gold through `round_items`).
    """
    with session_scope(engine, read_only=True) as session:
        row, round_row, version, who = _attempt_for(session, attempt_id, actor, "see the quiz")
        if who is not None and who.id != row.annotator_id:
            raise PermissionDenied(
                "the quiz view is for the attempt's annotator",
                hint="leads see items with gold in the round's pages",
            )
        items = items_of(round_row, version)
        order = repo.assigned_items(session, row.round_id, row.annotator_id, row.number)
        answered = {r.item_id for r in repo.current_responses(session, [row.id])}
        policy = guideline_of(version).calibration
    finished = row.status == "finished"

    def shown(item_id: str) -> bool:
        if round_row.kind != "calibration":
            return False
        return finished or (item_id in answered and policy.feedback == "immediate")

    return {
        i: items[i] if shown(i) else items[i].model_copy(update={"answer": None, "why": ""})
        for i in order
        if i in items
    }


def record_answer(
    engine: Engine,
    attempt_id: int,
    item_id: str,
    raw_answer: Any,
    *,
    actor: Actor,
    confidence: int | None = None,
    cited_rule: str | None = None,
    unclear: bool = False,
    comment: str | None = None,
    seconds: float | None = None,
) -> Response:
    """Validate and store an answer, committed before returning.

    Idempotent: the same answer (with the same confidence, cited rule, unclear flag and comment)
    given again returns the stored response with ``created=False`` and writes nothing. A different
    answer supersedes the current one, which is kept as history (`response_history`), except in a
    calibration round with immediate feedback, where the gold was shown once the item was answered.

    Args:
        attempt_id: the annotator's attempt (from `start_or_resume_attempt`).
        item_id: an item of that attempt.
        raw_answer: the answer as given (see `calibration.answers.parse_answer`).
        actor: the attempt's annotator.
        confidence: 1-5, optional. cited_rule: the rule id applied, optional. unclear: the guideline
            was unclear here. comment: free text. seconds: time spent.

    Returns:
        The current `Response` (answer in JSON form).

    Raises:
        NotFoundError: unknown attempt, or an item not in the attempt. ConflictError: the attempt is
        finished, or the item's gold was already shown (immediate feedback) and the answer differs. AnswerError: the answer (or confidence, cited rule, seconds) is invalid.
        PermissionDenied: not the attempt's annotator. Nothing is written in any of these cases.
    """
    item_id = str(item_id)

    def work(session: Session) -> Response:
        row, round_row, version, _ = _attempt_for(session, attempt_id, actor, "answer", lock=True)
        if actor != SYSTEM:
            actor_id = actor.id if isinstance(actor, User) else actor
            if actor_id != row.annotator_id:
                raise PermissionDenied("only the attempt's annotator can answer its items")
        if row.status != "in_progress":
            raise ConflictError(
                f"attempt #{row.id} is finished; its answers can no longer change",
                hint="start a retake to answer again",
            )
        if round_row.status != "open":
            raise CalibrationError(f"round {round_row.name!r} is closed", hint="ask your lead to reopen it")
        if not repo.is_assigned(session, row.round_id, row.annotator_id, row.number, item_id):
            raise NotFoundError(
                f"item {item_id!r} is not part of attempt #{row.id}",
                location=Location(field="item_id"),
                hint="answer only the items of your own quiz",
            )
        guideline = guideline_of(version)
        item = items_of(round_row, version).get(item_id)
        try:
            canonical = parse_answer(guideline.task, raw_answer, item.input if item else None)
        except AnswerError as error:
            raise AnswerError(
                f"item {item_id!r}: {error.message}", location=Location(field="answer"), hint=error.hint
            ) from None
        conf, rule, text, secs = check_answer_extras(guideline, confidence, cited_rule, comment, seconds)
        stored = answer_to_json(guideline.task.type, canonical)
        current = repo.current_response(session, row.id, item_id)
        if current is not None and (
            current.answer,
            current.confidence,
            current.cited_rule,
            bool(current.unclear),
            current.comment,
        ) == (stored, conf, rule, bool(unclear), text):
            return repo.response_of(current, created=False)
        if (
            current is not None
            and current.answer != stored
            and round_row.kind == "calibration"
            and guideline.calibration.feedback == "immediate"
        ):
            # quiz_items shows an answered item's gold at once: a changed answer would be scored on it
            raise ConflictError(
                f"item {item_id!r} is already answered and its gold answer was shown; the answer stays as given",
                hint="answer the next item; a retake asks other items",
            )
        moment = t.utcnow()
        if current is not None:
            current.superseded_at = moment
            session.flush()
        response = t.Response(
            attempt_id=row.id,
            round_id=row.round_id,
            item_id=item_id,
            annotator_id=row.annotator_id,
            answer=stored,
            confidence=conf,
            cited_rule=rule,
            unclear=bool(unclear),
            comment=text,
            seconds=secs,
            created_at=moment,
        )
        session.add(response)
        if round_row.kind == "calibration" and guideline.calibration.feedback == "immediate":
            row.feedback_item = item_id  # shown until dismissed, on this and any later page load
        session.flush()
        if adaptive_quiz.is_adaptive(round_row, guideline):
            # the next item is chosen and stored now, in this transaction: a reload or a restart
            # shows the same one
            name = repo.names_of(session, [row.annotator_id])[row.annotator_id]
            adaptive_quiz.advance(session, row, round_row, version, name)
        if adaptive_pilot.is_adaptive_pilot(round_row):
            name = repo.names_of(session, [row.annotator_id])[row.annotator_id]
            adaptive_pilot.advance(session, row, round_row, version, name)
        return repo.response_of(response)

    return retrying(engine, work)


def acknowledge_feedback(engine: Engine, attempt_id: int, item_id: str, *, actor: Actor) -> None:
    """The annotator has read the feedback on `item_id` ("Next item"): the quiz moves on.

    Until then, every load of the quiz shows that feedback again (`Attempt.feedback_item`).
    Acknowledging an item whose feedback is not pending (a second click, another tab) does nothing.

    Raises:
        NotFoundError: unknown attempt. PermissionDenied: not the attempt's annotator.
    """

    def work(session: Session) -> None:
        row, _, _, who = _attempt_for(session, attempt_id, actor, "acknowledge feedback", lock=True)
        if who is not None and who.id != row.annotator_id:
            raise PermissionDenied("only the attempt's annotator can acknowledge its feedback")
        if row.feedback_item == str(item_id):
            row.feedback_item = None
            session.flush()

    retrying(engine, work)


def response_history(engine: Engine, attempt_id: int, item_id: str, *, actor: Actor) -> list[Response]:
    """Every answer given to an item in an attempt, oldest first (superseded ones have superseded_at)."""
    with session_scope(engine, read_only=True) as session:
        _attempt_for(session, attempt_id, actor, "see the answers")
        return repo.response_history(session, attempt_id, str(item_id))


def _score_attempt(
    session: Session, row: t.Attempt, round_row: t.Round, version: t.GuidelineVersion, name: str
) -> Any:
    guideline = guideline_of(version)
    items = items_of(round_row, version)
    answers = repo.current_responses(session, [row.id])
    frame = responses_frame(
        [
            {
                "item_id": r.item_id,
                "annotator_id": name,
                "answer": canonical_value(guideline.task.type, r.answer),
            }
            for r in answers
        ]
        or {"item_id": [], "annotator_id": [], "answer": []}
    )
    assigned = repo.assigned_items(session, row.round_id, row.annotator_id, row.number)
    scored = [i for i in assigned if i in items]
    frame = frame[frame["item_id"].isin(scored)]
    gold = {
        i: parse_answer(guideline.task, items[i].answer, items[i].input)
        for i in scored
        if items[i].answer is not None
    }
    rules = item_rules_frame({i: items[i].rules for i in scored})
    result = score_against_gold(
        frame, gold_series(gold), guideline.task, item_rules=rules, policy=guideline.calibration
    )
    # Items reused from an earlier attempt (their rule ran out of unseen ones) count like the others:
    # the result says how many, so the lead can weigh a pass that rests on them (docs/calibration.md).
    reused = sorted(i for i in _reused(session, row, version) if i in gold)
    if not reused:
        return result
    return dataclasses.replace(
        result,
        reasons=[
            *result.reasons,
            f"{counted(len(reused), 'item')} {'was' if len(reused) == 1 else 'were'} seen in an earlier "
            "attempt (their gold answer was shown): " + ", ".join(reused),
        ],
    )


KAPPA_REASONS = ("kappa against gold", "accuracy ")
"""Starts of `score_against_gold`'s reasons for missing the ``pass_kappa`` mark (kappa, or accuracy
where kappa is not available) and the ``pass_accuracy`` mark."""


def _adaptive_result(result: Any, step: Any) -> Any:
    """An adaptive quiz passes when the sequential test decided every rule pass and the answers meet
    the guideline's overall marks (``pass_kappa``: Cohen's kappa against gold; ``pass_accuracy``); the rules it
    decided fail or left undecided are what the retake targets. The per-rule accuracy marks of the
    fixed quiz do not apply (items chosen for information are harder than a random draw), but the
    kappa mark does: without it an annotator who gives one label everywhere can pass a rule whose
    chosen items happen to share that gold label (seen on a public data set, docs/adaptive.md)."""
    decisions: dict[str, str] = step.rule_decisions
    retake = sorted(r for r, d in decisions.items() if d != "pass")
    frame = result.rule_decisions.copy()
    if not frame.empty:
        frame["decision"] = [decisions.get(str(r), "undecided") for r in frame.index]
    posterior: dict[str, tuple[str, float]] = getattr(step, "posterior", {}) or {}

    def reason(rule: str, decision: str) -> str:
        if rule in posterior:
            side = "under" if decision == "fail" else "at least"
            return (
                f"rule {rule}: {decision} by the Beta posterior after {step.counts[rule][0]} item(s) "
                f"(the sequential test stopped undecided): probability {posterior[rule][1]:.2%} "
                f"that the accuracy is {side} the mark"
            )
        return f"rule {rule}: {decision} by the sequential test after {step.counts[rule][0]} item(s)"

    reasons = [reason(r, d) for r, d in sorted(decisions.items()) if d != "pass"]
    chance_corrected = [r for r in result.reasons if r.startswith(KAPPA_REASONS)]
    reasons += chance_corrected
    return dataclasses.replace(
        result,
        passed=bool(decisions) and not retake and not chance_corrected,
        failed_rules=retake,
        reasons=reasons,
        rule_decisions=frame,
        decision=overall_decision(decisions.values()),
    )


def adaptive_progress(engine: Engine, attempt_id: int, *, actor: Actor) -> AdaptiveProgress | None:
    """Where an adaptive attempt stands ("about N items left"); None for a fixed quiz or a pilot.

    Raises:
        NotFoundError: unknown attempt. PermissionDenied: someone else's attempt.
    """
    with session_scope(engine, read_only=True) as session:
        row, round_row, version, _ = _attempt_for(session, attempt_id, actor, "see the quiz")
        if not adaptive_quiz.is_adaptive(round_row, guideline_of(version)):
            return None
        name = repo.names_of(session, [row.annotator_id])[row.annotator_id]
        return adaptive_quiz.progress(session, row, round_row, version, name)


def adaptive_pilot_items_left(engine: Engine, attempt_id: int, *, actor: Actor) -> int | None:
    """For an adaptive pilot attempt, at most how many more items may come after the current one
    (`adaptive_pilot.most_items_left`); None for any other round.

    Raises:
        NotFoundError: unknown attempt. PermissionDenied: someone else's attempt.
    """
    with session_scope(engine, read_only=True) as session:
        row, round_row, version, _ = _attempt_for(session, attempt_id, actor, "see the quiz")
        if not adaptive_pilot.is_adaptive_pilot(round_row):
            return None
        return adaptive_pilot.most_items_left(session, row, round_row, version)


def finish_attempt(
    engine: Engine, attempt_id: int, *, actor: Actor, allow_unanswered: bool = False
) -> AttemptResult:
    """Finish an attempt: score a calibration quiz against gold, certify on a pass.

    Scoring uses `calibration.agreement.gold.score_against_gold` with the guideline's policy. A pass
    records a certification for the guideline version; a fail makes the next
    `start_or_resume_attempt` a retake targeting the failed rules. Finishing twice returns the
    stored result.

    Raises:
        NotFoundError: unknown attempt. ConflictError: items still unanswered (unless
        `allow_unanswered`). PermissionDenied: neither its annotator nor a lead.
    """

    def work(session: Session) -> AttemptResult:
        row, round_row, version, who = _attempt_for(
            session, attempt_id, actor, "finish the attempt", lock=True
        )
        if row.status == "finished":
            return _result(session, row, round_row)
        assigned = repo.assigned_items(session, row.round_id, row.annotator_id, row.number)
        answered = {r.item_id for r in repo.current_responses(session, [row.id])}
        missing = [i for i in assigned if i not in answered]
        if missing and not allow_unanswered:
            raise ConflictError(
                f"{len(missing)} item(s) are not answered yet: {', '.join(missing[:5])}"
                + (" ..." if len(missing) > 5 else ""),
                hint="answer every item, then finish",
            )
        name = repo.names_of(session, [row.annotator_id])[row.annotator_id]
        if round_row.kind == "calibration":
            result = _score_attempt(session, row, round_row, version, name)
            if adaptive_quiz.is_adaptive(round_row, guideline_of(version)):
                result = _adaptive_result(
                    result, adaptive_quiz.current_step(session, row, round_row, version, name)
                )
            items = items_of(round_row, version)
            skipped = [i for i in missing if i in items and items[i].answer is not None]
            if skipped:  # only answered items are scored: a quiz left half done must not certify
                result = dataclasses.replace(
                    result,
                    passed=False,
                    failed_rules=sorted(
                        {*result.failed_rules, *(r for i in skipped for r in items[i].rules)}
                    ),
                    reasons=[*result.reasons, f"{len(skipped)} quiz item(s) with gold were not answered"],
                )
            row.score = jsonable(result.to_dict())
            if result.passed:
                score = result.kappa if result.kappa is not None else result.accuracy
                session.add(
                    t.Certification(
                        annotator_id=row.annotator_id,
                        guideline_version_id=version.id,
                        attempt_id=row.id,
                        score=jsonable(score),
                    )
                )
        row.status = "finished"
        row.finished_at = t.utcnow()
        session.flush()
        repo.audit(
            session,
            actor_user_id(who),
            "finish_attempt",
            f"round:{round_row.name}",
            attempt=row.id,
            annotator=name,
            passed=(row.score or {}).get("passed"),
        )
        return _result(session, row, round_row)

    return retrying(engine, work)


def attempt_result(engine: Engine, attempt_id: int, *, actor: Actor) -> AttemptResult:
    """The stored result of a finished attempt, read only (its annotator, or a lead).

    Raises:
        NotFoundError: unknown attempt. PermissionDenied: another annotator's attempt.
        ConflictError: the attempt is not finished yet.
    """
    with session_scope(engine, read_only=True) as session:
        row, round_row, _, _ = _attempt_for(session, attempt_id, actor, "see the result")
        if row.status != "finished":
            raise ConflictError(
                f"attempt #{row.id} is not finished yet", hint="answer every item to see the result"
            )
        return _result(session, row, round_row)


def my_attempts(engine: Engine, round: RoundRef, *, actor: Actor) -> list[Attempt]:
    """The signed-in annotator's own attempts in a round, oldest first (finished ones have a result).

    Raises:
        NotFoundError: unknown round. PermissionDenied: no signed-in user.
    """
    with session_scope(engine, read_only=True) as session:
        person = _owner(session, actor, "see attempts")
        row, _ = find_round(session, round)
        return [repo.attempt_of(session, a, row.name) for a in repo.attempts_of(session, row.id, person.id)]


def _result(session: Session, row: t.Attempt, round_row: t.Round) -> AttemptResult:
    score = row.score
    passed = None if score is None else bool(score.get("passed"))
    failed = tuple(score.get("failed_rules") or ()) if score else ()
    certified = any(c.attempt_id == row.id for c in repo.certifications(session, row.annotator_id))
    return AttemptResult(repo.attempt_of(session, row, round_row.name), passed, failed, score, certified)


def answers_by_item(responses: Mapping[str, Response]) -> dict[str, Any]:
    """The stored answers of an attempt by item id (JSON form), e.g. to pre-fill a resumed quiz."""
    return {item: r.answer for item, r in responses.items()}
