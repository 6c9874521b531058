"""Row heights that let the grid wrap long texts (calibration/app/widgets/grid.py)."""

from __future__ import annotations

import pytest

from calibration.app.widgets.grid import WRAP_ROW_HEIGHT, text_px, wrapped_lines, wrapped_row_height


@pytest.mark.parametrize(
    ("text", "width", "lines"),
    [
        ("", 150, 1),
        ("Confidentiality", 150, 1),
        ("Indemnification and limitation of liability", 150, 2),
        ("Names of customers and the people they mention", 150, 3),
        ("LIMITATION_OF_LIABILITY", 140, 2),  # one word wider than the column breaks anywhere
        ("a " * 60, 150, 5),
    ],
)
def test_wrapped_lines_count_the_lines_a_text_takes(text, width, lines):
    assert wrapped_lines(text, width) == lines


def test_the_estimate_is_not_below_the_widths_chromium_measured():
    # Chromium, 14 px Source Sans (the grid's font): average width per character
    assert text_px("The limitations set out in Section 11.1 shall not apply to (a) a party") >= 5.48 * 70
    assert text_px("ABCDEFGHIJKLMNOPQRSTUVWXYZ") >= 7.93 * 26
    assert text_px("abcdefghijklmnopqrstuvwxyz") >= 6.61 * 26
    assert text_px("MMMM") >= 10.18 * 4 and text_px("mmmm") >= 11.6 * 4


def test_a_row_wraps_only_when_some_text_needs_two_lines():
    assert wrapped_row_height([], 150) is None
    assert wrapped_row_height(["short", "also short"], 150) is None
    assert wrapped_row_height(["Indemnification and limitation of liability"], 150) == WRAP_ROW_HEIGHT
    seven = wrapped_row_height(["word " * 60], 150)
    assert seven is not None and seven > WRAP_ROW_HEIGHT
