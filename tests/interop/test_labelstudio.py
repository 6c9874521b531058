"""Label Studio full JSON export: fixtures shaped like the tool's own export."""

from __future__ import annotations

import json

import pytest

from calibration.answers import Span
from calibration.errors import AnswerError, DataError
from calibration.interop.common import UnknownLabelsError, resolve
from calibration.interop.labelstudio import read_labelstudio


def dumps(value):
    return json.dumps(value, indent=2).encode()


def _annotation(aid, who, result, **extra):
    base = {
        "id": aid,
        "completed_by": who,
        "result": result,
        "was_cancelled": False,
        "ground_truth": False,
        "created_at": "2024-05-02T10:11:12.000000Z",
        "updated_at": "2024-05-02T10:11:12.000000Z",
        "draft_created_at": None,
        "lead_time": 12.5,
        "prediction": {},
        "result_count": 0,
        "unique_id": f"u-{aid}",
        "import_id": None,
        "last_action": None,
        "task": 0,
        "project": 3,
        "updated_by": who if isinstance(who, int) else who["id"],
        "parent_prediction": None,
        "parent_annotation": None,
        "last_created_by": None,
    }
    base.update(extra)
    return base


def _choice(label, name="clause"):
    return {
        "value": {"choices": [label]},
        "id": f"r-{label}",
        "from_name": name,
        "to_name": "text",
        "type": "choices",
        "origin": "manual",
    }


def _task(tid, text, annotations, **data):
    return {
        "id": tid,
        "annotations": annotations,
        "file_upload": "a1b2c3-clauses.json",
        "drafts": [],
        "predictions": [],
        "data": {"text": text, **data},
        "meta": {},
        "created_at": "2024-05-01T09:00:00.000000Z",
        "updated_at": "2024-05-02T10:11:12.000000Z",
        "inner_id": tid,
        "total_annotations": len(annotations),
        "cancelled_annotations": 0,
        "total_predictions": 0,
        "comment_count": 0,
        "unresolved_comment_count": 0,
        "last_comment_updated_at": None,
        "project": 3,
        "updated_by": 1,
        "comment_authors": [],
    }


ALICE = {"id": 7, "first_name": "Alice", "last_name": "A", "email": "alice@example.com"}


@pytest.fixture
def clause_export():
    return [
        _task(
            11,
            "Supplier shall indemnify and hold harmless Buyer.",
            [
                _annotation(
                    101,
                    1,
                    [
                        _choice("INDEM"),
                        {
                            "value": {"rating": 4},
                            "id": "c1",
                            "from_name": "confidence",
                            "to_name": "text",
                            "type": "rating",
                            "origin": "manual",
                        },
                        {
                            "value": {"text": ["hard one"]},
                            "id": "c2",
                            "from_name": "comment",
                            "to_name": "text",
                            "type": "textarea",
                            "origin": "manual",
                        },
                    ],
                ),
                _annotation(102, ALICE, [_choice("Limitation of liability")]),
                _annotation(103, 9, [], was_cancelled=True),
                _annotation(104, 2, [_choice("INDEM")], ground_truth=True),
            ],
            rule="R-INDEM",
        ),
        _task(
            12,
            "Liability shall not exceed the fees paid.",
            [
                _annotation(105, 1, [_choice("LIAB")]),
                _annotation(
                    106,
                    ALICE,
                    [
                        _choice("LIAB"),
                        {
                            "value": {"choices": ["x"]},
                            "id": "z",
                            "from_name": "sentiment",
                            "to_name": "text",
                            "type": "choices",
                            "origin": "manual",
                        },
                    ],
                ),
            ],
        ),
    ]


def test_full_export_reads_annotators_gold_cancelled_and_extras(clauses, clause_export):
    raw = read_labelstudio(dumps(clause_export), "project-3.json", clauses)
    result = resolve(raw, clauses)
    rows = {(r.item_id, r.annotator_id): r for r in result.responses.itertuples()}
    assert rows[("11", "1")].answer == "INDEM"
    assert rows[("11", "alice@example.com")].answer == "LIAB"  # label name mapped to its id
    assert rows[("11", "1")].confidence == 4
    assert rows[("11", "1")].comment == "hard one"
    assert rows[("11", "1")].seconds == 12.5
    assert ("11", "9") not in rows and ("11", "2") not in rows
    assert result.gold.to_dict() == {"11": "INDEM"}
    assert [str(s) for s in result.skipped] == [
        "task 11 annotation 103 by 9: cancelled (skipped) in Label Studio"
    ]
    assert result.rule_sources == {"11": "field", "12": "labels"}
    assert sorted(result.item_rules.itertuples(index=False)) == [("11", "R-INDEM"), ("12", "R-LIAB")]
    assert result.renamed == {"Limitation of liability -> LIAB": 1}
    assert result.warnings == ["control tag(s) sentiment are not used by the import"]


