"""The annotators page and the scores CSV show each annotator's decision with per-rule intervals."""

from __future__ import annotations

import csv
import io
import json

import pytest

from calibration.reports.analysis import annotator_table
from calibration.reports.exports import scores_csv
from tests.app.lead_pages_support import frames, round_analysis, seeded_workspace


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    with seeded_workspace(tmp_path_factory, "annotators_decisions") as workspace:
        yield workspace


def test_the_page_shows_the_decision_and_the_rule_intervals(ws):
    _, analysis = round_analysis(ws)
    expected = annotator_table(analysis)
    assert set(expected["decision"]) <= {"pass", "fail", "undecided"}
    at = ws.page("annotators.py", ws.lead).run()
    assert not at.exception
    scores = frames(at, index="annotator_id")[0]
    assert scores["decision"].tolist() == expected["decision"].tolist()
    assert "rule_decisions" not in scores.columns  # a long list: the drill-down has it per rule
    first = expected["rule_decisions"].iloc[0]
    rule, rest = first[0].split(": ", 1)
    assert rule in analysis.guideline.rule_ids
    assert rest.split(", ")[0] in {"pass", "fail", "undecided"} and rest.endswith("%") and "–" in rest
    # shown whole in the drill-down (the scores table leaves the long list out), one row per rule
    columns = ["rule", "title", "decision", "interval"]
    (per_rule,) = [d.value for d in at.dataframe if list(d.value.columns) == columns]
    who = at.selectbox(key="annot_who").value
    texts = list(expected.loc[who, "rule_decisions"])
    assert [f"{r.rule}: {r.decision}, {r.interval}" for r in per_rule.itertuples()] == texts
    # each rule with its title
    titles = {r.id: r.title for r in analysis.guideline.rules}
    assert per_rule["title"].tolist() == [titles[r] for r in per_rule["rule"]]


def test_the_scores_csv_carries_decisions(ws):
    _, analysis = round_analysis(ws)
    rows = list(csv.DictReader(io.StringIO(scores_csv(analysis))))
    expected = annotator_table(analysis)
    for row in rows:
        assert row["confidence_decision"] == expected.loc[row["annotator_id"], "decision"]
        assert json.loads(row["rule_decisions"]) == list(expected.loc[row["annotator_id"], "rule_decisions"])
