"""No page shows "-0.00" (a tiny negative figure rounded): every table number cell and card goes
through `calibration.ambiguity.signals.number_text`. The demo pilot has such figures (a rule's kappa,
the Revision queue's estimate)."""

from __future__ import annotations

import math

import pytest

from tests.app.lead_pages_support import make_workspace, texts


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    from calibration.rounds import service
    from calibration.rounds.demo_workspace import demo_round_name, load_demo_workspace

    with pytest.MonkeyPatch.context() as monkeypatch:
        workspace = make_workspace(tmp_path_factory.mktemp("negative_zero"), monkeypatch)
        load_demo_workspace(workspace.engine, actor=workspace.lead)
        workspace.round = service.get_round(workspace.engine, demo_round_name("1.0.0"))
        yield workspace
        workspace.engine.dispose()


def _shown(at) -> list[str]:
    """Every figure a reader sees: table cells (floats as the grid prints them), metrics, texts."""
    cells: list[str] = []
    for element in at.dataframe:
        frame = element.value
        for column in frame.columns:
            for value in frame[column]:
                if isinstance(value, float) and value == 0 and math.copysign(1.0, value) < 0:
                    cells.append("-0")  # the grid prints a float -0.0 with its sign
                else:
                    cells.append(str(value))
    cells += [str(m.value) for m in at.metric]
    return [*cells, texts(at)]


def _assert_no_negative_zero(at) -> None:
    assert not at.exception, at.exception
    shown = _shown(at)
    assert not [c for c in shown if c == "-0" or "-0.00" in c or "−0.00" in c]


@pytest.mark.parametrize(
    "page_name, key", [("dashboard.py", "dash_round"), ("revision_queue.py", "rq_round")]
)
def test_no_negative_zero_on_the_dashboard_or_the_revision_queue(ws, page_name, key):
    at = ws.page(page_name, ws.lead).run()
    assert not at.exception, at.exception
    if [s for s in at.selectbox if s.key == key]:
        at.selectbox(key=key).set_value(ws.round.id).run()
    _assert_no_negative_zero(at)
    assert at.dataframe  # the tables were drawn


def test_the_shared_cells_never_print_negative_zero():
    import pandas as pd

    from calibration.app.widgets.analysis_round import format_statistics, interval_cells, number_cells

    assert number_cells([-0.001, -0.0049, None]) == ["0.00", "0.00", "–"]
    assert interval_cells([-0.004], [-0.001]) == ["0.00 to 0.00"]
    rounded = format_statistics(pd.DataFrame({"kappa": [-0.001, 0.5]}))["kappa"]
    assert math.copysign(1.0, rounded.iloc[0]) > 0 and rounded.iloc[1] == 0.5
