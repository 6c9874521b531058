"""The item and annotator model: parameter recovery on simulated data, agreement with girth, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from calibration.adaptive.irt import ItemModel, ability_eap, fit_irt, graded_answers, item_information
from calibration.errors import DataError
from calibration.guidelines.model import Label, Task
from calibration.responses import gold_series, responses_frame


def simulate(n_items: int, n_people: int, seed: int, rasch: bool = False):
    rng = np.random.default_rng(seed)
    a = np.ones(n_items) if rasch else rng.lognormal(0.0, 0.3, n_items)
    b = rng.normal(0.0, 1.0, n_items)
    theta = rng.normal(0.0, 1.0, n_people)
    p = 1 / (1 + np.exp(-a[:, None] * (theta[None, :] - b[:, None])))
    data = (rng.uniform(size=p.shape) < p).astype(int)  # items x people, as girth takes it
    item, person = np.indices(data.shape)
    graded = pd.DataFrame(
        {
            "item_id": [f"i{k:03d}" for k in item.ravel()],
            "annotator_id": [f"a{k:03d}" for k in person.ravel()],
            "credit": data.ravel().astype(float),
        }
    )
    return graded, data, a, b, theta


def ordered(fitted: ItemModel, n_items: int, n_people: int):
    items = fitted.items.loc[[f"i{k:03d}" for k in range(n_items)]]
    people = fitted.annotators.loc[[f"a{k:03d}" for k in range(n_people)]]
    return items, people


def test_2pl_recovers_the_simulated_parameters():
    graded, _, a, b, theta = simulate(40, 400, seed=3)
    fitted = fit_irt(graded)
    assert fitted.kind == "2pl" and fitted.converged and fitted.n_answers == 16_000
    items, people = ordered(fitted, 40, 400)
    assert np.corrcoef(items["difficulty"], b)[0, 1] > 0.95
    assert np.corrcoef(items["discrimination"], a)[0, 1] > 0.6
    assert np.corrcoef(people["ability"], theta)[0, 1] > 0.9
    assert np.mean(np.abs(items["difficulty"] - b)) < 0.3


def test_rasch_when_thin_and_its_difficulties_are_recovered():
    graded, _, _, b, theta = simulate(30, 12, seed=5, rasch=True)
    fitted = fit_irt(graded)  # 12 answers per item: too few for discriminations
    assert fitted.kind == "rasch" and (fitted.items["discrimination"] == 1.0).all()
    graded, _, _, b, theta = simulate(30, 300, seed=5, rasch=True)
    items, people = ordered(fit_irt(graded, "rasch"), 30, 300)
    assert np.corrcoef(items["difficulty"], b)[0, 1] > 0.95
    assert np.corrcoef(people["ability"], theta)[0, 1] > 0.85


def test_agrees_with_girth_on_the_same_data():
    girth = pytest.importorskip("girth")
    graded, data, _, _, _ = simulate(30, 500, seed=11)
    items, _ = ordered(fit_irt(graded, "2pl"), 30, 500)
    theirs = girth.twopl_mml(data)  # marginal ML (Bock & Aitkin 1981): a different estimator, same model
    assert np.corrcoef(items["difficulty"], theirs["Difficulty"])[0, 1] > 0.97
    assert np.corrcoef(items["discrimination"], theirs["Discrimination"])[0, 1] > 0.85
    assert np.mean(np.abs(items["difficulty"].to_numpy() - theirs["Difficulty"])) < 0.25
    rasch_items, _ = ordered(fit_irt(graded, "rasch"), 30, 500)
    theirs = girth.rasch_mml(data)
    assert np.corrcoef(rasch_items["difficulty"], theirs["Difficulty"])[0, 1] > 0.98


def test_round_trip_through_json():
    graded, *_ = simulate(5, 30, seed=2)
    fitted = fit_irt(graded)
    again = ItemModel.from_dict(fitted.to_dict())
    pd.testing.assert_frame_equal(again.items, fitted.items, check_dtype=False)
    pd.testing.assert_frame_equal(again.annotators, fitted.annotators, check_dtype=False)
    assert (again.kind, again.n_answers) == (fitted.kind, fitted.n_answers)


def test_graded_answers_grade_against_gold_and_drop_items_without_gold():
    task = Task(type="single_label", labels=[Label(id="A", name="A"), Label(id="B", name="B")])
    responses = responses_frame(
        [
            {"item_id": "i1", "annotator_id": "x", "answer": "A"},
            {"item_id": "i2", "annotator_id": "x", "answer": "A"},
            {"item_id": "nogold", "annotator_id": "x", "answer": "A"},
        ]
    )
    graded = graded_answers(responses, gold_series({"i1": "A", "i2": "B"}), task)
    assert graded.to_dict("records") == [
        {"item_id": "i1", "annotator_id": "x", "credit": 1.0},
        {"item_id": "i2", "annotator_id": "x", "credit": 0.0},
    ]


def test_information_peaks_at_the_difficulty_and_eap_moves_with_answers():
    info = item_information(np.array([2.0, 2.0]), np.array([0.0, 2.0]), 0.0)
    assert info[0] == pytest.approx(1.0) and info[1] < info[0]
    assert ability_eap(np.array([]), np.array([]), np.array([]))[0] == pytest.approx(0.0, abs=1e-9)
    up, sd = ability_eap(np.ones(5), np.zeros(5), np.ones(5))
    down, _ = ability_eap(np.ones(5), np.zeros(5), np.zeros(5))
    assert up > 0.5 > -0.5 > down and sd < 1.0


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame({"item_id": ["i"], "credit": [1.0]}), r"miss the column\(s\) annotator_id"),
        (pd.DataFrame({"item_id": [], "annotator_id": [], "credit": []}), "no answers on gold items"),
        (pd.DataFrame({"item_id": ["i"], "annotator_id": ["a"], "credit": [2.0]}), "credit must lie"),
    ],
)
def test_bad_input_is_named(frame, message):
    with pytest.raises(DataError, match=message):
        fit_irt(frame)


def test_an_item_with_reversed_gold_is_suspect_and_the_others_are_not():
    from calibration.adaptive.irt import suspect_items

    graded, *_ = simulate(20, 300, seed=8)
    reversed_item = graded["item_id"] == "i007"
    graded.loc[reversed_item, "credit"] = 1.0 - graded.loc[reversed_item, "credit"]  # gold is wrong
    fitted = fit_irt(graded, "2pl")
    suspects = suspect_items(graded, fitted)
    assert list(suspects.index) == ["i007"]
    assert suspects.loc["i007", "ability_correlation"] < 0
    assert suspects.loc["i007", "reason"].startswith(
        "strong annotators miss it as often as weak ones or more"
    )
    assert suspect_items(graded, fitted, min_answers=301).empty


@pytest.mark.parametrize("model", ["rasch", "2pl"])
def test_degenerate_data_fit_without_warnings(model):
    import warnings

    cases = [
        pd.DataFrame({"item_id": ["i1"], "annotator_id": ["a"], "credit": [1.0]}),
        pd.DataFrame({"item_id": ["i1", "i1"], "annotator_id": ["a", "b"], "credit": [0.0, 0.0]}),
        pd.DataFrame({"item_id": ["i1", "i2"] * 5, "annotator_id": list("aabbccddee"), "credit": [0.5] * 10}),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for graded in cases:
            fitted = fit_irt(graded, model)
            assert fitted.converged
            assert (
                np.isfinite(fitted.items["difficulty"]).all()
                and np.isfinite(fitted.annotators["ability"]).all()
            )
    assert fit_irt(cases[1], model).items.loc["i1", "difficulty"] > 0  # nobody got it right: hard
