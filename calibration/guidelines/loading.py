"""YAML text or file -> Guideline, with the line and column of every problem, all problems at once.

Reading is safe (see `calibration.guidelines.yaml_source`); this module adds `items_file`, the
``guidelines/<id>/<version>.yaml`` layout check, model validation with located messages, dumping,
and validation of files and folders.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from calibration.errors import GuidelineError, Location, Problem
from calibration.guidelines.checks import span_boundary_problems
from calibration.guidelines.images import ImageFile, box_problems, read_images
from calibration.guidelines.messages import translate_errors
from calibration.guidelines.model import SEMVER, Guideline
from calibration.guidelines.partial import cross_problems_despite
from calibration.guidelines.yaml_source import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_VALUES,
    FieldPath,
    GuidelineDumper,
    Position,
    SourceMap,
    decode_bytes,
    format_field,
    parse_field,
    problem_at,
    read_yaml,
)

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_VALUES",
    "FieldPath",
    "GuidelineDumper",
    "LoadedGuideline",
    "Position",
    "SourceMap",
    "dump_guideline",
    "format_field",
    "guideline_files",
    "load_guideline",
    "load_guideline_text",
    "locate_problems",
    "parse_field",
    "parse_guideline",
    "read_guideline_file",
    "validate_paths",
]


@dataclass(frozen=True)
class LoadedGuideline:
    """A valid guideline with the file it came from, the positions of its fields and its images.

    `images` holds every image the guideline's inputs use, by path as written, read and checked;
    it is empty when the guideline was parsed without a folder to read images from.
    """

    guideline: Guideline
    path: str | None
    source_map: SourceMap
    images: Mapping[str, ImageFile] = field(default_factory=dict)


# --------------------------------------------------------------------------- items_file


def _read_items_file(
    name: Any, base: Path | None, where: Position | None, start: int, source_map: SourceMap
) -> tuple[list[Any], list[Problem]]:
    here: FieldPath = ("items_file",)
    if not isinstance(name, str) or not name:
        return [], [problem_at(f"items_file must be a file name, got {name!r}", where, here)]
    if Path(name).name != name or name in (".", ".."):
        return [], [
            problem_at(
                f"items_file {name!r} must name a file in the same folder as the guideline",
                where,
                here,
                "write just the file name, e.g. items.jsonl",
            )
        ]
    if not name.endswith((".yaml", ".yml", ".jsonl")):
        return [], [problem_at(f"items_file {name!r} must end in .yaml, .yml or .jsonl", where, here)]
    if base is None:
        return [], [problem_at("items_file needs the guideline to be loaded from a file", where, here)]
    file = base / name
    if not file.is_file():
        return [], [
            problem_at(
                f"items file {name!r} not found next to the guideline",
                where,
                here,
                f"create {file} or fix the name",
            )
        ]
    label = str(file)
    text, problems = decode_bytes(file.read_bytes(), label)
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
            problem_at(
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
            too_deep = _depth(value) > MAX_DEPTH
        except RecursionError:
            too_deep = True
        except json.JSONDecodeError as error:
            problems.append(
                problem_at(
                    f"invalid JSON: {error.msg}",
                    Position(label, number, error.colno),
                    None,
                    "each line holds one item as a JSON object",
                )
            )
            continue
        except ValueError:  # an integer of more than 4,300 digits: Python refuses to convert it
            problems.append(
                problem_at(
                    "a number has more than 4,300 digits",
                    Position(label, number, 1),
                    None,
                    "no item needs such a number: check the line",
                )
            )
            continue
        if too_deep:
            problems.append(
                problem_at(
                    f"JSON nesting is too deep (more than {MAX_DEPTH} levels)",
                    Position(label, number, 1),
                    None,
                )
            )
            continue
        index = start + len(items)
        _record_json(source_map, ("items", index), value, Position(label, number, 1))
        items.append(value)
    return items, problems


def _depth(value: Any) -> int:
    """Nesting depth of a JSON value, without recursion."""
    deepest, todo = 0, [(value, 1)]
    while todo:
        node, depth = todo.pop()
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            break
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        todo.extend((child, depth + 1) for child in children)
    return deepest


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
                problem_at(
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
        base: folder in which `items_file` is looked up (default: the folder of `path`) and images
            are read; images are read and checked (file, format, limits, gold boxes inside) only
            when `base` is given.

    Raises:
        GuidelineError: with every problem found in `.problems`, each located by line, column and field.
    """
    image_base = base
    encoded = len(text.encode("utf-8", errors="surrogatepass"))
    if encoded > MAX_FILE_BYTES:
        _raise(decode_bytes(b"", path, encoded)[1])
    data, source_map, problems = read_yaml(text, path)
    if problems and not isinstance(data, dict):
        _raise(problems)
    # Problems found while building values (duplicate keys, tags, bad scalars) are reported with the
    # model's problems; the model's findings at or below those fields would only repeat them.
    shadowed = [p.location.field for p in problems if p.location.field]
    if data is None:
        _raise(
            [
                problem_at(
                    "the file is empty; expected a mapping with format, id, version, title, task and rules",
                    Position(path, 1, 1),
                    None,
                    code="not_mapping",
                )
            ]
        )
    if not isinstance(data, dict):
        kind = (
            "a list" if isinstance(data, list) else "a text" if isinstance(data, str) else type(data).__name__
        )
        _raise(
            [
                problem_at(
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
        cross += cross_problems_despite(error, data)
    for at, message, hint in cross:
        found.append(problem_at(message, source_map.locate(at), at, hint))
    images: dict[str, ImageFile] = {}
    if guideline is not None:
        for at, message, hint in span_boundary_problems(guideline):
            found.append(problem_at(message, source_map.locate(at), at, hint, code="span_not_selectable"))
        if image_base is not None:
            images, image_problems = read_images(guideline, image_base)
            image_problems += box_problems(guideline, images)
            for at, message, hint, code in image_problems:
                found.append(problem_at(message, source_map.locate(at), at, hint, code=code))
    problems += [p for p in found if not _shadowed_by(p, shadowed)]
    if problems or guideline is None:
        _raise(problems)
    assert guideline is not None
    return LoadedGuideline(guideline, path, source_map, images)


def _shadowed_by(problem: Problem, fields: list[str]) -> bool:
    field = problem.location.field or ""
    return any(field == f or field.startswith((f + ".", f + "[")) for f in fields)


def _raise(problems: list[Problem]) -> None:
    problems = sorted(
        problems,
        key=lambda p: (
            p.code == "truncated",
            p.location.path or "",
            p.location.line or 0,
            p.location.column or 0,
        ),
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
            "no such file",
            location=Location(path=label),
            hint="check the path; guideline files live at guidelines/<id>/<version>.yaml",
        )
    if file.stat().st_size > MAX_FILE_BYTES:
        with file.open("rb") as handle:
            _raise(decode_bytes(handle.read(MAX_FILE_BYTES + 1), label, file.stat().st_size)[1])
    text, problems = decode_bytes(file.read_bytes(), label)
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


def guideline_files(paths: Sequence[str | Path]) -> tuple[list[Path], list[Problem]]:
    """The guideline files named by `paths` (files, or folders searched recursively).

    Items files named by a guideline's `items_file` are not guideline files and are skipped.

    Returns:
        ``(files, problems)``; a problem for each path that does not exist or is a folder without
        guideline files.
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
            guidelines = [f for f in found if f not in referenced]
            if not guidelines:  # a mistyped or wrong folder must not pass as "0 files checked: valid"
                problems.append(
                    _not_found(
                        raw,
                        "no guideline files (*.yaml) in this folder",
                        "give guideline files or a folder such as guidelines/<id>",
                    )
                )
            files.extend(guidelines)
        else:
            problems.append(_not_found(raw, "no such file or folder", "check the path"))
    return files, problems


def _not_found(path: str | Path, message: str, hint: str) -> Problem:
    """A `not_found` problem at `path`: it names no file or no guideline files."""
    return Problem(message, Location(path=str(path)), hint, code="not_found")


def validate_paths(paths: Sequence[str | Path]) -> list[Problem]:
    """Every problem of every guideline file named by `paths` (files or folders); empty when all valid."""
    files, problems = guideline_files(paths)
    for file in files:
        try:
            read_guideline_file(file)
        except GuidelineError as error:
            problems.extend(error.problems)
    return problems


def locate_problems(problems: list[Problem], loaded: LoadedGuideline) -> list[Problem]:
    """Problems (e.g. lint warnings) with the file, line and column of their field filled in."""
    located = []
    for problem in problems:
        if problem.location.line is not None:
            located.append(problem)
            continue
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
