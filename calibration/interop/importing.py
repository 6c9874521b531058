"""Read a labeling tool's export for a pilot round: the importer for the format, resolved against the guideline.

`read_import` reads the file with the format's importer, resolves it against the guideline version
(`calibration.interop.common.resolve`) and returns what it read: the resolved answers and gold, the
round's items, and the items left out because no rule could be found for them. Nothing is written
here: `calibration.rounds.importing.import_file` stores what this returns in a new pilot round, in
one transaction. Any problem (wrong format, truncated file, unknown labels, a missing annotator id)
raises before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from calibration.answers import suggest
from calibration.errors import DataError, Location
from calibration.guidelines.model import Guideline, Input, Item, PairInput, RankingInput, TextInput
from calibration.interop.argilla import read_argilla
from calibration.interop.coco import read_coco
from calibration.interop.common import ImportResult, RawImport, resolve
from calibration.interop.cvat import read_cvat
from calibration.interop.doccano import read_doccano
from calibration.interop.labelstudio import read_labelstudio
from calibration.interop.prodigy import read_prodigy
from calibration.interop.tables import read_item_rules, read_long_csv, read_wide_csv

if TYPE_CHECKING:
    import pandas as pd

MAX_IMPORT_BYTES = 256 * 1024 * 1024
"""Largest file accepted (256 MB); a bigger export should be split or imported as CSV in parts."""

Format = Literal["labelstudio", "prodigy", "doccano", "argilla", "csv", "csv-wide", "coco", "cvat"]
FORMATS: tuple[str, ...] = ("labelstudio", "prodigy", "doccano", "argilla", "csv", "csv-wide", "coco", "cvat")
"""Import formats: ``csv`` is the long shape of `calibration agreement`, ``csv-wide`` its wide shape;
``coco`` (COCO JSON) and ``cvat`` (CVAT for images 1.1 XML) hold boxes."""


def _readers() -> dict[str, Callable[..., RawImport]]:
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
    fmt: Format, data: bytes, filename: str, guideline: Guideline, *, options: Mapping[str, Any] | None = None
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
        return read_item_rules(bytes(item_rules), "item-rules.csv")
    return item_rules


def _placeholder_input(guideline: Guideline, item_id: str, answers: Iterable[Any]) -> Input:
    note = f"(item {item_id}: the imported file did not include its input)"
    if guideline.task.type == "pairwise":
        return PairInput(prompt=note, a="", b="")
    if guideline.task.type == "ranking":
        ids = sorted({c for answer in answers for c in answer})
        return RankingInput(prompt=note, candidates={c: c for c in ids})
    return TextInput(text=note)


def round_items(result: ImportResult) -> tuple[list[Item | str], list[str]]:
    """The round's items (bank ids, imported `Item`s) and the item ids left out for want of a rule."""
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


def read_import(
    fmt: Format,
    data: bytes,
    filename: str,
    guideline: Guideline,
    item_rules: pd.DataFrame | Mapping[str, Iterable[str]] | bytes | None = None,
    map_labels: Iterable[str] | Mapping[str, str] | None = None,
    *,
    options: Mapping[str, Any] | None = None,
    model_annotators: Iterable[str] = (),
) -> tuple[ImportResult, list[Item | str], list[str]]:
    """Read and resolve a labeling tool's export: what a pilot round made from it would hold.

    Args:
        fmt: ``labelstudio``, ``prodigy``, ``doccano``, ``argilla``, ``csv``, ``csv-wide``, ``coco`` or
            ``cvat``.
        data: the file's bytes.
        filename: its name (messages; doccano takes a single user file's annotator from it).
        guideline: the guideline version the answers are checked against.
        item_rules: an item-to-rule table (DataFrame, ``{item: [rules]}``, or CSV bytes).
        map_labels: label renames, ``["old=new", ...]`` or ``{old: new}``.
        options: importer options (see `read_file`).
        model_annotators: annotator ids of the file whose answers are a model's (see `resolve`).

    Returns:
        ``(result, items, left_out)``: the resolved import, the round's items (bank ids and imported
        `Item`s, see `round_items`) and the item ids left out for want of a rule.

    Raises:
        DataError (wrong format, truncated file, unknown labels, missing annotator id, no item
        matched a rule ...), AnswerError.
    """
    raw = read_file(fmt, data, filename, guideline, options=options)
    result = resolve(raw, guideline, _item_rules_table(item_rules), map_labels, model_annotators)
    items, left_out = round_items(result)
    if not items:
        raise DataError(
            "no imported item matched a rule of the guideline, so the round would be empty",
            hint="give --item-rules MAP.csv (item_id,rule_id), or a rule field in the item data",
        )
    return result, items, left_out
