"""Span answers selected in the text (our component): what it receives, one submit per answer, partial
credit in the feedback, malformed values refused, and the token-button fallback.

AppTest cannot run the component's JavaScript (it is an ``UnknownElement``), so these tests send its
value the way the browser does, through ``st.session_state[f"{key}_select"]``; the real browser test
is tests/e2e/test_span_select.py.
"""

from __future__ import annotations

import json

from calibration.app.widgets.spans import PREFER_BUTTONS, text_pieces
from calibration.guidelines.model import Guideline
from calibration.rounds import service
from tests.app.app_helpers import calibration_round, errors, new_app, page, texts

TEXT = "Mrs. Evelyn Stroud's mail: e.s@example.org <b>x</b>, and Bo Lee's too."


def _guideline() -> Guideline:
    return Guideline.model_validate(
        {
            "format": 1,
            "id": "select-pii",
            "version": "1.0.0",
            "title": "Personal data",
            "task": {
                "type": "span",
                "labels": [
                    {"id": "NAME", "name": "Name"},
                    {"id": "EMAIL", "name": "Email", "color": "green"},
                ],
            },
            "calibration": {
                "items_per_quiz": 2,
                "min_items_per_rule": 1,
                "pass_kappa": None,
                "pass_accuracy": 0.5,
            },
            "rules": [
                {"id": "R-NAME", "title": "Names", "text": "Mark names.", "labels": ["NAME"]},
                {"id": "R-MAIL", "title": "Emails", "text": "Mark emails.", "labels": ["EMAIL"]},
            ],
            "items": [
                {
                    "id": "s1",
                    "input": TEXT,
                    "rules": ["R-NAME", "R-MAIL"],
                    "answer": [
                        {"text": "Evelyn Stroud", "label": "NAME"},
                        {"text": "e.s@example.org", "label": "EMAIL"},
                        {"text": "Bo Lee", "label": "NAME"},
                    ],
                    "why": "WHYMARK-s1",
                },
                {
                    "id": "s2",
                    "input": "Nothing personal here.",
                    "rules": ["R-NAME"],
                    "answer": [],
                    "why": "WHYMARK-s2",
                },
            ],
        }
    )


def _open(engine, lead, annotator):
    guideline = _guideline()
    round_ = calibration_round(engine, lead, guideline, annotator)
    at = new_app(annotator, query={"round": str(round_.id)}).run()
    at.switch_page(page("quiz.py")).run()
    assert not at.exception, at.exception
    attempt = service.start_or_resume_attempt(engine, round_.id, annotator)
    return at, guideline, attempt


def _go_to(at, engine, attempt, annotator, item_id):
    """Answer the other item first when the quiz shows it first (the order is drawn per attempt)."""
    if attempt.items[0] == item_id:
        return f"quiz_{attempt.id}_0"
    key = f"quiz_{attempt.id}_0"
    at.session_state[f"{key}_select"] = {"spans": []}
    at.button(key=f"{key}_submit").click().run()
    at.button(key="quiz_next").click().run()
    return f"quiz_{attempt.id}_1"


def _span(text, label):
    start = TEXT.index(text)
    return [start, start + len(text), label]


def _component_args(at) -> dict:
    (element,) = at.get("component_instance")
    assert element.proto.component_name.endswith("span_select")
    return json.loads(element.proto.json_args)


def test_the_component_gets_the_text_as_pieces_the_labels_and_no_gold(app_engine, app_lead, app_annotator):
    at, _, attempt = _open(app_engine, app_lead, app_annotator)
    key = _go_to(at, app_engine, attempt, app_annotator, "s1")
    args = _component_args(at)
    assert args == {
        "pieces": text_pieces(TEXT),
        "labels": [
            {"id": "NAME", "name": "Name", "color": "#a8d1ff"},
            {"id": "EMAIL", "name": "Email", "color": "#b5e8b0"},
        ],
        "spans": [],
        "instance": key,
        "widget": "span_select",  # which widget the shared frame (widgets/frontend) shows
        "key": f"{key}_select",  # Streamlit adds the widget's key and default to the arguments
        "default": None,
    }
    assert "".join(piece["text"] for piece in args["pieces"]) == TEXT
    assert [p["text"] for p in args["pieces"] if p["start"] is not None][2:6] == [
        "Evelyn",
        "Stroud",
        "'s",
        "mail",
    ]
    assert all(TEXT[p["start"] : p["end"]] == p["text"] for p in args["pieces"] if p["start"] is not None)
    assert "WHYMARK-s1" not in texts(at) and "Gold answer" not in texts(at)
    assert at.get("component_instance")[0].proto.form_id == f"{key}_form"  # held until the form is submitted


def test_a_selection_is_recorded_on_submit_and_all_gold_spans_are_correct(
    app_engine, app_lead, app_annotator
):
    at, _, attempt = _open(app_engine, app_lead, app_annotator)
    key = _go_to(at, app_engine, attempt, app_annotator, "s1")
    spans = [_span("Evelyn Stroud", "NAME"), _span("e.s@example.org", "EMAIL"), _span("Bo Lee", "NAME")]
    at.session_state[f"{key}_select"] = {"spans": spans}
    at.button(key=f"{key}_submit").click().run()
    assert not at.exception and not errors(at), errors(at)
    assert at.success[0].value.startswith("Correct. Your answer: ")
    stored = service.get_attempt(app_engine, attempt.id, actor=app_annotator).answers["s1"].answer
    assert sorted([s["start"], s["end"], s["label"]] for s in stored) == sorted(spans)


