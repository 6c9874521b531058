"""The canonical responses table and its constructors."""

from __future__ import annotations

import pandas as pd
import pytest

from calibration.errors import AnswerError, DataError
from calibration.guidelines.model import Task
from calibration.responses import canonical_answers, gold_series, item_rules_frame, responses_frame

TASK = Task(type="single_label", labels=[{"id": "A", "name": "A"}, {"id": "B", "name": "B"}])


def test_responses_frame_keeps_known_columns_and_stringifies_ids() -> None:
    frame = responses_frame([{"item_id": 1, "annotator_id": 7, "answer": "A", "confidence": 4, "extra": "x"}])
    assert list(frame.columns) == ["item_id", "annotator_id", "answer", "confidence"]
    assert frame.loc[0, "item_id"] == "1" and frame.loc[0, "annotator_id"] == "7"
    assert str(frame["confidence"].dtype) == "Int64"


def test_missing_required_column_is_named() -> None:
    with pytest.raises(DataError) as error:
        responses_frame(pd.DataFrame({"item_id": ["1"], "answer": ["A"]}))
    assert "responses need the column(s) annotator_id" in str(error.value)


def test_item_rules_and_gold() -> None:
    frame = item_rules_frame({"i1": ["R1", "R2"], "i2": ["R1"]})
    assert frame.values.tolist() == [["i1", "R1"], ["i1", "R2"], ["i2", "R1"]]
    gold = gold_series({"i1": "A"})
    assert gold.index.name == "item_id" and gold["i1"] == "A"


def test_canonical_answers_names_the_row_of_a_bad_answer() -> None:
    frame = responses_frame(
        [
            {"item_id": "i1", "annotator_id": "a", "answer": "A"},
            {"item_id": "i2", "annotator_id": "a", "answer": "C"},
        ]
    )
    with pytest.raises(AnswerError) as error:
        canonical_answers(frame, TASK, path="r.csv")
    assert str(error.value).startswith("r.csv: row 3: answer: item 'i2': unknown label 'C'")


# --------------------------------------------------------------------------- the one input bundle


def _contracts():
    from pathlib import Path

    from calibration.guidelines.loading import load_guideline

    return load_guideline(Path(__file__).resolve().parents[1] / "guidelines/contract-clauses/1.0.0.yaml")


def test_annotations_are_built_by_keyword_and_of_fills_the_guidelines_map_and_gold() -> None:
    from calibration.responses import Annotations

    guideline = _contracts()
    item = guideline.items[0]
    responses = responses_frame([{"item_id": item.id, "annotator_id": "ann", "answer": "X"}])
    with pytest.raises(TypeError):
        Annotations(responses, item_rules_frame({}))  # type: ignore[misc]  # no positional order to drift
    data = Annotations.of(responses, guideline=guideline)
    assert data.item_rules.equals(item_rules_frame(guideline.item_rules()))
    assert data.gold.equals(gold_series(guideline.gold_answers()))
    assert data.task == guideline.task and data.rule_ids == list(item.rules)
    bare = Annotations(responses=responses, item_rules=data.item_rules)
    assert bare.gold.empty and bare.target == 0.8
    with pytest.raises(DataError, match="a round analysis needs the guideline version"):
        bare.require_guideline("a round analysis")


def test_a_rounds_answers_and_an_import_are_annotations() -> None:
    """What the store and the importers return passes to every analysis as it is."""
    import dataclasses

    from calibration.interop.common import ImportResult
    from calibration.responses import Annotations
    from calibration.rounds.status import RoundResponses

    for kind in (RoundResponses, ImportResult):
        assert issubclass(kind, Annotations)
        fields = {f.name for f in dataclasses.fields(kind)}
        assert {"responses", "item_rules", "gold", "guideline"} <= fields


def test_policy_rule_threshold_and_adaptive_mark() -> None:
    from calibration.guidelines.model import Policy

    assert Policy().rule_threshold == 0.8
    assert Policy(pass_accuracy=0.7).rule_threshold == 0.7
    assert Policy(pass_accuracy=0.7, pass_rule_accuracy=0.9).rule_threshold == 0.9
    assert Policy(pass_rule_accuracy=1.0).adaptive_mark == 0.95
    assert Policy(pass_rule_accuracy=0.0).adaptive_mark == 0.05
