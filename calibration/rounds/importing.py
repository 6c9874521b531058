"""Imported answers into the store: a pilot round made from a tool's export, or answers added to a pilot.

One writer stores imported answers (`_store_answers`: annotators, one finished attempt each, their
assignments and answers). `import_file` reads a labeling tool's export (`calibration.interop.importing.read_import`)
and stores it as a new pilot round with `import_pilot_round`; `import_responses` adds a table of answers
to an existing pilot round. Each is one transaction: an import writes everything or nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session

from calibration.answers import answer_to_json, check_answer_extras, parse_answer, suggest
from calibration.errors import (
    AnswerError,
    CalibrationError,
    ConflictError,
    DataError,
    Location,
    NotFoundError,
)
from calibration.guidelines.model import Guideline, Item
from calibration.interop.importing import Format, read_import
from calibration.responses import OPTIONAL_COLUMNS, responses_frame
from calibration.rounds._common import (
    SYSTEM,
    Actor,
    RoundRef,
    actor_row,
    actor_user_id,
    find_round,
    guideline_of,
    isna,
    items_of,
    new_round,
    new_user,
    retrying,
    round_item_ids,
    session_scope,
    version_row,
)
from calibration.rounds.publishing import get_guideline
from calibration.storage import repository as repo
from calibration.storage import tables as t
from calibration.storage.repository import Round

if TYPE_CHECKING:
    import pandas as pd

    from calibration.interop.common import ImportResult

IMPORTED_GOLD_RATIONALE = "gold answer imported from {source}"


@dataclass
class ImportReport:
    """What an import did (or, with ``dry_run``, would do).

    Attributes:
        result: the resolved import (responses, gold, inputs, item rules, findings).
        round: the pilot round created (None for a dry run).
        round_name: the round's name (the one it would get on a dry run).
        dry_run: nothing was written.
        left_out: items left out of the round because no rule matched them (with their answers).
        notes: what the lead should confirm, e.g. annotators matched to an account only ignoring case.
    """

    result: ImportResult
    round: Round | None
    round_name: str
    dry_run: bool
    left_out: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able summary (the CLI's --json)."""
        stored = self.result.responses[~self.result.responses["item_id"].isin(self.left_out)]
        return {
            **self.result.summary(),
            "round": self.round_name,
            "round_id": self.round.id if self.round is not None else None,
            "dry_run": self.dry_run,
            "left_out_items": list(self.left_out),
            "n_responses_stored": 0 if self.dry_run else len(stored),
        }

    def lines(self) -> list[str]:
        """A readable report, one finding per line."""
        summary = self.result.summary()
        verb = "would import" if self.dry_run else "imported"
        out = [
            f"{verb} {_count(summary['n_responses'], 'answer')} by {_count(summary['n_annotators'], 'annotator')} "
            f"on {_count(summary['n_items'], 'item')} from {summary['source']} ({summary['format']}) into pilot round "
            f"{self.round_name!r} on {summary['guideline']}"
            + (" (dry run: nothing written)" if self.dry_run else ""),
        ]
        if summary["models"]:
            out.append(f"model annotators (kept out of human agreement): {', '.join(summary['models'])}")
        if summary["n_gold"]:
            out.append(f"gold answers: {summary['n_gold']}")
        sources = ", ".join(f"{count} by {how}" for how, count in sorted(summary["rule_sources"].items()))
        if sources:
            out.append(f"items matched to rules: {sources}")
        if self.left_out:
            shown = ", ".join(self.left_out[:10]) + (
                f" and {len(self.left_out) - 10} more" if len(self.left_out) > 10 else ""
            )
            out.append(
                f"{len(self.left_out)} item(s) matched no rule and were left out: {shown} "
                "(give --item-rules MAP.csv, a rule field in the item data, or labels governed by a rule)"
            )
        for rename, count in summary["renamed"].items():
            out.append(f"renamed label {rename} ({count} times)")
        if self.result.skipped:
            out.append(f"skipped {len(self.result.skipped)} annotation(s):")
            out += [f"  {s}" for s in self.result.skipped[:20]]
            if len(self.result.skipped) > 20:
                out.append(f"  ... and {len(self.result.skipped) - 20} more")
        out += [f"warning: {w}" for w in summary["warnings"]]
        out += [f"note: {n}" for n in self.notes]
        return out


