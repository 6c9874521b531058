"""Leave-one-out alpha at the ratio level on a scale that does not start at 0 (issue 11), against krippendorff."""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest

from calibration.agreement.breakdown import agreement_report
from calibration.guidelines.model import Scale, Task
from calibration.responses import responses_frame


@pytest.mark.parametrize("level", ["ratio", "interval"])
def test_alpha_without_each_annotator_matches_krippendorff(level):
    rng = np.random.default_rng(11)
    truth = rng.integers(1, 6, size=25)
    data = np.array(
        [np.clip(truth + rng.integers(-1, 2, size=25) * (rng.random(25) < 0.4), 1, 5) for _ in range(4)]
    )
    data = data.astype(float)
    data[0, :3] = np.nan
    rows = [
        {"item_id": f"i{u}", "annotator_id": f"a{c}", "answer": int(data[c, u])}
        for c in range(4)
        for u in range(25)
        if not np.isnan(data[c, u])
    ]
    task = Task(type="rating", scale=Scale(min=1, max=5))
    report = agreement_report(responses_frame(rows), task, bootstrap=0, level=level)
    domain = [1, 2, 3, 4, 5]
    for c in range(4):
        expected = krippendorff.alpha(
            reliability_data=np.delete(data, c, axis=0), value_domain=domain, level_of_measurement=level
        )
        block = report.per_annotator[f"a{c}"].to_dict()
        assert block["krippendorff_alpha_without"] == pytest.approx(expected, abs=1e-12)
