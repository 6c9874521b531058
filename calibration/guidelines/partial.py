"""Cross-field checks of a guideline that also has structural errors, so that all problems come at once.

Pydantic runs `Guideline.problems()` only on a structurally valid guideline. To report, say, an unknown
label in an example of a file whose `version` is malformed, the broken parts are set aside (a bad item,
example, label or changelog entry is dropped; a bad top-level value is reset; an unknown field is
removed), the rest is validated, and the cross-field findings are mapped back to the original indices.
When the broken part cannot be set aside (a broken rule or task), no cross-field check is made.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from calibration.guidelines.model import Guideline
from calibration.guidelines.yaml_source import FieldPath, format_field, parse_field

Found = tuple[FieldPath, str, str | None]

_DELETE = object()
_RESETS: dict[str, Any] = {
    "format": 1,
    "id": "guideline",
    "version": "0.0.0",
    "title": "untitled",
    "summary": _DELETE,
    "owners": _DELETE,
    "changelog": _DELETE,
    "calibration": _DELETE,
    "items": _DELETE,
    "items_file": _DELETE,
}
_MEMBERS = frozenset({"TextInput", "PairInput", "RankingInput"})


def _droppable(path: FieldPath) -> tuple[FieldPath, int] | None:
    """The list and index of the entry that holds `path`, when such an entry can be left out."""
    if len(path) >= 2 and path[0] in ("items", "changelog") and isinstance(path[1], int):
        return (path[0],), path[1]
    if len(path) >= 3 and path[:2] == ("task", "labels") and isinstance(path[2], int):
        return ("task", "labels"), path[2]
    if (
        len(path) >= 4
        and path[0] == "rules"
        and isinstance(path[1], int)
        and path[2] in ("examples", "edge_cases")
        and isinstance(path[3], int)
    ):
        return path[:3], path[3]
    return None


def _get(data: Any, path: FieldPath) -> Any:
    for part in path:
        data = data[part]
    return data


def _copy_along(data: dict[str, Any], path: FieldPath) -> Any:
    """Shallow-copy the containers along `path` in `data` (in place of the originals) and return the last."""
    node: Any = data
    for part in path:
        child = node[part]
        node[part] = dict(child) if isinstance(child, dict) else list(child)
        node = node[part]
    return node


def _plan(
    errors: list[tuple[str, FieldPath]],
) -> tuple[dict[FieldPath, set[int]], set[str], list[FieldPath]] | None:
    drops: dict[FieldPath, set[int]] = {}
    resets: set[str] = set()
    extras: list[FieldPath] = []
    for kind, path in errors:
        entry = _droppable(path)
        if entry is not None:
            drops.setdefault(entry[0], set()).add(entry[1])
        elif kind == "extra_forbidden":
            extras.append(path)
        elif path and path[0] in _RESETS:
            resets.add(str(path[0]))
        else:
            return None
    return drops, resets, extras


def cross_problems_despite(error: ValidationError, data: dict[str, Any]) -> list[Found]:
    """Cross-field problems of the parts of `data` that are structurally valid, in original field paths.

    Args:
        error: the structural errors pydantic found in `data`.
        data: the guideline data (plain values from YAML).

    Returns:
        ``(field path, message, hint)`` like `Guideline.problems()`; empty when nothing can be checked.
    """
    errors = [
        (e["type"], tuple(p for p in e["loc"] if p not in _MEMBERS and p != "[key]")) for e in error.errors()
    ]
    plan = _plan(errors)
    if plan is None:
        return []
    drops, resets, extras = plan
    repaired = dict(data)
    for path in extras:
        try:
            _copy_along(repaired, path[:-1]).pop(path[-1], None)
        except (KeyError, IndexError, TypeError, AttributeError):
            return []
    for key in resets:
        if _RESETS[key] is _DELETE:
            repaired.pop(key, None)
        else:
            repaired[key] = _RESETS[key]
    kept: dict[FieldPath, list[int]] = {}
    for at, dropped in drops.items():
        if at[0] in resets:
            continue
        try:
            entries = _get(repaired, at)
            container = _copy_along(repaired, at[:-1])
        except (KeyError, IndexError, TypeError):
            return []
        kept[at] = [i for i in range(len(entries)) if i not in dropped]
        container[at[-1]] = [entries[i] for i in kept[at]]
    found: list[Found] = []
    try:
        Guideline.model_validate(repaired, context={"problems": found})
    except ValidationError:
        return []
    return [(_original(at, kept), _original_message(message, kept), hint) for at, message, hint in found]


def _original(path: FieldPath, kept: dict[FieldPath, list[int]]) -> FieldPath:
    out = list(path)
    for prefix, indices in sorted(kept.items(), key=lambda item: len(item[0])):
        n = len(prefix)
        at = out[n] if len(out) > n else None
        if tuple(out[:n]) == prefix and isinstance(at, int):
            out[n] = indices[at]
    return tuple(out)


_FIRST_USED = re.compile(r"\(first used at ([^)]+)\)")


def _original_message(message: str, kept: dict[FieldPath, list[int]]) -> str:
    return _FIRST_USED.sub(
        lambda m: f"(first used at {format_field(_original(parse_field(m.group(1)), kept))})", message
    )
