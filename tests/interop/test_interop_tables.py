"""CSV in the long and wide shapes of `calibration agreement`, and item-to-rule maps."""

from __future__ import annotations

import pytest

from calibration.errors import AnswerError, DataError
from calibration.interop.common import resolve
from calibration.interop.tables import read_item_rules, read_long_csv, read_wide_csv


def test_long_csv_with_optional_columns_and_rule_field(tags):
    data = (
        b"item_id,annotator_id,answer,confidence,comment,rule_id,text\n"
        b't1,ann,"[""BILLING"",""BUG""]",4,unsure,R-TOPIC,charged twice and it crashed\n'
        b"t1,bob,BUG,,,R-TOPIC,charged twice and it crashed\n"
        b"t2,ann,,,,,\n"
    )
    result = resolve(read_long_csv(data, "r.csv", tags), tags)
    assert result.responses[["item_id", "annotator_id", "answer"]].values.tolist() == [
        ["t1", "ann", ("BILLING", "BUG")],
        ["t1", "bob", ("BUG",)],
    ]
    assert result.responses["confidence"].tolist()[0] == 4
    assert result.inputs["t1"].text == "charged twice and it crashed"
    assert result.rule_sources == {"t1": "field"} and result.unmatched_items == ["t2"]


def test_wide_csv_with_ignored_columns(clauses):
    data = b"item_id,text,source,ann,bob\nc1,Supplier shall indemnify.,doc-3,INDEM,Indemnification\nc2,Cap.,doc-4,LIAB,\n"
    result = resolve(read_wide_csv(data, "w.csv", clauses, ignore_columns=["source"]), clauses)
    assert sorted(
        result.responses[["item_id", "annotator_id", "answer"]].itertuples(index=False, name=None)
    ) == [("c1", "ann", "INDEM"), ("c1", "bob", "INDEM"), ("c2", "ann", "LIAB")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b"",
            "w.csv: the responses file is empty (hint: the first line names the columns: item_id,annotator_id,answer)",
        ),
        (
            b"id,annotator_id,answer\n1,a,INDEM\n",
            "w.csv: row 1: the responses file needs the column(s) item_id; found id, annotator_id, answer",
        ),
        (
            b"item_id,answer\n1,INDEM\n",
            "w.csv: row 1: the responses file needs the column(s) annotator_id; found item_id, answer",
        ),
        (
            b"item_id,annotator_id,answer\n1,,INDEM\n",
            "w.csv: row 2: annotator_id: empty annotator_id",
        ),
        (
            b'item_id,annotator_id,answer\n1,a,"[""INDEM"""\n',
            "w.csv: row 2: answer: cell '[\"INDEM\"' looks like JSON",
        ),
        (
            b"item_id,annotator_id,answer\n1,a,INDEM,extra\n",
            "w.csv: a row has more cells than the header (hint: quote cells that contain commas)",
        ),
        (b"\xff\xfeitem_id", "w.csv: the file is not UTF-8 text (bad byte at offset 0)"),
    ],
)
def test_long_csv_errors_name_the_row(clauses, data, message):
    with pytest.raises(DataError) as caught:  # a bad row is refused by resolve, with the other problems
        resolve(read_long_csv(data, "w.csv", clauses), clauses)
    assert str(caught.value).startswith(message)


def test_every_problem_of_a_long_csv_is_reported_in_row_order(clauses):
    data = (
        b"item_id,annotator_id,answer,confidence\n"
        b"1,a,INDEM,\n"  # row 2: fine
        b"2,a,MEH,\n"  # row 3: a label the guideline does not know
        b"3,,INDEM,\n"  # row 4: no annotator
        b"4,a,LIAB,9\n"  # row 5: confidence out of range
        b"5,a,7,\n"  # row 6: not a label id
    )
    with pytest.raises(DataError) as caught:
        resolve(read_long_csv(data, "w.csv", clauses), clauses)
    lines = str(caught.value).splitlines()
    assert [line.split(" (hint")[0] for line in lines] == [
        f"w.csv: row 3: label 'MEH' is not a label of {clauses.ref}",
        "w.csv: row 4: annotator_id: empty annotator_id",
        "w.csv: row 5: confidence: confidence must be an integer from 1 to 5, got 9",
        "w.csv: row 6: expected a label id (one of INDEM, LIAB, OTHER), got 7",
        "w.csv: 4 problems; nothing was imported",
    ]


def test_at_most_twenty_problems_are_listed_and_the_rest_counted(clauses):
    data = b"item_id,annotator_id,answer\n" + b"".join(b"%d,,INDEM\n" % n for n in range(25))
    with pytest.raises(DataError) as caught:
        resolve(read_long_csv(data, "w.csv", clauses), clauses)
    lines = str(caught.value).splitlines()
    assert len(lines) == 22
    assert lines[0] == "w.csv: row 2: annotator_id: empty annotator_id"
    assert lines[19] == "w.csv: row 21: annotator_id: empty annotator_id"
    assert lines[20:] == ["w.csv: ... and 5 more problems", "w.csv: 25 problems; nothing was imported"]


def test_only_unknown_labels_still_offer_renames(clauses):
    from calibration.interop.common import UnknownLabelsError

    raw = read_long_csv(b"item_id,annotator_id,answer\n1,a,MEH\n2,b,MEH\n", "w.csv", clauses)
    with pytest.raises(UnknownLabelsError) as caught:
        resolve(raw, clauses)
    assert list(caught.value.unknown) == ["MEH"]


def test_invalid_answer_names_the_row(clauses):
    raw = read_long_csv(b"item_id,annotator_id,answer\n1,a,INDEM\n2,a,7\n", "w.csv", clauses)
    with pytest.raises(AnswerError) as caught:
        resolve(raw, clauses)
    assert str(caught.value).startswith(
        "w.csv: row 3: expected a label id (one of INDEM, LIAB, OTHER), got 7"
    )


def test_item_rules_map():
    table = read_item_rules(b"item_id,rule_id\nc1,R-A\nc1,R-B\n-5,R-A\n", "m.csv")
    assert sorted(table.itertuples(index=False, name=None)) == [
        ("c1", "R-A"),
        ("c1", "R-B"),
        ("item-5", "R-A"),
    ]
    with pytest.raises(DataError, match=r"m.csv: row 1: the item-to-rule file needs the column\(s\) rule_id"):
        read_item_rules(b"item_id,rule\nc1,R-A\n", "m.csv")


def test_map_naming_an_unknown_rule_is_refused(clauses):
    raw = read_long_csv(b"item_id,annotator_id,answer\nc1,a,INDEM\n", "r.csv", clauses)
    with pytest.raises(
        DataError, match=r"the item-to-rule map names rule\(s\) R-INDEMN that clauses@1.0.0 does not"
    ):
        resolve(raw, clauses, item_rules={"c1": ["R-INDEMN"]})


def test_rules_named_by_item_id_prefix(clauses):
    data = b"item_id,annotator_id,answer\nR-LIAB-07,a,INDEM\nR-LIABILITY,a,INDEM\nR-INDEM/3,a,LIAB\n"
    result = resolve(read_long_csv(data, "r.csv", clauses), clauses)
    assert result.rule_sources == {"R-LIAB-07": "id", "R-LIABILITY": "labels", "R-INDEM_3": "id"}
    assert sorted(result.item_rules.itertuples(index=False, name=None)) == [
        ("R-INDEM_3", "R-INDEM"),
        ("R-LIAB-07", "R-LIAB"),
        ("R-LIABILITY", "R-INDEM"),
    ]
