"""Round status and analyses input: progress per annotator, current answers, audit log, row counts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import Engine

from calibration.answers import parse_answer
from calibration.responses import Annotations, gold_series, item_rules_frame, responses_frame, split_models
from calibration.rounds import sampling
from calibration.rounds._common import (
    RoundRef,
    canonical_value,
    find_round,
    guideline_of,
    items_of,
    ref_of,
    round_item_ids,
    utc_now,
)
from calibration.rounds.quiz_length import adaptive_most_items
from calibration.storage import repository as repo
from calibration.storage import tables as t
from calibration.storage.engine import session_scope
from calibration.storage.repository import (
    AnnotatorProgress,
    AuditEntry,
    Round,
    RoundStatus,
)
from calibration.wording import counted

if TYPE_CHECKING:
    from calibration.guidelines.model import Guideline


STUCK_AFTER = dt.timedelta(minutes=30)


@dataclass(frozen=True, kw_only=True, eq=False)
class RoundResponses(Annotations):
    """A round's `Annotations` (everything analyses need), with the round and its models' answers.

    ``responses``: current answers, one per item and annotator (the annotator_id is the user's
    name). ``item_rules``: item_id, rule_id. ``gold``: canonical gold answers indexed by item_id
    (bank gold, then adjudications for items without gold). ``model_responses``: the answers of
    model annotators (``annotator_kind`` ``model``, with their ``score``), kept apart so no human
    analysis counts them unless asked (empty when none).
    """

    round: Round
    guideline: Guideline
    model_responses: pd.DataFrame = field(default_factory=lambda: _empty_responses())


def round_status(
    engine: Engine,
    round: RoundRef,
    *,
    stuck_after: dt.timedelta = STUCK_AFTER,
    now: dt.datetime | None = None,
) -> RoundStatus:
    """Who finished and who is stuck: progress per annotator (their latest attempt).

    Each `AnnotatorProgress` has the status (not_started, in_progress, finished), answered/total,
    the last activity (last answer, else the attempt's start), pass/fail for calibration rounds,
    and ``stuck``: in progress with no activity for `stuck_after`.
    """
    moment = utc_now(now)
    with session_scope(engine, read_only=True) as session:
        row, version = find_round(session, round)
        latest: dict[int, tuple[t.Attempt, str, int, int, Any]] = {}
        counts: dict[int, int] = {}
        for entry in repo.round_progress_rows(session, row.id):
            latest[entry[0].annotator_id] = entry
            counts[entry[0].annotator_id] = counts.get(entry[0].annotator_id, 0) + 1
        people = repo.round_annotator_ids(session, row.id)
        names = repo.names_of(session, people)
        progress = []
        for person in people:
            if person not in latest:
                total = len(repo.assigned_items(session, row.id, person, 1))
                progress.append(AnnotatorProgress(person, names[person], 0, "not_started", 0, total, None))
                continue
            attempt, name, total, answered, last = latest[person]
            progress.append(
                _progress(person, name, counts[person], attempt, answered, total, last, moment - stuck_after)
            )
        progress.sort(key=lambda p: p.name)
        waiting = {
            person: latest[person][0]
            for person in people
            if person in latest
            and row.kind == "calibration"
            and latest[person][0].status == "finished"
            and (latest[person][0].score or {}).get("passed") is False
        }
        warnings = _reuse_notice(session, row, version, waiting, names)
        return RoundStatus(repo.round_of(row, ref_of(version)), progress, warnings)


def _progress(
    person: int,
    name: str,
    attempts: int,
    attempt: t.Attempt,
    answered: int,
    total: int,
    last: Any,
    stuck_before: dt.datetime,
) -> AnnotatorProgress:
    """One annotator's progress from their latest attempt; stuck when in progress with no answer since
    `stuck_before` (the database may hand back naive UTC times)."""
    if last is not None and getattr(last, "tzinfo", None) is None:
        last = last.replace(tzinfo=dt.UTC)
    passed = None if attempt.score is None else bool(attempt.score.get("passed"))
    activity = last or attempt.started_at
    stuck = attempt.status == "in_progress" and activity < stuck_before
    return AnnotatorProgress(
        person,
        name,
        attempts,
        "finished" if attempt.status == "finished" else "in_progress",  # the only two an attempt has
        answered,
        total,
        activity,
        passed,
        stuck,  # type: ignore[arg-type]
    )


def _reuse_notice(
    session: Any,
    row: t.Round,
    version: t.GuidelineVersion,
    waiting: dict[int, t.Attempt],
    names: dict[int, str],
) -> list[str]:
    """One notice naming the rules whose waiting retakes reuse items seen before (too few unseen left)."""
    if not waiting:
        return []
    guideline = guideline_of(version)
    bank = sampling.quiz_bank(guideline)
    min_per_rule = int(
        (row.settings or {}).get("min_items_per_rule") or guideline.calibration.min_items_per_rule
    )
    shown = repo.gold_shown_items(session, version.guideline_id, list(waiting))
    reusing: dict[str, list[str]] = {}
    for person, attempt in waiting.items():
        targets = list((attempt.score or {}).get("failed_rules") or []) or None
        short = sampling.short_rules(
            bank, min_per_rule=min_per_rule, exclude=shown.get(person, set()), rules=targets
        )
        for rule in short:
            reusing.setdefault(rule, []).append(names.get(person, str(person)))
    if not reusing:
        return []
    rules = "; ".join(f"{rule} ({', '.join(sorted(who))})" for rule, who in sorted(reusing.items()))
    return [
        f"retakes reuse quiz items seen before, the ones seen longest ago, for rules with too few "
        f"unseen items: {rules}. Add items with gold answers for them in a new guideline version "
        "for fresh ones"
    ]


def annotator_rounds(
    engine: Engine,
    annotator_id: int,
    *,
    stuck_after: dt.timedelta = STUCK_AFTER,
    now: dt.datetime | None = None,
) -> list[tuple[Round, AnnotatorProgress]]:
    """The rounds an annotator takes part in, newest first, each with their progress (as in `round_status`).

    Costs what the annotator's own rounds cost: one query over their assignments, attempts and
    answers (and one for their name), never a scan of other rounds.

    Returns:
        ``[(Round, AnnotatorProgress), ...]``.
    """
    moment = utc_now(now)
    with session_scope(engine, read_only=True) as session:
        rows = repo.annotator_progress_rows(session, annotator_id)
        if not rows:
            return []
        name = repo.names_of(session, [annotator_id]).get(annotator_id, "")
    by_round: dict[int, list[tuple[t.Round, str, int, int, t.Attempt | None, int, Any]]] = {}
    for row in rows:
        by_round.setdefault(row[0].id, []).append(row)
    result = []
    for entries in by_round.values():  # insertion order: newest round first
        round_row, ref = entries[0][0], entries[0][1]
        started = [e for e in entries if e[4] is not None]
        if not started:
            total = next((e[3] for e in entries if e[2] == 1), entries[0][3])
            progress = AnnotatorProgress(annotator_id, name, 0, "not_started", 0, total, None)
        else:
            _, _, _, total, attempt, answered, last = started[-1]
            assert attempt is not None
            progress = _progress(
                annotator_id, name, len(started), attempt, answered, total, last, moment - stuck_after
            )
        result.append((repo.round_of(round_row, ref), progress))
    return result


def most_items(round: Round, guideline: Guideline | None = None) -> int | None:
    """The most items an annotator can be asked in `round` when they come one at a time, None when
    the round has a fixed length (its count of items is then the length).

    An adaptive pilot: its items; an adaptive calibration quiz: ``max_items``, or its quiz bank when
    smaller (`adaptive_most_items`). What Home ("3 answered, of at most 10 items", `progress_line`)
    and the Rounds page's progress table ("≤ 10") say, never the items drawn so far. 0 when unknown
    (an adaptive pilot with no items).

    Args:
        round: the round.
        guideline: the round's guideline version, which says whether a calibration quiz is adaptive;
            None reads a calibration round as of fixed length.
    """
    if round.kind == "pilot" and round.settings.get("policy") == "adaptive":
        return len(round.settings.get("items") or ())
    if round.kind == "calibration" and guideline is not None and guideline.calibration.policy == "adaptive":
        return adaptive_most_items(guideline)
    return None


def progress_line(
    round: Round, progress: AnnotatorProgress, guideline: Guideline | None = None
) -> tuple[str, float]:
    """What an annotator's progress bar says of a round (Home), and how full it is, from 0 to 1.

    A quiz or pilot of fixed length reads "3 of 20 answered". An adaptive pilot and an adaptive
    calibration quiz hand out items one at a time, as the rules need them, and may end sooner: only
    the most there can be is known, "3 answered, of at most 40 items" (the adaptive pilot's items; the
    quiz's ``max_items``, or its quiz bank when smaller, as `quiz_length` says). Their count of items
    so far ("3 of 4") would read as a fixed length.

    Args:
        round: the round; progress: the annotator's (`annotator_rounds`).
        guideline: the round's guideline version, which says whether a calibration quiz is adaptive;
            None reads a calibration round as of fixed length.

    Returns:
        ``(text, fraction)``: the fraction is 1 once the attempt is finished.
    """
    most = most_items(round, guideline)
    if most is not None:
        most = most or progress.total
    if most is None:
        text, total = f"{progress.answered} of {progress.total} answered", progress.total
    else:
        text, total = f"{progress.answered} answered, of at most {counted(most, 'item')}", most
    done = 1.0 if progress.status == "finished" else min(progress.answered / total, 1.0) if total else 0.0
    return text, done


def finished_round_ids(engine: Engine) -> set[int]:
    """Ids of the rounds every annotator has finished: the round has annotators, and each one's latest
    attempt is finished (`round_status` would list them all ``finished``). A round nobody has joined
    yet is not finished."""
    with session_scope(engine, read_only=True) as session:
        return repo.finished_round_ids(session)


def open_rounds(rounds: Iterable[Round], finished: set[int]) -> list[Round]:
    """The rounds still waiting for answers: open (not closed), not archived and not finished by every
    annotator (`finished`: `finished_round_ids`). What the Home page counts as "open rounds"."""
    return [r for r in rounds if r.status == "open" and not r.archived and r.id not in finished]


EVERY_ANNOTATOR_FINISHED = "open · every annotator finished"


def round_state(round: Round, finished: set[int]) -> str:
    """A round's state in the one wording every page uses: "open" (waiting for answers, what Home
    counts as waiting), "open · every annotator finished" (still open to new annotators, waiting for
    nobody), or "closed"; archived rounds add " · archived". `finished`: `finished_round_ids`."""
    state = EVERY_ANNOTATOR_FINISHED if round.status == "open" and round.id in finished else round.status
    return state + (" · archived" if round.archived else "")


def in_progress_counts(engine: Engine, round: RoundRef) -> dict[str, tuple[int, int]]:
    """``{annotator name: (answered, total)}`` of the annotators whose latest attempt is in progress: their
    scores cover part of a quiz, so pages show no verdict for them yet (`annotator_table`)."""
    return {
        p.name: (p.answered, p.total)
        for p in round_status(engine, round).annotators
        if p.status == "in_progress"
    }


def reused_answers(engine: Engine, round: RoundRef) -> dict[str, list[str]]:
    """``{annotator name: item ids}`` of the answers in the round's responses (the latest per item and
    annotator, as `round_responses` keeps) given on an item whose gold answer had been shown to the
    annotator before, in another calibration attempt on the guideline (`repository.gold_shown_times`:
    a finished attempt, or an answered item with immediate feedback): a retake reused it because its
    rule had too few unseen items (docs/calibration.md). They are scored like the others; a pass that
    rests on them is weaker evidence. An item merely given in an unfinished attempt, or whose gold was
    shown only after this answer, does not count. Annotators without such answers are left out; a
    pilot round has none.
    """
    with session_scope(engine, read_only=True) as session:
        row, version = find_round(session, round)
        if row.kind != "calibration":
            return {}
        latest: dict[tuple[int, str], tuple[str, int, dt.datetime]] = {}
        for annotator_id, name, item_id, attempt_id, when in repo.current_answer_times(session, row.id):
            latest[(annotator_id, item_id)] = (name, attempt_id, when)  # oldest attempt first: the last wins
        immediate = [
            v.id
            for v in repo.guideline_versions_of(session, version.guideline_id)
            if guideline_of(v).calibration.feedback == "immediate"
        ]
        shown = repo.gold_shown_times(
            session, version.guideline_id, sorted({a for a, _ in latest}), immediate
        )
    reused: dict[str, list[str]] = {}
    for key, (name, attempt_id, when) in latest.items():
        earlier = shown.get(key, {})
        if any(other != attempt_id and moment < when for other, moment in earlier.items()):
            reused.setdefault(name, []).append(key[1])
    return {name: sorted(items) for name, items in sorted(reused.items())}


def latest_response_marker(engine: Engine, round: RoundRef) -> int:
    """The newest response id of a round (0 when none): changes whenever an answer is added or changed."""
    with session_scope(engine, read_only=True) as session:
        row, _ = find_round(session, round)
        return repo.last_response_id(session, row.id) or 0


def round_data_marker(engine: Engine, round: RoundRef) -> str:
    """A cache key of a round's answers, never shared by two rounds: the round's id and creation time,
    its newest response id and its number of responses.

    It changes whenever an answer is added, changed or deleted. The creation time tells apart a new
    round that SQLite gave the id of a deleted one, whose answers may even have the same ids: SQLite
    hands out the highest id again once its row is gone.
    """
    with session_scope(engine, read_only=True) as session:
        row, _ = find_round(session, round)
        newest, total = repo.round_responses_marker(session, row.id)
        return f"{row.id}:{row.created_at.isoformat()}:{newest}:{total}"


def responses_marker(engine: Engine) -> str:
    """A string that changes whenever any round's answers change (added, changed or deleted): a cache key."""
    with session_scope(engine, read_only=True) as session:
        newest, total = repo.responses_marker(session)
    return f"{newest}:{total}"