def import_file(
    engine: Engine | None,
    fmt: Format,
    data: bytes,
    filename: str,
    guideline_ref: str,
    item_rules: pd.DataFrame | Mapping[str, Iterable[str]] | bytes | None = None,
    round_name: str | None = None,
    map_labels: Iterable[str] | Mapping[str, str] | None = None,
    actor: Any = None,
    dry_run: bool = False,
    *,
    guideline: Guideline | None = None,
    options: Mapping[str, Any] | None = None,
    model_annotators: Iterable[str] = (),
) -> ImportReport:
    """Import a labeling tool's export file into a new pilot round (the app's upload and the CLI).

    Args:
        engine: the store (may be None for a dry run with `guideline` given).
        fmt: ``labelstudio``, ``prodigy``, ``doccano``, ``argilla``, ``csv``, ``csv-wide``, ``coco`` or
            ``cvat``.
        data: the uploaded file's bytes.
        filename: its name (messages; doccano takes a single user file's annotator from it).
        guideline_ref: ``"id@version"`` of a published guideline version.
        item_rules: an item-to-rule table (DataFrame, ``{item: [rules]}``, or CSV bytes).
        round_name: the new round's name; default ``"<file stem> import <UTC time>"``.
        map_labels: label renames, ``["old=new", ...]`` or ``{old: new}``.
        actor: the signed-in lead (`User` or id); None means the local operator (CLI).
        dry_run: check and report only; nothing is written.
        guideline: the guideline itself, when it is not (yet) published (dry runs).
        options: importer options (see `calibration.interop.importing.read_file`).
        model_annotators: annotator ids of the file whose answers are a model's (see `resolve`).

    Returns:
        The `ImportReport`.

    Raises:
        CalibrationError subclasses, with nothing written: DataError (wrong format, truncated file,
        unknown labels, missing annotator id ...), AnswerError, NotFoundError (guideline not
        published), ConflictError (round name taken), PermissionDenied (not a lead).
    """
    if guideline is None:
        if engine is None:
            raise CalibrationError("an import needs the store or the guideline itself")
        guideline = get_guideline(engine, guideline_ref)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
    name = round_name or f"{PurePosixPath(filename).stem} import {stamp}"
    result, items, left_out = read_import(
        fmt,
        data,
        filename,
        guideline,
        item_rules,
        map_labels,
        options=options,
        model_annotators=model_annotators,
    )
    # before the dry run's report: a check would otherwise promise an import that is refused
    _refuse_case_twins(sorted({str(a) for a in result.responses["annotator_id"]}), filename)
    if dry_run:
        notes = [] if engine is None else _check_accounts(engine, result.responses, filename)
        return ImportReport(result, None, name, True, left_out, notes)
    if engine is None:
        raise CalibrationError("an import that writes needs the store")
    kept = result.responses[~result.responses["item_id"].isin(left_out)]
    gold = {k: v for k, v in result.gold.items() if k not in left_out}
    created = import_pilot_round(
        engine,
        guideline.ref,
        items,
        kept,
        gold,
        name,
        actor if actor is not None else SYSTEM,
        source=filename,
    )
    return ImportReport(result, created, created.name, False, left_out)


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
        by_annotator = _by_annotator(records)
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
        moment = t.utcnow()
        names = _store_answers(
            session,
            row,
            guideline.task.type,
            by_annotator,
            moment,
            "the file marks its answers as a {kind}'s",
            source,
        )
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


def import_responses(
    engine: Engine, round: RoundRef, responses: pd.DataFrame, *, actor: Actor, source: str | None = None
) -> int:
    """Store answers made elsewhere (a labeling tool) in a pilot round, all or nothing.

    Annotators unknown to the store are created (role annotator, no password); each gets one
    finished attempt holding the items they answered. Rows whose ``annotator_kind`` is ``model`` are a
    model annotator's (created with kind ``model``; its ``score`` is kept per answer).

    Args:
        responses: a responses table (`calibration.responses`) whose answers are raw or canonical;
            item ids must be items of the round.
        source: where the answers came from (file name), for messages and the audit log.

    Returns:
        The number of responses stored.

    Raises:
        NotFoundError: unknown round or item (naming the row). AnswerError: an invalid answer
        (naming the row). ConflictError: the round is not a pilot, an annotator
        already answered in it, or a model's name is a person's (or the reverse). PermissionDenied:
        not a lead.
    """
    frame = responses_frame(responses)

    def work(session: Session) -> int:
        who = actor_row(session, actor, ("lead",), "import responses")
        row, version = find_round(session, round)
        if row.kind != "pilot":
            raise ConflictError(
                f"round {row.name!r} is a {row.kind} round; answers can only be imported into pilots"
            )
        guideline = guideline_of(version)
        records = _checked_records(
            frame, guideline, items_of(row, version), set(round_item_ids(row, version)), row.name, source
        )
        names = _store_answers(
            session,
            row,
            guideline.task.type,
            _by_annotator(records),
            t.utcnow(),
            "the answers mark it as a {kind}",
            source,
        )
        repo.audit(
            session,
            actor_user_id(who),
            "import_responses",
            f"round:{row.name}",
            source=source,
            rows=len(records),
            annotators=names,
        )
        return len(records)

    return retrying(engine, work)


