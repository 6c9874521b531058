"""The guideline verbs of the CLI, run in-process: validate, versions, diff, lint, schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from calibration.cli.main import main
from calibration.guidelines.loading import guideline_files, validate_paths
from calibration.guidelines.versions import BUNDLED_DIR

BROKEN = Path(__file__).resolve().parents[1] / "guidelines" / "fixtures" / "broken"


@pytest.fixture
def versions_dir(tmp_path: Path, valid_yaml: str) -> Path:
    folder = tmp_path / "sentiment"
    folder.mkdir()
    (folder / "1.0.0.yaml").write_text(valid_yaml, encoding="utf-8")
    newer = (
        valid_yaml.replace("version: 1.0.0", "version: 1.1.0", 1)
        .replace("when the reviewer recommends", "when the reviewer clearly recommends")
        .replace(
            "    rules: [R-POS, R-NEG]\n",
            "    rules: [R-POS, R-NEG]\n  - version: 1.1.0\n    date: 2024-03-01\n"
            "    changes: Praise must be clear.\n    rules: [R-POS]\n",
            1,
        )
    )
    (folder / "1.1.0.yaml").write_text(newer, encoding="utf-8")
    return folder


def test_validate_valid_file_exits_0(versions_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(versions_dir)]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "2 files checked: valid\n"


def test_validate_broken_folder_prints_every_problem_one_per_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(BROKEN)]) == 1
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines == [str(p) for p in validate_paths([BROKEN])]
    assert (
        f"{BROKEN / 'unknown_field.yaml'}:15:5: rules[0].lables: unknown field 'lables'; expected one of id, "
        "title, text, labels, examples, edge_cases (hint: did you mean 'labels'?)"
    ) in lines
    files, _ = guideline_files([BROKEN])  # one fixture per check; the count grows with the checks
    assert len(files) >= 23
    assert err == f"{len(files)} files checked: {len(lines)} problems\n"


def test_validate_json_lists_objects(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--json", str(BROKEN / "bad_version.yaml")]) == 1
    assert json.loads(capsys.readouterr().out)[:1] == [
        {
            "path": str(BROKEN / "bad_version.yaml"),
            "line": 3,
            "column": 10,
            "row": None,
            "field": "version",
            "message": "version '1.0' is not a semantic version such as 1.0.0",
            "hint": None,
            "code": "value_error",
            "severity": "error",
        }
    ]


def test_validate_missing_path_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 1
    assert (
        capsys.readouterr().err
        == f"error: {tmp_path / 'nope.yaml'}: no such file or folder (hint: check the path)\n"
    )


def test_validate_without_paths_is_misuse(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["validate"])
    assert exited.value.code == 2
    assert "the following arguments are required: PATH" in capsys.readouterr().err


def test_bundled_guidelines_validate() -> None:
    assert main(["validate", str(BUNDLED_DIR)]) == 0


def test_versions_lists_hash_date_and_changelog(
    versions_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["versions", str(versions_dir)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines if not line.startswith(" ")] == ["1.0.0", "1.1.0"]
    assert lines[0].endswith("  2024-01-15") and len(lines[0].split()[1]) == 12
    assert "    Praise must be clear." in lines and "    rules: R-POS" in lines
    assert main(["versions", "--json", str(versions_dir)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["version"], r["date"], r["rules"]) for r in rows] == [
        ("1.0.0", "2024-01-15", ["R-POS", "R-NEG"]),
        ("1.1.0", "2024-03-01", ["R-POS"]),
    ]
    assert len(rows[0]["hash"]) == 64 and rows[0]["hash"] != rows[1]["hash"]


def test_versions_of_missing_folder_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["versions", str(tmp_path / "nope")]) == 1
    assert capsys.readouterr().err.startswith(f"error: {tmp_path / 'nope'}: no such folder (hint: ")


def test_versions_with_an_invalid_file_reports_it(
    versions_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (versions_dir / "1.2.0.yaml").write_text("- not a guideline\n", encoding="utf-8")
    assert main(["versions", str(versions_dir)]) == 1
    assert "the top level must be a mapping" in capsys.readouterr().err


def test_diff_markdown_and_json(versions_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old, new = str(versions_dir / "1.0.0.yaml"), str(versions_dir / "1.1.0.yaml")
    assert main(["diff", old, new]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Changes from sentiment@1.0.0 to sentiment@1.1.0\n")
    assert "- text: Label POS when the reviewer **clearly** recommends the product." in out
    assert (
        main(["diff", "--json", "--root", str(versions_dir.parent), "sentiment@1.0.0", "sentiment@1.1.0"])
        == 0
    )
    assert json.loads(capsys.readouterr().out)["changed_rule_ids"] == ["R-POS"]


def test_diff_unknown_inputs(versions_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "missing.yaml", str(versions_dir / "1.0.0.yaml")]) == 1
    assert (
        capsys.readouterr().err
        == "error: missing.yaml: no such file (hint: give a guideline file or id@version)\n"
    )
    assert main(["diff", "--root", str(versions_dir.parent), "sentiment@9.0.0", "sentiment@1.0.0"]) == 1
    assert capsys.readouterr().err == (
        "error: sentiment@9.0.0: guideline 'sentiment' has no version '9.0.0' (hint: versions: 1.0.0, 1.1.0)\n"
    )


def test_lint_warns_and_strict_fails(
    tmp_path: Path, valid_yaml: str, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "g.yaml"
    file.write_text(valid_yaml.replace("Label NEG when", "Usually label NEG when"), encoding="utf-8")
    assert main(["lint", str(file)]) == 0
    out, err = capsys.readouterr()
    assert out == (
        f"{file}:30:11: rules[1].text: vague wording 'Usually' in rule 'R-NEG' (line 1, column 1 of the text) "
        "(hint: say when it does not apply) [vague_wording]\n"
    )
    assert err == "1 file linted: 1 warning\n"
    assert main(["lint", "--strict", str(file)]) == 1
    capsys.readouterr()
    assert main(["lint", "--json", str(file)]) == 0
    [warning] = json.loads(capsys.readouterr().out)
    assert (warning["code"], warning["severity"], warning["line"]) == ("vague_wording", "warning", 30)


def test_lint_clean_and_invalid_files(versions_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "--strict", str(versions_dir)]) == 0
    assert capsys.readouterr().out == ""
    assert main(["lint", str(BROKEN / "bad_version.yaml")]) == 1
    assert "is not a semantic version" in capsys.readouterr().out


def test_schema_prints_json_schema_with_descriptions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["rules"]["description"] == "The rules."
    assert schema["$defs"]["Rule"]["additionalProperties"] is False
    item_input = schema["$defs"]["Item"]["properties"]["input"]["anyOf"]
    assert item_input[0]["type"] == "string"
