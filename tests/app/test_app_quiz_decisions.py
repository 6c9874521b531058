"""The quiz result shows each rule's decision with the credible interval of the accuracy."""

from __future__ import annotations

from calibration.rounds import service
from tests.app.app_helpers import calibration_round, single_label_guideline, texts
from tests.app.test_app_quiz import answer_all, open_quiz


def test_the_result_shows_a_decision_and_an_interval_per_rule(app_engine, app_lead, app_annotator):
    guideline = single_label_guideline(pass_accuracy=0.8)
    round_ = calibration_round(app_engine, app_lead, guideline, app_annotator)
    at = answer_all(
        open_quiz(app_annotator, round_), app_engine, round_, app_annotator, guideline, wrong_rule="R-NEG"
    )
    at.run()
    table = at.dataframe[0].value.set_index("rule")
    # one right of one is too little to decide 80%; one wrong of one is decided fail (P = 0.96)
    assert table["decision"].to_dict() == {"R-POS": "undecided", "R-NEG": "fail"}
    assert table.loc["R-POS", "interval"] == "22%–97%" and table.loc["R-NEG", "interval"] == "3%–78%"
    assert "Decision: pass or fail once the answers show, with 95% certainty" in texts(at)
    assert "Interval: the 90% credible interval of your accuracy" in texts(at)
    attempt = service.start_or_resume_attempt(app_engine, round_.id, app_annotator)
    assert attempt.target_rules == ("R-NEG",)  # the retake targets the rule decided fail
