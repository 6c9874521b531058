"""import_file: one transaction into a pilot round; nothing written on any error; round-trips."""

from __future__ import annotations

import json

import pytest

from calibration.errors import AnswerError, ConflictError, DataError, NotFoundError
from calibration.rounds import service
from calibration.rounds.importing import import_file


def ls_task(tid, text, annotations, **data):
    return {
        "id": tid,
        "data": {"text": text, **data},
        "meta": {},
        "annotations": annotations,
        "predictions": [],
        "drafts": [],
        "project": 1,
        "inner_id": tid,
        "total_annotations": len(annotations),
        "cancelled_annotations": 0,
        "created_at": "2024-05-01T09:00:00Z",
        "updated_at": "2024-05-01T09:00:00Z",
    }


def ls_annotation(aid, who, label, **extra):
    result = [
        {
            "value": {"choices": [label]},
            "id": f"r{aid}",
            "from_name": "clause",
            "to_name": "text",
            "type": "choices",
            "origin": "manual",
        }
    ]
    return {
        "id": aid,
        "completed_by": who,
        "result": result,
        "was_cancelled": False,
        "ground_truth": False,
        "lead_time": 3.0,
        "task": 0,
        "project": 1,
        **extra,
    }


@pytest.fixture
def export():
    return [
        ls_task(
            1,
            "Supplier shall indemnify Buyer against claims.",
            [
                ls_annotation(1, {"id": 1, "email": "ana@x.org"}, "INDEM"),
                ls_annotation(2, {"id": 2, "email": "bo@x.org"}, "LIAB"),
                ls_annotation(3, 3, "INDEM", ground_truth=True),
            ],
            rule="R-INDEM",
        ),
        ls_task(
            2,
            "Liability shall not exceed fees paid.",
            [
                ls_annotation(4, {"id": 1, "email": "ana@x.org"}, "LIAB"),
                ls_annotation(5, {"id": 2, "email": "bo@x.org"}, "LIAB"),
            ],
        ),
        ls_task(
            3,
            "Supplier shall indemnify Buyer.",
            [
                ls_annotation(6, {"id": 1, "email": "ana@x.org"}, "INDEM"),
            ],
            item_id="i-bank-1",
        ),
    ]


def test_import_creates_a_pilot_round_with_answers_gold_and_rules(engine, clauses, export):
    service.publish_guideline(engine, clauses)
    report = import_file(
        engine,
        "labelstudio",
        json.dumps(export).encode(),
        "project.json",
        "clauses@1.0.0",
        round_name="ls pilot",
    )
    assert report.round is not None and report.round.name == "ls pilot"
    stored = service.round_responses(engine, "ls pilot")
    got = sorted(stored.responses[["item_id", "annotator_id", "answer"]].itertuples(index=False))
    assert got == [
        ("1", "ana@x.org", "INDEM"),
        ("1", "bo@x.org", "LIAB"),
        ("2", "ana@x.org", "LIAB"),
        ("2", "bo@x.org", "LIAB"),
        ("i-bank-1", "ana@x.org", "INDEM"),
    ]
    assert stored.gold.to_dict() == {"1": "INDEM", "i-bank-1": "INDEM"}
    assert sorted(stored.item_rules.itertuples(index=False)) == [
        ("1", "R-INDEM"),
        ("2", "R-LIAB"),
        ("i-bank-1", "R-INDEM"),
    ]
    assert report.to_dict()["n_responses_stored"] == 5
    assert report.lines()[0] == (
        "imported 5 answers by 2 annotators on 3 items from project.json (labelstudio) into pilot round "
        "'ls pilot' on clauses@1.0.0"
    )


def test_dry_run_writes_nothing(engine, clauses, export):
    service.publish_guideline(engine, clauses)
    before = service.counts(engine)
    report = import_file(
        engine,
        "labelstudio",
        json.dumps(export).encode(),
        "p.json",
        "clauses@1.0.0",
        round_name="dry",
        dry_run=True,
    )
    assert report.round is None and report.dry_run
    assert "(dry run: nothing written)" in report.lines()[0]
    assert service.counts(engine) == before


@pytest.mark.parametrize(
    ("mutate", "error", "message"),
    [
        (
            lambda e: e[1]["annotations"][0]["result"][0]["value"].update(choices=["CAP"]),
            DataError,
            "label 'CAP' is not a label of clauses@1.0.0 (used 1 time(s): task 2 annotation 4)",
        ),
        (
            lambda e: e[1]["annotations"][1].pop("completed_by"),
            DataError,
            "task 2 annotation 5: the annotation has no completed_by",
        ),
        (
            lambda e: e[0]["annotations"][0]["result"][0]["value"].update(choices=["INDEM", "LIAB"]),
            AnswerError,
            "task 1 annotation 1: expected a label id",
        ),
    ],
)
def test_bad_file_writes_nothing(engine, clauses, export, mutate, error, message):
    service.publish_guideline(engine, clauses)
    before = service.counts(engine)
    mutate(export)
    with pytest.raises(error) as caught:
        import_file(
            engine, "labelstudio", json.dumps(export).encode(), "p.json", "clauses@1.0.0", round_name="x"
        )
    assert message in str(caught.value)
    assert service.counts(engine) == before


