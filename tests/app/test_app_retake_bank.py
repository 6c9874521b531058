"""When a rule runs out of items whose gold an annotator has not seen, the retake is refused and the lead is told."""

from __future__ import annotations

from calibration.rounds import service
from tests.app.app_helpers import calibration_round, errors, new_app, page, single_label_guideline


def _fail(engine, annotator, round_id) -> None:
    attempt = service.start_or_resume_attempt(engine, round_id, annotator)
    for item_id in attempt.items:
        service.record_answer(engine, attempt.id, item_id, "POS", actor=annotator)
    assert service.finish_attempt(engine, attempt.id, actor=annotator).passed is False


def test_an_exhausted_rule_refuses_the_retake_and_warns_the_lead(app_engine, app_lead, app_annotator):
    round_ = calibration_round(app_engine, app_lead, single_label_guideline(), app_annotator)
    _fail(app_engine, app_annotator, round_.id)  # R-NEG failed: one of its two items shown
    _fail(app_engine, app_annotator, round_.id)  # the retake used the other one

    at = new_app(app_annotator, query={"round": str(round_.id)})
    at.switch_page(page("quiz.py")).run()
    assert not at.exception, at.exception
    # no retake button that could only refuse: the result page says why at once
    assert not [b for b in at.button if b.key == "quiz_retake"]
    # the annotator is told in their own words (the bank is the lead's to fix), not with the lead's error
    assert not [e for e in errors(at) if "needs more quiz items" in e]
    assert (
        "A retake needs quiz items you have not seen yet, and there are not enough left for R-NEG: items "
        "whose answers you were shown cannot count again. Your lead sees this on the Rounds page and can "
        "add items in a new version of the guideline; come back then."
    ) in [i.value.replace("\\", "") for i in at.info]

    lead = new_app(app_lead).run()
    lead.switch_page(page("rounds.py")).run()
    assert not lead.exception, lead.exception
    assert [w.value.replace("\\", "") for w in lead.warning] == [
        "rule R-NEG needs more quiz items: the gold answers of its 2 item(s) were shown to Ari Annotator, "
        "so no retake on it can be drawn"
    ]
