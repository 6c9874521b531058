"""Tokens of an input text: the units a span answer is selected from, with exact character offsets.

The quiz lets an annotator select whole tokens only, so a gold span is answerable exactly when it
starts and ends on token boundaries (`calibration.guidelines.checks.span_boundary_problems`).

A token is a word, kept whole across the joiners ``. @ + -`` (emails, ids such as ACC-123, phone
groups such as 555-0142, domains), a possessive clitic (``'s``, so "Stroud's" is "Stroud" + "'s"),
or any other single non-space character (punctuation, apostrophes, quotes, symbols).

>>> text = "Mrs. Evelyn Stroud's e-mail: e.s@example.org."
>>> [text[start:end] for start, end in tokenize(text)]
['Mrs', '.', 'Evelyn', 'Stroud', "'s", 'e-mail', ':', 'e.s@example.org', '.']
"""

from __future__ import annotations

import re

TOKEN = re.compile(r"\w+(?:[.@+\-]\w+)*|['\u2019]s\b|\S")
"""A word (joined across ``. @ + -``), a possessive ``'s`` / ``\u2019s``, or one other non-space character."""


def tokenize(text: str) -> list[tuple[int, int]]:
    """Character ranges ``(start, end)`` of the tokens of `text`, in order (end exclusive)."""
    return [(match.start(), match.end()) for match in TOKEN.finditer(text)]


def boundary_problem(text: str, start: int, end: int) -> str | None:
    """Why `[start, end)` of `text` cannot be selected token by token, or None when it can.

    A selectable span starts where a token starts and ends where a token ends.
    """
    ranges = tokenize(text)
    starts = {token_start for token_start, _ in ranges}
    ends = {token_end for _, token_end in ranges}
    reasons = []
    if start not in starts:
        inside = [text[a:b] for a, b in ranges if a < start < b]
        reasons.append(f"starts inside the token {inside[0]!r}" if inside else "starts with white space")
    if end not in ends:
        inside = [text[a:b] for a, b in ranges if a < end < b]
        reasons.append(f"ends inside the token {inside[0]!r}" if inside else "ends with white space")
    return " and ".join(reasons) or None


def snap(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The smallest run of whole tokens covering the tokens `[start, end)` touches; None if it touches none."""
    inside = [(a, b) for a, b in tokenize(text) if a < end and b > start]
    return (inside[0][0], inside[-1][1]) if inside else None
