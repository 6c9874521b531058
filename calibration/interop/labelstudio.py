"""Label Studio's full JSON export -> raw records (tasks with ``annotations[].result[]``).

The full export is a JSON list of tasks; each task has ``id``, ``data`` (the input), ``meta`` and
``annotations``. Each annotation has ``completed_by`` (a user id, or an object with ``email`` in newer
exports), ``was_cancelled``, ``ground_truth``, ``lead_time`` (seconds) and ``result``: one entry per
control tag answer, with ``from_name`` (the control tag), ``type`` and ``value``:

==============  ===============================================  ============================
type            value                                            our raw answer
==============  ===============================================  ============================
choices         ``{"choices": ["A"]}``                           ``"A"`` (single) / ``["A"]``
labels          ``{"start", "end", "text", "labels": ["L"]}``    one span per result entry
rating          ``{"rating": 4}``                                ``4``
pairwise        ``{"selected": "left" | "right"}``               ``"a"`` / ``"b"``
ranker          ``{"ranker": {"<name>": ["id2", "id1"]}}``       ``["id2", "id1"]``
rectanglelabels ``{"x", "y", "width", "height", "rotation",      one box per result entry, in
                "rectanglelabels": ["L"]}`` in percent of the    pixels of the image
                result's ``original_width``/``original_height``
textarea        ``{"text": ["..."]}``                            comment
==============  ===============================================  ============================

For a boxes guideline, a task is matched to the bank item by ``data.item_id`` when present, else
by the file name of its image (``data.image``; the prefix Label Studio gives uploads is ignored). A
rotated rectangle (``rotation`` other than 0) is refused: a box answer is axis-aligned.

Control tags are mapped to the guideline by name: the answer comes from the control whose type fits
the task (the one named ``control=`` when several do, else the one named like the guideline, its task
type, ``label``, ``labels`` or ``answer``); controls named ``confidence``, ``rule``/``cited_rule``,
``unclear`` and ``comment``/``notes`` fill those response columns; other controls are ignored with a
warning. Cancelled annotations (``was_cancelled``) are skipped and listed; ``ground_truth`` annotations
are the item's gold answer and not an annotator's response. The JSON-MIN export (no annotator ids)
is refused.

A task's ``predictions`` (pre-annotations a model made: ``model_version``, ``score`` and a ``result``
shaped like an annotation's) are a model annotator's answers: the annotator is named by
``model_version`` (``"model"`` when empty) and its kind is ``model``, with the prediction's
``score``. Predictions exported as bare ids (older exports) carry no answer and are ignored, and so
are the gold answers ``calibration labelstudio-tasks --with-gold`` writes as predictions
(``model_version`` ``"gold <guideline>"``).
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from calibration.errors import DataError, Location
from calibration.interop.common import (
    RawImport,
    RawItem,
    RawResponse,
    Skipped,
    item_id_from,
    json_number,
    read_json,
    rule_hints,
)
from calibration.interop.images import item_for_image

if TYPE_CHECKING:
    from calibration.guidelines.model import Guideline

EXPECTED = "a Label Studio JSON export (a list of tasks with annotations)"

ANSWER_TYPES: dict[str, tuple[str, ...]] = {
    "single_label": ("choices",),
    "multi_label": ("choices",),
    "span": ("labels", "hypertextlabels"),
    "rating": ("rating", "choices", "number"),
    "pairwise": ("pairwise", "choices"),
    "ranking": ("ranker",),
    "boxes": ("rectanglelabels",),
}
AUX_NAMES = {
    "confidence": "confidence",
    "rule": "cited_rule",
    "cited_rule": "cited_rule",
    "unclear": "unclear",
    "comment": "comment",
    "comments": "comment",
    "notes": "comment",
}
SKIP_DATA_KEYS = {"item_id", "rule", "rule_id", "rules", "rule_ids", "id"}


def read_labelstudio(
    data: bytes, source: str, guideline: Guideline, *, control: str | None = None
) -> RawImport:
    """Read a Label Studio full JSON export.

    Args:
        data: the file's bytes.
        source: the file name, for messages.
        guideline: the guideline version (its task type decides which control tag is the answer).
        control: the name of the control tag holding the answer, when several fit.

    Returns:
        The `RawImport`; item ids are ``data.item_id`` when present, else the task id.

    Raises:
        DataError: not a full JSON export (JSON-MIN, CSV, a single object), truncated JSON, an
            annotation without ``completed_by``, several answer controls and none chosen; naming the task.
    """
    tasks = read_json(data, source, EXPECTED)
    if isinstance(tasks, dict) and "data" in tasks:
        tasks = [tasks]
    if not isinstance(tasks, list):
        raise DataError(
            f"expected a list of tasks, got a JSON {type(tasks).__name__}",
            location=Location(path=source),
            hint="export the project from Label Studio as 'JSON' (not JSON-MIN, CSV or COCO)",
        )
    raw = RawImport(format="labelstudio", source=source)
    ignored: set[str] = set()
    for position, task in enumerate(tasks):
        _check_task(task, position, source)
    control = _answer_control(tasks, guideline, control, source)
    for position, task in enumerate(tasks):
        task_id = task.get("id", position + 1)
        where = Location(path=source, field=f"task {task_id}")
        task_data = task["data"] if isinstance(task.get("data"), dict) else {}
        if guideline.task.type == "boxes" and not any(
            isinstance(m, dict) and m.get("item_id") not in (None, "") for m in (task_data, task.get("meta"))
        ):
            item_id = item_for_image(_image_reference(task_data, where), guideline, where)
        else:
            item_id = item_id_from(task_id, task_data, task.get("meta"))
            if guideline.task.type == "boxes" and item_id not in {item.id for item in guideline.items}:
                raise DataError(
                    f"item {item_id} is not an item of {guideline.ref}",
                    location=where,
                    hint="a boxes task's images must be the guideline's: remove data.item_id to match "
                    "the image by file name",
                )
        raw.add_item(
            RawItem(
                item_id,
                _input(guideline.task.type, task_data),
                where,
                rule_hints(task_data, task.get("meta")),
            )
        )
        for annotation in task.get("annotations") or []:
            _read_annotation(raw, annotation, item_id, task_id, guideline, control, ignored, source)
        for prediction in _predictions(task):
            annotation, score = _as_model(prediction)
            _read_annotation(
                raw,
                annotation,
                item_id,
                task_id,
                guideline,
                control,
                ignored,
                source,
                model=True,
                score=score,
            )
    if ignored:
        raw.warnings.append(f"control tag(s) {', '.join(sorted(ignored))} are not used by the import")
    return raw


MODEL_NAME = "model"
"""The annotator name of a prediction without ``model_version``."""


GOLD_PREDICTION = "gold "
"""The model_version prefix of the gold answers `labelstudio-tasks --with-gold` writes as predictions."""


def _predictions(task: Any) -> list[dict[str, Any]]:
    """A task's model predictions (bare prediction ids of older exports, and the gold answers our own
    task export writes as predictions, are left out)."""
    found = task.get("predictions") if isinstance(task, dict) else None
    if not isinstance(found, list):
        return []
    return [
        p
        for p in found
        if isinstance(p, dict) and not str(p.get("model_version") or "").startswith(GOLD_PREDICTION)
    ]


def _as_model(prediction: dict[str, Any]) -> tuple[dict[str, Any], float | None]:
    """A prediction as an annotation by its model (``completed_by`` = model_version), and its score."""
    version = prediction.get("model_version")
    score = prediction.get("score")
    annotation = {
        **prediction,
        "completed_by": str(version).strip() if str(version or "").strip() else MODEL_NAME,
        "ground_truth": False,
        "was_cancelled": False,
    }
    return annotation, json_number(score)


def _check_task(task: Any, position: int, source: str) -> None:
    where = Location(path=source, field=f"task at index {position}")
    if not isinstance(task, dict):
        raise DataError(f"expected a task object, got {type(task).__name__}", location=where, hint=EXPECTED)
    if "data" not in task:
        minimal = "annotator" in task or any(isinstance(v, list) for v in task.values())
        raise DataError(
            "this looks like Label Studio's JSON-MIN export, which has no annotations list"
            if minimal
            else "the task has no 'data' field",
            location=where,
            hint="export the project as 'JSON' (full), which keeps every annotation and its annotator",
        )


def _image_reference(data: dict[str, Any], where: Location) -> str:
    """The image URL of a task's data (``image``, else the only value that looks like an image file)."""
    if isinstance(data.get("image"), str):
        return str(data["image"])
    found = [v for v in data.values() if isinstance(v, str) and v.lower().endswith(IMAGE_SUFFIXES)]
    if len(found) == 1:
        return found[0]
    raise DataError(
        "the task's data has no image (expected data.image with the image URL)",
        location=where,
        hint="export the project whose tasks show the guideline's images, or add data.item_id",
    )


IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


def _input(task_type: str, data: dict[str, Any]) -> Any:
    """The item's input from the task data, shaped for the guideline's task type."""
    if task_type == "boxes":
        return None  # the image is the bank item's: a tool's copy of it is not imported
    if task_type == "pairwise":
        prompt = data.get("prompt", data.get("text", ""))
        a = next((data[k] for k in ("a", "left", "text1", "answer1", "response1") if k in data), None)
        b = next((data[k] for k in ("b", "right", "text2", "answer2", "response2") if k in data), None)
        return {"prompt": prompt, "a": a, "b": b}
    if task_type == "ranking":
        listed = data.get("items") or data.get("candidates")
        if isinstance(listed, list):
            candidates = {
                str(c.get("id")): str(c.get("text") or c.get("body") or c.get("title") or "")
                for c in listed
                if isinstance(c, dict)
            }
        else:
            candidates = dict(listed) if isinstance(listed, dict) else {}
        return {"prompt": data.get("prompt", ""), "candidates": candidates}
    if isinstance(data.get("text"), str):
        return data["text"]
    texts = [v for k, v in data.items() if isinstance(v, str) and k not in SKIP_DATA_KEYS]
    return texts[0] if texts else None


def _annotator(annotation: dict[str, Any]) -> str | None:
    who = annotation.get("completed_by")
    if isinstance(who, dict):
        who = who.get("email") or who.get("id")
    if who in (None, ""):
        return None
    return str(who)


