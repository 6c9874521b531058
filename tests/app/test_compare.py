"""AppTest of the compare-versions page on the demo workspace (contract clauses 1.0.0 vs 1.1.0)."""

from __future__ import annotations

import json
import re

import pytest

from calibration.app.widgets.text import escape_markdown
from tests.app.lead_pages_support import frames, make_workspace, texts


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
    assert at.success[0].value.startswith(f"{escape_markdown('R-INDEM')} (changed): improved. Majority share")
    table = frames(at, index="rule_id")[0]
    assert table.loc["R-INDEM", "verdict"] == "improved"
    assert table.loc["R-INDEM", "changed"] == "✎ changed"
    assert (table.drop(index="R-INDEM")["changed"] == "").all()
    low = float(table.loc["R-INDEM", "interval"].split(" to ")[0])
    assert low > 0


def _chart_spec(at):
    charts = at.get("plotly_chart")
    assert len(charts) == 1
    return json.loads(charts[0].proto.spec)


def test_the_before_after_chart_draws_every_rule(ws):
    at = ws.page("compare.py", ws.author).run()
    assert not at.exception
    spec = _chart_spec(at)
    before, after = spec["data"]
    assert (before["name"], after["name"]) == ("contract-clauses@1.0.0", "contract-clauses@1.1.0")
    table = frames(at, index="rule_id")[0]
    assert [row[0] for row in after["customdata"]] == list(table.index)
    assert after["x"][0] == "✎ R-INDEM"


def test_only_rounds_of_the_same_guideline_on_two_versions_are_offered(ws):
    at = ws.page("compare.py", ws.author).run()
    assert at.selectbox(key="cmp_after").options == [ws.after.name + " · contract-clauses@1.1.0"]
    assert at.selectbox(key="cmp_before").options == [ws.before.name + " · contract-clauses@1.0.0"]


@pytest.fixture
def mixed(tmp_path, monkeypatch):
    """A store whose newest rounds pilot other guidelines than the one with two versions."""
    from calibration.demo import simulate_responses
    from calibration.rounds import service
    from calibration.rounds.demo_workspace import load_demo_workspace

    workspace = make_workspace(tmp_path, monkeypatch)
    load_demo_workspace(workspace.engine, actor=workspace.lead)
    for name, ref in (("Rating pilot", "chatbot-rating@1.0.0"), ("PII pilot", "pii-spans@1.0.0")):
        guideline = service.get_guideline(workspace.engine, ref)
        service.create_pilot_round(workspace.engine, name, ref, actor=workspace.lead)
        responses = simulate_responses(guideline, annotators=3, seed=1)
        service.import_responses(workspace.engine, name, responses, actor=workspace.lead, source="simulated")
    yield workspace
    workspace.engine.dispose()


def test_rounds_of_other_guidelines_never_open_an_incomparable_pair(mixed):
    from calibration.rounds import service
    from calibration.rounds.demo_workspace import demo_round_name

    at = mixed.page("compare.py", mixed.lead).run()
    assert not at.exception and not at.error
    after = service.get_round(mixed.engine, demo_round_name("1.1.0"))
    before = service.get_round(mixed.engine, demo_round_name("1.0.0"))
    assert (at.selectbox(key="cmp_before").value, at.selectbox(key="cmp_after").value) == (
        before.id,
        after.id,
    )
    assert all("contract-clauses@" in o for o in at.selectbox(key="cmp_after").options)
    assert at.success[0].value.startswith(escape_markdown("R-INDEM"))
    assert _chart_spec(at)["data"]


