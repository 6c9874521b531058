"""Per-annotator blocks carry a bootstrap interval for the mean Cohen's kappa with the others."""

from __future__ import annotations

import numpy as np
import pytest

from calibration.agreement.breakdown import agreement_report
from calibration.guidelines.model import Label, Task
from calibration.responses import responses_frame

LABELS = ["A", "B", "C"]
TASK = Task(type="single_label", labels=[Label(id=x, name=x) for x in LABELS])


def _responses(accuracies: tuple[float, ...], n_items: int = 80, seed: int = 5):
    rng = np.random.default_rng(seed)
    records = []
    for i in range(n_items):
        truth = int(rng.integers(0, 3))
        for a, accuracy in enumerate(accuracies):
            if len(accuracies) > 2 and a == 0 and i % 4 == 0:
                continue  # some missing answers
            answer = truth if rng.random() < accuracy else int(rng.integers(0, 3))
            records.append({"item_id": f"i{i:03d}", "annotator_id": f"a{a}", "answer": LABELS[answer]})
    return responses_frame(records)


def test_two_annotators_share_the_overall_cohen_interval() -> None:
    """With one pair, each annotator's mean kappa is that pair's kappa: same replicates, same interval."""
    report = agreement_report(_responses((0.9, 0.7)), TASK, bootstrap=300, seed=2)
    overall = report.overall.to_dict()["ci95"]["cohen_kappa_mean"]
    for name in ("a0", "a1"):
        block = report.per_annotator[name].to_dict()
        assert block["cohen_kappa_mean"] == pytest.approx(report.overall.to_dict()["cohen_kappa_mean"])
        assert block["ci95"]["cohen_kappa_mean"] == pytest.approx(overall, abs=1e-12)


def test_each_annotator_interval_contains_its_estimate_and_follows_the_seed() -> None:
    responses = _responses((0.95, 0.9, 0.8, 0.4))
    report = agreement_report(responses, TASK, bootstrap=400, seed=3)
    widths = {}
    for name, block in report.per_annotator.items():
        low, high = (
            block.stats.interval("cohen_kappa_mean").low,
            block.stats.interval("cohen_kappa_mean").high,
        )
        assert low <= block.stats.cohen_kappa_mean <= high, name
        widths[name] = high - low
    assert report.per_annotator["a3"].to_dict()["ci95"]["cohen_kappa_mean"][1] < min(
        report.per_annotator[n].to_dict()["cohen_kappa_mean"] for n in ("a0", "a1", "a2")
    )  # the weak annotator is confidently below the others
    again = agreement_report(responses, TASK, bootstrap=400, seed=3)
    other = agreement_report(responses, TASK, bootstrap=400, seed=4)
    ci = {n: b.stats.ci95["cohen_kappa_mean"] for n, b in report.per_annotator.items()}
    assert ci == {n: b.stats.ci95["cohen_kappa_mean"] for n, b in again.per_annotator.items()}
    assert ci != {n: b.stats.ci95["cohen_kappa_mean"] for n, b in other.per_annotator.items()}
    assert (
        "cohen_kappa_mean"
        not in agreement_report(responses, TASK, bootstrap=0).per_annotator["a0"].to_dict()["ci95"]
    )
