"""Reading responses, item-to-rule maps and gold answers from CSV: the files `calibration agreement` reads.

Shapes (the same ones `calibration export responses` writes):

- long: columns ``item_id, annotator_id, answer`` (structured answers as JSON in the cell);
- wide: ``item_id`` and one column per annotator (other columns listed in ``ignore_columns``);
- item-to-rule map: ``item_id, rule_id``, one row per pair; gold: ``item_id, answer``.

Every problem is a `DataError`/`AnswerError` naming the file, the row (row 1 is the header) and the
column. When no guideline is given the task is inferred from the answers: integers -> rating (scale
from the smallest to the largest answer), ``a``/``b``/``tie`` -> pairwise, other text -> single_label,
JSON lists of strings -> multi_label, JSON lists of spans -> span, JSON lists of boxes
(``{label, x, y, width, height}``) -> boxes. Rankings need the guideline.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from calibration.answers import load_cell, parse_answer
from calibration.csv_cells import restore_frame
from calibration.errors import AnswerError, DataError, Location, file_error
from calibration.guidelines.model import Label, Scale, Task, TaskType
from calibration.responses import ANNOTATOR, ANSWER, COLUMNS, CONFIDENCE, ITEM, RULE, SECONDS
from calibration.wording import counted

_ROW = "_row"
_COL = "_col"


MAX_CSV_BYTES = 256 * 1024 * 1024
"""Largest CSV read (256 MB, the import limit); checked while reading, so /dev/zero is not read whole."""

MAX_COLUMNS = 10_000
"""Most columns in a CSV (a wide file has one per annotator)."""

MAX_FIELD_CHARS = 1024 * 1024
"""Longest cell (1 M characters, an item's text included); a file over `_SCAN_ABOVE` is scanned for it."""

MAX_INT_DIGITS = 4300
"""Longest number in a cell: Python refuses to convert longer digit strings to an integer."""

MAX_LINE_BYTES = 32 * 1024 * 1024
"""Longest line of a CSV (a wide file of 10,000 annotators has lines far shorter)."""

_SCAN_ABOVE = 4 * 1024 * 1024
_CHUNK = 1024 * 1024


def _csv_bytes(path: str | Path | io.BytesIO, what: str) -> bytes:
    """The file's bytes, read in chunks: refused past `MAX_CSV_BYTES` or at the first NUL character.

    pandas' parser stops a cell at a NUL, so ``ann\0a`` would silently become ``ann``.
    """
    label = None if isinstance(path, io.BytesIO) else str(path)
    if isinstance(path, io.BytesIO):
        data = path.getvalue()
        if len(data) > MAX_CSV_BYTES:
            raise _too_large(label, what)
        _refuse_nul(data, 0, label, what)
        return data
    chunks: list[bytes] = []
    size = 0
    with open(path, "rb") as handle:
        if os.path.isfile(path):  # a regular file: its size is known, read it once (no second copy)
            if os.fstat(handle.fileno()).st_size > MAX_CSV_BYTES:
                raise _too_large(label, what)
            data = handle.read(MAX_CSV_BYTES + 1)
            if len(data) > MAX_CSV_BYTES:
                raise _too_large(label, what)
            _refuse_nul(data, 0, label, what)
            return data
        while chunk := handle.read(_CHUNK):
            _refuse_nul(chunk, size, label, what)
            size += len(chunk)
            if size > MAX_CSV_BYTES:
                raise _too_large(label, what)
            chunks.append(chunk)
    return b"".join(chunks)


def _too_large(label: str | None, what: str) -> DataError:
    return DataError(
        f"the {what} file is over the {MAX_CSV_BYTES // 2**20} MB limit",
        location=Location(path=label),
        hint="split it into parts (by item or annotator) and read each part",
    )


def _refuse_nul(chunk: bytes, offset: int, label: str | None, what: str) -> None:
    index = chunk.find(b"\0")
    if index < 0:
        return
    line = chunk.count(b"\n", 0, index) + 1 if offset == 0 else None  # counted in the first chunk only
    raise DataError(
        f"the {what} file holds a NUL character (byte {offset + index})",
        location=Location(path=label, line=line),
        hint="remove it: a NUL would cut the cell short (ann\\0a would read as ann); "
        "check that this is a CSV text file",
    )


def _check_lines(data: bytes, label: str | None, what: str) -> None:
    """Refuse a run without comma or line break over 4 bytes a character of `MAX_FIELD_CHARS`, or a line
    over `MAX_LINE_BYTES`, before anything is decoded (numpy over 16 MB slices: memory stays small)."""
    step = 16 * 1024 * 1024
    last = {"cell": -1, "line": -1}
    limits = {"cell": 4 * MAX_FIELD_CHARS, "line": MAX_LINE_BYTES}
    messages = {
        "cell": f"a cell of the {what} file is over {MAX_FIELD_CHARS:,} characters",
        "line": f"a line of the {what} file is over {MAX_LINE_BYTES // 2**20} MB",
    }
    for start in range(0, len(data), step):
        end = min(start + step, len(data))
        window = np.frombuffer(data, dtype=np.uint8, count=end - start, offset=start)
        newline = window == 10
        found = {
            "cell": np.flatnonzero(newline | (window == 44)) + start,
            "line": np.flatnonzero(newline) + start,
        }
        for kind in ("cell", "line"):  # a cell is refused first: its limit is the smaller
            edges = np.concatenate(([last[kind]], found[kind], [end]))
            gaps = np.diff(edges)
            if int(gaps.max()) > limits[kind]:
                at = int(edges[int(gaps.argmax())]) + 1
                raise DataError(
                    messages[kind],
                    location=Location(path=label, line=data.count(b"\n", 0, at) + 1),
                    hint="check the quotes around that line: an unclosed quote makes the rest of the file "
                    "one cell",
                )
            if len(found[kind]):
                last[kind] = int(found[kind][-1])


def _check_shape(data: bytes, label: str | None, what: str) -> None:
    """Refuse more than `MAX_COLUMNS` columns and, in a big file, a cell over `MAX_FIELD_CHARS`."""
    end = data.find(b"\n", 0, 64 * 1024 * 1024)
    header = data[: end if end >= 0 else 64 * 1024 * 1024].decode("utf-8", errors="replace")
    columns = header.count(",") + 1 if '"' not in header else len(next(csv.reader([header]), []))
    if columns > MAX_COLUMNS:
        raise DataError(
            f"the {what} file has {columns:,} columns; at most {MAX_COLUMNS:,} are read",
            location=Location(path=label, row=1),
            hint="a wide file has item_id and one column per annotator; use the long shape for more",
        )
    if len(data) <= _SCAN_ABOVE:
        return
    _check_lines(data, label, what)
    limit = csv.field_size_limit()
    csv.field_size_limit(MAX_FIELD_CHARS)
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", errors="replace", newline="")
    row = 0
    try:
        for row, _ in enumerate(csv.reader(text), start=1):  # noqa: B007 - the row is named on failure
            pass
    except csv.Error as error:
        if "field larger than field limit" not in str(error):
            return  # pandas names other CSV errors in its own words
        raise DataError(
            f"a cell of the {what} file is over {MAX_FIELD_CHARS:,} characters",
            location=Location(path=label, row=row + 1),
            hint="check the quotes around that row: an unclosed quote makes the rest of the file one cell",
        ) from None
    finally:
        csv.field_size_limit(limit)


def _refuse_huge_numbers(frame: pd.DataFrame, label: str | None, what: str) -> None:
    for column in frame.columns:
        cells = frame[column]
        long = np.flatnonzero((cells.str.len() > MAX_INT_DIGITS).to_numpy())
        for j in long:
            digits = cells.iloc[j].strip().lstrip("-")
            if digits.isdigit() and len(digits) > MAX_INT_DIGITS:
                raise DataError(
                    f"a number of {len(digits):,} digits; at most {MAX_INT_DIGITS:,} are read",
                    location=Location(path=label, row=int(j) + 2, field=str(column)),
                    hint="a rating is a small whole number; check that this is the right file",
                )


_UNCLOSED = re.compile(r"EOF inside string starting at row (\d+)")
_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _csv_syntax_error(message: str, label: str | None, what: str) -> DataError:
    """pandas' CSV parser error in plain words, naming the line (1 is the header)."""
    if found := _UNCLOSED.search(message):
        return DataError(
            f"a quote opened on this line of the {what} file is never closed",
            location=Location(path=label, row=int(found[1]) + 1),
            hint='close the quote ("...") on that line, or remove it; a quoted cell runs to the next quote',
        )
    if found := _FIELDS.search(message):
        expected, line, saw = int(found[1]), int(found[2]), int(found[3])
        return DataError(
            f"{saw} cells, but the header names {expected} columns",
            location=Location(path=label, row=line),
            hint="quote a cell that holds a comma, or remove the extra commas",
        )
    return DataError(
        f"the {what} file is not valid CSV: {' '.join(message.split())}",
        location=Location(path=label),
        hint="fields are separated by commas; quote a field that holds a comma, quote or line break",
    )


_KNOWN_NAMES = frozenset((*COLUMNS, RULE))
_SYNONYMS = {
    ANNOTATOR: ("annotator", "rater", "coder", "who", "user", "worker"),
    ANSWER: ("label", "labels", "response", "value", "rating", "choice"),
    ITEM: ("item", "id", "task", "example"),
    RULE: ("rule",),
}


def _rename_hint(missing: str, found: Sequence[str]) -> str | None:
    """ "rename 'item' to 'item_id'" when a header cell is close to a missing column, else None."""
    unused = [c for c in found if c not in _KNOWN_NAMES]
    synonyms = [c for c in unused if c.lower() in _SYNONYMS.get(missing, ())]
    if synonyms:
        return f"rename {synonyms[0]!r} to {missing!r}"
    lowered = {c.lower(): c for c in unused}
    if missing.lower() in lowered:
        return f"rename {lowered[missing.lower()]!r} to {missing!r}"
    prefix = [c for c in unused if c and (missing.startswith(c.lower()) or c.lower().startswith(missing))]
    close = prefix or difflib.get_close_matches(missing, unused, n=1, cutoff=0.6)
    return f"rename {close[0]!r} to {missing!r}" if close else None


def read_table(
    path: str | Path | io.BytesIO, required: Sequence[str], what: str, *, refuse_empty: bool = True
) -> pd.DataFrame:
    """Read a CSV file as strings (pandas C engine), checking that `required` columns exist.

    The file is read in chunks and refused, before pandas sees it, when it is over `MAX_CSV_BYTES`,
    holds a NUL, has more than `MAX_COLUMNS` columns or a cell over `MAX_FIELD_CHARS` (so memory stays
    bounded by the size limit); a cell that is a number of more than `MAX_INT_DIGITS` digits is refused.

    Args:
        refuse_empty: refuse the first empty cell of a required column (other than the answer); an
            importer that reports every problem of the file checks its cells itself.

    Raises:
        DataError: missing or empty file, unparsable CSV, missing columns (with a did-you-mean hint).
    """
    label = None if isinstance(path, io.BytesIO) else str(path)
    where = Location(path=label)
    try:
        data = _csv_bytes(path, what)
    except OSError as error:  # missing file, a folder, no permission
        raise file_error(error, str(path), what=f"{what} file") from None
    _check_shape(data, label, what)
    try:
        frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, na_filter=False, engine="c")
    except pd.errors.EmptyDataError:
        raise DataError(
            f"the {what} file is empty",
            location=where,
            hint=f"the first line names the columns: {','.join(required)}",
        ) from None
    except pd.errors.ParserError as error:
        raise _csv_syntax_error(str(error), label, what) from None
    except UnicodeDecodeError:
        raise DataError(
            f"the {what} file is not UTF-8 text", location=where, hint="save it as UTF-8"
        ) from None
    del data
    frame = restore_frame(frame)  # our exports quote cells a spreadsheet would run (calibration.csv_cells)
    _refuse_huge_numbers(frame, label, what)
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        hints = [h for h in (_rename_hint(m, list(frame.columns)) for m in missing) if h]
        raise DataError(
            f"the {what} file needs the column(s) {', '.join(missing)}; found {', '.join(frame.columns)}",
            location=Location(path=str(path), row=1),
            hint="; ".join(hints) or f"the header must name {', '.join(required)}",
        )
    if frame.empty:
        raise DataError(f"the {what} file has a header but no rows", location=where)
    for column in required if refuse_empty else ():
        if column == ANSWER:
            continue
        empty = np.flatnonzero((frame[column] == "").to_numpy())
        if len(empty):
            raise DataError(
                f"empty {column}", location=Location(path=str(path), row=int(empty[0]) + 2, field=column)
            )
    return frame


