"""Rounds page: importing a pilot from another tool (upload, dry run, label renames, import) (AppTest)."""

from __future__ import annotations

import json

import pytest

from calibration.rounds import service
from tests.app.app_helpers import ROOT, errors, new_app, page, single_label_guideline, texts

REF = "tiny-labels@1.0.0"


def _task(tid, text, annotations, **data):
    return {"id": tid, "data": {"text": text, **data}, "annotations": annotations, "predictions": []}


def _annotation(aid, who, label):
    return {
        "id": aid,
        "completed_by": {"id": who, "email": f"{who}@x.org"},
        "result": [
            {
                "value": {"choices": [label]},
                "id": f"r{aid}",
                "from_name": "sentiment",
                "to_name": "text",
                "type": "choices",
                "origin": "manual",
            }
        ],
        "was_cancelled": False,
        "ground_truth": False,
        "lead_time": 2.0,
    }


def export(second_label: str = "NEG") -> bytes:
    """Two tasks, two annotators; the second task's second answer carries `second_label`."""
    tasks = [
        _task(1, "Love it", [_annotation(1, "ana", "POS"), _annotation(2, "bo", "POS")], rule="R-POS"),
        _task(2, "Broken <b>again</b>", [_annotation(3, "ana", "NEG"), _annotation(4, "bo", second_label)]),
    ]
    return json.dumps(tasks, indent=1).encode()


def _rounds_page(app_engine, app_lead, data: bytes, name: str = "pilot.json"):
    service.publish(app_engine, single_label_guideline(), app_lead)
    at = new_app(app_lead)
    at.switch_page(page("rounds.py")).run()
    at.selectbox(key="imp_format").set_value("labelstudio")
    at.file_uploader(key="imp_file").set_value((name, data, "application/json"))
    at.selectbox(key="imp_ref").set_value(REF)
    at.text_input(key="imp_round_name").input("Imported pilot")
    at.run()
    at.button(key="imp_check").click().run()
    assert not at.exception
    return at


def _stored(app_engine):
    stored = service.round_responses(app_engine, "Imported pilot")
    return sorted(stored.responses[["item_id", "annotator_id", "answer"]].itertuples(index=False))


def test_lead_checks_then_imports_a_label_studio_export(app_engine, app_lead):
    at = _rounds_page(app_engine, app_lead, export())
    shown = texts(at)
    assert (
        "would import 4 answers by 2 annotators on 2 items from pilot.json (labelstudio) into pilot round "
        "'Imported pilot' on tiny-labels@1.0.0 (dry run: nothing written)"
    ) in shown
    assert [m.value for m in at.metric] == ["2", "2", "4", "0"]
    assert "Imported pilot" not in [r.name for r in service.list_rounds(app_engine)]

    at.button(key="imp_import").click().run()
    assert not at.exception and errors(at) == []
    (round_,) = service.list_rounds(app_engine)
    assert (round_.name, round_.kind, round_.guideline_ref) == ("Imported pilot", "pilot", REF)
    assert _stored(app_engine) == [
        ("1", "ana@x.org", "POS"),
        ("1", "bo@x.org", "POS"),
        ("2", "ana@x.org", "NEG"),
        ("2", "bo@x.org", "NEG"),
    ]
    assert "Imported into the new pilot round 'Imported pilot'" in "\n".join(s.value for s in at.success)
    assert at.selectbox(key="rounds_pick").value == round_.id
    at.button(key="imp_dashboard").click().run()
    assert not at.exception
    assert at.title[0].value == "Agreement dashboard"
    assert at.selectbox(key="dash_round").value == round_.id


def test_unknown_label_gets_a_rename_form_and_imports_after_mapping(app_engine, app_lead):
    at = _rounds_page(app_engine, app_lead, export(second_label="Negative!"))
    message = "\n".join(errors(at))
    assert "label 'Negative!' is not a label of tiny-labels@1.0.0 (used 1 time(s):" in message
    assert "nothing was imported" in message
    assert "'Negative!': used 1 time(s): task 2" in "\n".join(c.value for c in at.code)
    assert not [b for b in at.button if b.key == "imp_import"]
    rename = at.selectbox(key="imp_rename_0")
    assert rename.options == ["POS", "NEG"]
    rename.set_value("NEG")
    at.button(key="imp_rename_apply").click().run()
    assert not at.exception and errors(at) == []
    assert "renamed label Negative! -> NEG (1 times)" in "\n".join(c.value for c in at.code)

    at.button(key="imp_import").click().run()
    assert not at.exception and errors(at) == []
    assert ("2", "bo@x.org", "NEG") in _stored(app_engine)


