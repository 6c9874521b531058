"""AppTest of the compare-versions page on the demo workspace (contract clauses 1.0.0 vs 1.1.0)."""

from __future__ import annotations

import pytest
from lead_pages_support import frames, make_workspace, texts

from calibration.app.widgets.text import escape_markdown


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    from calibration.rounds import service
    from calibration.rounds.demo_workspace import demo_round_name, load_demo_workspace

    with pytest.MonkeyPatch.context() as monkeypatch:
        workspace = make_workspace(tmp_path_factory.mktemp("compare"), monkeypatch)
        load_demo_workspace(workspace.engine, actor=workspace.lead)
        workspace.before = service.get_round(workspace.engine, demo_round_name("1.0.0"))
        workspace.after = service.get_round(workspace.engine, demo_round_name("1.1.0"))
        yield workspace
        workspace.engine.dispose()


def test_demo_comparison_shows_the_rewritten_rule_improved(ws):
    at = ws.page("compare.py", ws.lead).run()
    assert not at.exception
    assert at.selectbox(key="cmp_before").value == ws.before.id
    assert at.selectbox(key="cmp_after").value == ws.after.id
    shown = texts(at)
    assert escape_markdown("contract-clauses@1.0.0 → contract-clauses@1.1.0") in shown
    assert at.success[0].value.startswith(
        f"{escape_markdown('R-INDEM')} (changed): improved. krippendorff_alpha"
    )
    table = frames(at, index="rule_id")[0]
    assert table.loc["R-INDEM", "verdict"] == "improved"
    assert table.loc["R-INDEM", "changed"] == "✎ changed"
    assert (table.drop(index="R-INDEM")["changed"] == "").all()
    assert table.loc["R-INDEM", "ci_low"] > 0


def test_same_round_twice_is_refused(ws):
    at = ws.page("compare.py", ws.author).run()
    at.selectbox(key="cmp_before").set_value(ws.after.id).run()
    assert at.warning[0].value == "Choose two different rounds."
    assert not at.dataframe


def test_annotator_is_refused(ws):
    at = ws.page("compare.py", ws.annotator).run()
    assert "This page is for a lead or guideline author" in texts(at)
