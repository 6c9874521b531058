"""Model answers as a model annotator: each tool's prediction shape, as the tool exports it."""

from __future__ import annotations

import json

import pytest

from calibration.errors import ConflictError, DataError
from calibration.interop.argilla import read_argilla
from calibration.interop.common import resolve
from calibration.interop.labelstudio import read_labelstudio
from calibration.interop.prodigy import read_prodigy
from calibration.interop.tables import read_long_csv
from calibration.rounds import service
from calibration.rounds.importing import import_file


def _choice(label: str) -> list[dict]:
    return [
        {
            "value": {"choices": [label]},
            "id": f"r-{label}",
            "from_name": "clause",
            "to_name": "text",
            "type": "choices",
            "origin": "prediction",
        }
    ]


def ls_export() -> list[dict]:
    """Two tasks with a person's annotation and a model's prediction each, as Label Studio 1.x exports."""

    def task(tid: int, text: str, human: str, model: str, score: float | None) -> dict:
        return {
            "id": tid,
            "data": {"text": text, "rule": "R-INDEM" if tid == 1 else "R-LIAB"},
            "meta": {},
            "annotations": [
                {
                    "id": 10 + tid,
                    "completed_by": {"id": 1, "email": "ana@x.org"},
                    "result": _choice(human),
                    "was_cancelled": False,
                    "ground_truth": False,
                    "lead_time": 4.0,
                    "task": tid,
                    "project": 1,
                }
            ],
            "predictions": [
                {
                    "id": 20 + tid,
                    "model_version": "clauses-gpt@2024-08",
                    "created_ago": "3 hours",
                    "score": score,
                    "result": _choice(model),
                    "cluster": None,
                    "neighbors": None,
                    "mislabeling": 0.0,
                    "created_at": "2024-05-01T09:00:00Z",
                    "updated_at": "2024-05-01T09:00:00Z",
                    "task": tid,
                    "project": 1,
                },
                21,  # an older export lists some predictions by id only: no answer, ignored
            ],
            "drafts": [],
            "project": 1,
        }

    return [
        task(1, "Supplier shall indemnify Buyer.", "INDEM", "INDEM", 0.91),
        task(2, "Liability shall not exceed fees.", "LIAB", "OTHER", None),
    ]


def _rows(result) -> list[tuple]:
    frame = result.responses
    columns = ["item_id", "annotator_id", "answer", "annotator_kind", "score"]
    return sorted(
        (r[0], r[1], r[2], r[3], None if r[4] != r[4] else r[4])
        for r in frame[columns].itertuples(index=False)
    )


def test_label_studio_predictions_are_a_model_annotator_with_version_and_score(clauses) -> None:
    raw = read_labelstudio(json.dumps(ls_export()).encode(), "project.json", clauses)
    result = resolve(raw, clauses)
    assert _rows(result) == [
        ("1", "ana@x.org", "INDEM", "human", None),
        ("1", "clauses-gpt@2024-08", "INDEM", "model", 0.91),
        ("2", "ana@x.org", "LIAB", "human", None),
        ("2", "clauses-gpt@2024-08", "OTHER", "model", None),
    ]
    assert result.model_annotators == ["clauses-gpt@2024-08"]


def test_a_prediction_without_model_version_is_named_model(clauses) -> None:
    export = ls_export()
    for task in export:
        task["predictions"][0]["model_version"] = ""
    result = resolve(read_labelstudio(json.dumps(export).encode(), "p.json", clauses), clauses)
    assert result.model_annotators == ["model"]


