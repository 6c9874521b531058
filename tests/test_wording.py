"""calibration.wording: counted nouns and library warnings shown as sentences on pages."""

from __future__ import annotations

from calibration.wording import as_sentence, counted


def test_a_library_warning_reads_as_a_sentence_on_a_page() -> None:
    assert as_sentence("retakes reuse items. Add fresh ones") == "Retakes reuse items. Add fresh ones."
    assert as_sentence("Done.") == "Done." and as_sentence("Why?") == "Why?"
    assert as_sentence("  ") == ""


def test_counted_uses_the_singular_for_one() -> None:
    assert (counted(1, "item"), counted(2, "item"), counted(0, "box", "boxes")) == (
        "1 item",
        "2 items",
        "0 boxes",
    )
