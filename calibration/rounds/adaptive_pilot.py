"""Adaptive pilot rounds in the store: each annotator's next item chosen and persisted one at a time.

A pilot round created with ``adaptive=True`` keeps ``policy: "adaptive"`` and ``control_fraction``
in its settings JSON (no new column). Its annotators start with one assigned item; each answer (in
the same transaction) appends the next item chosen by `calibration.adaptive.pilot.next_pilot_item`
on the round's answers so far, as in an adaptive quiz (`calibration.rounds.adaptive_quiz`): a reload
or a restart shows the same pending item, and no item is given twice to one annotator. When nothing
is left for the annotator (every rule decided and the control slice answered, or every item they
could take has its answers) no item is appended and the attempt can be finished.

Choosing locks the round row, so annotators answering at the same moment choose one after the
other and no item is handed to more annotators than the overlap.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from calibration.adaptive.pilot import (
    DEFAULT_CONTROL_FRACTION,
    RuleStatus,
    control_slice,
    next_pilot_item,
    pilot_status,
)
from calibration.rounds._common import (
    RoundRef,
    advance_attempt,
    canonical_value,
    find_round,
    guideline_of,
    items_of,
    round_item_ids,
)
from calibration.storage import repository as repo
from calibration.storage import tables as t
from calibration.storage.engine import session_scope

if TYPE_CHECKING:
    from calibration.guidelines.model import Guideline


@dataclass(frozen=True)
class AdaptivePilotView:
    """What the lead sees of an adaptive pilot: the target, the control slice size and each rule."""

    target: float
    control_fraction: float
    control_items: int
    items: int
    rules: dict[str, RuleStatus]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the target, the control slice and per rule the decision, the sentence, both
        estimates with their intervals, ``more_items``, ``decided_at`` (the completed items at the
        look that decided it) and ``futile``."""
        return {
            "target": self.target,
            "control_fraction": self.control_fraction,
            "control_items": self.control_items,
            "items": self.items,
            "rules": {
                rule: {
                    "decision": s.decision,
                    "sentence": s.sentence(),
                    "more_items": s.more_items,
                    "items": s.items,
                    "estimate": s.estimate,
                    "interval": list(s.interval) if s.interval else None,
                    "control_items": s.control_items,
                    "control_estimate": s.control_estimate,
                    "control_interval": list(s.control_interval) if s.control_interval else None,
                    "decided_at": s.decided_at,
                    "futile": s.futile,
                }
                for rule, s in self.rules.items()
            },
        }


def is_adaptive_pilot(round_row: t.Round) -> bool:
    return round_row.kind == "pilot" and (round_row.settings or {}).get("policy") == "adaptive"


def _item_rules(round_row: t.Round, version: t.GuidelineVersion) -> dict[str, list[str]]:
    items = items_of(round_row, version)
    return {i: list(items[i].rules) for i in round_item_ids(round_row, version) if i in items}


def _control(round_row: t.Round, item_rules: dict[str, list[str]]) -> frozenset[str]:
    settings = round_row.settings or {}
    return control_slice(
        sorted(item_rules),
        float(settings.get("control_fraction", DEFAULT_CONTROL_FRACTION)),
        int(settings.get("seed", 0)),
    )


def _responses(session: Session, round_row: t.Round, guideline: Guideline) -> pd.DataFrame:
    """People's current answers (models left out), the latest per item and annotator."""
    rows = repo.round_response_rows(session, round_row.id)
    frame = pd.DataFrame(rows, columns=list(repo.RESPONSE_COLUMNS))
    frame = frame[frame["annotator_kind"] != "model"]
    frame = frame.drop_duplicates(["item_id", "annotator_id"], keep="last")
    kind = guideline.task.type
    return pd.DataFrame(
        {
            "item_id": [str(i) for i in frame["item_id"]],
            "annotator_id": [str(a) for a in frame["annotator_id"]],
            "answer": pd.Series([canonical_value(kind, a) for a in frame["answer"]], dtype=object),
        }
    )


