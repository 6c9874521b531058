"""Adaptive calibration quizzes in the store: the next item chosen and persisted one at a time.

An attempt under ``calibration.policy: adaptive`` starts with one assigned item; each answer (in the
same transaction) appends the next item chosen by `calibration.adaptive.cat.AdaptiveBank.step` as a
new assignment. The chosen item is therefore stored when it is chosen: a reload or a restart shows
the first unanswered assignment, the SAME item, even when other annotators' quizzes have since
changed the exposure counts; and since the candidates are the items not yet assigned, an item is
never asked twice in an attempt. When the step says the quiz is over nothing is appended, the
attempt has no next item, and finishing it scores the sequential test's rule decisions.

Selection never becomes a feedback channel with ``feedback: at_end``: item information is measured
at the rule's cut point, which does not depend on the answers; only a rule's stopping does, and a
rule stops both when it passed and when it failed. With immediate feedback (the annotator sees each
gold answer anyway) information is measured at the annotator's current ability estimate.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from calibration.adaptive.cat import AdaptiveBank, AdaptiveStep
from calibration.agreement.gold import answers_credit
from calibration.answers import parse_answer
from calibration.errors import CalibrationError
from calibration.rounds import sampling
from calibration.rounds._common import (
    advance_attempt,
    canonical_value,
    guideline_of,
    items_of,
)
from calibration.storage import repository as repo
from calibration.storage import tables as t

if TYPE_CHECKING:
    from calibration.guidelines.model import Guideline, Item


@dataclass(frozen=True)
class AdaptiveProgress:
    """Where an adaptive attempt stands, for the quiz page.

    ``items_left`` counts the item on screen; ``rule_decisions`` are the sequential test's.
    """

    items_left: int
    rule_decisions: dict[str, str]
    open_rules: tuple[str, ...]


def is_adaptive(round_row: t.Round, guideline: Guideline) -> bool:
    return round_row.kind == "calibration" and guideline.calibration.policy == "adaptive"


def _model_params(
    session: Session, version_id: int, before: dt.datetime | None = None
) -> dict[str, tuple[float, float]] | None:
    query = select(t.ItemModelFit).where(t.ItemModelFit.guideline_version_id == version_id)
    if before is not None:
        query = query.where(t.ItemModelFit.fitted_at <= before)
    row = session.scalars(
        query.order_by(t.ItemModelFit.fitted_at.desc(), t.ItemModelFit.id.desc()).limit(1)
    ).first()
    if row is None:
        return None
    items = (row.estimates or {}).get("items") or {}
    return {str(i): (float(v["discrimination"]), float(v["difficulty"])) for i, v in items.items()}


PROVISIONAL_MIN_ANNOTATORS = 5
"""A version without a stored item model gets a provisional Rasch fit once this many annotators
have finished a quiz in the round (issue 14: the first round)."""
_provisional_cache: dict[tuple[str, int, str, tuple[int, ...]], dict[str, tuple[float, float]]] = {}
"""Provisional fits by (database, round id, round creation time, finished attempt ids): SQLite hands a
deleted round's id, and its attempts' ids, to the next round created, so ids alone could return the
deleted round's fit for a new round."""


def _provisional_params(
    session: Session,
    round_row: t.Round,
    guideline: Guideline,
    items: Mapping[str, Item],
    before: dt.datetime | None = None,
) -> dict[str, tuple[float, float]] | None:
    """A Rasch fit (`calibration.adaptive.irt`) on the answers of the round's attempts finished by
    `before` (an attempt's start: every step of the attempt reads the same fit, after a restart
    too), once `PROVISIONAL_MIN_ANNOTATORS` annotators have one; None before (cached by the
    finished attempts)."""
    query = select(t.Attempt.id, t.Attempt.annotator_id).where(
        t.Attempt.round_id == round_row.id, t.Attempt.finished_at.is_not(None)
    )
    if before is not None:
        query = query.where(t.Attempt.finished_at <= before)
    finished = session.execute(query).all()
    if len({a for _, a in finished}) < PROVISIONAL_MIN_ANNOTATORS:
        return None
    key = (
        str(session.get_bind().engine.url),
        round_row.id,
        round_row.created_at.isoformat(),
        tuple(sorted(i for i, _ in finished)),
    )
    if key in _provisional_cache:
        return _provisional_cache[key]
    import pandas as pd

    from calibration.adaptive.irt import fit_irt

    who = dict(finished)
    rows = [
        r
        for r in repo.current_responses(session, list(who))
        if r.item_id in items and items[r.item_id].answer is not None
    ]
    if not rows:
        return None
    golds = [parse_answer(guideline.task, items[r.item_id].answer, items[r.item_id].input) for r in rows]
    given = [canonical_value(guideline.task.type, r.answer) for r in rows]
    credit = answers_credit(guideline.task.type, given, golds, min_iou=guideline.task.min_iou)
    graded = pd.DataFrame(
        {
            "item_id": [r.item_id for r in rows],
            "annotator_id": [str(who[r.attempt_id]) for r in rows],
            "credit": credit,
        }
    ).drop_duplicates(["item_id", "annotator_id"], keep="last")
    fitted = fit_irt(graded, "rasch").items
    params = {str(i): (float(v.discrimination), float(v.difficulty)) for i, v in fitted.iterrows()}
    if len(_provisional_cache) > 64:
        _provisional_cache.clear()
    _provisional_cache[key] = params
    return params


def _exposure(session: Session, round_id: int) -> dict[str, int]:
    query = (
        select(t.Assignment.item_id, func.count())
        .where(t.Assignment.round_id == round_id)
        .group_by(t.Assignment.item_id)
    )
    return {item: int(n) for item, n in session.execute(query)}


