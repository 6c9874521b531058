"""Prodigy db-out JSONL: lines shaped like Prodigy's own records."""

from __future__ import annotations

import json

import pytest

from calibration.answers import Span
from calibration.errors import DataError
from calibration.interop.common import resolve
from calibration.interop.prodigy import read_prodigy

TEXT = "Supplier shall indemnify Buyer."
OPTIONS = [
    {"id": "INDEM", "text": "Indemnification"},
    {"id": "LIAB", "text": "Limitation of liability"},
    {"id": "OTHER", "text": "Other"},
]


def jsonl(lines):
    return ("\n".join(json.dumps(line) for line in lines) + "\n").encode()


def choice(input_hash, session, accept, answer="accept", text=TEXT, **extra):
    line = {
        "text": text,
        "options": OPTIONS,
        "_input_hash": input_hash,
        "_task_hash": input_hash * 7 + len(session),
        "_view_id": "choice",
        "config": {"choice_style": "single"},
        "accept": accept,
        "answer": answer,
        "_timestamp": 1714643472,
        "_annotator_id": f"clauses-{session}",
        "_session_id": f"clauses-{session}",
    }
    line.update(extra)
    return line


def test_choice_lines_grouped_by_input_hash_with_reject_and_ignore_skipped(clauses):
    lines = [
        choice(-1182, "alice", ["INDEM"], meta={"rule": "R-INDEM"}),
        choice(-1182, "bob", ["LIAB"]),
        choice(-1182, "carol", [], answer="ignore"),
        choice(-1182, "dave", ["OTHER"], answer="reject"),
        choice(553, "alice", ["LIAB"], text="Liability is capped."),
        choice(553, "bob", ["LIAB"], text="Liability is capped."),
    ]
    result = resolve(read_prodigy(jsonl(lines), "db.jsonl", clauses), clauses)
    assert sorted(result.responses[["item_id", "annotator_id", "answer"]].itertuples(index=False)) == [
        ("553", "clauses-alice", "LIAB"),
        ("553", "clauses-bob", "LIAB"),
        ("item-1182", "clauses-alice", "INDEM"),
        ("item-1182", "clauses-bob", "LIAB"),
    ]
    assert [str(s) for s in result.skipped] == [
        "line 3 by clauses-carol: ignored in Prodigy",
        "line 4 by clauses-dave: rejected in Prodigy (a reject names no answer)",
    ]
    assert result.inputs["553"].text == "Liability is capped."
    assert result.rule_sources == {"item-1182": "field", "553": "labels"}


def test_session_id_is_used_when_annotator_id_is_missing(clauses):
    line = choice(1, "alice", ["INDEM"])
    del line["_annotator_id"]
    result = resolve(read_prodigy(jsonl([line]), "db.jsonl", clauses), clauses)
    assert result.responses["annotator_id"].tolist() == ["clauses-alice"]


def test_missing_annotator_names_the_line(clauses):
    second = choice(2, "bob", ["LIAB"])
    del second["_annotator_id"], second["_session_id"]
    with pytest.raises(DataError) as caught:
        read_prodigy(jsonl([choice(1, "alice", ["INDEM"]), second]), "db.jsonl", clauses)
    assert str(caught.value) == (
        "db.jsonl:2: the line has neither _annotator_id nor _session_id, so its annotator is unknown "
        "(hint: annotate with named sessions (?session=NAME) so Prodigy records who answered)"
    )


def test_truncated_last_line_is_named(clauses):
    data = jsonl([choice(1, "alice", ["INDEM"]), choice(2, "bob", ["LIAB"])])[:-40]
    with pytest.raises(DataError, match=r"db.jsonl:2:\d+: the line ends early \(truncated file\?\)"):
        read_prodigy(data, "db.jsonl", clauses)


def test_wrong_format_is_named(clauses):
    with pytest.raises(DataError, match=r"db.jsonl:1: the line has no _input_hash"):
        read_prodigy(jsonl([{"text": "x", "label": ["INDEM"], "id": 1}]), "db.jsonl", clauses)


def test_ner_manual_spans(pii):
    text = "Call Ana Diaz at ana@x.org"
    tokens = [{"text": "Call", "start": 0, "end": 4, "id": 0, "ws": True}]
    lines = [
        {
            "text": text,
            "tokens": tokens,
            "_input_hash": 42,
            "_task_hash": 1,
            "_view_id": "ner_manual",
            "spans": [
                {"start": 5, "end": 13, "token_start": 1, "token_end": 2, "label": "NAME"},
                {"start": 17, "end": 26, "token_start": 4, "token_end": 4, "label": "EMAIL"},
            ],
            "answer": "accept",
            "_timestamp": 1,
            "_annotator_id": "pii-ana",
            "_session_id": "pii-ana",
        },
        {
            "text": text,
            "tokens": tokens,
            "_input_hash": 42,
            "_task_hash": 1,
            "_view_id": "ner_manual",
            "spans": [],
            "answer": "accept",
            "_timestamp": 2,
            "_annotator_id": "pii-bo",
            "_session_id": "pii-bo",
        },
    ]
    result = resolve(read_prodigy(jsonl(lines), "ner.jsonl", pii), pii)
    assert result.responses.set_index("annotator_id")["answer"].to_dict() == {
        "pii-ana": (Span(5, 13, "NAME"), Span(17, 26, "EMAIL")),
        "pii-bo": (),
    }


def test_binary_lines_on_a_multi_label_guideline_combine_accepts_and_rejects(tags):
    def line(label, answer, who):
        return {
            "text": "charged twice",
            "label": label,
            "_input_hash": 9,
            "_task_hash": hash(label) % 1000,
            "answer": answer,
            "_annotator_id": who,
            "_session_id": who,
            "_view_id": "classification",
        }

    lines = [
        line("BILLING", "accept", "ann"),
        line("BUG", "reject", "ann"),
        line("BILLING", "reject", "bob"),
        line("BUG", "reject", "bob"),
        line("BUG", "ignore", "cyd"),
    ]
    result = resolve(read_prodigy(jsonl(lines), "b.jsonl", tags), tags)
    assert result.responses.set_index("annotator_id")["answer"].to_dict() == {"ann": ("BILLING",), "bob": ()}
    assert [str(s) for s in result.skipped] == ["line 5 by cyd: ignored in Prodigy"]


def test_binary_classification_label(tags):
    line = {
        "text": "I was charged twice",
        "label": "Billing",
        "_input_hash": 9,
        "_task_hash": 3,
        "answer": "accept",
        "_annotator_id": "t-ann",
        "_session_id": "t-ann",
        "_view_id": "classification",
    }
    result = resolve(read_prodigy(jsonl([line]), "b.jsonl", tags), tags)
    assert result.responses["answer"].tolist() == [("BILLING",)]
    assert result.renamed == {"Billing -> BILLING": 1}


def test_unknown_choice_ids_reported_with_lines(clauses):
    lines = [choice(1, "alice", ["CAP"]), choice(1, "bob", ["INDEM"]), choice(2, "bob", ["CAP"])]
    with pytest.raises(DataError) as caught:
        resolve(read_prodigy(jsonl(lines), "db.jsonl", clauses), clauses)
    assert (
        "label 'CAP' is not a label of clauses@1.0.0 (used 2 time(s): line 1, line 3); nothing was imported"
        in str(caught.value)
    )
