"""The rounds page's preview and "Manage round" section: archive, delete, remove the demo, preview a quiz (AppTest)."""

from __future__ import annotations

from calibration.rounds import service
from tests.app.app_helpers import (
    calibration_round,
    errors,
    new_app,
    page,
    single_label_guideline,
    texts,
    unescape,
)


def _rounds_page(user, pick=None):
    at = new_app(user)
    if pick is not None:
        at.session_state["rounds_pick"] = pick
    at.run()
    at.switch_page(page("rounds.py")).run()
    assert not at.exception, at.exception
    return at


def _answer_one(engine, round_, annotator):
    attempt = service.start_or_resume_attempt(engine, round_.id, annotator)
    service.record_answer(engine, attempt.id, attempt.next_item, "POS", actor=annotator)


def test_an_archived_round_leaves_the_annotators_list_and_comes_back(app_engine, app_lead, app_annotator):
    round_ = calibration_round(app_engine, app_lead, single_label_guideline(), app_annotator)
    _answer_one(app_engine, round_, app_annotator)
    at = _rounds_page(app_lead)
    at.button(key=f"rounds_archive_{round_.id}").click().run()
    assert not at.exception and not at.error
    assert service.get_round(app_engine, round_.id).archived
    assert unescape(at.success[0].value) == "Quiz round is archived."
    assert "archived" in at.selectbox(key="rounds_pick").format_func(round_.id)

    home = new_app(app_annotator).run()
    assert "Quiz round" not in texts(home)
    assert service.counts(app_engine)["responses"] == 1  # data kept

    at.button(key=f"rounds_unarchive_{round_.id}").click().run()
    assert not at.exception and not service.get_round(app_engine, round_.id).archived
    assert "Quiz round" in texts(new_app(app_annotator).run())


def test_the_rounds_page_opens_on_the_newest_round_that_is_not_archived(app_engine, app_lead, app_annotator):
    older = calibration_round(app_engine, app_lead, single_label_guideline(), app_annotator, name="Older")
    newer = service.create_calibration_round(app_engine, "Newer", older.guideline_ref, actor=app_lead)
    service.archive_round(app_engine, newer.id, actor=app_lead)
    at = _rounds_page(app_lead)
    assert at.selectbox(key="rounds_pick").value == older.id


def test_deleting_a_round_needs_its_name_and_removes_its_answers(app_engine, app_lead, app_annotator):
    round_ = calibration_round(app_engine, app_lead, single_label_guideline(), app_annotator)
    _answer_one(app_engine, round_, app_annotator)
    at = _rounds_page(app_lead)
    assert at.button(key="rounds_delete").disabled
    at.text_input(key=f"rounds_delete_name_{round_.id}").input("Quiz").run()
    assert at.button(key="rounds_delete").disabled
    at.text_input(key=f"rounds_delete_name_{round_.id}").input("Quiz round").run()
    at.button(key="rounds_delete").click().run()
    assert not at.exception and not at.error
    assert service.list_rounds(app_engine, include_archived=True) == []
    counts = service.counts(app_engine)
    assert counts["responses"] == counts["attempts"] == counts["assignments"] == 0
    assert unescape(at.success[0].value) == "Quiz round is deleted with 1 answer."
    assert [e.entity for e in service.audit_log(app_engine) if e.action == "delete_round"] == [
        "round:Quiz round"
    ]


def test_a_lead_removes_the_demo_workspace(app_engine, app_lead):
    from calibration.rounds.demo_workspace import DEMO_NAMES, has_demo_workspace, load_demo_workspace

    load_demo_workspace(app_engine, actor=app_lead)
    at = _rounds_page(app_lead)
    assert at.button(key="rounds_demo_remove").disabled
    at.checkbox(key="rounds_demo_confirm").check().run()
    at.button(key="rounds_demo_remove").click().run()
    assert not at.exception and not at.error
    assert not has_demo_workspace(app_engine)
    assert not set(DEMO_NAMES.values()) & {u.name for u in service.list_users(app_engine)}
    assert service.counts(app_engine)["responses"] == 0
    assert "Demo workspace removed: 3 rounds, 6 simulated annotators." in unescape(at.success[0].value)
    assert "Load the demo workspace" in [b.label for b in new_app(app_lead).run().button]


def test_the_demo_section_is_shown_only_with_a_demo_round(app_engine, app_lead, app_annotator):
    calibration_round(app_engine, app_lead, single_label_guideline(), app_annotator)
    at = _rounds_page(app_lead)
    assert not [b for b in at.button if b.key == "rounds_demo_remove"]


