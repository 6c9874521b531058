"""AppTest of the annotators page: scores against gold, outliers, drill-down, certifications, refusal."""

from __future__ import annotations

import pytest

from calibration.app.widgets.text import escape_markdown
from calibration.reports.analysis import annotator_table
from tests.app.lead_pages_support import (
    GUIDELINE,
    frames,
    make_workspace,
    round_analysis,
    seeded_workspace,
    texts,
)


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    with seeded_workspace(tmp_path_factory, "annotators") as workspace:
        yield workspace


def test_lead_sees_scores_and_outliers(ws):
    _, analysis = round_analysis(ws)
    expected = annotator_table(analysis)
    at = ws.page("annotators.py", ws.lead).run()
    assert not at.exception
    assert at.title[0].value == "Annotators"
    scores = frames(at, index="annotator_id")[0]
    assert list(scores.index) == list(expected.index)
    assert scores["accuracy"].tolist() == [f"{a:.2f}" for a in expected["accuracy"]]
    outliers = expected.index[expected["outlier"]].tolist()
    if outliers:
        names = ", ".join(escape_markdown(o) for o in outliers)
        assert f"Far below the others on accuracy vs gold: {names}." in texts(at)
    else:
        assert "No annotator is far below the others." in texts(at)


def test_agreement_alpha_and_kappa_are_distinct_statistics_shown_to_three_decimals(ws):
    import json

    import numpy as np
    from sklearn.metrics import cohen_kappa_score

    data, analysis = round_analysis(ws)
    expected = annotator_table(analysis)
    # kappa is the mean of the annotator's pairwise Cohen's kappas, computed here independently
    wide = data.responses.pivot_table(
        index="item_id", columns="annotator_id", values="answer", aggfunc="last"
    )
    for who in expected.index:
        pairs = [
            cohen_kappa_score(both[who], both[other])
            for other in wide.columns
            if other != who
            for both in [wide[[who, other]].dropna()]
        ]
        assert expected.loc[who, "agreement_kappa"] == pytest.approx(np.mean(pairs))
    at = ws.page("annotators.py", ws.lead).run()
    gold, element = [e for e in at.dataframe if e.value.index.name == "annotator_id"]
    scores = element.value
    assert scores["agreement_alpha"].tolist() == [f"{a:.3f}" for a in expected["agreement_alpha"]]
    assert scores["agreement_kappa"].tolist() == [f"{k:.3f}" for k in expected["agreement_kappa"]]
    assert (scores["agreement_alpha"] != scores["agreement_kappa"]).any()
    assert json.loads(gold.proto.columns)["failed_rules"]["width"] == 140  # wraps: each failed rule whole
    config = json.loads(element.proto.columns)
    assert config["agreement_alpha"]["label"] == "alpha"
    assert (
        "Krippendorff" in config["agreement_alpha"]["help"] and "Cohen" in config["agreement_kappa"]["help"]
    )


def test_drill_down_into_one_annotator(ws):
    data, _ = round_analysis(ws)
    who = sorted(data.responses["annotator_id"].unique())[-1]
    at = ws.page("annotators.py", ws.lead).run()
    at.selectbox(key="annot_who").set_value(who).run()
    answers = frames(at, column="correct")[0]
    own = data.responses[data.responses["annotator_id"] == who]
    assert set(answers.index) == set(own["item_id"])
    wrong = int((answers["correct"] == False).sum())  # noqa: E712
    assert f"{len(own)} answers; {wrong} differ from gold." in texts(at)
    at.toggle(key="annot_only_wrong").set_value(True).run()
    assert len(frames(at, column="correct")[0]) == wrong


def test_nobody_certified_yet(ws):
    at = ws.page("annotators.py", ws.lead).run()
    assert "Nobody is certified yet" in texts(at)


def test_certification_status_per_guideline_version(tmp_path, monkeypatch):
    from calibration.answers import answer_to_json
    from calibration.rounds import service

    ws = make_workspace(tmp_path, monkeypatch)
    service.create_calibration_round(
        ws.engine, "Calibration one", GUIDELINE, actor=ws.lead, annotators=[ws.annotator.name]
    )
    guideline = service.get_guideline(ws.engine, GUIDELINE)
    gold = guideline.gold_answers()
    attempt = service.start_or_resume_attempt(ws.engine, "Calibration one", ws.annotator)
    for item_id in attempt.items:
        service.record_answer(
            ws.engine,
            attempt.id,
            item_id,
            answer_to_json(guideline.task.type, gold[item_id]),
            actor=ws.annotator,
        )
    assert service.finish_attempt(ws.engine, attempt.id, actor=ws.annotator).certified
    at = ws.page("annotators.py", ws.lead).run()
    assert not at.exception
    status = frames(at, index="annotator")[0]
    assert list(status.columns) == ["kind", GUIDELINE]
    assert status.loc[ws.annotator.name, GUIDELINE] != "not certified"
    assert status.loc[ws.annotator.name, "kind"] == "person"
    assert "a model certified" not in texts(at)  # the note on models only when one is listed


def test_annotator_and_author_are_refused(ws):
    for user in (ws.annotator, ws.author):
        at = ws.page("annotators.py", user).run()
        assert at.error[0].value.startswith("This page is for a lead;")
        assert not at.dataframe


def test_three_annotators_are_not_called_far_below_the_others(tmp_path, monkeypatch):
    """The tester's pilot of 3 annotators: a robust z over 3 scores flagged one as far below the others;
    the page now says nobody is compared and why, and shows no robust z."""
    from tests.app.lead_pages_support import seed_pilot

    ws = make_workspace(tmp_path, monkeypatch)
    seed_pilot(ws, annotators=3, seed=4)
    at = ws.page("annotators.py", ws.lead).run()
    assert not at.exception
    shown = texts(at)
    assert "Far below the others" not in shown
    assert "No annotator is far below the others." not in shown
    assert "Nobody is compared with the others on accuracy vs gold: 3 annotators with a score" in shown
    assert [i.value for i in at.info if "Nobody is compared" in i.value]
    agreement = frames(at, index="annotator_id")[1]
    assert agreement["robust_z"].isna().all() or set(agreement["robust_z"]) <= {"–", None}
    ws.engine.dispose()
