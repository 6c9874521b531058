"""CSV in the long and wide shapes of `calibration agreement` -> raw records; item-to-rule maps.

Long: one row per answer, columns ``item_id, annotator_id, answer`` plus the optional columns of the
responses table (``confidence, cited_rule, unclear, comment, seconds``), an optional ``rule_id``
(rules of the item, comma-separated) and an optional ``text`` (the item's input). Wide: ``item_id``
and one column per annotator; ``ignore_columns`` names other columns (a ``text`` column among them
becomes the item's input). Structured answers are JSON in the cell (`calibration.answers.load_cell`);
an empty cell is no answer. Row numbers in messages count the header as row 1.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from calibration.answers import load_cell
from calibration.errors import AnswerError, DataError, Location
from calibration.interop.common import RawImport, RawItem, RawResponse, decode_text, rule_hints, safe_item_id

if TYPE_CHECKING:
    import pandas as pd

    from calibration.guidelines.model import Guideline

LONG = "a long CSV with columns item_id, annotator_id, answer"
WIDE = "a wide CSV with an item_id column and one column per annotator"
INPUT_COLUMNS = ("text", "input")
OPTIONAL = ("confidence", "cited_rule", "unclear", "comment", "seconds")


def _rows(data: bytes, source: str, expected: str) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    text = decode_text(data, source)
    if not text.strip():
        raise DataError("the file is empty", location=Location(path=source), hint=f"expected {expected}")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = header
    if "item_id" not in header:
        raise DataError(
            f"the CSV has no item_id column; found {', '.join(header) or 'no header'}",
            location=Location(path=source, row=1),
            hint=f"expected {expected}",
        )

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        try:
            for row in reader:
                if None in row:
                    raise DataError(
                        f"the row has {len(header) + len(row[None])} cells; the header has {len(header)}",
                        location=Location(path=source, row=reader.line_num),
                        hint="quote cells that contain commas",
                    )
                yield reader.line_num, row
        except csv.Error as error:
            raise DataError(
                f"unreadable CSV: {error}", location=Location(path=source, row=reader.line_num)
            ) from None

    return header, rows()


def _cell(value: str | None, where: Location) -> Any:
    try:
        return load_cell(value)
    except AnswerError as error:
        raise DataError(error.message, location=where, hint=error.hint) from None


def _item(raw: RawImport, row: dict[str, str], number: int, source: str) -> str:
    where = Location(path=source, row=number, field="item_id")
    value = (row.get("item_id") or "").strip()
    if not value:
        raise DataError("the item_id cell is empty", location=where, hint="every row needs its item id")
    item_id = safe_item_id(value)
    text = next((row[c] for c in INPUT_COLUMNS if row.get(c)), None)
    input = _cell(text, where) if text and text.lstrip()[:1] == "{" else text
    raw.add_item(RawItem(item_id, input, Location(path=source, row=number), rule_hints(row)))
    return item_id


def read_long_csv(data: bytes, source: str, guideline: Guideline) -> RawImport:
    """Read the long CSV shape (one answer per row).

    Raises:
        DataError: missing columns, an empty item or annotator cell, a malformed JSON cell, ragged
            rows; naming the row and column.
    """
    header, rows = _rows(data, source, LONG)
    missing = [c for c in ("annotator_id", "answer") if c not in header]
    if missing:
        raise DataError(
            f"the CSV has no {', '.join(missing)} column; found {', '.join(header)}",
            location=Location(path=source, row=1),
            hint=f"expected {LONG}; for one column per annotator use the csv-wide format",
        )
    raw = RawImport(format="csv", source=source)
    for number, row in rows:
        item_id = _item(raw, row, number, source)
        annotator = (row.get("annotator_id") or "").strip()
        if not annotator:
            raise DataError(
                "the annotator_id cell is empty",
                location=Location(path=source, row=number, field="annotator_id"),
                hint="every answer needs the annotator who gave it",
            )
        answer = _cell(row.get("answer"), Location(path=source, row=number, field="answer"))
        if answer is None:
            continue
        extras = {
            c: _cell(row.get(c), Location(path=source, row=number, field=c)) for c in OPTIONAL if row.get(c)
        }
        raw.responses.append(
            RawResponse(
                item_id,
                annotator,
                answer,
                Location(path=source, row=number),
                confidence=_int(
                    extras.get("confidence"), Location(path=source, row=number, field="confidence")
                ),
                cited_rule=str(extras["cited_rule"]) if "cited_rule" in extras else None,
                unclear=str(extras.get("unclear", "")).lower() in ("true", "1", "yes"),
                comment=str(extras["comment"]) if "comment" in extras else None,
                seconds=float(extras["seconds"]) if "seconds" in extras else None,
            )
        )
    return raw


def read_wide_csv(
    data: bytes, source: str, guideline: Guideline, *, ignore_columns: Sequence[str] = ()
) -> RawImport:
    """Read the wide CSV shape (item_id and one column per annotator).

    Raises:
        DataError: no item_id column, no annotator columns, a malformed JSON cell; naming row and column.
    """
    header, rows = _rows(data, source, WIDE)
    skip = {"item_id", "rule_id", *INPUT_COLUMNS, *ignore_columns}
    annotators = [c for c in header if c not in skip]
    if not annotators:
        raise DataError(
            "the CSV has no annotator columns", location=Location(path=source, row=1), hint=f"expected {WIDE}"
        )
    raw = RawImport(format="csv-wide", source=source)
    for number, row in rows:
        item_id = _item(raw, row, number, source)
        for annotator in annotators:
            where = Location(path=source, row=number, field=annotator)
            answer = _cell(row.get(annotator), where)
            if answer is not None:
                raw.responses.append(RawResponse(item_id, annotator, answer, where))
    return raw


def _int(value: Any, where: Location) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise DataError(f"confidence must be an integer, got {value!r}", location=where) from None


def read_item_rules(data: bytes, source: str) -> pd.DataFrame:
    """An item-to-rule map from CSV bytes (columns item_id, rule_id; one row per pair).

    Raises:
        DataError: a missing column or an empty cell, naming the row.
    """
    from calibration.responses import item_rules_frame

    text = decode_text(data, source)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = header
    missing = [c for c in ("item_id", "rule_id") if c not in header]
    if missing:
        raise DataError(
            f"the item-to-rule map has no {', '.join(missing)} column; found {', '.join(header) or 'nothing'}",
            location=Location(path=source, row=1),
            hint="write one row per (item_id, rule_id) pair",
        )
    pairs: dict[str, list[str]] = {}
    for row in reader:
        item, rule = (row.get("item_id") or "").strip(), (row.get("rule_id") or "").strip()
        if not item or not rule:
            raise DataError(
                "empty item_id or rule_id cell", location=Location(path=source, row=reader.line_num)
            )
        pairs.setdefault(safe_item_id(item), []).append(rule)
    return item_rules_frame(pairs)
