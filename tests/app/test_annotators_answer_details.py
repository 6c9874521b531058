"""The Annotators drill-down: the answer beside gold in one table, what the annotator added to their answers
(confidence, cited rule, unclear, comment, seconds) in a second one with human labels and "–" for a blank,
the caption's count in the singular for one answer that differs, and each rule with its title."""

from __future__ import annotations

import json

from calibration.rounds import service
from tests.app.app_helpers import calibration_round, new_app, page, single_label_guideline, texts


def _round(engine, lead, annotator):
    guideline = single_label_guideline()
    round_ = calibration_round(engine, lead, guideline, annotator)
    attempt = service.start_or_resume_attempt(engine, round_.id, annotator)
    gold = service.round_items(engine, round_.id)
    first, second = attempt.items
    service.record_answer(
        engine, attempt.id, first, "POS" if gold[first].answer == "NEG" else "NEG", actor=annotator,
        confidence=4, cited_rule="R-POS", comment="Not sure about this one", seconds=3.5,
    )  # fmt: skip
    service.record_answer(engine, attempt.id, second, gold[second].answer, actor=annotator)
    service.finish_attempt(engine, attempt.id, actor=annotator)
    return round_, first, second


def test_the_drill_down_splits_the_answer_details_into_a_labelled_table(app_engine, app_lead, app_annotator):
    _, first, second = _round(app_engine, app_lead, app_annotator)
    at = new_app(app_lead)
    at.switch_page(page("annotators.py")).run()
    at.selectbox(key="annot_round").select_index(0).run()
    assert not at.exception, at.exception
    (answers,) = [d for d in at.dataframe if "text" in d.value.columns]
    assert not {"confidence", "cited_rule", "unclear", "comment", "seconds"} & set(answers.value.columns)
    (details,) = [d for d in at.dataframe if "cited_rule" in d.value.columns]
    frame = details.value
    assert list(frame.columns) == ["confidence", "cited_rule", "unclear", "comment", "seconds"]
    assert (
        frame.loc[first, "cited_rule"] == "R-POS" and frame.loc[first, "comment"] == "Not sure about this one"
    )
    # a blank reads "–", never "None"
    assert frame.loc[second, "cited_rule"] == "–" and frame.loc[second, "comment"] == "–"
    assert frame.loc[second, "confidence"] == "–" and frame.loc[first, "confidence"] == "4"
    config = json.loads(details.proto.columns)
    assert config["cited_rule"]["label"] == "cited rule" and config["_index"]["label"] == "item"
    assert "1 differs from gold." in texts(at) and "2 answers" in texts(at)


def test_a_statistic_that_cannot_be_computed_reads_a_dash(app_engine, app_lead, app_annotator):
    """Alone in the round, the annotator has no agreement with others: "–", never "None"."""
    _round(app_engine, app_lead, app_annotator)
    at = new_app(app_lead)
    at.switch_page(page("annotators.py")).run()
    assert not at.exception, at.exception
    (agreement,) = [d.value for d in at.dataframe if "agreement_alpha" in d.value.columns]
    assert agreement.loc[app_annotator.name, ["agreement_alpha", "agreement_kappa", "robust_z"]].tolist() == [
        "–",
        "–",
        "–",
    ]
    (gold,) = [d.value for d in at.dataframe if "accuracy" in d.value.columns]
    assert gold.loc[app_annotator.name, "accuracy"] == "0.50"
