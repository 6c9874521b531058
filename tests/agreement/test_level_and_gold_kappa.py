"""--level reweights gold_kappa as it reweights cohen_kappa_mean (issue 11), against scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from calibration.agreement.breakdown import agreement_report
from calibration.guidelines.model import Scale, Task
from calibration.responses import gold_series, responses_frame


@pytest.mark.parametrize(
    ("level", "weights"), [("nominal", None), ("ordinal", "linear"), ("interval", "quadratic")]
)
def test_gold_kappa_follows_the_level(level, weights):
    rng = np.random.default_rng(5)
    gold = {f"i{u}": int(rng.integers(1, 6)) for u in range(30)}
    rows = [
        {"item_id": item, "annotator_id": f"a{a}", "answer": int(np.clip(g + rng.integers(-1, 2), 1, 5))}
        for item, g in gold.items()
        for a in range(3)
    ]
    responses = responses_frame(rows)
    task = Task(type="rating", scale=Scale(min=1, max=5))
    report = agreement_report(responses, task, gold=gold_series(gold), bootstrap=0, level=level)
    truth = [gold[i] for i in responses["item_id"]]
    expected = cohen_kappa_score(truth, list(responses["answer"]), labels=[1, 2, 3, 4, 5], weights=weights)
    assert report.overall.to_dict()["gold_kappa"] == pytest.approx(expected, abs=1e-12)
