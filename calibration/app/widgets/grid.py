"""Row heights for `st.dataframe` that show long texts whole: the grid wraps a cell only in tall rows."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping

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


HEADER_PX = 35
"""The height of the grid's header row (its default row height)."""
BORDER_PX = 2
"""The grid's border, top and bottom together."""
DEFAULT_ROW_PX = 35
"""The grid's own row height (`st.dataframe` without ``row_height``)."""
MISSING = "–"
"""What a grid shows for a missing value (``placeholder``): Streamlit's own reads "None"."""
MOST_HEIGHT_PX = 640
"""The tallest grid that still shows whole beside Streamlit's header in a window 800 px high."""


def word_width(texts: Iterable[str], width: int) -> int:
    """`width`, or wider: a column width (px) that holds the longest word of `texts` on one line.

    The grid wraps at spaces, and breaks a word wider than its line anywhere ("INTELLECTUAL_PRO" over
    "PERTY"): a label or rule id reads whole only in a column as wide as the word and its padding.
    """
    longest = max((text_px(word) for text in texts for word in str(text).split()), default=0.0)
    return max(width, math.ceil(longest) + 2 * PADDING_PX)


def fitted_widths(
    widths: Mapping[str, tuple[Iterable[str], int]], flexible: str, least: int
) -> dict[str, int]:
    """Column widths (px) that hold every word of each column whole (`word_width`), within the room
    the columns' widths share: the `flexible` column (a long text that wraps, its texts not read) gives
    up the pixels the others gain, down to `least`.

    Args:
        widths: per column, its texts and its width when every word fits.
        flexible: the column that narrows (its own texts are not widened for).
        least: the narrowest the flexible column may become.

    Returns:
        The width of each column of `widths`.
    """
    fitted = {c: w if c == flexible else word_width(texts, w) for c, (texts, w) in widths.items()}
    gained = sum(fitted[c] - widths[c][1] for c in widths if c != flexible)
    fitted[flexible] = max(least, widths[flexible][1] - gained)
    return fitted


def grid_height(rows: int, row_height: int | None, most_px: int = MOST_HEIGHT_PX) -> int:
    """A grid height (px) that shows every row whole: all `rows` when they fit in `most_px`, else as
    many whole rows as fit (at least one), the others scrolled into view.

    Without a height the grid is at most 400 px high, whatever its row height: rows taller than the
    grid's own showed the last one cut in half.
    """
    row = row_height or DEFAULT_ROW_PX
    shown = max(1, min(rows, (most_px - HEADER_PX - BORDER_PX) // row))
    return BORDER_PX + HEADER_PX + shown * row


def naive_utc(moment: dt.datetime | None) -> dt.datetime | None:
    """`moment` in UTC without its time zone, for a grid's ``DatetimeColumn`` (None stays None).

    The grid shows both alike, but pyarrow before 26 reads a time-zone-aware pandas column through
    ``Series.values``, which pandas 3.1 deprecates: a ``Pandas4Warning`` in the server log on every run.
    """
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment
