"""Uploading a span guideline whose gold span cannot be selected in the quiz: refused, located, explained."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.lead_pages_support import make_workspace

FIXTURE = (
    Path(__file__).resolve().parents[1] / "guidelines" / "fixtures" / "broken" / "span_not_selectable.yaml"
)


@pytest.fixture()
def ws(tmp_path, monkeypatch):
    return make_workspace(tmp_path, monkeypatch)


def test_an_uploaded_gold_span_off_token_boundaries_is_reported_with_its_line(ws):
    at = ws.page("guidelines_admin.py", ws.author).run()
    at.file_uploader(key="gadm_upload").set_value(("1.0.0.yaml", FIXTURE.read_bytes(), "application/x-yaml"))
    at.run()
    assert not at.exception
    assert at.error[0].value == "3 problems in 1\\.0\\.0\\.yaml: fix them and upload again."
    printed = at.code[0].value
    assert (
        "1.0.0.yaml:19:20: rules[0].examples[0].answer[1].text: gold span 'Evelyn Strou' (NAME) cannot be "
        "selected: it ends inside the token 'Stroud'"
    ) in printed
    assert "mark 'Evelyn Stroud' instead" in printed
    assert not [b for b in at.button if "Publish" in str(b.label)]
