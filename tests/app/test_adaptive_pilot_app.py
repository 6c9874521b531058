"""AppTest of the adaptive pilot: the Rounds page creates one, and the dashboard shows the lead each
rule's decision (or about N more items) with the adaptive and control-slice estimates side by side."""

from __future__ import annotations

from typing import Any

from calibration.guidelines.model import Guideline
from calibration.rounds import service
from tests.app.app_helpers import new_app, page, unescape

LABELS = ("POS", "NEG", "NEU")
PEOPLE = ("Ann", "Bob", "Cy")


def _publish(engine: Any, lead: Any) -> None:
    rules = [
        {"id": rule, "title": f"rule {rule}", "text": f"Apply {rule}.", "labels": list(LABELS)}
        for rule in ("EASY", "HARD")
    ]
    items = [
        {"id": f"{rule.lower()}{k:02d}", "input": f"reply {rule} {k}", "rules": [rule]}
        for rule in ("EASY", "HARD")
        for k in range(20)
    ]
    data = {
        "format": 1,
        "id": "pil",
        "version": "1.0.0",
        "title": "Adaptive pilot",
        "task": {"type": "single_label", "labels": [{"id": x, "name": x.title()} for x in LABELS]},
        "calibration": {"pilot_target": 0.6},
        "rules": rules,
        "items": items,
    }
    service.publish_guideline(engine, Guideline.model_validate(data), lead)


def _answer(item: str, who: int) -> str:
    if item.startswith("easy"):
        return LABELS[int(item[-2:]) % 3]
    return LABELS[(who + int(item[-2:])) % 3]


def _answer_round(engine: Any, users: list[Any], name: str) -> None:
    active = set(range(len(users)))
    while active:
        for k, user in enumerate(users):
            if k not in active:
                continue
            attempt = service.start_or_resume_attempt(engine, name, user)
            if attempt.next_item is None:
                active.discard(k)
                continue
            service.record_answer(
                engine, attempt.id, attempt.next_item, _answer(attempt.next_item, k), actor=user
            )


def _panel(at: Any) -> Any:
    """The adaptive pilot's table as the reader sees it (cells unescaped), or None."""
    tables = [d.value for d in at.table if "control-slice estimate" in d.value.columns]
    if not tables:
        return None
    table = tables[0].map(unescape)
    table.index = [unescape(rule) for rule in table.index]
    return table


def _notes(at: Any) -> list[str]:
    """The full sentences under the table (one line per undecided rule), as the reader sees them."""
    notes = [c.value for c in at.caption if c.value.startswith("**")]
    return [line for note in notes for line in unescape(note).split("\n")]


def test_lead_creates_an_adaptive_pilot_on_the_rounds_page(app_engine: Any, app_lead: Any) -> None:
    _publish(app_engine, app_lead)
    at = new_app(app_lead).run()
    at.switch_page(page("rounds.py")).run()
    at.segmented_control(key="rounds_kind").set_value("pilot").run()
    assert not [n for n in at.number_input if n.key == "rounds_control"]  # only once adaptive is ticked
    at.text_input(key="rounds_name").input("Adaptive A")
    at.selectbox(key="rounds_ref").set_value("pil@1.0.0")
    at.number_input(key="rounds_links_count").set_value(0)
    at.checkbox(key="rounds_adaptive").check().run()
    at.number_input(key="rounds_control").set_value(25)
    at.button(key="rounds_create").click().run()
    assert not at.exception, at.exception
    (round_,) = service.list_rounds(app_engine)
    assert round_.settings["policy"] == "adaptive"
    assert (round_.settings["control_fraction"], round_.settings["overlap"]) == (0.25, 2)
    assert at.checkbox(key="rounds_adaptive").value is False  # the form is reset for the next round


def test_the_dashboard_shows_each_rule_decided_or_about_n_more_items_with_both_estimates(
    app_engine: Any, app_lead: Any
) -> None:
    _publish(app_engine, app_lead)
    users = [service.create_user(app_engine, n, role="annotator", actor=app_lead) for n in PEOPLE]
    round_ = service.create_pilot_round(
        app_engine, "Adaptive B", "pil@1.0.0", actor=app_lead, annotators=list(PEOPLE), adaptive=True, seed=2
    )
    at = new_app(app_lead).run()
    at.switch_page(page("dashboard.py")).run()
    at.selectbox(key="dash_round").set_value(round_.id).run()
    assert not at.exception, at.exception
    table = _panel(at)  # shown before any answer: what is missing to the first look (10 items)
    assert table is not None
    assert table.loc["EASY", "decision"] == "about 10 more items"  # a few words in the cell
    assert "**EASY**: about 10 more items with 2 answers each to decide." in _notes(at)  # in full below

    _answer_round(app_engine, users, "Adaptive B")
    at = new_app(app_lead).run()
    at.switch_page(page("dashboard.py")).run()
    at.selectbox(key="dash_round").set_value(round_.id).run()
    assert not at.exception, at.exception
    table = _panel(at)
    view = service.adaptive_pilot_status(app_engine, round_.id)
    assert view is not None
    assert table["decision"].to_dict() == {"EASY": "decided above target", "HARD": "decided below target"}
    easy = view.rules["EASY"]
    assert table.loc["EASY", "adaptive estimate"].startswith(f"{easy.estimate:.2f} (")
    assert table.loc["EASY", "control-slice estimate"].endswith(f", {easy.control_items} items")
    assert easy.control_items >= 1


