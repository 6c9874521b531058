"""YAML text or file -> Guideline, keeping the line and column of every node and reporting all problems at once.

PyYAML is used only to *compose* the document into nodes (with `yaml.SafeLoader`); Python values are
built here from the nodes, so that the loader can refuse what PyYAML silently accepts (duplicate keys),
refuse aliases (anchor bombs), refuse every non-standard tag, and remember where each value came from.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from calibration.errors import GuidelineError, Location, Problem
from calibration.guidelines.model import SEMVER, Guideline

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


@dataclass(frozen=True)
class LoadedGuideline:
    """A valid guideline with the file it came from and the positions of its fields."""

    guideline: Guideline
    path: str | None
    source_map: SourceMap


def format_field(path: FieldPath) -> str:
    """``("rules", 2, "examples", 0, "answer")`` -> ``rules[2].examples[0].answer``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _problem(
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


def _decode(data: bytes, path: str | None, size: int | None = None) -> tuple[str | None, list[Problem]]:
    size = len(data) if size is None else size
    if size > MAX_FILE_BYTES:
        size_mb = size / 1024 / 1024
        return None, [
            _problem(
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
            _problem(
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
        return None, [_problem(f"YAML syntax error: {what}", where, None, hint, code="yaml_syntax")]
    except yaml.YAMLError as error:
        return None, [_problem(f"YAML error: {error}", Position(path, 1, 1), None, code="yaml_syntax")]
    except RecursionError:
        return None, [
            _problem(
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
            _problem(
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
        self.problems.append(_problem(message, _pos(node, self.path), self.prefix + at, hint, code))


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


# --------------------------------------------------------------------------- items_file


def _read_items_file(
    name: Any, base: Path | None, where: Position | None, start: int, source_map: SourceMap
) -> tuple[list[Any], list[Problem]]:
    here: FieldPath = ("items_file",)
    if not isinstance(name, str) or not name:
        return [], [_problem(f"items_file must be a file name, got {name!r}", where, here)]
    if Path(name).name != name or name in (".", ".."):
        return [], [
            _problem(
                f"items_file {name!r} must name a file in the same folder as the guideline",
                where,
                here,
                "write just the file name, e.g. items.jsonl",
            )
        ]
    if not name.endswith((".yaml", ".yml", ".jsonl")):
        return [], [_problem(f"items_file {name!r} must end in .yaml, .yml or .jsonl", where, here)]
    if base is None:
        return [], [_problem("items_file needs the guideline to be loaded from a file", where, here)]
    file = base / name
    if not file.is_file():
        return [], [
            _problem(
                f"items file {name!r} not found next to the guideline",
                where,
                here,
                f"create {file} or fix the name",
            )
        ]
    label = str(file)
    text, problems = _decode(file.read_bytes(), label)
    if text is None:
        return [], problems
    if name.endswith(".jsonl"):
        return _read_jsonl(text, label, start, source_map)
    value, file_map, problems = read_yaml(text, label, ("items",))
    if problems:
        return [], problems
    for table, target in ((file_map.values, source_map.values), (file_map.keys, source_map.keys)):
        for at, where in table.items():
            if len(at) >= 2 and isinstance(at[1], int):
                target[("items", at[1] + start, *at[2:])] = where
    if not isinstance(value, list):
        return [], [
            _problem(
                f"items file must hold a list of items, got {type(value).__name__}",
                Position(label, 1, 1),
                None,
            )
        ]
    return value, []


def _read_jsonl(text: str, label: str, start: int, source_map: SourceMap) -> tuple[list[Any], list[Problem]]:
    items: list[Any] = []
    problems: list[Problem] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            problems.append(
                _problem(
                    f"invalid JSON: {error.msg}",
                    Position(label, number, error.colno),
                    None,
                    "each line holds one item as a JSON object",
                )
            )
            continue
        index = start + len(items)
        _record_json(source_map, ("items", index), value, Position(label, number, 1))
        items.append(value)
    return items, problems


def _record_json(source_map: SourceMap, at: FieldPath, value: Any, where: Position) -> None:
    source_map.values[at] = where
    if isinstance(value, dict):
        for key, child in value.items():
            source_map.keys[(*at, key)] = where
            _record_json(source_map, (*at, key), child, where)
    elif isinstance(value, list):
        for i, child in enumerate(value):
            _record_json(source_map, (*at, i), child, where)


# --------------------------------------------------------------------------- public API


def _check_layout(data: dict[str, Any], path: str, source_map: SourceMap) -> list[Problem]:
    """guidelines/<id>/<version>.yaml must agree with the id and version inside (when laid out that way)."""
    file = Path(path)
    if not SEMVER.match(file.stem):
        return []
    problems: list[Problem] = []
    for key, expected, what in (("id", file.parent.name, "folder"), ("version", file.stem, "file")):
        value = data.get(key)
        if isinstance(value, str) and value != expected:
            problems.append(
                _problem(
                    f"{key} {value!r} does not match the {what} name {expected!r}",
                    source_map.locate((key,)),
                    (key,),
                    f"guideline files live at guidelines/<id>/<version>.yaml; rename the {what} or fix the {key}",
                    code="path_mismatch",
                )
            )
    return problems


def parse_guideline(text: str, path: str | None = None, base: Path | None = None) -> LoadedGuideline:
    """Validate guideline YAML text and return it with its source map.

    Args:
        text: the YAML document.
        path: the file name shown in messages; also checked against ``<id>/<version>.yaml``.
        base: folder in which `items_file` is looked up (default: the folder of `path`).

    Raises:
        GuidelineError: with every problem found in `.problems`, each located by line, column and field.
    """
    from calibration.guidelines.messages import translate_errors

    encoded = len(text.encode("utf-8", errors="surrogatepass"))
    if encoded > MAX_FILE_BYTES:
        _raise(_decode(b"", path, encoded)[1])
    data, source_map, problems = read_yaml(text, path)
    if problems and not isinstance(data, dict):
        _raise(problems)
    # Problems found while building values (duplicate keys, tags, bad scalars) are reported with the
    # model's problems; the model's findings at or below those fields would only repeat them.
    shadowed = [p.location.field for p in problems if p.location.field]
    if data is None:
        _raise(
            [
                _problem(
                    "the file is empty; expected a mapping with format, id, version, title, task and rules",
                    Position(path, 1, 1),
                    None,
                    code="not_mapping",
                )
            ]
        )
    if not isinstance(data, dict):
        kind = {list: "a list", str: "a text"}.get(type(data), type(data).__name__)
        _raise(
            [
                _problem(
                    f"the top level must be a mapping of guideline fields, got {kind}",
                    source_map.locate(()),
                    None,
                    "start the file with 'format: 1' and 'id: ...'",
                    code="not_mapping",
                )
            ]
        )
    if "items_file" in data:
        base = base if base is not None else (Path(path).parent if path else None)
        inline = data.get("items") if isinstance(data.get("items"), list) else []
        more, file_problems = _read_items_file(
            data["items_file"], base, source_map.locate(("items_file",)), len(inline), source_map
        )
        problems += file_problems
        if more:
            data = {**data, "items": [*inline, *more]}
    if path:
        problems += _check_layout(data, path, source_map)
    cross: list[tuple[FieldPath, str, str | None]] = []
    found: list[Problem] = []
    guideline: Guideline | None = None
    try:
        guideline = Guideline.model_validate(data, context={"problems": cross})
    except ValidationError as error:
        found += translate_errors(error, data, source_map)
    for at, message, hint in cross:
        found.append(_problem(message, source_map.locate(at), at, hint))
    problems += [p for p in found if not _shadowed_by(p, shadowed)]
    if problems or guideline is None:
        _raise(problems)
    assert guideline is not None
    return LoadedGuideline(guideline, path, source_map)


def _shadowed_by(problem: Problem, fields: list[str]) -> bool:
    field = problem.location.field or ""
    return any(field == f or field.startswith((f + ".", f + "[")) for f in fields)


def _raise(problems: list[Problem]) -> None:
    problems = sorted(
        problems, key=lambda p: (p.location.path or "", p.location.line or 0, p.location.column or 0)
    )
    first = problems[0]
    raise GuidelineError(first.message, location=first.location, hint=first.hint, problems=problems)


def load_guideline_text(text: str, path: str | None = None) -> Guideline:
    """Validate guideline YAML text; see `parse_guideline`.

    Raises:
        GuidelineError: every problem at once in `.problems`.
    """
    return parse_guideline(text, path).guideline


def read_guideline_file(path: str | Path) -> LoadedGuideline:
    """Read and validate a guideline file, keeping its source map.

    Raises:
        GuidelineError: the file is missing, too large, not UTF-8, or invalid (every problem at once).
    """
    file = Path(path)
    label = str(path)
    if not file.is_file():
        raise GuidelineError(
            f"no such file: {label}",
            location=Location(path=label),
            hint="check the path; guideline files live at guidelines/<id>/<version>.yaml",
        )
    if file.stat().st_size > MAX_FILE_BYTES:
        with file.open("rb") as handle:
            _raise(_decode(handle.read(MAX_FILE_BYTES + 1), label, file.stat().st_size)[1])
    text, problems = _decode(file.read_bytes(), label)
    if text is None:
        _raise(problems)
    assert text is not None
    return parse_guideline(text, label, file.parent)


def load_guideline(path: str | Path) -> Guideline:
    """Read and validate the guideline file at `path`.

    Raises:
        GuidelineError: every problem at once in `.problems`.
    """
    return read_guideline_file(path).guideline


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


def dump_guideline(guideline: Guideline) -> str:
    """The guideline as YAML; `load_guideline_text(dump_guideline(g)) == g` for self-contained guidelines.

    Items loaded from an `items_file` are written inline and `items_file` is dropped, so the dump is
    self-contained.
    """
    data = guideline.model_dump(mode="json", exclude_defaults=True, exclude={"items_file"})
    data["format"] = guideline.format
    order = list(Guideline.model_fields)
    data = {key: data[key] for key in order if key in data}
    return yaml.dump(data, Dumper=GuidelineDumper, sort_keys=False, allow_unicode=True, width=100)


_ITEMS_FILE_REF = re.compile(r"^items_file:\s*['\"]?([^'\"\s#]+)", re.MULTILINE)


def guideline_files(paths: list[str | Path]) -> tuple[list[Path], list[Problem]]:
    """The guideline files named by `paths` (files, or folders searched recursively).

    Items files named by a guideline's `items_file` are not guideline files and are skipped.

    Returns:
        ``(files, problems)``; a problem for each path that does not exist.
    """
    files: list[Path] = []
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
            referenced: set[Path] = set()
            for file in found:
                try:
                    head = file.read_bytes()[:MAX_FILE_BYTES].decode("utf-8", errors="replace")
                except OSError:
                    continue
                referenced.update(file.parent / name for name in _ITEMS_FILE_REF.findall(head))
            files.extend(f for f in found if f not in referenced)
        else:
            problems.append(
                Problem(
                    "no such file or folder",
                    Location(path=str(raw)),
                    "check the path",
                    code="not_found",
                )
            )
    return files, problems


def validate_paths(paths: list[str | Path]) -> list[Problem]:
    """Every problem of every guideline file named by `paths` (files or folders); empty when all valid."""
    files, problems = guideline_files(paths)
    for file in files:
        try:
            read_guideline_file(file)
        except GuidelineError as error:
            problems.extend(error.problems)
    return problems


_FIELD_PART = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


def parse_field(field_path: str) -> FieldPath:
    """``rules[2].examples[0].answer`` -> ``("rules", 2, "examples", 0, "answer")`` (inverse of format_field)."""
    return tuple(int(index) if index else name for index, name in _FIELD_PART.findall(field_path))


def locate_problems(problems: list[Problem], loaded: LoadedGuideline) -> list[Problem]:
    """Problems (e.g. lint warnings) with the file, line and column of their field filled in."""
    located = []
    for problem in problems:
        where = loaded.source_map.locate(parse_field(problem.location.field or ""))
        location = Location(
            path=where.path if where else loaded.path,
            line=where.line if where else None,
            column=where.column if where else None,
            row=problem.location.row,
            field=problem.location.field,
        )
        located.append(Problem(problem.message, location, problem.hint, problem.code, problem.severity))
    return located