def test_no_comparable_pair_says_what_is_needed(tmp_path, monkeypatch):
    from calibration.demo import simulate_responses
    from calibration.rounds import service

    workspace = make_workspace(tmp_path, monkeypatch)
    for name, ref in (
        ("One", "contract-clauses@1.0.0"),
        ("Two", "contract-clauses@1.0.0"),
        ("Three", "pii-spans@1.0.0"),
    ):
        guideline = service.get_guideline(workspace.engine, ref)
        service.create_pilot_round(workspace.engine, name, ref, actor=workspace.lead)
        responses = simulate_responses(guideline, annotators=2, seed=2)
        service.import_responses(workspace.engine, name, responses, actor=workspace.lead, source="simulated")
    at = workspace.page("compare.py", workspace.lead).run()
    assert not at.exception and not at.error
    assert at.info[0].value == (
        "Comparing needs two rounds of the same guideline on two different versions, such as a pilot of "
        "1.0.0 and a pilot of its rewrite 1.1.0. The demo workspace has two."
    )
    assert not at.selectbox and not at.get("plotly_chart")
    workspace.engine.dispose()


def test_annotator_is_refused(ws):
    at = ws.page("compare.py", ws.annotator).run()
    assert "This page is for a lead or guideline author" in texts(at)


def test_choosing_another_after_round_offers_only_its_older_versions(tmp_path, monkeypatch):
    from calibration.demo import simulate_responses
    from calibration.rounds import service
    from calibration.rounds.demo_workspace import demo_round_name, load_demo_workspace

    workspace = make_workspace(tmp_path, monkeypatch)
    load_demo_workspace(workspace.engine, actor=workspace.lead)
    newer = service.get_guideline(workspace.engine, "contract-clauses@1.1.0").model_copy(
        update={"version": "1.2.0"}
    )
    service.publish(workspace.engine, newer, workspace.lead)
    service.create_pilot_round(workspace.engine, "Pilot 1.2.0", newer.ref, actor=workspace.lead)
    responses = simulate_responses(newer, annotators=3, seed=3)
    service.import_responses(
        workspace.engine, "Pilot 1.2.0", responses, actor=workspace.lead, source="simulated"
    )
    old, mid = (service.get_round(workspace.engine, demo_round_name(v)) for v in ("1.0.0", "1.1.0"))
    new = service.get_round(workspace.engine, "Pilot 1.2.0")

    at = workspace.page("compare.py", workspace.lead).run()
    assert (at.selectbox(key="cmp_before").value, at.selectbox(key="cmp_after").value) == (mid.id, new.id)
    at.selectbox(key="cmp_before").set_value(old.id).run()
    assert not at.exception and at.selectbox(key="cmp_before").value == old.id
    at.selectbox(key="cmp_after").set_value(mid.id).run()
    assert not at.exception and not at.error
    assert at.selectbox(key="cmp_before").value == old.id
    at.selectbox(key="cmp_after").set_value(new.id).run()
    assert at.selectbox(key="cmp_before").options == [
        f"{mid.name} · contract-clauses@1.1.0",
        f"{old.name} · contract-clauses@1.0.0",
    ]
    assert not at.exception
    # the chosen "before" (1.1.0) is no older version of the new "after" (1.1.0): it falls back to 1.0.0
    at.selectbox(key="cmp_before").set_value(mid.id).run()
    at.selectbox(key="cmp_after").set_value(mid.id).run()
    assert not at.exception and not at.error
    assert at.selectbox(key="cmp_before").value == old.id
    workspace.engine.dispose()


def test_a_rule_with_too_few_items_says_so_with_the_items_needed(tmp_path, monkeypatch):
    """compare's fourth verdict reaches the page as a warning (it raised KeyError when it was new)."""
    from typing import get_args

    from calibration.ambiguity import compare
    from calibration.rounds.demo_workspace import load_demo_workspace

    workspace = make_workspace(tmp_path, monkeypatch)
    load_demo_workspace(workspace.engine, actor=workspace.lead)
    assert "not_enough_items" in get_args(compare.Verdict)
    monkeypatch.setattr(compare, "_first_look_verdict", lambda test: ("not_enough_items", (-0.1, 0.3)))
    at = workspace.page("compare.py", workspace.lead).run()
    assert not at.exception and not at.error
    warning = at.warning[0].value
    assert warning.startswith(f"{escape_markdown('R-INDEM')} (changed): not enough items to tell. ")
    # the question the number answers (whether 1.1.0 changed the rule), markdown-escaped like the rule id
    said = escape_markdown("; to tell whether 1.1.0 changed R-INDEM, pilot about ")
    assert said in warning
    # and what the number is sized for: a change of 0.05 (or the larger one seen) on a pessimistic spread
    assert warning.endswith(escape_markdown(", allowing for items that vary more than these did)") + ".")
    assert escape_markdown(" per version in all; enough to find a change ") in warning
    assert "interval" not in warning  # a change and interval with too few items say nothing
    workspace.engine.dispose()


