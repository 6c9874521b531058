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
