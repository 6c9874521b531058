"""AppTest of the agreement dashboard: the lead's happy path, chart selection, refusals, escaping."""

from __future__ import annotations

import pytest

from calibration.reports.tables import describe_flag
from calibration.responses import items_of_rule
from tests.app.lead_pages_support import (
    HOSTILE,
    frames,
    make_workspace,
    round_analysis,
    seeded_workspace,
    texts,
)


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    with seeded_workspace(tmp_path_factory, "dashboard") as workspace:
        yield workspace


def test_lead_sees_rules_charts_and_items_behind_a_clicked_bar(ws):
    data, analysis = round_analysis(ws)
    at = ws.page("dashboard.py", ws.lead).run()
    assert not at.exception
    assert at.title[0].value == "Agreement dashboard"
    table = frames(at, index="rule_id")[0]
    assert list(table.index) == list(analysis.rules.index)
    # figures as text with two decimals, "–" for a missing one (the grid drew a missing number as "None")
    assert list(table["krippendorff_alpha"]) == [
        "–" if v != v else f"{v:.2f}" for v in analysis.rules["krippendorff_alpha"].round(2) + 0.0
    ]
    options = at.selectbox(key="dash_rule").options
    assert [o.split(" · ")[0] for o in options] == list(analysis.rules.index)

    rule = analysis.rules.index[-1]
    at.session_state["dash_rule_chart"] = {
        "selection": {
            "points": [{"x": rule, "customdata": rule}],
            "point_indices": [0],
            "box": [],
            "lasso": [],
        }
    }
    at.run()
    assert not at.exception
    assert at.selectbox(key="dash_rule").value == rule
    items = frames(at, column="distinct answers")[0]
    assert set(items.index) == set(items_of_rule(data.item_rules, rule))
    assert set(data.responses["annotator_id"]) <= set(items.columns)
    shown = texts(at)
    assert data.guideline.rule(rule).text.strip().splitlines()[0][:40] in shown
    for flag in analysis.rules.loc[rule, "flags"]:
        assert describe_flag(flag) in shown


def test_choosing_a_rule_in_the_select_box_and_clicking_a_heat_map_cell(ws):
    data, analysis = round_analysis(ws)
    at = ws.page("dashboard.py", ws.lead).run()
    rule = analysis.rules.index[0]
    at.selectbox(key="dash_rule").set_value(rule).run()
    assert set(frames(at, column="distinct answers")[0].index) == set(items_of_rule(data.item_rules, rule))
    annotator = data.responses["annotator_id"].iloc[0]
    at.session_state["dash_heat"] = {"selection": {"points": [{"x": rule, "y": annotator}]}}
    at.run()
    cell = frames(at, column="distinct answers")[-1]
    own = data.responses[data.responses["annotator_id"] == annotator]["item_id"]
    assert set(cell.index) == set(own) & set(items_of_rule(data.item_rules, rule))


def test_clicking_a_confusion_cell_and_an_annotator_pair_lists_the_items_behind(ws):
    from calibration.reports.drilldown import confusion_cell_items, pair_disagreements

    data, analysis = round_analysis(ws)
    at = ws.page("dashboard.py", ws.lead).run()
    rule = next(r for r in analysis.rules.index if r in analysis.confusions)
    at.selectbox(key="dash_rule").set_value(rule).run()
    labels = [str(c) for c in analysis.confusions[rule].columns]
    ids = items_of_rule(data.item_rules, rule)
    row, column = next(
        (a, b)
        for a in labels
        for b in labels
        if a != b and len(confusion_cell_items(data.responses, ids, a, b))
    )
    at.session_state["dash_confusion"] = {"selection": {"points": [{"x": column, "y": row}]}}
    at.run()
    assert not at.exception
    assert any(c.value.startswith("Items behind the cell") for c in at.caption)
    behind = frames(at, column="distinct answers")[-1]
    assert set(behind.index) == set(confusion_cell_items(data.responses, ids, row, column)) != set()

    first, second = sorted(data.responses["annotator_id"].unique())[:2]
    at.session_state["dash_pairs"] = {"selection": {"points": [{"x": second, "y": first}]}}
    at.run()
    assert not at.exception
    differ = pair_disagreements(data.responses, first, second)
    assert differ is not None and len(differ)
    assert any(c.value.startswith(f"{len(differ)} items where") for c in at.caption)
    assert set(frames(at, column="distinct answers")[-1].index) == set(differ)


def test_items_behind_a_rule_come_most_disagreed_first_with_the_answers_before_the_text(ws):
    import json

    from calibration.agreement.items import item_agreement

    data, analysis = round_analysis(ws)
    at = ws.page("dashboard.py", ws.lead).run()
    rule = "R-INDEM" if "R-INDEM" in analysis.rules.index else analysis.rules.index[0]
    at.selectbox(key="dash_rule").set_value(rule).run()
    assert not at.exception
    shown = frames(at, column="distinct answers")[0]
    ids = items_of_rule(data.item_rules, rule)
    part = data.responses[data.responses["item_id"].isin(ids)]
    per_item = item_agreement(part, data.guideline.task)
    expected = sorted(
        ids,
        key=lambda i: (per_item.loc[i, "majority_share"], -per_item.loc[i, "entropy"], i),
    )
    assert list(shown.index) == expected
    assert list(shown.index) != sorted(ids)  # the demo's rule has items of unequal disagreement
    assert shown["majority share"].tolist() == [f"{per_item.loc[i, 'majority_share']:.2f}" for i in expected]
    assert "the most disagreed first" in texts(at)
    # the answers come before the long item text, which gets a medium-width column
    element = next(e for e in at.dataframe if "distinct answers" in e.value.columns)
    order = list(element.proto.column_order)
    annotators = sorted(set(data.responses["annotator_id"]))
    assert order.index("text") > max(order.index(a) for a in annotators)
    config = json.loads(element.proto.columns)
    assert config["text"]["width"] >= 150  # what the answers leave of the main column