def test_a_rewritten_rule_with_too_few_items_gets_its_advice_once(tmp_path, monkeypatch):
    """The tester saw R-INDEM's "pilot about N more items" twice: in its yellow box and again in the
    "Not enough items to tell" list. The box says it; the list keeps the rules whose text did not change,
    and the download and the follow-up instructions stay."""
    from calibration.ambiguity import compare
    from calibration.rounds.demo_workspace import load_demo_workspace

    workspace = make_workspace(tmp_path, monkeypatch)
    load_demo_workspace(workspace.engine, actor=workspace.lead)
    monkeypatch.setattr(compare, "_first_look_verdict", lambda test: ("not_enough_items", (-0.1, 0.3)))
    at = workspace.page("compare.py", workspace.lead).run()
    assert not at.exception and not at.error
    shown = texts(at)
    advice = escape_markdown("to tell whether 1.1.0 changed R-INDEM, pilot ")
    assert shown.count(advice) == 1
    [box] = [w.value for w in at.warning if w.value.startswith(escape_markdown("R-INDEM"))]
    assert advice in box
    lists = [m.value for m in at.markdown if m.value.startswith("- ")]
    assert len(lists) == 1 and escape_markdown("R-INDEM") not in lists[0]
    # every unchanged rule is listed with its advice, once in all
    for rule in ("R-CONF", "R-IP", "R-TERM"):
        said = escape_markdown(f"to tell whether 1.1.0 changed {rule}, pilot ")
        assert shown.count(said) == 1 and f"- {escape_markdown(rule)}: {said}" in lists[0]
    assert "**Not enough items to tell on rules whose text did not change:**" in shown
    [button] = at.get("download_button")
    assert button.proto.label == "Download the first-look comparison (JSON)"
    assert "--first-look first-look.json" in shown
    workspace.engine.dispose()


def test_only_rewritten_rules_short_of_items_keep_the_download_without_a_list(tmp_path, monkeypatch):
    """When every rule short of items is a rewritten one, its box says the advice; no list repeats it,
    and the first-look download with its instructions is still there."""
    from calibration.ambiguity import compare
    from calibration.rounds.demo_workspace import load_demo_workspace

    workspace = make_workspace(tmp_path, monkeypatch)
    load_demo_workspace(workspace.engine, actor=workspace.lead)

    def only_the_rewrite(test):  # R-INDEM, the rewritten rule, is the one whose share rose by > 0.15
        if test is not None and test.difference > 0.15:
            return ("not_enough_items", (-0.1, 0.3))
        return ("unchanged", (-0.01, 0.01))

    monkeypatch.setattr(compare, "_first_look_verdict", only_the_rewrite)
    at = workspace.page("compare.py", workspace.lead).run()
    assert not at.exception and not at.error
    [box] = [w.value for w in at.warning]
    assert box.startswith(f"{escape_markdown('R-INDEM')} (changed): not enough items to tell. ")
    shown = texts(at)
    assert shown.count(escape_markdown("to tell whether 1.1.0 changed R-INDEM, pilot ")) == 1
    assert not [m.value for m in at.markdown if m.value.startswith("- ")]
    assert "Not enough items to tell:" not in shown
    [button] = at.get("download_button")
    assert button.proto.label == "Download the first-look comparison (JSON)"
    assert "--first-look first-look.json" in shown
    workspace.engine.dispose()


