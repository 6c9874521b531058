"""What every importer shares: the raw records a tool file yields, and their resolution against a guideline.

An importer (Label Studio, Prodigy, doccano, Argilla, CSV, COCO, CVAT) only reads its tool's file into a `RawImport`:
items with their input, raw answers as the tool wrote them (labels still spelt the tool's way), gold
answers and the annotations it skipped, each with the place it came from (task id, line, row).
`resolve` then does the same for every tool: renames labels (``--map-labels old=new``, label names),
refuses unknown labels with every place they occur, checks each answer for the task type, and maps
items to rules. Nothing is written anywhere: storage is `calibration.interop.importing`.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import pandas as pd
from pydantic import ValidationError

from calibration.answers import check_answer_extras, parse_answer, suggest
from calibration.boxes import Box
from calibration.errors import AnswerError, CalibrationError, DataError, Location, Problem
from calibration.guidelines.model import (
    LABEL_TASKS,
    Guideline,
    Input,
    PairInput,
    RankingInput,
    Task,
    TextInput,
)
from calibration.responses import Annotations, gold_series, item_rules_frame, responses_frame

if TYPE_CHECKING:
    from calibration.interop.importing import Format

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")

RULE_FIELDS = ("rule_id", "rule", "rules", "rule_ids")
"""Item data or metadata fields that name the rule(s) an item exercises."""

ITEM_ID_FIELDS = ("item_id",)
"""Item data or metadata fields that carry our own item id (kept when tasks are exported and re-imported)."""


@dataclass
class RawItem:
    """An item as a tool describes it: its id, its raw input (None when the file has none), rule hints."""

    item_id: str
    input: Any
    where: Location
    rules: list[str] = field(default_factory=list)


@dataclass
class RawResponse:
    """One annotator's raw answer to one item, with where it came from in the file."""

    item_id: str
    annotator_id: str
    answer: Any
    where: Location
    confidence: int | None = None
    cited_rule: str | None = None
    unclear: bool = False
    comment: str | None = None
    seconds: float | None = None
    annotator_kind: str = "human"
    """``model`` for a model's answer (a Label Studio prediction, an Argilla suggestion ...)."""
    score: float | None = None
    """The model's own score for its answer, when the tool gives one."""


@dataclass(frozen=True)
class Skipped:
    """An annotation left out on purpose (cancelled, rejected, ignored, draft ...), and why."""

    where: Location
    reason: str
    annotator_id: str | None = None

    def __str__(self) -> str:
        who = f" by {self.annotator_id}" if self.annotator_id else ""
        return f"{place(self.where)}{who}: {self.reason}"


@dataclass
class RawImport:
    """Everything an importer read from one file, before the guideline is applied."""

    format: Format
    source: str
    items: dict[str, RawItem] = field(default_factory=dict)
    responses: list[RawResponse] = field(default_factory=list)
    gold: dict[str, tuple[Any, Location]] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    """Bad records the reader skipped (e.g. an empty annotator cell); `resolve` refuses the import
    with them and every other problem it finds, in file order."""

    def add_item(self, item: RawItem) -> None:
        """Add an item once; a later record of the same item keeps the first input."""
        if item.item_id not in self.items:
            self.items[item.item_id] = item
        elif item.rules and not self.items[item.item_id].rules:
            self.items[item.item_id].rules = item.rules


