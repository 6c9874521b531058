"""AppTest of the revision queue page on the demo workspace (contract clauses 1.0.0 and 1.1.0 pilots)."""

from __future__ import annotations

import shutil

import pytest

from tests.app.app_helpers import errors
from tests.app.lead_pages_support import frames, make_workspace, texts


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    from calibration.rounds import service
    from calibration.rounds.demo_workspace import demo_round_name, load_demo_workspace

    with pytest.MonkeyPatch.context() as monkeypatch:
        workspace = make_workspace(tmp_path_factory.mktemp("revision_queue"), monkeypatch)
        load_demo_workspace(workspace.engine, actor=workspace.lead)
        workspace.round = service.get_round(workspace.engine, demo_round_name("1.0.0"))
        yield workspace
        workspace.engine.dispose()


def _open(ws, user):
    at = ws.page("revision_queue.py", user).run()
    assert not at.exception
    at.selectbox(key="rq_round").set_value(ws.round.id).run()
    assert not at.exception
    return at


def _library_queue(ws):
    from calibration.ambiguity.queue import revision_queue
    from calibration.rounds import service

    return revision_queue(service.round_responses(ws.engine, ws.round.id))


def test_demo_queue_is_populated_with_the_ambiguous_rule_first(ws):
    queue = _library_queue(ws)
    at = _open(ws, ws.lead)
    assert at.title[0].value == "Revision queue"
    table = frames(at, index="rule_id")[0]
    assert list(table.index) == [e.rule_id for e in queue.rules]
    assert table.index[0] == "R-INDEM"
    # the group explains the rank where the score alone would not: groups first, score within a group
    from calibration.ambiguity.queue import GROUP_NAMES

    assert list(table["group"]) == [GROUP_NAMES[e.group] for e in queue.rules]
    # groups in words (no leading sort numbers), the rank keeping their order
    assert list(table["rank"]) == sorted(table["rank"])
    assert not any(g[0].isdigit() for g in table["group"])
    # flags and statistics in words, the codes in tooltips
    assert "low agreement" in table.loc["R-INDEM", "flags"]
    assert "low_agreement" not in table.loc["R-INDEM", "flags"]
    assert set(table["statistic"]) == {"Krippendorff's alpha"}
    assert "low agreement: `low_agreement`" in at.dataframe[0].proto.columns
    shown = texts(at)
    assert queue.rules[0].suggestion in shown
    confused = next(m for m in at.markdown if "two labels confused" in m.value)
    assert confused.value.startswith(
        ":orange-badge[:material/flag: two labels confused] (+1.5) INDEMNIFICATION vs LIMITATION\\_OF\\_LIABILITY"
    )
    assert confused.proto.help == "Flag code: `confused_labels`"
    # the score's separations in standard errors, signed
    parts = queue.rules[0].score_parts
    caption = next(c.value for c in at.caption if c.value.startswith("Stands apart from the other rules"))
    assert f"agreement {parts['agreement']:+.1f}" in caption
    assert at.metric[1].label == "Krippendorff's alpha" and at.metric[1].proto.help == "`krippendorff_alpha`"
    worst = frames(at, column="answers")[0]
    assert list(worst.index) == [w["item_id"] for w in queue.rules[0].worst_items]


def _make_draft(ws, why="Caps an indemnity: LIMITATION_OF_LIABILITY."):
    at = _open(ws, ws.author)
    scope = f"{ws.round.id}_R-INDEM"
    item_id = at.selectbox(key=f"rq_item_{scope}").value
    at.text_area(key=f"rq_why_{scope}_{item_id}").input(why)
    at.selectbox(key=f"rq_answer_{scope}_{item_id}").set_value("LIMITATION_OF_LIABILITY")
    at.button(key="rq_make").click().run()
    assert not at.exception
    return at, item_id


