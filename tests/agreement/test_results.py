"""The engine's results are frozen dataclasses with floats (NaN when undefined); JSON only in ``to_dict``."""

from __future__ import annotations

import dataclasses
import json
import math

import pandas as pd
import pytest

from calibration.agreement.breakdown import agreement_report
from calibration.agreement.results import AnnotatorBlock, Block, BoxBlock, Interval, Statistics
from calibration.boxes import Box
from calibration.guidelines.model import Label, Task
from calibration.responses import gold_series, item_rules_frame, responses_frame

TASK = Task(type="single_label", labels=[Label(id=x, name=x) for x in "ABC"])


def _report(bootstrap: int = 50):
    rows = [
        {"item_id": f"i{i}", "annotator_id": f"a{a}", "answer": "A" if (i + a) % 3 else "B"}
        for i in range(12)
        for a in range(3)
    ]
    rules = item_rules_frame({f"i{i}": ["R1" if i < 6 else "R2"] for i in range(12)})
    gold = gold_series({f"i{i}": "A" for i in range(12)})
    return agreement_report(
        responses_frame(rows), TASK, item_rules=rules, gold=gold, bootstrap=bootstrap, seed=1
    )


def test_blocks_are_frozen_dataclasses_with_floats_intervals_and_flags() -> None:
    report = _report()
    assert isinstance(report.overall, Block) and isinstance(report.per_rule["R1"], Block)
    assert isinstance(report.per_label["C"], Block)
    assert all(isinstance(b, AnnotatorBlock) for b in report.per_annotator.values())
    stats = report.overall.stats
    assert isinstance(stats, Statistics) and isinstance(stats.krippendorff_alpha, float)
    assert isinstance(stats.interval("krippendorff_alpha"), Interval)
    assert stats.interval("krippendorff_alpha").low <= stats.interval("krippendorff_alpha").high
    assert isinstance(stats.flags, tuple)
    assert report.overall.gold is not None and report.overall.gold.n_answers == 36
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.overall.n_items = 0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        stats.krippendorff_alpha = 1.0  # type: ignore[misc]


def test_undefined_is_nan_inside_and_null_in_the_json() -> None:
    label_c = _report().per_label["C"]  # nobody chose C: chance-corrected values are undefined
    assert math.isnan(label_c.stats.fleiss_kappa) and math.isnan(label_c.value("krippendorff_alpha"))
    assert "krippendorff_alpha" not in label_c.stats.ci95
    data = label_c.to_dict()
    assert data["fleiss_kappa"] is None and data["krippendorff_alpha"] is None
    assert "n_gold_answers" not in data and "gwet_ac2" not in data  # label blocks; nominal level
    json.dumps(_report().to_dict(), allow_nan=False)  # no NaN reaches the JSON


def test_per_rule_frame_holds_floats_and_nan_not_none() -> None:
    frame = _report().per_rule_frame()
    assert list(frame.index) == ["R1", "R2"]
    for column in ("krippendorff_alpha", "fleiss_kappa", "krippendorff_alpha_low", "gold_accuracy"):
        assert frame[column].dtype == float, column
    assert not frame.drop(columns=["flags", "dominant_category"]).isin([None]).any().any()
    assert frame.loc["R1", "flags"] == list(_report().per_rule["R1"].flags)


def test_no_bootstrap_means_no_interval() -> None:
    stats = _report(bootstrap=0).overall.stats
    assert stats.ci95 == {} and not stats.interval("krippendorff_alpha").defined
    assert _report(bootstrap=0).overall.to_dict()["ci95"] == {}


def test_box_blocks_keep_their_fields_and_json_order() -> None:
    task = Task(type="boxes", labels=[Label(id="car", name="car")])
    box = Box("car", 10, 10, 20, 20)
    rows = [
        {"item_id": f"img{i}", "annotator_id": a, "answer": (box,) if (i + n) % 4 else ()}
        for i in range(6)
        for n, a in enumerate("xyz")
    ]
    report = agreement_report(responses_frame(rows), task, bootstrap=20, seed=0)
    overall, annotator = report.overall, report.per_annotator["x"]
    assert isinstance(overall, BoxBlock) and isinstance(annotator, BoxBlock)
    assert list(overall.to_dict()) == [
        "n_items", "n_annotators", "n_annotations", "n_pairable_items", "n_boxes", "level", "min_iou",
        "krippendorff_alpha", "observed_disagreement", "expected_disagreement", "mean_iou", "match_f1",
        "label_alpha", "alpha_by_threshold", "ci95", "flags",
    ]  # fmt: skip
    assert list(annotator.to_dict()) == [
        "n_items", "n_annotations", "n_boxes", "krippendorff_alpha", "observed_disagreement", "ci95", "flags"
    ]  # fmt: skip
    points = overall.alpha_by_threshold or ()
    assert [p.threshold for p in points][:2] == [0.0, 0.1]
    assert overall.to_dict()["alpha_by_threshold"][0]["alpha"] == overall.stats.krippendorff_alpha
    assert math.isnan(overall.value("fleiss_kappa"))  # not a box statistic
    assert isinstance(report.per_rule_frame(), pd.DataFrame)