def test_every_rule_with_too_few_items_says_how_many_more_to_pilot_in_words(ws, monkeypatch):
    from streamlit.runtime.media_file_manager import MediaFileManager

    from calibration.ambiguity.compare import compare_versions
    from calibration.rounds import service

    deferred = {}
    original = MediaFileManager.add_deferred

    def recording(self, data_callable, *args, **kwargs):
        file_id = original(self, data_callable, *args, **kwargs)
        deferred[file_id] = data_callable
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", recording)
    at = ws.page("compare.py", ws.lead).run()
    assert not at.exception
    before = service.round_responses(ws.engine, ws.before.id)
    after = service.round_responses(ws.engine, ws.after.id)
    comparison = compare_versions(before, after)
    short = [r for r in comparison.rules if r.verdict == "not_enough_items"]
    assert len(short) >= 2
    shown = texts(at)
    for rule in short:
        more, needed = rule.figures["more_items"], rule.figures["items_needed"]
        item = "item" if more == 1 else "items"
        said = f"to tell whether 1.1.0 changed {rule.rule_id}, pilot "
        if rule.figures["test"]["sd"] > 0:
            seen = abs(rule.figures["test"]["difference"])
            change = (
                f"a change as large as the one seen so far ({seen:.2f})"
                if seen > 0.05
                else "a change of 0.05"
            )
            said += (
                f"about {more} more {item} per version ({needed} per version in all; enough to find "
                f"{change} with 90% probability, allowing for items that vary more than these did)"
            )
        else:  # no spread seen: the number only fills the follow-up up to 10 items, said as a floor
            said += (
                f"at least {more} more {item} per version; the number needed depends on the spread they show"
            )
        assert f"{escape_markdown(rule.rule_id)}: {escape_markdown(said)}" in shown
    assert any(r.figures["test"]["sd"] > 0 for r in short) and any(
        r.figures["test"]["sd"] == 0 for r in short
    )
    assert "not_enough_items" not in shown and "majority_share" not in shown

    # the first-look JSON to download is exactly what the follow-up (--first-look) accepts
    [button] = at.get("download_button")
    assert button.proto.label == "Download the first-look comparison (JSON)"
    data = json.loads(deferred[button.proto.deferred_file_id]())
    assert data == json.loads(comparison.first_look_json())
    follow_up = compare_versions(before, after, first_look=data)
    assert {r.figures["look"] for r in follow_up.rules} == {2}
    assert "--first-look first-look.json" in shown


def test_the_table_uses_words_and_keeps_the_codes_in_tooltips(ws):
    at = ws.page("compare.py", ws.lead).run()
    table = frames(at, index="rule_id")[0]
    assert "not_enough_items" not in set(table["verdict"]) and "not enough items to tell" in set(
        table["verdict"]
    )
    assert escape_markdown("Measure: Majority share, before → after, item by item.") in [
        c.value for c in at.caption
    ]
    config = json.loads(at.dataframe[0].proto.columns)
    assert config["interval"]["label"] == "95% interval" and "ci_low" in config["interval"]["help"]
    assert config["_index"]["label"] == "Rule"
    gold = json.loads(at.dataframe[1].proto.columns)
    assert gold["gold_before"]["label"] == "Before" and "gold_before" in gold["gold_before"]["help"]


def test_the_tables_fit_the_page_at_1280_px_and_show_no_none(ws):
    """Tester's walk: the one table was 1912 px wide in an 818 px box, "Why no verdict" out of view and
    cut, and "None" in the change and interval columns of rules without a verdict."""
    at = ws.page("compare.py", ws.lead).run()
    for element in at.dataframe:
        config = json.loads(element.proto.columns)
        assert sum(c.get("width", 0) for c in config.values()) <= 818
        frame = element.value
        assert not frame.isna().any().any() and not (frame.astype(str) == "None").any().any()


