"""Tables for pages: items side by side, answers as text, flags in words, rule rows from engine blocks."""

from __future__ import annotations

import math

import pandas as pd

from calibration.agreement.results import Block, Interval, Statistics
from calibration.answers import Span
from calibration.reports.charts import rule_agreement_figure
from calibration.reports.tables import (
    answer_text,
    describe_flag,
    describe_flags,
    items_side_by_side,
    rule_table,
)
from calibration.responses import gold_series, responses_frame


def test_items_side_by_side_most_disputed_first_with_gold_and_comments(contract):
    items = [item.id for item in contract.items[:3]]
    gold = contract.gold_answers()
    labels = contract.task.label_ids
    records = [
        {"item_id": items[0], "annotator_id": "x", "answer": labels[0], "comment": None},
        {"item_id": items[0], "annotator_id": "y", "answer": labels[0], "comment": None},
        {"item_id": items[1], "annotator_id": "x", "answer": labels[0], "comment": "<b>hm</b>"},
        {"item_id": items[1], "annotator_id": "y", "answer": labels[1], "comment": None},
    ]
    table = items_side_by_side(contract, responses_frame(records), gold_series(gold), items)
    assert list(table.index) == [items[1], items[0], items[2]]
    assert table.loc[items[1], "distinct answers"] == 2 and table.loc[items[2], "distinct answers"] == 0
    assert table.loc[items[1], "x"] == labels[0] and table.loc[items[1], "y"] == labels[1]
    assert table.loc[items[2], "x"] == ""
    assert table.loc[items[0], "text"] == contract.item(items[0]).input.text
    assert table.loc[items[0], "gold"] == gold.get(items[0], "")
    assert table.loc[items[1], "comments"] == "<b>hm</b>"
    assert (
        len(items_side_by_side(contract, responses_frame(records), gold_series(gold), items, max_items=1))
        == 1
    )


def test_items_side_by_side_breaks_ties_by_spread_then_item_id(contract):
    items = [item.id for item in contract.items[:5]]
    l0, l1, l2 = contract.task.label_ids[:3]
    answers = {
        items[0]: [l0, l0, l1, l1],  # majority 0.5, two answers
        items[1]: [l0, l0, l1, l2],  # majority 0.5, more spread out: first
        items[2]: [l0, l0, l0, l1],  # majority 0.75, tie with items[3]: by item id
        items[3]: [l0, l0, l0, l1],
    }  # items[4] unanswered: last
    records = [
        {"item_id": item, "annotator_id": f"a{n}", "answer": answer}
        for item, given in answers.items()
        for n, answer in enumerate(given)
    ]
    asked = [items[4], items[3], items[2], items[0], items[1]]
    table = items_side_by_side(contract, responses_frame(records), gold_series({}), asked)
    assert list(table.index) == [items[1], items[0], *sorted(items[2:4]), items[4]]
    assert math.isnan(table.loc[items[4], "majority share"])


def test_answer_text_per_task_type():
    assert answer_text("single_label", "A") == "A"
    assert answer_text("multi_label", ("A", "B")) == "A, B"
    assert answer_text("ranking", ("c2", "c1")) == "c2 > c1"
    assert answer_text("span", (Span(0, 3, "NAME"),), "Bob is here") == '"Bob" NAME'
    assert answer_text("span", ()) == "(no span)"
    assert answer_text("rating", 4) == "4"
    assert answer_text("single_label", None) == ""


def test_flags_in_words():
    assert describe_flag("few_items").startswith("too few items")
    assert "kappa paradox" in describe_flag("skewed_prevalence")
    assert describe_flag("some_new_code") == "some new code"
    assert describe_flags([]) == ""


