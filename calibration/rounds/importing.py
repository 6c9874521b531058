"""A pilot round made from work done in a labeling tool: items, answers and gold stored in one transaction.

`calibration.rounds.service.create_pilot_round` followed by `import_responses` would be two
transactions: a failure in the second would leave an empty round behind. Importing a tool's export
must write everything or nothing, so this module does both steps in one session, with the service's
own helpers and the storage repository.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from calibration.answers import answer_to_json
from calibration.errors import ConflictError, DataError
from calibration.rounds._common import (
    actor_row,
    actor_user_id,
    guideline_of,
    isna,
    new_round,
    new_user,
    retrying,
    version_row,
)
from calibration.rounds.service import SYSTEM, Actor, Round
from calibration.storage import repository as repo
from calibration.storage import tables as t

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy import Engine

    from calibration.guidelines.model import Item

IMPORTED_GOLD_RATIONALE = "gold answer imported from {source}"


def import_pilot_round(
    engine: Engine,
    guideline_ref: str,
    items: Sequence[Item | str],
    responses: pd.DataFrame,
    gold: Mapping[str, Any] | pd.Series | None,
    round_name: str,
    actor: Actor = SYSTEM,
    *,
    source: str | None = None,
) -> Round:
    """Create a finished pilot round holding imported items, answers and gold, all or nothing.

    Each annotator (created as an annotator without password when unknown) gets one finished attempt
    with the items they answered. Rows whose ``annotator_kind`` is ``model`` create a model annotator
    (never signs in; its ``score`` is kept per answer). Gold answers of items that are not bank items with gold are stored
    as adjudications, so `service.round_responses` returns them as the round's gold.

    Args:
        engine: the store.
        guideline_ref: ``"id@version"`` of a published guideline version.
        items: bank item ids (str) and imported `Item`s (not in the bank), in order.
        responses: the canonical responses table (`calibration.responses`), answers canonical.
        gold: canonical gold answers by item id.
        round_name: a new, unique round name.
        actor: a lead (or SYSTEM for the CLI).
        source: the imported file's name, kept in the round settings and the audit log.

    Returns:
        The new round.

    Raises:
        NotFoundError: the guideline version is not published, a bank id is not in the bank.
        ConflictError: the round name is taken, an imported item id clashes with a bank item, a
            model's name is a person's (or the reverse).
        DataError: answers for an item not in `items`. PermissionDenied: not a lead.
    """
    from calibration.guidelines.model import Item

    bank_ids = [i for i in items if isinstance(i, str)]
    extras = [i for i in items if isinstance(i, Item)]
    gold_map = dict(gold.items()) if gold is not None else {}
    records = responses.to_dict(orient="records")

    def work(session: Session) -> Round:
        who = actor_row(session, actor, ("lead",), "import a pilot round")
        version = version_row(session, guideline_ref)
        guideline = guideline_of(version)
        bank = {item.id: item for item in guideline.items}
        missing = [i for i in bank_ids if i not in bank]
        if missing:
            raise DataError(f"item {missing[0]!r} is not in the bank of {guideline.ref}")
        clash = sorted({e.id for e in extras} & set(bank))
        if clash:
            raise ConflictError(
                f"imported item ids are bank item ids: {', '.join(clash)}", hint="rename them"
            )
        item_ids = bank_ids + [e.id for e in extras]
        known = set(item_ids)
        stray = sorted({r["item_id"] for r in records} - known)
        if stray:
            raise DataError(f"answers for item(s) not in the round: {', '.join(stray[:5])}")
        by_annotator: dict[str, dict[str, dict[str, Any]]] = {}
        for record in records:
            by_annotator.setdefault(str(record["annotator_id"]), {})[record["item_id"]] = record
        overlap = max((sum(1 for a in by_annotator.values() if i in a) for i in item_ids), default=0)
        settings = {
            "items": item_ids,
            "overlap": overlap,
            "seed": 0,
            "cite_rules": False,
            "per_annotator": None,
            "extra_items": [e.model_dump(mode="json") for e in extras],
            "imported_from": source,
        }
        row = new_round(session, round_name, "pilot", version, settings, who)
        names = sorted(by_annotator)
        existing = repo.users_by_names(session, names)
        moment = t.utcnow()
        kinds = {name: _kind_of(by_annotator[name]) for name in names}
        for name in names:
            known_kind = existing[name].kind if name in existing else None
            if known_kind is not None and known_kind != kinds[name]:
                raise ConflictError(
                    f"{name!r} is a {known_kind} annotator in the store; the file marks its answers as "
                    f"a {kinds[name]}'s",
                    hint="give the model a name of its own (e.g. name@version)",
                )
        people = {
            name: existing.get(name) or new_user(session, name, "annotator", None, None, kind=kinds[name])
            for name in names
        }
        attempts = {
            name: t.Attempt(
                round_id=row.id,
                annotator_id=people[name].id,
                number=1,
                status="finished",
                started_at=moment,
                finished_at=moment,
            )
            for name in names
        }
        session.add_all(attempts.values())
        session.flush()
        # Bulk INSERTs: an import can hold tens of thousands of answers (ORM adds are 5x slower).
        assignments, rows = [], []
        for name in names:
            person, attempt = people[name], attempts[name]
            for position, (item_id, record) in enumerate(by_annotator[name].items()):
                assignments.append(
                    {
                        "round_id": row.id,
                        "annotator_id": person.id,
                        "attempt_number": 1,
                        "item_id": item_id,
                        "position": position,
                    }
                )
                rows.append(
                    _response_values(record, attempt.id, row.id, person.id, guideline.task.type, moment)
                )
        if assignments:
            session.execute(insert(t.Assignment), assignments)
            session.execute(insert(t.Response), rows)
        for item_id, answer in gold_map.items():
            if item_id not in known:
                raise DataError(f"a gold answer for item {item_id!r}, which is not in the round")
            if item_id in bank and bank[item_id].answer is not None:
                continue
            session.add(
                t.Adjudication(
                    round_id=row.id,
                    item_id=item_id,
                    answer=answer_to_json(guideline.task.type, answer),
                    rationale=IMPORTED_GOLD_RATIONALE.format(source=source or "a labeling tool"),
                    adjudicator_id=actor_user_id(who),
                    added_to_bank=False,
                    created_at=moment,
                )
            )
        repo.audit(
            session,
            actor_user_id(who),
            "import_pilot_round",
            f"round:{row.name}",
            guideline=guideline.ref,
            source=source,
            items=len(item_ids),
            responses=len(records),
            annotators=names,
            gold=len(gold_map),
        )
        return repo.round_of(row, guideline.ref)

    return retrying(engine, work)


def _kind_of(answers: Mapping[str, Mapping[str, Any]]) -> str:
    """``model`` when the annotator's rows are a model's, else ``human``."""
    kinds = {str(record.get("annotator_kind") or "human") for record in answers.values()}
    return "model" if "model" in kinds else "human"


def _response_values(
    record: Mapping[str, Any], attempt_id: int, round_id: int, annotator_id: int, task_type: str, moment: Any
) -> dict[str, Any]:
    def value(name: str) -> Any:
        found = record.get(name)
        return None if isna(found) else found

    confidence, seconds, score = value("confidence"), value("seconds"), value("score")
    return {
        "attempt_id": attempt_id,
        "round_id": round_id,
        "item_id": record["item_id"],
        "annotator_id": annotator_id,
        "answer": answer_to_json(task_type, record["answer"]),
        "confidence": int(confidence) if confidence is not None else None,
        "cited_rule": value("cited_rule"),
        "unclear": bool(value("unclear") or False),
        "comment": value("comment"),
        "seconds": float(seconds) if seconds is not None else None,
        "score": float(score) if score is not None else None,
        "created_at": moment,
        "superseded_at": None,
    }