def _checked_records(
    frame: pd.DataFrame,
    guideline: Guideline,
    items: Mapping[str, Item],
    allowed: set[str],
    round_name: str,
    source: str | None,
) -> list[dict[str, Any]]:
    """The table's rows with canonical answers and checked extras, as an answer given in the app.

    Raises:
        NotFoundError: an item not in the round. AnswerError: an invalid answer or extra (naming the row).
    """
    records = []
    for position, record in enumerate(frame.to_dict(orient="records")):
        where = Location(path=source, row=position + 2, field="item_id")
        item_id = record["item_id"]
        if item_id not in allowed:
            raise NotFoundError(
                f"item {item_id!r} is not in round {round_name!r}",
                location=where,
                hint=suggest(item_id, sorted(allowed)),
            )
        try:
            canonical = parse_answer(guideline.task, record["answer"], items[item_id].input)
        except AnswerError as error:
            raise AnswerError(
                f"item {item_id!r}: {error.message}",
                location=Location(path=source, row=position + 2, field="answer"),
                hint=error.hint,
            ) from None
        extras = {k: None if isna(record.get(k)) else record.get(k) for k in OPTIONAL_COLUMNS}
        try:  # the same checks as an answer given in the app
            confidence, cited, _, seconds = check_answer_extras(
                guideline, _whole(extras["confidence"]), extras["cited_rule"], None, _real(extras["seconds"])
            )
        except AnswerError as error:
            raise AnswerError(
                error.message,
                location=dataclasses.replace(where, field=error.location.field),
                hint=error.hint,
            ) from None
        extras |= {"confidence": confidence, "cited_rule": cited, "seconds": seconds}
        records.append(
            {"item_id": item_id, "annotator_id": record["annotator_id"], "answer": canonical, **extras}
        )
    return records


def _by_annotator(records: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Mapping[str, Any]]]:
    """Records by annotator, then by item in first-answered order; the last answer to an item wins."""
    by_annotator: dict[str, dict[str, Mapping[str, Any]]] = {}
    for record in records:
        by_annotator.setdefault(str(record["annotator_id"]), {})[record["item_id"]] = record
    return by_annotator


def _store_answers(
    session: Session,
    row: t.Round,
    task_type: str,
    by_annotator: Mapping[str, Mapping[str, Mapping[str, Any]]],
    moment: dt.datetime,
    marked_as: str,
    source: str | None = None,
) -> list[str]:
    """Store imported answers in `row`: the one writer of imported answers.

    Each annotator (created as an annotator without password when unknown; with kind ``model`` when
    their rows say so) gets one finished attempt holding the items they answered, in order. An
    annotator whose name differs from an account's only by case is that account ("ann" is "Ann"),
    as at sign-in.

    Args:
        by_annotator: records (canonical ``answer``, optional columns) by annotator, then by item.
        marked_as: the end of the kind-conflict message, ``{kind}`` being the kind the import says.
        source: the imported file's name, for messages.

    Returns:
        The annotators' account names, sorted.

    Raises:
        DataError: two annotators of the file differ only by case.
        ConflictError: a model's name is a person's (or the reverse); an annotator already has
        answers in the round; a name matches several accounts but for case; a name is a lead's or
        an author's account, or a deactivated one.
    """
    names = sorted(by_annotator)
    _refuse_case_twins(names, source)
    existing = _accounts_of(session, names)
    _refuse_non_annotators(existing, source)
    kinds = {name: _kind_of(by_annotator[name]) for name in names}
    for name in names:
        if name in existing and existing[name].kind != kinds[name]:
            raise ConflictError(
                f"{name!r} is a {existing[name].kind} annotator in the store; "
                + marked_as.format(kind=kinds[name]),
                hint="give the model a name of its own (e.g. name@version)",
            )
    people = {
        name: existing.get(name) or new_user(session, name, "annotator", None, None, kind=kinds[name])
        for name in names
    }
    for name in names:
        if name in existing and repo.attempts_of(session, row.id, people[name].id):
            raise ConflictError(
                f"{people[name].name} already has answers in round {row.name!r}",
                hint="import into a new round",
            )
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
            rows.append(_response_values(record, attempt.id, row.id, person.id, task_type, moment))
    if assignments:
        session.execute(insert(t.Assignment), assignments)
        session.execute(insert(t.Response), rows)
    return sorted(people[name].name for name in names)


