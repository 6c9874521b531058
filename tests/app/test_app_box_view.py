"""The lead's box view of a boxes round: on the dashboard, alpha against the IoU threshold and the worst
images drawn with every annotator's boxes (one colour each); in the revision queue, a rule's worst
images drawn the same way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from calibration.agreement.boxes import box_item_disagreement
from calibration.rounds import service
from tests.app.app_helpers import new_app, page
from tests.e2e.box_fixture import ITEMS, make_pilot, publish_guideline


def _dashboard(engine: Any, lead: Any, folder: Path) -> Any:
    ref = publish_guideline(engine, folder / "guideline", lead)
    make_pilot(engine, ref, lead)
    at = new_app(lead).run()
    at.switch_page(page("dashboard.py")).run()
    assert not at.exception, at.exception
    return at


def test_the_dashboard_of_a_boxes_round_shows_the_alpha_curve_and_the_worst_images(
    app_engine, app_lead, tmp_path
):
    at = _dashboard(app_engine, app_lead, tmp_path)
    headings = [h.value for h in at.subheader]
    assert "Boxes: agreement by IoU threshold" in headings
    assert "Boxes: the images annotators disagree on most" in headings
    assert "Box alpha per annotator pair" in headings  # boxes have no Cohen's kappa
    assert "Cohen's kappa per annotator pair" not in headings
    (chart,) = [c for c in at.get("plotly_chart") if "box_alpha_curve" in c.proto.id]
    assert '"IoU threshold' in chart.proto.spec or "IoU threshold" in chart.proto.spec
    images = at.get("image")
    captions = [i.proto.imgs[0].caption for i in images]
    assert len(images) == len(ITEMS)  # both images of the pilot, each drawn with every annotator's boxes
    # the most disagreed-on image first (observed box disagreement per image)
    data = service.round_responses(app_engine, "Boxes pilot")
    ranked = box_item_disagreement(data.responses, data.guideline.task)["disagreement"]
    assert ranked.nunique() == len(ITEMS)  # the pilot's two images differ, so the order is meaningful
    assert [c.split(" · ")[0] for c in captions] == list(ranked.sort_values(ascending=False).index)


def test_the_revision_queue_of_a_boxes_round_draws_the_worst_images(app_engine, app_lead, tmp_path):
    ref = publish_guideline(app_engine, tmp_path / "guideline", app_lead)
    make_pilot(app_engine, ref, app_lead)
    at = new_app(app_lead).run()
    at.switch_page(page("revision_queue.py")).run()
    assert not at.exception, at.exception
    tables = [d.value for d in at.dataframe if {"disagreement", "certainty"} <= set(d.value.columns)]
    worst = tables[0]  # the rule's worst items (the hardest items of the round follow in an expander)
    # the worst images are captioned "item · alt"; the item to turn into an edge case follows (alt only)
    shown = [i.proto.imgs[0].caption for i in at.get("image")]
    captions = [c.split(" · ")[0] for c in shown if " · " in c]
    assert captions == list(worst.index)[:4] and set(captions) <= set(ITEMS)


def test_the_rule_table_of_a_boxes_round_leaves_out_statistics_boxes_do_not_have(
    app_engine, app_lead, tmp_path
):
    at = _dashboard(app_engine, app_lead, tmp_path)
    # the per-rule tables: the main statistics, then the others with the flags
    (main,) = [d.value for d in at.dataframe if "n_items" in d.value.columns]
    (more,) = [
        d.value for d in at.dataframe if "flags" in d.value.columns and d.value.index.equals(main.index)
    ]
    shown = {*main.columns, *more.columns}
    assert "krippendorff_alpha" in shown and "title" in shown
    # kappa and AC1 are not defined for boxes: no column of None
    assert not {"cohen_kappa_mean", "gwet_ac1", "fleiss_kappa", "ac1_interval"} & shown


def _demo_box_dashboard(engine: Any, lead: Any) -> tuple[Any, Any]:
    """The dashboard on the demo's box pilot (the bundled street-objects guideline, with gold)."""
    from calibration.rounds.demo_workspace import load_demo_workspace

    load_demo_workspace(engine, actor=lead)
    (box_round,) = [r for r in service.list_rounds(engine) if r.guideline_ref.startswith("street-objects@")]
    at = new_app(lead).run()
    at.switch_page(page("dashboard.py")).run()
    at.selectbox(key="dash_round").set_value(box_round.id).run()
    assert not at.exception, at.exception
    return at, box_round