@dataclass(frozen=True, kw_only=True, eq=False)
class ImportResult(Annotations):
    """An import resolved against a guideline version: its `Annotations` and what the import found; nothing stored yet.

    Attributes:
        guideline: the guideline version the answers were checked against.
        responses: the canonical responses table (`calibration.responses`), answers canonical.
        gold: canonical gold answers, a Series indexed by item_id (ground-truth annotations, bank gold).
        item_rules: the item-to-rule table (columns item_id, rule_id); unmatched items have no row.
        format: the importer's name (``labelstudio``, ``prodigy``, ``doccano``, ``argilla``, ``csv``).
        source: the file name.
        inputs: the input per item_id (None when the file gave none and the item is not in the bank).
        rule_sources: how each matched item got its rules: ``map``, ``bank``, ``field``, ``id`` or ``labels``.
        unmatched_items: items no rule could be found for (kept in the responses, not dropped).
        skipped: annotations left out on purpose, with the place and the reason.
        renamed: label renames applied, ``{"old -> new": count}``.
        warnings: anything else worth telling (duplicate answers, ignored control tags ...).
    """

    guideline: Guideline
    format: Format
    source: str
    inputs: dict[str, Input | None]
    rule_sources: dict[str, str]
    unmatched_items: list[str]
    skipped: list[Skipped]
    renamed: dict[str, int]
    warnings: list[str]

    @property
    def model_annotators(self) -> list[str]:
        """The annotator ids whose answers are a model's, sorted."""
        if "annotator_kind" not in self.responses:
            return []
        models = self.responses.loc[self.responses["annotator_kind"].eq("model"), "annotator_id"]
        return sorted(set(models))

    @property
    def item_ids(self) -> list[str]:
        """Every imported item id, in file order."""
        return list(self.inputs)

    def summary(self) -> dict[str, Any]:
        """Counts and findings as plain JSON-able values."""
        return {
            "format": self.format,
            "source": self.source,
            "guideline": self.guideline.ref,
            "n_items": len(self.inputs),
            "n_annotators": int(self.responses["annotator_id"].nunique()) if len(self.responses) else 0,
            "n_responses": len(self.responses),
            "n_gold": len(self.gold),
            "models": self.model_annotators,
            "rule_sources": _count(self.rule_sources.values()),
            "unmatched_items": list(self.unmatched_items),
            "n_skipped": len(self.skipped),
            "skipped": summarise_warnings(self.skipped, what="skipped annotations"),
            "renamed": dict(self.renamed),
            "warnings": list(self.warnings),
        }


