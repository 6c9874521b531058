"""The guideline JSON schema (the one `calibration schema` prints) accepts valid guidelines only."""

from __future__ import annotations

import json

import pytest

from calibration.guidelines.versions import BUNDLED_DIR


def _plain(text: str) -> object:
    """YAML text as JSON-compatible data (dates as strings), the way an editor's schema check sees it."""
    import yaml

    return json.loads(json.dumps(yaml.safe_load(text), default=str))


def test_schema_accepts_valid_guidelines_and_refuses_unknown_fields(valid_yaml: str) -> None:
    jsonschema = pytest.importorskip("jsonschema")  # installed with streamlit (via altair)
    from calibration.guidelines.schema import guideline_json_schema

    validator = jsonschema.Draft202012Validator(guideline_json_schema())
    assert list(validator.iter_errors(_plain(valid_yaml))) == []
    for file in sorted(BUNDLED_DIR.rglob("*.yaml")):
        if file.stem[0].isdigit():
            assert list(validator.iter_errors(_plain(file.read_text(encoding="utf-8")))) == [], file
    errors = list(validator.iter_errors(_plain(valid_yaml.replace("    labels: [POS]", "    lables: [POS]"))))
    assert [e.message for e in errors] == ["Additional properties are not allowed ('lables' was unexpected)"]