def test_a_box_guideline_is_refused_as_an_error_naming_the_task_type(tmp_path, monkeypatch):
    """Boxes used to reach `unitize` ("unknown task type 'boxes'") with no hint."""
    from calibration.ambiguity import compare
    from calibration.guidelines.model import Label, Task
    from calibration.rounds.demo_workspace import load_demo_workspace

    workspace = make_workspace(tmp_path, monkeypatch)
    load_demo_workspace(workspace.engine, actor=workspace.lead)
    boxes = Task(type="boxes", labels=[Label(id="car", name="car")])
    monkeypatch.setattr(compare, "_comparison_task", lambda before, after: boxes)
    at = workspace.page("compare.py", workspace.lead).run()
    assert not at.exception
    message = at.error[0].value
    assert "'boxes'" in message and "compare cannot judge" in message and "agreement" in message
    workspace.engine.dispose()


def test_a_calibration_quiz_round_is_never_offered_as_a_pilot(tmp_path, monkeypatch):
    """A quiz round of a guideline's other version (answers scored against gold) is not a pilot to compare:
    before, the newest quiz round was offered as "after" and gave empty figures."""
    from calibration.rounds import service
    from calibration.rounds.demo_workspace import demo_round_name, load_demo_workspace

    workspace = make_workspace(tmp_path, monkeypatch)
    load_demo_workspace(workspace.engine, actor=workspace.lead)
    quiz = service.create_calibration_round(
        workspace.engine, "Quiz on 1.1.0", "contract-clauses@1.1.0", actor=workspace.lead
    )
    at = workspace.page("compare.py", workspace.lead).run()
    assert not at.exception and not at.error
    offered = at.selectbox(key="cmp_after").options + at.selectbox(key="cmp_before").options
    assert not any(option.startswith(quiz.name) for option in offered)
    assert (
        at.selectbox(key="cmp_after").value
        == service.get_round(workspace.engine, demo_round_name("1.1.0")).id
    )
    workspace.engine.dispose()


@pytest.fixture
def fresh_pilot(tmp_path, monkeypatch):
    """The demo workspace plus a newer pilot round created a moment ago: no answers yet."""
    from calibration.rounds import service
    from calibration.rounds.demo_workspace import demo_round_name, load_demo_workspace

    workspace = make_workspace(tmp_path, monkeypatch)
    load_demo_workspace(workspace.engine, actor=workspace.lead)
    workspace.before = service.get_round(workspace.engine, demo_round_name("1.0.0"))
    workspace.after = service.get_round(workspace.engine, demo_round_name("1.1.0"))
    workspace.fresh = service.create_pilot_round(
        workspace.engine, "Pilot adaptive", "contract-clauses@1.1.0", actor=workspace.lead
    )
    yield workspace
    workspace.engine.dispose()


def test_the_default_pair_has_answers_even_when_a_newer_round_has_none(fresh_pilot):
    ws = fresh_pilot
    at = ws.page("compare.py", ws.lead).run()
    assert not at.exception
    assert at.selectbox(key="cmp_after").value == ws.after.id
    assert at.selectbox(key="cmp_before").value == ws.before.id
    assert not at.error and not at.warning
    assert at.selectbox(key="cmp_after").options[-1].startswith("Pilot adaptive")


def test_a_chosen_round_without_answers_says_so_not_the_rule_id_hint(fresh_pilot):
    ws = fresh_pilot
    at = ws.page("compare.py", ws.lead).run()
    at = at.selectbox(key="cmp_after").set_value(ws.fresh.id).run()
    assert not at.exception
    assert not at.error
    assert [w.value for w in at.warning] == [
        escape_markdown(
            "round 'Pilot adaptive' has no answers yet: compare it once annotators have answered its items"
        )
    ]
    assert "rule ids must stay the same" not in texts(at)


