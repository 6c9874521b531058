"""Exports: gold sets, Label Studio config and tasks, the reverse, and import -> export round-trips."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calibration.answers import Span
from calibration.errors import DataError
from calibration.guidelines.loading import dump_guideline, load_guideline, load_guideline_text
from calibration.interop.common import resolve
from calibration.interop.exports import (
    gold_csv,
    gold_jsonl,
    gold_records,
    guideline_from_labelstudio_config,
    labelstudio_config,
    labelstudio_instructions,
    labelstudio_tasks,
    responses_csv,
)
from calibration.interop.labelstudio import read_labelstudio
from calibration.interop.tables import read_long_csv
from calibration.responses import Annotations, responses_frame

ROOT = Path(__file__).resolve().parents[2]


def test_gold_set_from_bank_and_adjudications(clauses):
    from calibration.guidelines.model import Item

    pilot_item = Item(id="p-1", input="Buyer covers Supplier's costs.", rules=["R-INDEM"])
    adjudications = [
        SimpleNamespace(item_id="p-1", answer="LIAB", rationale="first look"),
        SimpleNamespace(item_id="p-1", answer="INDEM", rationale="covers costs = indemnity"),
    ]
    records = gold_records(clauses, adjudications, {"p-1": pilot_item})
    assert records == [
        {
            "item_id": "i-bank-1",
            "rules": ["R-INDEM"],
            "input": {"text": "Supplier shall indemnify Buyer."},
            "answer": "INDEM",
            "why": "covers losses",
            "source": "bank",
        },
        {
            "item_id": "p-1",
            "rules": ["R-INDEM"],
            "input": {"text": "Buyer covers Supplier's costs."},
            "answer": "INDEM",
            "why": "covers costs = indemnity",
            "source": "adjudicated",
        },
    ]
    assert [json.loads(line) for line in gold_jsonl(records).splitlines()] == records
    rows = list(csv.DictReader(io.StringIO(gold_csv(records, "single_label"))))
    assert rows[1] == {
        "item_id": "p-1",
        "rule_ids": "R-INDEM",
        "text": "Buyer covers Supplier's costs.",
        "input": '{"text":"Buyer covers Supplier\'s costs."}',
        "answer": "INDEM",
        "why": "covers costs = indemnity",
        "source": "adjudicated",
    }


def test_labelstudio_config_has_instructions_aliases_and_extras(clauses):
    root = ET.fromstring(labelstudio_config(clauses))
    choices = root.find("Choices[@name='label']")
    assert [(c.get("value"), c.get("alias")) for c in choices] == [
        ("Indemnification", "INDEM"),
        ("Limitation of liability", "LIAB"),
        ("Other", "OTHER"),
    ]
    texts = {t.get("name"): t.get("value") for t in root.iter("Text")}
    assert texts["text"] == "$text"
    assert texts["rule_R-LIAB"] == "Caps on damages & <limits>."  # escaped in XML, intact after parsing
    assert texts["guideline_summary"] == "Short **summary**."
    assert {e.get("name") for e in root if e.get("name")} >= {
        "confidence",
        "cited_rule",
        "unclear",
        "comment",
    }
    assert "<h3>R-LIAB: Liability caps</h3>" in labelstudio_instructions(clauses)


@pytest.mark.parametrize("name", ["clauses", "tags", "pii", "stars", "prefs", "ranks"])
def test_every_task_type_round_trips_through_labelstudio(request, name):
    guideline = request.getfixturevalue(name)
    inputs, answers = _examples(name)
    rows = [
        {"item_id": item, "annotator_id": who, "answer": answer}
        for item, by in answers.items()
        for who, answer in by.items()
    ]
    responses = responses_frame(rows)
    gold = {next(iter(answers)): next(iter(answers.values()))["ann"]}
    tasks = labelstudio_tasks(
        guideline, inputs, {i: [guideline.rules[0].id] for i in inputs}, responses=responses, gold=gold
    )
    raw = read_labelstudio(json.dumps(tasks).encode(), "export.json", guideline)
    back = resolve(raw, guideline)
    assert _answers(back.responses) == _answers(responses)
    assert back.gold.to_dict() == gold
    assert back.rule_sources == dict.fromkeys(inputs, "field")
    ET.fromstring(labelstudio_config(guideline))  # well-formed for every task type


def _examples(name):
    from calibration.guidelines.model import PairInput, RankingInput, TextInput

    text = "Ana Diaz wrote to ana@x.org"
    table = {
        "clauses": (
            {"c1": TextInput(text="x"), "c2": TextInput(text="y")},
            {"c1": {"ann": "INDEM", "bob": "LIAB"}, "c2": {"ann": "OTHER", "bob": "OTHER"}},
        ),
        "tags": ({"t1": TextInput(text="x")}, {"t1": {"ann": ("BILLING", "BUG"), "bob": ("BUG",)}}),
        "pii": (
            {"p1": TextInput(text=text)},
            {"p1": {"ann": (Span(0, 8, "NAME"), Span(18, 27, "EMAIL")), "bob": ()}},
        ),
        "stars": ({"s1": TextInput(text="x")}, {"s1": {"ann": 5, "bob": 1}}),
        "prefs": ({"q1": PairInput(prompt="2+2", a="4", b="5")}, {"q1": {"ann": "a", "bob": "tie"}}),
        "ranks": (
            {"k1": RankingInput(prompt="best?", candidates={"c1": "x", "c2": "y", "c3": "z"})},
            {"k1": {"ann": ("c2", "c1", "c3"), "bob": ("c1", "c2", "c3")}},
        ),
    }
    return table[name]


def _answers(frame):
    return sorted(frame[["item_id", "annotator_id", "answer"]].itertuples(index=False, name=None))


def test_responses_csv_round_trips_through_the_csv_importer(pii):
    rows = [
        {"item_id": "p1", "annotator_id": "ann", "answer": (Span(0, 3, "NAME"),), "confidence": 4},
        {"item_id": "p1", "annotator_id": "bob", "answer": (), "confidence": 2},
    ]
    frame = responses_frame(rows)
    text = responses_csv(frame, "span")
    back = resolve(read_long_csv(text.encode(), "r.csv", pii), pii, item_rules={"p1": ["R-NAME"]})
    assert _answers(back.responses) == _answers(frame)
    assert back.responses["confidence"].tolist() == [4, 2]


def test_guideline_from_labelstudio_config_validates_and_loads(tmp_path):
    config = """<View>
  <Header value="Support ticket topics"/>
  <Text name="text" value="$text"/>
  <Choices name="topic" toName="text" choice="multiple">
    <Choice value="Billing" hint="Money, invoices, refunds"/>
    <Choice value="Bug report" alias="BUG"/>
    <Choice value="Other"/>
  </Choices>
  <Rating name="confidence" toName="text"/>
