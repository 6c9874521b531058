"""Prodigy's ``db-out`` JSON Lines -> raw records.

Each line is one annotation of one task by one annotator: the input (``text``, ``meta``),
``_input_hash`` (same input, same hash: lines are grouped into items by it), ``_task_hash``,
``_annotator_id`` / ``_session_id`` (``<dataset>-<session name>``), ``_view_id`` and ``answer``
(``accept``, ``reject`` or ``ignore``). The answer itself is ``accept`` (the chosen option ids of a
``choice`` task), ``spans`` (``start``, ``end``, ``label``, token offsets) for span tasks, or the task's
single ``label`` for a binary classification task.

How the three answers are handled:
- ``accept``: the answer is read as above.
- ``ignore``: the annotator skipped the task; skipped and listed.
- ``reject``: in Prodigy a reject says "this suggestion is wrong", not which answer is right (rejected
  suggested spans, a choice task marked as bad). We cannot turn it into an answer without guessing, so
  it is skipped and listed with its line. The exception is binary classification on a multi_label
  guideline (one line per input and label, ``label`` without ``options``): there a reject is a decided
  "not this label", so an annotator's lines on one input are combined into one answer, the set of the
  labels they accepted (empty when they rejected all).

A model's answers (a session the model answered, e.g. a recipe fed by a model) are lines like any
other; name that session's annotator id as a model annotator (``--model-annotator``) and its
answers are a model's. The model's score is the line's ``score`` (or ``meta.score``, as Prodigy's
``teach`` recipes write it) when present.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from calibration.errors import DataError, Location
from calibration.interop.common import (
    RawImport,
    RawItem,
    RawResponse,
    Skipped,
    item_id_from,
    json_number,
    read_jsonl,
    rule_hints,
)

if TYPE_CHECKING:
    from calibration.guidelines.model import Guideline

EXPECTED = "Prodigy's db-out JSONL (one annotation per line with _input_hash and _annotator_id)"


def read_prodigy(data: bytes, source: str, guideline: Guideline) -> RawImport:
    """Read a Prodigy ``db-out`` JSONL file.

    Args:
        data: the file's bytes.
        source: the file name, for messages.
        guideline: the guideline version (its task type decides how an accepted answer is read).

    Returns:
        The `RawImport`; item ids are ``meta.item_id`` (or a top-level ``item_id``) when present, else
        the ``_input_hash``.

    Raises:
        DataError: a line without ``_input_hash``, without an annotator (``_annotator_id`` or
            ``_session_id``) or without ``answer``; invalid JSON; naming the line.
    """
    raw = RawImport(format="prodigy", source=source)
    task_type = guideline.task.type
    binary: dict[tuple[str, str], tuple[list[str], Location]] = {}
    for number, line in read_jsonl(data, source, EXPECTED):
        where = Location(path=source, line=number)
        if "_input_hash" not in line:
            raise DataError(
                "the line has no _input_hash, so it is not a Prodigy db-out record",
                location=where,
                hint="export the dataset with 'prodigy db-out DATASET > file.jsonl'",
            )
        annotator = line.get("_annotator_id") or line.get("_session_id")
        if annotator in (None, ""):
            raise DataError(
                "the line has neither _annotator_id nor _session_id, so its annotator is unknown",
                location=where,
                hint="annotate with named sessions (?session=NAME) so Prodigy records who answered",
            )
        meta = line["meta"] if isinstance(line.get("meta"), dict) else {}
        item_id = item_id_from(line["_input_hash"], meta, line)
        raw.add_item(RawItem(item_id, _input(task_type, line), where, rule_hints(meta, line)))
        answer = line.get("answer")
        if answer not in ("accept", "reject", "ignore"):
            raise DataError(
                f"answer must be accept, reject or ignore, got {answer!r}",
                location=where,
                hint="only saved annotations have an answer; export with db-out",
            )
        if task_type == "multi_label" and "label" in line and "options" not in line and answer != "ignore":
            accepted, _ = binary.setdefault((item_id, str(annotator)), ([], where))
            if answer == "accept" and line["label"] not in accepted:
                accepted.append(line["label"])
            continue
        if answer != "accept":
            reason = (
                "ignored in Prodigy"
                if answer == "ignore"
                else "rejected in Prodigy (a reject names no answer)"
            )
            raw.skipped.append(Skipped(where, reason, str(annotator)))
            continue
        value = _answer(task_type, line, where)
        raw.responses.append(RawResponse(item_id, str(annotator), value, where, score=_score(line, meta)))
    for (item_id, annotator), (accepted, where) in binary.items():
        raw.responses.append(RawResponse(item_id, annotator, accepted, where))
    return raw


def _score(line: dict[str, Any], meta: dict[str, Any]) -> float | None:
    """The model's score of the line (``score``, else ``meta.score``), when it is a number."""
    for value in (line.get("score"), meta.get("score")):
        if (number := json_number(value)) is not None:
            return number
    return None


def _input(task_type: str, line: dict[str, Any]) -> Any:
    if task_type == "pairwise":
        return {"prompt": line.get("prompt", line.get("text", "")), "a": line.get("a"), "b": line.get("b")}
    if task_type == "ranking":
        options = {str(o.get("id")): str(o.get("text", "")) for o in line.get("options") or []}
        return {"prompt": line.get("prompt", line.get("text", "")), "candidates": options}
    return line.get("text")


def _answer(task_type: str, line: dict[str, Any], where: Location) -> Any:
    if task_type == "span":
        spans = []
        for span in line.get("spans") or []:
            entry = {"start": span.get("start"), "end": span.get("end"), "label": span.get("label")}
            text = line.get("text")
            if isinstance(text, str) and isinstance(entry["start"], int) and isinstance(entry["end"], int):
                entry["text"] = text[entry["start"] : entry["end"]]
            spans.append(entry)
        return spans
    if "accept" in line and "options" in line:
        chosen = list(line.get("accept") or [])
        if task_type == "multi_label" or task_type == "ranking":
            return chosen
        if len(chosen) == 1:
            return chosen[0]
        return chosen
    if "label" in line and task_type in ("single_label", "multi_label"):
        return line["label"] if task_type == "single_label" else [line["label"]]
    raise DataError(
        "the accepted task has no answer this guideline can read (no options/accept, label or spans)",
        location=where,
        hint=f"a {task_type} guideline reads 'accept' of a choice task"
        + (", or 'spans'" if task_type == "span" else ""),
    )
