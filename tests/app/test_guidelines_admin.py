"""AppTest of the guidelines page: upload and validate, publish (and the refused republish), compare versions."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from calibration.guidelines.diff import diff_guidelines
from calibration.guidelines.loading import load_guideline
from tests.app.app_helpers import errors
from tests.app.lead_pages_support import make_workspace

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
    printed = capsys.readouterr().out.replace(str(folder) + "/", "")
    at = _upload(ws.page("guidelines_admin.py", ws.author).run(), "1.1.0.yaml", broken.encode())
    assert not at.exception
    count = len(printed.strip().splitlines())
    assert count >= 2
    assert at.error[0].value == f"{count} problems in 1\\.1\\.0\\.yaml: fix them and upload again."
    assert at.code[0].value.strip() == printed.strip()
    assert ":" in at.code[0].value.splitlines()[0]  # path:line:col: field: message


def test_an_upload_is_located_in_its_own_file_name_with_one_problem_said_once(ws):
    lines = V100.read_text().splitlines()
    lines[29] = "   : : [" + lines[29]  # the tester's bad1.yaml: a syntax error on line 30
    at = _upload(ws.page("guidelines_admin.py", ws.author).run(), "bad1.yaml", "\n".join(lines).encode())
    assert not at.exception
    assert at.error[0].value == "1 problem in bad1\\.yaml: fix it and upload again."
    shown = at.code[0].value.strip()
    assert shown.startswith("bad1.yaml:30:"), shown
    assert "guidelines/" not in shown
    assert "(hint: check the indentation" in shown


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
    # said on upload, before any click (it said "is valid" and "is published", then refused the click),
    # and no Publish button for a file that can never be published
    (message,) = errors(at)
    assert message.startswith("version: contract-clauses@1.2.0 is already published with different content")
    assert message.endswith(
        "(hint: published versions never change: bump the version (e.g. to 1.2.1) and add a changelog entry)"
    )
    assert not at.success and not at.info
    assert "gadm_publish" not in [b.key for b in at.button]
    same = _upload(ws.page("guidelines_admin.py", ws.lead).run(), "1.2.0.yaml", new.encode())
    assert not same.error
    assert [s.value for s in same.success] == ["contract-clauses@1.2.0 is valid."]
    assert "contract-clauses@1.2.0 is published." in [i.value for i in same.info]


def test_compare_two_versions_shows_the_diff(ws):
    at = ws.page("guidelines_admin.py", ws.author).run()
    at.selectbox(key="gadm_old").set_value("contract-clauses@1.0.0")
    at.selectbox(key="gadm_new").set_value("contract-clauses@1.1.0").run()
    assert not at.exception
    old, new = load_guideline(V100), load_guideline(V110)
    result = diff_guidelines(old, new)
    shown = [m.value.strip() for m in at.markdown]
    # the diff's headings sit below the page's own ("Compare two versions" is a subheader)
    assert "#### Changes from `contract-clauses@1.0.0` to `contract-clauses@1.1.0`" in shown
    headings = [m for m in shown if m.startswith("#")]
    assert headings and all(m.startswith("####") for m in headings)
    assert "##### Rules" in shown
    changed = [r for r in result.rules if r.status == "changed" and r.text_changed]
    assert changed
    for rule in changed:
        assert any(m.startswith(f"###### `{rule.rule_id}`") and "(changed)" in m for m in shown)
        # the old and the new text each render whole, as their own markdown block
        assert old.rule(rule.rule_id).text.strip() in shown
        assert new.rule(rule.rule_id).text.strip() in shown
    for rule in result.rules:
        for key in rule.edge_cases.added:
            assert any("edge case added:" in m and f"`{key}`" in m for m in shown)
    # the download is still the stand-alone markdown document
    assert at.download_button(key="gadm_diff_download").label == "Download the diff (markdown)"


def test_the_diff_download_is_the_markdown_document_of_the_two_versions_chosen(ws, monkeypatch):
    from tests.app.download_content import Downloads

    downloads = Downloads(monkeypatch)
    at = ws.page("guidelines_admin.py", ws.author).run()
    at.selectbox(key="gadm_old").set_value("contract-clauses@1.0.0")
    at.selectbox(key="gadm_new").set_value("contract-clauses@1.1.0").run()
    assert not at.exception
    document = downloads.text(at.download_button(key="gadm_diff_download"))
    assert document == diff_guidelines(load_guideline(V100), load_guideline(V110)).to_markdown()
    assert document.startswith("# Changes from contract-clauses@1.0.0 to contract-clauses@1.1.0\n")
    # the other way round is another document: the button follows the choice
    at.selectbox(key="gadm_old").set_value("contract-clauses@1.1.0")
    at.selectbox(key="gadm_new").set_value("contract-clauses@1.0.0").run()
    reverse = downloads.text(at.download_button(key="gadm_diff_download"))
    assert reverse.startswith("# Changes from contract-clauses@1.1.0 to contract-clauses@1.0.0\n")


def test_demote_headings_moves_every_heading_below_the_page_title():
    from calibration.app.widgets.diff_view import demote_headings

    assert demote_headings("# A\ntext #1\n## B\n###### C") == "#### A\ntext #1\n##### B\n###### C"


def _show_diff_app(old_path, new_path, title):
    from calibration.app.widgets.diff_view import show_diff
    from calibration.guidelines.diff import diff_guidelines
    from calibration.guidelines.loading import load_guideline

    old, new = load_guideline(old_path), load_guideline(new_path)
    rules = [r.model_copy(update={"title": title}) if i == 0 else r for i, r in enumerate(new.rules)]
    new = new.model_copy(update={"rules": rules})
    show_diff(diff_guidelines(old, new), old, new)


def test_a_renamed_rules_title_is_shown_escaped():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_show_diff_app, args=(str(V100), str(V110), "**[x](javascript:1)**"))
    at.run()
    assert not at.exception
    shown = " ".join(m.value for m in at.markdown)
    assert "renamed:" in shown
    assert "\\*\\*\\[x\\]\\(javascript\\:1\\)\\*\\*" in shown
    assert "[x](javascript:1)" not in shown


def test_pick_a_bundled_version(ws):
    at = ws.page("guidelines_admin.py", ws.lead).run()
    at.segmented_control(key="gadm_source").set_value("Bundled or published").run()
    at.selectbox(key="gadm_pick").set_value("contract-clauses@1.1.0").run()
    assert "contract-clauses@1.1.0 is published." in [i.value for i in at.info]


def test_annotator_is_refused(ws):
    at = ws.page("guidelines_admin.py", ws.annotator).run()
    assert at.error[0].value.startswith("This page is for a lead or guideline author")
    assert not at.file_uploader


def test_a_draft_file_is_not_published_on_restart_but_listed_for_a_person_to_publish(
    ws, tmp_path, monkeypatch
):
    from calibration.app.bootstrap import prepare_database
    from calibration.guidelines import versions
    from calibration.rounds import service
    from calibration.storage.engine import make_engine

    folder = tmp_path / "guidelines"
    shutil.copytree(versions.BUNDLED_DIR, folder)
    draft = V110.read_text().replace("version: 1.1.0", "version: 1.1.1", 1)
    draft = draft.replace(
        "changelog:\n", "changelog:\n  - {version: 1.1.1, date: 2026-12-07, changes: Draft.}\n", 1
    )
    (folder / "contract-clauses" / "1.1.1.yaml").write_text(draft)
    monkeypatch.setattr(versions, "BUNDLED_DIR", folder)
    restarted = make_engine(ws.url)  # a new process starting on the same store
    prepare_database(restarted)
    assert "contract-clauses@1.1.1" not in {v.ref for v in service.list_guideline_versions(restarted)}
    restarted.dispose()

    at = ws.page("guidelines_admin.py", ws.author).run()
    assert not at.exception
    assert at.subheader[0].value == "Drafts to review"
    assert at.selectbox(key="gadm_draft").options == ["contract-clauses@1.1.1"]
    assert "contract-clauses@1.1.1 is valid." in [s.value for s in at.success]
    at.button(key="gadm_draft_publish_contract-clauses@1.1.1").click().run()
    assert "Published contract-clauses@1.1.1." in [s.value for s in at.success]
    published = {v.ref: v for v in service.list_guideline_versions(ws.engine)}
    assert published["contract-clauses@1.1.1"].published_by == ws.author.id
    # the published draft leaves the list at once: no second "Publish this draft" beside "Published"
    assert not [s for s in at.subheader if s.value == "Drafts to review"]
    assert not [b for b in at.button if b.key.startswith("gadm_draft_publish")]
    at.run()
    assert not [s for s in at.subheader if s.value == "Drafts to review"]
    assert "Published contract-clauses@1.1.1." not in [s.value for s in at.success]  # said once


def test_a_click_for_a_draft_published_meanwhile_publishes_no_other_draft(ws, tmp_path, monkeypatch):
    """Two drafts; another author publishes the one this page shows: the click must not publish the other."""
    from calibration.guidelines import versions
    from calibration.rounds import service

    folder = tmp_path / "guidelines" / "contract-clauses"
    folder.mkdir(parents=True)
    for version in ("1.1.1", "1.1.2"):
        text = V110.read_text().replace("version: 1.1.0", f"version: {version}", 1)
        text = text.replace(
            "changelog:\n", f"changelog:\n  - {{version: {version}, date: 2026-12-07, changes: Draft.}}\n", 1
        )
        (folder / f"{version}.yaml").write_text(text)
    monkeypatch.setattr(versions, "BUNDLED_DIR", folder.parent)
    at = ws.page("guidelines_admin.py", ws.author).run()
    assert at.selectbox(key="gadm_draft").options == ["contract-clauses@1.1.1", "contract-clauses@1.1.2"]
    at.selectbox(key="gadm_draft").set_value("contract-clauses@1.1.2").run()
    button = at.button(key="gadm_draft_publish_contract-clauses@1.1.2")
    service.publish(ws.engine, load_guideline(folder / "1.1.2.yaml"), ws.lead)  # another session
    button.click().run()
    assert not at.exception and not at.error
    published = {v.ref for v in service.list_guideline_versions(ws.engine)}
    assert "contract-clauses@1.1.1" not in published  # never reviewed here: not published by this click
    assert "The draft you had chosen is no longer listed" in "\n".join(w.value for w in at.warning)
    assert at.selectbox(key="gadm_draft").value == "contract-clauses@1.1.1"
    assert not [s for s in at.success if s.value.startswith("Published")]


def test_an_invalid_draft_shows_its_problems_and_no_publish_button(ws, tmp_path, monkeypatch):
    from calibration.guidelines import versions

    folder = tmp_path / "guidelines" / "contract-clauses"
    folder.mkdir(parents=True)
    (folder / "1.2.0.yaml").write_text(
        V110.read_text().replace("version: 1.1.0", "version: 1.2.0", 1).replace("title:", "titel:", 1)
    )
    monkeypatch.setattr(versions, "BUNDLED_DIR", folder.parent)
    at = ws.page("guidelines_admin.py", ws.lead).run()
    assert not at.exception
    assert at.error[0].value.startswith(
        "2 problems in contract\\-clauses@1\\.2\\.0: fix the file before publishing it."
    )
    assert "unknown field 'titel'" in at.code[0].value
    assert not [b for b in at.button if b.key.startswith("gadm_draft_publish")]


def test_an_upload_is_validated_once_not_on_every_rerun(ws, monkeypatch):
    from calibration.app.widgets import analysis_uploads

    calls = []
    real = analysis_uploads.validate_upload

    def counting(name, data):
        calls.append(name)
        return real(name, data)

    monkeypatch.setattr(analysis_uploads, "validate_upload", counting)
    text = V110.read_text().replace("version: 1.1.0", "version: 1.9.7", 1) + "# validated once\n"
    at = _upload(ws.page("guidelines_admin.py", ws.lead).run(), "1.9.7.yaml", text.encode())
    assert not at.exception
    assert "contract-clauses@1.9.7 is valid." in [s.value for s in at.success]
    at.run()
    at.run()
    assert "contract-clauses@1.9.7 is valid." in [s.value for s in at.success]
    assert calls == ["1.9.7.yaml"]


def test_a_draft_with_images_is_published_with_them(ws, tmp_path, monkeypatch):
    from calibration.guidelines import versions
    from calibration.rounds import service
    from tests.box_guideline import write_box_guideline

    folder = tmp_path / "guidelines"
    write_box_guideline(folder / "street", name="1.0.0.yaml")
    monkeypatch.setattr(versions, "BUNDLED_DIR", folder)
    at = ws.page("guidelines_admin.py", ws.lead).run()
    assert at.selectbox(key="gadm_draft").options == ["street@1.0.0"]
    at.button(key="gadm_draft_publish_street@1.0.0").click().run()
    assert not at.exception
    assert "Published street@1.0.0." in [s.value for s in at.success]
    (version,) = [v for v in service.list_guideline_versions(ws.engine) if v.ref == "street@1.0.0"]
    image = service.image_of(ws.engine, version.id, "images/street-01.png")
    assert (image.width, image.height) == (20, 10)
    # picked as a published version, publishing again is a no-op, not a missing-images error
    at.segmented_control(key="gadm_source").set_value("Bundled or published").run()
    at.selectbox(key="gadm_pick").set_value("street@1.0.0").run()
    at.button(key="gadm_publish").click().run()
    assert not at.error and "Published street@1.0.0." in [s.value for s in at.success]


def test_an_adaptive_guideline_that_cannot_be_passed_is_warned_about_before_publish(ws):
    """`calibration lint` warns adaptive_cannot_pass; the page said only "is valid" (tester's walk)."""
    text = V110.read_text().replace("version: 1.1.0", "version: 1.2.0", 1)
    text = text.replace("  min_items_per_rule: 3\n", "  min_items_per_rule: 3\n  policy: adaptive\n", 1)
    at = _upload(ws.page("guidelines_admin.py", ws.lead).run(), "1.2.0.yaml", text.encode())
    assert not at.exception
    assert at.success[0].value == "contract-clauses@1.2.0 is valid."
    assert at.warning and "cannot be passed" in at.warning[0].value
    assert "adaptive quiz needs" in at.code[0].value
    assert at.button(key="gadm_publish")  # a warning, not a refusal

    fixed = _upload(ws.page("guidelines_admin.py", ws.lead).run(), "1.2.0.yaml", V110.read_text().encode())
    assert not [w for w in fixed.warning if "cannot be passed" in w.value]
