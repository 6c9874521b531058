"""What the annotator reads: texts reflowed as paragraphs, pass marks shown exactly as they are checked."""

from __future__ import annotations

from typing import Any

from calibration.guidelines.model import Guideline
from calibration.rounds import service
from tests.app.app_helpers import calibration_round, new_app, page, texts, unescape

FOLDED = "The supplier shall indemnify the\ncustomer against every claim.\n\nThis is a second paragraph."


def folded_guideline(**policy: Any) -> Guideline:
    """Two rules with three gold items each; item texts and an example folded like a YAML literal block."""
    items = [
        {"id": f"p{n}", "input": f"Praise {n}:\nline two", "rules": ["R-POS"], "answer": "POS"}
        for n in range(3)
    ] + [
        {"id": f"n{n}", "input": f"Complaint {n}:\nline two", "rules": ["R-NEG"], "answer": "NEG"}
        for n in range(3)
    ]
    items[0]["input"] = FOLDED
    return Guideline.model_validate(
        {
            "format": 1,
            "id": "folded",
            "version": "1.0.0",
            "title": "Folded texts",
            "task": {
                "type": "single_label",
                "labels": [{"id": "POS", "name": "Positive"}, {"id": "NEG", "name": "Negative"}],
            },
            "calibration": {
                "items_per_quiz": 6,
                "min_items_per_rule": 3,
                "feedback": "immediate",
                "pass_kappa": None,
                "pass_rule_accuracy": 0.67,
                **policy,
            },
            "rules": [
                {
                    "id": "R-POS",
                    "title": "Praise",
                    "text": "Praise is **Positive**.",
                    "labels": ["POS"],
                    "examples": [{"input": FOLDED, "answer": "POS", "why": "Plain."}],
                },
                {
                    "id": "R-NEG",
                    "title": "Complaints",
                    "text": "A complaint is **Negative**.",
                    "labels": ["NEG"],
                },
            ],
            "items": items,
        }
    )


def _paragraph_shown(at: Any) -> list[str]:
    return [m.value for m in at.markdown if "supplier" in m.value]


def test_a_quiz_text_folded_in_the_file_reads_as_one_paragraph(app_engine, app_lead, app_annotator):
    guideline = folded_guideline()
    round_ = calibration_round(app_engine, app_lead, guideline, app_annotator)
    attempt = service.start_or_resume_attempt(app_engine, round_.id, app_annotator)
    at = new_app(app_annotator, query={"round": str(round_.id)}).run()
    at.switch_page(page("quiz.py")).run()
    # answer until the folded item is on screen
    while "supplier" not in texts(at):
        attempt = service.get_attempt(app_engine, attempt.id, actor=app_annotator)
        item = guideline.item(attempt.next_item)
        key = f"quiz_{attempt.id}_{attempt.items.index(item.id)}"
        at.radio(key=f"{key}_answer").set_value(item.answer)
        at.button(key=f"{key}_submit").click().run()
        at.button(key="quiz_next").click().run()
    [shown] = _paragraph_shown(at)
    assert shown.split("\n\n") == [
        "The supplier shall indemnify the customer against every claim\\.",
        "This is a second paragraph\\.",
    ]


def test_a_guideline_example_folded_in_the_file_reads_as_one_paragraph(app_engine, app_lead, app_annotator):
    guideline = folded_guideline()
    calibration_round(app_engine, app_lead, guideline, app_annotator)
    at = new_app(app_annotator, query={"version": guideline.ref}).run()
    at.switch_page(page("guideline.py")).run()
    assert not at.exception
    [shown] = _paragraph_shown(at)
    assert (
        unescape(shown)
        == "The supplier shall indemnify the customer against every claim.\n\nThis is a second paragraph."
    )


def _finish_with_two_of_three_on(
    at: Any, engine: Any, round_: Any, user: Any, guideline: Guideline, rule: str
) -> None:
    attempt = service.start_or_resume_attempt(engine, round_.id, user)
    wrong_once = False
    while True:
        attempt = service.get_attempt(engine, attempt.id, actor=user)
        if attempt.next_item is None:
            return
        item = guideline.item(attempt.next_item)
        key = f"quiz_{attempt.id}_{attempt.items.index(item.id)}"
        answer = item.answer
        if rule in item.rules and not wrong_once:
            answer, wrong_once = ("NEG" if item.answer == "POS" else "POS"), True
        at.radio(key=f"{key}_answer").set_value(answer)
        at.button(key=f"{key}_submit").click().run()
        at.button(key="quiz_next").click().run()


def test_two_of_three_on_a_rule_is_shown_as_below_the_exact_pass_mark(app_engine, app_lead, app_annotator):
    guideline = folded_guideline()
    round_ = calibration_round(app_engine, app_lead, guideline, app_annotator)
    at = new_app(app_annotator, query={"round": str(round_.id)}).run()
    at.switch_page(page("quiz.py")).run()
    _finish_with_two_of_three_on(at, app_engine, round_, app_annotator, guideline, "R-NEG")
    at.run()
    assert not at.exception
    assert at.error[0].value.startswith("Not passed yet")
    # the pass mark as checked: 2/3 (66.67%) is below 0.67, so a 3-item rule needs all 3
    assert "To pass: every rule ≥ 67% of its items (3 of 3 correct)" in [c.value for c in at.caption]
    table = at.dataframe[0].value.set_index("rule")
    assert table.loc["R-NEG", ["correct", "needed", "reread"]].tolist() == [2, 3, True]
    assert table.loc["R-POS", ["correct", "needed", "reread"]].tolist() == [3, 3, False]
    assert table.loc["R-NEG", "accuracy"] < 67  # the bar is not drawn at the pass mark
    assert "rule R-NEG: 2 of 3 correct (66.67%), below 67%: at least 3 of 3 needed" in unescape(texts(at))


def test_a_pass_mark_of_two_thirds_passes_two_of_three(app_engine, app_lead, app_annotator):
    guideline = folded_guideline(pass_rule_accuracy=0.66)
    round_ = calibration_round(app_engine, app_lead, guideline, app_annotator)
    at = new_app(app_annotator, query={"round": str(round_.id)}).run()
    at.switch_page(page("quiz.py")).run()
    _finish_with_two_of_three_on(at, app_engine, round_, app_annotator, guideline, "R-NEG")
    at.run()
    assert at.success[0].value.startswith("Passed.")
    assert "To pass: every rule ≥ 66% of its items (2 of 3 correct)" in [c.value for c in at.caption]