</View>"""
    guideline = guideline_from_labelstudio_config(config, "topics")
    assert guideline.task.type == "multi_label"
    assert [(lb.id, lb.name, lb.description) for lb in guideline.task.labels] == [
        ("BILLING", "Billing", "Money, invoices, refunds"),
        ("BUG", "Bug report", ""),
        ("OTHER", "Other", ""),
    ]
    assert [r.id for r in guideline.rules] == ["R-BILLING", "R-BUG", "R-OTHER"]
    assert guideline.title == "Support ticket topics"
    assert load_guideline_text(dump_guideline(guideline)) == guideline


def test_config_round_trip_keeps_the_labels(clauses):
    again = guideline_from_labelstudio_config(labelstudio_config(clauses), "clauses-copy")
    assert [(lb.id, lb.name) for lb in again.task.labels] == [(lb.id, lb.name) for lb in clauses.task.labels]


def test_bad_configs_are_named():
    with pytest.raises(DataError, match=r"^c.xml:3:3: invalid XML: mismatched tag \(hint"):
        guideline_from_labelstudio_config("<View>\n<Choices name='x'>\n</View>", "g", source="c.xml")
    with pytest.raises(
        DataError, match="no Choices, Labels, RectangleLabels, Rating, Pairwise or Ranker control tag"
    ):
        guideline_from_labelstudio_config("<View><Text name='t' value='$t'/></View>", "g")
    with pytest.raises(DataError, match="DOCTYPE or entities"):
        guideline_from_labelstudio_config('<!DOCTYPE x [<!ENTITY a "b">]><View/>', "g")


@pytest.mark.parametrize("path", sorted((ROOT / "guidelines").glob("*/*.yaml")))
def test_bundled_guidelines_export_to_labelstudio(path):
    guideline = load_guideline(path)
    root = ET.fromstring(labelstudio_config(guideline))
    assert root.tag == "View"
    from calibration.interop.images import image_sizes

    sizes = image_sizes(guideline, path.parent)  # boxes are written in percent of the image size
    tasks = labelstudio_tasks(guideline, gold=guideline.gold_answers(), sizes=sizes)
    assert len(tasks) == len(guideline.items)
    assert sum("predictions" in t for t in tasks) == len(guideline.gold_answers())


def test_agreement_csv_has_one_row_per_rule(clauses):
    from calibration.interop.exports import agreement_csv

    rows = [
        {"item_id": f"i{n}", "annotator_id": who, "answer": label}
        for n, label in enumerate(["INDEM", "LIAB", "OTHER", "INDEM", "LIAB"])
        for who in ("ann", "bob")
    ]
    frame = responses_frame(rows)
    rules = pd.DataFrame(
        {"item_id": [f"i{n}" for n in range(5)], "rule_id": ["R-INDEM", "R-LIAB"] * 2 + ["R-LIAB"]}
    )
    table = pd.read_csv(
        io.StringIO(
            agreement_csv(Annotations(responses=frame, item_rules=rules, guideline=clauses), bootstrap=50)
        )
    )
    assert sorted(table["rule_id"]) == ["R-INDEM", "R-LIAB"]
    assert table["percent_agreement"].tolist() == [1.0, 1.0]


@settings(max_examples=40, deadline=None)
@given(
    st.dictionaries(
        st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True),
        st.dictionaries(
            st.sampled_from(["ann", "bob", "cyd@x.org"]),
            st.sampled_from(["INDEM", "LIAB", "OTHER"]),
            min_size=1,
        ),
        min_size=1,
        max_size=6,
    )
)
def test_labelstudio_round_trip_property(answers):
    from calibration.guidelines.model import Guideline, TextInput

    guideline = Guideline.model_validate(
        {
            "format": 1,
            "id": "g",
            "version": "1.0.0",
            "title": "G",
            "task": {
                "type": "single_label",
                "labels": [{"id": x, "name": x.title()} for x in ("INDEM", "LIAB", "OTHER")],
            },
            "rules": [{"id": "R", "title": "R", "text": "r", "labels": ["INDEM", "LIAB", "OTHER"]}],
        }
    )
    rows = [
        {"item_id": i, "annotator_id": who, "answer": a} for i, by in answers.items() for who, a in by.items()
    ]
    frame = responses_frame(rows)
    inputs = {i: TextInput(text=f"text of {i}") for i in answers}
    tasks = labelstudio_tasks(guideline, inputs, responses=frame)
    back = resolve(read_labelstudio(json.dumps(tasks).encode(), "e.json", guideline), guideline)
    assert _answers(back.responses) == _answers(frame)
    assert {i: x.text for i, x in back.inputs.items()} == {i: x.text for i, x in inputs.items()}