def test_partly_right_spans_get_f1_credit_in_the_feedback_and_the_score(app_engine, app_lead, app_annotator):
    at, _, attempt = _open(app_engine, app_lead, app_annotator)
    key = _go_to(at, app_engine, attempt, app_annotator, "s1")
    spans = [_span("Evelyn Stroud", "NAME"), _span("e.s@example.org", "EMAIL"), _span("Lee", "NAME")]
    at.session_state[f"{key}_select"] = {"spans": spans}
    at.button(key=f"{key}_submit").click().run()
    assert not at.exception
    assert at.warning[0].value.startswith("Partly right, F1 0.67: 2 of 3 spans right, 1 extra. Your answer: ")
    assert "WHYMARK-s1" in texts(at) and "Gold answer" in texts(at)
    while service.start_or_resume_attempt(app_engine, attempt.round_id, app_annotator).next_item:
        at.button(key="quiz_next").click().run()
        other = f"quiz_{attempt.id}_1"
        at.session_state[f"{other}_select"] = {"spans": []}
        at.button(key=f"{other}_submit").click().run()
    at.button(key="quiz_next").click().run()  # "See my result"
    assert not at.exception
    score = next(m for m in at.metric if m.label == "Score")
    assert score.value == "1.67 / 2"  # 2/3 for the partly right item, 1 for the right one
    result = service.finish_attempt(app_engine, attempt.id, actor=app_annotator)
    assert result.score["n_correct"] == 1 and result.score["accuracy"] == (2 / 3 + 1) / 2
    assert result.passed  # 0.83 >= 0.5: the partial credit counts


def test_a_malformed_selection_is_refused_with_the_service_message(app_engine, app_lead, app_annotator):
    at, _, attempt = _open(app_engine, app_lead, app_annotator)
    key = _go_to(at, app_engine, attempt, app_annotator, "s1")
    at.session_state[f"{key}_select"] = {"spans": [[0, 999, "NAME"]]}
    at.button(key=f"{key}_submit").click().run()
    assert not at.exception
    assert "span [0, 999) is out of bounds for a text of" in errors(at)[0]
    assert service.get_attempt(app_engine, attempt.id, actor=app_annotator).answered == (
        0 if attempt.items[0] == "s1" else 1
    )


def test_token_buttons_are_the_fallback_and_the_choice_is_remembered(app_engine, app_lead, app_annotator):
    at, guideline, attempt = _open(app_engine, app_lead, app_annotator)
    key = f"quiz_{attempt.id}_0"
    assert at.get("component_instance") and not at.pills  # selection in the text by default
    at.toggle(key=f"{key}_buttons").set_value(True).run()
    assert not at.get("component_instance") and at.pills(key=f"{key}_tokens")
    assert at.session_state[PREFER_BUTTONS] is True
    text = guideline.item(attempt.items[0]).input.text
    first = text_pieces(text)[0]["text"]  # "Mrs" or "Nothing"
    at.pills(key=f"{key}_tokens").set_value([0]).run()
    at.segmented_control(key=f"{key}_label").set_value("NAME")
    at.button(key=f"{key}_add").click().run()
    at.button(key=f"{key}_submit").click().run()
    assert not at.exception and errors(at)[0].startswith("Not quite. Your answer: ")  # the feedback
    stored = service.get_attempt(app_engine, attempt.id, actor=app_annotator).answers[attempt.items[0]].answer
    assert stored == [{"start": 0, "end": len(first), "label": "NAME"}]
    at.button(key="quiz_next").click().run()
    assert at.toggle(key=f"quiz_{attempt.id}_1_buttons").value is True  # the next item opens with buttons
    assert not at.get("component_instance")


def test_the_item_text_is_shown_once_by_the_widget_and_by_the_page_with_token_buttons(
    app_engine, app_lead, app_annotator
):
    at, guideline, attempt = _open(app_engine, app_lead, app_annotator)
    key = f"quiz_{attempt.id}_0"
    word = "Evelyn" if attempt.items[0] == "s1" else "personal"  # a word of the item's text
    assert word in guideline.item(attempt.items[0]).input.text
    shown = "\n".join(str(m.value) for m in at.markdown)
    # selecting in the text: the component shows the text, the page does not repeat it above
    assert at.get("component_instance") and word not in shown
    at.toggle(key=f"{key}_buttons").set_value(True).run()
    shown = "\n".join(str(m.value) for m in at.markdown)
    assert word in shown  # token buttons: the page shows the text to read


def test_the_review_marks_a_partly_right_span_item_with_its_f1(app_engine, app_lead, app_annotator):
    at, _, attempt = _open(app_engine, app_lead, app_annotator)
    key = _go_to(at, app_engine, attempt, app_annotator, "s1")
    spans = [_span("Evelyn Stroud", "NAME"), _span("e.s@example.org", "EMAIL"), _span("Lee", "NAME")]
    at.session_state[f"{key}_select"] = {"spans": spans}
    at.button(key=f"{key}_submit").click().run()
    while service.start_or_resume_attempt(app_engine, attempt.round_id, app_annotator).next_item:
        at.button(key="quiz_next").click().run()
        other = f"quiz_{attempt.id}_1"
        at.session_state[f"{other}_select"] = {"spans": []}
        at.button(key=f"{other}_submit").click().run()
    at.button(key="quiz_next").click().run()  # "See my result"
    assert not at.exception
    position = attempt.items.index("s1") + 1
    labels = [e.label for e in at.expander if e.label.startswith("Item ")]
    assert f"Item {position} · ◐ partly right, F1 0.67" in labels, labels
    assert f"Item {3 - position} · correct" in labels, labels
