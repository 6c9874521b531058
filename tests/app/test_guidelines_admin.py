"""AppTest of the guidelines page: upload and validate, publish (and the refused republish), compare versions."""

from __future__ import annotations

from pathlib import Path

import pytest
from lead_pages_support import make_workspace, texts

from calibration.guidelines.diff import diff_guidelines
from calibration.guidelines.loading import load_guideline

ROOT = Path(__file__).resolve().parents[2]
V100 = ROOT / "guidelines" / "contract-clauses" / "1.0.0.yaml"
V110 = ROOT / "guidelines" / "contract-clauses" / "1.1.0.yaml"


@pytest.fixture()
def ws(tmp_path, monkeypatch):
    return make_workspace(tmp_path, monkeypatch)


def _upload(at, name: str, data: bytes):
    at.file_uploader(key="gadm_upload").set_value((name, data, "application/x-yaml"))
    return at.run()


def test_invalid_upload_shows_problems_as_the_cli_prints_them(ws, tmp_path, capsys):
    from calibration.cli.main import main

    broken = (
        V110.read_text().replace("type: single_label", "type: single_lable", 1).replace("title:", "titel:", 1)
    )
    folder = tmp_path / "guidelines" / "contract-clauses"
    folder.mkdir(parents=True)
    (folder / "1.1.0.yaml").write_text(broken)
    assert main(["validate", str(folder / "1.1.0.yaml")]) == 1
    printed = capsys.readouterr().out.replace(str(tmp_path) + "/", "")
    at = _upload(ws.page("guidelines_admin.py", ws.author).run(), "1.1.0.yaml", broken.encode())
    assert not at.exception
    count = len(printed.strip().splitlines())
    assert count >= 2
    assert at.error[0].value == f"{count} problems in 1\\.1\\.0\\.yaml: fix them and upload again."
    assert at.code[0].value.strip() == printed.strip()
    assert ":" in at.code[0].value.splitlines()[0]  # path:line:col: field: message


def test_non_utf8_upload_is_refused_clearly(ws):
    at = _upload(ws.page("guidelines_admin.py", ws.lead).run(), "1.2.0.yaml", b"id: x\n\xff\xfe")
    assert "file is not UTF-8: byte 0xff at offset 6 is invalid" in at.code[0].value
    assert not at.button(key="gadm_publish") if at.button else True


def test_publish_a_new_version_then_refuse_changed_content(ws):
    from calibration.rounds import service

    text = V110.read_text()
    new = text.replace("version: 1.1.0", "version: 1.2.0", 1)
    at = _upload(ws.page("guidelines_admin.py", ws.lead).run(), "1.2.0.yaml", new.encode())
    assert at.success[0].value == "contract-clauses@1.2.0 is valid."
    at.button(key="gadm_publish").click().run()
    assert not at.exception
    assert "Published contract-clauses@1.2.0." in [s.value for s in at.success]
    assert "contract-clauses@1.2.0" in [v.ref for v in service.list_guideline_versions(ws.engine)]

    changed = (
        new.replace("title:", "title: Changed", 1)
        if "title: " not in new
        else new.replace("title: ", "title: Changed ", 1)
    )
    at = _upload(ws.page("guidelines_admin.py", ws.lead).run(), "1.2.0.yaml", changed.encode())
    at.button(key="gadm_publish").click().run()
    message = at.error[0].value
    assert "contract-clauses@1.2.0 is already published with different content" in message
    assert "bump the version" in message


def test_compare_two_versions_shows_the_diff(ws):
    at = ws.page("guidelines_admin.py", ws.author).run()
    at.selectbox(key="gadm_old").set_value("contract-clauses@1.0.0")
    at.selectbox(key="gadm_new").set_value("contract-clauses@1.1.0").run()
    assert not at.exception
    expected = diff_guidelines(load_guideline(V100), load_guideline(V110)).to_markdown()
    assert expected.strip() in [m.value.strip() for m in at.markdown]
    assert "# Changes from contract-clauses@1.0.0 to contract-clauses@1.1.0" in texts(at)


def test_pick_a_bundled_version(ws):
    at = ws.page("guidelines_admin.py", ws.lead).run()
    at.segmented_control(key="gadm_source").set_value("Bundled or published").run()
    at.selectbox(key="gadm_pick").set_value("contract-clauses@1.1.0").run()
    assert "contract-clauses@1.1.0 is published." in [i.value for i in at.info]


def test_annotator_is_refused(ws):
    at = ws.page("guidelines_admin.py", ws.annotator).run()
    assert at.error[0].value.startswith("This page is for a lead or guideline author")
    assert not at.file_uploader
