"""Counted nouns for messages: ``counted(1, "annotator")`` is "1 annotator", ``counted(24, "annotator")`` "24 annotators"."""

from __future__ import annotations


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """`n` and `noun`, the noun in the plural unless `n` is 1 (`plural` for irregular ones, default noun + "s").

    >>> counted(1, "annotator"), counted(24, "annotator"), counted(0, "item"), counted(2, "box", "boxes")
    ('1 annotator', '24 annotators', '0 items', '2 boxes')
    """
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def as_sentence(text: str) -> str:
    """`text` as a sentence on a page: its first letter in upper case and a full stop at the end (the
    CLI prints library warnings after ``warning:`` in lower case, pages show them on their own).

    >>> as_sentence("retakes reuse items. Add fresh ones"), as_sentence("Done."), as_sentence("")
    ('Retakes reuse items. Add fresh ones.', 'Done.', '')
    """
    text = text.strip()
    if not text:
        return text
    return text[0].upper() + text[1:] + ("" if text[-1] in ".!?" else ".")
