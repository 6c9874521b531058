"""Which rounds have agreement to analyse: two or more annotators on a shared item (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from calibration.reports.analysis import unanalysable_reason
from calibration.rounds import service


def _answers(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["item_id", "annotator_id", "answer"])


def test_only_rounds_with_two_annotators_on_a_shared_item_are_analysable(
    store: Any, tiny_guideline: Any
) -> None:
    engine, lead = store.engine, store.lead
    service.publish_guideline(engine, tiny_guideline, lead)
    rounds = {name: service.create_pilot_round(engine, name, "tiny@1.0.0", actor=lead) for name in "ABCD"}
    service.import_responses(
        engine, "A", _answers([("i01", "ann", "POS"), ("i01", "bob", "NEG")]), actor=lead
    )
    service.import_responses(
        engine, "B", _answers([("i01", "ann", "POS"), ("i02", "ann", "NEG")]), actor=lead
    )
    service.import_responses(
        engine, "C", _answers([("i01", "ann", "POS"), ("i02", "bob", "NEG")]), actor=lead
    )
    assert service.analysable_rounds(engine) == {rounds["A"].id}
    # the items each round can measure (compare's default pair rests on the items two rounds share)
    assert service.shared_items(engine) == {rounds["A"].id: frozenset({"i01"})}
    # the library's sentence agrees with the store, round by round
    for name, round_ in rounds.items():
        responses = service.round_responses(engine, round_.id).responses
        assert (unanalysable_reason(responses) is None) == (name == "A")


def test_the_reason_says_what_is_missing() -> None:
    assert unanalysable_reason(_answers([])).startswith("No answers in this round yet.")
    one = unanalysable_reason(_answers([("i1", "ann", "POS"), ("i2", "ann", "NEG")]))
    assert one.startswith("Only one annotator has answered this round, so there is no agreement to measure")
    apart = unanalysable_reason(_answers([("i1", "ann", "POS"), ("i2", "bob", "NEG")]))
    assert apart.startswith("2 annotators answered this round, but no item was answered by two of them")
    assert unanalysable_reason(_answers([("i1", "ann", "POS"), ("i1", "bob", "NEG")])) is None
