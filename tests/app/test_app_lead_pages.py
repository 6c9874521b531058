"""Home, guideline reader and rounds pages (AppTest)."""

from __future__ import annotations

from calibration.rounds import service
from calibration.rounds.demo_workspace import DEMO_BOX_ROUND, demo_round_name
from tests.app.app_helpers import calibration_round, errors, new_app, page, single_label_guideline, texts


def test_lead_loads_the_demo_workspace_from_home(app_engine, app_lead):
    at = new_app(app_lead).run()
    assert at.title[0].value == "Hello, Lena Lead"
    at.button(key="home_demo").click().run()
    assert not at.exception
    names = [demo_round_name("1.0.0"), demo_round_name("1.1.0"), DEMO_BOX_ROUND]
    assert at.success[0].value.startswith("Loaded: ")
    assert [m.value for m in at.metric if m.label == "Rounds"] == ["3"]  # counted after loading
    assert sorted(r.name for r in service.list_rounds(app_engine)) == sorted(names)
    data = service.round_responses(app_engine, names[0])
    assert data.responses["annotator_id"].nunique() == 6
    assert data.responses["annotator_id"].str.endswith("(demo)").all()
    at.run()
    assert not [b for b in at.button if b.key == "home_demo"]  # offered only while not loaded


def test_home_counts_only_rounds_still_waiting_for_answers_as_open(app_engine, app_lead, app_annotator):
    """Finished (the demo pilots), closed and archived rounds are not open; a round someone is still
    to take, or nobody has joined yet, is."""
    from calibration.rounds.demo_workspace import load_demo_workspace

    load_demo_workspace(app_engine, actor=app_lead)  # three pilots every annotator finished
    guideline = single_label_guideline()
    waiting = calibration_round(app_engine, app_lead, guideline, app_annotator, name="Waiting")
    service.create_calibration_round(app_engine, "Nobody yet", guideline.ref, actor=app_lead)
    closed = service.create_calibration_round(
        app_engine, "Closed", guideline.ref, actor=app_lead, annotators=[app_annotator.name]
    )
    service.close_round(app_engine, closed.id, actor=app_lead)
    archived = service.create_calibration_round(
        app_engine, "Archived", guideline.ref, actor=app_lead, annotators=[app_annotator.name]
    )
    service.archive_round(app_engine, archived.id, actor=app_lead)
    at = new_app(app_lead).run()
    assert not at.exception
    assert [m.value for m in at.metric if m.label == "Waiting for answers"] == ["2"]  # Waiting, Nobody yet
    assert not [m for m in at.metric if m.label == "Open rounds"]  # "open" is a status, said one way
    recent = at.dataframe[0].value.set_index("round")["status"]
    assert recent["Waiting"] == recent["Nobody yet"] == "open" and recent["Closed"] == "closed"
    # the Rounds page's words (service.round_state), not a second wording of its own
    assert (recent[recent.index.str.startswith("Demo pilot")] == "open · every annotator finished").all()
    assert service.finished_round_ids(app_engine) >= {
        r.id for r in service.list_rounds(app_engine) if r.name.startswith("Demo pilot")
    }
    assert waiting.id not in service.finished_round_ids(app_engine)


def test_annotator_home_lists_rounds_with_progress(app_engine, app_lead, app_annotator):
    round_ = calibration_round(app_engine, app_lead, single_label_guideline(), app_annotator)
    at = new_app(app_annotator).run()
    assert "**Quiz round** · calibration round · `tiny-labels@1.0.0`" in texts(at)
    at.button(key=f"home_open_{round_.id}").click().run()
    assert not at.exception
    assert at.title[0].value == "Tiny label guideline"


def test_guideline_page_shows_rules_examples_with_gold_and_filters_by_search(app_engine, app_annotator):
    at = new_app(app_annotator, query={"version": "contract-clauses@1.1.0"}).run()
    at.switch_page(page("guideline.py")).run()
    assert not at.exception
    assert at.title[0].value == "Contract clause classification"
    rules = [h.value for h in at.subheader]
    assert len(rules) == 8 and rules[0].startswith("R-INDEM · ")
    assert any(m.value.startswith("Answer: **") for m in at.markdown)  # gold of teaching examples
    at.text_input(key="guideline_query").input("force majeure").run()
    shown = [h.value for h in at.subheader]
    assert shown and all("R-FM" in h or "R-" in h for h in shown) and len(shown) < 8
    at.text_input(key="guideline_query").input("zzz-no-such-words").run()
    assert at.warning[0].value == "No rule mentions zzz\\-no\\-such\\-words."


def test_guideline_page_never_shows_the_quiz_bank(app_engine, app_annotator):
    guideline = single_label_guideline()
    service.publish(app_engine, guideline)
    at = new_app(app_annotator, query={"version": guideline.ref}).run()
    at.switch_page(page("guideline.py")).run()
    shown = texts(at)
    assert "Praise is positive" in shown and "Plain praise." in shown
    assert not [item for item in guideline.items if item.why in shown or item.input.text in shown]


def test_lead_creates_a_calibration_round_with_invitation_links(app_engine, app_lead):
    at = new_app(app_lead).run()
    at.switch_page(page("rounds.py")).run()
    assert not at.exception
    at.text_input(key="rounds_name").input("Spring cohort")
    at.selectbox(key="rounds_ref").set_value("contract-clauses@1.1.0")
    at.number_input(key="rounds_links_count").set_value(2)
    at.button(key="rounds_create").click().run()
    assert not at.exception, at.exception
    (round_,) = service.list_rounds(app_engine)
    assert (round_.name, round_.kind, round_.guideline_ref) == (
        "Spring cohort",
        "calibration",
        "contract-clauses@1.1.0",
    )
    links = [c.value for c in at.code]
    assert len(links) == 2 and all("/join?invite=" in link for link in links)
    token = links[0].split("invite=")[1]
    user, joined = service.redeem_invitation(app_engine, token, "Invited Ida")
    assert joined.id == round_.id
    service.start_or_resume_attempt(app_engine, round_.id, user)
    at.run()
    progress = at.dataframe[0].value
    assert progress[["annotator", "status", "answered"]].values.tolist() == [
        ["Invited Ida", "in progress", 0]
    ]


