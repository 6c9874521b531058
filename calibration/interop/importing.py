"""Import a labeling tool's export into a pilot round: the one call the CLI and the app's upload use.

`import_file` reads the file with the format's importer, resolves it against the guideline version
(`calibration.interop.common.resolve`) and, unless it is a dry run, stores items, answers and gold in
a new pilot round in one transaction (`calibration.rounds.importing.import_pilot_round`). Any problem
(wrong format, truncated file, unknown labels, a missing annotator id) raises before anything is
written. Items that no rule could be found for are left out of the round and listed in the report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, Literal

from calibration.errors import CalibrationError, DataError, Location
from calibration.interop.common import ImportResult, RawImport, resolve

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy import Engine

    from calibration.guidelines.model import Guideline, Input, Item
    from calibration.rounds.service import Round

MAX_IMPORT_BYTES = 256 * 1024 * 1024
"""Largest file accepted (256 MB); a bigger export should be split or imported as CSV in parts."""

Format = Literal["labelstudio", "prodigy", "doccano", "argilla", "csv", "csv-wide", "coco", "cvat"]
FORMATS: tuple[str, ...] = ("labelstudio", "prodigy", "doccano", "argilla", "csv", "csv-wide", "coco", "cvat")
"""Import formats: ``csv`` is the long shape of `calibration agreement`, ``csv-wide`` its wide shape;
``coco`` (COCO JSON) and ``cvat`` (CVAT for images 1.1 XML) hold boxes."""


@dataclass
class ImportReport:
    """What an import did (or, with ``dry_run``, would do).

    Attributes:
        result: the resolved import (responses, gold, inputs, item rules, findings).
        round: the pilot round created (None for a dry run).
        round_name: the round's name (the one it would get on a dry run).
        dry_run: nothing was written.
        left_out: items left out of the round because no rule matched them (with their answers).
    """

    result: ImportResult
    round: Round | None
    round_name: str
    dry_run: bool
    left_out: list[str] = field(default_factory=list)

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
        return out


def _readers() -> dict[str, Callable[..., RawImport]]:
    from calibration.interop.argilla import read_argilla
    from calibration.interop.coco import read_coco
    from calibration.interop.cvat import read_cvat
    from calibration.interop.doccano import read_doccano
    from calibration.interop.labelstudio import read_labelstudio
    from calibration.interop.prodigy import read_prodigy
    from calibration.interop.tables import read_long_csv, read_wide_csv

    return {
        "labelstudio": read_labelstudio,
        "prodigy": read_prodigy,
        "doccano": read_doccano,
        "argilla": read_argilla,
        "csv": read_long_csv,
        "csv-wide": read_wide_csv,
        "coco": read_coco,
        "cvat": read_cvat,
    }


def read_file(
    fmt: str, data: bytes, filename: str, guideline: Guideline, *, options: Mapping[str, Any] | None = None
) -> RawImport:
    """Read a tool's export with the importer for `fmt`.

    Args:
        fmt: one of `FORMATS`.
        options: importer options: ``control`` (Label Studio), ``question`` (Argilla),
            ``ignore_columns`` (wide CSV), ``annotator`` (COCO and CVAT: the file's annotator).

    Raises:
        DataError: unknown format; any problem of the file (see each importer).
    """
    if len(data) > MAX_IMPORT_BYTES:
        raise DataError(
            f"the file is {len(data) / 2**20:.0f} MB; the import limit is {MAX_IMPORT_BYTES // 2**20} MB",
            location=Location(path=filename),
            hint="export the project in parts (by task range or annotator) and import each part",
        )
    readers = _readers()
    if fmt not in readers:
        from calibration.answers import suggest

        raise DataError(
            f"unknown import format {fmt!r}; expected one of {', '.join(FORMATS)}",
            hint=suggest(fmt, list(FORMATS)),
        )
    allowed = {
        "labelstudio": {"control"},
        "argilla": {"question"},
        "csv-wide": {"ignore_columns"},
        "coco": {"annotator"},
        "cvat": {"annotator"},
    }.get(fmt, set())
    kwargs = {k: v for k, v in (options or {}).items() if k in allowed and v is not None}
    return readers[fmt](data, filename, guideline, **kwargs)


def _item_rules_table(item_rules: Any) -> pd.DataFrame | Mapping[str, Iterable[str]] | None:
    if isinstance(item_rules, bytes | bytearray):
        from calibration.interop.tables import read_item_rules

        return read_item_rules(bytes(item_rules), "item-rules.csv")
    return item_rules


def _placeholder_input(guideline: Guideline, item_id: str, answers: Iterable[Any]) -> Input:
    from calibration.guidelines.model import PairInput, RankingInput, TextInput

    note = f"(item {item_id}: the imported file did not include its input)"
    if guideline.task.type == "pairwise":
        return PairInput(prompt=note, a="", b="")
    if guideline.task.type == "ranking":
        ids = sorted({c for answer in answers for c in answer})
        return RankingInput(prompt=note, candidates={c: c for c in ids})
    return TextInput(text=note)


def round_items(result: ImportResult) -> tuple[list[Item | str], list[str]]:
    """The round's items (bank ids, imported `Item`s) and the item ids left out for want of a rule."""
    from calibration.guidelines.model import Item

    bank = {item.id for item in result.guideline.items}
    rules: dict[str, list[str]] = {}
    for item_id, rule_id in zip(result.item_rules["item_id"], result.item_rules["rule_id"], strict=True):
        rules.setdefault(item_id, []).append(rule_id)
    items: list[Item | str] = []
    left_out: list[str] = []
    for item_id, input in result.inputs.items():
        if item_id in bank:
            items.append(item_id)
        elif item_id not in rules:
            left_out.append(item_id)
        else:
            if input is None:
                answers = result.responses.loc[result.responses["item_id"] == item_id, "answer"]
                input = _placeholder_input(result.guideline, item_id, answers)
            items.append(Item(id=item_id, input=input, rules=rules[item_id]))
    return items, left_out


def import_file(
    engine: Engine | None,
    fmt: str,
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
        options: importer options (see `read_file`).
        model_annotators: annotator ids of the file whose answers are a model's (see `resolve`).

    Returns:
        The `ImportReport`.

    Raises:
        CalibrationError subclasses, with nothing written: DataError (wrong format, truncated file,
        unknown labels, missing annotator id ...), AnswerError, NotFoundError (guideline not
        published), ConflictError (round name taken), PermissionDenied (not a lead).
    """
    from calibration.rounds.service import SYSTEM, get_guideline

    if guideline is None:
        if engine is None:
            raise CalibrationError("an import needs the store or the guideline itself")
        guideline = get_guideline(engine, guideline_ref)
    raw = read_file(fmt, data, filename, guideline, options=options)
    result = resolve(raw, guideline, _item_rules_table(item_rules), map_labels, model_annotators)
    items, left_out = round_items(result)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
    name = round_name or f"{PurePosixPath(filename).stem} import {stamp}"
    if not items:
        raise DataError(
            "no imported item matched a rule of the guideline, so the round would be empty",
            hint="give --item-rules MAP.csv (item_id,rule_id), or a rule field in the item data",
        )
    if dry_run:
        return ImportReport(result, None, name, True, left_out)
    if engine is None:
        raise CalibrationError("an import that writes needs the store")
    from calibration.rounds.importing import import_pilot_round

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


def _count(n: int, noun: str) -> str:
    """``1 annotator``, ``2 annotators``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
