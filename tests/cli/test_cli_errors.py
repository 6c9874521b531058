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
def test_a_folder_without_guidelines_is_refused_like_a_missing_path(
    capsys: pytest.CaptureFixture[str], files: dict[str, str], verb: str
) -> None:
    code, err = _run(capsys, [verb, files["folder"]])
    assert code == 1
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
        f"error: {ragged}: row 3: 5 cells, but the header names 3 columns "
        "(hint: quote a cell that holds a comma, or remove the extra commas)"
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

    def failing(_engine: object, **_options: object) -> None:
        raise OperationalError("SELECT ...", {}, sqlite3.OperationalError("database is locked"))

    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert _run(capsys, ["db", "upgrade", "--database-url", url])[0] == 0  # the store exists
    monkeypatch.setattr(service, "list_rounds", failing)
    code, err = _run(capsys, ["round", "list", "--database-url", url])
    assert code == 1
    assert _one_error(err) == (
        "error: the database failed: database is locked "
        "(hint: check that it is reachable, then run the command again)"
    )


def test_a_programming_error_still_shows_its_traceback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from calibration.rounds import service

    def broken(_engine: object, **_options: object) -> None:
        raise ZeroDivisionError("a bug, not a user error")

    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert main(["db", "upgrade", "--database-url", url]) == 0  # the store exists
    monkeypatch.setattr(service, "list_rounds", broken)
    with pytest.raises(ZeroDivisionError):
        main(["round", "list", "--database-url", url])


