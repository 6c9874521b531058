"""Small fixtures for report tests: the bundled contract-clause guideline and a hand-written round."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from calibration.agreement.results import AgreementReport, Block, Interval, Statistics
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
    """A function making a hand-written engine report (an `AgreementReport` with two rules)."""
    return _report_for


def _report_for(rules: tuple[str, str]) -> AgreementReport:
    rule_a, rule_b = rules
    stats = Statistics(
        percent_agreement=0.83,
        cohen_kappa_mean=0.55,
        fleiss_kappa=0.5,
        krippendorff_alpha=0.52,
        gwet_ac1=0.7,
        ci95={"krippendorff_alpha": Interval(0.1, 0.9), "gwet_ac1": Interval(0.3, 0.95)},
        flags=("few_items",),
    )
    block = Block(
        n_items=2, n_annotators=3, n_annotations=6, n_pairable_items=2, level="nominal", stats=stats
    )
    good = replace(
        block,
        stats=replace(stats, krippendorff_alpha=0.95, cohen_kappa_mean=0.96, flags=("skewed_prevalence",)),
    )
    return AgreementReport(
        task_type="single_label",
        level="nominal",
        categories=[],
        overall=replace(block, n_items=4, stats=replace(stats, flags=())),
        per_rule={rule_a: block, rule_b: good},
        per_label={},
        per_annotator={},
        pairwise_kappa=pd.DataFrame(dtype=float),
    )


@pytest.fixture()
def empty_gold():
    return pd.Series(dtype=object)
