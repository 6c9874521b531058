"""Argilla 2 records: nested responses per question with user_id and status, and the flat form."""

from __future__ import annotations

import json

import pytest

from calibration.answers import Span
from calibration.errors import DataError
from calibration.interop.argilla import read_argilla
from calibration.interop.common import resolve

U1 = "0b7c6d1e-1111-4c3a-9d7e-0a1b2c3d4e5f"
U2 = "5e6f7a8b-2222-4c3a-9d7e-0a1b2c3d4e5f"


def record(rid, text, responses, **extra):
    base = {
        "id": rid,
        "status": "completed",
        "_server_id": f"srv-{rid}",
        "fields": {"text": text},
        "metadata": {},
        "suggestions": {"label": {"value": "INDEM", "score": 0.7, "agent": "model-v1"}},
        "responses": responses,
        "vectors": {},
    }
    base.update(extra)
    return base


def test_nested_records_submitted_discarded_and_draft(clauses):
    records = [
        record(
            "r1",
            "Supplier shall indemnify Buyer.",
            {
                "label": [
                    {"value": "INDEM", "user_id": U1, "status": "submitted"},
                    {"value": "LIAB", "user_id": U2, "status": "submitted"},
                ],
                "confidence": [{"value": 2, "user_id": U2, "status": "submitted"}],
            },
            metadata={"rule_id": "R-INDEM"},
        ),
        record(
            "r2",
            "Liability is capped.",
            {
                "label": [
                    {"value": "LIAB", "user_id": U1, "status": "discarded"},
                    {"value": "LIAB", "user_id": U2, "status": "draft"},
                ],
            },
        ),
    ]
    result = resolve(read_argilla(json.dumps(records).encode(), "records.json", clauses), clauses)
    people = result.responses[result.responses["annotator_kind"].eq("human")]
    assert sorted(people[["item_id", "annotator_id", "answer"]].itertuples(index=False)) == [
        ("r1", U1, "INDEM"),
        ("r1", U2, "LIAB"),
    ]
    assert result.model_annotators == ["model-v1"]  # the suggestions are the model's answers
    assert result.responses.set_index("annotator_id").loc[U2, "confidence"] == 2
    assert [str(s) for s in result.skipped] == [
        f"record r2 by {U1}: discarded in Argilla, not submitted",
        f"record r2 by {U2}: draft in Argilla, not submitted",
    ]
    assert result.rule_sources["r1"] == "field"


def test_flat_records_as_jsonl(tags):
    lines = [
        {
            "id": "a",
            "text": "charged twice and the app crashed",
            "topics.responses": [["BILLING", "BUG"], ["BUG"]],
            "topics.responses.users": [U1, U2],
            "topics.responses.status": ["submitted", "submitted"],
        },
    ]
    data = ("\n".join(json.dumps(x) for x in lines) + "\n").encode()
    result = resolve(read_argilla(data, "records.jsonl", tags), tags)
    assert result.responses.set_index("annotator_id")["answer"].to_dict() == {
        U1: ("BILLING", "BUG"),
        U2: ("BUG",),
    }


def test_span_question(pii):
    text = "Ana Diaz, ana@x.org"
    records = [
        record(
            "s1",
            text,
            {
                "spans": [
                    {"value": [{"start": 0, "end": 8, "label": "NAME"}], "user_id": U1, "status": "submitted"}
                ]
            },
        )
    ]
    result = resolve(read_argilla(json.dumps(records).encode(), "r.json", pii), pii)
    assert result.responses["answer"].tolist() == [(Span(0, 8, "NAME"),)]


def test_response_without_user_id_names_the_record(clauses):
    records = [record("r9", "x", {"label": [{"value": "INDEM", "status": "submitted"}]})]
    with pytest.raises(DataError) as caught:
        read_argilla(json.dumps(records).encode(), "r.json", clauses)
    assert str(caught.value).startswith(
        "r.json: record r9: a response to question 'label' has no user_id, so its annotator is unknown"
    )


def test_several_questions_need_a_choice(clauses):
    records = [
        record(
            "r1",
            "x",
            {
                "label": [{"value": "INDEM", "user_id": U1, "status": "submitted"}],
                "severity": [{"value": "high", "user_id": U1, "status": "submitted"}],
            },
        )
    ]
    with pytest.raises(DataError, match="several questions could hold the answer: label, severity"):
        read_argilla(json.dumps(records).encode(), "r.json", clauses)
    raw = read_argilla(json.dumps(records).encode(), "r.json", clauses, question="label")
    responses = resolve(raw, clauses).responses
    assert responses.loc[responses["annotator_id"].eq(U1), "answer"].tolist() == ["INDEM"]


def test_rating_and_ranking_questions(stars, ranks):
    records = [record("r1", "reply", {"rating": [{"value": 4, "user_id": U1, "status": "submitted"}]})]
    result = resolve(read_argilla(json.dumps(records).encode(), "r.json", stars), stars)
    assert result.responses["answer"].tolist() == [4]

    ranked = [
        {
            "id": "k1",
            "fields": {"prompt": "best?", "c1": "one", "c2": "two", "c3": "three"},
            "metadata": {},
            "responses": {
                "ranking": [
                    {
                        "value": [
                            {"value": "c2", "rank": 1},
                            {"value": "c3", "rank": 2},
                            {"value": "c1", "rank": 3},
                        ],
                        "user_id": U2,
                        "status": "submitted",
                    }
                ]
            },
        }
    ]
    result = resolve(read_argilla(json.dumps(ranked).encode(), "k.json", ranks), ranks)
    assert result.responses["answer"].tolist() == [("c2", "c3", "c1")]


def test_truncated_records_file(clauses):
    data = json.dumps([record("r1", "x", {})]).encode()[:-25]
    with pytest.raises(DataError, match=r"^r.json:\d+:\d+: the JSON ends early \(truncated file\?\)"):
        read_argilla(data, "r.json", clauses)
