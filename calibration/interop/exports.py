"""Exports: gold sets, responses and per-rule agreement as files; Label Studio configs and tasks; and back.

Everything here is pure: functions take guidelines, items, tables and adjudications and return text
or plain records; the CLI and the app write them where the user wants.

- `gold_records` / `gold_csv` / `gold_jsonl`: bank items with gold and adjudicated items.
- `responses_csv`: the long CSV `calibration agreement` and ``calibration import csv`` read.
- `agreement_csv`: the per-rule agreement table.
- `labelstudio_config`, `labelstudio_instructions`, `labelstudio_tasks`: a calibrated guideline as a
  Label Studio project (the config's choices carry label ids as aliases, so results come back as ids);
  with answers, `labelstudio_tasks` writes the full JSON export shape that the importer reads.
- `guideline_from_labelstudio_config`: a Label Studio config's labels as the start of a new guideline.

A boxes guideline gets an ``<Image>`` and ``<RectangleLabels>`` config, and its boxes are written as
``rectanglelabels`` results in percent of each image's size (``sizes``); its gold as COCO JSON is
`calibration.interop.coco.coco_gold`.
"""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from calibration.agreement.breakdown import annotations_report
from calibration.answers import answer_to_json, dump_cell, parse_answer
from calibration.csv_cells import frame_to_csv, rows_to_csv
from calibration.errors import DataError, Location
from calibration.guidelines.model import Guideline, Input, Item

if TYPE_CHECKING:
    import pandas as pd

    from calibration.responses import Annotations

MAX_CONFIG_BYTES = 1024 * 1024
GOLD_COLUMNS = ("item_id", "rule_ids", "text", "input", "answer", "why", "source")


# --------------------------------------------------------------------------- gold


def _input_json(input: Input | None) -> dict[str, Any] | None:
    return input.model_dump(mode="json", exclude_defaults=True) if input is not None else None


def gold_records(
    guideline: Guideline,
    adjudications: Iterable[Any] = (),
    items: Mapping[str, Item] | None = None,
) -> list[dict[str, Any]]:
    """The gold set: every bank item with gold, and every adjudicated item (the latest adjudication wins).

    Args:
        guideline: the guideline version (its bank and task).
        adjudications: objects with ``item_id``, ``answer`` (JSON form) and ``rationale``, oldest first
            (`calibration.rounds.service.adjudications`).
        items: the round's items by id (`service.round_items`), for adjudicated items not in the bank.

    Returns:
        Records ``{item_id, rules, input, answer, why, source}`` with the answer in JSON form and
        ``source`` ``bank`` or ``adjudicated``; bank order first, then adjudicated items by id.
    """
    task = guideline.task
    known = {item.id: item for item in guideline.items} | dict(items or {})
    records: dict[str, dict[str, Any]] = {}
    for item in guideline.items:
        if item.answer is None:
            continue
        answer = parse_answer(task, item.answer, item.input)
        records[item.id] = _gold_record(task.type, item, answer, item.why, "bank")
    for adjudication in adjudications:
        adjudicated = known.get(adjudication.item_id)
        if adjudicated is None:
            continue
        answer = parse_answer(task, adjudication.answer, adjudicated.input)
        records[adjudicated.id] = _gold_record(
            task.type, adjudicated, answer, adjudication.rationale or adjudicated.why, "adjudicated"
        )
    return list(records.values())


def _gold_record(task_type: str, item: Item, answer: Any, why: str, source: str) -> dict[str, Any]:
    return {
        "item_id": item.id,
        "rules": list(item.rules),
        "input": _input_json(item.input),
        "answer": answer_to_json(task_type, answer, getattr(item.input, "text", None)),
        "why": why,
        "source": source,
    }


def gold_jsonl(records: Iterable[Mapping[str, Any]]) -> str:
    """The gold set as JSON Lines, one record per line."""
    return "".join(json.dumps(dict(r), ensure_ascii=False) + "\n" for r in records)


