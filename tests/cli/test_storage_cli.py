"""The storage verbs of the CLI, in-process: db upgrade, user add, publish, round create/status, invite, export."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from calibration.answers import load_cell
from calibration.cli.main import main
from calibration.rounds import service
from calibration.storage.engine import head_revision, make_engine


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def guideline_file(tmp_path: Path, tiny_guideline_data: Any) -> Path:
    path = tmp_path / "guidelines" / "tiny" / "1.0.0.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(yaml.safe_dump(tiny_guideline_data(), sort_keys=False), encoding="utf-8")
    return path


def test_a_round_from_the_command_line(
    db_url: str, guideline_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    db = ("--database-url", db_url)
    code, out, _ = _run(capsys, "db", "upgrade", *db)
    assert code == 0 and out.strip().endswith(f"is at revision {head_revision()}")

    monkeypatch.setattr("sys.stdin", io.StringIO("a long pass phrase\n"))
    code, out, _ = _run(
        capsys,
        "user",
        "add",
        "lena",
        "--email",
        "lena@example.org",
        "--role",
        "lead",
        "--password-stdin",
        *db,
    )
    assert (code, out) == (0, "added lead lena <lena@example.org>\n")
    for name in ("ann", "bob"):
        assert _run(capsys, "user", "add", name, "--role", "annotator", *db)[0] == 0
    engine = make_engine(db_url)
    assert service.authenticate(engine, "lena@example.org", "a long pass phrase").role == "lead"

    code, out, _ = _run(capsys, "publish", str(guideline_file), *db)
    assert code == 0 and out.startswith("published tiny@1.0.0 (content hash ")
    code, out, _ = _run(capsys, "publish", str(guideline_file), *db)
    assert code == 0 and out.startswith("already published tiny@1.0.0")
    changed = yaml.safe_load(guideline_file.read_text()) | {"title": "Another title"}
    guideline_file.write_text(yaml.safe_dump(changed, sort_keys=False))
    code, _, err = _run(capsys, "publish", str(guideline_file), *db)
    assert code == 1
    assert err.startswith("error: version: tiny@1.0.0 is already published with different content")
    assert "bump the version (e.g. to 1.0.1)" in err

    code, out, _ = _run(
        capsys, "round", "create", "pilot-1", "--guideline", "tiny@1.0.0", "--kind", "pilot",
        "--annotators", "ann,bob", "--overlap", "2", "--seed", "3", *db,
    )  # fmt: skip
    assert (code, out) == (0, "created pilot round 'pilot-1' on tiny@1.0.0\n")
    code, out, _ = _run(
        capsys, "round", "create", "cal-1", "--guideline", "tiny@1.0.0", "--kind", "calibration", *db
    )
    assert code == 0

    ann = service.user_by_email(engine, "ann")
    attempt = service.start_or_resume_attempt(engine, "pilot-1", ann)
    for item in attempt.items[:3]:
        service.record_answer(engine, attempt.id, item, "NEG", actor=ann, confidence=3)

    code, out, _ = _run(capsys, "round", "status", "pilot-1", "--json", *db)
    status = json.loads(out)
    assert [(a["annotator"], a["status"], a["answered"], a["total"]) for a in status["annotators"]] == [
        ("ann", "in_progress", 3, 13),
        ("bob", "not_started", 0, 13),
    ]
    code, out, _ = _run(capsys, "round", "status", "pilot-1", *db)
    assert out.splitlines()[0] == "pilot-1 (pilot, tiny@1.0.0, open)"

    output = tmp_path / "responses.csv"
    code, _, err = _run(
        capsys, "export", "responses", "pilot-1", "--format", "csv", "--output", str(output), *db
    )
    assert code == 0 and err == f"wrote 3 responses of 'pilot-1' to {output}\n"
    table = pd.read_csv(output, dtype=str)
    assert list(table.columns)[:3] == ["item_id", "annotator_id", "answer"]
    assert sorted(table["item_id"]) == sorted(attempt.items[:3])
    assert {load_cell(c) for c in table["answer"]} == {"NEG"}
    code, out, _ = _run(capsys, "export", "responses", "pilot-1", "--format", "jsonl", *db)
    lines = [json.loads(line) for line in out.splitlines()]
    assert [(r["annotator_id"], r["answer"], r["confidence"]) for r in lines] == [("ann", "NEG", 3)] * 3

    code, out, _ = _run(capsys, "invite", "pilot-1", "--base-url", "https://calib.example.org/", *db)
    token = out.strip().split("?invite=")[1]
    assert out.startswith("https://calib.example.org/?invite=")
    user, round_ = service.redeem_invitation(engine, token, "dora")
    assert (user.name, round_.name) == ("dora", "pilot-1")
    engine.dispose()


def test_cli_errors_are_one_line(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    db = ("--database-url", db_url)
    assert _run(capsys, "db", "upgrade", *db)[0] == 0  # the store exists
    code, _, err = _run(capsys, "round", "status", "nope", *db)
    assert (code, err) == (
        1,
        "error: round: unknown round 'nope' (hint: create one with: calibration round create)\n",
    )
    code, _, err = _run(capsys, "round", "create", "r", "--guideline", "tiny", "--kind", "pilot", *db)
    assert code == 1 and err.startswith("error: guideline: 'tiny' does not name a guideline version")
    with pytest.raises(SystemExit) as misuse:
        main(["round", "create", "r", "--guideline", "x@1", "--kind", "quiz", *db])
    assert misuse.value.code == 2 and "invalid choice: 'quiz'" in capsys.readouterr().err


def test_in_memory_database_url_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "db", "upgrade", "--database-url", "sqlite://")
    assert code == 1
    assert err == (
        "error: CALIBRATION_DATABASE_URL: the database URL 'sqlite://' is an in-memory SQLite database "
        "(hint: use a file, e.g. sqlite:///calibration.db)\n"
    )


def test_an_unreachable_database_is_one_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/nothing?connect_timeout=2"
    for argv in (["db", "upgrade"], ["db", "status"]):
        code, _, err = _run(capsys, *argv, "--database-url", url)
        assert code == 1 and err.startswith(
            "error: cannot use the database postgresql+psycopg://nobody@127.0.0.1:1/"
        )
        assert err.rstrip().endswith("(hint: check --database-url or CALIBRATION_DATABASE_URL)")
        assert err.count("\n") == 1


def test_exported_responses_feed_the_agreement_command(
    store: Any, guideline_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = store.engine
    code, _, _ = _run(capsys, "publish", str(guideline_file), "--database-url", store.url)
    assert code == 0
    for name in ("ann", "bob"):
        service.create_user(engine, name, role="annotator")
    service.create_pilot_round(
        engine, "p", "tiny@1.0.0", actor=store.lead, annotators=["ann", "bob"], overlap=2
    )
    gold = service.get_guideline(engine, "tiny@1.0.0").gold_answers()
    for name in ("ann", "bob"):
        user = service.user_by_email(engine, name)
        attempt = service.start_or_resume_attempt(engine, "p", user)
        for item in attempt.items:
            answer = "NEU" if item == "p01" or (name == "bob" and item in ("i01", "i02")) else gold[item]
            service.record_answer(engine, attempt.id, item, answer, actor=user)
    output = tmp_path / "export.csv"
    assert _run(capsys, "export", "responses", "p", "-o", str(output), "--database-url", store.url)[0] == 0
    code, out, err = _run(capsys, "agreement", str(output), "--guideline", str(guideline_file), "--json")
    assert code == 0, err
    overall = json.loads(out)["overall"]
    assert (overall["n_items"], overall["n_annotators"], overall["n_annotations"]) == (13, 2, 26)
    assert overall["percent_agreement"] == pytest.approx(11 / 13)
