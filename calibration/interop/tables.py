"""CSV in the long and wide shapes of `calibration agreement` -> raw records; item-to-rule maps.

The CSV itself is read by the agreement CLI's reader (`calibration.interop.csv_reader.read_table`), so both
commands accept and refuse the same files; this module turns its rows into an importer's raw records.

Long: one row per answer, columns ``item_id, annotator_id, answer`` plus the optional columns of the
responses table (``confidence, cited_rule, unclear, comment, seconds``), ``annotator_kind``
(``human`` or ``model``; empty means human) with an optional ``score`` (the model's own score), an
optional ``rule_id``
(rules of the item, comma-separated) and an optional ``text`` (the item's input). Wide: ``item_id``
and one column per annotator; ``ignore_columns`` names other columns (a ``text`` column among them
becomes the item's input). Structured answers are JSON in the cell (`calibration.answers.load_cell`);
an empty cell is no answer. Row numbers in messages count the header as row 1.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pandas as pd

from calibration.answers import load_cell
from calibration.errors import AnswerError, CalibrationError, DataError, Location
from calibration.interop.common import RawImport, RawItem, RawResponse, decode_text, rule_hints, safe_item_id
from calibration.interop.csv_reader import read_table
from calibration.responses import ANSWER_EXTRAS, item_rules_frame

if TYPE_CHECKING:
    from calibration.guidelines.model import Guideline

LONG = "a long CSV with columns item_id, annotator_id, answer"
WIDE = "a wide CSV with an item_id column and one column per annotator"
INPUT_COLUMNS = ("text", "input")


def _table(
    data: bytes, source: str, required: Sequence[str], what: str, *, refuse_empty: bool = True
) -> pd.DataFrame:
    """The CSV as a frame of strings, read by the agreement CLI's reader (`calibration.interop.csv_reader`).

    Raises:
        DataError: not UTF-8, a zip, empty, missing columns, empty required cells, a row with more cells
            than the header; naming the file (not the in-memory buffer) and the row.
    """
    decode_text(data, source)  # names a zip or non-UTF-8 bytes the way every importer does
    try:
        frame = read_table(io.BytesIO(data), required, what, refuse_empty=refuse_empty)
    except CalibrationError as error:
        located = replace(error.location, path=source)
        raise type(error)(error.message, location=located, hint=error.hint) from None
    if not isinstance(frame.index, pd.RangeIndex):
        raise DataError(
            "a row has more cells than the header",
            location=Location(path=source),
            hint="quote cells that contain commas",
        )
    return frame


def _item(raw: RawImport, row: Mapping[str, Any], number: int, source: str) -> str:
    item_id = safe_item_id(row["item_id"])
    text = next((row[c] for c in INPUT_COLUMNS if row.get(c)), None)
    where = Location(path=source, row=number, field="text")
    input = _cell(text, where) if text and text.lstrip()[:1] == "{" else text
    raw.add_item(RawItem(item_id, input, Location(path=source, row=number), rule_hints(row)))
    return item_id


def _cell(value: str | None, where: Location) -> Any:
    try:
        return load_cell(value)
    except AnswerError as error:
        raise DataError(error.message, location=where, hint=error.hint) from None


def read_long_csv(data: bytes, source: str, guideline: Guideline) -> RawImport:
    """Read the long CSV shape (one answer per row); an empty answer cell is no answer.

    A bad row (an empty item or annotator cell, a malformed cell) does not stop the reading: it is
    kept in ``raw.problems`` and `calibration.interop.common.resolve` reports every problem at once.

    Raises:
        DataError: missing columns, ragged rows; naming the row and column.
    """
    frame = _table(data, source, ("item_id", "annotator_id", "answer"), "responses", refuse_empty=False)
    raw = RawImport(format="csv", source=source)
    for offset, row in enumerate(frame.to_dict(orient="records")):
        try:
            _long_row(raw, row, offset + 2, source)
        except CalibrationError as error:
            raw.problems.extend(error.problems)
    return raw


def _long_row(raw: RawImport, row: Mapping[str, Any], number: int, source: str) -> None:
    """Read one row of a long CSV into `raw`."""
    for column in ("item_id", "annotator_id"):
        if not str(row[column] or "").strip():
            raise DataError(f"empty {column}", location=Location(path=source, row=number, field=column))
    item_id = _item(raw, row, number, source)
    answer = _cell(row["answer"], Location(path=source, row=number, field="answer"))
    if answer is None:
        return
    extras = {
        c: _cell(row[c], Location(path=source, row=number, field=c)) for c in ANSWER_EXTRAS if row.get(c)
    }
    raw.responses.append(
        RawResponse(
            item_id,
            row["annotator_id"].strip(),
            answer,
            Location(path=source, row=number),
            confidence=_int(extras.get("confidence"), Location(path=source, row=number, field="confidence")),
            cited_rule=str(extras["cited_rule"]) if "cited_rule" in extras else None,
            unclear=str(extras.get("unclear", "")).lower() in ("true", "1", "yes"),
            comment=str(extras["comment"]) if "comment" in extras else None,
            seconds=_float(extras.get("seconds"), Location(path=source, row=number, field="seconds")),
            annotator_kind=_kind(
                row.get("annotator_kind"), Location(path=source, row=number, field="annotator_kind")
            ),
            score=_score(row.get("score"), Location(path=source, row=number, field="score")),
        )
    )


KINDS = ("human", "model")


def _kind(value: str | None, where: Location) -> str:
    """An ``annotator_kind`` cell: human (also when empty) or model."""
    kind = (value or "").strip().lower() or "human"
    if kind not in KINDS:
        raise DataError(
            f"annotator_kind must be human or model, got {value!r}",
            location=where,
            hint="write model on a model's rows and human (or nothing) on a person's",
        )
    return kind


def _score(value: str | None, where: Location) -> float | None:
    """A ``score`` cell: a number (a model's own score for its answer), or empty."""
    if value is None or not str(value).strip():
        return None
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if number != number or number in (float("inf"), float("-inf")):
        raise DataError(f"score must be a number, got {value!r}", location=where, hint="e.g. 0.87")
    return number


def read_wide_csv(
    data: bytes, source: str, guideline: Guideline, *, ignore_columns: Sequence[str] = ()
) -> RawImport:
    """Read the wide CSV shape (item_id and one column per annotator).

    Raises:
        DataError: no item_id column, no annotator columns, a malformed JSON cell; naming row and column.
    """
    frame = _table(data, source, ("item_id",), "responses")
    skip = {"item_id", "rule_id", *INPUT_COLUMNS, *ignore_columns}
    annotators = [c for c in frame.columns if c not in skip]
    if not annotators:
        raise DataError(
            "the CSV has no annotator columns", location=Location(path=source, row=1), hint=f"expected {WIDE}"
        )
    raw = RawImport(format="csv-wide", source=source)
    for offset, row in enumerate(frame.to_dict(orient="records")):
        number = offset + 2
        item_id = _item(raw, row, number, source)
        for annotator in annotators:
            where = Location(path=source, row=number, field=annotator)
            answer = _cell(row[annotator], where)
            if answer is not None:
                raw.responses.append(RawResponse(item_id, annotator, answer, where))
    return raw


def _int(value: Any, where: Location) -> int | None:
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        return int(value)
    raise DataError(f"confidence must be an integer, got {value!r}", location=where)


def _float(value: Any, where: Location) -> float | None:
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise DataError(f"seconds must be a number, got {value!r}", location=where, hint="e.g. 12.5")


def read_item_rules(data: bytes, source: str) -> pd.DataFrame:
    """An item-to-rule map from CSV bytes (columns item_id, rule_id; one row per pair).

    Raises:
        DataError: a missing column or an empty cell, naming the row.
    """
    frame = _table(data, source, ("item_id", "rule_id"), "item-to-rule")
    pairs: dict[str, list[str]] = {}
    for item, rule in zip(frame["item_id"], frame["rule_id"], strict=True):
        pairs.setdefault(safe_item_id(item), []).append(rule.strip())
    return item_rules_frame(pairs)