def test_argilla_suggestions_nested_and_flat_are_the_agents_answers(clauses) -> None:
    nested = [
        {
            "id": "rec-1",
            "status": "completed",
            "fields": {"text": "Supplier shall indemnify Buyer."},
            "metadata": {"rule": "R-INDEM"},
            "suggestions": {"clause": {"value": "INDEM", "score": 0.8, "agent": "clauses-gpt"}},
            "responses": {"clause": [{"value": "INDEM", "user_id": "u-ana", "status": "submitted"}]},
        }
    ]
    flat = [
        {
            "id": "rec-2",
            "text": "Liability shall not exceed fees.",
            "clause.responses": ["LIAB"],
            "clause.responses.users": ["u-ana"],
            "clause.responses.status": ["submitted"],
            "clause.suggestion": "OTHER",
            "clause.suggestion.score": 0.4,
            "clause.suggestion.agent": "clauses-gpt",
            "rule": "R-LIAB",
        }
    ]
    got = []
    for records in (nested, flat):
        result = resolve(read_argilla(json.dumps(records).encode(), "records.json", clauses), clauses)
        got += _rows(result)
    assert got == [
        ("rec-1", "clauses-gpt", "INDEM", "model", 0.8),
        ("rec-1", "u-ana", "INDEM", "human", None),
        ("rec-2", "clauses-gpt", "OTHER", "model", 0.4),
        ("rec-2", "u-ana", "LIAB", "human", None),
    ]


def test_argilla_multi_label_suggestion_scores_per_label_read_as_their_maximum(tags) -> None:
    records = [
        {
            "id": "t-1",
            "fields": {"text": "I was charged twice and the app crashes."},
            "metadata": {"rule": "R-TOPIC"},
            "suggestions": {"topics": {"value": ["BILLING", "BUG"], "score": [0.9, 0.6], "agent": "tagger"}},
            "responses": {},
        }
    ]
    result = resolve(read_argilla(json.dumps(records).encode(), "r.json", tags), tags)
    assert _rows(result) == [("t-1", "tagger", ("BILLING", "BUG"), "model", 0.9)]


def _prodigy_line(input_hash: int, session: str, label: str, score: float | None = None) -> dict:
    line = {
        "text": "Supplier shall indemnify Buyer." if input_hash == 1 else "Liability shall not exceed fees.",
        "options": [{"id": "INDEM", "text": "Indemnity"}, {"id": "LIAB", "text": "Liability"}],
        "accept": [label],
        "answer": "accept",
        "_input_hash": input_hash,
        "_task_hash": input_hash * 10,
        "_view_id": "choice",
        "_session_id": f"clauses-{session}",
        "_annotator_id": f"clauses-{session}",
        "_timestamp": 1714554000,
        "meta": {"rule": "R-INDEM" if input_hash == 1 else "R-LIAB"},
    }
    if score is not None:
        line["meta"]["score"] = score  # as Prodigy's teach recipes write the model's score
    return line


def _jsonl(lines: list[dict]) -> bytes:
    return "\n".join(json.dumps(line) for line in lines).encode()


def test_prodigy_lines_of_a_model_session_are_the_models_with_their_score(clauses) -> None:
    lines = [
        _prodigy_line(1, "ana", "INDEM"),
        _prodigy_line(1, "gpt", "INDEM", 0.7),
        _prodigy_line(2, "gpt", "INDEM", 0.55),
    ]
    raw = read_prodigy(_jsonl(lines), "db-out.jsonl", clauses)
    result = resolve(raw, clauses, model_annotators=["clauses-gpt"])
    assert _rows(result) == [
        ("1", "clauses-ana", "INDEM", "human", None),
        ("1", "clauses-gpt", "INDEM", "model", 0.7),
        ("2", "clauses-gpt", "INDEM", "model", 0.55),
    ]


def test_a_model_annotator_not_in_the_file_is_named_with_a_hint(clauses) -> None:
    raw = read_prodigy(_jsonl([_prodigy_line(1, "gpt", "INDEM")]), "db-out.jsonl", clauses)
    with pytest.raises(DataError) as caught:
        resolve(raw, clauses, model_annotators=["clauses-gtp"])
    assert caught.value.message == "no answer in the file is by 'clauses-gtp', named as a model annotator"
    assert caught.value.hint == "did you mean 'clauses-gpt'?"


CSV = (
    "item_id,annotator_id,answer,annotator_kind,score,rule_id\n"
    "c-1,ana,INDEM,human,,R-INDEM\n"
    "c-1,clauses-gpt@2,INDEM,model,0.93,R-INDEM\n"
    "c-2,ana,LIAB,,,R-LIAB\n"
    "c-2,clauses-gpt@2,OTHER,MODEL,0.41,R-LIAB\n"
)


