"""Tables and labels that a tester saw cut off in a 1280x800 window, checked through their column config.

AppTest cannot measure the browser's canvas grid, so these assert what decides the widths: a short
checkbox label with the rest in its help, a pinned Rule column with narrow statistics (AC1 in view),
annotator columns wide enough for "Amara (demo)", and a wide email column on the Users page.
"""

from __future__ import annotations

import json

import pytest

from tests.app.app_helpers import new_app, page
from tests.app.lead_pages_support import make_workspace


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    from calibration.rounds import service
    from calibration.rounds.demo_workspace import demo_round_name, load_demo_workspace

    with pytest.MonkeyPatch.context() as monkeypatch:
        workspace = make_workspace(tmp_path_factory.mktemp("layout"), monkeypatch)
        load_demo_workspace(workspace.engine, actor=workspace.lead)
        workspace.round = service.get_round(workspace.engine, demo_round_name("1.0.0"))
        yield workspace
        workspace.engine.dispose()


def _config(element) -> dict:
    return json.loads(element.proto.columns)


def test_the_adaptive_checkbox_has_a_short_label_and_says_the_rest_in_its_help(ws):
    at = ws.page("rounds.py", ws.lead).run()
    at.segmented_control(key="rounds_kind").set_value("pilot").run()
    box = at.checkbox(key="rounds_adaptive")
    assert box.label == "Adaptive pilot"
    assert "rules still undecided against the target" in box.help


def test_the_dashboard_rule_table_pins_the_rule_and_keeps_statistics_narrow(ws):
    at = ws.page("dashboard.py", ws.lead).run()
    at.selectbox(key="dash_round").set_value(ws.round.id).run()
    assert not at.exception
    (rules,) = [d for d in at.dataframe if "gwet_ac1" in d.value.columns]
    config = _config(rules)
    assert config["_index"]["pinned"] is True
    assert config["_index"]["label"] == "Rule"
    for column in ("n_items", "krippendorff_alpha", "alpha_interval", "gwet_ac1"):
        assert config[column]["width"] <= 110, column
        assert len(config[column]["label"]) <= 14, config[column]["label"]
    assert "Gwet's AC1" in config["gwet_ac1"]["help"]
    # kappa, Fleiss, the AC1 interval and the flags in a second table (the first fits 1280 px)
    (more,) = [d for d in at.dataframe if "cohen_kappa_mean" in d.value.columns]
    assert "flags" in more.value.columns and _config(more)["_index"]["pinned"] is True


def test_the_dashboard_items_table_gives_annotator_columns_room(ws):
    at = ws.page("dashboard.py", ws.lead).run()
    at.selectbox(key="dash_round").set_value(ws.round.id).run()
    tables = [
        d for d in at.dataframe if "gold" in d.value.columns and any("(demo)" in c for c in d.value.columns)
    ]
    assert tables
    config = _config(tables[0])
    names = [c for c in tables[0].value.columns if "(demo)" in c]
    assert names
    for name in names:
        assert isinstance(config[name]["width"], int) and config[name]["width"] >= 8 * len(name), name


def test_the_users_table_shows_an_email_whole(ws):
    from calibration.app.widgets.grid import PADDING_PX, WRAP_ROW_HEIGHT, text_px, word_width, wrapped_lines

    at = new_app(ws.lead).run()
    at.switch_page(page("users.py")).run()
    assert not at.exception
    (people,) = [d for d in at.dataframe if "email" in d.value.columns]
    config = _config(people)
    widths = {c: config[c]["width"] for c in people.value.columns}
    # "Guideline author" and "deactivated" whole (75 px cut them), and every column in view: the
    # password and date columns were out of the main column's 818 px, to the right
    assert sum(widths.values()) <= 812
    assert widths["email"] >= 240 and widths["email"] >= word_width(people.value["email"], 0)
    for column, longest in (("role", "Guideline author"), ("status", "deactivated"), ("since", "2026-12-08")):
        assert widths[column] >= text_px(longest) + 2 * PADDING_PX, column
    # a password note wraps rather than being cut: "none (single" over "sign-on)"
    notes = list(people.value["password"])
    assert (
        "none (invitation only)" in notes and wrapped_lines("none (invitation only)", widths["password"]) == 2
    )
    assert people.proto.row_height >= WRAP_ROW_HEIGHT


