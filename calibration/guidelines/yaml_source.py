"""Safe YAML reading with positions: bytes -> text -> nodes -> plain Python values and a source map.

PyYAML is used only to *compose* the document into nodes (with `yaml.SafeLoader`); Python values are
built here from the nodes, so that we can refuse what PyYAML silently accepts (duplicate keys), refuse
aliases (anchor bombs), refuse every non-standard tag, and remember where each value came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from calibration.errors import Location, Problem

MAX_FILE_BYTES = 5 * 1024 * 1024
"""Largest guideline or items file accepted (5 MB): bigger files are refused before parsing."""

MAX_DEPTH = 64
"""Deepest nesting of mappings and lists accepted; a guideline needs fewer than ten levels."""

FieldPath = tuple[str | int, ...]

_SAFE_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"


@dataclass(frozen=True)
class Position:
    """Where a value starts: file, 1-based line and column."""

    path: str | None
    line: int
    column: int


@dataclass
class SourceMap:
    """Positions of values and of mapping keys by field path, e.g. ``("rules", 2, "text")``."""

    values: dict[FieldPath, Position] = field(default_factory=dict)
    keys: dict[FieldPath, Position] = field(default_factory=dict)

    def locate(self, path: FieldPath, *, key: bool = False) -> Position | None:
        """The position of `path` (its key when `key`), else of its nearest known ancestor."""
        if key and path in self.keys:
            return self.keys[path]
        for end in range(len(path), -1, -1):
            found = self.values.get(path[:end])
            if found is not None:
                return found
        return None


def format_field(path: FieldPath) -> str:
    """``("rules", 2, "examples", 0, "answer")`` -> ``rules[2].examples[0].answer``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def problem_at(
    message: str,
    where: Position | None,
    field_path: FieldPath | None,
    hint: str | None = None,
    code: str = "invalid",
) -> Problem:
    location = Location(
        path=where.path if where else None,
        line=where.line if where else None,
        column=where.column if where else None,
        field=format_field(field_path) if field_path else None,
    )
    return Problem(message, location, hint, code=code)


def _pos(node: Node, path: str | None) -> Position:
    return Position(path, node.start_mark.line + 1, node.start_mark.column + 1)


# --------------------------------------------------------------------------- bytes -> text


def decode_bytes(data: bytes, path: str | None, size: int | None = None) -> tuple[str | None, list[Problem]]:
    size = len(data) if size is None else size
    if size > MAX_FILE_BYTES:
        size_mb = size / 1024 / 1024
        return None, [
            problem_at(
                f"file is {size_mb:.1f} MB; the limit is {MAX_FILE_BYTES // 1024 // 1024} MB",
                Position(path, 1, 1),
                None,
                "move a large quiz bank into a JSONL file named by items_file, or split the guideline",
                code="too_large",
            )
        ]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        before = data[: error.start]
        line = before.count(b"\n") + 1
        line_start = before.rfind(b"\n") + 1
        column = len(before[line_start:].decode("utf-8", errors="replace")) + 1
        return None, [
            problem_at(
                f"file is not UTF-8: byte 0x{data[error.start]:02x} at offset {error.start} is invalid",
                Position(path, line, column),
                None,
                "save the file as UTF-8 (it looks like latin-1 or another legacy encoding)",
                code="encoding",
            )
        ]
    return text.removeprefix("\ufeff"), []


# --------------------------------------------------------------------------- text -> nodes


