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
    # the CSV keeps FLOAT_DECIMALS (12) decimals; float32 sums gave 0.33333334... here, 8 digits off
    for column in ("percent_agreement", "percent_agreement_low", "percent_agreement_high"):
        assert table[column].tolist() == [pytest.approx(1 / 3, abs=1e-12)]
    assert "0.333333333333," in text and "0.33333334" not in text


def test_csv_floats_carry_no_binary_noise() -> None:
    """A difference of two thirds printed -0.20000000000000057 and a sum 0.6933333333333332 in the
    exports a tester opened; every CSV goes through frame_to_csv, which keeps 12 decimals."""
    from calibration.csv_cells import frame_to_csv

    text = frame_to_csv(pd.DataFrame({"x": [0.1 + 0.2, 13 * 0.3 / 3 - 1.5, 1.349000000000003, 3.0]}))
    assert text == "x\n0.3\n-0.2\n1.349\n3.0\n"
