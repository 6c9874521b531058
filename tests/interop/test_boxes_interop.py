"""Box answers from and to labeling tools: Label Studio rectanglelabels, COCO JSON and CVAT for images 1.1 XML.

Fixtures follow each tool's own export shape (Label Studio's full JSON export, CVAT's "COCO 1.0" and
"CVAT for images 1.1" job exports), with the bundled street-objects guideline as the guideline.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from calibration.boxes import Box
from calibration.demo import GUIDELINES_DIR
from calibration.errors import DataError
from calibration.guidelines.loading import load_guideline
from calibration.interop.coco import coco_gold, coco_json, read_coco
from calibration.interop.common import UnknownLabelsError, resolve
from calibration.interop.cvat import read_cvat
from calibration.interop.exports import (
    guideline_from_labelstudio_config,
    labelstudio_config,
    labelstudio_result,
    labelstudio_tasks,
)
from calibration.interop.images import file_name, image_sizes, item_for_image
from calibration.interop.labelstudio import read_labelstudio
from calibration.rounds.importing import import_file

FOLDER = GUIDELINES_DIR / "street-objects"


@pytest.fixture(scope="module")
def guideline():
    return load_guideline(FOLDER / "1.0.0.yaml")


@pytest.fixture(scope="module")
def sizes(guideline):
    return image_sizes(guideline, FOLDER)


def dumps(value) -> bytes:
    return json.dumps(value, indent=2).encode()


# --------------------------------------------------------------------------- Label Studio


def _rectangle(rid, x, y, w, h, label, *, rotation=0, size=(320, 240)):
    return {
        "original_width": size[0],
        "original_height": size[1],
        "image_rotation": 0,
        "value": {"x": x, "y": y, "width": w, "height": h, "rotation": rotation, "rectanglelabels": [label]},
        "id": rid,
        "from_name": "label",
        "to_name": "image",
        "type": "rectanglelabels",
        "origin": "manual",
    }


def _ls_task(tid, image, annotations):
    return {
        "id": tid,
        "annotations": annotations,
        "file_upload": image.rsplit("/", 1)[-1],
        "drafts": [],
        "predictions": [],
        "data": {"image": image},
        "meta": {},
        "created_at": "2024-05-02T10:00:00.000000Z",
        "updated_at": "2024-05-02T10:20:00.000000Z",
        "inner_id": tid,
        "total_annotations": len(annotations),
        "cancelled_annotations": 0,
        "total_predictions": 0,
        "comment_count": 0,
        "unresolved_comment_count": 0,
        "last_comment_updated_at": None,
        "project": 7,
        "updated_by": 2,
        "comment_authors": [],
    }


def _ls_annotation(aid, email, result, **extra):
    return {
        "id": aid,
        "completed_by": {"id": aid % 10, "email": email, "first_name": "", "last_name": ""},
        "result": result,
        "was_cancelled": False,
        "ground_truth": False,
        "created_at": "2024-05-02T10:11:12.000000Z",
        "updated_at": "2024-05-02T10:11:12.000000Z",
        "lead_time": 41.2,
        "prediction": {},
        "result_count": len(result),
        "task": 1,
        "project": 7,
        **extra,
    }


def test_labelstudio_rectangles_become_pixel_boxes_on_the_item_of_the_uploaded_image(guideline):
    export = [
        _ls_task(
            1,
            "/data/upload/7/8f2c1a9b-so-001.png",
            [
                _ls_annotation(
                    11,
                    "bea@example.com",
                    [
                        _rectangle("a1", 5.3125, 77.08333333333333, 29.6875, 17.916666666666668, "Car"),
                        _rectangle("a2", 40.625, 38.333333333333336, 8.125, 28.75, "Person"),
                    ],
                ),
                _ls_annotation(12, "cem@example.com", []),
            ],
        )
    ]
    raw = read_labelstudio(dumps(export), "project-7.json", guideline)
    result = resolve(raw, guideline)
    answers = dict(zip(result.responses["annotator_id"], result.responses["answer"], strict=True))
    assert list(result.inputs) == ["so-001"]
    assert answers["bea@example.com"] == (Box("car", 17, 185, 95, 43), Box("person", 130, 92, 26, 69))
    assert answers["cem@example.com"] == ()  # an image with nothing boxed is an answer, not a skip
    assert result.renamed == {"Car -> car": 1, "Person -> person": 1}
    assert result.rule_sources == {"so-001": "bank"}


def test_labelstudio_refuses_a_rotated_rectangle_naming_task_and_result(guideline):
    export = [
        _ls_task(
            4,
            "/data/upload/7/so-002.png",
            [_ls_annotation(11, "bea@x", [_rectangle("r9", 10, 10, 5, 5, "car", rotation=15)])],
        )
    ]
    with pytest.raises(DataError) as caught:
        read_labelstudio(dumps(export), "p.json", guideline)
    assert str(caught.value) == (
        "p.json: task 4 annotation 11 result r9: the rectangle is rotated by 15 degrees; only axis-aligned "
        "boxes are answers (hint: redraw it without rotation in Label Studio, or leave the task out of the export)"
    )


def test_labelstudio_refuses_rectangles_without_the_image_size(guideline):
    rectangle = _rectangle("r1", 10, 10, 5, 5, "car")
    del rectangle["original_width"]
    export = [_ls_task(1, "/data/upload/7/so-002.png", [_ls_annotation(11, "bea@x", [rectangle])])]
    with pytest.raises(DataError, match="no original_width and original_height"):
        read_labelstudio(dumps(export), "p.json", guideline)


def test_labelstudio_task_of_an_unknown_image_is_refused_with_a_hint(guideline):
    export = [_ls_task(3, "/data/upload/7/so-0001.png", [_ls_annotation(11, "bea@x", [])])]
    with pytest.raises(DataError) as caught:
        read_labelstudio(dumps(export), "p.json", guideline)
    message = str(caught.value)
    assert message.startswith("p.json: task 3: image 'so-0001.png' is not an image of street-objects@1.0.0")
    assert "did you mean 'so-001.png'?" in message


def test_labelstudio_round_trip_of_answers_and_gold(guideline, sizes):
    import pandas as pd

    from calibration.responses import responses_frame

    gold = guideline.gold_answers()
    items = ["so-002", "so-012", "so-036"]
    responses = responses_frame(
        pd.DataFrame(
            {
                "item_id": items,
                "annotator_id": ["bea", "bea", "cem"],
                "answer": [gold["so-002"], gold["so-012"][:2], ()],
            }
        )
    )
    bank = {item.id: item for item in guideline.items}
    tasks = labelstudio_tasks(
        guideline,
        {i: bank[i].input for i in items},
        {i: list(bank[i].rules) for i in items},
        responses=responses,
        gold={i: gold[i] for i in items},
        sizes=sizes,
    )
    assert tasks[0]["data"]["image"] == "images/so-002.png"
    back = resolve(read_labelstudio(dumps(tasks), "tasks.json", guideline), guideline)
    assert list(back.responses["answer"]) == list(responses["answer"])
    assert dict(back.gold) == {i: gold[i] for i in items}


def test_labelstudio_tasks_for_a_project_carry_gold_as_predictions_in_percent(guideline, sizes):
    tasks = labelstudio_tasks(
        guideline, gold=guideline.gold_answers(), sizes=sizes, image_url="/data/local-files/?d=street/"
    )
    first = tasks[0]
    assert first["data"]["image"] == "/data/local-files/?d=street/so-001.png"
    assert first["data"]["alt"].startswith("Street scene with")
    car = first["predictions"][0]["result"][0]
    assert car["value"]["x"] == pytest.approx(17 / 320 * 100)
    assert (car["original_width"], car["original_height"]) == (320, 240)
    assert car["value"]["rectanglelabels"] == ["car"]


def test_labelstudio_result_of_boxes_needs_the_image_size(guideline):
    with pytest.raises(DataError, match="needs its image's size"):
        labelstudio_result(guideline, (Box("car", 1, 1, 2, 2),))


def test_labelstudio_config_for_boxes_has_an_image_and_rectangle_labels(guideline):
    config = labelstudio_config(guideline)
    root = ET.fromstring(config)
    image = root.find("Image")
    assert image is not None and image.get("name") == "image" and image.get("value") == "$image"
    control = root.find("RectangleLabels")
    assert control is not None and control.get("toName") == "image" and control.get("name") == "label"
    assert [(label.get("alias"), label.get("value")) for label in control.iter("Label")] == [
        ("person", "Person"),
        ("car", "Car"),
        ("bicycle", "Bicycle"),
        ("traffic_light", "Traffic light"),
    ]
    assert all(c.get("toName") == "image" for c in root.iter("Choices"))
    assert "car at x 17, y 178" not in config  # gold of bank items stays out; examples are teaching material
    started = guideline_from_labelstudio_config(config, "street-copy")
    assert started.task.type == "boxes"
    assert [label.name for label in started.task.labels] == ["Person", "Car", "Bicycle", "Traffic light"]


# --------------------------------------------------------------------------- COCO


def _coco(annotations, *, images=None, categories=None):
    """A CVAT 'COCO 1.0' export."""
    return {
        "licenses": [{"name": "", "id": 0, "url": ""}],
        "info": {"contributor": "", "date_created": "", "description": "", "url": "", "version": "", "year": ""},
        "categories": categories
        or [
            {"id": 1, "name": "person", "supercategory": ""},
            {"id": 2, "name": "car", "supercategory": ""},
            {"id": 3, "name": "bicycle", "supercategory": ""},
            {"id": 4, "name": "traffic_light", "supercategory": ""},
        ],
        "images": images
        or [
            {"id": 1, "width": 320, "height": 240, "file_name": "so-001.png", "license": 0, "flickr_url": "",
             "coco_url": "", "date_captured": 0},
            {"id": 2, "width": 320, "height": 240, "file_name": "so-036.png", "license": 0, "flickr_url": "",
             "coco_url": "", "date_captured": 0},
        ],
        "annotations": annotations,
    }  # fmt: skip


def _ann(aid, image_id, category_id, bbox, **extra):
    return {
        "id": aid,
        "image_id": image_id,
        "category_id": category_id,
        "segmentation": [],
        "area": float(bbox[2] * bbox[3]) if len(bbox) == 4 else 0.0,
        "bbox": bbox,
        "iscrowd": 0,
        "attributes": {"occluded": False, "rotation": 0.0},
        **extra,
    }


def test_coco_file_of_one_annotator_named_by_the_file(guideline):
    data = dumps(_coco([_ann(1, 1, 2, [17.0, 185.0, 95.0, 43.0]), _ann(2, 1, 1, [130.0, 92.0, 26.0, 69.0])]))
    result = resolve(read_coco(data, "exports/dmitri.json", guideline), guideline)
    assert list(result.responses["annotator_id"]) == ["dmitri", "dmitri"]
    answers = dict(zip(result.responses["item_id"], result.responses["answer"], strict=True))
    assert answers == {"so-001": (Box("car", 17, 185, 95, 43), Box("person", 130, 92, 26, 69)), "so-036": ()}


def test_coco_annotator_field_splits_one_file_into_annotators(guideline):
    data = dumps(
        _coco(
            [
                _ann(1, 1, 2, [17, 185, 95, 43], annotator="ana"),
                _ann(2, 1, 2, [15, 183, 99, 47], annotator="ben"),
                _ann(3, 2, 1, [10, 10, 20, 40], annotator="ben"),
            ]
        )
    )
    raw = read_coco(data, "all.json", guideline)
    by = {(r.item_id, r.annotator_id): r.answer for r in raw.responses}
    assert by[("so-001", "ana")] == [{"label": "car", "x": 17.0, "y": 185.0, "width": 95.0, "height": 43.0}]
    assert by[("so-036", "ana")] == []
    assert len(by[("so-036", "ben")]) == 1


def test_coco_refuses_annotator_fields_on_some_annotations_only(guideline):
    data = dumps(_coco([_ann(1, 1, 2, [1, 1, 5, 5], annotator="ana"), _ann(2, 1, 2, [1, 1, 5, 5])]))
    with pytest.raises(DataError) as caught:
        read_coco(data, "all.json", guideline)
    assert str(caught.value).startswith(
        "all.json: annotations[1]: some annotations name their annotator and this one does not"
    )


@pytest.mark.parametrize(
    ("annotation", "message"),
    [
        (_ann(7, 9, 1, [1, 1, 5, 5]), "all.json: annotations[0] (id 7): image_id 9 is not the id of an entry of images"),
        (_ann(7, 1, 8, [1, 1, 5, 5]), "all.json: annotations[0] (id 7): category_id 8 is not the id of an entry of categories"),
        (_ann(7, 1, 1, [1, 1, 0, 5]), "all.json: annotations[0] (id 7): bbox must be [x, y, width, height] with a positive width and height, got [1, 1, 0, 5]"),
        (_ann(7, 1, 1, [1, 1, 5]), "all.json: annotations[0] (id 7): bbox must be [x, y, width, height] with a positive width and height, got [1, 1, 5]"),
        ({**_ann(7, 1, 1, [1, 1, 5, 5]), "attributes": {"rotation": 30.0}}, "all.json: annotations[0] (id 7): the box is rotated by 30 degrees"),
    ],
)  # fmt: skip
def test_coco_errors_name_the_annotation(guideline, annotation, message):
    with pytest.raises(DataError) as caught:
        read_coco(dumps(_coco([annotation])), "all.json", guideline)
    assert str(caught.value).startswith(message)


def test_coco_unknown_image_and_unknown_category_name(guideline):
    images = [{"id": 5, "width": 640, "height": 480, "file_name": "val2017/000000397133.jpg"}]
    with pytest.raises(DataError) as caught:
        read_coco(dumps(_coco([], images=images)), "all.json", guideline)
    assert str(caught.value).startswith(
        "all.json: images[0] (id 5): image '000000397133.jpg' is not an image of street-objects@1.0.0"
    )
    truck = [{"id": 1, "name": "truck", "supercategory": "vehicle"}]
    raw = read_coco(dumps(_coco([_ann(1, 1, 1, [1, 1, 5, 5])], categories=truck)), "all.json", guideline)
    with pytest.raises(UnknownLabelsError) as unknown:
        resolve(raw, guideline)
    assert unknown.value.unknown == {"truck": ["images[0] (id 1)"]}  # the answer is the image's
    assert str(unknown.value).startswith("all.json: label 'truck' is not a label of street-objects@1.0.0")


def test_coco_refuses_what_is_not_a_coco_object(guideline):
    with pytest.raises(DataError) as caught:
        read_coco(dumps([{"data": {"image": "so-001.png"}}]), "tasks.json", guideline)
    assert "expected a COCO object with images, annotations and categories, got a JSON list" in str(
        caught.value
    )
    assert "COCO 1.0" in str(caught.value)


def test_coco_crowd_regions_are_skipped_with_a_warning(guideline):
    crowd = {**_ann(2, 1, 1, [100, 90, 80, 80]), "iscrowd": 1}
    raw = read_coco(dumps(_coco([_ann(1, 1, 2, [17, 185, 95, 43]), crowd])), "d.json", guideline)
    assert raw.warnings == ["1 crowd region(s) (iscrowd: 1) skipped: a box answer boxes one object"]
    assert [len(r.answer) for r in raw.responses] == [1, 0]


def test_coco_gold_export_round_trips(guideline, sizes):
    gold = guideline.gold_answers()
    document = coco_gold(guideline, gold, sizes)
    assert document["categories"][0] == {"id": 1, "name": "person", "supercategory": ""}
    assert document["images"][0] == {"id": 1, "file_name": "so-001.png", "width": 320, "height": 240}
    assert document["annotations"][0]["bbox"] == [17, 185, 95, 43]
    back = resolve(read_coco(coco_json(document).encode(), "gold.json", guideline), guideline)
    assert dict(zip(back.responses["item_id"], back.responses["answer"], strict=True)) == gold


def test_coco_gold_export_needs_every_image_size(guideline):
    with pytest.raises(DataError, match="the image size of item so-001 is unknown"):
        coco_gold(guideline, guideline.gold_answers(), {})


# --------------------------------------------------------------------------- CVAT


CVAT = """<?xml version="1.0" encoding="utf-8"?>
<annotations>
  <version>1.1</version>
  <meta>
    <job>
      <id>12</id>
      <size>2</size>
      <mode>annotation</mode>
      <overlap>0</overlap>
      <bugtracker></bugtracker>
      <created>2024-05-02 10:11:12.000000+00:00</created>
      <updated>2024-05-02 10:40:00.000000+00:00</updated>
      <subset>default</subset>
      <start_frame>0</start_frame>
      <stop_frame>1</stop_frame>
      <frame_filter></frame_filter>
      <segments>
        <segment><id>12</id><start>0</start><stop>1</stop><url>https://app.cvat.ai/api/jobs/12</url></segment>
      </segments>
      <owner><username>lead</username><email>lead@example.com</email></owner>
      <assignee>{assignee}</assignee>
      <labels>
        <label><name>person</name><color>#e63946</color><type>rectangle</type><attributes></attributes></label>
        <label><name>car</name><color>#457b9d</color><type>rectangle</type><attributes></attributes></label>
      </labels>
    </job>
    <dumped>2024-05-02 10:41:00.000000+00:00</dumped>
  </meta>
  <image id="0" name="so-001.png" width="320" height="240">
    <box label="car" source="manual" occluded="0" xtl="17.00" ytl="185.00" xbr="112.00" ybr="228.00" z_order="0">
    </box>
    <box label="person" source="manual" occluded="0" xtl="130.00" ytl="92.00" xbr="156.00" ybr="161.00"{extra} z_order="0">
    </box>
    <polygon label="person" source="manual" occluded="0" points="1.0,2.0;3.0,4.0;5.0,1.0" z_order="0">
    </polygon>
  </image>
  <image id="1" name="so-036.png" width="320" height="240">
  </image>
