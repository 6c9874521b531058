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
from yaml.nodes import ScalarNode

from calibration.errors import Location, Problem

MAX_FILE_BYTES = 5 * 1024 * 1024
"""Largest guideline or items file accepted (5 MB): bigger files are refused before parsing."""

MAX_DEPTH = 64
"""Deepest nesting of mappings and lists accepted; a guideline needs fewer than ten levels."""

MAX_VALUES = 50_000
"""Most YAML values (scalars, lists, mappings) in one document; a 5,000-item guideline has about 40,000.

It bounds the time spent on a hostile file of millions of tiny values; big quiz banks belong in a JSONL
`items_file`, which is read by the JSON parser.
"""

MAX_PROBLEMS = 500
"""Most problems of single values (tags, duplicate keys, bad scalars) collected before reading stops."""

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
    texts: dict[FieldPath, tuple[str, int, int]] = field(default_factory=dict)
    """Layout of texts whose characters can be placed exactly: ``(kind, line, column)`` where kind is
    ``inline`` (one-line plain or simply quoted text starting at line/column) or ``literal`` (a ``|``
    block whose first content line is `line`, indented by `column` - 1 spaces)."""

    def locate_in_text(self, path: FieldPath, line: int, column: int) -> Position | None:
        """The file position of the character at `line`/`column` (1-based) inside the text at `path`.

        None when the text's layout does not allow an exact answer (folded or escaped texts).
        """
        layout = self.texts.get(path)
        where = self.values.get(path)
        if layout is None or where is None:
            return None
        kind, first, start = layout
        if kind == "inline":
            return Position(where.path, first, start + column - 1) if line == 1 else None
        return Position(where.path, first + line - 1, start + column - 1)

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


# --------------------------------------------------------------------------- text -> events -> values

_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser when PyYAML was built with it: about 20 times faster than the pure-Python one."""

_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"


class _Stop(Exception):
    """Raised inside the builder to abandon a document (too many values or problems, nesting too deep).

    With `keep_all`, every problem found so far is reported; otherwise only the last (the reason).
    """

    def __init__(self, keep_all: bool = False) -> None:
        super().__init__()
        self.keep_all = keep_all


def _plain_wording(problem: str, mark: Any, text: str | None) -> str:
    """libyaml's wording, said the way the pure-Python parser says it (its messages read better)."""
    if problem == "mapping values are not allowed in this context":
        return "mapping values are not allowed here"
    if problem.startswith("did not find expected ") and mark is not None and text is not None:
        expected = problem.removeprefix("did not find expected ")
        lines = text.split("\n", mark.line + 1)
        line = lines[mark.line] if mark.line < len(lines) else ""
        found = line[mark.column] if mark.column < len(line) else ""
        got = repr(found) if found.strip() else "the end of the line" if found else "the end of the file"
        return f"expected {expected}, but got {got}"
    return problem


def _syntax_problem(error: yaml.YAMLError, path: str | None, text: str | None = None) -> Problem:
    if not isinstance(error, yaml.MarkedYAMLError):
        return problem_at(f"YAML error: {error}", Position(path, 1, 1), None, code="yaml_syntax")
    mark = error.problem_mark or error.context_mark
    where = Position(path, mark.line + 1, mark.column + 1) if mark else Position(path, 1, 1)
    what = _plain_wording(error.problem or "invalid YAML", mark, text)
    opened = error.context_mark
    if (
        "flow" in (error.context or "")
        and opened is not None
        and mark is not None
        and opened.line < mark.line
    ):
        # a bracket opened on an earlier line and never closed: the offending token is that bracket,
        # not the first line where the parser gave up (PyYAML's problem_mark)
        lines = (text or "").split("\n")
        line = lines[opened.line] if opened.line < len(lines) else ""
        bracket = repr(line[opened.column]) if opened.column < len(line) else "the bracket"
        where = Position(path, opened.line + 1, opened.column + 1)
        return problem_at(
            f"YAML syntax error: {bracket} opened here is not closed ({what} at line {mark.line + 1}, "
            f"column {mark.column + 1})",
            where,
            None,
            "close the bracket, or put a text that contains ',', ':' or brackets in quotes",
            code="yaml_syntax",
        )
    if error.context:
        what = f"{what} ({error.context}"
        if error.context_mark and error.context_mark is not mark:
            what += f" at line {error.context_mark.line + 1}"
        what += ")"
    if "flow" in (error.context or ""):
        hint = "inside [...] or {...}, put texts that contain ',', ':', '?', '#' or brackets in quotes"
    elif "'-' indicator" in what or "block end" in what or "block mapping" in (error.context or ""):
        hint = (
            "check the indentation: the items of a list start with '-' at the same indentation, and the "
            "keys of one mapping line up"
        )
    else:
        hint = "check the indentation and the quotes on this line and the one above; quote a text with ': ' or '#'"
    return problem_at(f"YAML syntax error: {what}", where, None, hint, code="yaml_syntax")


