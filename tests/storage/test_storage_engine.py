"""Engine settings, migrations, and the promises of the store: no lost answer under load or a killed process."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select, text

from calibration.errors import CalibrationError
from calibration.guidelines.model import Guideline
from calibration.rounds import service
from calibration.storage import tables as t
from calibration.storage.engine import (
    DEFAULT_URL,
    current_revision,
    database_url,
    head_revision,
    make_engine,
    session_scope,
    upgrade,
)

ROOT = Path(__file__).resolve().parents[2]
N_THREADS, N_ITEMS = 20, 200


def test_database_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CALIBRATION_DATABASE_URL", raising=False)
    assert database_url() == DEFAULT_URL == "sqlite:///calibration.db"
    monkeypatch.setenv("CALIBRATION_DATABASE_URL", "postgres://u@h/db")
    assert database_url() == "postgresql+psycopg://u@h/db"
    assert database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"


def test_in_memory_sqlite_is_refused() -> None:
    with pytest.raises(CalibrationError) as error:
        make_engine("sqlite://")
    assert error.value.message == "the database URL 'sqlite://' is an in-memory SQLite database"
    assert error.value.hint == "use a file, e.g. sqlite:///calibration.db"


def test_sqlite_runs_in_wal_mode_and_takes_the_write_lock_up_front(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "store.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    with session_scope(engine) as session:
        session.execute(select(t.User.id)).all()  # a read only, yet the write lock is held already
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            other.execute("BEGIN IMMEDIATE")
    other.execute("BEGIN IMMEDIATE")  # released at commit
    other.execute("ROLLBACK")
    with session_scope(engine, read_only=True) as session:  # dashboards: a snapshot, no write lock
        session.execute(select(t.User.id)).all()
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO sign_in_failures (login, at) VALUES ('x', '2026-01-01 00:00:00')")
        other.execute("COMMIT")
        assert session.execute(text("SELECT count(*) FROM sign_in_failures")).scalar() == 0
    other.close()
    engine.dispose()


def test_migrations_match_the_tables_and_are_idempotent(engine: Any) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    assert current_revision(engine) == head_revision()
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), t.Base.metadata)
    assert differences == []


def test_session_scope_rolls_back_on_error(engine: Any) -> None:
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        session.add(t.User(name="ghost", role="annotator"))
        session.flush()
        raise RuntimeError("boom")
    with session_scope(engine) as session:
        assert session.execute(text("SELECT count(*) FROM users")).scalar() == 0


# --------------------------------------------------------------------------- load and durability


def _big_guideline(data: dict[str, Any]) -> Guideline:
    items = [
        {"id": f"b{n:03d}", "input": f"reply {n}", "rules": ["R-POS"], "answer": "POS"}
        for n in range(N_ITEMS)
    ]
    return Guideline.model_validate(data | {"id": "big", "items": items})


@pytest.fixture
def big_round(store: Any, tiny_guideline_data: Any) -> Any:
    """A pilot round on a 200-item guideline where each of 20 annotators answers every item."""
    service.publish(store.engine, _big_guideline(tiny_guideline_data()))
    names = [f"worker{n:02d}" for n in range(N_THREADS)]
    for name in names:
        service.create_user(store.engine, name, role="annotator")
    service.create_pilot_round(
        store.engine, "load", "big@1.0.0", actor=store.lead, annotators=names, overlap=N_THREADS, seed=1
    )
    return store


@pytest.mark.slow
def test_twenty_annotators_answering_at_once_lose_nothing(big_round: Any) -> None:
    engine = big_round.engine
    users = [u for u in service.list_users(engine, "annotator")]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(users))

    def annotate(user: service.User) -> None:
        try:
            attempt = service.start_or_resume_attempt(engine, "load", user)
            barrier.wait()
            for number, item in enumerate(attempt.items):
                service.record_answer(engine, attempt.id, item, "POS" if number % 2 else "NEG", actor=user)
        except BaseException as error:  # collected and reported below
            errors.append(error)

    threads = [threading.Thread(target=annotate, args=(user,)) for user in users]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    assert errors == [], errors[:3]
    table = service.round_responses(engine, "load").responses
    assert len(table) == N_THREADS * N_ITEMS
    assert table.groupby("annotator_id").size().to_dict() == {u.name: N_ITEMS for u in users}
    assert service.counts(engine)["responses"] == N_THREADS * N_ITEMS
    print(f"{N_THREADS * N_ITEMS} answers by {N_THREADS} threads in {elapsed:.1f} s on {engine.dialect.name}")


WORKER = textwrap.dedent(
    """
    import sys
    from calibration.rounds import service
    from calibration.storage.engine import make_engine

    engine = make_engine(sys.argv[1])
    user = service.user_by_email(engine, sys.argv[2])
    attempt = service.start_or_resume_attempt(engine, sys.argv[3], user)
    print("START", attempt.id, flush=True)
    for item in attempt.items:
        service.record_answer(engine, attempt.id, item, "NEU", actor=user, seconds=1.0)
        print("ACK", item, flush=True)  # printed only after the commit returned
    print("DONE", flush=True)
    """
)


@pytest.mark.slow
def test_a_killed_process_loses_no_acknowledged_answer(big_round: Any) -> None:
    engine, url = big_round.engine, big_round.url
    process = subprocess.Popen(
        [sys.executable, "-c", WORKER, url, "worker07", "load"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=os.environ | {"PYTHONUNBUFFERED": "1"},
    )
    acknowledged: list[str] = []
    assert process.stdout is not None
    try:
        for line in process.stdout:
            if line.startswith("ACK "):
                acknowledged.append(line.split()[1])
            if len(acknowledged) == 40:
                process.send_signal(signal.SIGKILL)
                break
    finally:
        process.kill()
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, process.stderr.read() if process.stderr else ""
    assert len(acknowledged) == 40

    worker = service.user_by_email(engine, "worker07")
    attempt = service.start_or_resume_attempt(engine, "load", worker)
    assert set(acknowledged) <= set(attempt.answers)
    assert all(attempt.answers[item].answer == "NEU" for item in acknowledged)
    assert list(attempt.items[: len(acknowledged)]) == acknowledged
    # it resumes at the next item: right after the last acknowledged one, or one later when the
    # kill came between a commit and its acknowledgement
    assert attempt.next_item in attempt.items[len(acknowledged) : len(acknowledged) + 2]
    assert attempt.answered in (len(acknowledged), len(acknowledged) + 1)


def test_processes_starting_at_once_migrate_once(db_url: str) -> None:
    script = "import sys; from calibration.storage.engine import make_engine, upgrade; upgrade(make_engine(sys.argv[1]))"
    processes = [
        subprocess.Popen([sys.executable, "-c", script, db_url], stderr=subprocess.PIPE, text=True, cwd=ROOT)
        for _ in range(3)
    ]
    errors = [p.communicate(timeout=120)[1] for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0], errors
    engine = make_engine(db_url)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_sqlite_upgrade_holds_the_write_lock_from_version_read_to_commit(tmp_path: Path) -> None:
    # Alembic runs SQLite migrations one transaction each: between two of them another process could
    # read the version and run a migration a second time (seen in CI as "table already exists").
    engine = make_engine(f"sqlite:///{tmp_path / 'calibration.db'}")
    begun: list[str] = []
    event.listen(engine, "begin", lambda connection: begun.append("BEGIN"))
    upgrade(engine)
    assert begun == ["BEGIN"]  # one BEGIN IMMEDIATE for the version read and every migration
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_threads_of_one_process_migrate_one_at_a_time(db_url: str) -> None:
    engines = [make_engine(db_url) for _ in range(3)]
    errors: list[BaseException] = []

    def migrate(engine: Any) -> None:
        try:
            upgrade(engine)
        except BaseException as error:  # collected and reported below
            errors.append(error)

    threads = [threading.Thread(target=migrate, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert {current_revision(e) for e in engines} == {head_revision()}
    for engine in engines:
        engine.dispose()
