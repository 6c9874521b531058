"""The quiz's "You have seen this item before" notice appears only on items a quiz served again because
their rule had no unseen items left: never in a pilot, nor on items merely met in another round."""

from __future__ import annotations

from calibration.rounds import service
from tests.app.app_helpers import calibration_round, new_app, page, single_label_guideline, texts, unescape

NOTICE = "You have seen this item before"


def _fail(engine, annotator, round_id) -> list[str]:
    attempt = service.start_or_resume_attempt(engine, round_id, annotator)
    for item_id in attempt.items:
        service.record_answer(engine, attempt.id, item_id, "POS", actor=annotator)
    assert service.finish_attempt(engine, attempt.id, actor=annotator).passed is False
    return list(attempt.items)


def _quiz(annotator, round_id):
    at = new_app(annotator, query={"round": str(round_id)})
    at.switch_page(page("quiz.py")).run()
    assert not at.exception, at.exception
    return at


def test_a_pilot_never_says_an_item_was_seen_before(app_engine, app_lead, app_annotator):
    guideline = single_label_guideline()
    round_ = calibration_round(app_engine, app_lead, guideline, app_annotator)
    shown = _fail(app_engine, app_annotator, round_.id)  # gold of one item per rule shown
    pilot = service.create_pilot_round(
        app_engine, "Pilot", guideline.ref, actor=app_lead, annotators=[app_annotator.name]
    )
    attempt = service.start_or_resume_attempt(app_engine, pilot.id, app_annotator)
    assert set(shown) <= set(attempt.items)  # the pilot has every item, the shown ones too
    inputs = {i.id: i.input.text for i in guideline.items}
    met = []
    for item_id in attempt.items:
        at = _quiz(app_annotator, pilot.id)
        assert inputs[item_id] in texts(at)  # this item is on the page
        assert NOTICE not in unescape(texts(at)), item_id
        met.append(item_id)
        service.record_answer(app_engine, attempt.id, item_id, "POS", actor=app_annotator)
    assert set(shown) <= set(met)
    assert service.seen_before(app_engine, attempt.id, actor=app_annotator) == set()


def test_a_first_attempt_does_not_mark_items_whose_rule_still_has_unseen_ones(
    app_engine, app_lead, app_annotator
):
    guideline = single_label_guideline()
    first = calibration_round(app_engine, app_lead, guideline, app_annotator)
    # drawn now, before any gold was shown: the whole bank, so the items the first round shows too
    second = service.create_calibration_round(
        app_engine,
        "Second",
        guideline.ref,
        actor=app_lead,
        annotators=[app_annotator.name],
        items_per_quiz=4,
    )
    shown = _fail(app_engine, app_annotator, first.id)  # one of each rule's two items shown
    attempt = service.start_or_resume_attempt(app_engine, second.id, app_annotator)
    assert set(attempt.items) & set(shown)  # met in the first round, yet each rule has an unseen item
    at = _quiz(app_annotator, second.id)
    assert NOTICE not in unescape(texts(at))
    assert service.seen_before(app_engine, attempt.id, actor=app_annotator) == set()