def check_signal_columns(frame: pd.DataFrame, path: str | None) -> None:
    """Refuse a bad cell of the optional numeric columns of a long responses file, naming its row.

    ``confidence`` is a whole number from 1 to 5 and ``seconds`` a number >= 0 (the ranges every
    stored answer is held to, `calibration.answers.check_answer_extras`); an empty cell means "not asked".

    Raises:
        DataError: naming the file, the row (row 1 is the header) and the column.
    """
    checks = {
        CONFIDENCE: (
            lambda v: (v % 1 == 0) & v.between(1, 5),
            "a whole number from 1 to 5",
            "use 1 (unsure) to 5 (sure), or leave the cell empty when it was not asked",
        ),
        SECONDS: (
            lambda v: np.isfinite(v) & (v >= 0),
            "a number of seconds >= 0",
            "leave the cell empty when the time was not measured",
        ),
    }
    for column, (valid, expected, hint) in checks.items():
        if column not in frame:
            continue
        cells = frame[column].astype(str).str.strip()
        values = pd.to_numeric(cells, errors="coerce").astype(float)
        bad = np.flatnonzero(((cells != "") & ~valid(values).fillna(False)).to_numpy())
        if len(bad):
            raise DataError(
                f"expected {expected}, got {cells.iloc[bad[0]]!r}",
                location=Location(path=path, row=int(bad[0]) + 2, field=column),
                hint=hint,
            )


