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
