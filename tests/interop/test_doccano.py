"""doccano JSONL export: per-user files in a zip, and the refused collaborative all.jsonl."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from calibration.answers import Span
from calibration.errors import DataError
from calibration.interop.common import resolve
from calibration.interop.doccano import read_doccano


def jsonl(lines):
    return ("\n".join(json.dumps(line) for line in lines) + "\n").encode()


def zipped(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_zip_of_user_files_for_classification(clauses):
    alice = [
        {"id": 1, "text": "Supplier shall indemnify Buyer.", "label": ["INDEM"], "Comments": []},
        {
            "id": 2,
            "text": "Liability is capped.",
            "label": ["LIAB"],
            "Comments": [{"text": "close call", "user": 1}],
        },
    ]
    bob = [
        {"id": 1, "text": "Supplier shall indemnify Buyer.", "label": ["Indemnification"], "Comments": []},
        {"id": 2, "text": "Liability is capped.", "label": [], "Comments": []},
    ]
    data = zipped({"alice.jsonl": jsonl(alice), "bob.jsonl": jsonl(bob)})
    result = resolve(read_doccano(data, "export.zip", clauses), clauses)
    assert sorted(result.responses[["item_id", "annotator_id", "answer"]].itertuples(index=False)) == [
        ("1", "alice", "INDEM"),
        ("1", "bob", "INDEM"),
        ("2", "alice", "LIAB"),
    ]
    assert (
        result.responses.set_index(["item_id", "annotator_id"]).loc[("2", "alice"), "comment"] == "close call"
    )
    assert [str(s) for s in result.skipped] == ["line 2 by bob: no labels (not annotated by this user)"]


def test_sequence_labeling_triples_and_entities(pii):
    text = "Ana Diaz, ana@x.org"
    triples = [{"id": 7, "text": text, "label": [[0, 8, "NAME"], [10, 19, "EMAIL"]], "Comments": []}]
    entities = [
        {
            "id": 7,
            "text": text,
            "entities": [{"id": 3, "label": "NAME", "start_offset": 0, "end_offset": 3}],
            "relations": [],
            "Comments": [],
        }
    ]
    data = zipped({"admin.jsonl": jsonl(triples), "ann2.jsonl": jsonl(entities)})
    result = resolve(read_doccano(data, "export.zip", pii), pii)
    assert result.responses.set_index("annotator_id")["answer"].to_dict() == {
        "admin": (Span(0, 8, "NAME"), Span(10, 19, "EMAIL")),
        "ann2": (Span(0, 3, "NAME"),),
    }


def test_collaborative_all_jsonl_is_refused_alone_and_in_a_zip(clauses):
    lines = jsonl([{"id": 1, "text": "x", "label": ["INDEM", "LIAB"], "Comments": []}])
    for data, name in ((lines, "all.jsonl"), (zipped({"all.jsonl": lines}), "export.zip")):
        with pytest.raises(DataError) as caught:
            read_doccano(data, name, clauses)
        message = str(caught.value)
        assert (
            "all.jsonl is doccano's collaborative export: it merges every annotator's labels without user ids"
            in (message)
        )
        assert "turn off 'collaborative annotation'" in message


def test_single_user_file_takes_its_name_as_annotator(clauses):
    data = jsonl([{"id": 1, "text": "x", "label": ["OTHER"], "Comments": []}])
    result = resolve(read_doccano(data, "carol.jsonl", clauses), clauses)
    assert result.responses["annotator_id"].tolist() == ["carol"]


def test_broken_zip_and_bad_line(clauses):
    with pytest.raises(DataError, match="not a valid zip archive"):
        read_doccano(b"PK\x03\x04broken", "export.zip", clauses)
    data = zipped({"alice.jsonl": b'{"id": 1, "text": "x", "label": ["INDEM"]}\n{"id": 2, "text": '})
    with pytest.raises(DataError, match=r"export.zip:alice.jsonl:2:\d+: the line ends early"):
        read_doccano(data, "export.zip", clauses)


def test_line_without_id(clauses):
    with pytest.raises(DataError, match=r"x.jsonl:1: the line has no id"):
        read_doccano(jsonl([{"text": "x", "label": ["INDEM"]}]), "x.jsonl", clauses)