def test_rule_table_from_blocks_and_the_chart_from_the_table():
    stats = Statistics(
        krippendorff_alpha=0.5, ci95={"krippendorff_alpha": Interval(0.3, 0.7)}, flags=("few_items",)
    )
    blocks = {
        "R1": Block(n_items=12, n_annotators=3, n_annotations=36, n_pairable_items=12, level="nominal",
                    stats=stats),
    }  # fmt: skip
    rules = rule_table(blocks, {"R1": "Rule one"})
    assert rules.loc["R1", "title"] == "Rule one" and rules.loc["R1", "n_items"] == 12
    assert rules.loc["R1", "krippendorff_alpha_low"] == 0.3 and math.isnan(rules.loc["R1", "gwet_ac1"])
    assert rules.loc["R1", "flags"] == ["few_items"]
    figure = rule_agreement_figure(rules)
    alpha = figure.data[0]
    value = alpha.y[0]
    low, high = value - alpha.error_y.arrayminus[0], value + alpha.error_y.array[0]
    assert (value, round(low, 12), round(high, 12)) == (0.5, 0.3, 0.7)
    assert isinstance(rules, pd.DataFrame) and {
        "krippendorff_alpha", "cohen_kappa_mean", "gwet_ac1"
    } <= set(rules.columns)  # fmt: skip
    assert [t.name for t in figure.data] == ["Krippendorff's alpha"]  # kappa and AC1 have no value here


def test_flag_and_statistic_names_and_the_kappa_paradox_note():
    from calibration.reports.tables import flag_name, kappa_paradox_note, statistic_name

    assert flag_name("few_items") == "few items (under 10)"
    assert flag_name("skewed_prevalence") == "skewed labels: kappa paradox"
    assert flag_name("brand_new_flag") == "brand new flag"
    assert statistic_name("krippendorff_alpha") == "Krippendorff's alpha"
    assert statistic_name("gwet_ac1") == "Gwet's AC1"
    note = kappa_paradox_note(
        {"percent_agreement": 0.92, "krippendorff_alpha": 0.18, "gwet_ac1": float("nan")}
    )
    assert note.startswith("Kappa paradox (percent agreement 0.92, Krippendorff's alpha 0.18): ")
    assert "Read Gwet's AC1" in note
    assert kappa_paradox_note({}).startswith("Kappa paradox: annotators agree on most items")


def test_items_side_by_side_of_boxes_ranks_by_box_disagreement_and_reads_in_whole_pixels():
    """Boxes have no majority answer: the most disagreed-on image first, answers rounded to pixels."""
    from calibration.boxes import Box
    from calibration.guidelines.model import Guideline, Label, Task

    task = Task(type="boxes", labels=[Label(id="car", name="Car")])
    guideline = Guideline.model_construct(task=task, items=[], rules=[])
    car = Box("car", 10.4, 20.6, 30.2, 40.5)
    records = [
        {"item_id": "same", "annotator_id": "x", "answer": (car,)},
        {"item_id": "same", "annotator_id": "y", "answer": (car,)},
        {"item_id": "apart", "annotator_id": "x", "answer": (car,)},
        {"item_id": "apart", "annotator_id": "y", "answer": (Box("car", 100.0, 100.0, 5.0, 5.0),)},
        {"item_id": "empty", "annotator_id": "x", "answer": ()},
        {"item_id": "empty", "annotator_id": "y", "answer": ()},
    ]
    gold = pd.Series({"same": (car,), "empty": ()}, dtype=object)
    table = items_side_by_side(guideline, pd.DataFrame(records), gold, ["same", "apart", "empty"])
    assert table.index[0] == "apart"
    assert "majority share" not in table.columns and "distinct answers" not in table.columns
    assert table.loc["apart", "box disagreement"] == 1.0 and table.loc["same", "box disagreement"] == 0.0
    assert table.loc["same", "mean IoU"] == 1.0
    assert table.loc["same", "x"] == "car 30×40 at (10, 21)" == table.loc["same", "gold"]
    # gold of no boxes and no gold at all read differently (an empty cell said neither)
    assert table.loc["apart", "gold"] == "(no gold)"
    assert table.loc["empty", "gold"] == "(no boxes)"