def test_unknown_labels_listed_with_task_ids_and_map_labels_fixes_them(clauses, clause_export):
    clause_export[1]["annotations"][0]["result"] = [_choice("CAP")]
    clause_export[0]["annotations"][1]["result"] = [_choice("CAP")]
    raw = read_labelstudio(dumps(clause_export), "p.json", clauses)
    with pytest.raises(DataError) as caught:
        resolve(raw, clauses)
    assert str(caught.value) == (
        "p.json: label 'CAP' is not a label of clauses@1.0.0 (used 2 time(s): task 11 annotation 102, "
        "task 12 annotation 105); nothing was imported (hint: --map-labels 'CAP=NEW_LABEL' renames it)"
    )
    assert isinstance(caught.value, UnknownLabelsError)
    assert caught.value.unknown == {"CAP": ["task 11 annotation 102", "task 12 annotation 105"]}
    assert caught.value.labels == ["INDEM", "LIAB", "OTHER"]
    fixed = resolve(raw, clauses, map_labels=["CAP=LIAB"])
    assert fixed.responses.set_index(["item_id", "annotator_id"]).loc[("12", "1"), "answer"] == "LIAB"
    assert fixed.renamed == {"CAP -> LIAB": 2}


def test_map_labels_target_must_be_a_guideline_label(clauses, clause_export):
    raw = read_labelstudio(dumps(clause_export), "p.json", clauses)
    with pytest.raises(
        DataError, match=r"--map-labels CAP=LIABILITY: 'LIABILITY' is not a label of clauses@1.0.0"
    ):
        resolve(raw, clauses, map_labels=["CAP=LIABILITY"])


def test_truncated_json_names_line_and_column(clauses, clause_export):
    data = dumps(clause_export)[:200]
    with pytest.raises(DataError) as caught:
        read_labelstudio(data, "p.json", clauses)
    assert "the JSON ends early (truncated file?)" in str(caught.value)
    assert str(caught.value).startswith("p.json:")


def test_json_min_export_is_refused(clauses):
    minimal = [
        {"text": "x", "id": 1, "clause": "INDEM", "annotator": 1, "annotation_id": 3, "lead_time": 2.0}
    ]
    with pytest.raises(DataError) as caught:
        read_labelstudio(dumps(minimal), "min.json", clauses)
    assert "JSON-MIN export" in str(caught.value)
    assert "export the project as 'JSON' (full)" in str(caught.value)


def test_missing_completed_by_names_the_task(clauses, clause_export):
    del clause_export[1]["annotations"][1]["completed_by"]
    with pytest.raises(DataError) as caught:
        read_labelstudio(dumps(clause_export), "p.json", clauses)
    assert str(caught.value).startswith(
        "p.json: task 12 annotation 106: the annotation has no completed_by, so its annotator is unknown"
    )


def test_spans_from_labels_results(pii):
    text = "Hi, I am Ana Diaz, write to ana@x.org"

    def span(start, end, label, rid):
        return {
            "value": {"start": start, "end": end, "text": text[start:end], "labels": [label]},
            "id": rid,
            "from_name": "label",
            "to_name": "text",
            "type": "labels",
            "origin": "manual",
        }

    export = [
        _task(
            5,
            text,
            [
                _annotation(1, 1, [span(9, 17, "NAME", "a"), span(28, 37, "EMAIL", "b")]),
                _annotation(2, 2, [span(9, 12, "NAME", "c")]),
                _annotation(3, 3, []),
            ],
        )
    ]
    result = resolve(read_labelstudio(dumps(export), "p.json", pii), pii)
    answers = result.responses.set_index("annotator_id")["answer"].to_dict()
    assert answers == {
        "1": (Span(9, 17, "NAME"), Span(28, 37, "EMAIL")),
        "2": (Span(9, 12, "NAME"),),
        "3": (),
    }
    assert sorted(result.item_rules["rule_id"]) == ["R-EMAIL", "R-NAME"]


def test_span_text_that_disagrees_with_offsets_is_an_answer_error(pii):
    text = "Hi, I am Ana Diaz"
    bad = {
        "value": {"start": 0, "end": 2, "text": "Ana", "labels": ["NAME"]},
        "id": "x",
        "from_name": "label",
        "to_name": "text",
        "type": "labels",
    }
    export = [_task(5, text, [_annotation(1, 1, [bad])])]
    with pytest.raises(AnswerError, match="task 5 annotation 1: span end 2 does not match"):
        resolve(read_labelstudio(dumps(export), "p.json", pii), pii)