@pytest.mark.parametrize(
    "argv",
    [
        ["db", "status"],
        ["round", "list"],
        ["round", "status", "r"],
        ["export", "responses", "r"],
        ["invite", "r"],
        ["export-agreement", "r"],
        ["report", "r"],
    ],
)
def test_a_command_that_reads_the_store_refuses_a_missing_sqlite_file(
    argv: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A mistyped --database-url must not create an empty store and then say "unknown round"."""
    missing = tmp_path / "typo" / "x.db"
    code, err = _run(capsys, [*argv, "--database-url", f"sqlite:///{missing}"])
    assert code == 1
    assert _one_error(err).startswith(f"error: --database-url: no database at {missing}")
    assert not missing.exists() and not missing.parent.exists()


# --------------------------------------------------------------------------- hostile files (issue 12, 7 and 8)

BIG = "9" * 5000
DOCCANO_LINE = b'{"id": 1, "text": "a clause", "label": ["OTHER"]}\n'


def _zip(members: dict[str, bytes], method: int = 8) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _patch_headers(data: bytes, offset: int, central: int, value: bytes) -> bytes:
    """Overwrite a field of every local (PK 3 4) and central (PK 1 2) header."""
    out = bytearray(data)
    for signature, at in ((b"PK\x03\x04", offset), (b"PK\x01\x02", central)):
        start = out.find(signature)
        while start >= 0:
            out[start + at : start + at + len(value)] = value
            start = out.find(signature, start + 4)
    return bytes(out)


def _bad_crc() -> bytes:
    data = _zip({"alice.jsonl": DOCCANO_LINE}, method=0)  # stored: the bytes are the text
    return data.replace(b"a clause", b"b clause", 1)


def _encrypted() -> bytes:
    return _patch_headers(_zip({"alice.jsonl": DOCCANO_LINE}, method=0), 6, 8, b"\x01\x00")


def _unknown_method() -> bytes:
    return _patch_headers(_zip({"alice.jsonl": DOCCANO_LINE}), 8, 10, b"\x4d\x00")


def _corrupt_stream() -> bytes:
    data = bytearray(_zip({"alice.jsonl": DOCCANO_LINE * 50}))
    start = 30 + len("alice.jsonl")
    data[start : start + 6] = b"\xff" * 6
    return bytes(data)


@pytest.fixture
def hostile(tmp_path: Path) -> dict[str, str]:
    files = {
        "big.csv": f"item_id,annotator_id,answer\ni1,a1,{BIG}\ni1,a2,3\n",
        "big.jsonl": '{"id": 1, "text": "x", "label": ["OTHER"], "n": ' + BIG + "}\n",
        "big.json": '[{"id": ' + BIG + "}]",
        "prodigy.jsonl": '{"_input_hash": ' + BIG + ', "_annotator_id": "a", "answer": "accept"}\n',
        "argilla.jsonl": '{"id": "r1", "fields": {"text": "x"}, "n": ' + BIG + "}\n",
        "nul.csv": "item_id,annotator_id,answer\ni1,ann\x00a,OTHER\ni1,ann,OTHER\n",
    }
    out = {}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
        out[name] = str(tmp_path / name)
    for name, data in {
        "crc.zip": _bad_crc(),
        "encrypted.zip": _encrypted(),
        "method.zip": _unknown_method(),
        "stream.zip": _corrupt_stream(),
        "twice.zip": _zip({"alice.jsonl": DOCCANO_LINE, "sub/alice.jsonl": DOCCANO_LINE}),
    }.items():
        (tmp_path / name).write_bytes(data)
        out[name] = str(tmp_path / name)
    guideline = tmp_path / "g" / "contract-clauses" / "1.0.0.yaml"
    guideline.parent.mkdir(parents=True)
    guideline.write_text(Path(GUIDELINE).read_text().split("\nitems:")[0] + "\nitems_file: items.jsonl\n")
    (guideline.parent / "items.jsonl").write_text(
        '{"id": "q1", "input": "x", "rules": ["R-INDEM"], "answer": "OTHER", "n": ' + BIG + "}\n"
    )
    out["items_guideline"] = str(guideline)
    return out


IMPORT = ["import", "--dry-run", "--guideline", GUIDELINE]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["agreement", "{big.csv}"],
            "{big.csv}: row 2: answer: a number of 5,000 digits; at most 4,300 are read",
        ),
        (
            [*IMPORT, "csv", "{big.csv}"],
            "<big.csv>: row 2: answer: a number of 5,000 digits; at most 4,300 are read",
        ),
        ([*IMPORT, "labelstudio", "{big.json}"], "<big.json>:1:9: a number has 5,000 digits; at most 4,300"),
        ([*IMPORT, "prodigy", "{prodigy.jsonl}"], "<prodigy.jsonl>:1:17: a number has 5,000 digits; at most"),
        ([*IMPORT, "doccano", "{big.jsonl}"], "<big.jsonl>:1:49: a number has 5,000 digits; at most 4,300"),
        ([*IMPORT, "argilla", "{argilla.jsonl}"], "<argilla.jsonl>:1:44: a number has 5,000 digits; at most"),
        (
            [*IMPORT, "doccano", "{crc.zip}"],
            "<crc.zip>: alice.jsonl: the zip is damaged (Bad CRC-32 for file",
        ),
        (
            [*IMPORT, "doccano", "{encrypted.zip}"],
            "<encrypted.zip>: alice.jsonl: the file is encrypted (hint: zip",
        ),
        (
            [*IMPORT, "doccano", "{method.zip}"],
            "<method.zip>: alice.jsonl: compression method 77 is not supported (hint: zip it again",
        ),
        ([*IMPORT, "doccano", "{stream.zip}"], "<stream.zip>: alice.jsonl: the compressed data is corrupt ("),
        (
            [*IMPORT, "doccano", "{twice.zip}"],
            "<twice.zip>: sub/alice.jsonl and alice.jsonl name the same annotator 'alice' (hint: keep one",
        ),
        (["agreement", "{nul.csv}"], "{nul.csv}:2: the responses file holds a NUL character (byte 34)"),
        ([*IMPORT, "csv", "{nul.csv}"], "{nul.csv}: the file holds a NUL byte (offset 34, line 2)"),
    ],
    ids=[
        "agreement-rating-cell",
        "import-csv-cell",
        "labelstudio-int",
        "prodigy-int",
        "doccano-int",
        "argilla-int",
        "zip-bad-crc",
        "zip-encrypted",
        "zip-unknown-method",
        "zip-corrupt-stream",
        "zip-same-user-twice",
        "agreement-nul-annotator",
        "import-nul-annotator",
    ],
)
def test_a_hostile_file_is_one_error_line(
    capsys: pytest.CaptureFixture[str], hostile: dict[str, str], argv: list[str], expected: str
) -> None:
    def fill(text: str) -> str:
        for name, path in hostile.items():
            text = text.replace("{" + name + "}", path).replace(f"<{name}>", Path(path).name)
        return text

    code, err = _run(capsys, [fill(a) for a in argv])
    assert code == 1, err
    assert fill(expected) in _one_error(err)


def test_a_huge_number_in_an_items_file_is_one_problem(
    capsys: pytest.CaptureFixture[str], hostile: dict[str, str]
) -> None:
    code = main(["validate", hostile["items_guideline"]])
    out = capsys.readouterr().out
    assert code == 1
    assert "Traceback" not in out
    assert "items.jsonl:1:1: a number has more than 4,300 digits (hint: no item needs such a number" in out


def test_an_export_to_a_full_disk_is_one_error_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, tiny_guideline: object
) -> None:
    from calibration.rounds import service
    from calibration.storage.engine import make_engine, upgrade

    url = f"sqlite:///{tmp_path / 'full.db'}"
    engine = make_engine(url)
    upgrade(engine)
    service.publish_guideline(engine, tiny_guideline)  # type: ignore[arg-type]
    service.create_pilot_round(engine, "p", tiny_guideline.ref, actor=service.SYSTEM)  # type: ignore[attr-defined]
    responses = __import__("pandas").DataFrame(
        {"item_id": ["i01", "i01"], "annotator_id": ["a", "b"], "answer": ["POS", "NEG"]}
    )
    service.import_responses(engine, "p", responses, actor=service.SYSTEM, source="test")
    for fmt in ("csv", "jsonl"):
        code, err = _run(
            capsys, ["export", "responses", "p", "-o", "/dev/full", "--format", fmt, "--database-url", url]
        )
        assert code == 1
        assert _one_error(err) == (
            "error: /dev/full: cannot use the output file: No space left on device (hint: check the path)"
        )


def test_nul_in_imported_names_and_comments_is_one_error_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, store: object
) -> None:
    from calibration.guidelines.loading import load_guideline
    from calibration.rounds import service

    guideline = load_guideline(GUIDELINE)
    service.publish_guideline(store.engine, guideline)  # type: ignore[attr-defined]
    cases = {
        "name": (
            "prodigy",
            '{"_input_hash": 1, "_annotator_id": "ann\\u0000a", "answer": "accept", "accept": ["OTHER"], '
            '"text": "x", "options": [{"id": "OTHER"}]}\n',
        ),
        "comment": ("doccano", '{"id": 1, "text": "x", "label": ["OTHER"], "Comments": ["a\\u0000b"]}\n'),
    }
    for field, (fmt, line) in cases.items():
        path = tmp_path / f"{field}.jsonl"
        path.write_text(line)
        argv = ["import", fmt, str(path), "--guideline", guideline.ref, "--round", f"r-{field}"]
        code, err = _run(capsys, [*argv, "--database-url", store.url])  # type: ignore[attr-defined]
        assert code == 1, err
        assert "the text holds a NUL character (\\0), which cannot be stored" in _one_error(err)


# --------------------------------------------------------------------------- memory bounded by the file limits

_MEASURE = """
import json, resource, sys
limit = 3 * 1024**3  # address space: a run that would read a whole device fails here, not on the machine
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from calibration.cli.main import main
try:
    code = main(sys.argv[1:])
except MemoryError:
    code = "MemoryError"
# VmHWM: the peak of this program's own memory. ru_maxrss would also count the parent's (pytest's) RSS,
# which Linux carries over fork and exec into the child's maximum.
try:
    with open("/proc/self/status") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
except (OSError, StopIteration):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"code": code, "peak_mib": peak}), file=sys.stderr)
"""
PEAK_MIB = 512


def _measured(argv: list[str], cwd: Path) -> tuple[int, str, str, float]:
    """Run the CLI in a fresh process; its exit code, stdout, stderr (last line dropped) and peak RSS."""
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *argv], capture_output=True, text=True, cwd=cwd, env=env, timeout=600
    )
    *lines, last = done.stderr.strip().splitlines()
    result = json.loads(last)
    return result["code"], done.stdout, "\n".join(lines), result["peak_mib"]


def _zip_bomb(path: Path, lines: int) -> None:
    import zipfile

    with (
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("alice.jsonl", "w") as member,
    ):
        for _ in range(lines // 10_000):
            member.write(DOCCANO_LINE * 10_000)


def _wide_csv(path: Path, columns: int) -> None:
    names = ",".join(f"a{i}" for i in range(columns))
    path.write_text(f"item_id,{names}\ni1,{','.join('X' for _ in range(columns))}\n")


def _long_field(path: Path, size: int) -> None:
    with path.open("w") as handle:
        handle.write("item_id,annotator_id,answer\ni1,a1,")
        chunk = "x" * 2**20
        for _ in range(size // 2**20):
            handle.write(chunk)
        handle.write("\ni1,a2,OTHER\n")


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("agreement-dev-zero", "error: /dev/zero:1: the responses file holds a NUL character (byte 0)"),
        ("import-dev-zero", "error: /dev/zero: the file holds a NUL byte (offset 0, line 1)"),
        ("doccano-zip-bomb", "error: bomb.zip: the zip expands "),
        (
            "wide-csv",
            "error: wide.csv: row 1: the responses file has 1,000,001 columns; at most 10,000 are read",
        ),
        ("long-field", "error: field.csv:2: a cell of the responses file is over 1,048,576 characters"),
    ],
    ids=lambda value: value if value.count(" ") == 0 else "",
)
def test_memory_stays_bounded_by_the_file_limits(tmp_path: Path, case: str, expected: str) -> None:
    if case == "doccano-zip-bomb":
        _zip_bomb(tmp_path / "bomb.zip", 3_000_000)
        assert (tmp_path / "bomb.zip").stat().st_size < 1024 * 1024
        argv = [*IMPORT, "doccano", "bomb.zip"]
    elif case == "wide-csv":
        _wide_csv(tmp_path / "wide.csv", 1_000_000)
        argv = ["agreement", "wide.csv", "--format", "wide"]
    elif case == "long-field":
        _long_field(tmp_path / "field.csv", 100 * 2**20)
        argv = ["agreement", "field.csv"]
    elif case == "agreement-dev-zero":
        argv = ["agreement", "/dev/zero"]
    else:
        argv = [*IMPORT, "labelstudio", "/dev/zero"]
    code, _, err, peak = _measured(argv, tmp_path)
    assert code == 1, err
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1 and err.startswith(expected), err
    assert peak < PEAK_MIB


def test_repeated_warnings_are_summarised_not_printed_one_by_one(tmp_path: Path) -> None:
    (tmp_path / "alice.jsonl").write_bytes(DOCCANO_LINE * 50_000)
    code, out, err, peak = _measured([*IMPORT, "doccano", "alice.jsonl"], tmp_path)
    assert code == 0, err
    warnings = [line for line in out.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 21
    assert warnings[-1] == "warning: ... and 49,979 more answers given twice (the later kept)"
    assert peak < PEAK_MIB


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "{missing}"],
        ["lint", "{missing}"],
        ["versions", "{missing}"],
        ["diff", "{missing}", "{missing}"],
        ["agreement", "{missing}"],
        ["ambiguity", "{pilot}", "--guideline", "{missing}"],
    ],
)
def test_a_missing_path_is_exit_1_and_one_line_naming_it_first(
    args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every command: exit 1 (docs/cli.md) and `error: PATH: no such ...` (validate said 2, diff 'no such file: X')."""
    missing = str(tmp_path / "nope.yaml")
    pilot = str(Path(__file__).resolve().parents[2] / "examples/agreement/contract-pilot.csv")
    assert main([a.format(missing=missing, pilot=pilot) for a in args]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {missing}: no such "), err
    assert err.count("\n") == 1 and err.count(missing) == 1 and "(hint: " in err
