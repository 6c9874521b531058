"""Canonical answers per task type: parsing, errors with hints, JSON and CSV cell round trips."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calibration.answers import Span, answer_to_json, dump_cell, load_cell, parse_answer
from calibration.errors import AnswerError
from calibration.guidelines.model import PairInput, RankingInput, Task, TextInput

LABELS = [{"id": i, "name": i.title()} for i in ("PER", "ORG", "LOC")]
SINGLE = Task(type="single_label", labels=LABELS)
MULTI = Task(type="multi_label", labels=LABELS)
SPAN = Task(type="span", labels=LABELS)
RATING = Task(type="rating", scale={"min": 1, "max": 5})
PAIR = Task(type="pairwise", allow_tie=False)
RANK = Task(type="ranking", candidates=3)


def test_single_label_unknown_label_suggests_the_closest() -> None:
    assert parse_answer(SINGLE, "ORG") == "ORG"
    with pytest.raises(AnswerError) as error:
        parse_answer(SINGLE, "ORGG")
    assert error.value.message == "unknown label 'ORGG'; expected one of PER, ORG, LOC"
    assert error.value.hint == "did you mean 'ORG'?"
    with pytest.raises(AnswerError, match="did you mean 'PER'"):
        parse_answer(SINGLE, "per")


def test_multi_label_is_a_sorted_set_and_refuses_repeats() -> None:
    assert parse_answer(MULTI, ["LOC", "PER"]) == ("LOC", "PER")
    assert parse_answer(MULTI, []) == ()
    with pytest.raises(AnswerError, match="labels repeat"):
        parse_answer(MULTI, ["PER", "PER"])


def test_spans_resolve_text_and_require_start_when_text_repeats() -> None:
    text = TextInput(text="Ann called Ann's bank in Paris")
    spans = parse_answer(
        SPAN, [{"text": "Paris", "label": "LOC"}, {"text": "Ann", "label": "PER", "start": 11}], text
    )
    assert spans == (Span(11, 14, "PER"), Span(25, 30, "LOC"))
    with pytest.raises(AnswerError) as error:
        parse_answer(SPAN, [{"text": "Ann", "label": "PER"}], text)
    assert error.value.message == "span text 'Ann' occurs 2 times in the input"
    assert error.value.hint == "add start: one of [0, 11]"
    with pytest.raises(AnswerError, match="does not occur in the input"):
        parse_answer(SPAN, [{"text": "London", "label": "LOC"}], text)
    with pytest.raises(AnswerError, match="out of bounds for a text of 30 characters"):
        parse_answer(SPAN, [[20, 40, "LOC"]], text)
    assert parse_answer(SPAN, [[25, 30, "LOC"]], text) == (Span(25, 30, "LOC"),)


def test_rating_pairwise_ranking() -> None:
    assert parse_answer(RATING, "4") == 4
    with pytest.raises(AnswerError, match=r"off the scale 1\.\.5"):
        parse_answer(RATING, 6)
    with pytest.raises(AnswerError) as error:
        parse_answer(PAIR, "tie")
    assert error.value.hint == "this task does not allow ties"
    candidates = RankingInput(prompt="p", candidates={"x": "1", "y": "2", "z": "3"})
    assert parse_answer(RANK, ["z", "x", "y"], candidates) == ("z", "x", "y")
    with pytest.raises(AnswerError, match="not a permutation"):
        parse_answer(RANK, ["z", "x", "x"], candidates)
    assert parse_answer(Task(type="pairwise"), "B", PairInput(prompt="p", a="1", b="2")) == "b"


def test_missing_answer_is_refused() -> None:
    with pytest.raises(AnswerError, match="the answer is missing"):
        parse_answer(SINGLE, None)


@given(st.lists(st.sampled_from(["PER", "ORG", "LOC"]), unique=True))
def test_multi_label_cell_round_trip(labels: list[str]) -> None:
    answer = parse_answer(MULTI, labels)
    assert parse_answer(MULTI, load_cell(dump_cell("multi_label", answer))) == answer


def test_span_json_carries_text_and_round_trips_through_a_cell() -> None:
    text = "Ann met Bob"
    answer = parse_answer(SPAN, [{"text": "Bob", "label": "PER"}], TextInput(text=text))
    assert answer_to_json("span", answer, text) == [{"start": 8, "end": 11, "label": "PER", "text": "Bob"}]
    assert parse_answer(SPAN, load_cell(dump_cell("span", answer)), TextInput(text=text)) == answer


def test_load_cell_reads_plain_text_numbers_and_reports_broken_json() -> None:
    assert load_cell("INDEMNIFICATION") == "INDEMNIFICATION"
    assert load_cell("3") == 3
    assert load_cell("") is None
    with pytest.raises(AnswerError, match="looks like JSON but does not parse"):
        load_cell('["A", ')