def test_author_drafts_an_edge_case_from_the_newest_version_and_downloads_it(ws, tmp_path, monkeypatch):
    from calibration.app.widgets.text import escape_markdown
    from calibration.guidelines import versions
    from calibration.guidelines.loading import load_guideline
    from calibration.rounds import service

    monkeypatch.setattr(versions, "BUNDLED_DIR", tmp_path)  # no files: 1.1.0 is only published
    at, item_id = _make_draft(ws)
    assert at.info[0].value == (
        "The draft starts from contract-clauses@1.1.0, the newest version, not from 1.0.0 (the version this "
        "round piloted): the changes made since are kept."
    )
    expected = f"R-INDEM: added an edge case from quiz item {item_id} of the 1.0.0 pilot (revision queue)."
    assert at.success[0].value.startswith(
        f"Draft contract-clauses@1.1.1 is valid: {escape_markdown(expected)}"
    )
    assert not at.warning  # not a fork
    assert at.download_button(key="rq_download").label == "Download the draft YAML"
    at.button(key="rq_save").click().run()
    assert (
        "Saved 1.1.1.yaml under guidelines/contract-clauses/ as a draft: it is not published. "
        "Review and publish it on the Guidelines page."
    ) in texts(at)
    saved = load_guideline(tmp_path / "contract-clauses" / "1.1.1.yaml")
    edge = saved.rule("R-INDEM").edge_cases[-1]
    assert edge.answer == "LIMITATION_OF_LIABILITY" and edge.id == f"{item_id}-edge"
    newest = service.get_guideline(ws.engine, "contract-clauses@1.1.0")
    assert saved.rule("R-INDEM").text == newest.rule("R-INDEM").text  # the 1.1.0 rewrite is kept
    assert saved.rule("R-INDEM").edge_cases[:-1] == newest.rule("R-INDEM").edge_cases
    at.button(key="rq_save").click().run()
    assert "already exists" in texts(at)


def test_the_downloaded_draft_is_the_valid_yaml_of_the_next_version(ws, tmp_path, monkeypatch):
    from calibration.guidelines import versions
    from calibration.guidelines.loading import load_guideline
    from tests.app.download_content import Downloads

    downloads = Downloads(monkeypatch)
    folder = tmp_path / "guidelines"
    folder.mkdir()
    monkeypatch.setattr(versions, "BUNDLED_DIR", folder)
    at, item_id = _make_draft(ws)
    data = downloads.content(at.download_button(key="rq_download"))
    assert not any(folder.rglob("*.yaml"))  # made, not saved: only "Save into the guidelines folder" writes
    path = tmp_path / "downloaded" / "contract-clauses" / "1.1.1.yaml"  # where it goes in a guideline repo
    path.parent.mkdir(parents=True)
    path.write_bytes(data)
    draft = load_guideline(path)  # valid as downloaded, under its own version's name
    assert draft.ref == "contract-clauses@1.1.1"
    edge = draft.rule("R-INDEM").edge_cases[-1]
    assert (edge.id, edge.answer) == (f"{item_id}-edge", "LIMITATION_OF_LIABILITY")
    assert draft.changelog[0].version == "1.1.1"


def test_a_guidelines_folder_that_cannot_be_written_is_said_with_the_download_as_the_way_out(
    ws, tmp_path, monkeypatch
):
    """A deployment whose guidelines folder is not writable (here a file stands where it should be)."""
    from calibration.guidelines import versions

    blocked = tmp_path / "guidelines"
    blocked.write_text("not a folder", encoding="utf-8")
    monkeypatch.setattr(versions, "BUNDLED_DIR", blocked)
    at, _ = _make_draft(ws)
    at.button(key="rq_save").click().run()
    assert not at.exception, at.exception
    [message] = errors(at)
    assert message.startswith(f"{blocked / 'contract-clauses' / '1.1.1.yaml'}: cannot save the draft: ")
    assert message.endswith("(hint: download the draft YAML instead, or make the guidelines folder writable)")
    assert at.download_button(key="rq_download")  # still offered