def _tag_name(tag: str) -> str:
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag


class _Frame:
    """An open mapping or sequence while events are read."""

    __slots__ = ("at", "discard", "expect_key", "key", "mark", "seen", "value")

    def __init__(self, value: dict[Any, Any] | list[Any], at: FieldPath, mark: Any, discard: bool) -> None:
        self.value = value
        self.at = at
        self.mark = mark
        self.discard = discard
        self.expect_key = isinstance(value, dict)
        self.key: Any = _NO_KEY
        self.seen: dict[Any, Any] = {}


_NO_KEY = object()


class _Builder:
    """Builds plain Python values from parser events (no recursion), recording positions and problems."""

    def __init__(self, path: str | None, source_map: SourceMap, prefix: FieldPath = ()) -> None:
        self.path = path
        self.map = source_map
        self.prefix = prefix
        self.problems: list[Problem] = []
        self.aliases: list[yaml.events.AliasEvent] = []
        self.lines: list[str] | None = None
        self._scalars = yaml.constructor.SafeConstructor()

    def run(self, loader: yaml.SafeLoader) -> Any:
        """Read every event of one document from `loader` and return its value."""
        stack: list[_Frame] = []
        root: Any = None
        documents = count = 0
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise yaml.composer.ComposerError(
                        "expected a single document in the stream",
                        None,
                        "but found another document",
                        event.start_mark,
                    )
                continue
            if isinstance(event, yaml.StreamStartEvent | yaml.StreamEndEvent | yaml.DocumentEndEvent):
                continue
            if isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                frame = stack.pop()
                done = self._attach(stack, frame.value, frame.mark, is_scalar=False)
                root = done if not stack else root
                continue
            at, discard = self._where(stack)
            count += 1
            if count > MAX_VALUES:
                self.problems.append(
                    problem_at(
                        f"the document holds more than {MAX_VALUES:,} values",
                        self._pos(event.start_mark),
                        None,
                        "move a large quiz bank into a JSONL file named by items_file",
                        code="too_large",
                    )
                )
                raise _Stop
            scalar = event if isinstance(event, yaml.ScalarEvent) else None
            if isinstance(event, yaml.AliasEvent):
                self.aliases.append(event)
                value: Any = None
            elif isinstance(event, yaml.ScalarEvent):
                value = self._scalar(event, at, discard)
            else:
                is_map = isinstance(event, yaml.MappingStartEvent)
                tag = event.tag if event.tag not in (None, "!") else (_MAP_TAG if is_map else _SEQ_TAG)
                bad = tag != (_MAP_TAG if is_map else _SEQ_TAG)
                if bad and not discard:
                    self._bad_tag(tag, event.start_mark, at)
                if len(stack) >= MAX_DEPTH:
                    self.problems.append(_too_deep(self._pos(event.start_mark)))
                    raise _Stop
                if not discard:
                    self.map.values[self.prefix + at] = self._pos(event.start_mark)
                stack.append(_Frame({} if is_map else [], at, event.start_mark, discard or bad))
                continue
            done = self._attach(
                stack, value, event.start_mark, is_scalar=isinstance(event, yaml.ScalarEvent), event=scalar
            )
            root = done if not stack else root
        return root

    def _where(self, stack: list[_Frame]) -> tuple[FieldPath, bool]:
        if not stack:
            return (), False
        top = stack[-1]
        if isinstance(top.value, list):
            return (*top.at, len(top.value)), top.discard
        if top.expect_key:
            return top.at, True  # keys are not values: nothing below them is recorded
        return (*top.at, top.key), top.discard or top.key is _NO_KEY

    def _attach(
        self,
        stack: list[_Frame],
        value: Any,
        mark: Any,
        *,
        is_scalar: bool,
        event: yaml.ScalarEvent | None = None,
    ) -> Any:
        if not stack:
            return value
        top = stack[-1]
        if isinstance(top.value, list):
            if not top.discard:
                top.value.append(value)
            return None
        if not top.expect_key:
            if top.key is not _NO_KEY and not top.discard:
                top.value[top.key] = value
            top.expect_key, top.key = True, _NO_KEY
            return None
        top.expect_key = False
        top.key = self._key(top, value, mark, is_scalar, event)
        return None

    def _key(self, top: _Frame, key: Any, mark: Any, is_scalar: bool, event: yaml.ScalarEvent | None) -> Any:
        if top.discard:
            return _NO_KEY
        if event is not None and self._resolve(event) == _MERGE_TAG:
            self._add(
                "YAML merge keys (<<) are not allowed", mark, top.at, "write the fields out in full", "alias"
            )
            return _NO_KEY
        if (
            not is_scalar
            or isinstance(key, list | dict)
            or event is None
            or (event.tag not in (None, "!") and (event.tag not in _SAFE_TAGS))
        ):
            self._add("mapping keys must be plain values (text or numbers)", mark, top.at, None)
            return _NO_KEY
        if key in top.seen:
            self._add(
                f"duplicate key {key!r} (first defined at line {top.seen[key].line + 1})",
                mark,
                (*top.at, key),
                "remove one of them; YAML would silently keep only the last",
                "duplicate_key",
            )
            return _NO_KEY
        top.seen[key] = mark
        self.map.keys[(*self.prefix, *top.at, key)] = self._pos(mark)
        return key

    def _resolve(self, event: yaml.ScalarEvent) -> str:
        if event.tag not in (None, "!"):
            return event.tag
        return self._scalars_resolver.resolve(ScalarNode, event.value, event.implicit)

    @property
    def _scalars_resolver(self) -> yaml.resolver.Resolver:
        resolver = getattr(self, "_resolver", None)
        if resolver is None:
            resolver = self._resolver = yaml.resolver.Resolver()
        return resolver

    def _scalar(self, event: yaml.ScalarEvent, at: FieldPath, discard: bool) -> Any:
        tag = self._resolve(event)
        if not discard:
            self.map.values[self.prefix + at] = self._pos(event.start_mark)
        if tag == _MERGE_TAG:
            return "<<"
        if tag not in _SAFE_TAGS:
            if not discard:
                self._bad_tag(tag, event.start_mark, at)
            return None
        if tag == _STR_TAG and not discard:
            self._record_layout(event, at)
        node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        try:
            return self._scalars.yaml_constructors[tag](self._scalars, node)
        except Exception as error:  # PyYAML's constructors fail in many ways on explicitly tagged odd values
            if not discard:
                what = "date" if tag.endswith(":timestamp") else _tag_name(tag) + " value"
                detail = f": {error}" if isinstance(error, ValueError | OverflowError) else ""
                self._add(f"invalid {what} {event.value!r}{detail}", event.start_mark, at, None)
            return None

    def _record_layout(self, event: yaml.ScalarEvent, at: FieldPath) -> None:
        start, style, value = event.start_mark, event.style, event.value
        if (
            style in (None, "'")
            and start.line == event.end_mark.line
            and "'" not in value
            and "\n" not in value
        ):
            self.map.texts[self.prefix + at] = ("inline", start.line + 1, start.column + 1 + (style == "'"))
        elif style == "|" and self.lines is not None:
            for number in range(start.line + 1, min(event.end_mark.line + 1, len(self.lines))):
                line = self.lines[number]
                if line.strip():
                    indent = len(line) - len(line.lstrip(" "))
                    self.map.texts[self.prefix + at] = ("literal", start.line + 2, indent + 1)
                    break

    def _bad_tag(self, tag: str, mark: Any, at: FieldPath) -> None:
        self._add(
            f"tag {_tag_name(tag)} is not allowed; only plain YAML values are loaded (safe loading)",
            mark,
            at,
            "remove the tag",
            "unsafe_tag",
        )

    def _pos(self, mark: Any) -> Position:
        return Position(self.path, mark.line + 1, mark.column + 1)

    def _add(self, message: str, mark: Any, at: FieldPath, hint: str | None, code: str = "invalid") -> None:
        self.problems.append(problem_at(message, self._pos(mark), self.prefix + at, hint, code))
        if len(self.problems) >= MAX_PROBLEMS:  # a hostile file of 100,000 bad values stays fast
            self.problems.append(
                problem_at(
                    f"... more than {MAX_PROBLEMS} problems; reading stopped here",
                    self._pos(mark),
                    None,
                    "fix the problems above and validate again",
                    code="truncated",
                )
            )
            raise _Stop(keep_all=True)