def test_rating_pairwise_and_ranker_results(stars, prefs, ranks):
    rating = [
        _task(
            1,
            "reply",
            [
                _annotation(
                    1,
                    1,
                    [
                        {
                            "value": {"rating": 5},
                            "from_name": "rating",
                            "to_name": "text",
                            "type": "rating",
                            "id": "r",
                        }
                    ],
                )
            ],
        )
    ]
    assert resolve(read_labelstudio(dumps(rating), "r.json", stars), stars).responses["answer"].tolist() == [
        5
    ]

    pair = [
        {
            "id": 2,
            "data": {"prompt": "2+2?", "a": "4", "b": "5"},
            "annotations": [
                _annotation(
                    1,
                    1,
                    [
                        {
                            "value": {"selected": "left"},
                            "from_name": "pw",
                            "to_name": "a,b",
                            "type": "pairwise",
                            "id": "p",
                        }
                    ],
                ),
                _annotation(
                    2,
                    2,
                    [
                        {
                            "value": {"selected": "right"},
                            "from_name": "pw",
                            "to_name": "a,b",
                            "type": "pairwise",
                            "id": "q",
                        }
                    ],
                ),
            ],
        }
    ]
    assert resolve(read_labelstudio(dumps(pair), "p.json", prefs), prefs).responses["answer"].tolist() == [
        "a",
        "b",
    ]

    items = [{"id": "c1", "title": "one"}, {"id": "c2", "title": "two"}, {"id": "c3", "title": "three"}]
    ranked = [
        {
            "id": 3,
            "data": {"prompt": "best?", "items": items},
            "annotations": [
                _annotation(
                    1,
                    1,
                    [
                        {
                            "value": {"ranker": {"rank": ["c2", "c1", "c3"]}},
                            "from_name": "rank",
                            "to_name": "results",
                            "type": "ranker",
                            "id": "k",
                        }
                    ],
                ),
            ],
        }
    ]
    result = resolve(read_labelstudio(dumps(ranked), "k.json", ranks), ranks)
    assert result.responses["answer"].tolist() == [("c2", "c1", "c3")]
    assert dict(result.inputs["3"].candidates) == {"c1": "one", "c2": "two", "c3": "three"}


def test_several_answer_controls_need_a_choice(clauses):
    export = [_task(1, "t", [_annotation(1, 1, [_choice("INDEM", "first"), _choice("LIAB", "second")])])]
    with pytest.raises(DataError, match=r"p.json: several control tags could hold the answer: first, second"):
        read_labelstudio(dumps(export), "p.json", clauses)
    raw = read_labelstudio(dumps(export), "p.json", clauses, control="second")
    assert resolve(raw, clauses).responses["answer"].tolist() == ["LIAB"]


def test_bank_item_with_other_text_is_warned(clauses):
    export = [
        _task(
            1,
            "Supplier shall indemnify the Buyer.",
            [_annotation(1, 1, [_choice("INDEM")])],
            item_id="i-bank-1",
        )
    ]
    result = resolve(read_labelstudio(dumps(export), "p.json", clauses), clauses)
    assert result.rule_sources == {"i-bank-1": "bank"}
    assert result.gold.to_dict() == {"i-bank-1": "INDEM"}
    assert result.warnings == [
        "task 1: the text of item i-bank-1 differs from the bank item's; its answers were checked against the "
        "file's text"
    ]


def test_files_of_other_tools_are_named(clauses):
    from calibration.interop.prodigy import read_prodigy

    jsonl = b'{"text": "x", "_input_hash": 1, "answer": "accept"}\n{"text": "y", "_input_hash": 2, "answer": "accept"}\n'
    with pytest.raises(DataError) as caught:
        read_labelstudio(jsonl, "db.jsonl", clauses)
    assert str(caught.value).startswith(
        "db.jsonl:2:1: the file holds one JSON object per line (JSON Lines), not one JSON document"
    )
    with pytest.raises(DataError) as caught:
        read_prodigy(dumps([_task(1, "x", [])]), "export.json", clauses)
    assert str(caught.value).startswith(
        "export.json:1: the file is one JSON list, not JSON Lines (one object per line) (hint: expected Prodigy's"
    )
    with pytest.raises(DataError, match="the file is a zip archive, not text"):
        read_labelstudio(b"PK\x03\x04rest", "export.zip", clauses)


def test_deeply_nested_json_is_refused(clauses):
    from calibration.interop.prodigy import read_prodigy

    bomb = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(DataError, match=r"p.json: the JSON is nested too deeply to be an export"):
        read_labelstudio(bomb, "p.json", clauses)
    with pytest.raises(DataError, match=r"p.jsonl:1: the JSON is nested too deeply"):
        read_prodigy(b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n", "p.jsonl", clauses)