def test_truncated_file_and_wrong_format_write_nothing(engine, clauses, export):
    service.publish_guideline(engine, clauses)
    before = service.counts(engine)
    with pytest.raises(DataError, match="the JSON ends early"):
        import_file(engine, "labelstudio", json.dumps(export).encode()[:-30], "p.json", "clauses@1.0.0")
    with pytest.raises(DataError, match="the line has no _input_hash"):
        import_file(engine, "prodigy", b'{"text": "x", "label": "INDEM"}\n', "p.jsonl", "clauses@1.0.0")
    with pytest.raises(DataError, match="unknown import format 'labelstudo'"):
        import_file(engine, "labelstudo", b"[]", "p.json", "clauses@1.0.0")
    assert service.counts(engine) == before


def test_second_import_with_the_same_round_name_is_refused_whole(engine, clauses, export):
    service.publish_guideline(engine, clauses)
    data = json.dumps(export).encode()
    import_file(engine, "labelstudio", data, "p.json", "clauses@1.0.0", round_name="same")
    before = service.counts(engine)
    with pytest.raises(ConflictError, match="a round named 'same' already exists"):
        import_file(engine, "labelstudio", data, "p.json", "clauses@1.0.0", round_name="same")
    assert service.counts(engine) == before


def test_unpublished_guideline_is_named(engine, clauses, export):
    with pytest.raises(NotFoundError, match=r"guideline version clauses@1.0.0 is not published"):
        import_file(engine, "labelstudio", json.dumps(export).encode(), "p.json", "clauses@1.0.0")


def test_unmatched_items_are_left_out_and_reported(engine, pii):
    service.publish_guideline(engine, pii)
    lines = [
        {"id": 1, "text": "Ana Diaz", "label": [[0, 3, "NAME"]]},
        {"id": 2, "text": "nothing here", "label": [[0, 7, "Person"]]},
    ]
    data = ("\n".join(json.dumps(x) for x in lines) + "\n").encode()
    report = import_file(
        engine, "doccano", data, "ann.jsonl", "pii@1.0.0", round_name="d", map_labels=["Person=NAME"]
    )
    assert report.left_out == []
    lines.append({"id": 3, "text": "no spans", "label": []})
    lines.append({"id": 4, "text": "rule-less", "label": [[0, 4, "NAME"]], "rule": "R-EMAIL"})
    data = ("\n".join(json.dumps(x) for x in lines) + "\n").encode()
    report = import_file(
        engine,
        "doccano",
        data,
        "ann.jsonl",
        "pii@1.0.0",
        round_name="d2",
        map_labels={"Person": "NAME"},
        item_rules={"1": ["R-NAME"]},
    )
    assert report.result.rule_sources == {"1": "map", "2": "labels", "4": "field"}
    assert report.left_out == ["3"]
    assert any(line.startswith("1 item(s) matched no rule and were left out: 3") for line in report.lines())


# --------------------------------------------------------------------------- the same pilot from every tool

TEXTS = {"c1": "Supplier shall indemnify Buyer.", "c2": "Liability is capped at fees paid."}
ANSWERS = {("c1", "ana"): "INDEM", ("c1", "bo"): "LIAB", ("c2", "ana"): "LIAB", ("c2", "bo"): "LIAB"}


