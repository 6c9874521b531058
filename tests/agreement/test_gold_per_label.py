"""Per-label gold kappa: the label against the rest, (gold is the label) vs (answer is the label)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from calibration.agreement.breakdown import agreement_report
from calibration.guidelines.model import Label, Task
from calibration.responses import gold_series, responses_frame

LABELS = ["A", "B", "C"]


def _simulated(multi: bool) -> tuple[pd.DataFrame, dict[str, object]]:
    rng = np.random.default_rng(7)
    records, gold = [], {}
    for i in range(40):
        item = f"i{i:02d}"
        truth = LABELS[i % 3]
        gold[item] = [truth] if multi else truth
        for a, accuracy in enumerate((0.9, 0.7, 0.5)):
            answer = truth if rng.random() < accuracy else LABELS[rng.integers(0, 3)]
            extra = [LABELS[rng.integers(0, 3)]] if multi and rng.random() < 0.3 else []
            value = sorted({answer, *extra}) if multi else answer
            records.append({"item_id": item, "annotator_id": f"a{a}", "answer": value})
    return responses_frame(records), gold


def test_single_label_per_label_gold_kappa_matches_sklearn_one_vs_rest() -> None:
    responses, gold = _simulated(multi=False)
    task = Task(type="single_label", labels=[Label(id=x, name=x) for x in LABELS])
    report = agreement_report(responses, task, gold=gold_series(gold), bootstrap=0)
    golds = responses["item_id"].map(gold)
    for label in LABELS:
        expected = cohen_kappa_score(golds == label, responses["answer"] == label)
        assert report.per_label[label].to_dict()["gold_kappa"] == pytest.approx(expected, abs=1e-12)
    assert (
        len({round(report.per_label[x].to_dict()["gold_kappa"], 9) for x in LABELS}) == 3
    )  # not one pooled value


def test_multi_label_per_label_gold_kappa_is_membership_against_gold() -> None:
    responses, gold = _simulated(multi=True)
    task = Task(type="multi_label", labels=[Label(id=x, name=x) for x in LABELS])
    report = agreement_report(responses, task, gold=gold_series(gold), bootstrap=0)
    golds = responses["item_id"].map(gold)
    for label in LABELS:
        in_gold = [label in g for g in golds]
        in_answer = [label in a for a in responses["answer"]]
        expected = cohen_kappa_score(in_gold, in_answer)
        assert report.per_label[label].to_dict()["gold_kappa"] == pytest.approx(expected, abs=1e-12)


def test_per_label_gold_kappa_is_none_without_gold_contrast() -> None:
    """Every gold answer and every answer is A: label A against the rest is undefined, not 1 or 0."""
    task = Task(type="single_label", labels=[Label(id=x, name=x) for x in LABELS])
    responses = responses_frame(
        [{"item_id": f"i{i}", "annotator_id": a, "answer": "A"} for i in range(12) for a in ("x", "y")]
    )
    report = agreement_report(
        responses, task, gold=gold_series({f"i{i}": "A" for i in range(12)}), bootstrap=0
    )
    assert report.per_label["A"].to_dict()["gold_kappa"] is None