def _refuse_case_twins(names: Sequence[str], source: str | None) -> None:
    """Refuse a file naming one annotator in two spellings that differ only by case ("Ann", "ann").

    Sign-in finds a name case-insensitively, so two such accounts could not both sign in by name.

    Raises:
        DataError: naming both spellings, the file and the field.
    """
    seen: dict[str, str] = {}
    for name in names:
        twin = seen.setdefault(repo.fold(name), name)
        if twin != name:
            raise DataError(
                f"annotators {twin!r} and {name!r} differ only by case",
                location=Location(path=source, field="annotator_id"),
                hint="names are matched ignoring case; spell each annotator the same way throughout",
            )


def _accounts_of(session: Session, names: Sequence[str]) -> dict[str, t.User]:
    """The existing account of each file name that has one: the same name, else the one account whose
    name differs only by case (sign-in matches names ignoring case, so that account is this person).

    Raises:
        ConflictError: a name matches several accounts but for case, and none exactly.
    """
    found = repo.users_by_names_any_case(session, names)
    accounts: dict[str, t.User] = {}
    for name in names:
        candidates = found.get(repo.fold(name), [])
        exact = [row for row in candidates if row.name == name]
        if exact or len(candidates) == 1:
            accounts[name] = (exact or candidates)[0]
        elif candidates:
            spellings = " and ".join(repr(row.name) for row in candidates)
            raise ConflictError(
                f"annotator {name!r} matches the accounts {spellings}, which differ only by case",
                hint="use the exact name of one of those accounts in the file",
            )
    return accounts


def _refuse_non_annotators(accounts: Mapping[str, t.User], source: str | None) -> None:
    """Refuse to attach answers to an account that is not an active annotator (a lead, an author).

    Raises:
        ConflictError: naming the file's annotator, the account and its role.
    """
    for name, row in sorted(accounts.items()):
        what = "deactivated" if row.deactivated_at is not None else row.role
        if row.role != "annotator" or row.deactivated_at is not None:
            account = repr(row.name) if row.name == name else f"{row.name!r} (ignoring case)"
            raise ConflictError(
                f"annotator {name!r} is the {what} account {account}; answers go to annotators only",
                location=Location(path=source, field="annotator_id"),
                hint="rename the annotator in the file",
            )


def _check_accounts(engine: Engine, responses: pd.DataFrame, source: str | None) -> list[str]:
    """A dry run's check of the file's annotators against the store's accounts, as the import does.

    Returns:
        Notes naming the annotators matched to an account only ignoring case, for the lead to confirm.

    Raises:
        ConflictError: as `_store_answers` (case twins of accounts, a lead's or author's account).
    """
    names = sorted({str(a) for a in responses["annotator_id"]})
    with session_scope(engine, read_only=True) as session:
        accounts = _accounts_of(session, names)
        _refuse_non_annotators(accounts, source)
        return [
            f"annotator {name!r} is the existing account {row.name!r} (names match ignoring case)"
            for name, row in sorted(accounts.items())
            if row.name != name
        ]


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


def _whole(value: Any) -> Any:
    """A table cell's whole number (3.0, numpy int) as int; anything else unchanged (checked later)."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and float(value).is_integer():
        return int(float(value))
    return value


def _real(value: Any) -> Any:
    """A table cell's number (numpy types included) as float; anything else unchanged (checked later)."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    return value


def _count(n: int, noun: str) -> str:
    """``1 annotator``, ``2 annotators``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