def test_the_draft_edits_the_newest_file_in_place(ws, tmp_path, monkeypatch):
    from calibration.app.widgets.text import escape_markdown
    from calibration.guidelines import versions

    bundled = versions.BUNDLED_DIR
    shutil.copytree(bundled / "contract-clauses", tmp_path / "contract-clauses")
    monkeypatch.setattr(versions, "BUNDLED_DIR", tmp_path)
    at, _item_id = _make_draft(ws)
    assert escape_markdown("Comments and formatting of 1.1.0.yaml are kept.") in texts(at)
    at.button(key="rq_save").click().run()
    source = (tmp_path / "contract-clauses" / "1.1.0.yaml").read_text(encoding="utf-8")
    draft = (tmp_path / "contract-clauses" / "1.1.1.yaml").read_text(encoding="utf-8")
    comments = [line for line in source.splitlines() if line.lstrip().startswith("#")]
    assert len(comments) == 8
    assert [line for line in draft.splitlines() if line.lstrip().startswith("#")] == comments
    # a second draft starts from the first one (the newest file), keeping its edge case
    at, _item_id = _make_draft(ws, why="Another reason.")
    assert at.info[0].value.startswith("The draft starts from contract-clauses@1.1.1, the newest version")
    assert at.success[0].value.startswith("Draft contract-clauses@1.1.2 is valid")


def _edge_form(at, scope):
    item_id = at.selectbox(key=f"rq_item_{scope}").value
    return (
        item_id,
        at.selectbox(key=f"rq_answer_{scope}_{item_id}").value,
        at.text_area(key=f"rq_why_{scope}_{item_id}").value,
    )


def test_edge_case_form_shows_the_chosen_items_answer_and_why_not_an_earlier_items(ws):
    from calibration.rounds import service

    guideline = service.round_responses(ws.engine, ws.round.id).guideline
    queue = _library_queue(ws)
    at = _open(ws, ws.author)
    scope = f"{ws.round.id}_R-INDEM"
    candidates = at.selectbox(key=f"rq_item_{scope}").options
    assert len(candidates) >= 2
    first, second = candidates[0], candidates[1]
    # edit the first item's form, then switch to another item: its own gold and why must show
    other = next(c for c in guideline.task.categories if c != guideline.item(first).answer)
    at.selectbox(key=f"rq_answer_{scope}_{first}").set_value(other)
    at.text_area(key=f"rq_why_{scope}_{first}").input("typed for the first item")
    at.run()
    at.selectbox(key=f"rq_item_{scope}").set_value(second).run()
    assert not at.exception
    assert _edge_form(at, scope) == (second, guideline.item(second).answer, guideline.item(second).why)
    # switching to another rule and back shows the rule's items with their own defaults
    next_rule = next(e.rule_id for e in queue.rules[1:] if e.candidate_items)
    at.selectbox(key="rq_rule").set_value(next_rule).run()
    assert not at.exception
    other_scope = f"{ws.round.id}_{next_rule}"
    item_id, answer, why = _edge_form(at, other_scope)
    assert (answer, why) == (guideline.item(item_id).answer, guideline.item(item_id).why)
    # no answer text in any widget key (keys become CSS classes in the page)
    keys = [w.key for w in [*at.selectbox, *at.text_area] if w.key]
    assert not any(c in key for key in keys for c in guideline.task.categories)


def test_annotator_is_refused(ws):
    at = ws.page("revision_queue.py", ws.annotator).run()
    assert "This page is for a lead or guideline author" in texts(at)
    assert not at.dataframe


def test_a_box_item_to_turn_into_an_edge_case_shows_its_image_not_a_dict(ws):
    from calibration.rounds import service
    from calibration.rounds.demo_workspace import DEMO_BOX_ROUND

    box_round = service.get_round(ws.engine, DEMO_BOX_ROUND)
    at = ws.page("revision_queue.py", ws.author).run()
    at.selectbox(key="rq_round").set_value(box_round.id).run()
    assert not at.exception
    scope = f"{box_round.id}_{at.selectbox(key='rq_rule').value}"
    item = service.get_guideline(ws.engine, box_round.guideline_ref).item(
        at.selectbox(key=f"rq_item_{scope}").value
    )
    from calibration.app.widgets.text import escape_markdown

    captions = [i.proto.imgs[0].caption for i in at.get("image")]
    assert escape_markdown(item.input.alt) in captions  # the item's image, drawn with its gold boxes
    assert not [t.value for t in at.text if "'metadata'" in t.value]


