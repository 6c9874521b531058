"""Exports page, boxes round: gold as COCO JSON, Label Studio tasks and config, downloaded and read back (AppTest)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import pytest

from calibration.rounds import service
from calibration.rounds.demo_workspace import DEMO_BOX_ROUND, load_demo_workspace
from tests.app.app_helpers import new_app, page

KEYS = ("exp_coco", "exp_ls_tasks", "exp_ls_config")


@pytest.fixture
def downloads(app_engine, app_lead, monkeypatch) -> dict[str, Any]:
    """The exports page on the demo box pilot; each box download's content by widget key."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    deferred: dict[str, Callable] = {}
    original = MediaFileManager.add_deferred

    def recording(self: Any, data_callable: Callable, *args: Any, **kwargs: Any) -> str:
        file_id = original(self, data_callable, *args, **kwargs)
        deferred[file_id] = data_callable
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", recording)
    load_demo_workspace(app_engine, actor=app_lead)
    round_ = service.get_round(app_engine, DEMO_BOX_ROUND)
    at = new_app(app_lead).run()
    at.switch_page(page("exports.py")).run()
    at.selectbox(key="exp_round").set_value(round_.id).run()
    buttons = {b.key: b for b in at.get("download_button")}
    assert set(KEYS) <= set(buttons)
    return {key: deferred[buttons[key].proto.deferred_file_id]() for key in KEYS}


def test_box_round_downloads_read_back_as_its_gold_and_answers(app_engine, downloads):
    from calibration.interop.coco import read_coco
    from calibration.interop.common import resolve
    from calibration.interop.labelstudio import read_labelstudio

    data = service.round_responses(app_engine, DEMO_BOX_ROUND)
    guideline = data.guideline
    coco = downloads["exp_coco"]
    assert len(json.loads(coco)["images"]) == len(data.gold) == 37
    back = resolve(read_coco(coco.encode(), "gold.json", guideline), guideline)
    assert dict(zip(back.responses["item_id"], back.responses["answer"], strict=True)) == dict(data.gold)

    tasks = resolve(read_labelstudio(downloads["exp_ls_tasks"].encode(), "tasks.json", guideline), guideline)
    assert len(tasks.responses) == len(data.responses) == 4 * 41
    mine = {(r.item_id, r.annotator_id): r.answer for r in data.responses.itertuples()}
    theirs = {(r.item_id, r.annotator_id): r.answer for r in tasks.responses.itertuples()}
    assert theirs == mine  # percent of the image size and back: the same pixels

    config = ET.fromstring(downloads["exp_ls_config"])
    assert config.find("RectangleLabels") is not None and config.find("Image") is not None


def test_a_label_round_has_no_box_downloads(app_engine, app_lead):
    load_demo_workspace(app_engine, actor=app_lead)
    at = new_app(app_lead).run()
    at.switch_page(page("exports.py")).run()
    at.selectbox(key="exp_round").set_value(
        service.get_round(app_engine, "Demo pilot · contract clauses 1.1.0").id
    ).run()
    assert not set(KEYS) & {b.key for b in at.get("download_button")}
