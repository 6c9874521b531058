"""A retake that reuses items seen before: the lead's Annotators page counts the answers given on them
(and the drill-down marks them), and scores.csv carries the same count (docs/calibration.md)."""

from __future__ import annotations

import csv
import io

from calibration.reports.analysis import analyse_round, annotator_table
from calibration.reports.exports import scores_csv
from calibration.rounds import service
from tests.app.app_helpers import calibration_round, new_app, page, single_label_guideline, texts


def _answer(engine, annotator, round_id, right: bool) -> None:
    attempt = service.start_or_resume_attempt(engine, round_id, annotator)
    gold = service.round_items(engine, round_id)
    for item_id in attempt.items:
        service.record_answer(
            engine, attempt.id, item_id, gold[item_id].answer if right else "POS", actor=annotator
        )
    service.finish_attempt(engine, attempt.id, actor=annotator)


def _reused_round(engine, lead, annotator):
    round_ = calibration_round(engine, lead, single_label_guideline(), annotator)
    _answer(engine, annotator, round_.id, right=False)  # R-NEG failed: one of its two items shown
    _answer(engine, annotator, round_.id, right=False)  # the retake used the other one
    _answer(engine, annotator, round_.id, right=True)  # this retake reuses one seen before
    return round_


def _expected(engine, annotator, round_id) -> list[str]:
    """Independently: each item's latest attempt, and whether that attempt had it seen before."""
    latest: dict[str, int] = {}
    for attempt in service.my_attempts(engine, round_id, actor=annotator):
        latest.update(dict.fromkeys(attempt.items, attempt.id))
    return sorted(
        item
        for item, attempt_id in latest.items()
        if item in service.seen_before(engine, attempt_id, actor=annotator)
    )


def test_the_answers_on_reused_items_are_counted_per_annotator(app_engine, app_lead, app_annotator):
    round_ = _reused_round(app_engine, app_lead, app_annotator)
    expected = _expected(app_engine, app_annotator, round_.id)
    assert expected  # the scenario reuses an item
    assert service.reused_answers(app_engine, round_.id) == {app_annotator.name: expected}

    analysis = analyse_round(service.round_responses(app_engine, round_.id))
    table = annotator_table(analysis, reused=service.reused_answers(app_engine, round_.id))
    assert table.loc[app_annotator.name, "reused_items"] == len(expected)
    assert "reused_items" not in annotator_table(analysis).columns  # not asked (a pilot round): no column
    rows = list(
        csv.DictReader(io.StringIO(scores_csv(analysis, service.reused_answers(app_engine, round_.id))))
    )
    assert [(r["annotator_id"], r["reused_items"]) for r in rows] == [
        (app_annotator.name, str(len(expected)))
    ]


def test_a_first_attempt_on_unseen_items_reuses_nothing(app_engine, app_lead, app_annotator):
    round_ = calibration_round(app_engine, app_lead, single_label_guideline(), app_annotator)
    _answer(app_engine, app_annotator, round_.id, right=False)
    assert service.reused_answers(app_engine, round_.id) == {}


def test_the_annotators_page_shows_the_count_and_the_drill_down_marks_the_answers(
    app_engine, app_lead, app_annotator
):
    round_ = _reused_round(app_engine, app_lead, app_annotator)
    expected = _expected(app_engine, app_annotator, round_.id)
    at = new_app(app_lead).run()
    at.switch_page(page("annotators.py")).run()
    assert not at.exception, at.exception
    frames = [d.value for d in at.dataframe]
    scores = next(f for f in frames if "reused_items" in f.columns)
    assert scores.loc[app_annotator.name, "reused_items"] == len(expected)
    assert "reused: answers on quiz items seen in an earlier attempt" in texts(at)
    answers = next(f for f in frames if "seen_before" in f.columns)
    assert sorted(answers.index[answers["seen_before"]]) == expected
    assert not answers.loc[~answers.index.isin(expected), "seen_before"].any()


def test_the_exports_page_says_what_reused_items_means_for_a_calibration_round(
    app_engine, app_lead, app_annotator
):
    _reused_round(app_engine, app_lead, app_annotator)
    at = new_app(app_lead).run()
    at.switch_page(page("exports.py")).run()
    assert not at.exception, at.exception
    assert "With reused_items: answers on quiz items seen in an earlier attempt (gold shown)." in texts(at)


def _two_rounds(engine, lead, annotator, feedback):
    guideline = single_label_guideline(feedback=feedback, items_per_quiz=4)  # every item: both share
    first = calibration_round(engine, lead, guideline, annotator, name="First")
    second = service.create_calibration_round(
        engine, "Second", guideline.ref, actor=lead, annotators=[annotator.name]
    )
    return first, second


def _given(engine, annotator, round_id) -> set[str]:
    return set(service.start_or_resume_attempt(engine, round_id, annotator).items)


def test_an_item_given_in_an_unfinished_attempt_without_feedback_was_never_seen(
    app_engine, app_lead, app_annotator
):
    """Gold shown at the end only: an item of another round's attempt still running showed nothing."""
    first, second = _two_rounds(app_engine, app_lead, app_annotator, "at_end")
    running = _given(app_engine, app_annotator, first.id)  # started, never answered nor finished
    _answer(app_engine, app_annotator, second.id, right=True)
    assert running & _given(app_engine, app_annotator, second.id)  # the scenario shares an item
    assert service.reused_answers(app_engine, second.id) == {}


def test_gold_shown_only_after_the_answer_does_not_make_it_reused(app_engine, app_lead, app_annotator):
    """Two rounds at the same time: the first finishes (its gold shown) after the second was answered."""
    first, second = _two_rounds(app_engine, app_lead, app_annotator, "at_end")
    shared = _given(app_engine, app_annotator, first.id) & _given(app_engine, app_annotator, second.id)
    assert shared
    _answer(app_engine, app_annotator, second.id, right=True)
    _answer(app_engine, app_annotator, first.id, right=True)  # resumes and finishes the first attempt
    assert service.reused_answers(app_engine, second.id) == {}
    # the first's answers came after the second's gold was shown: those are reused
    assert service.reused_answers(app_engine, first.id) == {app_annotator.name: sorted(shared)}


def test_an_item_answered_with_immediate_feedback_counts_as_seen(app_engine, app_lead, app_annotator):
    first, second = _two_rounds(app_engine, app_lead, app_annotator, "immediate")
    attempt = service.start_or_resume_attempt(app_engine, first.id, app_annotator)
    shared = sorted(set(attempt.items) & _given(app_engine, app_annotator, second.id))
    assert shared
    gold = service.round_items(app_engine, first.id)
    # answered: its gold shown at once, though the first attempt is unfinished
    service.record_answer(app_engine, attempt.id, shared[0], gold[shared[0]].answer, actor=app_annotator)
    _answer(app_engine, app_annotator, second.id, right=True)
    assert service.reused_answers(app_engine, second.id) == {app_annotator.name: [shared[0]]}
