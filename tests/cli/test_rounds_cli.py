"""Round verbs of the CLI on stored rounds: an adaptive pilot's status, publishing images, import extras."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from calibration.cli.main import main
from calibration.guidelines.loading import read_guideline_file
from calibration.guidelines.versions import content_hash
from calibration.rounds import service
from tests.box_guideline import write_box_guideline
from tests.rounds.adaptive_pilot_store import round_robin

GUIDELINE = str(Path(__file__).resolve().parents[2] / "guidelines" / "contract-clauses" / "1.0.0.yaml")


def test_the_cli_creates_an_adaptive_pilot_and_round_status_lists_each_rule(
    pilot_store: Any, capsys: Any
) -> None:
    db = ["--database-url", pilot_store.url]
    code = main(
        ["round", "create", "pilot", "--guideline", "pil@1.0.0", "--kind", "pilot", "--annotators", "ann,bob",
         "--adaptive", "--control-fraction", "0.25", "--seed", "2", *db]
    )  # fmt: skip
    assert code == 0
    round_ = service.get_round(pilot_store.engine, "pilot")
    assert round_.settings["policy"] == "adaptive" and round_.settings["control_fraction"] == 0.25
    capsys.readouterr()
    assert main(["round", "status", "pilot", *db]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "adaptive pilot, target 0.6, control slice 10 of 40 items" in lines
    assert (
        "  EASY                     about 10 more items with 2 answers each to decide" in lines
    )  # to the first look
    round_robin(pilot_store.engine)
    assert main(["round", "status", "pilot", *db]) == 0
    out = capsys.readouterr().out
    assert "EASY                     decided above target" in out
    assert "HARD                     decided below target" in out
    assert main(["round", "status", "pilot", "--json", *db]) == 0
    data = json.loads(capsys.readouterr().out)["adaptive_pilot"]
    assert (data["target"], data["control_fraction"], data["control_items"], data["items"]) == (
        0.6,
        0.25,
        10,
        40,
    )
    assert data["rules"]["EASY"]["decision"] == "above" and data["rules"]["EASY"]["more_items"] is None
    assert data["rules"]["HARD"]["sentence"] == "decided below target"
    assert data["rules"]["HARD"]["decided_at"] in (10, 15, 20) and data["rules"]["HARD"]["futile"] is False
    assert len(data["rules"]["EASY"]["interval"]) == 2


def test_the_publish_command_stores_the_images(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from calibration.storage.engine import make_engine, upgrade

    engine = make_engine(db_url)
    try:
        upgrade(engine)
        file = write_box_guideline(tmp_path / "street", name="1.0.0.yaml")
        assert main(["publish", "--database-url", db_url, str(file)]) == 0
        loaded = read_guideline_file(file)
        assert capsys.readouterr().out == (
            f"published street@1.0.0 (content hash {content_hash(loaded.guideline, loaded.images)[:12]})\n"
        )
        (version,) = service.list_guideline_versions(engine)
        assert (
            service.image_of(engine, version.id, "images/empty.png").data
            == loaded.images["images/empty.png"].data
        )
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("seconds", "abc", "row 2: seconds: seconds must be a number, got 'abc' (hint: e.g. 12.5)"),
        ("seconds", "-5", "row 2: seconds: seconds must be a non-negative number, got -5.0"),
        ("confidence", "2.5", "row 2: confidence: confidence must be an integer, got 2.5"),
        ("confidence", "9", "row 2: confidence: confidence must be an integer from 1 to 5, got 9"),
    ],
)
def test_a_dry_run_import_refuses_bad_extras_in_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, column: str, value: str, message: str
) -> None:
    path = tmp_path / "export.csv"
    path.write_text(f"item_id,annotator_id,answer,{column}\ni1,a1,OTHER,{value}\ni1,a2,OTHER,\n")
    assert main(["import", "--dry-run", "--guideline", GUIDELINE, "csv", str(path)]) == 1
    err = capsys.readouterr().err
    assert err == f"error: export.csv: {message}\n"