def _alias_problem(aliases: list[yaml.events.AliasEvent], path: str | None) -> Problem:
    first, count = aliases[0], len(aliases)
    return problem_at(
        f"YAML aliases are not allowed (found {count}: *{first.anchor}"
        + (" and others" if count > 1 else "")
        + ")",
        Position(path, first.start_mark.line + 1, first.start_mark.column + 1),
        None,
        "write the value out in full; anchors and aliases can expand exponentially",
        code="alias",
    )


def _parse_problem(error: yaml.YAMLError, path: str | None, text: str) -> Problem:
    """The problem for a parse error; libyaml's own nesting limit reads as our nesting limit.

    The pure-Python parser is never run on a text libyaml refused: on deeply nested brackets it takes
    minutes (its simple-key bookkeeping is quadratic in the flow depth).
    """
    problem = getattr(error, "problem", None) or ""
    if "nesting depth" in problem or "max depth" in problem:
        mark = getattr(error, "problem_mark", None)
        where = Position(path, mark.line + 1, mark.column + 1) if mark else Position(path, 1, 1)
        return _too_deep(where)
    return _syntax_problem(error, path, text)


_FLOW_BRACKET = re.compile(r"[\[\]{}]")


def _deep_flow(text: str, path: str | None) -> Problem | None:
    """Brackets nested deeper than `MAX_DEPTH`, counted roughly (quotes ignored); None when shallow.

    Only used when PyYAML has no libyaml: the pure-Python scanner is quadratic in the flow depth
    (minutes for 40,000 brackets), so such text is refused before it is parsed.
    """
    depth = 0
    for found in _FLOW_BRACKET.finditer(text):
        depth = depth + 1 if found.group() in "[{" else max(depth - 1, 0)
        if depth > MAX_DEPTH:
            before = text[: found.start()]
            line = before.count("\n") + 1
            return _too_deep(Position(path, line, found.start() - (before.rfind("\n") + 1) + 1))
    return None