MODEL_MARK = " (model)"
"""Appended to a model annotator's id when it is included in an analysis, so tables mark it."""


def read_responses_csv(
    path: str | Path, fmt: str = "long", ignore_columns: Sequence[str] = (), *, include_models: bool = False
) -> pd.DataFrame:
    """Raw responses (answers still text) with the source row/column of each answer kept for messages.

    A long file's rows whose ``annotator_kind`` is ``model`` (a model's answers) are left out, so
    agreement counts people only, unless `include_models`; then the model's annotator id is marked
    ``"<name> (model)"`` in every table.

    Returns:
        DataFrame with item_id, annotator_id, answer (str) and private columns _row, _col.
    """
    if fmt == "wide":
        frame = read_table(path, [ITEM], "responses")
        ignored = set(ignore_columns)
        unknown = [c for c in ignored if c not in frame.columns]
        if unknown:
            raise DataError(
                f"--ignore-columns names {', '.join(unknown)}, which the file does not have",
                location=Location(path=str(path), row=1),
                hint=f"columns: {', '.join(frame.columns)}",
            )
        annotators = [c for c in frame.columns if c != ITEM and c not in ignored]
        if not annotators:
            raise DataError(
                "the wide responses file has no annotator column",
                location=Location(path=str(path), row=1),
                hint="wide files have item_id and one column per annotator",
            )
        cells = frame[annotators].to_numpy()
        rows, cols = np.nonzero(cells != "")
        return pd.DataFrame(
            {
                ITEM: frame[ITEM].to_numpy()[rows],
                ANNOTATOR: np.asarray(annotators, dtype=object)[cols],
                ANSWER: cells[rows, cols],
                _ROW: rows + 2,
                _COL: np.asarray(annotators, dtype=object)[cols],
            }
        )
    frame = read_table(path, [ITEM, ANNOTATOR, ANSWER], "responses")
    check_signal_columns(frame, str(path))
    out = frame[[ITEM, ANNOTATOR, ANSWER]].copy()
    out[_ROW] = np.arange(len(out)) + 2
    out[_COL] = ANSWER
    if "annotator_kind" in frame:
        is_model = frame["annotator_kind"].str.strip().str.lower().eq("model").to_numpy()
        if include_models:  # marked in every table: "name (model)"
            out.loc[is_model, ANNOTATOR] = out.loc[is_model, ANNOTATOR] + MODEL_MARK
        else:
            out = out[~is_model].reset_index(drop=True)
    empty = np.flatnonzero((out[ANSWER] == "").to_numpy())
    if len(empty):
        raise DataError(
            f"item {out[ITEM].iloc[empty[0]]!r}: the answer is missing",
            location=Location(path=str(path), row=int(empty[0]) + 2, field=ANSWER),
            hint="leave the row out when an annotator did not answer",
        )
    return out