def gold_csv(records: Iterable[Mapping[str, Any]], task_type: str) -> str:
    """The gold set as CSV: item_id, rule_ids (comma-separated), text, input (JSON), answer, why, source."""
    rows = []
    for record in records:
        input = record.get("input") or {}
        answer = record["answer"]
        cell = (
            answer
            if isinstance(answer, str)
            else json.dumps(answer, ensure_ascii=False, separators=(",", ":"))
        )
        rows.append(
            [
                record["item_id"],
                ",".join(record.get("rules") or []),
                input.get("text", ""),
                json.dumps(input, ensure_ascii=False, separators=(",", ":")),
                cell,
                record.get("why", ""),
                record.get("source", ""),
            ]
        )
    return rows_to_csv(GOLD_COLUMNS, rows)


# --------------------------------------------------------------------------- responses and agreement


def responses_csv(responses: pd.DataFrame, task_type: str) -> str:
    """A responses table as the long CSV (answers as `dump_cell` writes them; optional columns kept)."""
    frame = responses.copy()
    frame["answer"] = [dump_cell(task_type, a) for a in frame["answer"]]
    return frame_to_csv(frame) or ""


def agreement_csv(data: Annotations, *, bootstrap: int = 1000, seed: int = 0) -> str:
    """Per-rule agreement as CSV: one row per rule with the statistics, ci95 bounds and flags.

    Uses `calibration.agreement.breakdown.annotations_report`; flags are joined with ``;``.
    """
    report = annotations_report(data, bootstrap=bootstrap, seed=seed)
    frame = report.per_rule_frame()
    if "flags" in frame:
        frame["flags"] = [";".join(f) for f in frame["flags"]]
    return frame_to_csv(frame, index=True) or ""


# --------------------------------------------------------------------------- Label Studio: config


