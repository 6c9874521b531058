"""The box formats through the CLI, in-process: COCO gold out and back in, Label Studio tasks, CVAT, errors."""

from __future__ import annotations

import json
from pathlib import Path

from calibration.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
STREET = ROOT / "guidelines" / "street-objects" / "1.0.0.yaml"
CLAUSES = ROOT / "guidelines" / "contract-clauses" / "1.1.0.yaml"


def test_coco_gold_export_imports_back_as_the_same_boxes(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["export-gold", "--guideline", str(STREET), "--format", "coco", "-o", "gold.json"]) == 0
    document = json.loads((tmp_path / "gold.json").read_text())
    assert len(document["images"]) == 37 and {c["name"] for c in document["categories"]} == {
        "person",
        "car",
        "bicycle",
        "traffic_light",
    }
    code = main(
        [
            "import",
            "coco",
            "gold.json",
            "--guideline",
            str(STREET),
            "--annotator",
            "check",
            "--dry-run",
            "--json",
        ]
    )
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["n_responses"], report["n_items"], report["n_annotators"]) == (37, 37, 1)
    assert report["rule_sources"] == {"bank": 37}


def test_labelstudio_tasks_of_a_boxes_guideline_point_at_the_images(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    prefix = "/data/local-files/?d=street/"
    assert (
        main(
            [
                "labelstudio-tasks",
                "street-objects@1.0.0",
                "--with-gold",
                "--image-url",
                prefix,
                "-o",
                "t.json",
            ]
        )
        == 0
    )
    tasks = json.loads((tmp_path / "t.json").read_text())
    assert tasks[0]["data"]["image"] == prefix + "so-001.png"
    result = tasks[0]["predictions"][0]["result"]
    assert {r["type"] for r in result} == {"rectanglelabels"}
    assert all(r["original_width"] == 320 for r in result)


def test_image_sizes_come_from_the_images_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = main(["export-gold", "--guideline", str(STREET), "--format", "coco", "--images", str(tmp_path)])
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith(
        f"error: {tmp_path / 'images' / 'so-001.png'}: cannot read the image images/so-001.png"
    )


def test_coco_gold_of_a_label_guideline_is_refused(tmp_path, capsys):
    assert main(["export-gold", "--guideline", str(CLAUSES), "--format", "coco"]) == 1
    assert (
        "--format coco writes boxes; contract-clauses@1.1.0 is a single_label guideline"
        in capsys.readouterr().err
    )


def test_cvat_import_dry_run_names_the_annotator(tmp_path, capsys):
    xml = (
        '<?xml version="1.0" encoding="utf-8"?>\n<annotations><version>1.1</version>'
        '<image id="0" name="so-001.png" width="320" height="240">'
        '<box label="car" source="manual" occluded="0" xtl="17" ytl="185" xbr="112" ybr="228" z_order="0"/>'
        "</image></annotations>\n"
    )
    (tmp_path / "job.xml").write_text(xml)
    code = main(["import", "cvat", str(tmp_path / "job.xml"), "--guideline", str(STREET), "--dry-run"])
    assert code == 0
    out = capsys.readouterr().out
    assert out.startswith("would import 1 answer by 1 annotator on 1 item from job.xml (cvat)")


def test_coco_gold_of_a_stored_round_takes_image_sizes_from_the_store(tmp_path, capsys, monkeypatch):
    from calibration.guidelines.loading import read_guideline_file
    from calibration.rounds import service
    from calibration.storage.engine import make_engine

    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'store.db'}"
    assert main(["publish", str(STREET), "--database-url", url]) == 0
    engine = make_engine(url)
    loaded = read_guideline_file(STREET)
    service.create_pilot_round(
        engine, "boxes", loaded.guideline.ref, actor=service.SYSTEM, item_ids=["so-001", "so-002"]
    )
    capsys.readouterr()
    assert (
        main(["export-gold", "--round", "boxes", "--format", "coco", "--database-url", url, "-o", "g.json"])
        == 0
    )
    document = json.loads((tmp_path / "g.json").read_text())
    assert len(document["images"]) == 37  # the gold set: the bank's gold (and the round's adjudications)
    assert {(i["width"], i["height"]) for i in document["images"]} == {(320, 240)}
    engine.dispose()


def test_labelstudio_tasks_of_a_stored_box_round_read_back_to_its_answers(tmp_path, capsys, monkeypatch):
    from calibration.guidelines import versions
    from calibration.guidelines.loading import load_guideline
    from calibration.interop.common import resolve
    from calibration.interop.labelstudio import read_labelstudio
    from calibration.rounds import service
    from calibration.rounds.demo_workspace import DEMO_BOX_ROUND, load_demo_workspace
    from calibration.storage.engine import make_engine

    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'store.db'}"
    assert main(["db", "upgrade", "--database-url", url]) == 0
    engine = make_engine(url)
    load_demo_workspace(engine, actor=service.SYSTEM)
    monkeypatch.setattr(versions, "BUNDLED_DIR", tmp_path / "nowhere")  # sizes come from the store
    args = [
        "labelstudio-tasks",
        "--round",
        DEMO_BOX_ROUND,
        "--with-gold",
        "--database-url",
        url,
        "-o",
        "t.json",
    ]
    assert main(args) == 0
    guideline = load_guideline(STREET)
    back = resolve(read_labelstudio((tmp_path / "t.json").read_bytes(), "t.json", guideline), guideline)
    stored = service.round_responses(engine, DEMO_BOX_ROUND).responses
    assert sorted(map(tuple, back.responses[["item_id", "annotator_id", "answer"]].values)) == sorted(
        map(tuple, stored[["item_id", "annotator_id", "answer"]].values)
    )
    engine.dispose()


def test_labelstudio_config_of_a_boxes_guideline(tmp_path, monkeypatch):
    import xml.etree.ElementTree as ET

    monkeypatch.chdir(tmp_path)
    assert main(["labelstudio-config", "street-objects@1.0.0", "-o", "config.xml"]) == 0
    root = ET.parse(tmp_path / "config.xml").getroot()
    control = root.find("RectangleLabels")
    assert control is not None and control.get("toName") == "image"
    assert [label.get("alias") for label in control.iter("Label")] == [
        "person",
        "car",
        "bicycle",
        "traffic_light",
    ]