def _read_annotation(
    raw: RawImport,
    annotation: Any,
    item_id: str,
    task_id: Any,
    guideline: Guideline,
    control: str | None,
    ignored: set[str],
    source: str,
    *,
    model: bool = False,
    score: float | None = None,
) -> None:
    """Read one annotation (or, with `model`, one model prediction and its `score`)."""
    annotation_id = annotation.get("id", "?") if isinstance(annotation, dict) else "?"
    kind = "prediction" if model else "annotation"
    where = Location(path=source, field=f"task {task_id} {kind} {annotation_id}")
    if not isinstance(annotation, dict):
        raise DataError("expected an annotation object", location=where, hint=EXPECTED)
    annotator = _annotator(annotation)
    if annotator is None:
        raise DataError(
            "the annotation has no completed_by, so its annotator is unknown",
            location=where,
            hint="export with annotator information (the full JSON export includes completed_by)",
        )
    if annotation.get("was_cancelled"):
        raw.skipped.append(Skipped(where, "cancelled (skipped) in Label Studio", annotator))
        return
    by_control: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in annotation.get("result") or []:
        if isinstance(entry, dict) and entry.get("from_name"):
            by_control[str(entry["from_name"])].append(entry)
    task_type = guideline.task.type
    answer_control = control if control in by_control else None
    extras: dict[str, Any] = {}
    for name, entries in by_control.items():
        if name == answer_control:
            continue
        column = AUX_NAMES.get(name.lower())
        if column is None:
            ignored.add(name)
            continue
        extras[column] = _aux_value(column, entries[0])
    if answer_control is None:
        if task_type not in ("span", "boxes"):
            raw.skipped.append(Skipped(where, "empty annotation (no answer given)", annotator))
            return
        answer: Any = []
    else:
        answer = _answer(task_type, by_control[answer_control], where)
    if annotation.get("ground_truth"):
        if item_id in raw.gold:
            raw.warnings.append(f"task {task_id}: several ground-truth annotations; the last one is the gold")
        raw.gold[item_id] = (answer, where)
        return
    seconds = annotation.get("lead_time")
    raw.responses.append(
        RawResponse(
            item_id,
            annotator,
            answer,
            where,
            confidence=extras.get("confidence"),
            cited_rule=extras.get("cited_rule"),
            unclear=bool(extras.get("unclear", False)),
            comment=extras.get("comment"),
            seconds=float(seconds) if isinstance(seconds, int | float) else None,
            annotator_kind="model" if model else "human",
            score=score,
        )
    )


def _answer_control(tasks: list[Any], guideline: Guideline, control: str | None, source: str) -> str | None:
    """The control tag holding the answer, chosen once for the whole file.

    Among the controls whose result type fits the task (auxiliary names left out): the one named
    `control`; else the only one; else the only one named like the guideline, its task type, ``label``
    or ``answer``; else, for label tasks, the only one whose values include a guideline label.
    """
    seen: dict[str, tuple[str, set[str]]] = {}
    for task in tasks:
        entries = [*(task.get("annotations") or []), *_predictions(task)] if isinstance(task, dict) else []
        for annotation in entries:
            for entry in (annotation.get("result") or []) if isinstance(annotation, dict) else []:
                if isinstance(entry, dict) and entry.get("from_name"):
                    kind, values = seen.setdefault(str(entry["from_name"]), (str(entry.get("type")), set()))
                    value = entry.get("value") or {}
                    for key in ("choices", "labels", kind):
                        found = value.get(key) if isinstance(value, dict) else None
                        if isinstance(found, list):
                            values.update(str(v) for v in found)
    if control is not None:
        if control not in seen:
            raise DataError(
                f"no result comes from a control tag named {control!r}",
                location=Location(path=source),
                hint=f"the control tags in the file are {', '.join(sorted(seen)) or 'none'}",
            )
        return control
    fits = ANSWER_TYPES[guideline.task.type]
    candidates = sorted(
        name for name, (kind, _) in seen.items() if kind in fits and name.lower() not in AUX_NAMES
    )
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    preferred = {guideline.id.lower(), guideline.task.type, "label", "labels", "answer", "choice", "choices"}
    named = [c for c in candidates if c.lower() in preferred]
    if len(named) == 1:
        return named[0]
    known = {v.casefold() for label in guideline.task.labels for v in (label.id, label.name)}
    by_labels = [c for c in candidates if any(v.casefold() in known for v in seen[c][1])]
    if len(by_labels) == 1:
        return by_labels[0]
    raise DataError(
        f"several control tags could hold the answer: {', '.join(candidates)}",
        location=Location(path=source),
        hint="name the one that answers the guideline's task with --control NAME",
    )