def test_agreement_that_moved_on_a_rule_whose_text_did_not_change_is_not_called_improved(
    tmp_path, monkeypatch
):
    """Issue 11: an annotator-pool change alone must produce no "improved". Every rule is made to pass
    the test: only the rewritten one (R-INDEM) is improved, the others rose with their text unchanged."""
    from calibration.ambiguity import compare
    from calibration.rounds.demo_workspace import load_demo_workspace

    workspace = make_workspace(tmp_path, monkeypatch)
    load_demo_workspace(workspace.engine, actor=workspace.lead)
    monkeypatch.setattr(compare, "_first_look_verdict", lambda test: ("improved", (0.01, 0.2)))
    at = workspace.page("compare.py", workspace.lead).run()
    assert not at.exception and not at.error
    assert [box.value.split(":")[0] for box in at.success] == [f"{escape_markdown('R-INDEM')} (changed)"]
    table = frames(at, index="rule_id")[0]
    assert table.loc["R-INDEM", "verdict"] == "improved"
    others = table.drop(index="R-INDEM")
    assert len(others) and (others["verdict"] == "rose, text unchanged").all()
    after_bars = _chart_spec(at)["data"][1]
    # the words above the bars, in two lines ("<br>") so they stay legible
    said = [text.replace("<br>", " ") for text in after_bars["text"]]
    words = dict(zip([row[0] for row in after_bars["customdata"]], said, strict=True))
    assert words.pop("R-INDEM") == "improved" and set(words.values()) == {"rose, text unchanged"}
    caption = next(c.value for c in at.caption if c.value.startswith("Agreement moved on rules"))
    assert "R\\-INDEM" not in caption
    for rule_id in others.index:
        assert escape_markdown(f"{rule_id} rose (") in caption
    assert caption.endswith(
        escape_markdown(
            "Not the rewrite's doing: the annotators, the items or other rules changed, or chance."
        )
    )
    workspace.engine.dispose()


def test_a_rule_without_a_verdict_shows_no_zero_width_interval_as_if_measured(ws):
    """Tester's walk: "not enough items" rules read Change 0, interval 0 to 0 (every item moved alike)."""
    at = ws.page("compare.py", ws.lead).run()
    assert not at.exception
    table = frames(at, index="rule_id")[0]
    short = table[table["verdict"] == "not enough items to tell"]
    assert len(short) > 0
    assert (short[["difference", "interval"]] == "–").all().all()
    assert (short["no_verdict"] != "").all()
    assert short["no_verdict"].str.contains("moved by the same amount|too few items").all()
    assert table.loc["R-INDEM", "no_verdict"] == "" and table.loc["R-INDEM", "interval"] != "–"
    after = _chart_spec(at)["data"][1]
    hover = {row[0]: row for row in after["customdata"]}
    for rule in short.index:
        assert hover[rule][2] == "–" and hover[rule][3] == "–"
    assert hover["R-INDEM"][3] != "–"


def test_a_barely_started_newer_round_is_not_the_default_after(tmp_path, monkeypatch):
    """Tester's walk: "After" opened on the newest 1.1.0 round, an adaptive pilot with a few answers,
    so every rule read "too few items answered in both versions"."""
    from calibration.demo import simulate_responses
    from calibration.rounds import service
    from calibration.rounds.demo_workspace import demo_round_name, load_demo_workspace

    workspace = make_workspace(tmp_path, monkeypatch)
    load_demo_workspace(workspace.engine, actor=workspace.lead)
    guideline = service.get_guideline(workspace.engine, "contract-clauses@1.1.0")
    service.create_pilot_round(workspace.engine, "Pilot adaptive", guideline.ref, actor=workspace.lead)
    responses = simulate_responses(guideline, annotators=2, seed=5)
    few = responses[responses["item_id"].isin(sorted(set(responses["item_id"]))[:2])]
    service.import_responses(
        workspace.engine, "Pilot adaptive", few, actor=workspace.lead, source="simulated"
    )
    before, after = (service.get_round(workspace.engine, demo_round_name(v)) for v in ("1.0.0", "1.1.0"))
    fresh = service.get_round(workspace.engine, "Pilot adaptive")
    assert fresh.id in service.analysable_rounds(workspace.engine)  # answered: the old default took it

    at = workspace.page("compare.py", workspace.lead).run()
    assert not at.exception and not at.error
    assert (at.selectbox(key="cmp_before").value, at.selectbox(key="cmp_after").value) == (
        before.id,
        after.id,
    )
    assert any(option.startswith("Pilot adaptive") for option in at.selectbox(key="cmp_after").options)
    (why,) = [c.value for c in at.caption if "share" in c.value and "annotators in each" in c.value]
    assert "opens on the pair of rounds, one per version, that shares the most" in why
    at.selectbox(key="cmp_after").set_value(fresh.id).run()
    assert not at.exception
    (why,) = [c.value for c in at.caption if "annotators in each" in c.value]
    assert why.startswith("These two rounds share 2 items") or why.startswith("These two rounds share 1 item")
    assert "The pair that shares the most is" in why
    workspace.engine.dispose()