def analysable_rounds(engine: Engine) -> set[int]:
    """Ids of the rounds whose agreement can be analysed: two or more annotators answered a shared item.

    A round answered by one annotator (a calibration quiz taken alone), or whose annotators share
    no item, has no agreement to show; `calibration.reports.analysis.unanalysable_reason` says why
    for one round's responses table.
    """
    with session_scope(engine, read_only=True) as session:
        return repo.rounds_with_shared_items(session)


def shared_items(engine: Engine) -> dict[int, frozenset[str]]:
    """Per round (only those that have some), the items answered by two or more annotators: the
    items whose agreement can be measured. Comparing two rounds item by item rests on the items
    both share (`calibration.ambiguity.compare`)."""
    with session_scope(engine, read_only=True) as session:
        return {k: frozenset(v) for k, v in repo.shared_items_by_round(session).items()}


def unanswered_reason(engine: Engine, round: RoundRef) -> str:
    """Why a round that is not in `analysable_rounds` has no agreement to show, in words.

    "round 'Pilot adaptive' has no answers yet" when nobody answered, else that no item was answered
    by two annotators yet.
    """
    with session_scope(engine, read_only=True) as session:
        row, _ = find_round(session, round)
        _, total = repo.round_responses_marker(session, row.id)
    if not total:
        return f"round {row.name!r} has no answers yet: compare it once annotators have answered its items"
    return (
        f"round {row.name!r} has {counted(total, 'answer')}, but no item was answered by "
        "two annotators yet, so it has no agreement to compare"
    )


