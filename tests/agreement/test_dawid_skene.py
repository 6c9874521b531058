"""Dawid-Skene on crowd-kit's toy data: labels, per-worker accuracy on the aggregates, shapes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from calibration.agreement.dawid_skene import fit_dawid_skene
from calibration.errors import DataError
from calibration.guidelines.model import Label, Task
from calibration.responses import gold_series, responses_frame
from tests.agreement.agreement_reference import TOY, TOY_EXPECTED, TOY_GOLD

TOY_RESPONSES = responses_frame([{"item_id": t, "annotator_id": w, "answer": v} for w, t, v in TOY])


def test_toy_labels_match_crowd_kit_and_beat_majority_vote() -> None:
    model = fit_dawid_skene(TOY_RESPONSES, ["no", "yes"])
    assert model.labels_.to_dict() == TOY_EXPECTED["ds_labels"]
    assert model.labels_.to_dict() != TOY_EXPECTED["mv_labels"]  # majority vote gets t1 wrong
    accuracy = model.accuracy_on_labels_.reindex(["w1", "w2", "w3", "w4", "w5"]).to_numpy()
    assert accuracy == pytest.approx(TOY_EXPECTED["ds_expected_accuracy_by_worker"], abs=1e-12)


def test_toy_with_gold_keeps_gold_and_shapes_are_documented() -> None:
    gold = gold_series({"t1": "yes", "t2": "yes"})
    task = Task(type="single_label", labels=[Label(id="no", name="no"), Label(id="yes", name="yes")])
    model = fit_dawid_skene(TOY_RESPONSES, task, gold=gold)
    assert model.labels_.to_dict() == TOY_GOLD
    assert model.probas_.loc["t1", "yes"] == 1.0
    assert np.allclose(model.probas_.sum(axis=1), 1.0)
    assert model.priors_.sum() == pytest.approx(1.0)
    assert model.errors_.groupby(level="annotator_id").sum().to_numpy() == pytest.approx(np.ones((5, 2)))
    assert list(model.confusions_["w2"].index) == ["no", "yes"]
    assert model.competence_["w2"] > model.competence_["w1"]
    assert (model.probability_ >= 0.5).all()


def test_recovers_truth_from_noisy_annotators() -> None:
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 3, 300)
    accuracy = [0.9, 0.8, 0.45, 0.35]
    records = []
    for i, t in enumerate(truth):
        for a, acc in enumerate(accuracy):
            answer = t if rng.random() < acc else rng.integers(0, 3)
            records.append({"item_id": f"i{i}", "annotator_id": f"a{a}", "answer": "ABC"[answer]})
    model = fit_dawid_skene(responses_frame(records), ["A", "B", "C"])
    recovered = (
        model.labels_.reindex([f"i{i}" for i in range(300)]).to_numpy() == np.array(list("ABC"))[truth]
    ).mean()
    assert recovered > 0.9
    assert list(model.competence_.sort_values(ascending=False).index[:2]) == ["a0", "a1"]


def test_refuses_structured_answers_and_empty_input() -> None:
    with pytest.raises(DataError, match="one class per answer"):
        fit_dawid_skene(responses_frame([{"item_id": "i", "annotator_id": "a", "answer": ("A",)}]), ["A"])
    with pytest.raises(DataError, match="no responses"):
        fit_dawid_skene(pd.DataFrame(columns=["item_id", "annotator_id", "answer"]), ["A"])
