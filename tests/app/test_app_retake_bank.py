"""When a rule runs out of items the annotator has not seen, the retake reuses the ones seen longest ago:
it is offered, Home and the quiz page say the same, reused items are marked, and the lead is told."""

from __future__ import annotations

from calibration.rounds import service
from tests.app.app_helpers import calibration_round, new_app, page, single_label_guideline, texts, unescape


def _fail(engine, annotator, round_id) -> None:
    attempt = service.start_or_resume_attempt(engine, round_id, annotator)
    for item_id in attempt.items:
        service.record_answer(engine, attempt.id, item_id, "POS", actor=annotator)
    assert service.finish_attempt(engine, attempt.id, actor=annotator).passed is False


def test_a_rule_out_of_unseen_items_still_gets_a_retake_with_reused_items(
    app_engine, app_lead, app_annotator
):
    round_ = calibration_round(app_engine, app_lead, single_label_guideline(), app_annotator)
    _fail(app_engine, app_annotator, round_.id)  # R-NEG failed: one of its two items shown
    _fail(app_engine, app_annotator, round_.id)  # the retake used the other one

    waiting = "Not passed yet: a retake on the rules to reread is waiting."
    home = new_app(app_annotator).run()
    assert not home.exception, home.exception
    assert any(waiting in c.value for c in home.caption)

    at = new_app(app_annotator, query={"round": str(round_.id)})
    at.switch_page(page("quiz.py")).run()
    assert not at.exception, at.exception
    assert at.error[0].value == f"{waiting} Reread the rules marked below."  # as Home says
    assert "needs more quiz items" not in texts(at)
    lead = new_app(app_lead).run()
    lead.switch_page(page("rounds.py")).run()
    assert not lead.exception, lead.exception
    assert not lead.warning
    # a sentence on the page: a capital letter and a full stop (the CLI prints it after "warning:")
    assert [i.value.replace("\\", "") for i in lead.info if "euse quiz items" in i.value] == [
        "Retakes reuse quiz items seen before, the ones seen longest ago, for rules with too few unseen "
        "items: R-NEG (Ari Annotator). Add items with gold answers for them in a new guideline version "
        "for fresh ones."
    ]
    at.button(key="quiz_retake").click().run()
    assert not at.exception, at.exception
    assert "You have seen this item before, in an earlier attempt" in unescape(texts(at))
    attempts = service.my_attempts(app_engine, round_.id, actor=app_annotator)
    assert len(attempts) == 3 and not attempts[-1].finished
    assert service.seen_before(app_engine, attempts[-1].id, actor=app_annotator)
    # the result names the reused items (they count like the others: docs/calibration.md)
    retake = attempts[-1]
    gold = service.round_items(app_engine, round_.id)
    for item_id in retake.items:
        service.record_answer(app_engine, retake.id, item_id, gold[item_id].answer, actor=app_annotator)
    result = service.finish_attempt(app_engine, retake.id, actor=app_annotator)
    at = new_app(app_annotator, query={"round": str(round_.id)})
    at.switch_page(page("quiz.py")).run()
    assert not at.exception, at.exception
    title = "Notes on this result" if result.passed else "Why the quiz did not pass"
    (notes,) = [e for e in at.expander if e.label == title]
    assert "1 item was seen in an earlier attempt (their gold answer was shown)" in unescape(
        " ".join(m.value for m in notes.markdown)
    )
