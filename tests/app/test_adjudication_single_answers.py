"""Adjudication: a pilot answered by one annotator has nothing to adjudicate, but is not "unanimous"."""

from __future__ import annotations

import pandas as pd

from calibration.reports.adjudication import empty_queue_message
from calibration.responses import Annotations
from calibration.rounds import service
from tests.app.app_helpers import new_app, page, single_label_guideline


def test_one_answer_per_item_is_not_called_agreement(app_engine, app_lead, app_annotator):
    guideline = single_label_guideline()
    service.publish(app_engine, guideline, app_lead)
    round_ = service.create_pilot_round(
        app_engine, "Solo pilot", guideline.ref, actor=app_lead, annotators=[app_annotator.name], overlap=1
    )
    attempt = service.start_or_resume_attempt(app_engine, round_.id, app_annotator)
    gold = service.round_items(app_engine, round_.id)
    for item_id in attempt.items:
        service.record_answer(app_engine, attempt.id, item_id, gold[item_id].answer, actor=app_annotator)
    service.finish_attempt(app_engine, attempt.id, actor=app_annotator)

    at = new_app(app_lead).run()
    at.switch_page(page("adjudication.py")).run()
    assert not at.exception, at.exception
    message = at.success[0].value
    assert "unanimous" not in message
    assert "one answer per item is not agreement" in message


def test_the_empty_queue_message_names_single_answers() -> None:
    def data(rows: list[tuple[str, str, str]]) -> Annotations:
        frame = pd.DataFrame(rows, columns=["item_id", "annotator_id", "answer"])
        return Annotations(responses=frame, item_rules=pd.DataFrame(columns=["item_id", "rule_id"]))

    assert "not agreement" in empty_queue_message(data([("i1", "a", "X"), ("i2", "a", "Y")]))
    both = data([("i1", "a", "X"), ("i1", "b", "X"), ("i2", "a", "Y")])
    assert empty_queue_message(both).endswith("1 item(s) have a single answer, which is not agreement.")
    assert empty_queue_message(data([("i1", "a", "X"), ("i1", "b", "X")])) == (
        "Nothing to adjudicate: every answered item has gold and unanimous answers."
    )
