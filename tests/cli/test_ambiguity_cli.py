"""`calibration ambiguity`, `calibration compare` and `calibration report`, run in-process."""

from __future__ import annotations

import json

from calibration.cli.main import main
from calibration.responses import Annotations
from tests.ambiguity.patterned_pilots import TOO_SMALL_PATTERNS, noisy_patterns, patterned_pilot
from tests.cli.pilot_files import write_pilot


def test_ambiguity_json_ranks_the_ambiguous_rule_first(tmp_path, pilot, capsys, bad_gold_item):
    files = write_pilot(tmp_path, pilot, "old")
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
    files = write_pilot(tmp_path, pilot, "old")
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

    files = write_pilot(tmp_path, pilot, "old")
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
    files = write_pilot(tmp_path, pilot, "old")
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
    old = write_pilot(tmp_path, pilot, "old")
    new = write_pilot(tmp_path, revised_pilot, "new")
    args = ["compare", old["responses"], new["responses"], "--item-rules", old["map"]]
    args += ["--gold", old["gold"], "--gold", new["gold"], "--json", "--bootstrap", "300"]
    assert main(args) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"rules", "before", "after"}  # the versions: a follow-up must compare the same
    ambig = next(r for r in data["rules"] if r["rule_id"] == "R-AMBIG")
    assert {"rule_id", "before", "after", "difference", "ci95", "verdict"} <= set(ambig)
    assert ambig["verdict"] == "improved" and ambig["ci95"][0] > 0


def test_compare_refuses_an_option_given_three_times(tmp_path, pilot, capsys):
    old = write_pilot(tmp_path, pilot, "old")
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
    files = write_pilot(tmp_path, pilot, "old")
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


def test_cli_follow_up_with_first_look_json(tmp_path, capsys):
    def write(pilot: Annotations, name: str) -> tuple[str, str]:
        responses, rules = tmp_path / f"{name}.csv", tmp_path / f"{name}-map.csv"
        pilot.responses[["item_id", "annotator_id", "answer"]].to_csv(responses, index=False)
        pilot.item_rules.to_csv(rules, index=False)
        return str(responses), str(rules)

    old, old_map = write(patterned_pilot(noisy_patterns(20, 1, 0.5)), "old")
    new, _ = write(patterned_pilot(noisy_patterns(20, 2, 0.3)), "new")
    assert main(["compare", old, new, "--item-rules", old_map, "--bootstrap", "100", "--json"]) == 0
    first = capsys.readouterr().out
    (tmp_path / "first.json").write_text(first, encoding="utf-8")
    more = json.loads(first)["rules"][0]["figures"]["more_items"]
    old2, old2_map = write(patterned_pilot(noisy_patterns(more, 3, 0.5, prefix="f")), "old2")
    new2, _ = write(patterned_pilot(noisy_patterns(more, 4, 0.0, prefix="f")), "new2")
    args = ["compare", old2, new2, "--item-rules", old2_map, "--bootstrap", "100"]
    assert main([*args, "--first-look", str(tmp_path / "first.json")]) == 0
    assert "R: majority_share" in capsys.readouterr().out
    (tmp_path / "bad.json").write_text("[1, 2", encoding="utf-8")
    assert main([*args, "--first-look", str(tmp_path / "bad.json")]) == 1
    err = capsys.readouterr().err
    assert "bad.json is not JSON" in err and "Traceback" not in err


def test_cli_says_a_change_is_too_small_to_tell(tmp_path, capsys):
    """Past 1000 items per version compare says the change is too small to tell apart, not 'pilot 1120
    more items per version'."""
    paths = []
    for name, patterns in zip(("old", "new"), TOO_SMALL_PATTERNS, strict=True):
        pilot = patterned_pilot(patterns)
        pilot.responses[["item_id", "annotator_id", "answer"]].to_csv(tmp_path / f"{name}.csv", index=False)
        pilot.item_rules.to_csv(tmp_path / "map.csv", index=False)
        paths.append(str(tmp_path / f"{name}.csv"))
    assert main(["compare", *paths, "--item-rules", str(tmp_path / "map.csv"), "--bootstrap", "50"]) == 0
    out = capsys.readouterr().out
    assert "not_enough_items; this change is too small to tell apart in a pilot of realistic size" in out
    assert "more items per version" not in out