def test_a_fixed_pilot_shows_no_adaptive_panel(app_engine: Any, app_lead: Any) -> None:
    _publish(app_engine, app_lead)
    for n in PEOPLE:
        service.create_user(app_engine, n, role="annotator", actor=app_lead)
    round_ = service.create_pilot_round(
        app_engine, "Fixed", "pil@1.0.0", actor=app_lead, annotators=list(PEOPLE)
    )
    at = new_app(app_lead).run()
    at.switch_page(page("dashboard.py")).run()
    at.selectbox(key="dash_round").set_value(round_.id).run()
    assert not at.exception
    assert _panel(at) is None


def test_an_annotator_answers_an_adaptive_pilot_one_item_at_a_time(app_engine: Any, app_lead: Any) -> None:
    _publish(app_engine, app_lead)
    ann = service.create_user(app_engine, "Ann", role="annotator", actor=app_lead)
    round_ = service.create_pilot_round(
        app_engine, "Adaptive C", "pil@1.0.0", actor=app_lead, annotators=["Ann"], adaptive=True
    )
    at = new_app(ann, query={"round": str(round_.id)}).run()
    at.switch_page(page("quiz.py")).run()
    assert not at.exception, at.exception
    captions = [c.value for c in at.caption]
    total = len(round_.settings["items"])  # Ann is alone: every other item is still open to her
    tail = "items come one at a time, as the pilot needs them, so it may end sooner"
    assert f"Item 1 · at most {total - 1} more after this one; {tail}" in captions
    attempt = service.start_or_resume_attempt(app_engine, round_.id, ann)
    first = attempt.next_item
    at.radio(key=f"quiz_{attempt.id}_0_answer").set_value("POS")
    at.button(key=f"quiz_{attempt.id}_0_submit").click().run()
    assert not at.exception, at.exception
    after = service.get_attempt(app_engine, attempt.id, actor=ann)
    assert after.answers[first].answer == "POS"
    assert len(after.items) == 2 and after.next_item not in (None, first)  # the next one, chosen now
    assert f"Item 2 · at most {total - 2} more after this one; {tail}" in [c.value for c in at.caption]


def test_the_per_rule_table_shows_a_dash_not_none_and_a_rule_header(app_engine: Any, app_lead: Any) -> None:
    """A statistic a rule lacks read "None" in the browser, and the index header "rule_id" (tester's walk)."""
    import json

    _publish(app_engine, app_lead)
    users = [service.create_user(app_engine, n, role="annotator", actor=app_lead) for n in PEOPLE]
    round_ = service.create_pilot_round(
        app_engine, "Adaptive D", "pil@1.0.0", actor=app_lead, annotators=list(PEOPLE), adaptive=True, seed=2
    )
    _answer_round(app_engine, users, "Adaptive D")
    at = new_app(app_lead).run()
    at.switch_page(page("dashboard.py")).run()
    at.selectbox(key="dash_round").set_value(round_.id).run()
    assert not at.exception, at.exception
    (rules,) = [d for d in at.dataframe if "krippendorff_alpha" in d.value.columns]
    (more,) = [d for d in at.dataframe if "cohen_kappa_mean" in d.value.columns]
    assert "gold_kappa" not in more.value.columns  # no gold in this pilot: no column of "–"
    # text cells: the grid draws a missing number as "None" whatever a Styler's na_rep says
    for table in (rules, more):
        cells = table.value.astype(str).to_numpy()
        assert "None" not in cells and "nan" not in cells
    assert json.loads(rules.proto.columns)["_index"]["label"] == "Rule"
    captions = " ".join(c.value for c in at.caption)
    assert "consistent rather than exactly unbiased" in captions  # as docs/adaptive.md says
    assert "estimate is unbiased" not in captions
    # The next item goes to the largest se0 (docs/adaptive.md), not the widest bootstrap interval shown.
    assert "largest standard error at the target" in captions
    assert "rules with the widest intervals" not in captions