def _kind(cell: str) -> str:
    text = cell.strip()
    if text.startswith("["):
        return "list"
    if text.lstrip("-").isdigit():
        return "number"
    return "label"


def _kinds(answers: pd.Series) -> np.ndarray:
    """ "label", "number" or "list" per answer, decided once per distinct answer."""
    uniques = pd.unique(answers)
    kinds = {u: _kind(str(u)) for u in uniques}
    if len(set(kinds.values())) <= 1:
        return np.full(len(answers), next(iter(kinds.values()), "label"), dtype=object)
    return answers.map(kinds).to_numpy()


BOX_KEYS = frozenset({"x", "y", "width", "height"})
"""Keys that make a JSON object in an answer cell a box (a boxes task) rather than a span."""


def infer_task(raw: pd.DataFrame, path: str | None = None) -> Task:
    """Infer the task from raw text answers (see the module docstring).

    Raises:
        DataError: mixed answer types, naming the first row that differs from the first answer.
    """
    kinds = _kinds(raw[ANSWER])
    first = kinds[0]
    other = np.flatnonzero(kinds != first)
    names = {"label": "a label", "number": "a number", "list": "a JSON list"}
    if len(other):
        j = int(other[0])
        raise DataError(
            f"mixed answer types: row {raw[_ROW].iloc[0]} has {names[first]} ({raw[ANSWER].iloc[0]!r}) but this row "
            f"has {names[kinds[j]]} ({raw[ANSWER].iloc[j]!r})",
            location=Location(path=path, row=int(raw[_ROW].iloc[j]), field=str(raw[_COL].iloc[j])),
            hint="one file holds one task type; pass --guideline to say which",
        )
    if first == "number":
        values = [int(v) for v in pd.unique(raw[ANSWER])]
        lo, hi = min(values), max(values)
        return Task(type="rating", scale=Scale(min=lo, max=max(hi, lo + 1)))
    if first == "label":
        label_ids = sorted({str(v).strip() for v in pd.unique(raw[ANSWER])})
        if set(label_ids) <= {"a", "b", "tie"}:
            return Task(type="pairwise")
        return Task(type="single_label", labels=[Label.model_construct(id=v, name=v) for v in label_ids])
    labels: set[str] = set()
    spans = boxes = False
    for j, cell in enumerate(raw[ANSWER]):
        try:
            value = json.loads(cell)
        except json.JSONDecodeError:
            raise DataError(
                f"cell {cell[:40]!r} looks like JSON but does not parse",
                location=Location(path=path, row=int(raw[_ROW].iloc[j]), field=str(raw[_COL].iloc[j])),
                hint='structured answers are JSON, e.g. ["A", "B"]',
            ) from None
        for element in value:
            if isinstance(element, dict) and element.keys() >= BOX_KEYS:
                boxes = True
                labels.add(str(element.get("label")))
            elif isinstance(element, dict):
                spans = True
                labels.add(str(element.get("label")))
            elif isinstance(element, list) and len(element) == 3:
                spans = True
                labels.add(str(element[2]))
            else:
                labels.add(str(element))
    kind: TaskType = "boxes" if boxes else "span" if spans else "multi_label"
    return Task(type=kind, labels=[Label.model_construct(id=v, name=v) for v in sorted(labels)])


