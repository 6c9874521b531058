"""The import/export verbs, in-process: exit codes, messages, nothing written on errors, round-trips."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from calibration.cli.main import main
from calibration.guidelines.loading import dump_guideline, load_guideline
from calibration.rounds import service
from calibration.storage.engine import make_engine

ROOT = Path(__file__).resolve().parents[2]
CLAUSES = ROOT / "guidelines" / "contract-clauses" / "1.1.0.yaml"


def test_import_then_export_round_trips_the_answers(workspace, capsys):
    folder, url, guideline, answers, export = workspace
    code = main(
        [
            "import",
            "labelstudio",
            str(export),
            "--guideline",
            guideline.ref,
            "--round",
            "ls",
            "--database-url",
            url,
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.splitlines()[0] == (
        f"imported 8 answers by 2 annotators on 4 items from project-1.json (labelstudio) into pilot round 'ls' "
        f"on {guideline.ref}"
    )
    assert main(["export", "responses", "ls", "--database-url", url, "-o", str(folder / "r.csv")]) == 0
    rows = list(csv.DictReader(io.StringIO((folder / "r.csv").read_text())))
    assert {(r["item_id"], r["annotator_id"]): r["answer"] for r in rows} == {
        (i, who): label for i, by in answers.items() for who, label in by.items()
    }

    assert (
        main(
            [
                "import",
                "csv",
                str(folder / "r.csv"),
                "--guideline",
                guideline.ref,
                "--round",
                "again",
                "--database-url",
                url,
                "--json",
            ]
        )
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert report["n_responses_stored"] == 8 and report["rule_sources"] == {"bank": 4}
    engine = make_engine(url)
    first = service.round_responses(engine, "ls").responses
    second = service.round_responses(engine, "again").responses
    key = ["item_id", "annotator_id", "answer"]
    assert sorted(first[key].itertuples(index=False)) == sorted(second[key].itertuples(index=False))

    assert (
        main(["labelstudio-tasks", "--round", "ls", "--database-url", url, "-o", str(folder / "t.json")]) == 0
    )
    assert (
        main(
            [
                "import",
                "labelstudio",
                str(folder / "t.json"),
                "--guideline",
                guideline.ref,
                "--round",
                "third",
                "--database-url",
                url,
            ]
        )
        == 0
    )
    third = service.round_responses(engine, "third").responses
    assert sorted(third[key].itertuples(index=False)) == sorted(first[key].itertuples(index=False))

    capsys.readouterr()
    assert main(["export-agreement", "ls", "--bootstrap", "20", "--database-url", url]) == 0
    table = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {r["rule_id"] for r in table} <= set(guideline.rule_ids) and table


def test_unknown_label_exits_1_and_writes_nothing(workspace, capsys):
    _folder, url, guideline, _answers, export = workspace
    tasks = json.loads(export.read_text())
    tasks[1]["annotations"][0]["result"][0]["value"]["choices"] = ["Warranty-ish"]
    export.write_text(json.dumps(tasks))
    engine = make_engine(url)
    before = service.counts(engine)
    code = main(["import", "labelstudio", str(export), "--guideline", guideline.ref, "--database-url", url])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith(
        f"error: project-1.json: label 'Warranty-ish' is not a label of {guideline.ref} (used 1 time(s): "
        "task 2 annotation 21); nothing was imported (hint: --map-labels 'Warranty-ish=NEW_LABEL' renames it"
    )
    assert service.counts(engine) == before
    target = guideline.task.labels[0].id
    assert (
        main(
            [
                "import",
                "labelstudio",
                str(export),
                "--guideline",
                guideline.ref,
                "--database-url",
                url,
                "--map-labels",
                f"Warranty-ish={target}",
                "--dry-run",
            ]
        )
        == 0
    )
    assert f"renamed label Warranty-ish -> {target} (1 times)" in capsys.readouterr().out
    assert service.counts(engine) == before


def test_dry_run_with_a_guideline_file_needs_no_store(workspace, capsys, tmp_path):
    _folder, _url, _guideline, _answers, export = workspace
    assert (
        main(["import", "labelstudio", str(export), "--guideline", str(CLAUSES), "--dry-run", "--json"]) == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert report["dry_run"] is True and report["round_id"] is None and report["n_responses"] == 8
    assert not (tmp_path / "calibration.db").exists()


def test_misuse_exits_2(workspace, capsys):
    _folder, _url, guideline, _answers, export = workspace
    with pytest.raises(SystemExit) as caught:
        main(["import", "labelbox", str(export), "--guideline", guideline.ref])
    assert caught.value.code == 2
    assert "invalid choice: 'labelbox'" in capsys.readouterr().err


def test_missing_file_is_a_clear_error(workspace, capsys):
    _folder, url, guideline, _answers, _export = workspace
    assert main(["import", "prodigy", "nope.jsonl", "--guideline", guideline.ref, "--database-url", url]) == 1
    assert (
        capsys.readouterr().err
        == "error: nope.jsonl: no such file (hint: check the path and that its folder exists)\n"
    )


def test_labelstudio_config_and_back_to_a_valid_guideline(workspace, capsys):
    folder, _url, guideline, _answers, _export = workspace
    assert main(["labelstudio-config", str(CLAUSES), "-o", "config.xml", "--instructions", "help.html"]) == 0
    assert "<h3>" in (folder / "help.html").read_text()
    assert main(["guideline-from-labelstudio", "config.xml", "--id", "clauses-next", "-o", "new.yaml"]) == 0
    capsys.readouterr()
    (folder / "clauses-next").mkdir()
    (folder / "new.yaml").rename(folder / "clauses-next" / "0.1.0.yaml")
    assert main(["validate", str(folder / "clauses-next" / "0.1.0.yaml")]) == 0
    new = load_guideline(folder / "clauses-next" / "0.1.0.yaml")
    assert [label.id for label in new.task.labels] == [label.id for label in guideline.task.labels]
    assert dump_guideline(new).startswith("format: 1")


def test_export_gold_from_a_guideline_file(workspace, capsys):
    _folder, _url, guideline, _answers, _export = workspace
    assert main(["export-gold", "--guideline", str(CLAUSES), "--format", "jsonl"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(records) == len(guideline.gold_answers())
    assert {r["source"] for r in records} == {"bank"}


def test_every_interop_verb_and_format_is_documented():
    import argparse

    from calibration.cli import interop

    parser = argparse.ArgumentParser()
    subparsers = parser.add_subparsers()
    interop.register(subparsers)
    doc = (ROOT / "docs" / "interop.md").read_text()
    missing = [f"calibration {verb}" for verb in subparsers.choices if f"calibration {verb}" not in doc]
    missing += [f"`{fmt}`" for fmt in interop.FORMATS if f"`{fmt}`" not in doc]
    assert missing == []


def test_import_with_an_item_rules_map(workspace, capsys):
    folder, url, guideline, _answers, _export = workspace
    label = guideline.task.labels[0].id
    rule = guideline.rule_ids[0]
    (folder / "r.csv").write_text(
        f"item_id,annotator_id,answer,text\nn1,ann,{label},A new clause.\nn1,bob,{label},A new clause.\n"
    )
    (folder / "map.csv").write_text(f"item_id,rule_id\nn1,{rule}\n")
    assert (
        main(
            [
                "import",
                "csv",
                "r.csv",
                "--guideline",
                guideline.ref,
                "--item-rules",
                "map.csv",
                "--round",
                "mapped",
                "--database-url",
                url,
                "--json",
            ]
        )
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert report["rule_sources"] == {"map": 1} and report["left_out_items"] == []
    items = service.round_items(make_engine(url), "mapped")
    assert items["n1"].rules == [rule] and items["n1"].input.text == "A new clause."


def test_a_csv_import_lists_every_problem_in_row_order_and_writes_nothing(workspace, capsys):
    folder, url, guideline, _answers, _export = workspace
    label = guideline.task.labels[0].id
    bad = folder / "pilot.csv"
    bad.write_text(f"item_id,annotator_id,answer\nc1,ana,{label}\nc1,bo,MEH\nc2,,{label}\n")
    engine = make_engine(url)
    before = service.counts(engine)
    code = main(["import", "csv", str(bad), "--guideline", guideline.ref, "--database-url", url])
    lines = capsys.readouterr().err.splitlines()
    assert code == 1
    assert lines[0].startswith(f"error: pilot.csv: row 3: label 'MEH' is not a label of {guideline.ref}")
    assert lines[1:] == [
        "pilot.csv: row 4: annotator_id: empty annotator_id",
        "pilot.csv: 2 problems; nothing was imported",
    ]
    assert service.counts(engine) == before
