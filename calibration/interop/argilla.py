"""Argilla 2 records -> raw records.

Argilla 2 exports a dataset's records (``dataset.records.to_json``, ``to_list(flatten=False)``) as
objects with ``id``, ``fields`` (the input), ``metadata``, ``suggestions`` and ``responses``: a mapping
from question name to a list of ``{"value", "user_id", "status"}``. The flat form
(``to_list(flatten=True)``, the Hub export) has the same data as ``"<question>.responses"``,
``"<question>.responses.users"`` and ``"<question>.responses.status"`` lists; both are read.

Values per question type: label_selection a label; multi_label_selection a list; span a list of
``{"start", "end", "label"}``; rating an integer; ranking a list of ``{"value", "rank"}``. Only
``submitted`` responses are answers; ``discarded`` and ``draft`` ones are skipped and listed.
The answer comes from the question named ``question=`` (else the only question that is not a
``confidence``, ``rule``, ``unclear`` or ``comment`` question).

``suggestions`` (a model's pre-filled answers: ``{"<question>": {"value", "score", "agent"}}``, flat
``"<question>.suggestion"``, ``".suggestion.score"`` and ``".suggestion.agent"``) of the answer
question are a model annotator's answers: named by ``agent`` (``"model"`` when empty), kind
``model``, with the suggestion's ``score`` (a list of per-label scores is read as their maximum).
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
    read_json,
    read_jsonl,
    rule_hints,
)
from calibration.interop.labelstudio import AUX_NAMES

if TYPE_CHECKING:
    from calibration.guidelines.model import Guideline

EXPECTED = "Argilla 2 records (a JSON list, or JSON Lines, of records with fields and responses)"


def _records(data: bytes, source: str) -> list[tuple[Location, dict[str, Any]]]:
    head = data.lstrip()[:1]
    if head == b"[" or (head == b"{" and b"\n{" not in data.strip()):
        value = read_json(data, source, EXPECTED)
        if isinstance(value, dict):
            value = value.get("records", [value])
        if not isinstance(value, list):
            raise DataError("expected a list of records", location=Location(path=source), hint=EXPECTED)
        out = []
        for index, record in enumerate(value):
            if not isinstance(record, dict):
                raise DataError(
                    "expected a record object", location=Location(path=source, field=f"record {index}")
                )
            out.append((Location(path=source, field=f"record {record.get('id', index)}"), record))
        return out
    return [
        (Location(path=source, line=number, field=f"record {record.get('id', number)}"), record)
        for number, record in read_jsonl(data, source, EXPECTED)
    ]


def _responses(record: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    nested = record.get("responses")
    if isinstance(nested, dict):
        return {str(k): list(v or []) for k, v in nested.items()}
    out: dict[str, list[dict[str, Any]]] = {}
    for key, values in record.items():
        if key.endswith(".responses") and isinstance(values, list):
            question = key[: -len(".responses")]
            users = record.get(f"{key}.users") or [None] * len(values)
            status = record.get(f"{key}.status") or ["submitted"] * len(values)
            out[question] = [
                {"value": v, "user_id": u, "status": s}
                for v, u, s in zip(values, users, status, strict=False)
            ]
    return out


def _fields(record: dict[str, Any]) -> dict[str, Any]:
    if isinstance(record.get("fields"), dict):
        return record["fields"]
    return {k: v for k, v in record.items() if "." not in k and k not in ("id", "status", "_server_id")}


def read_argilla(data: bytes, source: str, guideline: Guideline, *, question: str | None = None) -> RawImport:
    """Read Argilla 2 records.

    Args:
        data: the file's bytes (JSON list or JSON Lines).
        source: the file name, for messages.
        guideline: the guideline version (task type decides how values are read).
        question: the question holding the answer, when the dataset has several.

    Returns:
        The `RawImport`; item ids are ``metadata.item_id`` when present, else the record ``id``.

    Raises:
        DataError: invalid JSON, a record without ``id``, a response without ``user_id``, several
            answer questions and none chosen; naming the record.
    """
    raw = RawImport(format="argilla", source=source)
    task_type = guideline.task.type
    for where, record in _records(data, source):
        if record.get("id") in (None, ""):
            raise DataError("the record has no id", location=where, hint="export records with their ids")
        metadata = record.get("metadata") if isinstance(record.get("metadata"), dict) else {}
        fields = _fields(record)
        item_id = item_id_from(record["id"], metadata, fields)
        raw.add_item(RawItem(item_id, _input(task_type, fields), where, rule_hints(metadata, fields)))
        responses = _responses(record)
        answer_question = _answer_question(responses, question, where)
        by_user: dict[str, dict[str, Any]] = {}
        for name, entries in responses.items():
            for entry in entries:
                user = entry.get("user_id") if isinstance(entry, dict) else None
                if user in (None, ""):
                    raise DataError(
                        f"a response to question {name!r} has no user_id, so its annotator is unknown",
                        location=where,
                        hint="export the records with their responses (with_responses=True)",
                    )
                status = str(entry.get("status", "submitted"))
                slot = by_user.setdefault(str(user), {"status": status})
                if name == answer_question:
                    slot["status"] = status
                    slot["answer"] = entry.get("value")
                else:
                    column = AUX_NAMES.get(name.lower())
                    if column:
                        slot[column] = entry.get("value")
        suggestion = _suggestion(record, answer_question or _only_suggested(record))
        if suggestion is not None:
            agent, value, score = suggestion
            raw.responses.append(
                RawResponse(
                    item_id, agent, _value(task_type, value), where, annotator_kind="model", score=score
                )
            )
        for user, slot in by_user.items():
            if "answer" not in slot:
                continue
            if slot["status"] != "submitted":
                raw.skipped.append(Skipped(where, f"{slot['status']} in Argilla, not submitted", user))
                continue
            raw.responses.append(
                RawResponse(
                    item_id,
                    user,
                    _value(task_type, slot["answer"]),
                    where,
                    confidence=_int(slot.get("confidence")),
                    cited_rule=str(slot["cited_rule"]) if slot.get("cited_rule") is not None else None,
                    unclear=_truthy(slot.get("unclear")),
                    comment=str(slot["comment"]) if slot.get("comment") else None,
                )
            )
    return raw


MODEL_NAME = "model"
"""The annotator name of a suggestion without ``agent``."""


def _suggestions(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Suggestions by question, from the nested or the flat record shape."""
    nested = record.get("suggestions")
    if isinstance(nested, dict):
        return {str(k): v for k, v in nested.items() if isinstance(v, dict)}
    out: dict[str, dict[str, Any]] = {}
    for key, value in record.items():
        if key.endswith(".suggestion"):
            question = key[: -len(".suggestion")]
            out[question] = {
                "value": value,
                "score": record.get(f"{key}.score"),
                "agent": record.get(f"{key}.agent"),
            }
    return out