def test_forget_the_renames_brings_the_unknown_label_back(app_engine, app_lead):
    at = _rounds_page(app_engine, app_lead, export(second_label="Negative!"))
    at.selectbox(key="imp_rename_0").set_value("NEG")
    at.button(key="imp_rename_apply").click().run()
    assert "'Negative!' -> NEG" in [c.value for c in at.code]
    assert [b for b in at.button if b.key == "imp_import"]

    at.button(key="imp_renames_clear").click().run()
    assert not at.exception
    assert "imp_renames" not in at.session_state
    assert "'Negative!' -> NEG" not in [c.value for c in at.code]
    assert not [b for b in at.button if b.key in ("imp_renames_clear", "imp_import")]  # check again first
    at.button(key="imp_check").click().run()
    assert "label 'Negative!' is not a label of tiny-labels@1.0.0" in "\n".join(errors(at))
    assert not [b for b in at.button if b.key == "imp_import"]
    assert service.list_rounds(app_engine) == []


def test_truncated_json_is_a_clear_error_and_nothing_is_written(app_engine, app_lead):
    service.publish(app_engine, single_label_guideline(), app_lead)
    before = service.counts(app_engine)
    at = _rounds_page(app_engine, app_lead, export()[:-40], name="cut.json")
    message = "\n".join(errors(at))
    assert "cut.json" in message and "Traceback" not in message
    assert "ends early" in message or "truncated" in message
    assert not [b for b in at.button if b.key == "imp_import"]
    assert service.counts(app_engine) == before
    assert service.list_rounds(app_engine) == []


def test_annotator_cannot_see_the_import(app_engine, app_lead, app_annotator):
    from streamlit.testing.v1 import AppTest

    from calibration.app.state import USER_KEY

    router = new_app(app_annotator).run()
    with pytest.raises(ValueError):  # the rounds page is not in an annotator's navigation
        router.switch_page(page("rounds.py"))
    at = AppTest.from_file(str(ROOT / page("rounds.py")), default_timeout=30)  # opened directly
    at.session_state[USER_KEY] = app_annotator.id
    at.run()
    assert not at.exception
    assert errors(at) == ["This page is for a lead; you are signed in as an annotator."]
    assert not at.file_uploader
    assert "Import a pilot from another tool" not in texts(at)


def test_wide_csv_with_ignored_columns_and_an_item_to_rule_map(app_engine, app_lead):
    service.publish(app_engine, single_label_guideline(), app_lead)
    at = new_app(app_lead)
    at.switch_page(page("rounds.py")).run()
    at.selectbox(key="imp_format").set_value("csv-wide").run()
    data = b"item_id,notes,ana,bo\nx1,mixed,POS,NEG\nx2,plain,POS,POS\n"
    at.file_uploader(key="imp_file").set_value(("wide.csv", data, "text/csv"))
    at.selectbox(key="imp_ref").set_value(REF)
    at.text_input(key="imp_round_name").input("Imported pilot")
    at.run()
    at.button(key="imp_check").click().run()
    assert "label 'mixed' is not a label of tiny-labels@1.0.0" in "\n".join(
        errors(at)
    )  # notes read as answers

    at.text_input(key="imp_ignore").input("notes")
    at.file_uploader(key="imp_item_rules").set_value(("map.csv", b"item_id,rule_id\nx1,R-NEG\n", "text/csv"))
    at.run()
    assert not [b for b in at.button if b.key == "imp_import"]  # inputs changed: check again first
    at.button(key="imp_check").click().run()
    assert errors(at) == []
    assert "items matched to rules: 1 by labels, 1 by map" in "\n".join(c.value for c in at.code)
    at.button(key="imp_import").click().run()
    assert not at.exception and errors(at) == []
    stored = service.round_responses(app_engine, "Imported pilot")
    assert sorted(stored.item_rules.itertuples(index=False)) == [("x1", "R-NEG"), ("x2", "R-POS")]
    assert len(stored.responses) == 4


def test_user_text_is_escaped_in_the_import_messages(app_engine, app_lead):
    at = _rounds_page(app_engine, app_lead, export())
    at.text_input(key="imp_round_name").input("<b>P</b> [x](javascript:alert(1))").run()
    at.button(key="imp_check").click().run()
    at.button(key="imp_import").click().run()
    assert not at.exception
    success = "\n".join(s.value for s in at.success)
    assert "\\<b\\>P\\</b\\> \\[x\\]\\(javascript" in success
    (round_,) = service.list_rounds(app_engine)
    assert round_.name == "<b>P</b> [x](javascript:alert(1))"