def _status(
    session: Session, round_row: t.Round, version: t.GuidelineVersion, item_rules: dict[str, list[str]]
) -> dict[str, RuleStatus]:
    guideline = guideline_of(version)
    settings = round_row.settings or {}
    return pilot_status(
        _responses(session, round_row, guideline),
        item_rules,
        guideline.task,
        guideline.calibration.pilot_target,
        control=_control(round_row, item_rules),
        overlap=int(settings.get("overlap") or 2),
        seed=int(settings.get("seed", 0)),
    )


def _assigned(session: Session, round_id: int) -> Counter[str]:
    query = (
        select(t.Assignment.item_id, func.count())
        .where(t.Assignment.round_id == round_id)
        .group_by(t.Assignment.item_id)
    )
    return Counter({str(item): int(n) for item, n in session.execute(query)})


def choose(
    session: Session,
    round_row: t.Round,
    version: t.GuidelineVersion,
    annotator_name: str,
    mine: list[str],
    assigned: Counter[str] | None = None,
) -> str | None:
    """The next item for an annotator who has `mine` so far (None: nothing left for them).

    Locks the round row first (PostgreSQL ``FOR NO KEY UPDATE``, which the foreign-key locks of
    this transaction's own inserts do not conflict with; SQLite holds the write lock already), so two
    annotators choosing at once see each other's choice and no item goes past the overlap.
    """
    session.scalar(select(t.Round.id).where(t.Round.id == round_row.id).with_for_update(key_share=True))
    settings = round_row.settings or {}
    item_rules = _item_rules(round_row, version)
    return next_pilot_item(
        _status(session, round_row, version, item_rules),
        item_rules,
        control=_control(round_row, item_rules),
        assigned=assigned if assigned is not None else _assigned(session, round_row.id),
        mine=set(mine),
        overlap=int(settings.get("overlap") or 2),
        annotator=annotator_name,
        position=len(mine),
        fraction=float(settings.get("control_fraction", DEFAULT_CONTROL_FRACTION)),
        seed=int(settings.get("seed", 0)),
    )


def first_items(
    session: Session, round_row: t.Round, version: t.GuidelineVersion, annotator_name: str
) -> list[str]:
    """The first item of a new adaptive pilot attempt, in a list (empty when nothing is left)."""
    pick = choose(session, round_row, version, annotator_name, [])
    return [pick] if pick is not None else []


def advance(
    session: Session, row: t.Attempt, round_row: t.Round, version: t.GuidelineVersion, annotator_name: str
) -> str | None:
    """Choose and persist the annotator's next item when none is pending; the item, or None."""
    return advance_attempt(
        session,
        row,
        lambda mine: choose(session, round_row, version, annotator_name, mine),
        lambda pick: pick,
    )


def most_items_left(session: Session, row: t.Attempt, round_row: t.Round, version: t.GuidelineVersion) -> int:
    """At most how many more items the annotator of `row` can get after those assigned: the round's
    items they do not have whose answers are still under the overlap. The pilot may stop sooner
    (rules get decided, others take the items), never later."""
    mine = set(repo.assigned_items(session, row.round_id, row.annotator_id, row.number))
    assigned = _assigned(session, round_row.id)
    overlap = int((round_row.settings or {}).get("overlap") or 2)
    return sum(i not in mine and assigned.get(i, 0) < overlap for i in _item_rules(round_row, version))


def adaptive_pilot_status(engine: Engine, round: RoundRef) -> AdaptivePilotView | None:
    """Per rule of an adaptive pilot: decided above/below the target, or about N more items, with the
    adaptive and control-slice estimates. None when the round is not an adaptive pilot.

    Raises:
        NotFoundError: unknown round.
    """
    with session_scope(engine, read_only=True) as session:
        row, version = find_round(session, round)
        if not is_adaptive_pilot(row):
            return None
        item_rules = _item_rules(row, version)
        status = _status(session, row, version, item_rules)
        settings = row.settings or {}
        return AdaptivePilotView(
            target=guideline_of(version).calibration.pilot_target,
            control_fraction=float(settings.get("control_fraction", DEFAULT_CONTROL_FRACTION)),
            control_items=len(_control(row, item_rules)),
            items=len(item_rules),
            rules=status,
        )
