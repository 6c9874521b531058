"""Breakdowns: per rule, label, annotator and pair; flags; gold fields; per-item and confusion helpers."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from calibration.agreement.breakdown import (
    FEW_ITEMS,
    agreement_by_rule,
    agreement_report,
    confused_pairs,
    item_agreement,
)
from calibration.guidelines.model import Label, Task
from calibration.responses import gold_series, item_rules_frame, responses_frame

LABELS = ["A", "B", "C"]
TASK = Task(type="single_label", labels=[Label(id=x, name=x) for x in LABELS])
KEYS = ("n_items", "n_annotators", "n_annotations", "percent_agreement", "cohen_kappa_mean", "fleiss_kappa",
        "krippendorff_alpha", "gwet_ac1", "scott_pi", "ci95", "flags")  # fmt: skip


def simulated(n_items: int = 60, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 3, n_items)
    records = []
    for i, t in enumerate(truth):
        for a, acc in enumerate((0.9, 0.8, 0.7, 0.4)):
            if a == 3 and i % 5 == 0:
                continue
            answer = t if rng.random() < acc else rng.integers(0, 3)
            records.append({"item_id": f"i{i:03d}", "annotator_id": f"a{a}", "answer": LABELS[answer]})
    return responses_frame(records)


RESPONSES = simulated()
ITEMS = sorted(RESPONSES["item_id"].unique())
RULES = item_rules_frame({item: ["R1"] + (["R2"] if k % 2 else []) for k, item in enumerate(ITEMS)})


@pytest.fixture(scope="module")
def report():
    return agreement_report(RESPONSES, TASK, item_rules=RULES, bootstrap=200, seed=1)


def test_every_block_has_the_documented_fields(report) -> None:
    data = json.loads(json.dumps(report.to_dict()))
    assert set(data) == {"overall", "per_rule", "per_label", "per_annotator"}
    for block in [data["overall"], *data["per_rule"].values(), *data["per_label"].values()]:
        assert set(KEYS) <= set(block)
    for block in data["per_annotator"].values():
        assert set(KEYS) <= set(block)
    assert set(data["overall"]["ci95"]) >= {
        "krippendorff_alpha",
        "fleiss_kappa",
        "gwet_ac1",
        "cohen_kappa_mean",
    }


def test_per_rule_equals_the_report_on_the_rule_items(report) -> None:
    """An item with several rules counts for each rule."""
    r2_items = RULES[RULES["rule_id"] == "R2"]["item_id"]
    subset = agreement_report(
        RESPONSES[RESPONSES["item_id"].isin(r2_items)], TASK, bootstrap=0
    ).overall.to_dict()
    for key in ("percent_agreement", "fleiss_kappa", "krippendorff_alpha", "gwet_ac1", "cohen_kappa_mean"):
        assert report.per_rule["R2"].to_dict()[key] == pytest.approx(subset[key], abs=1e-12)
    assert report.per_rule["R1"].to_dict()["n_items"] == len(ITEMS)
    assert report.per_rule["R2"].to_dict()["n_items"] == len(ITEMS) // 2
    assert report.per_rule["R1"].to_dict()["krippendorff_alpha"] == pytest.approx(
        report.overall.to_dict()["krippendorff_alpha"]
    )


def test_fast_path_matches_the_report(report) -> None:
    fast = agreement_by_rule(RESPONSES, TASK, RULES, bootstrap=200, seed=1)
    for rule in ("R1", "R2"):
        for key in ("percent_agreement", "fleiss_kappa", "krippendorff_alpha", "gwet_ac1"):
            assert fast.loc[rule, key] == pytest.approx(report.per_rule[rule].to_dict()[key], abs=1e-12)
            assert [fast.loc[rule, f"{key}_low"], fast.loc[rule, f"{key}_high"]] == pytest.approx(
                report.per_rule[rule].to_dict()["ci95"][key],
                abs=1e-12,  # float64 replicate sums: the same figures to the last digits
            )
    assert fast.loc["*", "n_items"] == len(ITEMS)


def test_pairwise_kappa_matrix_matches_sklearn(report) -> None:
    wide = RESPONSES.pivot(index="item_id", columns="annotator_id", values="answer")
    both = wide[["a0", "a3"]].dropna()
    expected = cohen_kappa_score(both["a0"], both["a3"], labels=LABELS)
    assert report.pairwise_kappa.loc["a0", "a3"] == pytest.approx(expected, abs=1e-12)
    assert report.pairwise_kappa.loc["a3", "a0"] == pytest.approx(expected, abs=1e-12)
    assert np.isnan(report.pairwise_kappa.loc["a1", "a1"])
    mean = report.pairwise_kappa.to_numpy()[np.triu_indices(4, 1)].mean()
    assert report.overall.to_dict()["cohen_kappa_mean"] == pytest.approx(mean, abs=1e-12)


def test_per_annotator_leave_one_out_and_outlier(report) -> None:
    without = agreement_report(
        RESPONSES[RESPONSES["annotator_id"] != "a3"], TASK, bootstrap=0
    ).overall.to_dict()
    block = report.per_annotator["a3"].to_dict()
    assert block["krippendorff_alpha_without"] == pytest.approx(without["krippendorff_alpha"], abs=1e-12)
    assert block["alpha_gain_without"] > 0  # the weakest annotator lowers alpha
    alphas = {a: b.stats.krippendorff_alpha for a, b in report.per_annotator.items()}
    assert min(alphas, key=alphas.get) == "a3"
    assert block["n_items"] == len(ITEMS) - len(ITEMS) // 5


def test_per_label_one_vs_rest(report) -> None:
    block = report.per_label["A"].to_dict()
    binary = RESPONSES.assign(answer=np.where(RESPONSES["answer"] == "A", "A", "other"))
    task = Task(type="single_label", labels=[Label(id="A", name="A"), Label(id="other", name="other")])
    expected = agreement_report(binary, task, bootstrap=0).overall.to_dict()
    for key in ("percent_agreement", "fleiss_kappa", "krippendorff_alpha", "gwet_ac1", "cohen_kappa_mean"):
        assert block[key] == pytest.approx(expected[key], abs=1e-12), key
    assert block["n_items"] == RESPONSES[RESPONSES["answer"] == "A"]["item_id"].nunique()


def test_kappa_paradox_is_flagged_skewed_prevalence() -> None:
    """98 items all 'A' by both, two items split: raw agreement .98, kappa near 0."""
    records = [{"item_id": f"i{i}", "annotator_id": a, "answer": "A"} for i in range(98) for a in ("x", "y")]
    records += [{"item_id": "i98", "annotator_id": "x", "answer": "A"}, {"item_id": "i98", "annotator_id": "y", "answer": "B"},
                {"item_id": "i99", "annotator_id": "x", "answer": "B"}, {"item_id": "i99", "annotator_id": "y", "answer": "A"}]  # fmt: skip
    overall = agreement_report(responses_frame(records), TASK, bootstrap=0).overall.to_dict()
    assert overall["percent_agreement"] == pytest.approx(0.98)
    assert overall["krippendorff_alpha"] < 0.1
    assert overall["gwet_ac1"] > 0.95
    assert "skewed_prevalence" in overall["flags"]
    assert overall["dominant_category"] == "A" and overall["dominant_share"] == pytest.approx(0.99)
    assert overall["prevalence_index"] == pytest.approx(0.98)  # Byrt et al.: |a - d| / n
    assert overall["bias_index"] == pytest.approx(0.0)


def test_few_items_flag() -> None:
    small = RESPONSES[RESPONSES["item_id"].isin(ITEMS[: FEW_ITEMS - 1])]
    assert "few_items" in agreement_report(small, TASK, bootstrap=0).overall.to_dict()["flags"]
    assert "few_items" not in agreement_report(RESPONSES, TASK, bootstrap=0).overall.to_dict()["flags"]


def test_gold_fields(report) -> None:
    gold = gold_series(dict.fromkeys(ITEMS[:30], "A"))
    with_gold = agreement_report(RESPONSES, TASK, item_rules=RULES, gold=gold, bootstrap=0)
    rows = RESPONSES[RESPONSES["item_id"].isin(ITEMS[:30])]
    assert with_gold.overall.to_dict()["gold_accuracy"] == pytest.approx((rows["answer"] == "A").mean())
    assert with_gold.overall.to_dict()["gold_kappa"] == pytest.approx(
        0.0
    )  # gold is all A: answers cannot beat chance
    a0 = rows[rows["annotator_id"] == "a0"]
    assert with_gold.per_annotator["a0"].to_dict()["gold_accuracy"] == pytest.approx(
        (a0["answer"] == "A").mean()
    )
    assert with_gold.per_label["A"].to_dict()["gold_accuracy"] == pytest.approx(
        (rows["answer"] == "A").mean()
    )
    assert "gold_accuracy" not in report.overall.to_dict()
    r2 = rows[rows["item_id"].isin(RULES[RULES["rule_id"] == "R2"]["item_id"])]
    assert with_gold.per_rule["R2"].to_dict()["gold_accuracy"] == pytest.approx((r2["answer"] == "A").mean())
    assert with_gold.per_rule["R2"].to_dict()["n_gold_answers"] == len(r2)
    mixed = gold_series({item: LABELS[k % 3] for k, item in enumerate(ITEMS)})
    scored = (
        agreement_report(RESPONSES, TASK, item_rules=RULES, gold=mixed, bootstrap=0).per_rule["R2"].to_dict()
    )
    r2 = RESPONSES[RESPONSES["item_id"].isin(RULES[RULES["rule_id"] == "R2"]["item_id"])]
    expected = cohen_kappa_score(mixed[r2["item_id"]].to_numpy(), r2["answer"], labels=LABELS)
    assert scored["gold_kappa"] == pytest.approx(expected, abs=1e-12)


def test_item_agreement_and_confused_pairs() -> None:
    records = [
        {"item_id": "i1", "annotator_id": "x", "answer": "A"},
        {"item_id": "i1", "annotator_id": "y", "answer": "A"},
        {"item_id": "i1", "annotator_id": "z", "answer": "B"},
        {"item_id": "i2", "annotator_id": "x", "answer": "C"},
        {"item_id": "i2", "annotator_id": "y", "answer": "C"},
    ]
    frame = responses_frame(records)
    items = item_agreement(frame, TASK)
    assert items.loc["i1", "majority_answer"] == "A"
    assert items.loc["i1", "majority_share"] == pytest.approx(2 / 3)
    assert items.loc["i1", "entropy"] == pytest.approx(-(2 / 3) * np.log2(2 / 3) - (1 / 3) * np.log2(1 / 3))
    assert items.loc["i1", "pairwise_agreement"] == pytest.approx(1 / 3)
    assert items.loc["i2", "entropy"] == 0 and items.loc["i2", "n_annotations"] == 2
    pairs = confused_pairs(frame, TASK, item_rules_frame({"i1": ["R1"], "i2": ["R1", "R2"]}))
    assert pairs.to_dict("records") == [
        {"rule_id": "R1", "label_a": "A", "label_b": "B", "count": 2, "share": 1.0}
    ]
    report = agreement_report(frame, TASK, item_rules=item_rules_frame({"i1": ["R1"]}), bootstrap=0)
    assert report.confusion["R1"].loc["A", "B"] == 2 and report.confusion["R1"].loc["A", "A"] == 2


def test_per_rule_frame_has_interval_columns(report) -> None:
    frame = report.per_rule_frame()
    assert list(frame.index) == ["R1", "R2"]
    assert {"krippendorff_alpha", "krippendorff_alpha_low", "krippendorff_alpha_high", "flags"} <= set(
        frame.columns
    )
    low, high = frame.loc["R1", ["krippendorff_alpha_low", "krippendorff_alpha_high"]]
    assert low <= frame.loc["R1", "krippendorff_alpha"] <= high
