"""CSV cells a spreadsheet will not run as formulas: every CSV the product writes goes through here.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula to Excel,
LibreOffice and Google Sheets (``=HYPERLINK(...)`` in a display name or a comment runs in a lead's
spreadsheet). As OWASP recommends ("CSV Injection"), such a cell is written with a single quote in
front, which spreadsheets show as text. A cell that already starts with a quote gets a second one, so
`restore_cell` gives back exactly what was written, and our own CSV readers read an export unchanged.

Example:
    >>> neutralise_cell("=HYPERLINK('http://x')"), neutralise_cell("-1"), neutralise_cell("ok")
    ("'=HYPERLINK('http://x')", "'-1", 'ok')
    >>> restore_cell("'=1+1")
    '=1+1'
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any, Literal, TextIO

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP's list)."""

_ESCAPED_STARTS = (*FORMULA_STARTS, "'")


def neutralise_cell(value: Any) -> Any:
    """`value` with a single quote in front when it is text a spreadsheet would run (or starts with a quote).

    Anything that is not text (numbers, None, NaN) is returned as it is.
    """
    if isinstance(value, str) and value.startswith(_ESCAPED_STARTS):
        return "'" + value
    return value


def restore_cell(value: Any) -> Any:
    """The text `neutralise_cell` was given: one leading quote removed before a formula start or a quote."""
    if isinstance(value, str) and value.startswith("'") and value[1:2].startswith(_ESCAPED_STARTS):
        return value[1:]
    return value


def _is_text(column: pd.Series | pd.Index) -> bool:
    return column.dtype == object or pd.api.types.is_string_dtype(column.dtype)


def neutralise_frame(frame: pd.DataFrame, *, index: bool = False) -> pd.DataFrame:
    """A copy of `frame` whose text cells, column names (and index labels when `index`) are neutralised."""
    out = frame.copy()
    for name in out.columns:
        if _is_text(out[name]):
            out[name] = out[name].astype(object).map(neutralise_cell)
    out.columns = [neutralise_cell(c) for c in out.columns]
    if index:
        out.index = out.index.map(neutralise_cell)
        out.index.name = neutralise_cell(out.index.name)
    return out


def restore_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` (every cell text, as read with ``dtype=str``) with `restore_cell` applied where it changes."""
    frame.columns = [restore_cell(c) for c in frame.columns]
    for name in frame.columns:
        column = frame[name]
        if _is_text(column) and column.astype(str).str.startswith("'").any():
            frame[name] = column.map(restore_cell)
    return frame


FLOAT_DECIMALS = 12
"""Decimals a float cell keeps in a CSV: far beyond any statistic's precision, short of the last
binary digits that print as noise (a sum of thirds reads 0.6933333333333332, a difference -0.20000000000000057)."""


def frame_to_csv(frame: pd.DataFrame, out: TextIO | None = None, *, index: bool = False) -> str | None:
    """Write `frame` as CSV (``\\n`` line ends) with every text cell neutralised and float cells rounded
    to FLOAT_DECIMALS decimals.

    Returns:
        The CSV text when `out` is None, else None (written to `out`).
    """
    safe = neutralise_frame(frame, index=index)
    for (
        name
    ) in safe.columns:  # 12 decimals: 0.6933333333333332 -> 0.693333333333, -0.20000000000000057 -> -0.2
        if pd.api.types.is_float_dtype(safe[name].dtype):
            safe[name] = safe[name].round(FLOAT_DECIMALS)
    return safe.to_csv(out, index=index, lineterminator="\n", quoting=_quoting(_frame_has_cr(safe, index)))


def rows_to_csv(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> str:
    """CSV text of a header and rows (``\\n`` line ends) with every text cell neutralised."""
    table = [[neutralise_cell(c) for c in header], *([neutralise_cell(c) for c in row] for row in rows)]
    has_cr = any(isinstance(c, str) and "\r" in c for row in table for c in row)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n", quoting=_quoting(has_cr)).writerows(table)
    return out.getvalue()


def _quoting(has_cr: bool) -> Literal[0, 2]:
    """Quote every text cell when one holds a carriage return.

    Python's csv writer does not quote a lone CR when lines end in LF, and a spreadsheet (or pandas)
    starts a new row there: the text after it would be a cell of its own, and could be a formula.
    """
    return csv.QUOTE_NONNUMERIC if has_cr else csv.QUOTE_MINIMAL


def _frame_has_cr(frame: pd.DataFrame, index: bool) -> bool:
    labels = [*frame.columns, *(frame.index if index else ()), frame.index.name if index else None]
    if any(isinstance(c, str) and "\r" in c for c in labels):
        return True
    return any(
        bool(frame[name].map(lambda v: isinstance(v, str) and "\r" in v).any())
        for name in frame.columns
        if _is_text(frame[name])
    )
