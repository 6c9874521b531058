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
