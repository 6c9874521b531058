"""`calibration replay quiz`, `replay pilot` and `irt fit`: JSON shape, decisions, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from calibration.cli.main import main
from calibration.rounds import item_model

ROOT = Path(__file__).resolve().parents[2]
PILOT = str(ROOT / "examples" / "agreement" / "contract-pilot.csv")
RULES = str(ROOT / "examples" / "agreement" / "contract-item-rules.csv")
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


def test_the_cli_prints_the_issue_json(capsys):
    assert main(["replay", "pilot", PILOT, "--item-rules", RULES, "--target", "0.6", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["policy"] == "adaptive" and data["answers_used"] <= data["answers_available"]
    assert data["rules"]["R-IP"] == {"decision": "above", "decision_all": "above", "answers_used": 20}
    guideline = str(ROOT / "guidelines" / "contract-clauses" / "1.1.0.yaml")
    assert (
        main(["replay", "pilot", PILOT, "--guideline", guideline, "--policy", "uniform", "--seed", "2"]) == 0
    )
    assert capsys.readouterr().out.startswith("policy uniform: ")


def test_the_cli_errors_are_one_line(tmp_path, capsys):
    assert main(["replay", "pilot", PILOT, "--item-rules", RULES, "--target", "3"]) == 1
    assert (
        capsys.readouterr().err
        == "error: --target 3.0 is not an agreement between -1 and 1 (hint: e.g. --target 0.8)\n"
    )
    assert main(["replay", "pilot", str(tmp_path / "none.csv"), "--item-rules", RULES]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such responses file" in err


def test_the_cli_fits_and_prints_the_estimates(answered: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["irt", "fit", "tiny@1.0.0", "--database-url", answered.url, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["guideline"] == "tiny@1.0.0" and data["kind"] == "rasch" and data["n_answers"] == 18
    assert set(data["annotators"]) == {"ann", "bob", "cyd"}
    assert data["suspect_items"] == {}  # 3 answers per item: too few to call any item suspect
    assert main(["irt", "fit", "tiny@1.0.0", "--database-url", answered.url, "--model", "2pl"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("tiny@1.0.0: 2pl fitted on 18 answers, stored\n") and "ability" in out
    assert item_model.latest_item_model(answered.engine, "tiny@1.0.0").model.kind == "2pl"