def test_the_queue_ranks_from_the_dashboards_shared_analysis(ws, monkeypatch):
    """One analysis per round in the app: the queue reads the report the dashboard computed, and a
    rerun (choosing another rule) recomputes nothing."""
    import streamlit as st

    from calibration.ambiguity import queue as queue_module
    from calibration.app.widgets import analysis_round

    expected = [e.rule_id for e in _library_queue(ws).rules]
    st.cache_resource.clear()
    st.cache_data.clear()
    runs = {"analyse_round": 0, "revision_queue": 0}

    def counted(name, function):
        def wrapper(*args, **kwargs):
            runs[name] += 1
            return function(*args, **kwargs)

        return wrapper

    def no_second_report(*args, **kwargs):
        raise AssertionError("the queue computed its own agreement report")

    monkeypatch.setattr(
        analysis_round, "analyse_round", counted("analyse_round", analysis_round.analyse_round)
    )
    monkeypatch.setattr(
        queue_module, "revision_queue", counted("revision_queue", queue_module.revision_queue)
    )
    monkeypatch.setattr(queue_module, "annotations_report", no_second_report)
    dashboard = ws.page("dashboard.py", ws.lead).run()
    dashboard.selectbox(key="dash_round").set_value(ws.round.id).run()
    assert not dashboard.exception
    assert runs["analyse_round"] == 2  # the newest round's (opened first), then the demo 1.0.0 round's
    at = _open(ws, ws.lead)  # the same two rounds
    table = frames(at, index="rule_id")[0]
    assert list(table.index) == expected
    assert runs == {"analyse_round": 2, "revision_queue": 2}  # no analysis of its own; one queue per round
    at.selectbox(key="rq_rule").set_value(table.index[1]).run()
    assert not at.exception
    assert runs == {"analyse_round": 2, "revision_queue": 2}


def test_the_queue_table_and_the_card_show_one_number_format_and_no_none(ws):
    """The grid draws a missing number as "None" whatever a Styler's ``na_rep`` says (the tester saw
    "None" in the estimate column): the figures are text cells, "–" where a rule has none."""
    queue = _library_queue(ws)
    at = _open(ws, ws.lead)
    table = next(d for d in at.dataframe if "score" in d.value.columns)
    values = table.value
    missing = [e.agreement.estimate != e.agreement.estimate for e in queue.rules]
    assert any(missing)  # the demo has a rule without agreement
    assert set(values.loc[missing, "estimate"]) == {"–"}
    assert set(values.loc[missing, "interval"]) == {"–"}
    shown = values[["rank", "group", "title", "score", "estimate", "interval", "flags"]]
    assert "None" not in shown.astype(str).to_numpy() and "nan" not in shown.astype(str).to_numpy()
    card = next(m for m in at.metric if m.label == "Score")  # the card of the first rule, chosen by default
    assert values["score"].iloc[0] == card.value
    assert card.value.count(".") == 1 and len(card.value.split(".")[1]) == 2


def test_the_11_pilots_first_rule_shows_the_evidence_that_ranks_it_first(ws):
    """The 1.1.0 pilot (the default round) once ranked R-INDEM first, in "1 revise", with "No action needed:
    nothing points at this rule." as its advice: a rule nothing points at now ranks below every flagged rule."""
    from calibration.ambiguity.queue import GROUP_NAMES

    at = ws.page("revision_queue.py", ws.lead).run()
    assert not at.exception
    table = frames(at, index="rule_id")[0]
    first = table.iloc[0]
    assert first["group"] != GROUP_NAMES["no_action"] and first["flags"]
    assert not first["suggestion"].startswith("No action needed")
    shown = texts(at)
    assert first["suggestion"] in shown  # the card of the first rule, with its advice
    for _, row in table.iterrows():
        if row["group"] == GROUP_NAMES["revise"]:
            assert "No action needed" not in row["suggestion"]
    no_action = [i for i, g in enumerate(table["group"]) if g == GROUP_NAMES["no_action"]]
    flagged = [i for i, f in enumerate(table["flags"]) if "likely ambiguous" in f]
    assert not no_action or not flagged or max(flagged) < min(no_action)


