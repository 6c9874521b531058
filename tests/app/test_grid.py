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


def test_a_label_wider_than_its_column_widens_it_and_the_text_column_gives_way():
    from calibration.app.widgets.grid import PADDING_PX, fitted_widths, text_px, word_width

    # the grid breaks a word wider than its line anywhere: "INTELLECTUAL_PRO" over "PERTY"
    assert wrapped_lines("INTELLECTUAL_PROPERTY", 140) == 2
    wide = word_width(["INTELLECTUAL_PROPERTY", "OTHER"], 140)
    assert wide > 140 and wrapped_lines("INTELLECTUAL_PROPERTY", wide) == 1
    assert wide - 2 * PADDING_PX >= text_px("INTELLECTUAL_PROPERTY")
    assert word_width(["misinformation and spam"], 140) == 140  # wraps at the spaces, no word cut
    widths = fitted_widths(
        {"answer": (["INTELLECTUAL_PROPERTY"], 140), "gold": (["OTHER"], 140), "text": (["x" * 900], 260)},
        "text",
        160,
    )
    assert widths == {"answer": wide, "gold": 140, "text": 260 - (wide - 140)}
    assert fitted_widths({"a": (["W" * 40], 100), "text": ([], 200)}, "text", 160)["text"] == 160


def test_a_grid_height_shows_whole_rows_only():
    from calibration.app.widgets.grid import BORDER_PX, HEADER_PX, MOST_HEIGHT_PX, grid_height

    # eight rows of 66 px: all of them (Streamlit's own 400 px cut the sixth in half)
    assert grid_height(8, 66) == BORDER_PX + HEADER_PX + 8 * 66
    assert grid_height(3, None) == BORDER_PX + HEADER_PX + 3 * 35  # the grid's own row height
    tall = grid_height(24, 177)  # more than fit: as many whole rows as fit, the rest scroll
    assert tall <= MOST_HEIGHT_PX and (tall - BORDER_PX - HEADER_PX) % 177 == 0
    assert grid_height(2, 900) == BORDER_PX + HEADER_PX + 900  # one row at least, however tall