def _count(values: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for value in values:
        counts[value] += 1
    return dict(counts)


def place(where: Location) -> str:
    """How a location is named inside a message about one file: ``task 12``, ``line 7``, ``row 3``."""
    parts = []
    if where.line is not None:
        parts.append(f"line {where.line}")
    if where.row is not None:
        parts.append(f"row {where.row}")
    if where.field:
        parts.append(where.field)
    return ", ".join(parts) or (where.path or "the file")


MAX_WARNINGS_SHOWN = 20
MAX_PROBLEMS_SHOWN = 20
"""Problems of a refused import listed one by one; the rest are counted."""
"""Warnings of one kind listed one by one; the rest are counted in one line (not 3 million lines)."""


def summarise_warnings(
    warnings: list[Any], keep: int = 2 * MAX_WARNINGS_SHOWN, what: str = "warnings"
) -> list[str]:
    """The first `keep` findings as text and one line counting the rest."""
    shown = [str(w) for w in warnings[:keep]]
    return shown if len(warnings) <= keep else [*shown, f"... and {len(warnings) - keep:,} more {what}"]


# --------------------------------------------------------------------------- reading files


def decode_text(data: bytes, source: str) -> str:
    """Bytes of an uploaded file as text (UTF-8, a BOM allowed).

    Raises:
        DataError: the bytes are not UTF-8, naming the byte offset.
    """
    if data[:4] == b"PK\x03\x04":
        raise DataError(
            "the file is a zip archive, not text",
            location=Location(path=source),
            hint="doccano exports a zip: import it with the doccano format, or unzip it first",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DataError(
            f"the file is not UTF-8 text (bad byte at offset {error.start})",
            location=Location(path=source),
            hint="export the file again as UTF-8, or check that you picked the right file",
        ) from None


def _too_deep(where: Location, expected: str) -> DataError:
    return DataError(
        "the JSON is nested too deeply to be an export", location=where, hint=f"expected {expected}"
    )


MAX_INT_DIGITS = 4300
"""Longest integer a JSON file may hold: Python refuses to convert longer digit strings (CVE-2020-10735)."""


class _HugeNumber(Exception):
    def __init__(self, digits: str) -> None:
        super().__init__(digits)
        self.digits = digits


def _parse_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise _HugeNumber(digits)
    return int(digits)


def _huge_number(error: _HugeNumber, text: str, where: Location, expected: str) -> DataError:
    index = max(text.find(error.digits), 0)
    line = where.line if where.line is not None else text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return DataError(
        f"a number has {len(error.digits.lstrip('-')):,} digits; at most {MAX_INT_DIGITS:,} are read",
        location=Location(path=where.path, line=line, column=column),
        hint=f"expected {expected}; no tool exports such numbers: check that this is the right file",
    )


def loads(text: str) -> Any:
    """`json.loads` that refuses integers of more than `MAX_INT_DIGITS` digits (raises `_HugeNumber`)."""
    return json.loads(text, parse_int=_parse_int)


def _ends_early(error: json.JSONDecodeError, text: str) -> bool:
    """Whether a JSON error means the text stops before the value is complete (a cut-off file)."""
    return error.pos >= len(text.rstrip()) or error.msg.startswith("Unterminated string")


def read_json(data: bytes, source: str, expected: str) -> Any:
    """Parse a whole JSON document, naming the line and column where it breaks.

    Raises:
        DataError: empty or invalid JSON ("truncated" when it ends early), with line and column.
    """
    text = decode_text(data, source)
    if not text.strip():
        raise DataError("the file is empty", location=Location(path=source), hint=f"expected {expected}")
    try:
        return loads(text)
    except RecursionError:
        raise _too_deep(Location(path=source), expected) from None
    except _HugeNumber as error:
        raise _huge_number(error, text, Location(path=source), expected) from None
    except json.JSONDecodeError as error:
        if error.msg == "Extra data" and text.lstrip().startswith("{"):
            raise DataError(
                "the file holds one JSON object per line (JSON Lines), not one JSON document",
                location=Location(path=source, line=error.lineno, column=error.colno),
                hint=f"expected {expected}; JSON Lines files are Prodigy, doccano or Argilla exports",
            ) from None
        truncated = _ends_early(error, text)
        what = "the JSON ends early (truncated file?)" if truncated else f"invalid JSON: {error.msg}"
        raise DataError(
            what,
            location=Location(path=source, line=error.lineno, column=error.colno),
            hint=f"expected {expected}; download the export again",
        ) from None


def read_jsonl(data: bytes, source: str, expected: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line number, object)`` for each non-blank line of a JSON Lines file.

    Raises:
        DataError: a line that is not a JSON object, naming the line; an empty file.
    """
    text = decode_text(data, source)
    if text.lstrip().startswith("["):
        raise DataError(
            "the file is one JSON list, not JSON Lines (one object per line)",
            location=Location(path=source, line=1),
            hint=f"expected {expected}; a JSON list is what Label Studio exports",
        )
    seen = False
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = loads(line)
        except RecursionError:
            raise _too_deep(Location(path=source, line=number), expected) from None
        except _HugeNumber as error:
            raise _huge_number(error, line, Location(path=source, line=number), expected) from None
        except json.JSONDecodeError as error:
            truncated = _ends_early(error, line)
            what = "the line ends early (truncated file?)" if truncated else f"invalid JSON: {error.msg}"
            raise DataError(
                what,
                location=Location(path=source, line=number, column=error.colno),
                hint=f"expected {expected}, one JSON object per line",
            ) from None
        if not isinstance(value, dict):
            raise DataError(
                f"expected a JSON object on each line, got {type(value).__name__}",
                location=Location(path=source, line=number),
                hint=f"expected {expected}",
            )
        seen = True
        yield number, value
    if not seen:
        raise DataError("the file is empty", location=Location(path=source), hint=f"expected {expected}")


def json_number(value: Any) -> float | None:
    """A JSON number as a float; None for anything else (true and false are not numbers)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def rule_hints(*sources: Mapping[str, Any] | None) -> list[str]:
    """Rule ids named by an item's data or metadata fields (`RULE_FIELDS`), in order, without repeats."""
    found: list[str] = []
    for source in sources:
        if not isinstance(source, Mapping):
            continue
        for name in RULE_FIELDS:
            value = source.get(name)
            values = value if isinstance(value, list) else [value] if value not in (None, "") else []
            if isinstance(value, str) and "," in value:
                values = [v.strip() for v in value.split(",") if v.strip()]
            found += [str(v) for v in values if str(v) not in found]
    return found


def safe_item_id(value: Any) -> str:
    """An item id our items accept (letters, digits, ``_.:-``, starting with a letter or digit).

    ``-1182`` (a Prodigy input hash) becomes ``item-1182``; ``R-A/3`` becomes ``R-A_3``.
    """
    text = str(value).strip()
    if _ID.match(text):
        return text
    cleaned = re.sub(r"[^A-Za-z0-9_.:-]+", "_", text)
    if _ID.match(cleaned):
        return cleaned
    cleaned = cleaned.lstrip("_.:-")
    return f"item-{cleaned}" if cleaned else "item"


def item_id_from(default: Any, *sources: Mapping[str, Any] | None) -> str:
    """Our item id when the data or metadata carries one (`ITEM_ID_FIELDS`), else the tool's id; made safe."""
    for source in sources:
        if isinstance(source, Mapping):
            for name in ITEM_ID_FIELDS:
                if source.get(name) not in (None, ""):
                    return safe_item_id(source[name])
    return safe_item_id(default)


def parse_label_map(pairs: Iterable[str] | Mapping[str, str] | None) -> dict[str, str]:
    """``["old=new", ...]`` (the CLI's --map-labels) or a mapping -> ``{old: new}``.

    Raises:
        DataError: a pair without ``=``.
    """
    if pairs is None:
        return {}
    if isinstance(pairs, Mapping):
        return {str(k): str(v) for k, v in pairs.items()}
    mapping: dict[str, str] = {}
    for pair in pairs:
        old, sep, new = str(pair).partition("=")
        if not sep or not old.strip() or not new.strip():
            raise DataError(
                f"--map-labels expects OLD=NEW, got {pair!r}",
                hint="write the label as the tool spells it, '=', then the guideline's label id",
            )
        mapping[old.strip()] = new.strip()
    return mapping


# --------------------------------------------------------------------------- resolution


class _Labels:
    """Turns a tool's label spelling into a guideline label id: map, id, name, then case-insensitive."""

    def __init__(self, task: Task, label_map: Mapping[str, str], ref: str) -> None:
        self.ids = task.label_ids
        self.by_name = {label.name: label.id for label in task.labels}
        folded: dict[str, set[str]] = defaultdict(set)
        for label in task.labels:
            folded[label.id.casefold()].add(label.id)
            folded[label.name.casefold()].add(label.id)
        self.folded = {k: next(iter(v)) for k, v in folded.items() if len(v) == 1}
        self.map: dict[str, str] = {}
        for old, new in label_map.items():
            target = self._known(new)
            if target is None:
                raise DataError(
                    f"--map-labels {old}={new}: {new!r} is not a label of {ref}",
                    hint=suggest(new, self.ids) or f"the labels are {', '.join(self.ids)}",
                )
            self.map[old] = target
        self.unknown: dict[str, list[Location]] = defaultdict(list)
        self.renamed: dict[str, int] = defaultdict(int)

    def _known(self, value: str) -> str | None:
        if value in self.ids:
            return value
        if value in self.by_name:
            return self.by_name[value]
        return self.folded.get(value.casefold())

    def __call__(self, value: Any, where: Location) -> Any:
        if not isinstance(value, str):
            return value
        target = self.map.get(value)
        if target is None:
            target = self._known(value)
        if target is None:
            self.unknown[value].append(where)
            return value
        if target != value:
            self.renamed[f"{value} -> {target}"] += 1
        return target


def _rename(task_type: str, raw: Any, rename: Any, where: Location) -> Any:
    """Apply `rename` to every label inside a raw answer of a label or span task."""
    if task_type == "single_label":
        return rename(raw, where)
    if task_type == "multi_label":
        return [rename(v, where) for v in raw] if isinstance(raw, list | tuple) else rename(raw, where)
    if task_type in ("span", "boxes") and isinstance(raw, list | tuple):
        out = []
        for span in raw:
            if isinstance(span, dict) and "label" in span:
                span = {**span, "label": rename(span["label"], where)}
            elif task_type == "span" and isinstance(span, list | tuple) and len(span) == 3:
                span = [span[0], span[1], rename(span[2], where)]
            out.append(span)
        return out
    return raw


class UnknownLabelsError(DataError):
    """Labels in the file that the guideline does not know; nothing was imported.

    Attributes:
        unknown: the places (``task 12 annotation 3``, ``line 7``, ``row 4``) per unknown label, so a page
            can offer a rename for each (``map_labels``).
        labels: the guideline's label ids, the possible targets of a rename.
    """

    unknown: dict[str, list[str]]
    labels: list[str]


def _unknown_labels_error(
    unknown: Mapping[str, list[Location]], guideline: Guideline, source: str
) -> UnknownLabelsError:
    problems = []
    for label, places in sorted(unknown.items()):
        shown = ", ".join(dict.fromkeys(place(p) for p in places[:8]))
        more = f" and {len(places) - 8} more" if len(places) > 8 else ""
        close = suggest(label, guideline.task.label_ids)
        hint = f"--map-labels '{label}=NEW_LABEL' renames it" + (f" ({close})" if close else "")
        problems.append(
            Problem(
                f"label {label!r} is not a label of {guideline.ref} (used {len(places)} time(s): {shown}{more}); "
                "nothing was imported",
                Location(path=source),
                hint,
                code="unknown_label",
            )
        )
    error = UnknownLabelsError(
        problems[0].message, location=problems[0].location, hint=problems[0].hint, problems=problems
    )
    error.unknown = {label: [place(p) for p in places] for label, places in sorted(unknown.items())}
    error.labels = list(guideline.task.label_ids)
    return error


def _parse_input(task: Task, raw: Any, where: Location) -> Input:
    models: dict[str, type[TextInput | PairInput | RankingInput]] = {
        "pairwise": PairInput,
        "ranking": RankingInput,
    }
    model = models.get(task.type, TextInput)
    value = {"text": raw} if isinstance(raw, str) and model is TextInput else raw
    try:
        return model.model_validate(value)
    except ValidationError as error:
        first = error.errors()[0]
        at = ".".join(str(p) for p in first["loc"]) or "input"
        raise DataError(
            f"the item's input does not fit a {task.type} task: {at}: {first['msg']}",
            location=where,
            hint={
                "pairwise": "a pairwise item needs prompt, a and b",
                "ranking": "a ranking item needs prompt and candidates {id: text}",
                "boxes": "a boxes item needs image and alt (text is optional)",
            }.get(task.type, "a text item needs its text"),
        ) from None


def resolve(
    raw: RawImport,
    guideline: Guideline,
    item_rules: pd.DataFrame | Mapping[str, Iterable[str]] | None = None,
    map_labels: Iterable[str] | Mapping[str, str] | None = None,
    model_annotators: Iterable[str] = (),
) -> ImportResult:
    """Check a tool's records against a guideline version and build the canonical tables.

    Items get their rules, first found wins: the item-to-rule map; the guideline's bank item with the
    same id; a data/metadata field naming the rule (`RULE_FIELDS`); an item id that starts with a rule
    id and a separator (``R-INDEM-07``); the rules governing the labels used on the item (label and span
    tasks). Items with none are listed in ``unmatched_items``.

    Args:
        raw: what an importer read.
        guideline: the guideline version the round is on.
        item_rules: an item-to-rule table (item_id, rule_id) or ``{item_id: [rule_id, ...]}``.
        map_labels: ``["old=new", ...]`` or ``{old: new}`` renames of the tool's labels.
        model_annotators: annotator ids whose answers are a model's (a Prodigy session a model
            answered, a CSV without ``annotator_kind``); Label Studio predictions, Argilla
            suggestions and CSV rows marked ``model`` are a model's without it.

    Returns:
        The `ImportResult`; its responses have ``annotator_kind`` and ``score`` columns when a
        model answered.

    Raises:
        DataError: unknown labels (every label with the places it occurs), unknown rule ids, an input
            that does not fit the task, no answers at all, one name answering both as a person and
            as a model, a model annotator named that answered nothing.
        AnswerError: an answer not valid for the task type, naming the place.
    """
    task = guideline.task
    models = {str(name).strip() for name in model_annotators if str(name).strip()}
    unknown_models = sorted(models - {r.annotator_id for r in raw.responses})
    if unknown_models and raw.responses:
        raise DataError(
            f"no answer in the file is by {unknown_models[0]!r}, named as a model annotator",
            location=Location(path=raw.source),
            hint=suggest(unknown_models[0], sorted({r.annotator_id for r in raw.responses}))
            or "name an annotator id of the file",
        )
    labels = _Labels(task, parse_label_map(map_labels), guideline.ref)
    label_task = task.type in LABEL_TASKS
    answers = [
        _rename(task.type, r.answer, labels, r.where) if label_task else r.answer for r in raw.responses
    ]
    gold_raw = {
        item: (_rename(task.type, value, labels, where) if label_task else value, where)
        for item, (value, where) in raw.gold.items()
    }
    # every problem of the file at once, in file order (it said only the first); nothing is written
    found: list[tuple[Location, CalibrationError]] = [
        (p.location, DataError(p.message, location=p.location, hint=p.hint)) for p in raw.problems
    ]
    unknown_at = {where for places in labels.unknown.values() for where in places}
    if labels.unknown and not found:  # only unknown labels: the error a page offers renames for
        raise _unknown_labels_error(labels.unknown, guideline, raw.source)
    for label, places in labels.unknown.items():
        close = suggest(label, guideline.task.label_ids)
        hint = f"--map-labels '{label}=NEW_LABEL' renames it" + (f" ({close})" if close else "")
        found += [
            (
                where,
                DataError(f"label {label!r} is not a label of {guideline.ref}", location=where, hint=hint),
            )
            for where in places
        ]
    if found and not raw.responses:
        raise _all_problems(found, raw.source)
    if not raw.responses:
        raise DataError(
            "the file holds no answers to import",
            location=Location(path=raw.source),
            hint="check that the export includes annotations"
            + (f" ({len(raw.skipped)} annotation(s) were skipped: {raw.skipped[0]})" if raw.skipped else ""),
        )

    bank = {item.id: item for item in guideline.items}
    inputs: dict[str, Input | None] = {}
    warnings = list(raw.warnings)
    for item_id, item in raw.items.items():
        if item.input is not None:
            inputs[item_id] = _parse_input(task, item.input, item.where)
            if item_id in bank and _shown(inputs[item_id]) != _shown(bank[item_id].input):
                warnings.append(
                    f"{place(item.where)}: the text of item {item_id} differs from the bank item's; "
                    "its answers were checked against the file's text"
                )
        else:
            inputs[item_id] = bank[item_id].input if item_id in bank else None
    for response in raw.responses:
        inputs.setdefault(
            response.item_id, bank[response.item_id].input if response.item_id in bank else None
        )

    records: dict[tuple[str, str], dict[str, Any]] = {}
    twice = 0
    for response, answer in zip(raw.responses, answers, strict=True):
        if response.where in unknown_at:
            continue
        try:
            value = _parse(task, answer, inputs.get(response.item_id), response.where)
        except AnswerError as error:
            found.append((response.where, error))
            continue
        try:  # the same checks as an answer given in the app, so a dry run finds what the import refuses
            confidence, cited_rule, _, seconds = check_answer_extras(
                guideline, response.confidence, response.cited_rule, None, response.seconds
            )
        except AnswerError as error:
            where = replace(response.where, field=error.location.field)
            found.append((where, DataError(error.message, location=where, hint=error.hint)))
            continue
        key = (response.item_id, response.annotator_id)
        if key in records:
            twice += 1
            if twice <= MAX_WARNINGS_SHOWN:
                warnings.append(
                    f"{place(response.where)}: {response.annotator_id} answered item {response.item_id} "
                    "twice; the later answer is kept"
                )
        records[key] = {
            "item_id": response.item_id,
            "annotator_id": response.annotator_id,
            "answer": value,
            "confidence": confidence,
            "cited_rule": cited_rule,
            "unclear": response.unclear,
            "comment": response.comment,
            "seconds": seconds,
            "annotator_kind": "model" if response.annotator_id in models else response.annotator_kind,
            "score": response.score,
        }
    if found:
        raise _all_problems(found, raw.source)
    if twice > MAX_WARNINGS_SHOWN:
        warnings.append(f"... and {twice - MAX_WARNINGS_SHOWN:,} more answers given twice (the later kept)")
    warnings = summarise_warnings(warnings)
    kinds: dict[str, set[str]] = defaultdict(set)
    for record in records.values():
        kinds[record["annotator_id"]].add(record["annotator_kind"])
    mixed = sorted(name for name, found in kinds.items() if len(found) > 1)
    if mixed:
        raise DataError(
            f"{mixed[0]!r} answers both as a person and as a model",
            location=Location(path=raw.source),
            hint="give the model a name of its own (e.g. name@version)",
        )
    frame = responses_frame(list(records.values()))
    frame = frame[
        [c for c in frame.columns if c in ("item_id", "annotator_id", "answer") or frame[c].notna().any()]
    ]
    if not frame["annotator_kind"].eq("model").any():
        frame = frame.drop(columns="annotator_kind")
    if "unclear" in frame and not frame["unclear"].any():
        frame = frame.drop(columns="unclear")

    gold = {item: _parse(task, value, inputs.get(item), where) for item, (value, where) in gold_raw.items()}
    for item_id in inputs:
        if item_id not in gold and item_id in bank and bank[item_id].answer is not None:
            gold[item_id] = parse_answer(task, bank[item_id].answer, bank[item_id].input)

    rules_by_item, sources = _match_rules(raw, guideline, inputs, frame, gold, item_rules)
    unmatched = [item for item in inputs if item not in rules_by_item]
    table = item_rules_frame(rules_by_item) if rules_by_item else pd.DataFrame(columns=["item_id", "rule_id"])
    return ImportResult(
        guideline=guideline,
        format=raw.format,
        source=raw.source,
        responses=frame,
        gold=gold_series(gold),
        inputs=inputs,
        item_rules=table,
        rule_sources=sources,
        unmatched_items=unmatched,
        skipped=list(raw.skipped),
        renamed=dict(labels.renamed),
        warnings=warnings,
    )


def _shown(input: Input | None) -> Any:
    """What the annotator saw of an input (metadata and context aside)."""
    return getattr(input, "text", None) or (
        input.model_dump(exclude={"metadata"}) if input is not None else None
    )


def _all_problems(found: list[tuple[Location, CalibrationError]], source: str) -> CalibrationError:
    """One error listing the problems in file order (row, else line), the first `MAX_PROBLEMS_SHOWN`
    of them and a count of the rest; a single problem is raised as it was found."""
    if len(found) == 1:
        return found[0][1]
    ordered = sorted(found, key=lambda pair: pair[0].row or pair[0].line or 0)  # stable within a row
    problems = [problem for _, error in ordered for problem in error.problems]
    shown = problems[:MAX_PROBLEMS_SHOWN]
    if len(problems) > MAX_PROBLEMS_SHOWN:
        shown.append(
            Problem(f"... and {len(problems) - MAX_PROBLEMS_SHOWN:,} more problems", Location(path=source))
        )
    shown.append(Problem(f"{len(problems):,} problems; nothing was imported", Location(path=source)))
    return DataError(shown[0].message, location=shown[0].location, hint=shown[0].hint, problems=shown)


def _parse(task: Task, raw: Any, input: Input | None, where: Location) -> Any:
    try:
        return parse_answer(task, raw, input)
    except AnswerError as error:
        raise AnswerError(
            f"{place(where)}: {error.message}", location=Location(path=where.path), hint=error.hint
        ) from None


def _match_rules(
    raw: RawImport,
    guideline: Guideline,
    inputs: Mapping[str, Any],
    frame: pd.DataFrame,
    gold: Mapping[str, Any],
    item_rules: pd.DataFrame | Mapping[str, Iterable[str]] | None,
) -> tuple[dict[str, list[str]], dict[str, str]]:
    known = set(guideline.rule_ids)
    given: dict[str, list[str]] = defaultdict(list)
    if item_rules is not None:
        table = item_rules_frame(item_rules)
        for item, rule in zip(table["item_id"], table["rule_id"], strict=True):
            given[item].append(rule)
    bad = sorted({rule for rules in given.values() for rule in rules} - known)
    if bad:
        raise DataError(
            f"the item-to-rule map names rule(s) {', '.join(bad)} that {guideline.ref} does not have",
            hint=suggest(bad[0], guideline.rule_ids) or f"the rules are {', '.join(guideline.rule_ids)}",
        )
    governs: dict[str, list[str]] = defaultdict(list)
    for rule in guideline.rules:
        for label in rule.labels:
            governs[label].append(rule.id)
    used: dict[str, set[str]] = defaultdict(set)
    if guideline.task.type in LABEL_TASKS:
        for item, answer in [*zip(frame["item_id"], frame["answer"], strict=True), *gold.items()]:
            used[item] |= _labels_of(answer)

    bank = {item.id: item for item in guideline.items}
    rules: dict[str, list[str]] = {}
    sources: dict[str, str] = {}
    for item_id in inputs:
        hints = raw.items[item_id].rules if item_id in raw.items else []
        if given.get(item_id):
            rules[item_id], sources[item_id] = given[item_id], "map"
        elif item_id in bank:
            rules[item_id], sources[item_id] = list(bank[item_id].rules), "bank"
        elif hints:
            unknown = [h for h in hints if h not in known]
            if unknown:
                raise DataError(
                    f"{place(raw.items[item_id].where)}: item {item_id} names rule {unknown[0]!r}, "
                    f"which {guideline.ref} does not have",
                    location=Location(path=raw.source),
                    hint=suggest(unknown[0], guideline.rule_ids) or "fix the rule field or pass --item-rules",
                )
            rules[item_id], sources[item_id] = hints, "field"
        elif _rule_in_id(item_id, guideline.rule_ids):
            rules[item_id], sources[item_id] = [_rule_in_id(item_id, guideline.rule_ids) or ""], "id"
        else:
            by_labels = sorted({rule for label in used.get(item_id, ()) for rule in governs.get(label, ())})
            if by_labels:
                rules[item_id], sources[item_id] = by_labels, "labels"
    return rules, sources


def _rule_in_id(item_id: str, rule_ids: list[str]) -> str | None:
    """The rule an item id names by its prefix (``R-INDEM-07``, ``R-INDEM_3``, ``R-INDEM.a``), longest first."""
    for rule in sorted(rule_ids, key=len, reverse=True):
        if item_id.startswith(rule) and item_id[len(rule) : len(rule) + 1] in ("-", "_", ":", "."):
            return rule
    return None


def _labels_of(answer: Any) -> set[str]:
    if isinstance(answer, str):
        return {answer}
    if isinstance(answer, tuple):
        return {a if isinstance(a, str) else a.label if isinstance(a, Box) else a[2] for a in answer}
    return set()