def _only_suggested(record: dict[str, Any]) -> str | None:
    names = [n for n in _suggestions(record) if n.lower() not in AUX_NAMES]
    return names[0] if len(names) == 1 else None


def _suggestion(record: dict[str, Any], question: str | None) -> tuple[str, Any, float | None] | None:
    """(agent, value, score) of the answer question's suggestion, or None when it has none."""
    found = _suggestions(record).get(question) if question is not None else None
    if found is None or found.get("value") is None:
        return None
    agent = str(found.get("agent") or "").strip() or MODEL_NAME
    score = found.get("score")
    if isinstance(score, list):  # multi-label suggestions score each label
        numbers = [s for s in score if isinstance(s, int | float) and not isinstance(s, bool)]
        score = max(numbers) if numbers else None
    return agent, found["value"], json_number(score)


def _answer_question(responses: dict[str, Any], question: str | None, where: Location) -> str | None:
    if question is not None:
        return question
    names = [n for n in responses if n.lower() not in AUX_NAMES]
    if len(names) > 1:
        raise DataError(
            f"several questions could hold the answer: {', '.join(sorted(names))}",
            location=where,
            hint="name the question that answers the guideline's task with --question NAME",
        )
    return names[0] if names else None


def _input(task_type: str, fields: dict[str, Any]) -> Any:
    if task_type == "pairwise":
        a = next((fields[k] for k in ("a", "response1", "response_a", "chosen") if k in fields), None)
        b = next((fields[k] for k in ("b", "response2", "response_b", "rejected") if k in fields), None)
        return {"prompt": fields.get("prompt", fields.get("instruction", "")), "a": a, "b": b}
    if task_type == "ranking":
        prompt = fields.get("prompt", fields.get("instruction", ""))
        return {"prompt": prompt, "candidates": {k: str(v) for k, v in fields.items() if k != "prompt"}}
    if isinstance(fields.get("text"), str):
        return fields["text"]
    texts = [v for v in fields.values() if isinstance(v, str)]
    return texts[0] if texts else None


def _value(task_type: str, value: Any) -> Any:
    if task_type == "ranking" and isinstance(value, list) and value and isinstance(value[0], dict):
        return [str(v.get("value")) for v in sorted(value, key=lambda v: v.get("rank") or 0)]
    return value


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _truthy(value: Any) -> bool:
    if isinstance(value, list):
        value = value[0] if value else None
    return value is not None and str(value).lower() not in ("no", "false", "0", "")
