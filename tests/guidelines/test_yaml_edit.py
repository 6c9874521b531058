"""In-place edits of guideline YAML: every comment line, quote and style of the author is kept."""

from __future__ import annotations

import datetime as dt

import pytest

from calibration.errors import GuidelineError
from calibration.guidelines.yaml_edit import GuidelineEditor

# Sequences written flush with their key ("- " at the key's column), comments everywhere.
SOURCE = """\
format: 1
id: g   # the id
version: '1.0.0'
rules:
- id: R1
  title: One
  text: Say it.
  labels: [A]  # governs A
  # end of R1
- id: R2
  title: Two
  text: |
    Block.
  edge_cases:
  - {id: e0, input: x, answer: A}
  # end of R2
items:
# the first group
- {id: q1, input: x, rules: [R1], answer: A}
# the second group
- id: q2
  input: y
  rules: [R2]  # eol q2
  # after q2
- id: q3
  input: z
  rules: [R2]
"""


def _comments(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if "#" in line]


def test_every_edit_keeps_the_comments_quotes_and_indentation():
    editor = GuidelineEditor(SOURCE)
    editor.set_version("1.0.1")
    editor.add_changelog_entry(
        {"version": "1.0.1", "date": dt.date(2026, 1, 2), "changes": "x", "rules": ["R1"]}
    )
    editor.add_edge_case(
        "R1", {"id": "e1", "input": "a\nb\n", "answer": [{"text": "a", "label": "A"}], "why": "w"}
    )
    editor.add_edge_case("R2", {"id": "e2", "input": "c", "answer": "A", "why": "two\nlines"})
    assert editor.remove_item("q1") and editor.remove_item("q2") and not editor.remove_item("nope")
    assert (
        editor.text()
        == """\
format: 1
id: g   # the id
version: '1.0.1'
changelog:
- version: 1.0.1
  date: 2026-01-02
  changes: x
  rules: [R1]
rules:
- id: R1
  title: One
  text: Say it.
  labels: [A]  # governs A
  edge_cases:
  - id: e1
    input: |
      a
      b
    answer:
    - {text: a, label: A}
    why: w
  # end of R1
- id: R2
  title: Two
  text: |
    Block.
  edge_cases:
  - {id: e0, input: x, answer: A}
  - id: e2
    input: c
    answer: A
    why: |-
      two
      lines
  # end of R2
items:
# the first group
# the second group
  # after q2
- id: q3
  input: z
  rules: [R2]
"""
    )
    assert [c for c in _comments(SOURCE) if c != "rules: [R2]  # eol q2"] == _comments(editor.text())


def test_removing_the_last_item_keeps_its_trailing_comment():
    text = "items:\n  - id: q1\n    why: |\n      block\n  # the end\n  - id: q2\n    why: plain\n  # after all\n"
    editor = GuidelineEditor(text)
    assert editor.remove_item("q2")
    assert editor.text() == "items:\n  - id: q1\n    why: |\n      block\n  # the end\n  # after all\n"


def test_a_text_that_is_not_a_mapping_is_refused():
    with pytest.raises(GuidelineError, match="cannot edit the YAML in place: the top level is not a mapping"):
        GuidelineEditor("- a\n- b\n")
    with pytest.raises(GuidelineError, match="cannot edit the YAML in place: no rule 'R9' in the text"):
        GuidelineEditor(SOURCE).add_edge_case("R9", {"id": "x"})