def _answer(task_type: str, entries: list[dict[str, Any]], where: Location) -> Any:
    kind = entries[0].get("type")
    value = entries[0].get("value") or {}
    if kind == "rectanglelabels":
        return [box for entry in entries for box in _boxes(entry, where)]
    if kind in ("labels", "hypertextlabels"):
        spans = []
        for entry in entries:
            v = entry.get("value") or {}
            for label in v.get(kind) or v.get("labels") or []:
                span = {"start": v.get("start"), "end": v.get("end"), "label": label}
                if isinstance(v.get("text"), str):
                    span["text"] = v["text"]
                spans.append(span)
        return spans
    if kind == "choices":
        choices = list(value.get("choices") or [])
        if task_type == "multi_label":
            return choices
        if len(choices) != 1:
            return choices
        choice = choices[0]
        if task_type == "pairwise" and isinstance(choice, str):
            return {"left": "a", "right": "b"}.get(choice.lower(), choice)
        return choice
    if kind == "rating":
        return value.get("rating")
    if kind == "number":
        return value.get("number")
    if kind == "pairwise":
        selected = value.get("selected")
        return {"left": "a", "right": "b"}.get(str(selected).lower(), selected)
    if kind == "ranker":
        ranked = value.get("ranker")
        if isinstance(ranked, dict):
            name = entries[0].get("from_name")
            lists = [v for k, v in ranked.items() if k != "_"]
            ranked = ranked.get(name, lists[0] if len(lists) == 1 else None)
        return ranked
    raise DataError(f"result type {kind!r} is not supported", location=where)


def _boxes(entry: dict[str, Any], where: Location) -> list[dict[str, Any]]:
    """One rectangle result as boxes in pixels (one per label it carries)."""
    value = entry.get("value") or {}
    at = Location(path=where.path, field=f"{where.field} result {entry.get('id', '?')}")
    rotation = value.get("rotation") or 0
    if not isinstance(rotation, int | float) or rotation % 360:
        raise DataError(
            f"the rectangle is rotated by {rotation} degrees; only axis-aligned boxes are answers",
            location=at,
            hint="redraw it without rotation in Label Studio, or leave the task out of the export",
        )
    size = (entry.get("original_width"), entry.get("original_height"))
    numbers = [value.get(k) for k in ("x", "y", "width", "height")]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) and v > 0 for v in size):
        raise DataError(
            "the rectangle has no original_width and original_height, so its percentages cannot be "
            "turned into pixels",
            location=at,
            hint="export the project as 'JSON' from Label Studio 1.x, which writes the image size",
        )
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in numbers):
        raise DataError("the rectangle needs numeric x, y, width and height", location=at)
    width, height = float(size[0]), float(size[1])  # type: ignore[arg-type]
    x, y, w, h = (float(v) for v in numbers)  # type: ignore[arg-type]
    labels = value.get("rectanglelabels") or value.get("labels") or []
    if not labels:
        raise DataError(
            "the rectangle has no label",
            location=at,
            hint="use a RectangleLabels control, so each rectangle carries its label",
        )
    return [
        {
            "label": label,
            "x": round(x * width / 100, 3),
            "y": round(y * height / 100, 3),
            "width": round(w * width / 100, 3),
            "height": round(h * height / 100, 3),
        }
        for label in labels
    ]


def _aux_value(column: str, entry: dict[str, Any]) -> Any:
    value = entry.get("value") or {}
    if column == "comment":
        text = value.get("text")
        return "\n".join(text) if isinstance(text, list) else text
    if column == "confidence":
        raw = value.get("rating", value.get("number"))
        if raw is None and value.get("choices"):
            raw = value["choices"][0]
        if raw is None:
            return None
        try:
            return int(raw)
        except (TypeError, ValueError):
            return None
    choices = value.get("choices") or []
    if column == "unclear":
        return bool(choices) and str(choices[0]).lower() not in ("no", "false", "0")
    return str(choices[0]) if choices else None
