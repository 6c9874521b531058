"""Rounds page: importing box answers from COCO and CVAT files, with the annotator named on the page (AppTest)."""

from __future__ import annotations

import json

from calibration.boxes import Box
from calibration.rounds import service
from tests.app.app_helpers import errors, new_app, page, texts

REF = "street-objects@1.0.0"


def _coco() -> bytes:
    return json.dumps(
        {
            "images": [
                {"id": 1, "file_name": "so-001.png", "width": 320, "height": 240},
                {"id": 2, "file_name": "so-036.png", "width": 320, "height": 240},
            ],
            "categories": [{"id": 1, "name": "Person"}, {"id": 2, "name": "Car"}],
            "annotations": [
                {"id": 1, "image_id": 1, "category_id": 2, "bbox": [17, 185, 95, 43], "iscrowd": 0},
                {"id": 2, "image_id": 1, "category_id": 1, "bbox": [130, 92, 26, 69], "iscrowd": 0},
            ],
        }
    ).encode()


def _page(app_engine, app_lead, fmt: str, name: str, data: bytes, annotator: str = ""):
    service.get_guideline(app_engine, REF)  # shipped: published when the store is prepared
    at = new_app(app_lead)
    at.switch_page(page("rounds.py")).run()
    at.selectbox(key="imp_format").set_value(fmt).run()
    at.file_uploader(key="imp_file").set_value((name, data, "application/octet-stream"))
    at.selectbox(key="imp_ref").set_value(REF)
    at.text_input(key="imp_round_name").input("Box pilot")
    if annotator:
        at.text_input(key="imp_annotator").input(annotator)
    at.run()
    at.button(key="imp_check").click().run()
    assert not at.exception
    return at


def test_lead_imports_a_coco_file_as_the_named_annotators_boxes(app_engine, app_lead):
    at = _page(app_engine, app_lead, "coco", "export.json", _coco(), annotator="Bea")
    assert (
        "would import 2 answers by 1 annotator on 2 items from export.json (coco) into pilot round "
        "'Box pilot' on street-objects@1.0.0 (dry run: nothing written)"
    ) in texts(at)
    at.button(key="imp_import").click().run()
    assert not at.exception
    stored = service.round_responses(app_engine, "Box pilot").responses
    answers = dict(zip(stored["item_id"], stored["answer"], strict=True))
    assert set(stored["annotator_id"]) == {"Bea"}
    assert answers == {"so-001": (Box("car", 17, 185, 95, 43), Box("person", 130, 92, 26, 69)), "so-036": ()}


def test_a_cvat_file_of_an_unknown_image_is_refused_on_the_page(app_engine, app_lead):
    xml = b'<annotations><version>1.1</version><image id="0" name="IMG_0042.jpg" width="4032" height="3024"></image></annotations>'
    at = _page(app_engine, app_lead, "cvat", "job_3.xml", xml)
    assert any("image 'IMG_0042.jpg' is not an image of street-objects@1.0.0" in e for e in errors(at))
    assert not [b for b in at.button if b.key == "imp_import"]
