"""AppTest of adjudication: the queue of disputed or gold-less pilot items, a decision with rationale, refusal."""

from __future__ import annotations

import pytest

from calibration.reports.adjudication import adjudication_queue
from tests.app.lead_pages_support import GUIDELINE, frames, make_workspace, seed_pilot, texts


@pytest.fixture()
def ws(tmp_path, monkeypatch):
    workspace = make_workspace(tmp_path, monkeypatch)
    seed_pilot(workspace)
    return workspace


def _queue(ws):
    from calibration.rounds import service

    data = service.round_responses(ws.engine, ws.round.id)
    decided = service.adjudications(ws.engine, ws.round.id)
    return data, adjudication_queue(data, decided)


def test_lead_adjudicates_a_disputed_item_and_adds_it_to_the_bank(ws):
    from calibration.rounds import service

    data, queue = _queue(ws)
    assert not queue.empty and (queue["distinct"] > 1).any()
    at = ws.page("adjudication.py", ws.lead).run()
    assert not at.exception
    shown = frames(at, column="reason")[0]
    assert list(shown.index) == list(queue.index)
    item_id = queue.index[0]
    assert at.selectbox(key="adj_item").value == item_id
    guideline = data.guideline
    answers = data.responses[data.responses["item_id"] == item_id]["answer"]
    final = answers.value_counts().index[-1]  # the minority answer: the lead overrules the majority
    at.text_area(key=f"adj_rationale_{ws.round.id}_{item_id}").input("The cap is the operative clause.")
    at.checkbox(key=f"adj_bank_{ws.round.id}_{item_id}").check()
    at.radio(key=f"adj_{ws.round.id}_{item_id}_answer").set_value(final)
    at.button(key=f"adj_{ws.round.id}_{item_id}_submit").click().run()
    assert not at.exception
    assert f"Saved the decision for {item_id}." in texts(at)
    stored = service.adjudications(ws.engine, ws.round.id)
    assert [(a.item_id, a.answer, a.rationale, a.added_to_bank) for a in stored] == [
        (item_id, final, "The cap is the operative clause.", True)
    ]
    assert guideline.task.type == "single_label"
    # the decided item leaves the open list
    at.run()
    assert item_id not in frames(at, column="reason")[0].index


def test_item_text_reads_as_prose_and_every_annotator_name_is_shown(ws):
    import json

    from calibration.app.widgets.text import escape_markdown, reflow

    data, queue = _queue(ws)
    broken = [i for i in queue.index if "\n" in data.guideline.item(i).input.text.strip()]
    assert broken, "the bank should hold an item whose YAML text has a hard line break"
    item_id = broken[0]
    at = ws.page("adjudication.py", ws.lead).run()
    at.toggle(key="adj_only_open").set_value(False).run()
    at.selectbox(key="adj_item").set_value(item_id).run()
    assert not at.exception
    raw = data.guideline.item(item_id).input.text
    shown = [m.value for m in at.markdown]
    assert escape_markdown(reflow(raw)) in shown
    assert escape_markdown(raw) not in shown
    assert "\n" not in escape_markdown(reflow(raw))
    # the queue's text column has no hard breaks either, and comes after the short columns
    table = next(e for e in at.dataframe if e.key == "adj_table" or "reason" in e.value.columns)
    assert not table.value["text"].str.contains("\n").any()
    order = list(table.proto.column_order)
    assert order[-1] == "text" and order.index("reason") < order.index("text")
    assert json.loads(table.proto.columns)["text"]["width"] == "large"
    # answers given: a static table with every annotator of each answer, in full
    counts = at.table[0].value
    given = data.responses[data.responses["item_id"] == item_id]
    names = {n.strip() for cell in counts["annotators"] for n in cell.split(",")}
    assert {escape_markdown(a) for a in given["annotator_id"]} == names
    assert counts["count"].sum() == len(given)


