"""The lead's box view of a boxes round: on the dashboard, alpha against the IoU threshold and the worst
images drawn with every annotator's boxes (one colour each); in the revision queue, a rule's worst
images drawn the same way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
    tables = [list(d.proto.column_order) for d in at.dataframe]
    (order,) = [o for o in tables if o[:1] == ["title"]]  # the per-rule table
    assert "krippendorff_alpha" in order and "title" in order
    # kappa and AC1 are not defined for boxes: no column of None
    assert not {"cohen_kappa_mean", "gwet_ac1", "fleiss_kappa"} & set(order)
