"""Every user mistake on the command line is one `error: ...` line with exit 1, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from calibration.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
GUIDELINE = str(ROOT / "guidelines" / "contract-clauses" / "1.0.0.yaml")


def _run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str]:
    code = main(argv)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


def _one_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith("wrote ")]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), err
    return lines[0]


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    folder = tmp_path / "folder"
    folder.mkdir()
    (tmp_path / "responses.csv").write_text("item_id,annotator_id,answer\ni1,a1,OTHER\ni1,a2,OTHER\n")
    (tmp_path / "garbage.db").write_bytes(bytes(range(256)) * 4)
    return {
        "folder": str(folder),
        "responses": str(tmp_path / "responses.csv"),
        "garbage": str(tmp_path / "garbage.db"),
        "missing_dir": str(tmp_path / "no" / "such" / "out.txt"),
    }


@pytest.mark.parametrize(
    ("argv", "what"),
    [
        (["agreement", "{folder}"], "responses file"),
        (["agreement", "{responses}", "--item-rules", "{folder}"], "item-to-rule file"),
        (["agreement", "{responses}", "--gold", "{folder}"], "gold file"),
        (["agreement", "{folder}", "--format", "wide"], "responses file"),
        (["ambiguity", "{folder}", "--guideline", GUIDELINE], "responses file"),
        (["compare", "{folder}", "{responses}", "--guideline", GUIDELINE], "responses file"),
        (["import", "--dry-run", "--guideline", GUIDELINE, "csv", "{folder}"], "file"),
        (["guideline-from-labelstudio", "--id", "x", "{folder}"], "file"),
    ],
)
def test_a_folder_given_for_a_file_is_one_error_line(
    capsys: pytest.CaptureFixture[str], files: dict[str, str], argv: list[str], what: str
) -> None:
    code, err = _run(capsys, [a.format(**files) for a in argv])
    assert code == 1
    assert _one_error(err) == (
        f"error: {files['folder']}: this is a folder, not a file (hint: give the path of the {what})"
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["labelstudio-config", GUIDELINE, "--output", "{missing_dir}"],
        ["labelstudio-config", GUIDELINE, "--output", "/dev/null", "--instructions", "{missing_dir}"],
        ["export-gold", "--guideline", GUIDELINE, "--output", "{missing_dir}"],
    ],
)
def test_an_output_in_a_missing_folder_is_one_error_line(
    capsys: pytest.CaptureFixture[str], files: dict[str, str], argv: list[str]
) -> None:
    code, err = _run(capsys, [a.format(**files) for a in argv])
    assert code == 1
    assert _one_error(err) == (
        f"error: {files['missing_dir']}: no such output file (hint: check the path and that its folder exists)"
    )


def test_an_output_that_is_a_folder_is_one_error_line(
    capsys: pytest.CaptureFixture[str], files: dict[str, str]
) -> None:
    code, err = _run(capsys, ["labelstudio-config", GUIDELINE, "--output", files["folder"]])
    assert code == 1
    assert "this is a folder, not a file (hint: give the path of the output file)" in _one_error(err)


STORE_VERBS = [
    ["db", "upgrade"],
    ["db", "status"],
    ["publish", GUIDELINE],
    ["round", "list"],
    ["round", "status", "r"],
    ["export", "responses", "r"],
    ["user", "add", "--role", "lead", "bob"],
    ["invite", "r"],
    ["report", "r"],
    ["export-gold", "--round", "r"],
    ["export-agreement", "r"],
    ["labelstudio-tasks", "--round", "r"],
]


@pytest.mark.parametrize("verb", STORE_VERBS, ids=lambda v: " ".join(v[:2]))
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("foo://bar", "error: CALIBRATION_DATABASE_URL: cannot use the database URL 'foo://bar': "),
        ("postgresql+nodriver://x/y", "error: CALIBRATION_DATABASE_URL: cannot use the database URL "),
        ("sqlite:///{garbage}", "error: cannot use the database sqlite:///{garbage}: file is not a database"),
    ],
    ids=["unknown-dialect", "unknown-driver", "not-a-database"],
)
def test_a_bad_database_is_one_error_line_for_every_store_verb(
    capsys: pytest.CaptureFixture[str], files: dict[str, str], verb: list[str], url: str, expected: str
) -> None:
    url = url.format(**files)
    code, err = _run(capsys, [*verb, "--database-url", url])
    assert code == 1
    line = _one_error(err)
    assert line.startswith(expected.format(**files))
    assert "(hint: " in line


def test_a_sqlite_folder_that_cannot_be_created_is_one_error_line(
    capsys: pytest.CaptureFixture[str], files: dict[str, str]
) -> None:
    url = f"sqlite:///{files['responses']}/sub/x.db"  # a file stands where a folder should be
    code, err = _run(capsys, ["db", "upgrade", "--database-url", url])
    assert code == 1
    line = _one_error(err)
    assert line.startswith("error: CALIBRATION_DATABASE_URL: cannot create the folder ")
    assert "of the SQLite database" in line


@pytest.mark.parametrize("verb", ["validate", "lint"])
def test_a_folder_without_guidelines_is_misuse_like_a_missing_path(
    capsys: pytest.CaptureFixture[str], files: dict[str, str], verb: str
) -> None:
    code, err = _run(capsys, [verb, files["folder"]])
    assert code == 2
    assert f"{files['folder']}: no guideline files (*.yaml) in this folder" in err


def test_positionals_after_map_labels_are_named_in_the_misuse_message(
    capsys: pytest.CaptureFixture[str], files: dict[str, str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["import", "--guideline", GUIDELINE, "--map-labels", "a=b", "csv", files["responses"]])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "argument --map-labels: expected OLD=NEW, got 'csv' (put FORMAT FILE before --map-labels" in err
    assert "Traceback" not in err


def test_a_ragged_csv_is_one_error_line_with_a_hint(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("item_id,annotator_id,answer\ni1,a1,OTHER\ni1,a2,OTHER,extra,more\n")
    code, err = _run(capsys, ["agreement", str(ragged)])
    assert code == 1
    assert _one_error(err) == (
        f"error: {ragged}: the responses file is not valid CSV: Error tokenizing data. C error: Expected 3 "
        "fields in line 3, saw 5 (hint: fields are separated by commas; quote a field that holds a comma, "
        "quote or line break)"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["agreement", "{responses}", "--bootstrap", "100000000"],
            "argument --bootstrap: expected a whole number of resamples from 0 to 20000, got '100000000'",
        ),
        (
            ["report", "r", "--bootstrap", "-1"],
            "argument --bootstrap: expected a whole number of resamples from 0 to 20000, got '-1'",
        ),
        (
            ["invite", "r", "--days", "nan"],
            "argument --days: expected a number of days above 0 and at most 3650",
        ),
        (
            ["invite", "r", "--days", "1e300"],
            "argument --days: expected a number of days above 0 and at most 3650",
        ),
    ],
)
def test_out_of_range_numbers_are_misuse_not_a_crash(
    capsys: pytest.CaptureFixture[str], files: dict[str, str], argv: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        main([a.format(**files) for a in argv])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize("top", ["0", "-1", "two"])
def test_ambiguity_top_must_be_positive(
    capsys: pytest.CaptureFixture[str], files: dict[str, str], top: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["ambiguity", files["responses"], "--guideline", GUIDELINE, "--top", top])
    assert exited.value.code == 2
    assert f"argument --top: expected a whole number of 1 or more, got '{top}'" in capsys.readouterr().err


def test_a_database_failing_mid_command_is_one_error_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from calibration.rounds import service

    def failing(_engine: object) -> None:
        raise OperationalError("SELECT ...", {}, sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr(service, "list_rounds", failing)
    code, err = _run(capsys, ["round", "list", "--database-url", f"sqlite:///{tmp_path / 'x.db'}"])
    assert code == 1
    assert _one_error(err) == (
        "error: the database failed: database is locked "
        "(hint: check that it is reachable, then run the command again)"
    )


def test_a_programming_error_still_shows_its_traceback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from calibration.rounds import service

    def broken(_engine: object) -> None:
        raise ZeroDivisionError("a bug, not a user error")

    monkeypatch.setattr(service, "list_rounds", broken)
    with pytest.raises(ZeroDivisionError):
        main(["round", "list", "--database-url", f"sqlite:///{tmp_path / 'x.db'}"])
