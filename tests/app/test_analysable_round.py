"""The dashboard and the revision queue open on the newest round that has agreement to analyse; flags in words."""

from __future__ import annotations

import pytest

from calibration.reports.tables import flag_name
from tests.app.lead_pages_support import make_workspace, round_analysis, seed_pilot, texts


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    """A five-annotator pilot, then a newer calibration round answered by one annotator only."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        workspace = make_workspace(tmp_path_factory.mktemp("analysable"), monkeypatch)
        seed_pilot(workspace, name="Pilot one")
        analysable = workspace.round
        workspace.solo = solo_quiz(workspace)
        workspace.round = analysable
        yield workspace
        workspace.engine.dispose()


def solo_quiz(ws):
    """A calibration round on the pilot's guideline in which one annotator answered three items."""
    from calibration.rounds import service

    round_ = service.create_calibration_round(
        ws.engine, "Solo quiz", ws.round.guideline_ref, actor=ws.lead, annotators=[ws.annotator.name]
    )
    attempt = service.start_or_resume_attempt(ws.engine, round_.id, ws.annotator)
    items = service.round_items(ws.engine, round_.id)
    for item_id in attempt.items[:3]:
        service.record_answer(ws.engine, attempt.id, item_id, items[item_id].answer, actor=ws.annotator)
    return round_


SOLO = "Only one annotator has answered this round, so there is no agreement to measure"


@pytest.mark.parametrize(("page", "key"), [("dashboard.py", "dash_round"), ("revision_queue.py", "rq_round")])
def test_opens_on_the_newest_analysable_round_and_explains_the_others(ws, page, key):
    at = ws.page(page, ws.lead).run()
    assert not at.exception
    box = at.selectbox(key=key)
    assert box.value == ws.round.id  # not the newer solo pilot
    assert box.format_func(ws.solo.id).endswith(" · no agreement yet")
    assert not box.format_func(ws.round.id).endswith("no agreement yet")
    assert at.dataframe  # the analysis is shown
    box.set_value(ws.solo.id).run()
    assert not at.exception
    assert any(info.value.startswith(SOLO) for info in at.info)
    assert not at.dataframe and not at.get("plotly_chart")  # no empty chart, no blank tables


def test_dashboard_shows_flags_in_words_with_codes_in_tooltips_and_explains_the_kappa_paradox(ws):
    _, analysis = round_analysis(ws)
    flags = analysis.rules["flags"]
    skewed = next((r for r in flags.index if "skewed_prevalence" in flags[r]), None)
    plain = next((r for r in flags.index if flags[r] and "skewed_prevalence" not in flags[r]), None)
    assert skewed and plain, "the seeded pilot should have a skewed rule and another flagged rule"
    at = ws.page("dashboard.py", ws.lead).run()
    assert at.metric[3].label == "Krippendorff's alpha"
    table = next(d for d in at.dataframe if "flags" in d.value.columns)  # the per-rule flags
    assert table.value.index.name == "rule_id"
    assert "kappa paradox" in table.value.loc[skewed, "flags"]
    assert "skewed_prevalence" not in table.value.loc[skewed, "flags"]
    assert "skewed labels: kappa paradox: `skewed_prevalence`" in table.proto.columns
    at.selectbox(key="dash_rule").set_value(skewed).run()
    badge = next(m for m in at.markdown if "skewed labels: kappa paradox" in m.value)
    assert badge.proto.help == "Flag code: `skewed_prevalence`"
    note = [i.value for i in at.info if i.value.startswith("Kappa paradox (")]
    assert len(note) == 1 and "Gwet's AC1" in note[0]
    ac1 = analysis.rules.loc[skewed, "gwet_ac1"]
    assert f"Gwet's AC1 {ac1:.2f}" in note[0]
    at.selectbox(key="dash_rule").set_value(plain).run()
    assert not [i for i in at.info if i.value.startswith("Kappa paradox")]
    shown = texts(at)
    for code in flags[plain]:
        assert flag_name(code) in shown
    assert "few items (under 10)" in shown or "few_items" not in flags[plain]
