"""Cross-field checks of a guideline: duplicate ids, unknown references, answers invalid for the task."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from calibration.answers import parse_answer, suggest
from calibration.errors import AnswerError, CalibrationError
from calibration.guidelines.basics import LABEL_TASKS, version_key
from calibration.tokens import boundary_problem, snap

if TYPE_CHECKING:
    from calibration.guidelines.model import Example, Guideline

Path = tuple[str | int, ...]
Found = tuple[Path, str, str | None]

_INPUT_KIND = {
    "single_label": "TextInput",
    "multi_label": "TextInput",
    "span": "TextInput",
    "rating": "TextInput",
    "pairwise": "PairInput",
    "ranking": "RankingInput",
    "boxes": "TextInput",
}
_INPUT_SHAPE = {
    "TextInput": "a text (or {text, image, alt, context, metadata})",
    "PairInput": "{prompt, a, b}",
    "RankingInput": "{prompt, candidates: {id: text}}",
}


def _duplicates(ids: Iterable[tuple[Path, str | None]], what: str) -> list[Found]:
    seen: dict[str, Path] = {}
    found: list[Found] = []
    for path, value in ids:
        if value is None:
            continue
        if value in seen:
            first = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in seen[value]).lstrip(".")
            found.append(
                (path, f"duplicate {what} id {value!r} (first used at {first})", "ids must be unique")
            )
        else:
            seen[value] = path
    return found


def _examples(guideline: Guideline) -> Iterable[tuple[Path, Example]]:
    for r, rule in enumerate(guideline.rules):
        for kind in ("examples", "edge_cases"):
            for e, example in enumerate(getattr(rule, kind)):
                yield ("rules", r, kind, e), example


def guideline_problems(guideline: Guideline) -> list[Found]:
    """Every cross-field problem of `guideline`, as ``(field path, message, hint)``."""
    task = guideline.task
    found: list[Found] = []
    found += _duplicates(((("task", "labels", i, "id"), lb.id) for i, lb in enumerate(task.labels)), "label")
    found += _duplicates(((("rules", i, "id"), r.id) for i, r in enumerate(guideline.rules)), "rule")
    found += _duplicates(((("items", i, "id"), it.id) for i, it in enumerate(guideline.items)), "item")
    found += _duplicates((((*path, "id"), ex.id) for path, ex in _examples(guideline)), "example")

    rule_ids = guideline.rule_ids
    for r, rule in enumerate(guideline.rules):
        for j, label in enumerate(rule.labels):
            if label not in task.label_ids:
                found.append(
                    (
                        ("rules", r, "labels", j),
                        f"rule {rule.id!r} governs unknown label {label!r}",
                        suggest(label, task.label_ids) or "declare the label under task.labels",
                    )
                )
        if rule.labels and task.type not in LABEL_TASKS:
            found.append((("rules", r, "labels"), f"a {task.type} task has no labels to govern", None))

    expected_kind = _INPUT_KIND[task.type]
    for path, example in _examples(guideline):
        found += _check_answer(guideline, path, example.input, example.answer, expected_kind)
    for i, item in enumerate(guideline.items):
        for j, rule_id in enumerate(item.rules):
            if rule_id not in rule_ids:
                found.append(
                    (
                        ("items", i, "rules", j),
                        f"item {item.id!r} exercises unknown rule {rule_id!r}",
                        suggest(rule_id, rule_ids) or "use the id of a rule under rules",
                    )
                )
        if item.answer is not None:
            found += _check_answer(guideline, ("items", i), item.input, item.answer, expected_kind)
        else:
            found += _check_input(guideline, ("items", i), item.input, expected_kind)

    found += _changelog_problems(guideline)
    return found


def _changelog_problems(guideline: Guideline) -> list[Found]:
    """Rule ids in changelog entries that name no rule of this version.

    A rule that a version removed or renamed is no longer under ``rules``, yet its entry must name it
    (``calibration diff`` asks for every changed rule). So an id is accepted when a rule has it, when
    the entry's own ``changes`` text names it (``Removed R-OLD ...``), or when a newer entry names it
    (that entry records the removal and is checked itself). Anything else is a typo.
    """
    rule_ids = guideline.rule_ids

    def key(version: str) -> tuple[object, ...]:
        try:
            return version_key(version)
        except CalibrationError:  # reported on the entry's version already
            return ()

    found: list[Found] = []
    for c, entry in enumerate(guideline.changelog):
        newer = {
            rule_id
            for other in guideline.changelog
            if key(other.version) > key(entry.version)
            for rule_id in other.rules
        }
        for j, rule_id in enumerate(entry.rules):
            in_words = re.search(rf"(?<![\w-]){re.escape(rule_id)}(?![\w-])", entry.changes)
            if rule_id in rule_ids or rule_id in newer or in_words:
                continue
            found.append(
                (
                    ("changelog", c, "rules", j),
                    f"the changelog entry for {entry.version} names unknown rule {rule_id!r}",
                    suggest(rule_id, rule_ids)
                    or "use the id of a rule under rules; name a removed rule in the entry's changes text too",
                )
            )
    return found


def _check_input(guideline: Guideline, path: Path, input: object, expected_kind: str) -> list[Found]:
    task = guideline.task
    kind = type(input).__name__
    if kind != expected_kind:
        return [
            (
                (*path, "input"),
                f"a {task.type} task expects input as {_INPUT_SHAPE[expected_kind]}, got {_INPUT_SHAPE[kind]}",
                None,
            )
        ]
    if task.type == "boxes" and getattr(input, "image", None) is None:
        return [
            (
                (*path, "input"),
                "a boxes task needs an image on every input",
                "write input: {image: images/photo.png, alt: a short description of the image}",
            )
        ]
    if task.type == "span" and not getattr(input, "text", ""):
        return [((*path, "input", "text"), "a span task needs a text to mark spans in", None)]
    candidates = getattr(input, "candidates", None)
    if candidates is not None and task.candidates is not None and len(candidates) != task.candidates:
        return [
            (
                (*path, "input", "candidates"),
                f"{len(candidates)} candidates given; the task declares {task.candidates}",
                "set task.candidates or give that many candidates",
            )
        ]
    return []


def _check_answer(
    guideline: Guideline, path: Path, input: object, answer: object, expected_kind: str
) -> list[Found]:
    problems = _check_input(guideline, path, input, expected_kind)
    if problems:
        return problems
    if guideline.task.type in ("span", "boxes") and isinstance(answer, list):
        # each span or box is checked on its own, so that a problem points at it, not at the list
        for k, span in enumerate(answer):
            try:
                parse_answer(guideline.task, [span], input)  # type: ignore[arg-type]
            except AnswerError as error:
                problems.append(((*path, "answer", k), error.message, error.hint))
        if problems:
            return problems
    try:
        parse_answer(guideline.task, answer, input)  # type: ignore[arg-type]
    except AnswerError as error:
        return [((*path, "answer"), error.message, error.hint)]
    return []


def span_boundary_problems(guideline: Guideline) -> list[Found]:
    """Gold spans (items, examples, edge cases) an annotator could not select: not on token boundaries.

    The quiz selects whole tokens (`calibration.tokens`), so such a gold span could never be
    answered right. Each problem's path is the span's ``text`` when it has one, else the span.
    Answers that do not parse are left to `guideline_problems`.
    """
    task = guideline.task
    if task.type != "span":
        return []
    golds: list[tuple[Path, object, object]] = [
        (path, ex.input, ex.answer) for path, ex in _examples(guideline)
    ]
    golds += [(("items", i), item.input, item.answer) for i, item in enumerate(guideline.items)]
    found: list[Found] = []
    for path, input, answer in golds:
        text = getattr(input, "text", None)
        if not isinstance(text, str) or not isinstance(answer, list | tuple):
            continue
        for j, raw in enumerate(answer):
            try:
                ((start, end, label),) = parse_answer(task, [raw], input)  # type: ignore[arg-type]
            except (AnswerError, ValueError):
                continue
            reason = boundary_problem(text, start, end)
            if reason is None:
                continue
            at: Path = (
                (*path, "answer", j, "text")
                if isinstance(raw, dict) and "text" in raw
                else (*path, "answer", j)
            )
            snapped = snap(text, start, end)
            hint = "the quiz selects whole tokens (words, emails and ids such as ACC-123; each other symbol alone)"
            if snapped is not None:
                hint += f": mark {text[snapped[0] : snapped[1]]!r} instead"
            found.append(
                (at, f"gold span {text[start:end]!r} ({label}) cannot be selected: it {reason}", hint)
            )
    return found
