"""Every table of the lead's pages shows whole rows at 1280x800 (calibration/app/widgets/grid.py).

Without a height Streamlit draws a grid at most 400 px high: 35 px header and rows of 35 px leave the
tenth row half hidden (and a taller row height cuts sooner). AppTest does not expose the height a
table was given, so `st.dataframe` is wrapped to record it; each table must be as tall as its header
and a whole number of its rows: all of them, or as many as fit in `MOST_HEIGHT_PX` (the rest scroll).
The browser check (tests/e2e/test_layout_1280_browser.py) measures the Rounds and Annotators grids.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.app.app_helpers import new_app, page
from tests.app.lead_pages_support import make_workspace


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    from calibration.rounds import service
    from calibration.rounds.demo_workspace import (
        demo_round_name,
        load_demo_model_answers,
        load_demo_workspace,
    )

    with pytest.MonkeyPatch.context() as monkeypatch:
        workspace = make_workspace(tmp_path_factory.mktemp("heights"), monkeypatch)
        load_demo_workspace(workspace.engine, actor=workspace.lead)
        load_demo_model_answers(workspace.engine, actor=workspace.lead)
        workspace.round = service.get_round(workspace.engine, demo_round_name("1.1.0"))
        workspace.quiz = service.create_calibration_round(  # nobody started: no last activity
            workspace.engine,
            "Quiz",
            "contract-clauses@1.1.0",
            actor=workspace.lead,
            annotators=[workspace.annotator.name],
        )
        yield workspace
        workspace.engine.dispose()


@pytest.fixture
def tables(monkeypatch):
    """The tables the page drew: (key, rows, the keyword arguments of `st.dataframe`)."""
    import streamlit
    from pandas.io.formats.style import Styler

    drawn: list[tuple[Any, int, dict[str, Any]]] = []
    real = streamlit.dataframe

    def recording(data: Any = None, *args: Any, **kwargs: Any) -> Any:
        frame = data.data if isinstance(data, Styler) else data
        drawn.append((kwargs.get("key"), len(frame), kwargs))
        return real(data, *args, **kwargs)

    monkeypatch.setattr(streamlit, "dataframe", recording)
    return drawn


def _whole_rows(drawn: list[tuple[Any, int, dict[str, Any]]], at: Any) -> None:
    from calibration.app.widgets.grid import BORDER_PX, DEFAULT_ROW_PX, HEADER_PX, MISSING, MOST_HEIGHT_PX

    assert not at.exception, at.exception
    assert drawn and len(drawn) == len(at.dataframe)
    for (key, rows, kwargs), shown in zip(drawn, at.dataframe, strict=True):
        # a missing value reads "–", not Streamlit's "None" (a Styler's na_rep missed the revision
        # queue's estimates; a checkbox column shows it unticked)
        config = json.loads(shown.proto.columns)
        missing = [
            c
            for c in shown.value.columns[shown.value.isna().any()]
            if config.get(str(c), {}).get("type_config", {}).get("type") != "checkbox"
        ]
        if missing:
            assert shown.proto.placeholder == MISSING, (key, missing)
        height = kwargs.get("height")
        if height == "content":  # every row, however many
            continue
        assert isinstance(height, int), (key, height)  # None: Streamlit's 400 px
        row = kwargs.get("row_height") or DEFAULT_ROW_PX
        shown, rest = divmod(height - HEADER_PX - BORDER_PX, row)
        assert rest == 0 and 1 <= shown <= max(rows, 1), (key, rows, row, height)
        assert shown == rows or height + row > MOST_HEIGHT_PX, (key, rows, row, height)  # all that fit


def _lead_page(ws: Any, name: str, tables: list, **query: str) -> Any:
    """The lead's page `name`, its tables alone in `tables` (Home's are left out)."""
    at = new_app(ws.lead, query=query or None).run()
    tables.clear()
    at.switch_page(page(name)).run()
    return at


def test_the_rounds_page_tables_show_whole_rows(ws, tables):
    at = _lead_page(ws, "rounds.py", tables)
    tables.clear()
    at.selectbox(key="rounds_pick").set_value(ws.round.id).run()
    _whole_rows(tables, at)
    assert len(tables) == 2  # progress and results per rule
    tables.clear()
    at.selectbox(key="rounds_pick").set_value(ws.quiz.id).run()
    _whole_rows(tables, at)
    (progress,) = at.dataframe
    assert progress.value["last activity"].isna().all()  # reads "–"


def test_the_dashboard_tables_show_whole_rows(ws, tables):
    at = _lead_page(ws, "dashboard.py", tables)
    tables.clear()
    at.selectbox(key="dash_round").set_value(ws.round.id).run()
    _whole_rows(tables, at)
    keys = {key for key, _, _ in tables}
    assert {"dash_rule_table", "dash_models"} <= keys
    assert max(rows for _, rows, _ in tables) > 10  # an items table longer than 400 px holds


def test_the_revision_queue_tables_show_whole_rows(ws, tables):
    at = _lead_page(ws, "revision_queue.py", tables)
    _whole_rows(tables, at)
    assert {"rq_table", "rq_worst", "rq_items"} <= {key for key, _, _ in tables}


def test_the_compare_tables_show_whole_rows(ws, tables):
    at = _lead_page(ws, "compare.py", tables)
    _whole_rows(tables, at)
    assert "cmp_table" in {key for key, _, _ in tables}


def test_the_users_home_and_annotators_tables_show_whole_rows(ws, tables):
    for name in ("users.py", "home.py"):
        _whole_rows(tables, _lead_page(ws, name, tables))
    at = _lead_page(ws, "annotators.py", tables)
    tables.clear()
    at.selectbox(key="annot_round").set_value(ws.round.id).run()
    _whole_rows(tables, at)
    assert "annot_answers" in {key for key, _, _ in tables}


def test_the_adjudication_and_model_triage_tables_show_whole_rows(ws, tables):
    _whole_rows(tables, _lead_page(ws, "adjudication.py", tables))
    assert "adj_table" in {key for key, _, _ in tables}
    at = _lead_page(ws, "model_triage.py", tables)
    _whole_rows(tables, at)
    assert "mt_table" in {key for key, _, _ in tables}


def test_the_spot_check_plan_wraps_in_the_main_column(ws, tables):
    """The plan in words ran past the table's right edge at 1280 px, cut mid-sentence: it wraps in
    a column that, with the others, fits the main column (about 818 px)."""
    from calibration.app.widgets.grid import wrapped_lines

    at = _lead_page(ws, "model_triage.py", tables)
    (plans,) = [d for d in at.dataframe if "plan" in d.value.columns]
    config = json.loads(plans.proto.columns)
    widths = {c: config[c]["width"] for c in ("_index", *plans.value.columns)}
    assert sum(75 if w == "small" else w for w in widths.values()) <= 812
    lines = max(wrapped_lines(text, widths["plan"]) for text in plans.value["plan"])
    assert lines > 1 and plans.proto.row_height >= 6 + 14 * (1 + 1.4 * (lines - 1))  # every line in view