def test_the_quiz_result_wraps_a_long_rule_title_in_taller_rows():
    from calibration.app.widgets.feedback import RESULT_COLUMN_WIDTHS
    from calibration.app.widgets.grid import WRAP_ROW_HEIGHT, wrapped_row_height

    width = RESULT_COLUMN_WIDTHS["title"]
    assert wrapped_row_height(["Confidentiality", "Force majeure"], width) is None  # one line each
    assert wrapped_row_height(["Indemnification and limitation of liability"], width) == WRAP_ROW_HEIGHT


def test_the_annotators_page_pins_the_name_and_wraps_what_is_long(ws):
    """The widths the browser check (tests/e2e/test_layout_1280_browser.py) measures the cells against."""
    from calibration.app.widgets.grid import word_width

    at = new_app(ws.lead).run()
    at.switch_page(page("annotators.py")).run()
    assert not at.exception
    (scores,) = [d for d in at.dataframe if "failed_rules" in d.value.columns]
    config = _config(scores)
    assert config["_index"]["pinned"] is True and config["_index"]["width"] == 180
    assert config["failed_rules"]["width"] == 140 and config["decision"]["width"] == 100
    assert "rule_decisions" not in scores.value.columns  # a long list: the drill-down has it per rule
    # agreement with the others and the outlier check in a table of their own
    assert "agreement_alpha" not in scores.value.columns
    (agreement,) = [d for d in at.dataframe if "agreement_alpha" in d.value.columns]
    assert list(agreement.value.columns) == ["agreement_alpha", "agreement_kappa", "robust_z", "outlier"]
    assert _config(agreement)["_index"]["label"] == "annotator"
    (per_rule,) = [
        d for d in at.dataframe if list(d.value.columns) == ["rule", "title", "decision", "interval"]
    ]
    widths = [_config(per_rule)[c]["width"] for c in ("rule", "title", "decision", "interval")]
    assert widths == [120, 300, 110, 110]
    (answers,) = [d for d in at.dataframe if "text" in d.value.columns]
    widths = {c: _config(answers)[c]["width"] for c in ("rules", "answer", "gold", "text")}
    # a label such as LIMITATION_OF_LIABILITY on one line (140 px broke it mid-word), the item text
    # giving up what they gain: the columns still fit the main column (about 820 px)
    labels = [str(v) for c in ("answer", "gold") for v in answers.value[c]]
    assert "LIMITATION_OF_LIABILITY" in labels
    assert widths["answer"] >= word_width(labels, 140) > 140 and widths["gold"] >= word_width(labels, 140)
    assert widths["rules"] == 80 and 160 <= widths["text"] < 260
    assert sum(widths.values()) == 80 + 140 + 140 + 260
    assert _config(answers)["_index"]["label"] == "item"
    assert answers.proto.row_height >= 66  # the demo's item texts wrap


def test_the_rounds_progress_table_gives_each_column_its_width(ws):
    """The tester saw "passed" cut to "not pas": every column has a width for its longest value."""
    at = new_app(ws.lead, query={"round": str(ws.round.id)}).run()
    at.switch_page(page("rounds.py")).run()
    assert not at.exception
    (progress,) = [d for d in at.dataframe if "last activity" in d.value.columns]
    config = _config(progress)
    widths = {c: config[c]["width"] for c in progress.value.columns}
    assert widths["passed"] == 90 and widths["annotator"] == 180
    assert sum(widths.values()) <= 800  # the main column of a 1280 px window is about 820 px
    (per_rule,) = [d for d in at.dataframe if d.value.index.name == "annotator_id"]
    assert _config(per_rule)["_index"]["label"] == "annotator"
