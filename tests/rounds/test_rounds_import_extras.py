"""Imported answers pass the same confidence/rule/seconds checks as answers given in the app."""

from __future__ import annotations

from typing import Any

import pytest

from calibration.errors import AnswerError
from calibration.guidelines.model import Guideline
from calibration.rounds import service


@pytest.fixture
def pilot(store: Any, tiny_guideline: Guideline) -> Any:
    """The store with tiny@1.0.0 published and an empty pilot round "imp"."""
    service.publish_guideline(store.engine, tiny_guideline, store.lead)
    service.create_pilot_round(store.engine, "imp", "tiny@1.0.0", actor=store.lead)
    return store


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("confidence", 9, "export.csv: row 3: confidence: confidence must be an integer from 1 to 5, got 9"),
        ("seconds", -4.0, "export.csv: row 3: seconds: seconds must be a non-negative number, got -4.0"),
        ("cited_rule", "R-NOPE", "export.csv: row 3: cited_rule: unknown rule 'R-NOPE'"),
    ],
)
def test_import_responses_checks_extras_and_writes_nothing(
    pilot: Any, column: str, value: Any, message: str
) -> None:
    import pandas as pd

    engine, lead = pilot.engine, pilot.lead
    frame = pd.DataFrame(
        {
            "item_id": ["i01", "i02"],
            "annotator_id": ["zoe", "zoe"],
            "answer": ["POS", "NEG"],
            column: [None, value],
        }
    )
    before = service.counts(engine)
    with pytest.raises(AnswerError) as error:
        service.import_responses(engine, "imp", frame, actor=lead, source="export.csv")
    assert str(error.value).startswith(message)
    assert service.counts(engine) == before


def test_import_responses_keeps_whole_number_confidence_from_a_float_column(pilot: Any) -> None:
    import pandas as pd

    engine, lead = pilot.engine, pilot.lead
    frame = pd.DataFrame(
        {
            "item_id": ["i01", "i02"],
            "annotator_id": ["zoe", "zoe"],
            "answer": ["POS", "NEG"],
            "confidence": [4, None],
        }
    )
    assert frame["confidence"].dtype == float  # pandas turns an int column with a gap into floats
    assert service.import_responses(engine, "imp", frame, actor=lead) == 2
    stored = service.round_responses(engine, "imp").responses.set_index("item_id")["confidence"]
    assert stored["i01"] == 4 and pd.isna(stored["i02"])