def test_reflow_joins_lines_inside_paragraphs_only():
    from calibration.app.widgets.text import reflow

    assert reflow("may be brought by either party more\nthan one year.\n") == (
        "may be brought by either party more than one year."
    )
    assert reflow("First  para\nline.\n\n  Second.\n") == "First para line.\n\nSecond."


def test_a_decision_needs_a_rationale(ws):
    from calibration.rounds import service

    _, queue = _queue(ws)
    item_id = queue.index[0]
    at = ws.page("adjudication.py", ws.lead).run()
    at.radio(key=f"adj_{ws.round.id}_{item_id}_answer").set_value(
        at.radio(key=f"adj_{ws.round.id}_{item_id}_answer").options[0]
    )
    at.button(key=f"adj_{ws.round.id}_{item_id}_submit").click().run()
    assert "Write a rationale: it is shown to annotators as the reason for the gold answer." in texts(at)
    assert service.adjudications(ws.engine, ws.round.id) == []


def test_no_answer_chosen_is_a_clear_error(ws):
    from calibration.rounds import service

    _, queue = _queue(ws)
    item_id = queue.index[0]
    at = ws.page("adjudication.py", ws.lead).run()
    at.text_area(key=f"adj_rationale_{ws.round.id}_{item_id}").input("because")
    at.button(key=f"adj_{ws.round.id}_{item_id}_submit").click().run()
    assert at.error and "item" in at.error[0].value
    assert service.adjudications(ws.engine, ws.round.id) == []


def test_a_rationale_typed_in_one_round_does_not_show_for_the_same_item_of_another_round(ws):
    first = ws.round
    second = seed_pilot(ws, name="Pilot two", seed=1)
    at = ws.page("adjudication.py", ws.lead).run()
    at.selectbox(key="adj_round").set_value(first.id).run()
    item_id = at.selectbox(key="adj_item").value
    at.text_area(key=f"adj_rationale_{first.id}_{item_id}").input("decided for pilot one").run()
    at.selectbox(key="adj_round").set_value(second.id).run()
    assert not at.exception
    if at.selectbox(key="adj_item").value != item_id:
        at.selectbox(key="adj_item").set_value(item_id).run()
    assert at.text_area(key=f"adj_rationale_{second.id}_{item_id}").value in ("", None)


def test_only_pilot_rounds_are_offered(tmp_path, monkeypatch):
    from calibration.rounds import service

    ws = make_workspace(tmp_path, monkeypatch)
    service.create_calibration_round(ws.engine, "Calibration only", GUIDELINE, actor=ws.lead)
    at = ws.page("adjudication.py", ws.lead).run()
    assert at.info[0].value.startswith("No pilot rounds yet.")


def test_annotator_is_refused(ws):
    at = ws.page("adjudication.py", ws.annotator).run()
    assert at.error[0].value.startswith("This page is for a lead;")
    assert not at.radio


def test_an_item_that_already_has_gold_shows_that_gold_escaped_and_is_marked(ws):
    from calibration.app.widgets.text import escape_markdown
    from calibration.reports.tables import answer_text

    data, queue = _queue(ws)
    with_gold = [i for i in queue.index if i in data.gold.index]
    without = [i for i in queue.index if i not in data.gold.index]
    assert with_gold, "the seeded pilot should have a disputed item with bank gold"
    item_id = with_gold[0]
    gold = answer_text(data.guideline.task.type, data.gold[item_id])
    assert queue.loc[item_id, "gold"] == gold and "_" in gold  # a label id: markdown must be escaped
    assert all(queue.loc[i, "gold"] == "" for i in without)
    at = ws.page("adjudication.py", ws.lead).run()
    at.selectbox(key="adj_item").set_value(item_id).run()
    assert not at.exception
    table = frames(at, column="reason")[0]
    assert table.loc[item_id, "gold"] == gold
    box = at.selectbox(key="adj_item")
    assert box.format_func(item_id).endswith(" · has gold")
    shown = [i.value for i in at.info]
    assert any(f"**Gold answer** (from the guideline's bank): {escape_markdown(gold)}." in v for v in shown)
