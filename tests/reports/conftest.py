"""Small fixtures for report tests: the bundled contract-clause guideline and a hand-written round."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from calibration.guidelines.loading import load_guideline
from calibration.responses import gold_series, item_rules_frame, responses_frame

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def contract():
    return load_guideline(ROOT / "guidelines" / "contract-clauses" / "1.1.0.yaml")


@pytest.fixture()
def small_round(contract):
    """Three annotators on four bank items of two rules; one answer is wrong against gold."""
    by_rule: dict[str, list] = {}
    for item in contract.items:
        if item.answer is not None:
            by_rule.setdefault(item.rules[0], []).append(item)
    rule_a, rule_b = list(by_rule)[:2]
    items = by_rule[rule_a][:2] + by_rule[rule_b][:2]
    gold = contract.gold_answers()
    wrong = next(label for label in contract.task.label_ids if label != gold[items[0].id])
    records = []
    for annotator in ("ann", "bob", "<script>alert(1)</script>"):
        for item in items:
            answer = wrong if (annotator == "bob" and item is items[0]) else gold[item.id]
            records.append({"item_id": item.id, "annotator_id": annotator, "answer": answer})
    responses = responses_frame(records)
    item_rules = item_rules_frame({item.id: [item.rules[0]] for item in items})
    return responses, item_rules, gold_series({item.id: gold[item.id] for item in items}), (rule_a, rule_b)


@pytest.fixture()
def report_for():
    """A function making a hand-written engine report (the shape of `calibration agreement --json`)."""
    return _report_for


def _report_for(rules: tuple[str, str]) -> dict:
    rule_a, rule_b = rules
    block = {
        "n_items": 2,
        "n_annotators": 3,
        "n_annotations": 6,
        "percent_agreement": 0.83,
        "cohen_kappa_mean": 0.55,
        "fleiss_kappa": 0.5,
        "krippendorff_alpha": 0.52,
        "gwet_ac1": 0.7,
        "ci95": {"krippendorff_alpha": [0.1, 0.9], "gwet_ac1": [0.3, 0.95]},
        "flags": ["few_items"],
    }
    good = dict(block, krippendorff_alpha=0.95, cohen_kappa_mean=0.96, flags=["skewed_prevalence"])
    return {"overall": dict(block, n_items=4, flags=[]), "per_rule": {rule_a: block, rule_b: good}}


@pytest.fixture()
def empty_gold():
    return pd.Series(dtype=object)