LABEL_TASKS = ("single_label", "multi_label", "rating", "pairwise")


def gold_labels(
    guideline: Guideline, items: Mapping[str, Item], pool: Mapping[str, object]
) -> dict[str, str] | None:
    """Each pool item's gold answer as a key for label balance (label, rating and pairwise tasks;
    None for span, ranking and box tasks, whose answers are not a few labels)."""
    if guideline.task.type not in LABEL_TASKS:
        return None
    return {i: json.dumps(items[i].answer, sort_keys=True) for i in pool}


def _threshold(guideline: Guideline) -> float:
    return guideline.calibration.adaptive_mark


def _step(
    session: Session,
    round_row: t.Round,
    version: t.GuidelineVersion,
    annotator_id: int,
    annotator_name: str,
    number: int,
    targets: set[str] | None,
    attempt_id: int | None,
    started: dt.datetime | None = None,
) -> AdaptiveStep:
    guideline = guideline_of(version)
    policy = guideline.calibration
    items = items_of(round_row, version)
    settings = round_row.settings or {}
    shown = repo.gold_shown_recency(
        session, version.guideline_id, [annotator_id], except_attempt=attempt_id
    ).get(annotator_id, {})
    assigned = repo.assigned_items(session, round_row.id, annotator_id, number)
    quiz_bank = sampling.quiz_bank(guideline)
    # as in a fixed quiz: items whose gold was shown join the pool only for rules short of unseen ones
    reuse = set(
        sampling.reuse_plan(
            quiz_bank,
            min_per_rule=int(settings.get("min_items_per_rule") or policy.min_items_per_rule),
            shown=shown,
            rules=targets,
        )
    )
    pool = {
        q.id: list(q.rules)
        for q in quiz_bank
        if q.id in items
        and (q.id not in shown or q.id in assigned or q.id in reuse)
        and (targets is None or targets & set(q.rules))
    }
    answers = (
        {r.item_id: r for r in repo.current_responses(session, [attempt_id])}
        if attempt_id is not None
        else {}
    )
    done = [i for i in assigned if i in answers and i in pool]
    golds = [parse_answer(guideline.task, items[i].answer, items[i].input) for i in done]
    given = [canonical_value(guideline.task.type, answers[i].answer) for i in done]
    credit = answers_credit(guideline.task.type, given, golds, min_iou=guideline.task.min_iou) if done else []
    bank = AdaptiveBank(
        pool,
        _threshold(guideline),
        # the item parameters of the attempt's start, for all its steps (a fit stored or an attempt
        # finished meanwhile would otherwise reopen a rule already decided)
        params=_model_params(session, version.id, started)
        or _provisional_params(session, round_row, guideline, items, started),
        confidence=policy.decision_confidence,
    )
    return bank.step(
        list(zip(done, credit, strict=True)),
        min_per_rule=int(settings.get("min_items_per_rule") or policy.min_items_per_rule),
        max_items=policy.max_items,
        seed=f"{settings.get('seed', 0)}:{annotator_name}:{number}",
        exposure=_exposure(session, round_row.id),
        select_at="estimate" if policy.feedback == "immediate" else "cut",
        rules=sorted(targets) if targets else None,
        labels=gold_labels(guideline, items, pool),
    )


def current_step(
    session: Session, row: t.Attempt, round_row: t.Round, version: t.GuidelineVersion, annotator_name: str
) -> AdaptiveStep:
    """The sequential test on the attempt's answers so far, and the item it would choose next."""
    targets = set(row.target_rules) if row.target_rules else None
    return _step(
        session,
        round_row,
        version,
        row.annotator_id,
        annotator_name,
        row.number,
        targets,
        row.id,
        row.started_at,
    )


def first_items(
    session: Session,
    round_row: t.Round,
    version: t.GuidelineVersion,
    annotator: t.User,
    number: int,
    targets: list[str] | None,
) -> list[str]:
    """The first item of a new adaptive attempt (in a list, like a fixed quiz's draw).

    Raises:
        CalibrationError: the bank has no quiz items with gold answers.
    """
    check_bank(version, round_row)
    step = _step(
        session,
        round_row,
        version,
        annotator.id,
        annotator.name,
        number,
        set(targets) if targets else None,
        None,
    )
    return [step.next_item] if step.next_item is not None else []


def advance(
    session: Session, row: t.Attempt, round_row: t.Round, version: t.GuidelineVersion, annotator_name: str
) -> AdaptiveStep | None:
    """Choose and persist the next item when none is pending; None when one is already pending."""
    return advance_attempt(
        session,
        row,
        lambda _assigned: current_step(session, row, round_row, version, annotator_name),
        lambda step: step.next_item,
    )


def check_bank(version: t.GuidelineVersion, round_row: t.Round) -> None:
    """Refuse an adaptive quiz when the bank has no quiz items (rules short of unseen items reuse
    items seen before, as a fixed quiz does: `sampling.reuse_plan`)."""
    if not sampling.quiz_bank(guideline_of(version)):
        raise CalibrationError(f"round {round_row.name!r} has no quiz items with gold answers")


def progress(
    session: Session, row: t.Attempt, round_row: t.Round, version: t.GuidelineVersion, annotator_name: str
) -> AdaptiveProgress:
    step = current_step(session, row, round_row, version, annotator_name)
    assigned = repo.assigned_items(session, row.round_id, row.annotator_id, row.number)
    answered = {r.item_id for r in repo.current_responses(session, [row.id])}
    pending = any(i not in answered for i in assigned)
    left = max(step.items_left, 1) if pending else step.items_left
    return AdaptiveProgress(left, dict(step.rule_decisions), tuple(step.open_rules))