def test_round_creation_errors_are_shown_not_raised(app_engine, app_lead):
    at = new_app(app_lead).run()
    at.switch_page(page("rounds.py")).run()
    at.button(key="rounds_create").click().run()  # no name
    assert not at.exception
    assert errors(at) == ["round: a round needs 1 to 200 characters, got 0"]
    assert service.list_rounds(app_engine) == []


def test_rounds_page_shows_per_rule_results_of_a_finished_quiz(app_engine, app_lead, app_annotator):
    guideline = single_label_guideline()
    round_ = calibration_round(app_engine, app_lead, guideline, app_annotator)
    attempt = service.start_or_resume_attempt(app_engine, round_.id, app_annotator)
    for item_id in attempt.items:
        service.record_answer(app_engine, attempt.id, item_id, "POS", actor=app_annotator)
    service.finish_attempt(app_engine, attempt.id, actor=app_annotator)
    at = new_app(app_lead).run()
    at.switch_page(page("rounds.py")).run()
    assert not at.exception, at.exception
    status = at.dataframe[0].value
    assert status[["annotator", "status", "passed"]].values.tolist() == [
        ["Ari Annotator", "finished", "not passed"]
    ]
    per_rule = at.dataframe[1].value
    assert per_rule.loc["Ari Annotator"].to_dict() == {"R-NEG": 0.0, "R-POS": 1.0}


def test_lead_creates_a_pilot_round_with_annotators_and_overlap(app_engine, app_lead, app_annotator):
    from calibration.rounds import service as svc

    svc.create_user(app_engine, "Bo Second", role="annotator", actor=app_lead)
    at = new_app(app_lead).run()
    at.switch_page(page("rounds.py")).run()
    assert at.number_input(key="rounds_seed").label == "Seed (makes quizzes reproducible)"
    at.segmented_control(key="rounds_kind").set_value("pilot").run()
    # a pilot has no quiz: the seed fixes the design
    assert at.number_input(key="rounds_seed").label == (
        "Seed (makes who answers which item, and in which order, reproducible)"
    )
    at.text_input(key="rounds_name").input("Pilot A")
    at.selectbox(key="rounds_ref").set_value("contract-clauses@1.0.0")
    at.multiselect(key="rounds_annotators").set_value(["Ari Annotator", "Bo Second"])
    at.number_input(key="rounds_overlap").set_value(2)
    at.number_input(key="rounds_links_count").set_value(0)
    at.button(key="rounds_create").click().run()
    assert not at.exception, at.exception
    (round_,) = svc.list_rounds(app_engine)
    assert (round_.kind, round_.settings["overlap"]) == ("pilot", 2)
    status = at.dataframe[0].value
    assert sorted(status["annotator"]) == ["Ari Annotator", "Bo Second"]
    assert set(status["status"]) == {"not started"}
    assert not [c for c in at.code if "invite=" in c.value]


def test_create_round_form_previews_the_quiz_length_and_resets_after_creation(app_engine, app_lead):
    from calibration.rounds.quiz_length import quiz_length

    at = new_app(app_lead).run()
    at.switch_page(page("rounds.py")).run()
    at.text_input(key="rounds_name").input("First cohort")
    at.selectbox(key="rounds_ref").set_value("contract-clauses@1.1.0")
    at.number_input(key="rounds_per_quiz").set_value(6).run()
    expected = quiz_length(service.get_guideline(app_engine, "contract-clauses@1.1.0"), 6).sentence()
    assert (
        expected.startswith("Quizzes will have about ")
        and ", not 6: each of the 8 rules gets at least 3 items" in expected
    )
    assert expected in [w.value for w in at.warning]  # before creating the round
    at.checkbox(key="rounds_cite").check()
    at.button(key="rounds_create").click().run()
    assert not at.exception
    (first,) = service.list_rounds(app_engine)
    assert (first.settings["items_per_quiz"], first.settings["cite_rules"]) == (6, True)
    assert f"Created the round First cohort. {expected}" in at.success[0].value
    # every field is back to its default for the next round
    assert at.text_input(key="rounds_name").value == ""
    assert at.checkbox(key="rounds_cite").value is False
    assert at.number_input(key="rounds_per_quiz").value == 0  # kept while hidden, still reset here
    assert at.number_input(key="rounds_per_quiz").value == 0
    assert at.number_input(key="rounds_links_count").value == 3
    at.text_input(key="rounds_name").input("Second cohort")
    at.button(key="rounds_create").click().run()
    second = service.get_round(app_engine, "Second cohort")
    assert second.settings["cite_rules"] is False
    assert (
        second.settings["items_per_quiz"]
        == service.get_guideline(app_engine, second.guideline_ref).calibration.items_per_quiz
    )


def test_a_refused_round_keeps_the_fields_and_says_why(app_engine, app_lead):
    at = new_app(app_lead).run()
    at.switch_page(page("rounds.py")).run()
    at.checkbox(key="rounds_cite").check()
    at.number_input(key="rounds_per_quiz").set_value(5)
    at.button(key="rounds_create").click().run()  # no name
    assert not at.exception
    assert errors(at) and not service.list_rounds(app_engine)
    assert at.checkbox(key="rounds_cite").value is True
    assert at.number_input(key="rounds_per_quiz").value == 5