def parse_answers(
    raw: pd.DataFrame, task: Task, inputs: Mapping[str, Any] | None = None, path: str | None = None
) -> pd.Series:
    """Canonical answers for raw text answers (vectorized for labels, choices and ratings).

    Raises:
        AnswerError: naming the row and column of the first invalid answer.
    """
    text = raw[ANSWER].astype(str)
    if task.type in ("single_label", "pairwise", "rating"):
        # validate and convert each distinct answer once
        codes, uniques = pd.factorize(text)
        allowed = set(task.categories)
        converted: list[Any] = []
        valid = np.zeros(len(uniques), dtype=bool)
        for k, cell in enumerate(uniques):
            value: Any = str(cell).strip()
            if task.type == "pairwise":
                value = value.lower()
            elif task.type == "rating":
                value = int(value) if value.lstrip("-").isdigit() else None
            converted.append(value)
            valid[k] = value in allowed
        bad = np.flatnonzero(~valid[codes])
        if len(bad):
            _raise_answer(raw, int(bad[0]), task, inputs, path)
        table = np.empty(len(converted), dtype=object)
        table[:] = converted
        return pd.Series(table[codes], index=raw.index, dtype=object)
    out = []
    for j, cell in enumerate(text):
        try:
            out.append(parse_answer(task, load_cell(cell), (inputs or {}).get(raw[ITEM].iloc[j])))
        except AnswerError:
            _raise_answer(raw, j, task, inputs, path)
    return pd.Series(out, index=raw.index, dtype=object)