def _as_tool(fmt):
    import io
    import zipfile

    if fmt == "labelstudio":
        tasks = [
            ls_task(
                n,
                TEXTS[i],
                [
                    ls_annotation(n * 10 + k, {"id": k, "email": who}, ANSWERS[(i, who)])
                    for k, who in enumerate(("ana", "bo"))
                ],
                item_id=i,
            )
            for n, i in enumerate(TEXTS, start=1)
        ]
        return json.dumps(tasks).encode(), "export.json"
    if fmt == "prodigy":
        options = [{"id": "INDEM", "text": "Indemnification"}, {"id": "LIAB", "text": "Liability"}]
        lines = [
            {
                "text": TEXTS[i],
                "meta": {"item_id": i},
                "options": options,
                "accept": [label],
                "answer": "accept",
                "_input_hash": {"c1": 101, "c2": -202}[i],
                "_task_hash": 1,
                "_view_id": "choice",
                "_annotator_id": who,
                "_session_id": who,
                "_timestamp": 1,
            }
            for (i, who), label in ANSWERS.items()
        ]
        return ("\n".join(json.dumps(x) for x in lines) + "\n").encode(), "db.jsonl"
    if fmt == "doccano":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for who in ("ana", "bo"):
                lines = [
                    {"id": n, "text": TEXTS[i], "item_id": i, "label": [ANSWERS[(i, who)]], "Comments": []}
                    for n, i in enumerate(TEXTS, start=1)
                ]
                archive.writestr(f"{who}.jsonl", "\n".join(json.dumps(x) for x in lines))
        return buffer.getvalue(), "project_export.zip"
    if fmt == "argilla":
        records = [
            {
                "id": f"rec-{i}",
                "status": "completed",
                "fields": {"text": TEXTS[i]},
                "metadata": {"item_id": i},
                "suggestions": {},
                "vectors": {},
                "responses": {
                    "clause": [
                        {"value": ANSWERS[(i, who)], "user_id": who, "status": "submitted"}
                        for who in ("ana", "bo")
                    ]
                },
            }
            for i in TEXTS
        ]
        return json.dumps(records).encode(), "records.json"
    rows = "".join(f"{i},{who},{label},{TEXTS[i]}\n" for (i, who), label in ANSWERS.items())
    return ("item_id,annotator_id,answer,text\n" + rows).encode(), "responses.csv"


@pytest.mark.parametrize("fmt", ["labelstudio", "prodigy", "doccano", "argilla", "csv"])
def test_the_same_pilot_from_every_tool_stores_the_same_answers(engine, clauses, fmt):
    service.publish_guideline(engine, clauses)
    data, name = _as_tool(fmt)
    report = import_file(
        engine,
        fmt,
        data,
        name,
        "clauses@1.0.0",
        round_name=f"from {fmt}",
        item_rules={"c1": ["R-INDEM"], "c2": ["R-LIAB"]},
    )
    stored = service.round_responses(engine, f"from {fmt}")
    got = {(r.item_id, r.annotator_id): r.answer for r in stored.responses.itertuples()}
    assert got == ANSWERS
    assert sorted(stored.item_rules.itertuples(index=False, name=None)) == [
        ("c1", "R-INDEM"),
        ("c2", "R-LIAB"),
    ]
    assert {i: item.input.text for i, item in service.round_items(engine, f"from {fmt}").items()} == TEXTS
    assert report.result.rule_sources == {"c1": "map", "c2": "map"}


def test_an_annotator_may_not_import(engine, clauses, export):
    from calibration.errors import PermissionDenied

    service.publish_guideline(engine, clauses)
    annotator = service.create_user(engine, "ann", role="annotator", actor=service.SYSTEM)
    before = service.counts(engine)
    with pytest.raises(PermissionDenied, match=r"ann \(annotator\) may not import a pilot round"):
        import_file(
            engine, "labelstudio", json.dumps(export).encode(), "p.json", "clauses@1.0.0", actor=annotator
        )
    assert service.counts(engine) == before


def test_imported_gold_comes_back_in_the_round_gold_set(engine, clauses, export):
    from calibration.interop.exports import gold_records

    service.publish_guideline(engine, clauses)
    import_file(engine, "labelstudio", json.dumps(export).encode(), "p.json", "clauses@1.0.0", round_name="g")
    records = gold_records(clauses, service.adjudications(engine, "g"), service.round_items(engine, "g"))
    assert [(r["item_id"], r["answer"], r["source"]) for r in records] == [
        ("i-bank-1", "INDEM", "bank"),
        ("1", "INDEM", "adjudicated"),
    ]
    assert records[1]["why"] == "gold answer imported from p.json"
    assert records[1]["input"] == {"text": "Supplier shall indemnify Buyer against claims."}


def test_oversized_upload_is_refused_before_reading(clauses, export, monkeypatch):
    from calibration.interop import importing

    monkeypatch.setattr(importing, "MAX_IMPORT_BYTES", 1024 * 1024)
    data = json.dumps(export).encode() + b" " * (2 * 1024 * 1024)
    with pytest.raises(DataError, match=r"^big.json: the file is 2 MB; the import limit is 1 MB"):
        import_file(None, "labelstudio", data, "big.json", clauses.ref, dry_run=True, guideline=clauses)


def test_the_report_counts_one_annotator_in_the_singular(engine, clauses, export):
    service.publish_guideline(engine, clauses)
    only_ana = [dict(task, annotations=task["annotations"][:1]) for task in export[:1]]
    report = import_file(
        engine, "labelstudio", json.dumps(only_ana).encode(), "p.json", "clauses@1.0.0", round_name="one",
        dry_run=True,
    )  # fmt: skip
    assert report.lines()[0].startswith("would import 1 answer by 1 annotator on ")