def test_comments_are_shown_as_data_never_as_markup(ws):
    data, _ = round_analysis(ws)
    at = ws.page("dashboard.py", ws.lead).run()
    first_rule = data.item_rules.loc[
        data.item_rules["item_id"] == data.responses["item_id"].iloc[0], "rule_id"
    ].iloc[0]
    at.selectbox(key="dash_rule").set_value(first_rule).run()
    assert any(HOSTILE in c for c in frames(at, column="distinct answers")[0]["comments"])
    assert "<script>" not in texts(at)


def test_annotator_is_refused(ws):
    at = ws.page("dashboard.py", ws.annotator).run()
    assert not at.exception
    assert at.error[0].value.startswith("This page is for a lead or guideline author")
    assert not at.dataframe and not at.selectbox


def test_no_rounds_yet(tmp_path, monkeypatch):
    empty = make_workspace(tmp_path, monkeypatch)
    at = empty.page("dashboard.py", empty.author).run()
    assert not at.exception
    assert at.info[0].value.startswith("No rounds yet.")


def test_demo_workspace_populates_the_dashboard_and_the_weak_annotator_shows(tmp_path, monkeypatch):
    from calibration.reports.analysis import analyse_round, annotator_table
    from calibration.rounds import service
    from calibration.rounds.demo_workspace import demo_round_name, load_demo_workspace

    demo = make_workspace(tmp_path, monkeypatch)
    load_demo_workspace(demo.engine, actor=demo.lead)
    name = demo_round_name("1.0.0")
    round_ = service.get_round(demo.engine, name)
    data = service.round_responses(demo.engine, name)
    analysis = analyse_round(data)
    at = demo.page("dashboard.py", demo.lead).run()
    at.selectbox(key="dash_round").set_value(round_.id).run()
    assert not at.exception
    table = frames(at, index="rule_id")[0]
    assert (
        float(table.loc["R-INDEM", "krippendorff_alpha"]) < analysis.target
    )  # the rule written to be ambiguous
    outliers = annotator_table(analysis)
    assert outliers["outlier"].any()


def test_a_model_is_a_row_apart_and_changes_no_human_figure(tmp_path, monkeypatch):
    from calibration.rounds import service
    from calibration.rounds.demo_workspace import (
        demo_round_name,
        load_demo_model_answers,
        load_demo_workspace,
    )

    demo = make_workspace(tmp_path, monkeypatch)
    load_demo_workspace(demo.engine, actor=demo.lead)
    round_ = service.get_round(demo.engine, demo_round_name("1.1.0"))
    at = demo.page("dashboard.py", demo.lead).run()
    at.selectbox(key="dash_round").set_value(round_.id).run()
    before = frames(at, index="rule_id")[0]
    assert "Model annotators (not counted above)" not in [s.value for s in at.subheader]

    load_demo_model_answers(demo.engine, actor=demo.lead)
    at = demo.page("dashboard.py", demo.lead).run()
    at.selectbox(key="dash_round").set_value(round_.id).run()
    assert not at.exception
    after = frames(at, index="rule_id")[0]
    assert after["krippendorff_alpha"].equals(before["krippendorff_alpha"])
    assert "Model annotators (not counted above)" in [s.value for s in at.subheader]
    apart = at.dataframe[-1].value
    assert list(apart.index) == ["clauses-gpt@2024-08 (model)"]
    assert apart.loc["clauses-gpt@2024-08 (model)", "n_gold"] == 43
    assert apart.loc["clauses-gpt@2024-08 (model)", "accuracy"] == pytest.approx(0.79, abs=0.01)


def test_an_item_without_gold_shows_a_dash_in_the_gold_cell(ws):
    """Tester's walk: the item table left the gold cell blank for an item without gold (cc-p01 of
    R-INDEM has none); "–" like the other missing values."""
    data, _ = round_analysis(ws)
    assert "cc-p01" not in data.gold.index and "cc-p01" in items_of_rule(data.item_rules, "R-INDEM")
    at = ws.page("dashboard.py", ws.lead).run()
    at.selectbox(key="dash_rule").set_value("R-INDEM").run()
    assert not at.exception
    items = frames(at, column="distinct answers")[0]
    assert items.loc["cc-p01", "gold"] == "–"
    assert (items["gold"] != "").all()
    with_gold = [i for i in items.index if i in data.gold.index]
    assert with_gold and all(items.loc[i, "gold"] not in ("", "–") for i in with_gold)
