"""An attempt in progress shows no verdict on the Annotators page: "in progress (1 of N)", no failed rules."""

from __future__ import annotations

from calibration.rounds import service
from tests.app.app_helpers import calibration_round, new_app, page, single_label_guideline
from tests.app.lead_pages_support import frames


def test_one_answer_of_a_quiz_fails_no_rule_yet(app_engine, app_lead, app_annotator):
    guideline = single_label_guideline()
    round_ = calibration_round(app_engine, app_lead, guideline, app_annotator)
    attempt = service.start_or_resume_attempt(app_engine, round_.id, app_annotator)
    gold = service.round_items(app_engine, round_.id)
    first = attempt.items[0]
    wrong = next(label.id for label in guideline.task.labels if label.id != gold[first].answer)
    service.record_answer(app_engine, attempt.id, first, wrong, actor=app_annotator)

    at = new_app(app_lead).run()
    at.switch_page(page("annotators.py")).run()
    assert not at.exception, at.exception
    scores = frames(at, index="annotator_id")[0]
    row = scores.loc[app_annotator.name]
    assert row["decision"] == f"in progress (1 of {len(attempt.items)})"
    assert list(row["failed_rules"]) == []
    assert row["passed"] is None or row["passed"] != row["passed"]  # no verdict (None or NaN)

    for item in attempt.items[1:]:  # finished: the verdict is back
        service.record_answer(app_engine, attempt.id, item, wrong, actor=app_annotator)
    service.finish_attempt(app_engine, attempt.id, actor=app_annotator)
    at = new_app(app_lead).run()
    at.switch_page(page("annotators.py")).run()
    row = frames(at, index="annotator_id")[0].loc[app_annotator.name]
    assert row["decision"] in {"fail", "undecided"} and list(row["failed_rules"])