</annotations>
"""


def _cvat(assignee="<username>dmitri</username><email>d@example.com</email>", extra="") -> bytes:
    return CVAT.replace("{assignee}", assignee).replace("{extra}", extra).encode()


def test_cvat_job_export_is_the_assignees_answers(guideline):
    raw = read_cvat(_cvat(), "job_12_annotations.xml", guideline)
    result = resolve(raw, guideline)
    assert set(result.responses["annotator_id"]) == {"dmitri"}
    answers = dict(zip(result.responses["item_id"], result.responses["answer"], strict=True))
    assert answers == {"so-001": (Box("car", 17, 185, 95, 43), Box("person", 130, 92, 26, 69)), "so-036": ()}
    assert raw.warnings == ["shapes that are not boxes were ignored: 1 polygon"]


def test_cvat_annotator_from_the_option_then_the_file_name(guideline):
    assert {r.annotator_id for r in read_cvat(_cvat(), "j.xml", guideline, annotator="eve").responses} == {
        "eve"
    }
    assert {r.annotator_id for r in read_cvat(_cvat(assignee=""), "fatima.xml", guideline).responses} == {
        "fatima"
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_cvat(extra=' rotation="30.0"'), "j.xml: image 0 (so-001.png), box 2: the box is rotated by 30 degrees; only axis-aligned boxes are answers"),
        (_cvat().replace(b'xbr="156.00"', b'xbr="120.00"'), "j.xml: image 0 (so-001.png), box 2: the box has no area (xtl=130, ytl=92, xbr=120, ybr=161)"),
        (_cvat().replace(b'name="so-036.png"', b'name="frame_000001.png"'), "j.xml: image 1 (frame_000001.png): image 'frame_000001.png' is not an image of street-objects@1.0.0"),
        (_cvat()[:400], "j.xml:14:21: the XML ends early (truncated file?)"),
        (b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><annotations/>', "j.xml: the XML declares a DOCTYPE or entities"),
        (b"<annotations><version>1.1</version><track id='0' label='car'/></annotations>", "j.xml: this is a CVAT for video export (<track> elements) (hint: export the task as 'CVAT for images 1.1')"),
        (b"<View><Image name='image' value='$image'/></View>", "j.xml:1: the root element is <View>, not <annotations>"),
    ],
)  # fmt: skip
def test_cvat_errors_name_the_image_and_box(guideline, data, message):
    with pytest.raises(DataError) as caught:
        read_cvat(data, "j.xml", guideline)
    assert str(caught.value).startswith(message)


# --------------------------------------------------------------------------- through import_file


@pytest.mark.parametrize("fmt", ["coco", "cvat"])
def test_import_file_dry_run_reads_box_formats_with_the_annotator_option(guideline, fmt):
    data = dumps(_coco([_ann(1, 1, 2, [17, 185, 95, 43])])) if fmt == "coco" else _cvat(assignee="")
    report = import_file(
        None,
        fmt,
        data,
        "x.json",
        guideline.ref,
        guideline=guideline,
        dry_run=True,
        options={"annotator": "gus"},
    )
    assert report.to_dict()["n_responses"] == 2
    assert set(report.result.responses["annotator_id"]) == {"gus"}
    assert report.lines()[0].startswith(
        f"would import 2 answers by 1 annotator on 2 items from x.json ({fmt})"
    )


def test_file_names_of_tool_urls():
    assert file_name("/data/upload/7/8f2c1a9b-so-001.png") == "8f2c1a9b-so-001.png"
    assert file_name("s3://bucket/street/so%20001.png?versionId=3") == "so 001.png"
    assert file_name("C:\\images\\so-001.png") == "so-001.png"
    assert file_name("http://localhost:8080/data/local-files/?d=street%2Fso-001.png") == "so-001.png"
    assert file_name("/data/local-files/?d=street/so-001.png") == "so-001.png"


def test_item_for_image_ignores_case(guideline):
    from calibration.errors import Location

    assert item_for_image("SO-001.PNG", guideline, Location()) == "so-001"


def test_sizes_by_item_from_stored_image_records(guideline):
    from collections import namedtuple

    from calibration.interop.images import sizes_by_item

    Stored = namedtuple("Stored", "path media_type width height data")
    sizes = sizes_by_item(
        guideline, [Stored("images/so-002.png", "image/png", 320, 240, b""), Stored("x.png", "", 1, 1, b"")]
    )
    assert sizes == {"so-002": (320, 240)}


def test_labelstudio_boxes_task_naming_an_item_the_guideline_lacks_is_refused(guideline):
    task = _ls_task(2, "/data/upload/7/so-001.png", [_ls_annotation(11, "bea@x", [])])
    task["data"]["item_id"] = "photo-17"
    with pytest.raises(DataError) as caught:
        read_labelstudio(dumps([task]), "p.json", guideline)
    assert str(caught.value).startswith(
        "p.json: task 2: item photo-17 is not an item of street-objects@1.0.0"
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"images": [{"id": [1], "file_name": "so-001.png"}], "annotations": [], "categories": []},
            "images[0]",
        ),
        (
            {
                "images": [{"id": 1, "file_name": "so-001.png"}],
                "annotations": [],
                "categories": [{"id": {"a": 1}, "name": "car"}],
            },
            "categories[0]",
        ),
        (
            {
                "images": [{"id": 1, "file_name": "so-001.png"}],
                "annotations": [{"id": 7, "image_id": [1], "category_id": 1, "bbox": [0, 0, 5, 5]}],
                "categories": [{"id": 1, "name": "car"}],
            },
            "annotations[0]",
        ),
    ],
)
def test_coco_ids_that_are_lists_or_objects_are_a_located_error_not_a_crash(guideline, data, message):
    """A list as an id could not be a dictionary key: a TypeError reached the import page (review)."""
    with pytest.raises(DataError) as error:
        read_coco(json.dumps(data).encode(), "a.json", guideline)
    assert message in str(error.value)


def test_image_sizes_refuses_a_decompression_bomb_with_the_usual_error(guideline, tmp_path):
    """Pillow raises DecompressionBombError (not an OSError) past 2x its pixel limit: it was a traceback."""
    import shutil
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    folder = tmp_path / "images-copy"
    shutil.copytree(FOLDER, folder)
    first = next(item for item in guideline.items if item.input.image)
    header = struct.pack(">IIBBBBB", 20_000, 20_000, 8, 2, 0, 0, 0)  # 400 megapixels claimed
    (folder / first.input.image).write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 100))
        + chunk(b"IEND", b"")
    )
    with pytest.raises(DataError, match=f"cannot read the image {first.input.image}"):
        image_sizes(guideline, folder)