class _NoAliasLoader(yaml.SafeLoader):
    """A SafeLoader whose composer replaces aliases by null and records them, so no bomb can expand."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.aliases: list[yaml.events.AliasEvent] = []

    def compose_node(self, parent: Node | None, index: object) -> Node:  # type: ignore[override]
        if self.check_event(yaml.events.AliasEvent):
            event = self.get_event()
            self.aliases.append(event)
            return ScalarNode("tag:yaml.org,2002:null", "", event.start_mark, event.end_mark)
        return super().compose_node(parent, index)  # type: ignore[arg-type]


def _compose(text: str, path: str | None) -> tuple[Node | None, list[Problem]]:
    loader = _NoAliasLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = Position(path, mark.line + 1, mark.column + 1) if mark else Position(path, 1, 1)
        what = error.problem or "invalid YAML"
        if error.context:
            what = f"{what} ({error.context}"
            if error.context_mark and error.context_mark is not mark:
                what += f" at line {error.context_mark.line + 1}"
            what += ")"
        hint = None
        if "flow" in (error.context or ""):
            hint = "inside [...] or {...}, put texts that contain ',', ':', '?', '#' or brackets in quotes"
        return None, [problem_at(f"YAML syntax error: {what}", where, None, hint, code="yaml_syntax")]
    except yaml.YAMLError as error:
        return None, [problem_at(f"YAML error: {error}", Position(path, 1, 1), None, code="yaml_syntax")]
    except RecursionError:
        return None, [
            problem_at(
                f"YAML nesting is too deep (more than {MAX_DEPTH} levels)",
                Position(path, 1, 1),
                None,
                code="too_deep",
            )
        ]
    finally:
        loader.dispose()
    if loader.aliases:
        first = loader.aliases[0]
        count = len(loader.aliases)
        return None, [
            problem_at(
                f"YAML aliases are not allowed (found {count}: *{first.anchor}"
                + (" and others" if count > 1 else "")
                + ")",
                Position(path, first.start_mark.line + 1, first.start_mark.column + 1),
                None,
                "write the value out in full; anchors and aliases can expand exponentially",
                code="alias",
            )
        ]
    return node, []


# --------------------------------------------------------------------------- nodes -> Python values


def _tag_name(tag: str) -> str:
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag


class _Builder:
    """Builds plain Python values from nodes, recording positions and problems."""

    def __init__(self, path: str | None, source_map: SourceMap, prefix: FieldPath = ()) -> None:
        self.path = path
        self.map = source_map
        self.prefix = prefix
        self.problems: list[Problem] = []
        self._scalars = yaml.constructor.SafeConstructor()

    def build(self, node: Node, at: FieldPath, depth: int = 0) -> Any:
        self.map.values[self.prefix + at] = _pos(node, self.path)
        if depth > MAX_DEPTH:
            self._add(f"nesting is too deep (more than {MAX_DEPTH} levels)", node, at, None, "too_deep")
            return None
        if isinstance(node, MappingNode):
            if node.tag != _MAP_TAG:
                return self._bad_tag(node, at)
            return self._mapping(node, at, depth)
        if isinstance(node, SequenceNode):
            if node.tag != _SEQ_TAG:
                return self._bad_tag(node, at)
            return [self.build(child, (*at, i), depth + 1) for i, child in enumerate(node.value)]
        if node.tag not in _SAFE_TAGS:
            return self._bad_tag(node, at)
        try:
            return self._scalars.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError) as error:
            what = "date" if node.tag.endswith(":timestamp") else _tag_name(node.tag) + " value"
            self._add(f"invalid {what} {node.value!r}: {error}", node, at, None)
            return None

    def _mapping(self, node: MappingNode, at: FieldPath, depth: int) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        first_seen: dict[Any, Node] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self._add(
                    "YAML merge keys (<<) are not allowed",
                    key_node,
                    at,
                    "write the fields out in full",
                    "alias",
                )
                continue
            if not isinstance(key_node, ScalarNode) or key_node.tag not in _SAFE_TAGS:
                self._add("mapping keys must be plain values (text or numbers)", key_node, at, None)
                continue
            key = self._scalars.construct_object(key_node)
            if key in first_seen:
                first = first_seen[key]
                self._add(
                    f"duplicate key {key!r} (first defined at line {first.start_mark.line + 1})",
                    key_node,
                    (*at, key),
                    "remove one of them; YAML would silently keep only the last",
                    "duplicate_key",
                )
                continue
            first_seen[key] = key_node
            self.map.keys[(*self.prefix, *at, key)] = _pos(key_node, self.path)
            out[key] = self.build(value_node, (*at, key), depth + 1)
        return out

    def _bad_tag(self, node: Node, at: FieldPath) -> None:
        self._add(
            f"tag {_tag_name(node.tag)} is not allowed; only plain YAML values are loaded (safe loading)",
            node,
            at,
            "remove the tag",
            "unsafe_tag",
        )
        return None

    def _add(self, message: str, node: Node, at: FieldPath, hint: str | None, code: str = "invalid") -> None:
        self.problems.append(problem_at(message, _pos(node, self.path), self.prefix + at, hint, code))


def read_yaml(
    text: str, path: str | None = None, prefix: FieldPath = (), source_map: SourceMap | None = None
) -> tuple[Any, SourceMap, list[Problem]]:
    """Parse YAML text safely into plain values with positions.

    Args:
        text: the YAML document.
        path: file name used in positions.
        prefix: field path prepended to every recorded path (for items files).
        source_map: a map to extend (default: a new one).

    Returns:
        ``(value, source map, problems)``; value is None when the text cannot be parsed.
    """
    source_map = source_map if source_map is not None else SourceMap()
    node, problems = _compose(text, path)
    if problems or node is None:
        return None, source_map, problems
    builder = _Builder(path, source_map, prefix)
    value = builder.build(node, ())
    return value, source_map, builder.problems


_FIELD_PART = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


def parse_field(field_path: str) -> FieldPath:
    """``rules[2].examples[0].answer`` -> ``("rules", 2, "examples", 0, "answer")`` (inverse of format_field)."""
    return tuple(int(index) if index else name for index, name in _FIELD_PART.findall(field_path))


class GuidelineDumper(yaml.SafeDumper):
    """A safe YAML dumper that writes texts holding Unicode line breaks (NEL, LS, PS) double-quoted.

    PyYAML's plain and single-quoted styles fold these characters into spaces when `allow_unicode`
    is set, so the text would not load back unchanged.
    """


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    if any(c in value for c in "\x85\u2028\u2029"):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    return dumper.represent_str(value)


GuidelineDumper.add_representer(str, _represent_str)
