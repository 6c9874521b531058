"""`calibration replay quiz` and `calibration irt fit`: JSON shape, decisions, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from calibration.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
PILOT = str(ROOT / "examples" / "agreement" / "contract-pilot.csv")
GUIDELINE = str(ROOT / "guidelines" / "contract-clauses" / "1.1.0.yaml")


@pytest.mark.parametrize("policy", ["fixed", "adaptive"])
def test_replay_quiz_json_has_the_issue_shape(policy, capsys):
    assert main(["replay", "quiz", PILOT, "--guideline", GUIDELINE, "--policy", policy, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data) == ["policy", "annotators", "summary"] and data["policy"] == policy
    assert set(data["annotators"]) == {"annotator-1", "annotator-2", "annotator-3", "annotator-4"}
    for row in data["annotators"].values():
        assert list(row) == ["items_used", "items_available", "decision", "rules"]
        assert 0 < row["items_used"] <= row["items_available"]
        assert row["decision"] in {"pass", "fail", "undecided"}
        assert set(row["rules"].values()) <= {"pass", "fail", "undecided"}
    assert list(data["summary"]) == [
        "items_used_mean",
        "items_available_mean",
        "decisions_agreeing_with_all_items",
    ]
    assert 0 <= data["summary"]["decisions_agreeing_with_all_items"] <= 1


def test_adaptive_replay_agrees_with_all_items_and_fixed_uses_the_quota(capsys):
    main(["replay", "quiz", PILOT, "--guideline", GUIDELINE, "--json"])
    adaptive = json.loads(capsys.readouterr().out)
    main(["replay", "quiz", PILOT, "--guideline", GUIDELINE, "--policy", "fixed", "--json"])
    fixed = json.loads(capsys.readouterr().out)
    assert adaptive["summary"]["decisions_agreeing_with_all_items"] == 1.0
    assert {row["items_used"] for row in fixed["annotators"].values()} == {24}  # items_per_quiz 24
    main(["replay", "quiz", PILOT, "--guideline", GUIDELINE, "--seed", "3"])
    assert "decisions agreeing with all items" in capsys.readouterr().out


def test_replay_errors_are_one_line(tmp_path, capsys):
    assert main(["replay", "quiz", str(tmp_path / "nope.csv"), "--guideline", GUIDELINE]) == 1
    assert (
        capsys.readouterr()
        .err.strip()
        .endswith("no such responses file (hint: check the path and that its folder exists)")
    )
    other = tmp_path / "other.csv"
    other.write_text("item_id,annotator_id,answer\nx1,a,INDEMNIFICATION\n", encoding="utf-8")
    assert main(["replay", "quiz", str(other), "--guideline", GUIDELINE]) == 1
    err = capsys.readouterr().err
    assert err == (
        "error: no answer in the file is on a quiz item with a gold answer and rules "
        "(hint: check that the item ids match the guideline's quiz bank)\n"
    )
    bad = tmp_path / "bad.csv"
    bad.write_text("item_id,annotator_id,answer\ncc-001,a,NOT_A_LABEL\n", encoding="utf-8")
    assert main(["replay", "quiz", str(bad), "--guideline", GUIDELINE]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "row 2" in err and "NOT_A_LABEL" in err


def test_irt_fit_on_an_empty_store_says_what_to_do(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'c.db'}"
    assert (
        main(["publish", str(ROOT / "guidelines" / "contract-clauses" / "1.1.0.yaml"), "--database-url", url])
        == 0
    )
    capsys.readouterr()
    assert main(["irt", "fit", "contract-clauses@1.1.0", "--database-url", url]) == 1
    assert capsys.readouterr().err == (
        "error: no answers on gold items in the rounds on contract-clauses@1.1.0 yet (hint: fit the item "
        "model after a calibration round (or a pilot with gold items) has answers)\n"
    )
    assert main(["irt", "fit", "nope@1.0.0", "--database-url", url, "--model", "rasch", "--json"]) == 1
    assert "guideline version nope@1.0.0 is not published" in capsys.readouterr().err
