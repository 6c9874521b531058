"""JSON Schema of the guideline file format, for completion and checking in editors."""

from __future__ import annotations

from typing import Any

from calibration.guidelines.model import Guideline

SCHEMA_ID = "https://calibration.example/schemas/guideline-format-1.json"


def guideline_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a guideline file, with field descriptions.

    Differences from the pydantic schema, so editors accept what the loader accepts: an example's or
    item's `input` may also be a plain string (shorthand for ``{text: ...}``); and so they refuse
    what it refuses, an input with an ``image`` needs ``alt``, and a TextInput needs ``text`` or ``image``.
    """
    schema = Guideline.model_json_schema()
    definitions = schema.get("$defs", {})
    for name in ("TextInput", "PairInput", "RankingInput"):
        if name in definitions:
            definitions[name]["dependentRequired"] = {"image": ["alt"]}
    if "TextInput" in definitions:
        definitions["TextInput"]["anyOf"] = [{"required": ["text"]}, {"required": ["image"]}]
    for name in ("Example", "Item"):
        properties = schema.get("$defs", {}).get(name, {}).get("properties", {})
        if "input" in properties:
            entry = properties["input"]
            options = entry.pop("anyOf", [])
            entry["anyOf"] = [{"type": "string", "description": "Shorthand for {text: ...}."}, *options]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
    }
