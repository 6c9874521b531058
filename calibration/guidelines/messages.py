"""Pydantic validation errors -> clear, located guideline problems ("unknown field 'lables' ... did you mean")."""

from __future__ import annotations

import re
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from calibration.answers import suggest
from calibration.errors import Location, Problem
from calibration.guidelines.checks import _INPUT_KIND, _INPUT_SHAPE
from calibration.guidelines.model import Guideline
from calibration.guidelines.yaml_source import FieldPath, Position, SourceMap, format_field

_UNION_MEMBERS = frozenset(_INPUT_SHAPE)

MAX_PROBLEMS = 500
"""Structural problems reported per file at most; the rest are counted in one last message."""


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _unwrap(tp: Any, part: str | int | None = None) -> Any:
    """Strip Optional/Union: pick the member named `part` when it names one, else the only non-None one."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(tp) if a is not type(None)]
        for member in members:
            if getattr(member, "__name__", None) == part:
                return member
        if len(members) == 1:
            return members[0]
    return tp


def _model_at(loc: tuple[str | int, ...]) -> type[BaseModel] | None:
    """The model class that holds the fields at `loc` (a pydantic loc, union members included)."""
    tp: Any = Guideline
    for part in loc:
        unwrapped = _unwrap(tp, part)
        if unwrapped is not tp and getattr(unwrapped, "__name__", None) == part:
            tp = unwrapped
            continue
        tp = unwrapped
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            info = tp.model_fields.get(str(part))
            if info is None:
                return None
            tp = info.annotation
        elif typing.get_origin(tp) is list:
            tp = typing.get_args(tp)[0]
        elif typing.get_origin(tp) is dict:
            tp = typing.get_args(tp)[1]
        else:
            return None
    tp = _unwrap(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _expected_member(data: Any) -> str | None:
    task = data.get("task") if isinstance(data, dict) else None
    kind = task.get("type") if isinstance(task, dict) else None
    return _INPUT_KIND.get(kind) if isinstance(kind, str) else None


_VALIDATED_MEMBER = re.compile(r"^function-(?:after|before|wrap|plain)\[.*?(\w+)\]+$")


def _plain_members(error: ErrorDetails) -> ErrorDetails:
    """Name a union member by its model even when validators wrap it (``function-after[..., TextInput]``)."""
    loc = tuple(
        match.group(1) if isinstance(part, str) and (match := _VALIDATED_MEMBER.match(part)) else part
        for part in error["loc"]
    )
    plain = error.copy()
    plain["loc"] = loc
    return plain


def _pick_union_members(errors: list[ErrorDetails], expected: str | None) -> list[ErrorDetails]:
    """Keep, for each union-typed input, only the errors of the member the task expects (or the closest)."""
    groups: dict[tuple[Any, ...], dict[str, int]] = {}
    for error in errors:
        loc = error["loc"]
        for k, part in enumerate(loc):
            if part in _UNION_MEMBERS:
                counts = groups.setdefault(loc[:k], {})
                counts[part] = counts.get(part, 0) + 1
                break
    chosen = {
        prefix: expected if expected in counts else min(counts, key=lambda m: counts[m])
        for prefix, counts in groups.items()
    }
    kept: list[ErrorDetails] = []
    for error in errors:
        loc = error["loc"]
        member_at = next((k for k, part in enumerate(loc) if part in _UNION_MEMBERS), None)
        if member_at is None or chosen.get(loc[:member_at]) == loc[member_at]:
            kept.append(error)
    return kept


def _choices(expected: str) -> list[str]:
    return [a or b for a, b in re.findall(r"'([^']*)'|(\b\d+\b)", expected)]


def _message(error: ErrorDetails, path: FieldPath, data: Any) -> tuple[str, str | None]:
    kind, value, ctx = error["type"], error.get("input"), error.get("ctx") or {}
    name = path[-1] if path else ""
    if kind == "extra_forbidden":
        model = _model_at(tuple(error["loc"][:-1]))
        allowed = list(model.model_fields) if model else []
        text = f"unknown field {name!r}"
        if allowed:
            text += f"; expected one of {', '.join(allowed)}"
        return text, suggest(str(name), allowed) if allowed else None
    if kind == "missing":
        return f"missing required field {name!r}", None
    if kind in ("string_type",):
        hint = None
        if isinstance(value, bool):
            hint = "YAML reads yes/no/on/off/true/false as booleans; put the value in quotes"
        elif isinstance(value, int | float):
            hint = "put the value in quotes"
        return f"expected text, got {_shown(value)}", hint
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"expected an integer, got {_shown(value)}", None
    if kind in ("float_type", "float_parsing", "finite_number"):
        return f"expected a number, got {_shown(value)}", None
    if kind in ("bool_type", "bool_parsing"):
        return f"expected true or false, got {_shown(value)}", None
    if kind == "list_type":
        return f"expected a list, got {_shown(value)}", "write one entry per line starting with '- '"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        if name == "input":
            expected = _expected_member(data)
            shape = _INPUT_SHAPE.get(expected or "", "a mapping")
            task_type = data["task"]["type"] if expected else "this"
            return f"a {task_type} task expects input as {shape}, got {_shown(value)}", None
        return f"expected a mapping of fields, got {_shown(value)}", None
    if kind == "literal_error":
        choices = _choices(str(ctx.get("expected", "")))
        return f"{_shown(value)} is not allowed; expected {ctx.get('expected')}", (
            suggest(str(value), choices) if choices else None
        )
    if kind == "string_pattern_mismatch":
        if ctx.get("pattern", "").startswith("^[a-z0-9]"):
            rule = "lowercase letters, digits, '_' or '-', starting with a letter or digit"
        else:
            rule = "letters, digits, '_', '.', ':' or '-', starting with a letter or digit"
        return f"{_shown(value)} is not a valid id; use {rule}", None
    if kind in ("greater_than_equal", "greater_than"):
        bound = ctx.get("ge", ctx.get("gt"))
        return f"must be at least {bound}, got {_shown(value)}", None
    if kind in ("less_than_equal", "less_than"):
        bound = ctx.get("le", ctx.get("lt"))
        return f"must be at most {bound}, got {_shown(value)}", None
    if kind == "too_short":
        least = ctx.get("min_length", 1)
        return (
            f"needs at least {least} {'entry' if least == 1 else 'entries'}, got {ctx.get('actual_length', 0)}",
            None,
        )
    if kind.startswith("date") or kind.startswith("datetime"):
        detail = f" ({ctx['error']})" if ctx.get("error") else ""
        return f"expected a date as YYYY-MM-DD, got {_shown(value)}{detail}", None
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, "), None
    message = str(error["msg"])
    return message[:1].lower() + message[1:], None


def translate_errors(error: ValidationError, data: Any, source_map: SourceMap) -> list[Problem]:
    """Turn a pydantic `ValidationError` on guideline data into located problems, one per finding.

    Args:
        error: raised by ``Guideline.model_validate(data)``.
        data: the validated data (used to pick the input shape the task type expects).
        source_map: positions of the data's fields.

    Returns:
        Problems with path, line, column, field path and a hint where one helps.
    """
    errors = _pick_union_members(
        [_plain_members(e) for e in error.errors(include_url=False)], _expected_member(data)
    )
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for count, found in enumerate(errors):
        if count == MAX_PROBLEMS:
            problems.append(
                Problem(
                    f"... and {len(errors) - count:,} more problems like these",
                    Location(path=next((p.location.path for p in problems if p.location.path), None)),
                    "fix the problems above and validate again",
                    code="truncated",
                )
            )
            break
        path: FieldPath = tuple(p for p in found["loc"] if p not in _UNION_MEMBERS and p != "[key]")
        message, hint = _message(found, path, data)
        if "[key]" in found["loc"]:
            message = f"key {_shown(path[-1])}: {message}"
        if found["type"] == "missing":
            where: Position | None = source_map.locate(path[:-1])
        else:
            where = source_map.locate(path, key=found["type"] == "extra_forbidden")
        field = format_field(path)
        if (field, message) in seen:
            continue
        seen.add((field, message))
        location = Location(
            path=where.path if where else None,
            line=where.line if where else None,
            column=where.column if where else None,
            field=field or None,
        )
        problems.append(Problem(message, location, hint, code=found["type"]))
    return problems