def test_the_queue_names_the_annotators_it_leaves_out_of_its_agreement(ws):
    """A tester saw R-CONF at alpha 0.80 here and 0.38 on the dashboard: the queue sets a careless
    annotator aside (the demo's Farah), and only one rule's flag said so."""
    at = ws.page("revision_queue.py", ws.lead).run()  # the default round: the 1.1.0 pilot
    assert not at.exception
    captions = [c.value for c in at.caption]
    assert any("leaves out Farah" in c and "dashboard counts every annotator" in c for c in captions)


def test_the_ranking_and_worst_items_fit_1280_and_name_labels(ws):
    """At 1280 px the ranking hid every column after "estimate", "Worst items" listed label ids
    ("CONFIDENTIALITY ×1") and a missing gold read "None"."""
    import json

    from calibration.rounds import service

    guideline = service.get_guideline(ws.engine, ws.round.guideline_ref)
    names = {label.id: label.name for label in guideline.task.labels}
    at = _open(ws, ws.lead)
    ranking = next(d for d in at.dataframe if "score" in d.value.columns)
    config = json.loads(ranking.proto.columns)
    shown = ["_index", *ranking.proto.column_order]
    assert "statistic" not in shown and "flags" in shown and "interval" in shown
    widths = [config[c]["width"] for c in shown]
    assert all(isinstance(w, int) for w in widths) and sum(widths) <= 818, widths
    assert config["estimate"]["label"] == "alpha" and "Krippendorff's alpha" in config["estimate"]["help"]
    for rule in [e.rule_id for e in _library_queue(ws).rules]:
        at.selectbox(key="rq_rule").set_value(rule).run()
        worst = [d for d in at.dataframe if "certainty" in d.value.columns and "answers" in d.value.columns]
        if not worst:
            continue
        (worst,) = worst
        frame = worst.value
        assert "None" not in frame.astype(str).to_numpy()
        for cell in frame["answers"]:
            for part in cell.split(", "):
                assert part.rsplit(" ×", 1)[0] in names.values(), cell
        assert set(frame["gold"]) <= {*names.values(), "–"}
        config = json.loads(worst.proto.columns)
        assert sum(config[c]["width"] for c in ("_index", *frame.columns)) <= 786  # in the rule's panel
        assert "`CONFIDENTIALITY`" in config["answers"]["help"]


def test_the_edge_case_item_text_is_reflowed(ws):
    """The item's text kept the YAML's hard line breaks mid-sentence."""
    from calibration.app.widgets.text import reflow
    from calibration.rounds import service

    guideline = service.get_guideline(ws.engine, ws.round.guideline_ref)
    at = _open(ws, ws.lead)
    broken = 0
    for rule in [e.rule_id for e in _library_queue(ws).rules]:
        at.selectbox(key="rq_rule").set_value(rule).run()
        keys = [s.key for s in at.selectbox if s.key and s.key.startswith("rq_item_")]
        if not keys:
            continue
        raw = guideline.item(at.selectbox(key=keys[0]).value).input.text
        shown = [t.value for t in at.text]
        assert reflow(raw) in shown
        broken += "\n" in raw.strip().replace("\n\n", "")
    assert broken  # some item's YAML text has a line break mid-paragraph: the check can fail


def test_the_hardest_items_fit_the_expander_at_1280_with_comments_apart(ws):
    """The hardest items' table ran past the expander (answers and majority cut): its columns fit the
    panel's 786 px, labels by name, the comments in a table of their own."""
    import json

    at = _open(ws, ws.lead)
    (hardest,) = [d for d in at.dataframe if "rule_ids" in d.value.columns]
    config = json.loads(hardest.proto.columns)
    shown = ["_index", *hardest.proto.column_order]
    assert "comments" not in shown and "gold_suspect" in shown
    assert sum(config[c]["width"] for c in shown) <= 786
    assert not any("_" in str(v) for v in hardest.value["majority"])  # names, not LIMITATION_OF_LIABILITY
    comments = [d for d in at.dataframe if list(d.value.columns) == ["comments"]]
    assert comments and set(comments[-1].value.index) <= set(hardest.value.index)
