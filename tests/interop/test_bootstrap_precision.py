"""Bootstrap replicates are float64: exported interval bounds carry no float32 noise (0.5555555820465088)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from calibration.agreement.bootstrap import poisson_weights, replicate_sums
from calibration.interop.exports import agreement_csv
from calibration.responses import Annotations, responses_frame


def test_replicate_sums_equal_a_float64_reference() -> None:
    # per-item statistics such as 1/3 and 5/9 are not exact in float32
    rng = np.random.default_rng(3)
    block = rng.integers(0, 10, size=(50, 3)) / 9.0
    (sums,) = replicate_sums([block], n_replicates=200, seed=7)
    reference = poisson_weights(200, 50, 7).astype(np.float64) @ block
    assert sums.dtype == np.float64
    np.testing.assert_allclose(sums, reference, rtol=0, atol=1e-12)


def test_exported_bounds_of_a_constant_agreement_are_exact(clauses) -> None:
    # every item has answers A, A, B: pairwise agreement 1/3 on each item, so on every replicate
    rows = [
        {"item_id": f"i{n}", "annotator_id": who, "answer": label}
        for n in range(12)
        for who, label in (("ann", "INDEM"), ("bob", "INDEM"), ("cyd", "LIAB"))
    ]
    rules = pd.DataFrame({"item_id": [f"i{n}" for n in range(12)], "rule_id": ["R-INDEM"] * 12})
    data = Annotations(responses=responses_frame(rows), item_rules=rules, guideline=clauses)
    text = agreement_csv(data, bootstrap=200)
    table = pd.read_csv(io.StringIO(text))
    assert table["percent_agreement"].tolist() == [pytest.approx(1 / 3, abs=1e-15)]
    # float32 sums gave 0.33333334... here; float64 gives 1/3 to the last digit
    assert table["percent_agreement_low"].tolist() == [pytest.approx(1 / 3, abs=1e-15)]
    assert table["percent_agreement_high"].tolist() == [pytest.approx(1 / 3, abs=1e-15)]