def _empty_responses() -> pd.DataFrame:
    return pd.DataFrame(columns=["item_id", "annotator_id", "answer"])


def round_responses(engine: Engine, round: RoundRef, *, include_models: bool = False) -> RoundResponses:
    """A round's current answers as the canonical responses table, with item rules and gold.

    With several attempts (retakes) the latest answer per item and annotator is kept. Model
    annotators' answers are left out of ``responses`` (they are in ``model_responses``), so
    agreement and every human table count people only; ``include_models=True`` keeps them in
    ``responses`` too, marked by the ``annotator_kind`` column.
    """
    with session_scope(engine, read_only=True) as session:
        row, version = find_round(session, round)
        guideline = guideline_of(version)
        items = items_of(row, version)
        kind = guideline.task.type

        rows = repo.round_response_rows(session, row.id)
        frame = pd.DataFrame(rows, columns=list(repo.RESPONSE_COLUMNS))
        # retakes: the latest attempt's answer per item and annotator wins (rows come oldest first)
        frame = frame.drop_duplicates(["item_id", "annotator_id"], keep="last").reset_index(drop=True)
        if kind == "span" or frame["answer"].map(type).eq(list).any():
            frame["answer"] = pd.Series([canonical_value(kind, a) for a in frame["answer"]], dtype=object)
        frame = responses_frame(frame)
        people, models = split_models(frame)
        frame = frame if include_models and len(models) else people
        in_round = round_item_ids(row, version) if row.kind == "pilot" else list(items)
        answered = set(frame["item_id"]) | set(in_round)
        rules = item_rules_frame({i: items[i].rules for i in items if i in answered})
        gold = {
            i: parse_answer(guideline.task, items[i].answer, items[i].input)
            for i in items
            if i in answered and items[i].answer is not None
        }
        for adjudication in repo.adjudications(session, row.id):
            gold.setdefault(adjudication.item_id, canonical_value(kind, adjudication.answer))
        return RoundResponses(
            round=repo.round_of(row, ref_of(version)),
            guideline=guideline,
            responses=frame,
            item_rules=rules,
            gold=gold_series(gold),
            model_responses=models,
        )


def audit_log(engine: Engine, limit: int = 100, entity: str | None = None) -> list[AuditEntry]:
    """The newest audit entries first."""
    with session_scope(engine, read_only=True) as session:
        return repo.audit_entries(session, limit, entity)


def counts(engine: Engine) -> dict[str, int]:
    """Rows per table (for checks that nothing was written)."""
    with session_scope(engine, read_only=True) as session:
        return repo.row_counts(session)