def test_a_lead_previews_a_quiz_without_writing_anything(app_engine, app_lead, app_annotator):
    guideline = single_label_guideline()
    round_ = calibration_round(app_engine, app_lead, guideline, app_annotator)
    before = service.counts(app_engine)
    at = _rounds_page(app_lead)
    at.button(key="rounds_preview_start").click().run()
    assert not at.exception and not at.error
    key = f"rounds_preview_{round_.id}"
    order = at.session_state[key]["items"]
    assert len(order) == guideline.calibration.items_per_quiz
    first = guideline.item(order[0])
    # the same widgets as the quiz page, and no gold before the lead answers
    radio = at.radio(key=f"{key}_0_answer")
    assert radio.options == ["Positive", "Negative"] and radio.value is None
    assert not [i for i in guideline.items if i.why in texts(at)]
    radio.set_value("NEG" if first.answer == "POS" else "POS")
    at.button(key=f"{key}_0_submit").click().run()
    assert not at.exception
    shown = texts(at)
    assert first.why in shown and "Not quite" in unescape(shown)
    assert not [i for i in guideline.items if i.id != first.id and i.why in shown]
    at.button(key="rounds_preview_next").click().run()
    assert at.radio(key=f"{key}_1_answer").value is None
    assert service.counts(app_engine) == before  # no attempt, assignment, answer or audit entry
    assert service.round_status(app_engine, round_.id).annotators[0].attempts == 0


def test_an_empty_preview_answer_is_refused(app_engine, app_lead, app_annotator):
    round_ = calibration_round(app_engine, app_lead, single_label_guideline(), app_annotator)
    at = _rounds_page(app_lead)
    at.button(key="rounds_preview_start").click().run()
    at.button(key=f"rounds_preview_{round_.id}_0_submit").click().run()
    assert [w.value for w in at.warning] == ["Choose an answer before submitting."]
    assert not errors(at)


def test_the_preview_names_an_incomplete_ranking(app_engine, app_lead, app_annotator):
    from tests.app.app_helpers import task_guideline

    ranking = task_guideline("ranking")
    round_ = calibration_round(app_engine, app_lead, ranking, app_annotator)
    at = _rounds_page(app_lead)
    at.button(key="rounds_preview_start").click().run()
    key = f"rounds_preview_{round_.id}"
    first = ranking.item(at.session_state[key]["items"][0])
    at.multiselect(key=f"{key}_0_answer").set_value(list(first.input.candidates)[:1])
    at.button(key=f"{key}_0_submit").click().run()
    count = len(first.input.candidates)
    assert [w.value for w in at.warning] == [
        f"Rank all {count} candidates before submitting: choose them one by one, best first, until none is left."
    ]


def test_the_preview_shows_a_span_text_once(app_engine, app_lead, app_annotator):
    from tests.app.app_helpers import task_guideline

    spans = task_guideline("span")
    round_ = calibration_round(app_engine, app_lead, spans, app_annotator)
    at = _rounds_page(app_lead)
    at.button(key="rounds_preview_start").click().run()
    key = f"rounds_preview_{round_.id}"
    first = spans.item(at.session_state[key]["items"][0])
    word = max(first.input.text.split(), key=len).strip(".,;:!?'\"")
    shown = "\n".join(str(m.value) for m in at.markdown)
    assert at.get("component_instance") and word not in shown  # only the selection widget shows the text


def test_a_round_every_annotator_finished_says_so_as_home_does(app_engine, app_lead):
    """The demo pilots read "finished" on Home but only "open" on the Rounds page (tester's walk)."""
    from calibration.rounds.demo_workspace import demo_round_name, load_demo_workspace

    load_demo_workspace(app_engine, actor=app_lead)
    demo = next(r for r in service.list_rounds(app_engine) if r.name == demo_round_name("1.0.0"))
    assert demo.status == "open" and demo.id in service.finished_round_ids(app_engine)
    at = _rounds_page(app_lead, pick=demo.id)
    assert any(c.value.endswith("· open · every annotator finished") for c in at.caption)
    assert at.button(key=f"rounds_close_{demo.id}")  # still open: it can be closed
    home = new_app(app_lead).run()
    recent = home.dataframe[0].value.set_index("round")["status"]
    assert recent[demo.name] == "open · every annotator finished"  # the same words on Home