def test_long_csv_with_annotator_kind_and_score(clauses) -> None:
    result = resolve(read_long_csv(CSV.encode(), "answers.csv", clauses), clauses)
    assert _rows(result) == [
        ("c-1", "ana", "INDEM", "human", None),
        ("c-1", "clauses-gpt@2", "INDEM", "model", 0.93),
        ("c-2", "ana", "LIAB", "human", None),
        ("c-2", "clauses-gpt@2", "OTHER", "model", 0.41),
    ]


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("annotator_kind", "robot", "annotator_kind must be human or model, got 'robot'"),
        ("score", "high", "score must be a number, got 'high'"),
    ],
)
def test_bad_kind_or_score_cells_name_the_row(clauses, column, value, message) -> None:
    data = CSV.replace("model,0.93", "robot,0.93" if column == "annotator_kind" else "model,high")
    with pytest.raises(DataError) as caught:  # the reader keeps the bad row; resolve refuses it
        resolve(read_long_csv(data.encode(), "answers.csv", clauses), clauses)
    assert caught.value.message == message
    assert (caught.value.location.row, caught.value.location.field) == (3, column)


def test_one_name_as_person_and_model_is_refused(clauses) -> None:
    data = CSV.replace("c-2,ana,LIAB,,", "c-2,clauses-gpt@2,LIAB,,").replace(
        "c-2,clauses-gpt@2,OTHER,MODEL", "c-3,clauses-gpt@2,OTHER,MODEL"
    )
    with pytest.raises(DataError, match="'clauses-gpt@2' answers both as a person and as a model"):
        resolve(read_long_csv(data.encode(), "answers.csv", clauses), clauses)


def test_stored_model_answers_stay_out_of_human_responses_unless_asked(engine, clauses) -> None:
    service.publish_guideline(engine, clauses)
    report = import_file(
        engine,
        "labelstudio",
        json.dumps(ls_export()).encode(),
        "project.json",
        "clauses@1.0.0",
        round_name="p",
    )
    assert "model annotators (kept out of human agreement): clauses-gpt@2024-08" in report.lines()
    people = service.round_responses(engine, "p")
    assert sorted(people.responses["annotator_id"].unique()) == ["ana@x.org"]
    assert "annotator_kind" not in people.responses
    models = people.model_responses
    assert sorted(zip(models["item_id"], models["answer"], models["score"].fillna(-1), strict=True)) == [
        ("1", "INDEM", 0.91),
        ("2", "OTHER", -1),
    ]
    both = service.round_responses(engine, "p", include_models=True).responses
    kinds = dict(zip(both["annotator_id"], both["annotator_kind"], strict=False))
    assert kinds == {"ana@x.org": "human", "clauses-gpt@2024-08": "model"}
    model_user = next(u for u in service.list_users(engine) if u.name == "clauses-gpt@2024-08")
    assert model_user.kind == "model" and not model_user.has_password


def test_a_model_named_like_a_person_in_the_store_is_refused_whole(engine, clauses) -> None:
    service.publish_guideline(engine, clauses)
    people_csv = "item_id,annotator_id,answer,rule_id\nc-1,clauses-gpt@2,INDEM,R-INDEM\n"
    import_file(engine, "csv", people_csv.encode(), "people.csv", "clauses@1.0.0", round_name="a")
    before = service.counts(engine)
    with pytest.raises(ConflictError, match="'clauses-gpt@2' is a human annotator in the store"):
        import_file(engine, "csv", CSV.encode(), "answers.csv", "clauses@1.0.0", round_name="b")
    assert service.counts(engine) == before


def test_our_own_gold_predictions_are_not_a_model(clauses) -> None:
    export = ls_export()
    for task in export:
        task["predictions"] = [{"model_version": "gold clauses@1.0.0", "result": _choice("INDEM")}]
    result = resolve(read_labelstudio(json.dumps(export).encode(), "p.json", clauses), clauses)
    assert result.model_annotators == [] and "annotator_kind" not in result.responses