def test_the_adaptive_pilot_table_wraps_and_escapes_its_cells(app_engine: Any, app_lead: Any) -> None:
    """At 1280x800 the canvas grid cut the decision and the control-slice column (testers' walks): an
    HTML table wraps instead (checked in a browser by tests/e2e/test_adaptive_pilot_browser.py). Its
    cells render markdown, so each is escaped."""
    _publish(app_engine, app_lead)
    [service.create_user(app_engine, n, role="annotator", actor=app_lead) for n in PEOPLE]
    round_ = service.create_pilot_round(
        app_engine, "Adaptive W", "pil@1.0.0", actor=app_lead, annotators=list(PEOPLE), adaptive=True, seed=2
    )
    at = new_app(app_lead).run()
    at.switch_page(page("dashboard.py")).run()
    at.selectbox(key="dash_round").set_value(round_.id).run()
    assert not [d for d in at.dataframe if "control-slice estimate" in d.value.columns]
    (raw,) = [t.value for t in at.table if "control-slice estimate" in t.value.columns]
    assert raw.loc["EASY", "adaptive estimate"] == "– \\(0 items\\)"  # escaped markdown
    assert all(len(label) <= 32 for label in _panel(at)["decision"])


def test_one_item_is_counted_in_the_singular():
    from calibration.app.widgets.adaptive_pilot import _estimate

    assert _estimate(None, None, 1) == "– (1 item)"
    assert _estimate(0.5, (0.25, 0.75), 1) == "0.50 (0.25 to 0.75), 1 item"
    assert _estimate(0.5, None, 2) == "0.50, 2 items"


def test_home_gives_an_adaptive_pilot_no_fixed_number_of_items(app_engine: Any, app_lead: Any) -> None:
    """Items come one at a time: Home says how many were answered and the most there can be, never
    "0 of 1 answered" (the one item drawn so far)."""
    _publish(app_engine, app_lead)
    ann = service.create_user(app_engine, "Ann", role="annotator", actor=app_lead)
    round_ = service.create_pilot_round(
        app_engine, "Adaptive H", "pil@1.0.0", actor=app_lead, annotators=["Ann"], adaptive=True
    )
    total = len(round_.settings["items"])
    home = new_app(ann).run()
    assert not home.exception, home.exception
    (bar,) = home.get("progress")
    assert bar.proto.text == f"0 answered, of at most {total} items · not started"
    attempt = service.start_or_resume_attempt(app_engine, round_.id, ann)
    service.record_answer(app_engine, attempt.id, attempt.next_item, "POS", actor=ann)
    home = new_app(ann).run()
    (bar,) = home.get("progress")
    assert bar.proto.text == f"1 answered, of at most {total} items · in progress"


def test_the_rounds_page_gives_an_adaptive_pilot_no_fixed_total(app_engine: Any, app_lead: Any) -> None:
    """As on Home: the progress table's total is the pilot's items, the most there can be ("≤ 40"),
    not the one item drawn so far; a pilot of fixed length keeps its plain count."""
    import json

    _publish(app_engine, app_lead)
    ann = service.create_user(app_engine, "Ann", role="annotator", actor=app_lead)
    round_ = service.create_pilot_round(
        app_engine, "Adaptive R", "pil@1.0.0", actor=app_lead, annotators=["Ann"], adaptive=True
    )
    total = len(round_.settings["items"])
    attempt = service.start_or_resume_attempt(app_engine, round_.id, ann)
    service.record_answer(app_engine, attempt.id, attempt.next_item, "POS", actor=ann)
    at = new_app(app_lead, query={"round": str(round_.id)}).run()
    at.switch_page(page("rounds.py")).run()
    assert not at.exception, at.exception
    (table,) = [d for d in at.dataframe if "last activity" in d.value.columns]
    assert (table.value["total"][0], table.value["progress"][0]) == (total, 1 / total)
    assert json.loads(table.proto.columns)["total"]["type_config"]["format"] == "≤ %d"
    fixed = service.create_pilot_round(app_engine, "Fixed R", "pil@1.0.0", actor=app_lead, annotators=["Ann"])
    at = new_app(app_lead, query={"round": str(fixed.id)}).run()
    at.switch_page(page("rounds.py")).run()
    (table,) = [d for d in at.dataframe if "last activity" in d.value.columns]
    assert table.value["total"][0] == len(service.round_items(app_engine, fixed.id))
    assert json.loads(table.proto.columns)["total"]["type_config"].get("format") is None
