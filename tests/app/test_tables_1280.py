"""Tables a tester saw at 1280x800 with "None" in cells, cut columns or codes for names (AppTest).

A pilot still running has rules with too few answers for a statistic: the grid draws a missing number
as "None" whatever a Styler's ``na_rep`` says, so the pages give text cells ("–"). The widths asserted
here are what decides whether a table fits the main column of a 1280 px window (about 820 px):
tests/e2e/test_layout_1280_browser.py measures the drawn cells.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.app.lead_pages_support import GUIDELINE, make_workspace, texts

MAIN_WIDTH = 818  # the main column of a 1280 px window
PANEL_WIDTH = 786  # inside a bordered panel


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    """A pilot still running: one annotator answered every item, two others only the first 14 items."""
    from calibration.demo import simulate_responses
    from calibration.rounds import service

    with pytest.MonkeyPatch.context() as monkeypatch:
        workspace = make_workspace(tmp_path_factory.mktemp("tables"), monkeypatch)
        guideline = service.get_guideline(workspace.engine, GUIDELINE)
        responses = simulate_responses(guideline, annotators=3, seed=0)
        items = sorted(responses["item_id"].unique())
        first = responses["annotator_id"].iloc[0]
        running = responses[(responses["annotator_id"] == first) | responses["item_id"].isin(items[:14])]
        round_ = service.create_pilot_round(
            workspace.engine, "Running pilot", GUIDELINE, actor=workspace.lead
        )
        service.import_responses(
            workspace.engine,
            round_.name,
            running.reset_index(drop=True),
            actor=workspace.lead,
            source="simulated",
        )
        workspace.round = service.get_round(workspace.engine, round_.name)
        yield workspace
        workspace.engine.dispose()


def _config(element: Any) -> dict[str, Any]:
    return json.loads(element.proto.columns)


def _grid(at: Any, column: str) -> Any:
    """The one st.dataframe of the run with a column `column`."""
    (found,) = [d for d in at.dataframe if column in d.value.columns]
    return found


def _dashboard(ws: Any) -> Any:
    at = ws.page("dashboard.py", ws.lead).run()
    at.selectbox(key="dash_round").set_value(ws.round.id).run()
    assert not at.exception
    return at


def test_the_dashboard_rule_tables_read_dash_for_a_missing_statistic_and_fit_1280(ws):
    from calibration.reports.analysis import analyse_round
    from calibration.rounds import service

    rules = analyse_round(service.round_responses(ws.engine, ws.round.id)).rules
    assert rules["krippendorff_alpha"].isna().any()  # the running pilot has rules without alpha
    at = _dashboard(ws)
    main = _grid(at, "n_items")
    more = _grid(at, "flags")
    for element in (main, more):
        cells = element.value.astype(str).to_numpy()
        assert "None" not in cells and "nan" not in cells
        config = _config(element)
        widths = [config[c]["width"] for c in ("_index", *element.value.columns)]
        assert all(isinstance(w, int) for w in widths), config
        assert sum(widths) <= MAIN_WIDTH, widths  # no column hidden until scrolled sideways
        assert config["_index"]["pinned"] is True and config["_index"]["label"] == "Rule"
    missing = rules["krippendorff_alpha"].isna().to_numpy()
    assert set(main.value.loc[missing, "krippendorff_alpha"]) == {"–"}
    assert set(main.value.loc[missing, "alpha_interval"]) == {"–"}
    shown = main.value.loc[~missing, "krippendorff_alpha"]
    assert list(shown) == [f"{v:.2f}" for v in rules.loc[~missing, "krippendorff_alpha"].round(2) + 0.0]
    # the gold column's header is whole ("gold acc." was cut to "gol"), its meaning in the tooltip
    assert _config(main)["gold_accuracy"]["label"] == "gold"
    assert "few items" in texts(at)  # why a figure is "–"
    # the longest title on one line
    assert _config(main)["title"]["width"] >= 16 + 241


def test_the_rule_panel_says_which_items_it_counts(ws):
    """The table said 10 items for R-INDEM and its panel 11: answered items, and items tagged."""
    from calibration.responses import items_of_rule
    from calibration.rounds import service

    at = _dashboard(ws)
    at.selectbox(key="dash_rule").set_value("R-INDEM").run()
    data = service.round_responses(ws.engine, ws.round.id)
    tagged = len(items_of_rule(data.item_rules, "R-INDEM"))
    answered = int(_grid(at, "n_items").value.loc["R-INDEM", "n_items"])
    assert f"{tagged} items tagged with the rule, {answered} of them answered (the table's items)" in texts(
        at
    )
    assert "Answered items" in _config(_grid(at, "n_items"))["n_items"]["help"]


def test_the_items_behind_a_rule_show_label_names_in_columns_that_fit(ws):
    from calibration.rounds import service

    guideline = service.get_guideline(ws.engine, GUIDELINE)
    names = {label.id: label.name for label in guideline.task.labels}
    at = _dashboard(ws)
    at.selectbox(key="dash_rule").set_value("R-INDEM").run()
    items = _grid(at, "distinct answers")
    frame = items.value
    annotators = [
        c
        for c in frame.columns
        if c not in ("text", "gold", "comments", "majority share", "distinct answers")
    ]
    # "–": an item without gold (or an annotator who did not answer it)
    answers = {str(v) for c in ("gold", *annotators) for v in frame[c] if v and v != "–"}
    assert answers and answers <= set(
        names.values()
    )  # "Limitation of liability", not LIMITATION_OF_LIABILITY
    assert "None" not in frame["majority share"].astype(str).tolist()
    config = _config(items)
    widths = [config[c]["width"] for c in ("_index", *items.proto.column_order)]
    assert sum(widths) <= PANEL_WIDTH, widths
    assert "`LIMITATION_OF_LIABILITY`" in config["gold"]["help"]
    assert items.proto.row_height >= 66  # "Limitation of liability" wraps at its spaces