def _raise_answer(
    raw: pd.DataFrame, j: int, task: Task, inputs: Mapping[str, Any] | None, path: str | None
) -> None:
    item = raw[ITEM].iloc[j]
    where = Location(path=path, row=int(raw[_ROW].iloc[j]), field=str(raw[_COL].iloc[j]))
    try:
        parse_answer(task, load_cell(raw[ANSWER].iloc[j]), (inputs or {}).get(item))
    except AnswerError as error:
        raise AnswerError(f"item {item!r}: {error.message}", location=where, hint=error.hint) from None
    raise AnswerError(f"item {item!r}: invalid answer {raw[ANSWER].iloc[j]!r}", location=where)


def check_design(
    responses: pd.DataFrame, raw: pd.DataFrame, path: str | None, allow_single: bool = False
) -> None:
    """Refuse duplicate answers, a single annotator, and (unless allowed) items with one answer.

    Raises:
        DataError: naming the row and column.
    """
    item_codes, _items = pd.factorize(responses[ITEM])
    ann_codes, annotators = pd.factorize(responses[ANNOTATOR])
    key = item_codes.astype(np.int64) * len(annotators) + ann_codes
    if np.bincount(key, minlength=1).max() > 1:
        j = int(np.flatnonzero(pd.Series(key).duplicated().to_numpy())[0])
        item, who = responses[ITEM].iloc[j], responses[ANNOTATOR].iloc[j]
        first = raw[(raw[ITEM] == item) & (raw[ANNOTATOR] == who)][_ROW].iloc[0]
        raise DataError(
            f"annotator {who!r} answered item {item!r} twice (rows {first} and {raw[_ROW].iloc[j]})",
            location=Location(path=path, row=int(raw[_ROW].iloc[j]), field=ANNOTATOR),
            hint="keep one answer per item and annotator",
        )
    if len(annotators) < 2:
        raise DataError(
            f"only one annotator ({annotators[0]!r}) answered; agreement needs two or more",
            location=Location(path=path, row=int(raw[_ROW].iloc[0]), field=ANNOTATOR),
        )
    per_item = np.bincount(item_codes)[item_codes]
    single = np.flatnonzero(per_item < 2)
    if len(single) == len(responses):
        j = int(single[0])
        raise DataError(
            "no item has two answers; agreement compares annotators on the same items",
            location=Location(path=path, row=int(raw[_ROW].iloc[j]), field=ITEM),
        )
    if len(single) and not allow_single:
        j = int(single[0])
        raise DataError(
            f"item {responses[ITEM].iloc[j]!r} has one answer only ({counted(len(single), 'such item')}); agreement needs "
            "two or more annotators per item",
            location=Location(path=path, row=int(raw[_ROW].iloc[j]), field=ITEM),
            hint="remove the item, or pass --allow-single-answers to keep such items "
            "(they count for label prevalence, not for agreement)",
        )


def read_item_rules_csv(path: str | Path) -> pd.DataFrame:
    """The item-to-rule map (columns item_id, rule_id)."""
    frame = read_table(path, [ITEM, RULE], "item-to-rule")
    return frame[[ITEM, RULE]].drop_duplicates().reset_index(drop=True)


def read_gold_csv(path: str | Path, task: Task, inputs: Mapping[str, Any] | None = None) -> pd.Series:
    """Gold answers (columns item_id, answer) as a Series of canonical answers indexed by item_id."""
    frame = read_table(path, [ITEM, ANSWER], "gold")
    raw = frame[[ITEM, ANSWER]].copy()
    raw[_ROW] = np.arange(len(raw)) + 2
    raw[_COL] = ANSWER
    dup = raw.duplicated(ITEM).to_numpy()
    if dup.any():
        j = int(np.flatnonzero(dup)[0])
        raise DataError(
            f"item {raw[ITEM].iloc[j]!r} has two gold answers",
            location=Location(path=str(path), row=j + 2, field=ITEM),
        )
    parsed = parse_answers(raw, task, inputs, str(path))
    return pd.Series(
        parsed.to_numpy(), index=pd.Index(raw[ITEM].to_numpy(), name=ITEM), name=ANSWER, dtype=object
    )
