"""Per-rule annotator alpha in one pass: the same figures as running the engine once per rule."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from calibration.agreement.annotators import _alpha_by_rule_per_run, alpha_by_rule
from calibration.demo import simulate_responses
from calibration.guidelines.loading import load_guideline
from calibration.reports.analysis import analyse_round
from calibration.responses import ITEM, RULE, Annotations, item_rules_frame

ROOT = Path(__file__).resolve().parents[2]


def _guideline(name: str):
    return load_guideline(ROOT / "guidelines" / name / "1.0.0.yaml")


@pytest.mark.parametrize(
    ("name", "missing"),
    [
        ("contract-clauses", 0.0),
        ("contract-clauses", 0.35),
        ("chatbot-rating", 0.2),
        ("chatbot-preference", 0.1),
    ],
)
def test_one_pass_gives_the_per_rule_engine_figures(name, missing):
    guideline = _guideline(name)
    responses = simulate_responses(guideline, annotators=5, seed=11, missing=missing)
    item_rules = item_rules_frame(guideline.item_rules())
    rule_ids = list(guideline.rule_ids)
    one_pass = alpha_by_rule(responses, guideline.task, item_rules, rule_ids)
    per_run = _alpha_by_rule_per_run(responses, guideline.task, item_rules, rule_ids)
    assert one_pass.notna().to_numpy().sum() > 0.5 * one_pass.size  # a real comparison, not NaN with NaN
    pd.testing.assert_frame_equal(one_pass, per_run, check_exact=True)


def test_one_rule_with_one_answer_everywhere_and_an_unpaired_annotator():
    guideline = _guideline("contract-clauses")
    responses = simulate_responses(guideline, annotators=3, seed=2)
    item_rules = item_rules_frame(guideline.item_rules())
    rule_ids = list(guideline.rule_ids)
    first = rule_ids[0]
    items = set(item_rules.loc[item_rules[RULE] == first, ITEM])
    one_answer = guideline.task.categories[0]
    responses.loc[responses[ITEM].isin(items), "answer"] = one_answer  # no chance correction: undefined
    lonely = pd.DataFrame({ITEM: [sorted(items)[0]], "annotator_id": ["lonely"], "answer": [one_answer]})
    lonely_item = item_rules.loc[item_rules[RULE] == rule_ids[1], ITEM].iloc[0]
    extra = pd.DataFrame({ITEM: ["no-such-item", lonely_item], "annotator_id": ["solo", "solo"],
                          "answer": [one_answer, one_answer]})  # fmt: skip
    responses = pd.concat([responses, lonely, extra], ignore_index=True)
    item_rules = pd.concat([item_rules, pd.DataFrame({ITEM: ["no-such-item"], RULE: ["orphan"]})])
    rule_ids = [*rule_ids, "orphan", "no-items"]
    one_pass = alpha_by_rule(responses, guideline.task, item_rules, rule_ids)
    per_run = _alpha_by_rule_per_run(responses, guideline.task, item_rules, rule_ids)
    pd.testing.assert_frame_equal(one_pass, per_run, check_exact=True)
    assert one_pass[first].isna().all() and one_pass["no-items"].isna().all()
    assert np.isnan(one_pass.loc["lonely", first])  # one answer on every item of the rule: undefined
    assert np.isnan(one_pass.loc["solo", "orphan"])  # nobody else answered the orphan rule's item
    assert np.isfinite(one_pass.loc["solo", rule_ids[1]])  # paired with the others there


def test_the_dashboard_matrix_without_gold_is_the_one_pass_matrix():
    guideline = _guideline("contract-clauses")
    responses = simulate_responses(guideline, annotators=4, seed=5)
    item_rules = item_rules_frame(guideline.item_rules())
    analysis = analyse_round(
        Annotations(
            responses=responses, item_rules=item_rules, gold=pd.Series(dtype=object), guideline=guideline
        ),
        bootstrap=0,
    )
    expected = _alpha_by_rule_per_run(responses, guideline.task, item_rules, list(analysis.rules.index))
    expected = expected.reindex(columns=analysis.rules.index)  # the old matrix: columns named as the rules
    expected.index.name = "annotator_id"
    pd.testing.assert_frame_equal(analysis.annotator_rule, expected, check_exact=True)
