"""`calibration ambiguity`, `calibration compare` and `calibration report`, run in-process."""

from __future__ import annotations

import json

from calibration.answers import dump_cell
from calibration.cli.main import main


def _write_pilot(folder, pilot, name):
    responses = pilot.responses.copy()
    responses["answer"] = [dump_cell("single_label", a) for a in responses["answer"]]
    paths = {
        "responses": folder / f"{name}.csv",
        "map": folder / f"{name}-map.csv",
        "gold": folder / f"{name}-gold.csv",
    }
    responses.to_csv(paths["responses"], index=False)
    pilot.item_rules.to_csv(paths["map"], index=False)
    pilot.gold.rename("answer").reset_index().to_csv(paths["gold"], index=False)
    return {k: str(v) for k, v in paths.items()}


def test_ambiguity_json_ranks_the_ambiguous_rule_first(tmp_path, pilot, capsys, bad_gold_item):
    files = _write_pilot(tmp_path, pilot, "old")
    args = ["ambiguity", files["responses"], "--item-rules", files["map"], "--gold", files["gold"]]
    code = main([*args, "--json", "--bootstrap", "200"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"rules", "items"}
    first = data["rules"][0]
    assert set(first) == {"rule_id", "rank", "score", "flags", "evidence", "suggestion"}
    assert first["rule_id"] == "R-AMBIG" and first["rank"] == 1
    assert {"low_confidence", "flagged_unclear", "long_time"} <= set(first["flags"])  # optional columns read
    skew = next(r for r in data["rules"] if r["rule_id"] == "R-SKEW")
    assert "skewed_prevalence" in skew["flags"] and "low_agreement" not in skew["flags"]
    suspects = [i["item_id"] for i in data["items"] if i["gold_suspect"]]
    assert bad_gold_item in suspects


def test_ambiguity_text_output(tmp_path, pilot, capsys):
    files = _write_pilot(tmp_path, pilot, "old")
    assert (
        main(
            [
                "ambiguity",
                files["responses"],
                "--item-rules",
                files["map"],
                "--top",
                "1",
                "--bootstrap",
                "100",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert out.startswith("Revision queue (4 rules, target 0.80)")
    assert "  1. R-AMBIG  score" in out and "R-CLEAR" not in out.split("Gold suspects")[0]


def test_ambiguity_with_guideline_file(tmp_path, pilot, capsys):
    from calibration.guidelines.loading import dump_guideline

    files = _write_pilot(tmp_path, pilot, "old")
    (tmp_path / "sim").mkdir()
    path = tmp_path / "sim" / "1.0.0.yaml"
    path.write_text(dump_guideline(pilot.guideline), encoding="utf-8")
    assert (
        main(["ambiguity", files["responses"], "--guideline", str(path), "--json", "--bootstrap", "100"]) == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["rules"][0]["rule_id"] == "R-AMBIG"
    assert "missing_edge_cases" in data["rules"][0]["flags"]


def test_ambiguity_without_rule_map_is_misuse(tmp_path, pilot, capsys):
    files = _write_pilot(tmp_path, pilot, "old")
    assert main(["ambiguity", files["responses"]]) == 2
    assert "give --item-rules MAP.csv or --guideline FILE.yaml" in capsys.readouterr().err


def test_ambiguity_names_a_missing_file_and_column(tmp_path, capsys):
    assert main(["ambiguity", str(tmp_path / "nope.csv"), "--item-rules", "x.csv"]) == 1
    assert (
        capsys.readouterr().err
        == f"error: {tmp_path / 'nope.csv'}: no such responses file (hint: check the path and that its folder exists)\n"
    )
    bad = tmp_path / "bad.csv"
    bad.write_text("item,annotator,answer\ni1,a,A\n", encoding="utf-8")
    assert main(["ambiguity", str(bad), "--item-rules", str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}: row 1: the responses file needs the column(s) item_id, annotator_id" in err


def test_compare_json(tmp_path, pilot, revised_pilot, capsys):
    old = _write_pilot(tmp_path, pilot, "old")
    new = _write_pilot(tmp_path, revised_pilot, "new")
    args = ["compare", old["responses"], new["responses"], "--item-rules", old["map"]]
    args += ["--gold", old["gold"], "--gold", new["gold"], "--json", "--bootstrap", "300"]
    assert main(args) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"rules", "before", "after"}  # the versions: a follow-up must compare the same
    ambig = next(r for r in data["rules"] if r["rule_id"] == "R-AMBIG")
    assert {"rule_id", "before", "after", "difference", "ci95", "verdict"} <= set(ambig)
    assert ambig["verdict"] == "improved" and ambig["ci95"][0] > 0


def test_compare_refuses_an_option_given_three_times(tmp_path, pilot, capsys):
    old = _write_pilot(tmp_path, pilot, "old")
    args = ["compare", old["responses"], old["responses"]] + ["--item-rules", old["map"]] * 3
    assert main(args) == 2
    assert (
        "give --item-rules once (both versions) or twice (old, new), not 3 times" in capsys.readouterr().err
    )


def test_ambiguity_reads_wide_csv_and_infers_the_task(tmp_path, pilot, capsys):
    wide = pilot.responses.pivot(index="item_id", columns="annotator_id", values="answer").reset_index()
    wide["source"] = "sim"
    path = tmp_path / "wide.csv"
    wide.to_csv(path, index=False)
    files = _write_pilot(tmp_path, pilot, "old")
    args = [
        "ambiguity",
        str(path),
        "--format",
        "wide",
        "--ignore-columns",
        "source",
        "--item-rules",
        files["map"],
    ]
    assert main([*args, "--json", "--bootstrap", "100"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["rules"][0]["rule_id"] == "R-AMBIG"