def test_cli_on_the_demo_pilots_says_which_question_each_pilot_more_number_answers(tmp_path, capsys):
    """The queue's number answers 'does the rule reach the target?', compare's 'did 1.1.0 change it?':
    each sentence says which (they once read 'pilot 80 more items' and 'pilot 4 more items per version'
    for R-TERM). And the 1.1.0 queue no longer ranks first a rule it says needs no action."""
    from calibration.demo import GUIDELINES_DIR, demo_pilot

    paths = {}
    for version in ("1.0.0", "1.1.0"):
        _, responses = demo_pilot(version)
        paths[version] = tmp_path / f"{version}.csv"
        responses.to_csv(paths[version], index=False)
    guide = {v: str(GUIDELINES_DIR / "contract-clauses" / f"{v}.yaml") for v in paths}
    assert main(["ambiguity", str(paths["1.1.0"]), "--guideline", guide["1.1.0"], "--bootstrap", "200"]) == 0
    out = capsys.readouterr().out
    first = out[out.index("  1. ") :].split("  2. ")[0]
    assert "flags: none" not in first and "No action needed" not in first
    assert "to tell whether R-TERM reaches the target of 0.80, pilot about " in out
    old, new = str(paths["1.0.0"]), str(paths["1.1.0"])
    args = ["compare", old, new, "--guideline", guide["1.0.0"], "--guideline", guide["1.1.0"]]
    assert main([*args, "--bootstrap", "50"]) == 0
    out = capsys.readouterr().out
    assert (
        "to tell whether 1.1.0 changed R-TERM, pilot at least 4 more items per version; the number needed "
        "depends on the spread they show"
    ) in out


def test_cli_says_agreement_rose_on_a_rule_whose_text_did_not_change(tmp_path, capsys, monkeypatch):
    """Issue 11: a rule the rewrite did not touch is not "improved" (text and JSON)."""
    from calibration.ambiguity import compare
    from calibration.demo import GUIDELINES_DIR, demo_pilot

    paths = {}
    for version in ("1.0.0", "1.1.0"):
        _, responses = demo_pilot(version)
        paths[version] = tmp_path / f"{version}.csv"
        responses.to_csv(paths[version], index=False)
    guide = {v: str(GUIDELINES_DIR / "contract-clauses" / f"{v}.yaml") for v in paths}
    monkeypatch.setattr(compare, "_first_look_verdict", lambda test: ("improved", (0.01, 0.2)))
    args = ["compare", str(paths["1.0.0"]), str(paths["1.1.0"]), "--bootstrap", "50"]
    args += ["--guideline", guide["1.0.0"], "--guideline", guide["1.1.0"]]
    assert main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    [rewritten] = [line for line in lines if line.startswith("* R-INDEM:")]
    assert rewritten.endswith(") improved")
    untouched = [line for line in lines if line.startswith("  R-")]
    assert untouched and all(
        line.endswith(
            ") rose_text_unchanged; the rule's text is unchanged, so this is not the rewrite's doing: the "
            "annotators, the items or other rules changed, or chance"
        )
        for line in untouched
    )
    assert main([*args, "--json"]) == 0
    rules = {r["rule_id"]: r for r in json.loads(capsys.readouterr().out)["rules"]}
    assert rules["R-INDEM"]["verdict"] == "improved"
    assert {r["verdict"] for k, r in rules.items() if k != "R-INDEM"} == {"rose_text_unchanged"}
    assert {r["figures"]["test_verdict"] for r in rules.values()} == {"improved"}


def test_ambiguity_text_output_names_the_group_of_each_rule(capsys):
    """R-INDEM (score 4.8) is ranked above R-LAW (score 9.4) because it is in the 'revise' group: the text
    output says so with a header per group, in the JSON's order."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    pilot = str(root / "examples/agreement/contract-pilot.csv")
    guideline = str(root / "guidelines/contract-clauses/1.1.0.yaml")
    from calibration.ambiguity.queue import revision_queue
    from calibration.cli.ambiguity import load_pilot

    queue = revision_queue(load_pilot(pilot, None, guideline, None), bootstrap=1000, seed=0)
    rules = [{"group": e.group, "rank": e.rank, "rule_id": e.rule_id} for e in queue.rules]
    assert main(["ambiguity", pilot, "--guideline", guideline]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith(": ranked by group, then by score within the group")
    headers = {"revise": "Group 1: revise", "likely_ambiguous": "Group 2: likely ambiguous (few items)",
               "no_action": "Group 3: no action", "pilot_more_items": "Group 4: pilot more items"}  # fmt: skip
    expected, group = [], None
    for rule in rules:
        if rule["group"] != group:
            group = rule["group"]
            expected.append(headers[group])
        expected.append(f"{rule['rank']:>3}. {rule['rule_id']}")
    shown = [line if line.startswith("Group ") else line.split("  score")[0] for line in lines[1:]]
    shown = [line for line in shown if line.startswith("Group ") or line[:4].strip().rstrip(".").isdigit()]
    assert shown == expected
    assert expected[:3] == ["Group 1: revise", "  1. R-INDEM", "Group 2: likely ambiguous (few items)"]
