"""Reference values: every public dataset of the notes, against printed values (1e-6), the reference
libraries computed live (1e-9: sklearn, statsmodels, krippendorff) and irrCAC's values recorded to ten
digits (1e-9) in reference/irrcac.json, with their provenance (irrCAC pins scipy 1.12 and pandas < 3, so
it is not installed with the tests: see reference/record_irrcac.py)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import krippendorff
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

from calibration.agreement import coefficients as co
from calibration.agreement.breakdown import agreement_report
from calibration.guidelines.model import Label, Scale, Task
from calibration.responses import responses_frame
from tests.agreement.agreement_reference import (
    ANXIETY_R2,
    ANXIETY_R2R3,
    ANXIETY_R3,
    BEN_GERRY,
    BEN_GERRY_IRRCAC,
    COHEN_TABLES,
    DIAG,
    DIAG_EXPECTED,
    H07,
    H07_ALPHA,
    K2004_BINARY,
    K2004_BINARY_EXPECTED,
    K2011_B,
    K2011_B_EXPECTED,
    K2011_C,
    K2011_C_ALPHA,
    K2011_C_IRRCAC,
    TOY,
    WIKI_FLEISS,
    WIKI_FLEISS_EXPECTED,
    WIKI_KALPHA,
    WIKI_KALPHA_ALPHA,
    CONT3x3_ABSTRACTORS,
    CONT3x3_EXPECTED,
    CONT4x4_DIAGNOSIS,
    CONT4x4_EXPECTED,
    SAS_3x3_WEIGHTED,
    SCOTT_3x3,
    SCOTT_3x3_EXPECTED,
)

PRINTED = 1e-6
EXACT = 1e-9
IRRCAC = json.loads((Path(__file__).parent / "reference" / "irrcac.json").read_text())


def is_missing(v: object) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def from_reliability(data: list[list], numeric: bool = True) -> pd.DataFrame:
    """coders x units (missing = nan/None) -> canonical responses."""
    records = [
        {"item_id": f"u{j:03d}", "annotator_id": f"c{i}", "answer": int(v) if numeric else v}
        for i, row in enumerate(data)
        for j, v in enumerate(row)
        if not is_missing(v)
    ]
    return responses_frame(records)


def from_table(table: list[list[int]]) -> pd.DataFrame:
    """A 2-rater contingency table -> responses with categories 0..q-1 as strings."""
    records, n = [], 0
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            for _ in range(count):
                records += [{"item_id": f"i{n}", "annotator_id": "A", "answer": str(i)},
                            {"item_id": f"i{n}", "annotator_id": "B", "answer": str(j)}]  # fmt: skip
                n += 1
    return responses_frame(records)


def labels(*ids: str) -> Task:
    return Task(type="single_label", labels=[Label(id=i, name=i) for i in ids])


def rating(lo: int, hi: int) -> Task:
    return Task(type="rating", scale=Scale(min=lo, max=hi))


def counts_of(rel: list[list], categories: list) -> np.ndarray:
    arr = np.array([[np.nan if is_missing(v) else v for v in row] for row in rel], dtype=object)
    return np.array(
        [[sum(1 for v in arr[:, j] if v == c) for c in categories] for j in range(arr.shape[1])], float
    )


def report(responses: pd.DataFrame, task: Task, level: str | None = None):
    return agreement_report(responses, task, bootstrap=0, level=level)


# --------------------------------------------------------------------------- Krippendorff's alpha


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
@pytest.mark.parametrize(
    ("data", "expected", "lo", "hi"),
    [
        (K2011_C, K2011_C_ALPHA, 1, 5),
        (WIKI_KALPHA, WIKI_KALPHA_ALPHA, 1, 4),
        (np.array(H07, dtype=float).T.tolist(), H07_ALPHA, 0, 3),
    ],
    ids=["K2011_C", "WIKI_KALPHA", "H07"],
)
def test_alpha_reference(data, expected, lo, hi, level) -> None:
    result = report(from_reliability(data), rating(lo, hi), level).overall.to_dict()["krippendorff_alpha"]
    assert result == pytest.approx(expected[level], abs=PRINTED)
    live = krippendorff.alpha(
        np.array(data, float), level_of_measurement=level, value_domain=list(range(lo, hi + 1))
    )
    assert result == pytest.approx(live, abs=EXACT)


def test_alpha_binary_and_nominal_two_coders() -> None:
    responses = from_reliability([[str(v) for v in row] for row in K2004_BINARY], numeric=False)
    overall = report(responses, labels("0", "1")).overall.to_dict()
    assert overall["krippendorff_alpha"] == pytest.approx(K2004_BINARY_EXPECTED["alpha_nominal"], abs=PRINTED)
    assert overall["cohen_kappa_mean"] == pytest.approx(K2004_BINARY_EXPECTED["cohen_kappa"], abs=PRINTED)
    assert overall["scott_pi"] == pytest.approx(K2004_BINARY_EXPECTED["scott_pi"], abs=PRINTED)
    assert overall["cohen_kappa_mean"] == pytest.approx(cohen_kappa_score(*K2004_BINARY), abs=EXACT)

    overall = report(from_reliability(K2011_B, numeric=False), labels(*"abcde")).overall.to_dict()
    assert overall["krippendorff_alpha"] == pytest.approx(K2011_B_EXPECTED["alpha_nominal"], abs=PRINTED)
    assert overall["cohen_kappa_mean"] == pytest.approx(K2011_B_EXPECTED["cohen_kappa"], abs=PRINTED)
    assert overall["scott_pi"] == pytest.approx(K2011_B_EXPECTED["scott_pi"], abs=PRINTED)
    assert overall["cohen_kappa_mean"] == pytest.approx(cohen_kappa_score(*K2011_B), abs=EXACT)


def test_ben_gerry_irrcac_missing_data() -> None:
    overall = report(from_reliability(BEN_GERRY, numeric=False), labels(*"abcde")).overall.to_dict()
    for key, printed in [("krippendorff_alpha", "kripp"), ("fleiss_kappa", "fleiss"),
                         ("gwet_ac1", "gwet_ac1"), ("brennan_prediger", "bp")]:  # fmt: skip
        assert overall[key] == pytest.approx(BEN_GERRY_IRRCAC[printed], abs=PRINTED)
        assert overall[key] == pytest.approx(IRRCAC["ben_gerry"][key], abs=EXACT)
    assert overall["percent_agreement"] == pytest.approx(IRRCAC["ben_gerry"]["percent_agreement"], abs=EXACT)


# --------------------------------------------------------------------------- Fleiss, Gwet, BP on K2011 and DIAG


def test_k2011_irrcac_coefficients_and_weighted_ac2() -> None:
    overall = report(from_reliability(K2011_C), rating(1, 5), "nominal").overall.to_dict()
    assert overall["fleiss_kappa"] == pytest.approx(K2011_C_IRRCAC["fleiss"], abs=PRINTED)
    assert overall["gwet_ac1"] == pytest.approx(K2011_C_IRRCAC["gwet_ac1"], abs=PRINTED)
    assert overall["brennan_prediger"] == pytest.approx(K2011_C_IRRCAC["bp"], abs=PRINTED)
    assert overall["percent_agreement"] == pytest.approx(K2011_C_IRRCAC["pa"], abs=PRINTED)
    recorded = IRRCAC["k2011_c"]
    for key in ("fleiss_kappa", "gwet_ac1", "brennan_prediger", "percent_agreement", "krippendorff_alpha"):
        assert overall[key] == pytest.approx(recorded[key], abs=EXACT), key
    counts = counts_of(K2011_C, [1, 2, 3, 4, 5])
    for kind, key in [("quadratic", "ac2_quadratic"), ("linear", "ac2_linear")]:
        ac2 = co.coefficients(counts, weights=co.agreement_weights(5, kind, [1, 2, 3, 4, 5]))["gwet_ac2"]
        assert ac2 == pytest.approx(K2011_C_IRRCAC[key], abs=PRINTED)
        assert ac2 == pytest.approx(recorded[f"gwet_ac2_{kind}"], abs=EXACT)


def test_declared_q_moves_ac1_and_bp_but_not_fleiss_or_alpha() -> None:
    """Pitfall 5: q is the declared label count. Declaring 6 categories instead of 5 observed."""
    five = report(from_reliability(K2011_C), rating(1, 5), "nominal").overall.to_dict()
    six = report(from_reliability(K2011_C), rating(1, 6), "nominal").overall.to_dict()
    assert six["gwet_ac1"] == pytest.approx(0.785527, abs=PRINTED)
    assert six["brennan_prediger"] == pytest.approx(0.781818, abs=PRINTED)
    assert five["gwet_ac1"] == pytest.approx(0.775444, abs=PRINTED)
    assert six["fleiss_kappa"] == pytest.approx(five["fleiss_kappa"], abs=EXACT)
    assert six["krippendorff_alpha"] == pytest.approx(five["krippendorff_alpha"], abs=EXACT)
    for key in ("gwet_ac1", "brennan_prediger", "fleiss_kappa"):
        assert six[key] == pytest.approx(IRRCAC["k2011_c_six_categories"][key], abs=EXACT), key


def test_fleiss_1971_diagnoses() -> None:
    data = np.array(DIAG).T.tolist()  # raters x patients
    overall = report(from_reliability(data), rating(1, 5), "nominal").overall.to_dict()
    assert overall["fleiss_kappa"] == pytest.approx(DIAG_EXPECTED["fleiss"], abs=PRINTED)
    assert overall["brennan_prediger"] == pytest.approx(DIAG_EXPECTED["randolph_bp"], abs=PRINTED)
    assert overall["gwet_ac1"] == pytest.approx(DIAG_EXPECTED["gwet_ac1"], abs=PRINTED)
    assert overall["krippendorff_alpha"] == pytest.approx(DIAG_EXPECTED["kripp_nominal"], abs=PRINTED)
    assert overall["percent_agreement"] == pytest.approx(DIAG_EXPECTED["percent_agreement"], abs=PRINTED)
    table, _ = aggregate_raters(np.array(DIAG), n_cat=None)
    assert overall["fleiss_kappa"] == pytest.approx(fleiss_kappa(table, method="fleiss"), abs=EXACT)
    assert overall["brennan_prediger"] == pytest.approx(fleiss_kappa(table, method="randolph"), abs=EXACT)


def test_wikipedia_fleiss_from_counts() -> None:
    counts = np.array(WIKI_FLEISS, float)
    result = co.coefficients(counts)
    assert result["fleiss_kappa"] == pytest.approx(WIKI_FLEISS_EXPECTED["fleiss"], abs=PRINTED)
    assert result["brennan_prediger"] == pytest.approx(WIKI_FLEISS_EXPECTED["randolph"], abs=PRINTED)
    assert result["fleiss_kappa"] == pytest.approx(fleiss_kappa(counts), abs=EXACT)
    assert result["brennan_prediger"] == pytest.approx(fleiss_kappa(counts, method="randolph"), abs=EXACT)


# --------------------------------------------------------------------------- Cohen, Scott, 2-rater tables


@pytest.mark.parametrize("name", sorted(COHEN_TABLES))
def test_cohen_tables(name: str) -> None:
    table, expected = COHEN_TABLES[name]
    assert co.cohen_kappa(np.array(table)) == pytest.approx(expected, abs=PRINTED)
    overall = report(from_table(table), labels(*[str(i) for i in range(len(table))])).overall.to_dict()
    assert overall["cohen_kappa_mean"] == pytest.approx(expected, abs=PRINTED)
    a = [i for i, row in enumerate(table) for j, c in enumerate(row) for _ in range(c)]
    b = [j for i, row in enumerate(table) for j, c in enumerate(row) for _ in range(c)]
    assert overall["cohen_kappa_mean"] == pytest.approx(
        cohen_kappa_score(a, b, labels=list(range(len(table)))), abs=EXACT
    )


def test_sas_weighted_kappa_uses_positions() -> None:
    table = np.array(COHEN_TABLES["sas_3x3"][0])
    for kind in ("linear", "quadratic"):
        assert co.cohen_kappa(table, co.agreement_weights(3, kind)) == pytest.approx(
            SAS_3x3_WEIGHTED[kind], abs=PRINTED
        )


def test_anxiety_weighted_kappa_on_the_declared_scale() -> None:
    """Pitfall 4: positions on the DECLARED scale 1..6 (our convention), not only the used values."""
    responses = from_reliability([ANXIETY_R2, ANXIETY_R3])
    ordinal = report(responses, rating(1, 6), "ordinal").overall.to_dict()
    interval = report(responses, rating(1, 6), "interval").overall.to_dict()
    nominal = report(responses, rating(1, 6), "nominal").overall.to_dict()
    assert ordinal["cohen_kappa_mean"] == pytest.approx(ANXIETY_R2R3["linear_labels_1to6"], abs=PRINTED)
    assert interval["cohen_kappa_mean"] == pytest.approx(ANXIETY_R2R3["quadratic_labels_1to6"], abs=PRINTED)
    assert nominal["cohen_kappa_mean"] == pytest.approx(ANXIETY_R2R3["unweighted"], abs=PRINTED)
    six = list(range(1, 7))
    live = cohen_kappa_score(ANXIETY_R2, ANXIETY_R3, labels=six, weights="linear")
    assert ordinal["cohen_kappa_mean"] == pytest.approx(live, abs=EXACT)
    # the R irr value drops the unused level 5: our table function gives it on the observed scale
    observed = [1, 2, 3, 4, 6]
    table = co.contingency(
        [observed.index(v) for v in ANXIETY_R2], [observed.index(v) for v in ANXIETY_R3], 5
    )
    assert co.cohen_kappa(table, co.agreement_weights(5, "linear")) == pytest.approx(
        ANXIETY_R2R3["linear"], abs=PRINTED
    )


def test_scott_pi_exact() -> None:
    table = np.array(SCOTT_3x3)
    assert co.scott_pi(table) == pytest.approx(SCOTT_3x3_EXPECTED["scott_pi"], abs=PRINTED)
    assert co.scott_pi(table) == pytest.approx(-4 / 71, abs=EXACT)
    assert co.cohen_kappa(table) == pytest.approx(SCOTT_3x3_EXPECTED["cohen_kappa"], abs=PRINTED)


@pytest.mark.parametrize(
    ("table", "expected"), [(CONT3x3_ABSTRACTORS, CONT3x3_EXPECTED), (CONT4x4_DIAGNOSIS, CONT4x4_EXPECTED)]
)
def test_irrcac_contingency_tables(table, expected) -> None:
    q = len(table)
    overall = report(from_table(table), labels(*[str(i) for i in range(q)])).overall.to_dict()
    assert overall["cohen_kappa_mean"] == pytest.approx(expected["cohen"], abs=PRINTED)
    assert overall["scott_pi"] == pytest.approx(expected["scott"], abs=PRINTED)
    assert overall["fleiss_kappa"] == pytest.approx(expected["scott"], abs=PRINTED)  # 2 raters, complete
    assert overall["gwet_ac1"] == pytest.approx(expected["gwet_ac1"], abs=PRINTED)
    assert overall["brennan_prediger"] == pytest.approx(expected["bp"], abs=PRINTED)
    assert overall["krippendorff_alpha"] == pytest.approx(expected["kripp"], abs=PRINTED)
    assert overall["percent_agreement"] == pytest.approx(expected["pa"], abs=PRINTED)
    t = np.array(table)
    for kind in ("linear", "quadratic"):
        assert co.cohen_kappa(t, co.agreement_weights(q, kind)) == pytest.approx(
            expected[f"cohen_{kind}"], abs=PRINTED
        )


def test_toy_alpha() -> None:
    responses = responses_frame([{"item_id": t, "annotator_id": w, "answer": v} for w, t, v in TOY])
    overall = report(responses, labels("no", "yes")).overall.to_dict()
    assert overall["krippendorff_alpha"] == pytest.approx(0.14219114219114215, abs=EXACT)


# --------------------------------------------------------------------------- conventions


def test_single_category_is_undefined_not_one() -> None:
    responses = from_reliability([["a", "a", "a"], ["a", "a", "a"]], numeric=False)
    overall = report(responses, labels("a", "b")).overall.to_dict()
    for key in ("krippendorff_alpha", "fleiss_kappa", "gwet_ac1", "cohen_kappa_mean", "scott_pi"):
        assert overall[key] is None, key
    assert overall["percent_agreement"] == 1.0
    assert "undefined_single_category" in overall["flags"]
    assert co.cohen_kappa(np.array([[5, 0], [0, 0]])) is None
    assert co.scott_pi(np.array([[5, 0], [0, 0]])) is None


def test_unknown_category_names_the_row() -> None:
    from calibration.errors import DataError

    responses = responses_frame([{"item_id": "i1", "annotator_id": "x", "answer": "a"},
                                 {"item_id": "i1", "annotator_id": "y", "answer": "zz"}])  # fmt: skip
    with pytest.raises(DataError) as error:
        report(responses, labels("a", "b"))
    assert str(error.value) == (
        "row 3: answer: answer 'zz' of item 'i1' is not one of the declared categories (a, b) "
        "(hint: fix the answer or declare the category in the guideline)"
    )


IRRCAC_DATASETS = {  # notes sec. 2: fleiss, gwet AC1, bp, krippendorff, pa
    "raw_5observers": (0.457622, 0.496622, 0.487407, 0.480530, 0.615556),
    "raw_g1g2": (0.657245, 0.684604, 0.679487, 0.631806, 0.743590),
    "raw_gender": (0.128889, 0.208081, 0.183333, 0.143407, 0.455556),
}


@pytest.mark.parametrize("name", sorted(IRRCAC_DATASETS))
def test_irrcac_shipped_datasets(name: str) -> None:
    shipped = IRRCAC["shipped_datasets"][name]
    values = shipped["categories"]
    numeric = all(isinstance(v, float) for v in values)

    def text(v: object) -> str:
        return str(int(v)) if numeric else str(v)  # type: ignore[call-overload]

    records = [
        {"item_id": f"u{i:03d}", "annotator_id": col, "answer": text(v)}
        for i, row in enumerate(shipped["rows"])
        for col, v in zip(shipped["columns"], row, strict=True)
        if not is_missing(v)
    ]
    overall = report(responses_frame(records), labels(*[text(v) for v in values])).overall.to_dict()
    expected = dict(zip(("fleiss_kappa", "gwet_ac1", "brennan_prediger", "krippendorff_alpha", "percent_agreement"),
                        IRRCAC_DATASETS[name], strict=True))  # fmt: skip
    for key, value in expected.items():
        assert overall[key] == pytest.approx(value, abs=PRINTED), key
        assert overall[key] == pytest.approx(shipped["estimates"][key], abs=EXACT), key