def test_the_page_says_who_was_compared_and_a_newcomers_disagreement_outside_the_verdict(
    tmp_path, monkeypatch
):
    """An annotator who answered only the newer pilot, and disagrees on the rewritten rule: the page says
    the comparison rests on the annotators in both versions, and that the newcomer's disagreement is not
    in the verdict (before, the page said neither: only ``--json`` had the names)."""
    from calibration.rounds import service
    from calibration.rounds.demo_workspace import demo_round_name, load_demo_workspace
    from calibration.rounds.status import round_responses

    workspace = make_workspace(tmp_path, monkeypatch)
    load_demo_workspace(workspace.engine, actor=workspace.lead)
    after = service.get_round(workspace.engine, demo_round_name("1.1.0"))
    pilot = round_responses(workspace.engine, after.id)
    frame = pilot.responses
    first = sorted(frame["annotator_id"].astype(str).unique())[0]
    mine = frame[frame["annotator_id"].astype(str) == first].copy()
    on_rule = set(pilot.item_rules.loc[pilot.item_rules["rule_id"] == "R-INDEM", "item_id"])
    labels = [label.id for label in service.get_guideline(workspace.engine, after.guideline_ref).task.labels]
    majority = frame.groupby("item_id")["answer"].agg(lambda s: s.mode().iloc[0])
    flip = mine["item_id"].isin(on_rule)
    mine.loc[flip, "answer"] = [
        next(x for x in labels if x != majority[item]) for item in mine.loc[flip, "item_id"]
    ]
    mine["annotator_id"] = "zoe-new"
    service.import_responses(
        workspace.engine,
        after.id,
        mine[["item_id", "annotator_id", "answer"]],
        actor=workspace.lead,
        source="t",
    )
    at = workspace.page("compare.py", workspace.lead).run()
    assert not at.exception and not at.error
    captions = [c.value for c in at.caption]
    assert any(
        c.startswith("Compared on the ")
        and c.endswith(escape_markdown("left out: zoe-new (newer version only)."))
        for c in captions
    ), captions
    boxes = [b.value for b in (*at.success, *at.info, *at.warning, *at.error)]
    box = next(b for b in boxes if b.startswith(escape_markdown("R-INDEM")))
    assert (
        escape_markdown("dissenting answers on R-INDEM in the newer version came from annotators who") in box
    )
    assert escape_markdown("(zoe-new): it is not in the verdict") in box
    workspace.engine.dispose()


def test_a_rule_short_of_items_points_at_the_advice_instead_of_a_second_smaller_number(ws):
    """Tester's walk: the table said "5 of the 10 needed" while the advice above said "pilot about 143
    more items per version": the table's reason now points at that advice."""
    at = ws.page("compare.py", ws.lead).run()
    assert not at.exception
    table = frames(at, index="rule_id")[0]
    few = table[table["no_verdict"].str.contains("too few items")]
    assert len(few) > 0
    for reason in few["no_verdict"]:
        assert "needed" not in reason
        assert re.search(r"too few items in both versions \(\d+\): see how many more to pilot above", reason)
    advice = texts(at)
    for rule in few.index:
        assert "more items per version" in advice and rule in advice.replace("\\", "")
