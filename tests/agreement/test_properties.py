"""Invariants: perfect agreement gives 1, relabeling and permutations change nothing, the bootstrap
interval is an ordered pair of replicate percentiles, reproducible by seed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calibration.agreement.breakdown import agreement_report
from calibration.guidelines.model import Label, Task
from calibration.responses import responses_frame

LABELS = ["a", "b", "c", "d"]
TASK = Task(type="single_label", labels=[Label(id=i, name=i) for i in LABELS])
STATS = ("percent_agreement", "fleiss_kappa", "krippendorff_alpha", "gwet_ac1", "cohen_kappa_mean")
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def datasets(draw: st.DrawFn) -> pd.DataFrame:
    n_items = draw(st.integers(3, 12))
    n_ann = draw(st.integers(2, 4))
    records = []
    for i in range(n_items):
        for a in range(n_ann):
            if a >= 2 and draw(st.booleans()):
                continue  # missing answers are normal; the first two always answer
            records.append(
                {"item_id": f"i{i}", "annotator_id": f"a{a}", "answer": draw(st.sampled_from(LABELS))}
            )
    return responses_frame(records)


def overall(frame: pd.DataFrame, task: Task = TASK, **kw) -> dict:
    return agreement_report(frame, task, bootstrap=kw.pop("bootstrap", 0), **kw).overall.to_dict()


@SETTINGS
@given(st.integers(2, 10), st.integers(2, 5), st.data())
def test_perfect_agreement_gives_one(n_items: int, n_ann: int, data: st.DataObject) -> None:
    answers = [data.draw(st.sampled_from(LABELS)) for _ in range(n_items)]
    if len(set(answers)) < 2:
        answers[0], answers[1] = "a", "b"
    frame = responses_frame(
        [
            {"item_id": f"i{i}", "annotator_id": f"a{a}", "answer": v}
            for i, v in enumerate(answers)
            for a in range(n_ann)
        ]
    )
    result = overall(frame)
    for key in STATS:
        assert result[key] == pytest.approx(1.0, abs=1e-12), key


@SETTINGS
@given(datasets(), st.permutations(LABELS))
def test_relabeling_categories_changes_nothing(frame: pd.DataFrame, perm: list[str]) -> None:
    mapping = dict(zip(LABELS, perm, strict=True))
    relabeled = frame.assign(answer=frame["answer"].map(mapping))
    before, after = overall(frame), overall(relabeled)
    for key in (*STATS, "brennan_prediger"):
        if before[key] is None:
            assert after[key] is None
        else:
            assert before[key] == pytest.approx(after[key], abs=1e-9)


@SETTINGS
@given(datasets(), st.randoms(use_true_random=False))
def test_permuting_annotators_and_items_changes_nothing(frame: pd.DataFrame, rnd) -> None:
    ann = sorted(frame["annotator_id"].unique())
    items = sorted(frame["item_id"].unique())
    new_ann = dict(zip(ann, rnd.sample(ann, len(ann)), strict=True))
    new_items = dict(zip(items, [f"z{k}" for k in rnd.sample(range(len(items)), len(items))], strict=True))
    shuffled = frame.assign(
        annotator_id=frame["annotator_id"].map(new_ann), item_id=frame["item_id"].map(new_items)
    )
    shuffled = shuffled.sample(frac=1.0, random_state=rnd.randint(0, 10_000)).reset_index(drop=True)
    before, after = overall(frame), overall(shuffled)
    for key in (*STATS, "brennan_prediger"):
        if before[key] is None:
            assert after[key] is None
        else:
            assert before[key] == pytest.approx(after[key], abs=1e-9)


@SETTINGS
@given(datasets())
def test_bootstrap_interval_is_a_pair_of_replicate_percentiles(frame: pd.DataFrame) -> None:
    """A percentile interval is ordered and lies within the statistic's range; it need not contain the
    estimate (see the explicit case below and docs/agreement.md, Intervals)."""
    result = overall(frame, bootstrap=400, seed=3)
    outside = []
    for key, bounds in result["ci95"].items():
        if bounds is None or result[key] is None:
            continue
        low, high = bounds
        assert low <= high
        assert high <= 1 + 1e-6, (key, bounds)
        if key == "percent_agreement":
            assert low >= -1e-6, (key, bounds)
        if not low - 1e-12 <= result[key] <= high + 1e-12:
            outside.append(key)
    # the row says so whenever an estimate lies outside its interval, and only then
    assert ("estimate_outside_ci" in result["flags"]) == bool(outside), (outside, result["flags"])


def test_few_items_interval_may_exclude_the_estimate_and_is_flagged() -> None:
    """The example hypothesis found (shrunk): four items; the percentile interval of the mean Cohen's
    kappa lies beside the estimate for any seed and resample count, because the bootstrap distribution
    of a kappa over four items is lumpy. Not a defect of the interval; the block says few_items and
    estimate_outside_ci."""
    rows = [("i0", "a0", "b"), ("i0", "a1", "a"), ("i0", "a2", "b"), ("i0", "a3", "a"),
            ("i1", "a0", "b"), ("i1", "a1", "b"), ("i1", "a2", "a"), ("i1", "a3", "b"),
            ("i2", "a0", "a"), ("i2", "a1", "a"), ("i2", "a2", "b"), ("i2", "a3", "b"),
            ("i3", "a0", "a"), ("i3", "a1", "b"), ("i3", "a2", "b")]  # fmt: skip
    frame = responses_frame([{"item_id": i, "annotator_id": a, "answer": v} for i, a, v in rows])
    for bootstrap, seed in [(400, 3), (4000, 5)]:
        result = overall(frame, bootstrap=bootstrap, seed=seed)
        assert result["cohen_kappa_mean"] == pytest.approx(-4 / 15, abs=1e-12)
        low, high = result["ci95"]["cohen_kappa_mean"]
        assert result["cohen_kappa_mean"] < low < high
        assert high == pytest.approx(0.0, abs=1e-9)
        assert "few_items" in result["flags"]
        assert "estimate_outside_ci" in result["flags"]  # the row explains the interval beside it
        # the Fleiss interval of the same data does contain its estimate: the method is not biased as such
        f_low, f_high = result["ci95"]["fleiss_kappa"]
        assert f_low <= result["fleiss_kappa"] <= f_high


def test_bootstrap_is_reproducible_and_seed_dependent() -> None:
    rng = np.random.default_rng(1)
    frame = responses_frame(
        [
            {"item_id": f"i{i}", "annotator_id": f"a{a}", "answer": LABELS[rng.integers(0, 2 if a else 4)]}
            for i in range(60)
            for a in range(3)
        ]
    )
    one = overall(frame, bootstrap=300, seed=7)["ci95"]
    two = overall(frame, bootstrap=300, seed=7)["ci95"]
    other = overall(frame, bootstrap=300, seed=8)["ci95"]
    assert one == two
    assert one != other
    for key in ("krippendorff_alpha", "fleiss_kappa", "gwet_ac1", "percent_agreement", "cohen_kappa_mean"):
        assert key in one


def test_annotator_alphas_average_to_the_overall_alpha() -> None:
    rng = np.random.default_rng(5)
    records = [{"item_id": f"i{i}", "annotator_id": f"a{a}", "answer": LABELS[rng.integers(0, 3)]}
               for i in range(40) for a in range(4) if rng.random() > 0.2]  # fmt: skip
    rep = agreement_report(responses_frame(records), TASK, bootstrap=0)
    # weights: each annotator's answers on items with two or more answers
    frame = responses_frame(records)
    per_item = frame.groupby("item_id").size()
    pairable = frame[frame["item_id"].map(per_item) >= 2].groupby("annotator_id").size()
    weights = pairable.reindex(list(rep.per_annotator)).to_numpy(float)
    alphas = np.array([b.stats.krippendorff_alpha for b in rep.per_annotator.values()])
    assert (weights * alphas).sum() / weights.sum() == pytest.approx(
        rep.overall.to_dict()["krippendorff_alpha"], abs=1e-12
    )


def test_unit_bootstrap_agrees_with_published_regression_intervals() -> None:
    """H07 ordinal alpha, unit bootstrap [0.6313, 0.8417]; SAS kappa, item bootstrap [0.2120, 0.7841]
    (notes, sec. 2; stochastic: Poisson vs multinomial weights and Monte Carlo error, so 0.03)."""
    from calibration.guidelines.model import Scale
    from tests.agreement.agreement_reference import COHEN_TABLES, H07

    records = [
        {"item_id": f"u{i:02d}", "annotator_id": f"c{j}", "answer": int(v)}
        for i, row in enumerate(H07)
        for j, v in enumerate(row)
        if v == v
    ]
    rating = Task(type="rating", scale=Scale(min=0, max=3))
    h07 = agreement_report(
        responses_frame(records), rating, bootstrap=2000, seed=0, level="ordinal"
    ).overall.to_dict()
    assert h07["ci95"]["krippendorff_alpha"] == pytest.approx([0.6313, 0.8417], abs=0.03)
    table = COHEN_TABLES["sas_3x3"][0]
    records = []
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            for _ in range(count):
                n = len(records)
                records += [
                    {"item_id": f"i{n}", "annotator_id": "A", "answer": LABELS[i]},
                    {"item_id": f"i{n}", "annotator_id": "B", "answer": LABELS[j]},
                ]
    sas = agreement_report(responses_frame(records), TASK, bootstrap=5000, seed=0).overall.to_dict()
    assert sas["cohen_kappa_mean"] == pytest.approx(0.484163, abs=1e-6)
    assert sas["ci95"]["cohen_kappa_mean"] == pytest.approx([0.2120, 0.7841], abs=0.03)