def _too_deep(where: Position) -> Problem:
    return problem_at(
        f"YAML nesting is too deep (more than {MAX_DEPTH} levels)",
        where,
        None,
        "a guideline needs fewer than ten levels; check for unclosed or repeated [ or {",
        code="too_deep",
    )


# Characters YAML 1.1 does not allow in a stream (section 5.1): C0/C1 controls, surrogates, U+FFFE/FFFF.
_NOT_PRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")


def _unprintable(text: str, index: int, path: str | None) -> Problem:
    before = text[:index]
    line = before.count("\n") + 1
    column = index - (before.rfind("\n") + 1) + 1
    code = ord(text[index])
    return problem_at(
        f"character U+{code:04X} is not allowed in YAML",
        Position(path, line, column),
        None,
        f'remove it, or write it as an escape inside a double-quoted text ("\\x{code:02x}")'
        if code < 0x100
        else "remove it",
        code="yaml_syntax",
    )


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
        ``(value, source map, problems)``; value is None when the text cannot be parsed (syntax error,
        aliases, nesting deeper than `MAX_DEPTH`), else problems are those of single values
        (duplicate keys, tags, invalid dates).
    """
    source_map = source_map if source_map is not None else SourceMap()
    builder = _Builder(path, source_map, prefix)
    bad = _NOT_PRINTABLE.search(text)
    if bad is not None:
        return None, source_map, [_unprintable(text, bad.start(), path)]
    builder.lines = text.splitlines()
    if _FAST_LOADER is yaml.SafeLoader and (deep := _deep_flow(text, path)) is not None:
        return None, source_map, [deep]  # without libyaml: never hand deep brackets to the slow parser
    loader = _FAST_LOADER(text)
    try:
        value = builder.run(loader)
    except _Stop as stop:
        return None, source_map, builder.problems if stop.keep_all else builder.problems[-1:]
    except yaml.YAMLError as error:
        return None, source_map, [_parse_problem(error, path, text)]
    finally:
        loader.dispose()
    if builder.aliases:
        return None, source_map, [_alias_problem(builder.aliases, path)]
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
