"""Counted nouns for messages: ``counted(1, "annotator")`` is "1 annotator", ``counted(24, "annotator")`` "24 annotators"."""

from __future__ import annotations


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """`n` and `noun`, the noun in the plural unless `n` is 1 (`plural` for irregular ones, default noun + "s").

    >>> counted(1, "annotator"), counted(24, "annotator"), counted(0, "item"), counted(2, "box", "boxes")
    ('1 annotator', '24 annotators', '0 items', '2 boxes')
    """
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"