def _ls_name(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", value)


def _object_name(guideline: Guideline) -> str:
    if guideline.task.type == "boxes":
        return "image"
    return "prompt" if guideline.task.type in ("pairwise", "ranking") else "text"


def labelstudio_config(guideline: Guideline, *, extras: bool = True) -> str:
    """A Label Studio labeling config (XML) for a guideline version.

    The guideline's title, summary and rules (with their examples' gold answers) sit in a collapsible
    panel above the item; choices and labels show label names and save label ids (``alias``), so the
    results import back unchanged. With `extras`, optional controls for confidence (1-5), the rule
    applied, an "unclear" flag and a comment; the importer maps them back by name.
    """
    task = guideline.task
    view = ET.Element("View")
    ET.SubElement(view, "Header", value=f"{guideline.title} ({guideline.ref})")
    panel = ET.SubElement(ET.SubElement(view, "Collapse"), "Panel", value="Guideline")
    if guideline.summary:
        ET.SubElement(panel, "Text", name="guideline_summary", value=guideline.summary)
    for rule in guideline.rules:
        ET.SubElement(panel, "Header", value=f"{rule.id}: {rule.title}", size="5")
        ET.SubElement(panel, "Text", name=_ls_name(f"rule_{rule.id}"), value=_rule_text(guideline, rule))
    if task.instructions:
        ET.SubElement(view, "Header", value=task.instructions, size="4")
    target = _objects(view, task.type)
    _answer_control(view, guideline, target)
    if extras:
        ET.SubElement(view, "Rating", name="confidence", toName=target, maxRating="5")
        rules = ET.SubElement(
            view, "Choices", name="cited_rule", toName=target, choice="single", showInline="true"
        )
        for rule in guideline.rules:
            ET.SubElement(rules, "Choice", value=f"{rule.id}: {rule.title}", alias=rule.id)
        unclear = ET.SubElement(view, "Choices", name="unclear", toName=target, choice="single")
        ET.SubElement(unclear, "Choice", value="The guideline was unclear here", alias="yes")
        ET.SubElement(view, "TextArea", name="comment", toName=target, placeholder="What was unclear?")
    ET.indent(view)
    return ET.tostring(view, encoding="unicode") + "\n"


def _rule_text(guideline: Guideline, rule: Any) -> str:
    parts = [rule.text.strip()]
    for kind, examples in (("Example", rule.examples), ("Edge case", rule.edge_cases)):
        for example in examples:
            shown = str(
                getattr(example.input, "text", None)
                or getattr(example.input, "prompt", "")
                or getattr(example.input, "alt", None)
                or ""
            )
            answer = parse_answer(guideline.task, example.answer, example.input)
            gold = _answer_text(guideline, answer, example.input)
            parts.append(f'{kind}: "{shown.strip()}" -> {gold}. {example.why.strip()}'.strip())
    return "\n".join(parts)


def _answer_text(guideline: Guideline, answer: Any, input: Input | None) -> str:
    """A gold answer as an annotator reads it: label ids, quoted spans, a rating, A/B, an order."""
    kind = guideline.task.type
    if kind == "span":
        text = getattr(input, "text", "") or ""
        return "; ".join(f'{label}: "{text[start:end]}"' for start, end, label in answer) or "no spans"
    if kind == "multi_label":
        return ", ".join(answer) or "no labels"
    if kind == "pairwise":
        return {"a": "A", "b": "B"}.get(answer, "tie")
    if kind == "ranking":
        return " > ".join(answer)
    if kind == "boxes":
        return (
            "; ".join(f"{b.label} at x {b.x:g}, y {b.y:g}, {b.width:g} x {b.height:g} px" for b in answer)
            or "no boxes"
        )
    return str(answer)


def _objects(view: ET.Element, task_type: str) -> str:
    if task_type == "boxes":
        ET.SubElement(view, "Image", name="image", value="$image", zoom="true", zoomControl="true")
        return "image"
    if task_type == "pairwise":
        ET.SubElement(view, "Text", name="prompt", value="$prompt")
        ET.SubElement(view, "Text", name="a", value="$a")
        ET.SubElement(view, "Text", name="b", value="$b")
        return "prompt"
    if task_type == "ranking":
        ET.SubElement(view, "Text", name="prompt", value="$prompt")
        ET.SubElement(view, "List", name="candidates", value="$items", title="Candidates")
        return "prompt"
    ET.SubElement(view, "Text", name="text", value="$text")
    return "text"


def _answer_control(view: ET.Element, guideline: Guideline, target: str) -> None:
    task = guideline.task
    if task.type in ("single_label", "multi_label"):
        choice = "multiple" if task.type == "multi_label" else "single"
        control = ET.SubElement(view, "Choices", name="label", toName=target, choice=choice, required="true")
        for label in task.labels:
            ET.SubElement(
                control, "Choice", value=label.name, alias=label.id, hint=label.description or label.name
            )
    elif task.type in ("span", "boxes"):
        tag = "RectangleLabels" if task.type == "boxes" else "Labels"
        control = ET.SubElement(view, tag, name="label", toName=target)
        for label in task.labels:
            attributes = {"value": label.name, "alias": label.id, "hint": label.description or label.name}
            if label.color:
                attributes["background"] = label.color
            ET.SubElement(control, "Label", attributes)
    elif task.type == "rating":
        scale = task.scale
        assert scale is not None
        if scale.min == 1 and not scale.anchors:
            ET.SubElement(
                view, "Rating", name="rating", toName=target, maxRating=str(scale.max), required="true"
            )
        else:
            control = ET.SubElement(
                view, "Choices", name="rating", toName=target, choice="single", required="true"
            )
            for point in scale.points:
                anchor = scale.anchors.get(point)
                ET.SubElement(
                    control, "Choice", value=f"{point}: {anchor}" if anchor else str(point), alias=str(point)
                )
    elif task.type == "pairwise":
        if task.allow_tie:
            control = ET.SubElement(
                view, "Choices", name="preference", toName="prompt", choice="single", required="true"
            )
            for value, alias in (("A is better", "a"), ("B is better", "b"), ("Tie", "tie")):
                ET.SubElement(control, "Choice", value=value, alias=alias)
        else:
            ET.SubElement(view, "Pairwise", name="preference", toName="a,b")
    elif task.type == "ranking":
        ET.SubElement(view, "Ranker", name="rank", toName="candidates")


def labelstudio_instructions(guideline: Guideline) -> str:
    """The guideline as HTML for the Label Studio project's instructions (``expert_instruction``)."""
    parts = [f"<h2>{html.escape(guideline.title)} <small>{html.escape(guideline.ref)}</small></h2>"]
    if guideline.summary:
        parts.append(f"<p>{html.escape(guideline.summary)}</p>")
    for rule in guideline.rules:
        parts.append(f"<h3>{html.escape(rule.id)}: {html.escape(rule.title)}</h3>")
        parts.append("<p>" + html.escape(_rule_text(guideline, rule)).replace("\n", "<br>") + "</p>")
    return "\n".join(parts) + "\n"


# --------------------------------------------------------------------------- Label Studio: tasks


def _task_data(
    guideline: Guideline, item_id: str, input: Input | None, rules: Sequence[str], image_url: str = ""
) -> dict[str, Any]:
    data: dict[str, Any] = {"item_id": item_id}
    if rules:
        data["rules"] = ",".join(rules)
    if guideline.task.type == "boxes" and input is not None:
        image = getattr(input, "image", None) or ""
        data["image"] = image_url + (image.rsplit("/", 1)[-1] if image_url else image)
        data["alt"] = getattr(input, "alt", None) or ""
    elif guideline.task.type == "pairwise" and input is not None:
        data.update(prompt=input.prompt, a=input.a, b=input.b)  # type: ignore[union-attr]
    elif guideline.task.type == "ranking" and input is not None:
        data["prompt"] = input.prompt  # type: ignore[union-attr]
        data["items"] = [
            {"id": cid, "title": cid, "body": text}
            for cid, text in input.candidates.items()  # type: ignore[union-attr]
        ]
    elif input is not None:
        data["text"] = input.text  # type: ignore[union-attr]
        if getattr(input, "context", None):
            data["context"] = input.context  # type: ignore[union-attr]
    return data


def labelstudio_result(
    guideline: Guideline,
    answer: Any,
    input: Input | None = None,
    *,
    size: tuple[int, int] | None = None,
) -> list[dict[str, Any]]:
    """A canonical answer as Label Studio ``result`` entries for the config `labelstudio_config` writes.

    Boxes become ``rectanglelabels`` results in percent of the image's `size` ``(width, height)``,
    which a boxes answer needs.

    Raises:
        DataError: a boxes answer without the image size.
    """
    task = guideline.task
    target = _object_name(guideline)
    if task.type == "boxes":
        return _rectangles(answer, size)

    def entry(name: str, kind: str, value: dict[str, Any], to: str = target) -> dict[str, Any]:
        return {"from_name": name, "to_name": to, "type": kind, "value": value, "origin": "manual"}

    if task.type == "single_label":
        return [entry("label", "choices", {"choices": [answer]})]
    if task.type == "multi_label":
        return [entry("label", "choices", {"choices": list(answer)})]
    if task.type == "span":
        text = getattr(input, "text", None)
        spans = []
        for start, end, label in answer:
            value: dict[str, Any] = {"start": start, "end": end, "labels": [label]}
            if text is not None:
                value["text"] = text[start:end]
            spans.append(entry("label", "labels", value))
        return spans
    if task.type == "rating":
        assert task.scale is not None
        if task.scale.min == 1 and not task.scale.anchors:
            return [entry("rating", "rating", {"rating": answer})]
        return [entry("rating", "choices", {"choices": [str(answer)]})]
    if task.type == "pairwise":
        if task.allow_tie:
            return [entry("preference", "choices", {"choices": [answer]}, "prompt")]
        return [entry("preference", "pairwise", {"selected": "left" if answer == "a" else "right"}, "a,b")]
    return [entry("rank", "ranker", {"ranker": {"rank": list(answer)}}, "candidates")]


def _rectangles(answer: Any, size: tuple[int, int] | None) -> list[dict[str, Any]]:
    if size is None:
        raise DataError(
            "a box answer needs its image's size to be written as Label Studio percentages",
            hint="give the image sizes (the guideline file's folder holds the images)",
        )
    width, height = size
    return [
        {
            "id": f"box{number}",
            "from_name": "label",
            "to_name": "image",
            "type": "rectanglelabels",
            "original_width": width,
            "original_height": height,
            "image_rotation": 0,
            "value": {
                "x": box.x * 100 / width,
                "y": box.y * 100 / height,
                "width": box.width * 100 / width,
                "height": box.height * 100 / height,
                "rotation": 0,
                "rectanglelabels": [box.label],
            },
            "origin": "manual",
        }
        for number, box in enumerate(answer, start=1)
    ]


def labelstudio_tasks(
    guideline: Guideline,
    inputs: Mapping[str, Input | None] | None = None,
    item_rules: Mapping[str, Sequence[str]] | None = None,
    *,
    responses: pd.DataFrame | None = None,
    gold: Mapping[str, Any] | pd.Series | None = None,
    sizes: Mapping[str, tuple[int, int]] | None = None,
    image_url: str = "",
) -> list[dict[str, Any]]:
    """Label Studio tasks for items (default: the guideline's bank), optionally with answers.

    Without `responses` the tasks are ready to import into a production project (``data`` only;
    gold, when given, goes in as ``predictions`` so labelers can be compared against it). With
    `responses` each answer becomes an annotation (``completed_by`` ``{"id", "email"}`` carrying the
    annotator id) and gold a ``ground_truth`` annotation: the shape of Label Studio's full JSON
    export, which ``calibration import labelstudio`` reads back to the same answers.

    For a boxes guideline, ``data.image`` is the item's image path, or `image_url` followed by its
    file name (e.g. ``/data/local-files/?d=street/`` for Label Studio's local storage); boxes are
    written in percent of the image's size from `sizes` (by item id).
    """
    sizes = sizes or {}
    if inputs is None:
        inputs = {item.id: item.input for item in guideline.items}
        item_rules = item_rules or {item.id: list(item.rules) for item in guideline.items}
    rules = item_rules or {}
    gold_map = dict(gold.items()) if gold is not None else {}
    people: dict[str, int] = {}
    by_item = (
        {str(k): v for k, v in responses.groupby("item_id", sort=False)} if responses is not None else {}
    )
    tasks = []
    for number, (item_id, input) in enumerate(inputs.items(), start=1):
        task: dict[str, Any] = {
            "id": number,
            "data": _task_data(guideline, item_id, input, rules.get(item_id, []), image_url),
        }
        if responses is None:
            if item_id in gold_map:
                task["predictions"] = [
                    {
                        "model_version": f"gold {guideline.ref}",
                        "result": labelstudio_result(
                            guideline, gold_map[item_id], input, size=sizes.get(item_id)
                        ),
                    }
                ]
            tasks.append(task)
            continue
        annotations = []
        mine = by_item.get(item_id)
        for row in mine.itertuples(index=False) if mine is not None else ():
            who = people.setdefault(str(row.annotator_id), len(people) + 1)
            annotation: dict[str, Any] = {
                "id": number * 1000 + who,
                "completed_by": {"id": who, "email": str(row.annotator_id)},
                "result": labelstudio_result(guideline, row.answer, input, size=sizes.get(item_id)),
                "was_cancelled": False,
                "ground_truth": False,
                "task": number,
            }
            seconds = getattr(row, "seconds", None)
            if seconds is not None and seconds == seconds:
                annotation["lead_time"] = float(seconds)
            annotations.append(annotation)
        if item_id in gold_map:
            annotations.append(
                {
                    "id": number * 1000,
                    "completed_by": {"id": 0, "email": "gold"},
                    "result": labelstudio_result(
                        guideline, gold_map[item_id], input, size=sizes.get(item_id)
                    ),
                    "was_cancelled": False,
                    "ground_truth": True,
                    "task": number,
                }
            )
        task["annotations"] = annotations
        tasks.append(task)
    return tasks


# --------------------------------------------------------------------------- Label Studio config -> guideline


_CONTROLS = {
    "Choices": None,
    "Labels": "span",
    "Rating": "rating",
    "Pairwise": "pairwise",
    "Ranker": "ranking",
    "RectangleLabels": "boxes",
}
_AUX = {"confidence", "comment", "comments", "notes", "rule", "cited_rule", "unclear"}


def _label_id(value: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_.:-]+", "_", value.strip()).strip("_.:-").upper()
    return cleaned or "LABEL"


def guideline_from_labelstudio_config(
    config: str,
    guideline_id: str,
    *,
    title: str | None = None,
    version: str = "0.1.0",
    source: str = "config.xml",
) -> Guideline:
    """The start of a new guideline from a Label Studio labeling config: task type, labels, one rule per label.

    The first answer control (``Choices``, ``Labels``, ``Rating``, ``Pairwise`` or ``Ranker``; controls
    named like confidence, comment, rule or unclear are skipped) gives the task; its choices/labels become
    labels (id from ``alias`` or the value, name from the value, description from ``hint``). Each label
    gets a placeholder rule to write; other task types get one rule.

    Raises:
        DataError: invalid XML (with line and column), too large, or no answer control.
    """
    if len(config.encode("utf-8")) > MAX_CONFIG_BYTES:
        raise DataError("the labeling config is larger than 1 MB", location=Location(path=source))
    if "<!DOCTYPE" in config or "<!ENTITY" in config:
        raise DataError(
            "the labeling config declares a DOCTYPE or entities, which are not accepted",
            location=Location(path=source),
            hint="a Label Studio config is plain XML starting with <View>",
        )
    try:
        root = ET.fromstring(config)
    except ET.ParseError as error:
        line, column = error.position
        raise DataError(
            f"invalid XML: {str(error).split(':')[0]}",
            location=Location(path=source, line=line, column=column + 1),
            hint="paste the config from the project's Settings > Labeling Interface > Code",
        ) from None
    control = next(
        (e for e in root.iter() if e.tag in _CONTROLS and (e.get("name") or "").lower() not in _AUX), None
    )
    if control is None:
        raise DataError(
            "the config has no Choices, Labels, RectangleLabels, Rating, Pairwise or Ranker control tag",
            location=Location(path=source),
            hint="the guideline's task type and labels come from the answer control",
        )
    kind = _CONTROLS[control.tag] or (
        "multi_label" if control.get("choice") == "multiple" else "single_label"
    )
    task: dict[str, Any] = {"type": kind}
    labels = []
    if kind in ("single_label", "multi_label", "span", "boxes"):
        child = "Choice" if control.tag == "Choices" else "Label"
        seen: set[str] = set()
        for element in control.iter(child):
            value = element.get("value", "")
            label_id = _label_id(element.get("alias") or value)
            if label_id in seen:
                continue
            seen.add(label_id)
            label = {"id": label_id, "name": value or label_id, "description": element.get("hint", "")}
            if background := element.get("background"):
                label["color"] = background
            labels.append(label)
        task["labels"] = labels
    elif kind == "rating":
        task["scale"] = {"min": 1, "max": int(control.get("maxRating", "5"))}
    elif kind == "pairwise":
        task["allow_tie"] = False
    else:
        task["candidates"] = 2
    rules = [
        {
            "id": f"R-{label['id']}",
            "title": f"When to use {label['name']}",
            "text": f"TODO: say when an item is {label['name']}, and how to tell it from the other labels.",
            "labels": [label["id"]],
        }
        for label in labels
    ] or [{"id": "R-1", "title": "TODO", "text": "TODO: write the rule."}]
    headers = [h.get("value", "") for h in root.iter("Header") if h.get("value")]
    return Guideline.model_validate(
        {
            "format": 1,
            "id": guideline_id,
            "version": version,
            "title": title or (headers[0] if headers else guideline_id),
            "summary": f"Started from the Label Studio config {source}; write the rules before piloting.",
            "task": task,
            "rules": rules,
        }
    )
