"""The item model is fitted from the store's gold answers, stored with the guideline version, refitted on close.

The `answered` store comes from tests/adaptive/answered_quiz.py; `calibration irt fit` is in tests/cli/.
"""

from __future__ import annotations

from typing import Any

import pytest

from calibration.errors import DataError, PermissionDenied
from calibration.guidelines.model import Guideline
from calibration.rounds import item_model, service


def _user(engine: Any, name: str) -> Any:
    return next(u for u in service.list_users(engine) if u.name == name)


def test_the_gold_answers_of_a_version_are_graded_per_annotator(answered: Any) -> None:
    graded = item_model.gold_answers_of_version(answered.engine, "tiny@1.0.0")
    assert set(graded["annotator_id"]) == {"ann", "bob", "cyd"}
    assert graded.groupby("annotator_id")["credit"].sum().to_dict() == {"ann": 6.0, "bob": 5.0, "cyd": 4.0}


def test_fitting_on_demand_stores_the_model_with_the_version(answered: Any) -> None:
    engine, lead = answered.engine, answered.lead
    assert item_model.latest_item_model(engine, "tiny@1.0.0") is None
    fit = item_model.fit_item_model(engine, "tiny@1.0.0", actor=lead)
    assert fit.model.kind == "rasch" and fit.model.n_answers == 18
    stored = item_model.latest_item_model(engine, "tiny@1.0.0")
    assert stored is not None and stored.reason == "on demand"
    abilities = stored.model.annotators["ability"]
    assert abilities["ann"] > abilities["bob"] > abilities["cyd"]
    assert service.audit_log(engine, entity="guideline:tiny@1.0.0")[0].action == "fit_item_model"
    with pytest.raises(PermissionDenied):
        item_model.fit_item_model(engine, "tiny@1.0.0", actor=_user(engine, "ann"))


def test_closing_a_round_refits_and_an_empty_version_does_not(
    answered: Any, tiny_guideline_data: Any
) -> None:
    engine, lead = answered.engine, answered.lead
    service.close_round(engine, "quiz", actor=lead)
    stored = item_model.latest_item_model(engine, "tiny@1.0.0")
    assert stored is not None and stored.reason == "round quiz closed"
    service.publish_guideline(engine, Guideline.model_validate(tiny_guideline_data("1.1.0")), lead)
    service.create_user(engine, "dee", role="annotator", actor=lead)
    service.create_calibration_round(engine, "empty", "tiny@1.1.0", actor=lead, annotators=["dee"])
    service.close_round(engine, "empty", actor=lead)
    assert item_model.latest_item_model(engine, "tiny@1.1.0") is None
    with pytest.raises(DataError, match=r"no answers on gold items in the rounds on tiny@1\.1\.0 yet"):
        item_model.fit_item_model(engine, "tiny@1.1.0", actor=lead)