def test_the_dashboard_of_a_boxes_round_with_gold_shows_box_f1_only_real_statistics_and_readable_items(
    app_engine, app_lead
):
    import json
    import re

    at, _round = _demo_box_dashboard(app_engine, app_lead)
    # per-rule gold: the mean box F1 against gold, as a quiz scores it
    (rules,) = [d for d in at.dataframe if "n_items" in d.value.columns]
    assert "gold_accuracy" in rules.value.columns
    f1 = rules.value["gold_accuracy"].astype(float)  # text cells, "–" where missing: none here
    assert ((f1 > 0) & (f1 <= 1)).all()
    # the per-rule chart's legend names only the statistics with bars (boxes have no kappa nor AC1)
    (chart,) = [c for c in at.get("plotly_chart") if "dash_rule_chart" in c.proto.id]
    names = [trace.get("name") for trace in json.loads(chart.proto.spec)["data"]]
    assert names == ["Krippendorff's alpha"]
    # the rule's items: box disagreement instead of a majority share, answers in whole pixels
    (items,) = [d for d in at.dataframe if "box disagreement" in d.value.columns]
    assert "majority share" not in items.value.columns and "distinct answers" not in items.value.columns
    assert "box disagreement" in items.proto.column_order
    spread = pd.to_numeric(items.value["box disagreement"], errors="coerce").dropna()  # "–": unanswered
    assert len(spread) and spread.is_monotonic_decreasing  # the most disagreed-on image first
    box_text = re.compile(r"^\S+ \d+×\d+ at \(\d+, \d+\)$")
    answers = items.value.drop(
        columns=["text", "gold", "box disagreement", "mean IoU", "comments"], errors="ignore"
    )
    cells = [part for cell in answers.to_numpy().ravel() if cell for part in str(cell).split("; ")]
    assert cells and all(box_text.match(part) or part == "(no boxes)" for part in cells), cells[:5]


def test_a_click_on_a_box_label_confusion_cell_lists_the_images_behind_it(app_engine, app_lead):
    """The confusion of a boxes round counts the labels of matched boxes: its cell lists the images where
    two annotators' matched boxes carry those labels (whole answers never equal a label)."""
    at, _round = _demo_box_dashboard(app_engine, app_lead)
    at.session_state["dash_confusion"] = {"selection": {"points": [{"x": "person", "y": "person"}]}}
    at.run()
    assert not at.exception, at.exception
    assert "Items behind the cell person → person:" in [c.value for c in at.caption]
    tables = [d.value for d in at.dataframe if "box disagreement" in d.value.columns]
    rule_items, behind = tables[0], tables[-1]
    assert len(tables) == 2 and len(behind) > 0
    assert set(behind.index) <= set(rule_items.index)


def test_a_click_on_a_box_annotator_pair_lists_the_images_they_boxed_differently(app_engine, app_lead):
    """Two people's boxes a pixel apart agree: the pair's images are those where a box has no match at
    min_iou with the same label, not every image whose answers differ as text."""
    at, box_round = _demo_box_dashboard(app_engine, app_lead)
    first, second = "Amara (demo)", "Bastian (demo)"
    at.session_state["dash_pairs"] = {"selection": {"points": [{"x": second, "y": first}]}}
    at.run()
    assert not at.exception, at.exception
    (caption,) = [c.value for c in at.caption if "disagree:" in c.value]
    shown = int(caption.split(" ")[0])
    images = service.round_responses(app_engine, box_round.id).responses["item_id"].nunique()
    assert 0 < shown < images
