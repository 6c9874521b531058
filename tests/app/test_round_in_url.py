"""Round-scoped pages keep their round in the URL (``?round=<id>``): a reload or a deep link opens that
round, picking another round writes it into the URL, and a link to a round the page cannot show says so.
The revision queue's rule box follows a change of round in the browser too."""

from __future__ import annotations

import pytest

from tests.app.lead_pages_support import make_workspace

ROUND_PAGES = [
    ("dashboard.py", "dash_round"),
    ("revision_queue.py", "rq_round"),
    ("annotators.py", "annot_round"),
    ("exports.py", "exp_round"),
    ("adjudication.py", "adj_round"),
]


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    """The demo workspace: pilots of contract clauses 1.0.0 (older) and 1.1.0 (newer), and other rounds."""
    from calibration.rounds import service
    from calibration.rounds.demo_workspace import demo_round_name, load_demo_workspace

    with pytest.MonkeyPatch.context() as monkeypatch:
        workspace = make_workspace(tmp_path_factory.mktemp("round_in_url"), monkeypatch)
        load_demo_workspace(workspace.engine, actor=workspace.lead)
        workspace.old = service.get_round(workspace.engine, demo_round_name("1.0.0"))
        workspace.new = service.get_round(workspace.engine, demo_round_name("1.1.0"))
        yield workspace
        workspace.engine.dispose()


def _link_warnings(at):
    return [w for w in at.warning if w.value.startswith("The link asks for round")]


def _open(ws, name, query=None):
    at = ws.page(name, ws.lead)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize(("name", "key"), ROUND_PAGES)
def test_the_round_in_the_url_is_opened(ws, name, key):
    shown = _open(ws, name).selectbox(key=key).value
    wanted = ws.old if shown != ws.old.id else ws.new  # a round the page does not open on by itself
    at = _open(ws, name, {"round": str(wanted.id)})
    assert at.selectbox(key=key).value == wanted.id
    assert not _link_warnings(at)


@pytest.mark.parametrize(("name", "key"), ROUND_PAGES)
def test_picking_a_round_writes_it_into_the_url(ws, name, key):
    at = _open(ws, name, {"round": str(ws.old.id)})
    at.selectbox(key=key).set_value(ws.new.id).run()
    assert not at.exception, at.exception
    assert at.query_params["round"] == str(ws.new.id)
    assert at.selectbox(key=key).value == ws.new.id
    at.run()  # a rerun with the URL as written keeps the choice
    assert at.selectbox(key=key).value == ws.new.id


@pytest.mark.parametrize("raw", ["99999", "abc"])
@pytest.mark.parametrize(("name", "key"), ROUND_PAGES)
def test_a_round_the_page_cannot_show_is_said_and_the_page_falls_back(ws, name, key, raw):
    plain = _open(ws, name).selectbox(key=key).value
    at = _open(ws, name, {"round": raw})
    assert at.selectbox(key=key).value == plain
    (warning,) = _link_warnings(at)
    assert warning.value.startswith(f"The link asks for round '{raw}', which cannot be shown here")
    assert "Showing the round chosen below instead." in warning.value


def test_adjudication_says_a_calibration_round_is_not_listed(ws):
    from calibration.rounds import service

    calibration = service.create_calibration_round(
        ws.engine, "Calibration after the pilots", ws.new.guideline_ref, actor=ws.lead
    )
    at = _open(ws, "adjudication.py", {"round": str(calibration.id)})
    (warning,) = _link_warnings(at)
    assert "no round has that id, or it is not a pilot round" in warning.value
    assert at.selectbox(key="adj_round").value != calibration.id


def _browser_choice(at, key, before):
    """The choice a browser shows after this run: its own previous choice unless the server set the value
    or the box is a new widget (Streamlit's frontend keeps a widget's value otherwise)."""
    box = at.selectbox(key=key)
    if box.proto.set_value:
        return box.proto.raw_value
    if box.proto.id != before[0]:
        return box.proto.options[box.proto.default]
    return before[1]


def test_the_rule_box_follows_a_change_of_round(ws):
    at = _open(ws, "revision_queue.py", {"round": str(ws.new.id)})
    box = at.selectbox(key="rq_rule")
    first_rule = box.value
    assert box.format_func(first_rule).startswith(f"1. {first_rule} · ")
    before = (box.proto.id, box.proto.options[box.index])
    at.selectbox(key="rq_round").set_value(ws.old.id).run()
    assert not at.exception, at.exception
    box = at.selectbox(key="rq_rule")
    label = box.format_func(box.value)
    assert label.startswith("1. "), label  # the new round's first-ranked rule
    assert at.subheader[0].value.startswith("1. ")
    assert _browser_choice(at, "rq_rule", before) == label  # what the browser's box reads