def test_lead_names_a_model_annotator_and_its_answers_stay_out_of_human_agreement(app_engine, app_lead):
    service.publish(app_engine, single_label_guideline(), app_lead)
    at = new_app(app_lead)
    at.switch_page(page("rounds.py")).run()
    csv = "item_id,annotator_id,answer,rule_id\nt1,ana,POS,R-POS\nt1,bo,POS,R-POS\nt1,senti-bot,NEG,R-POS\n"
    at.selectbox(key="imp_format").set_value("csv")
    at.file_uploader(key="imp_file").set_value(("model.csv", csv.encode(), "text/csv"))
    at.selectbox(key="imp_ref").set_value(REF)
    at.text_input(key="imp_round_name").input("Imported pilot")
    at.text_input(key="imp_models").input("senti-bot")
    at.run()
    at.button(key="imp_check").click().run()
    assert not at.exception and errors(at) == []
    assert "model annotators (kept out of human agreement): senti-bot" in texts(at)
    at.button(key="imp_import").click().run()
    assert not at.exception and errors(at) == []
    stored = service.round_responses(app_engine, "Imported pilot")
    assert sorted(stored.responses["annotator_id"]) == ["ana", "bo"]
    assert stored.model_responses["annotator_id"].tolist() == ["senti-bot"]


def test_the_round_gets_the_default_name_the_dry_run_announced(app_engine, app_lead, monkeypatch):
    import datetime as dt
    import itertools
    import types

    from calibration.rounds import importing

    minutes = itertools.count()  # every reading of the clock is a minute later than the last

    class Clock(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return dt.datetime(2026, 12, 7, 10, 0, tzinfo=tz) + dt.timedelta(minutes=next(minutes))

    monkeypatch.setattr(importing, "dt", types.SimpleNamespace(UTC=dt.UTC, datetime=Clock))
    service.publish(app_engine, single_label_guideline(), app_lead)
    at = new_app(app_lead)
    at.switch_page(page("rounds.py")).run()
    at.selectbox(key="imp_format").set_value("labelstudio")
    at.file_uploader(key="imp_file").set_value(("pilot.json", export(), "application/json"))
    at.selectbox(key="imp_ref").set_value(REF)
    at.run()
    at.button(key="imp_check").click().run()
    assert "into pilot round 'pilot import 2026-12-07 10:00:00' on tiny-labels@1.0.0 (dry run" in texts(at)
    at.button(key="imp_import").click().run()
    assert not at.exception and errors(at) == []
    assert [r.name for r in service.list_rounds(app_engine)] == ["pilot import 2026-12-07 10:00:00"]


def test_a_file_naming_one_annotator_in_two_casings_is_refused_at_the_check(app_engine, app_lead):
    tasks = [
        _task(1, "Love it", [_annotation(1, "ana", "POS"), _annotation(2, "bo", "POS")]),
        _task(2, "Broken", [_annotation(3, "ANA", "NEG"), _annotation(4, "bo", "NEG")]),
    ]
    at = _rounds_page(app_engine, app_lead, json.dumps(tasks).encode())
    assert errors(at) == [
        "pilot.json: annotator_id: annotators 'ANA@x.org' and 'ana@x.org' differ only by case "
        "(hint: names are matched ignoring case; spell each annotator the same way throughout)"
    ]
    assert not [b for b in at.button if b.key == "imp_import"]
    assert service.list_rounds(app_engine) == []


def test_the_dry_run_reports_every_problem_of_a_long_csv_in_row_order(app_engine, app_lead):
    """It said only "row 4: annotator_id: empty annotator_id", not the bad label on row 3."""
    service.publish(app_engine, single_label_guideline(), app_lead)
    at = new_app(app_lead)
    at.switch_page(page("rounds.py")).run()
    csv = "item_id,annotator_id,answer\nt1,ana,POS\nt1,bo,MEH\nt2,,NEG\n"
    at.selectbox(key="imp_format").set_value("csv")
    at.file_uploader(key="imp_file").set_value(("pilot.csv", csv.encode(), "text/csv"))
    at.selectbox(key="imp_ref").set_value(REF)
    at.text_input(key="imp_round_name").input("Imported pilot")
    at.run()
    at.button(key="imp_check").click().run()
    assert not at.exception
    (shown,) = errors(at)
    assert shown.splitlines() == [
        "pilot.csv: row 3: label 'MEH' is not a label of tiny-labels@1.0.0 "
        "(hint: --map-labels 'MEH=NEW_LABEL' renames it)",
        "pilot.csv: row 4: annotator_id: empty annotator_id",
        "pilot.csv: 2 problems; nothing was imported",
    ]
    assert not [b for b in at.button if b.key == "imp_import"]
    assert [r.name for r in service.list_rounds(app_engine)] == []
