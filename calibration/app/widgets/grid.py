"""Row heights for `st.dataframe` that show long texts whole: the grid wraps a cell only in tall rows."""

from __future__ import annotations

import math
from collections.abc import Iterable

WRAP_ROW_HEIGHT = 66
"""The grid wraps a cell's text only in rows taller than 64 px (4rem): the least row height that wraps."""
PADDING_PX = 8
"""The grid's padding on each side of a cell's text."""
LINE_EM_PX = 14
"""The height of a text line of the grid's 14 px font (13 px measured, rounded up); lines are 1.4 of it apart."""
_WIDE, _NARROW = set("mwMW"), set("ijlftrI.,;:'!|()[]")
"""Characters far wider or narrower than the others in the grid's font (Source Sans, 14 px)."""


def _char_px(char: str) -> float:
    """The width of `char` in the grid's font, rounded up from Chromium's measures (14 px Source Sans)."""
    if char in _WIDE:
        return 11.7
    if char in _NARROW:
        return 4.2
    if char == " ":
        return 3.0
    if char.isupper():
        return 8.2
    return 7.2 if char.isdigit() or char == "_" else 7.0


def text_px(text: str) -> float:
    """An upper estimate of the width of `text` in the grid's font, in pixels."""
    return sum(_char_px(c) for c in text)


def wrapped_lines(text: str, width: int) -> int:
    """Lines `text` takes in a grid column `width` px wide, wrapped at spaces (a word wider than a line
    breaks anywhere, as the grid breaks it)."""
    inner, space = width - 2 * PADDING_PX, _char_px(" ")
    lines, used = 1, 0.0
    for word in str(text).split():
        size = text_px(word)
        if used and used + space + size <= inner:
            used += space + size
            continue
        if used:
            lines += 1
        used = 0.0
        for char in word:  # a word wider than the line breaks where it no longer fits
            if used and used + _char_px(char) > inner:
                lines, used = lines + 1, 0.0
            used += _char_px(char)
    return lines


def wrapped_row_height(texts: Iterable[str], width: int) -> int | None:
    """A row height (px) that shows each of `texts` whole in a column `width` px wide.

    None (the grid's own height) when each fits on one line; else tall enough for the longest wrapped:
    at least `WRAP_ROW_HEIGHT`, with `LINE_EM_PX` lines 1.4 of it apart as the grid draws them, and 6 px
    of padding.
    """
    lines = max((wrapped_lines(t, width) for t in texts), default=1)
    if lines <= 1:
        return None
    return max(WRAP_ROW_HEIGHT, math.ceil(6 + LINE_EM_PX * (1 + 1.4 * (lines - 1))))
