"""Answers per task type: parsing raw values into one canonical, hashable form and back to JSON.

Canonical answers (what the responses table holds and what analyses compare):

=============  ==============================================  =========================
task type      canonical answer                                JSON form
=============  ==============================================  =========================
single_label   ``"LABEL"``                                     ``"LABEL"``
multi_label    sorted tuple of unique label ids                ``["A", "B"]``
span           sorted tuple of ``Span(start, end, label)``     ``[{"start", "end", "label", "text"}]``
rating         ``int`` on the scale                            ``4``
pairwise       ``"a"``, ``"b"`` or ``"tie"``                   ``"a"``
ranking        tuple of candidate ids, best first              ``["c2", "c1", "c3"]``
boxes          sorted tuple of ``Box(label, x, y, width,       ``[{"label", "x", "y",
               height)`` in image pixels (may be empty)        "width", "height"}]``
=============  ==============================================  =========================

Box numbers are kept as written: integers stay integers, other finite numbers become floats. Two
equal boxes in one answer are both kept (the second one is a false positive against gold).
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from calibration.boxes import Box
from calibration.errors import AnswerError, Location

if TYPE_CHECKING:
    from calibration.guidelines.model import Guideline, Input, Task


class Span(NamedTuple):
    """A labeled character range ``[start, end)`` of the input text."""

    start: int
    end: int
    label: str


Answer = Any  # str | int | tuple[str, ...] | tuple[Span, ...] | tuple[Box, ...]

BOX_FIELDS = ("label", "x", "y", "width", "height")


def suggest(value: str, choices: Sequence[str]) -> str | None:
    """A 'did you mean' hint for a misspelt id, or None."""
    lowered = {c.lower(): c for c in choices}
    if value.lower() in lowered:
        return f"did you mean {lowered[value.lower()]!r}?"
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None


def _label(task: Task, value: Any) -> str:
    if not isinstance(value, str):
        raise AnswerError(
            f"expected a label id (one of {', '.join(task.label_ids)}), got {value!r}",
            hint="write the label id as a string",
        )
    if value not in task.label_ids:
        raise AnswerError(
            f"unknown label {value!r}; expected one of {', '.join(task.label_ids)}",
            hint=suggest(value, task.label_ids) or "add the label under task.labels or fix the answer",
        )
    return value


def _text_of(input: Input | None) -> str | None:
    return getattr(input, "text", None)


def _span(task: Task, raw: Any, text: str | None) -> Span:
    if isinstance(raw, list | tuple) and len(raw) == 3:
        start, end, label = raw
        raw = {"start": start, "end": end, "label": label}
    if not isinstance(raw, dict) or "label" not in raw:
        raise AnswerError(
            f"expected a span like {{text: ..., label: ...}} or [start, end, label], got {raw!r}",
            hint="give each span its text and label; add start when the text occurs more than once",
        )
    unknown = set(raw) - {"text", "label", "start", "end"}
    if unknown:
        raise AnswerError(
            f"unknown span field(s) {sorted(unknown)}; a span has text, label, start and end",
            hint="remove the extra fields",
        )
    label = _label(task, raw["label"])
    start, end, span_text = raw.get("start"), raw.get("end"), raw.get("text")
    for name, value in (("start", start), ("end", end)):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise AnswerError(f"span {name} must be a character offset (integer), got {value!r}")
    if text is None:
        if start is None or end is None:
            raise AnswerError(
                "a span needs start and end when the input text is unknown", hint="write [start, end, label]"
            )
        if not 0 <= start < end:
            raise AnswerError(f"span [{start}, {end}) is empty or negative")
        return Span(start, end, label)
    if span_text is not None:
        if not isinstance(span_text, str) or not span_text:
            raise AnswerError(f"span text must be a non-empty string, got {span_text!r}")
        if start is None:
            count = text.count(span_text)
            if count == 0:
                raise AnswerError(
                    f"span text {span_text!r} does not occur in the input",
                    hint="copy the span exactly from the input text (case and spaces matter)",
                )
            if count > 1:
                raise AnswerError(
                    f"span text {span_text!r} occurs {count} times in the input",
                    hint=f"add start: one of {_offsets(text, span_text)}",
                )
            start = text.index(span_text)
        computed_end = start + len(span_text)
        if end is not None and end != computed_end:
            raise AnswerError(f"span end {end} does not match start {start} + len(text) = {computed_end}")
        end = computed_end
        if text[start:end] != span_text:
            raise AnswerError(
                f"span text {span_text!r} is not at offset {start} (found {text[start:end]!r})",
                hint=f"the text occurs at {_offsets(text, span_text) or 'no offset'}",
            )
    if start is None or end is None:
        raise AnswerError("a span needs its text, or start and end", hint="write {text: ..., label: ...}")
    if not 0 <= start < end <= len(text):
        raise AnswerError(
            f"span [{start}, {end}) is out of bounds for a text of {len(text)} characters",
            hint="offsets count characters from 0; end is exclusive",
        )
    return Span(start, end, label)


MAX_BOX_PIXELS = 100_000_000
"""Largest box coordinate or size (pixels): beyond any image the validator accepts (50 megapixels)."""
MIN_BOX_SIZE = 0.001
"""Smallest box width or height (pixels): a box must have an area whose IoU is computable."""
MAX_BOXES = 1000
"""Most boxes in one answer: scoring pairs every box with every gold box."""


def _box_number(name: str, value: Any, raw: Any) -> float:
    if isinstance(value, np.integer | np.floating):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AnswerError(
            f"box {name} must be a number of pixels, got {value!r} in {raw!r}",
            hint="write x, y, width and height as numbers, e.g. {label: CAR, x: 10, y: 20, width: 50, height: 30}",
        )
    if isinstance(value, float) and not math.isfinite(value):
        raise AnswerError(f"box {name} must be a finite number, got {value!r}")
    if abs(value) > MAX_BOX_PIXELS:  # also an integer too large for a float
        shown = f"{value!r}" if isinstance(value, float) else f"an integer of {len(str(abs(value)))} digits"
        raise AnswerError(
            f"box {name} ({shown}) is beyond {MAX_BOX_PIXELS:,} pixels, larger than any image",
            hint="give x, y, width and height in the image's pixels",
        )
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _box(task: Task, raw: Any) -> Box:
    if isinstance(raw, list | tuple) and len(raw) == len(BOX_FIELDS):
        raw = dict(zip(BOX_FIELDS, raw, strict=True))
    if not isinstance(raw, dict):
        raise AnswerError(
            f"expected a box like {{label, x, y, width, height}}, got {raw!r}",
            hint="give each box its label and its x, y, width and height in image pixels",
        )
    unknown = sorted(set(raw) - set(BOX_FIELDS), key=str)
    if unknown:
        raise AnswerError(
            f"unknown box field(s) {unknown}; a box has label, x, y, width and height",
            hint=suggest(str(unknown[0]), BOX_FIELDS) or "remove the extra fields",
        )
    missing = [name for name in BOX_FIELDS if name not in raw]
    if missing:
        raise AnswerError(
            f"box {raw!r} misses {', '.join(missing)}",
            hint="a box has label, x, y (top-left corner), width and height in image pixels",
        )
    label = _label(task, raw["label"])
    x, y, width, height = (_box_number(name, raw[name], raw) for name in BOX_FIELDS[1:])
    if x < 0 or y < 0:
        raise AnswerError(
            f"box corner ({x}, {y}) is outside the image",
            hint="x and y are the top-left corner in pixels from the image's top-left, 0 or more",
        )
    if width < MIN_BOX_SIZE or height < MIN_BOX_SIZE:
        raise AnswerError(
            f"box of width {width} and height {height} is empty",
            hint="width and height must be positive"
            if min(width, height) <= 0
            else f"width and height must be at least {MIN_BOX_SIZE} pixel",
        )
    return Box(label, x, y, width, height)


def _offsets(text: str, needle: str) -> list[int]:
    found, at = [], text.find(needle)
    while at != -1:
        found.append(at)
        at = text.find(needle, at + 1)
    return found


def parse_answer(task: Task, raw: Any, input: Input | None = None) -> Answer:
    """Check a raw answer (from YAML, JSON, a form) against the task and return its canonical form.

    Args:
        task: the guideline's task (type, labels, scale ...).
        raw: the answer as written by a person or a tool.
        input: the item's input; needed to resolve spans given by text and to check ranking ids.

    Returns:
        The canonical answer (see the module docstring).

    Raises:
        AnswerError: the answer is not valid for the task, with a hint.
    """
    kind = task.type
    if raw is None:
        raise AnswerError("the answer is missing", hint="give an answer or leave the item out")
    if kind == "single_label":
        return _label(task, raw)
    if kind == "multi_label":
        values = [raw] if isinstance(raw, str) else raw
        if not isinstance(values, list | tuple):
            raise AnswerError(f"expected a list of label ids, got {raw!r}")
        labels = [_label(task, v) for v in values]
        if len(set(labels)) != len(labels):
            raise AnswerError(f"labels repeat in {list(labels)}", hint="list each label once")
        return tuple(sorted(labels))
    if kind == "span":
        if not isinstance(raw, list | tuple):
            raise AnswerError(f"expected a list of spans, got {raw!r}", hint="write [] for no spans")
        spans = tuple(sorted({_span(task, s, _text_of(input)) for s in raw}))
        return spans
    if kind == "rating":
        assert task.scale is not None
        value = raw
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value.strip())
        if not isinstance(value, int) or isinstance(value, bool):
            raise AnswerError(f"expected an integer rating, got {raw!r}")
        if not task.scale.min <= value <= task.scale.max:
            raise AnswerError(
                f"rating {value} is off the scale {task.scale.min}..{task.scale.max}",
                hint=f"use an integer from {task.scale.min} to {task.scale.max}",
            )
        return value
    if kind == "pairwise":
        allowed = ["a", "b", "tie"] if task.allow_tie else ["a", "b"]
        value = raw.lower() if isinstance(raw, str) else raw
        if value not in allowed:
            hint = "this task does not allow ties" if value == "tie" else None
            raise AnswerError(f"expected one of {', '.join(allowed)}, got {raw!r}", hint=hint)
        return value
    if kind == "ranking":
        if not isinstance(raw, list | tuple) or not all(isinstance(v, str) for v in raw):
            raise AnswerError(f"expected a list of candidate ids, best first, got {raw!r}")
        expected = list(getattr(input, "candidates", {}) or [])
        if expected and sorted(raw) != sorted(expected):
            raise AnswerError(
                f"ranking {list(raw)} is not a permutation of the candidates {expected}",
                hint="list every candidate id exactly once",
            )
        if not expected and len(set(raw)) != len(raw):
            raise AnswerError(f"ranking {list(raw)} repeats a candidate")
        if task.candidates is not None and len(raw) != task.candidates:
            raise AnswerError(f"ranking has {len(raw)} candidates; the task has {task.candidates}")
        return tuple(raw)
    if kind == "boxes":
        if not isinstance(raw, list | tuple):
            raise AnswerError(
                f"expected a list of boxes, got {raw!r}", hint="write [] when there is nothing to box"
            )
        if len(raw) > MAX_BOXES:
            raise AnswerError(
                f"{len(raw)} boxes in one answer; at most {MAX_BOXES} are accepted",
                hint="an image with more objects than that needs another task design (e.g. tiles)",
            )
        return tuple(sorted(_box(task, b) for b in raw))
    raise AnswerError(f"unknown task type {kind!r}")


def answer_to_json(task_type: str, answer: Answer, text: str | None = None) -> Any:
    """The JSON form of a canonical answer (spans gain their text when `text` is given)."""
    if task_type == "boxes":
        return [Box(*b).to_json() if isinstance(b, tuple) else dict(b) for b in answer]
    if task_type == "span":
        out = []
        for s in answer:
            span = {"start": s[0], "end": s[1], "label": s[2]}
            if text is not None:
                span["text"] = text[s[0] : s[1]]
            out.append(span)
        return out
    if isinstance(answer, tuple):
        return list(answer)
    return answer


def dump_cell(task_type: str, answer: Answer) -> str:
    """One CSV cell for an answer: plain text for labels and choices, JSON for structured answers."""
    value = answer_to_json(task_type, answer)
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def load_cell(cell: Any) -> Any:
    """The raw answer written in a CSV cell: JSON when it parses as a list, object or number, else text."""
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return None
    if not isinstance(cell, str):
        return cell
    text = cell.strip()
    if not text:
        return None
    if text[0] in '[{"' or text.lstrip("-").replace(".", "", 1).isdigit():
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            if text[0] in "[{":
                raise AnswerError(
                    f"cell {text[:40]!r} looks like JSON but does not parse",
                    hint='structured answers are JSON, e.g. ["A", "B"]',
                ) from None
    return text


MAX_COMMENT = 5000
"""Longest comment kept with an answer (characters); the quiz form says the same limit."""


def check_answer_extras(
    guideline: Guideline, confidence: Any, cited_rule: Any, comment: Any, seconds: Any
) -> tuple[int | None, str | None, str | None, float | None]:
    """The extras of an answer, checked: every path that stores answers (quiz, imports) calls this.

    Returns:
        ``(confidence 1-5 or None, a rule id of the guideline or None, stripped comment or None,
        seconds >= 0 as float or None)``.

    Raises:
        AnswerError: naming the field (confidence, cited_rule, comment, seconds).
    """
    if confidence is not None and (
        isinstance(confidence, bool) or not isinstance(confidence, int) or not 1 <= confidence <= 5
    ):
        raise AnswerError(
            f"confidence must be an integer from 1 to 5, got {confidence!r}",
            location=Location(field="confidence"),
        )
    if cited_rule is not None:
        cited_rule = str(cited_rule)
        if cited_rule not in guideline.rule_ids:
            raise AnswerError(
                f"unknown rule {cited_rule!r}; expected one of {', '.join(guideline.rule_ids)}",
                location=Location(field="cited_rule"),
                hint=suggest(cited_rule, guideline.rule_ids),
            )
    if comment is not None:
        comment = str(comment).strip() or None
        if comment is not None and len(comment) > MAX_COMMENT:
            raise AnswerError(
                f"the comment has {len(comment)} characters; it can have at most {MAX_COMMENT}",
                location=Location(field="comment"),
                hint="shorten it (nothing was saved; what you typed is still there)",
            )
    if seconds is not None:
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, int | float)
            or not math.isfinite(seconds)
            or seconds < 0
        ):
            raise AnswerError(
                f"seconds must be a non-negative number, got {seconds!r}", location=Location(field="seconds")
            )
        seconds = float(seconds)
    return confidence, cited_rule, comment, seconds
