"""Storage bench: time per `record_answer` (median, p95) and concurrent answering throughput.

Usage: ``python bench/storage.py [--answers 500] [--threads 20] [--per-thread 200] [--postgres URL]``

On a fresh SQLite file (and on PostgreSQL when a URL is given, or $CALIBRATION_TEST_POSTGRES_URL is
set) it measures:
1. one annotator answering `--answers` items one after another: time per `record_answer` call;
2. `--threads` annotators answering `--per-thread` items each at once: answers per second, and
   that none is lost and no "database is locked" is raised.
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from calibration.guidelines.model import Guideline
from calibration.rounds import service
from calibration.storage.engine import make_engine, upgrade


def _guideline(n_items: int) -> Guideline:
    labels = [{"id": x, "name": x.title()} for x in ("POS", "NEG", "NEU")]
    rules = [
        {"id": f"R-{x}", "title": x, "text": f"Label {x}.", "labels": [x]} for x in ("POS", "NEG", "NEU")
    ]
    items = [
        {
            "id": f"b{n:04d}",
            "input": f"reply {n}",
            "rules": [rules[n % 3]["id"]],
            "answer": labels[n % 3]["id"],
        }
        for n in range(n_items)
    ]
    data = {"format": 1, "id": "bench", "version": "1.0.0", "title": "Bench", "rules": rules, "items": items}
    return Guideline.model_validate(data | {"task": {"type": "single_label", "labels": labels}})


def _store(url: str, n_items: int, annotators: list[str]) -> Any:
    engine = make_engine(url)
    upgrade(engine)
    service.publish(engine, _guideline(n_items))
    for name in annotators:
        service.create_user(engine, name, role="annotator")
    return engine


def sequential(url: str, n: int) -> dict[str, float]:
    engine = _store(url, n, ["solo"])
    service.create_pilot_round(
        engine, "seq", "bench@1.0.0", actor=service.SYSTEM, annotators=["solo"], overlap=1
    )
    user = service.user_by_email(engine, "solo")
    attempt = service.start_or_resume_attempt(engine, "seq", user)
    times = []
    for item in attempt.items:
        started = time.perf_counter()
        service.record_answer(engine, attempt.id, item, "POS", actor=user, confidence=3, seconds=2.0)
        times.append(time.perf_counter() - started)
    engine.dispose()
    times.sort()
    return {
        "median_ms": 1000 * statistics.median(times),
        "p95_ms": 1000 * times[int(0.95 * (len(times) - 1))],
    }


def sqlite_floor(path: Path, n: int) -> dict[str, float]:
    """Baseline: bare sqlite3, same pragmas, one INSERT + COMMIT per answer (the cost of a durable commit)."""
    import sqlite3

    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=30000"):
        connection.execute(f"PRAGMA {pragma}")
    connection.execute("CREATE TABLE answers (item TEXT, annotator TEXT, answer TEXT, at REAL)")
    times = []
    for i in range(n):
        started = time.perf_counter()
        connection.execute("BEGIN IMMEDIATE")
        connection.execute(
            "INSERT INTO answers VALUES (?, ?, ?, ?)", (f"b{i:04d}", "solo", "POS", time.time())
        )
        connection.execute("COMMIT")
        times.append(time.perf_counter() - started)
    connection.close()
    return {"median_ms": 1000 * statistics.median(times)}


def concurrent(url: str, threads: int, per_thread: int) -> dict[str, float]:
    names = [f"w{n:02d}" for n in range(threads)]
    engine = _store(url, per_thread, names)
    service.create_pilot_round(
        engine, "load", "bench@1.0.0", actor=service.SYSTEM, annotators=names, overlap=threads, seed=1
    )
    errors: list[BaseException] = []
    users = [service.user_by_email(engine, n) for n in names]
    attempts = [service.start_or_resume_attempt(engine, "load", u) for u in users]
    barrier = threading.Barrier(threads + 1)

    def work(user: Any, attempt: Any) -> None:
        barrier.wait()
        try:
            for item in attempt.items:
                service.record_answer(engine, attempt.id, item, "NEG", actor=user)
        except BaseException as error:
            errors.append(error)

    pool = [threading.Thread(target=work, args=pair) for pair in zip(users, attempts, strict=True)]
    for thread in pool:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - started
    stored = len(service.round_responses(engine, "load").responses)
    engine.dispose()
    return {
        "answers": threads * per_thread,
        "stored": stored,
        "errors": len(errors),
        "seconds": elapsed,
        "per_second": threads * per_thread / elapsed,
    }


def reading(url: str, n_answers: int, annotators: int = 5) -> dict[str, float]:
    """Time `round_responses` (what dashboards load) on a pilot holding `n_answers` imported answers."""
    import pandas as pd

    n_items = n_answers // annotators
    engine = _store(url, n_items, [])
    service.create_pilot_round(engine, "read", "bench@1.0.0", actor=service.SYSTEM)
    labels = ("POS", "NEG", "NEU")
    rows = [
        (f"b{i:04d}", f"r{a}", labels[(i * 7 + a) % 3]) for i in range(n_items) for a in range(annotators)
    ]
    started = time.perf_counter()
    service.import_responses(
        engine,
        "read",
        pd.DataFrame(rows, columns=["item_id", "annotator_id", "answer"]),
        actor=service.SYSTEM,
    )
    imported = time.perf_counter() - started
    times = []
    for _ in range(3):
        started = time.perf_counter()
        service.round_responses(engine, "read")
        times.append(time.perf_counter() - started)
    engine.dispose()
    return {"import_s": imported, "read_s": min(times)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--answers", type=int, default=500)
    parser.add_argument("--threads", type=int, default=20)
    parser.add_argument("--per-thread", type=int, default=200)
    parser.add_argument("--postgres", default=os.environ.get("CALIBRATION_TEST_POSTGRES_URL"))
    parser.add_argument("--read-answers", type=int, default=0, help="also time round_responses on N answers")
    args = parser.parse_args()
    targets = []
    folder = Path(tempfile.mkdtemp(prefix="calibration-bench-"))
    atexit.register(shutil.rmtree, folder, True)  # a 30 MB store per run otherwise stays in /tmp
    targets.append(("sqlite", lambda tag: f"sqlite:///{folder / tag}.db"))
    if args.postgres:
        targets.append(("postgresql", lambda tag: _fresh_schema(args.postgres, tag)))
    for label, url_for in targets:
        seq = sequential(url_for("seq"), args.answers)
        print(
            f"{label:<10} record_answer, one annotator, {args.answers} answers: "
            f"median {seq['median_ms']:.2f} ms, p95 {seq['p95_ms']:.2f} ms"
        )
        if label == "sqlite":
            floor = sqlite_floor(folder / "floor.db", args.answers)
            print(
                f"{label:<10} baseline, bare sqlite3 INSERT + COMMIT per answer: median "
                f"{floor['median_ms']:.2f} ms; record_answer (checks, idempotency, history) is "
                f"{seq['median_ms'] / floor['median_ms']:.1f}x that"
            )
        con = concurrent(url_for("load"), args.threads, args.per_thread)
        print(
            f"{label:<10} {args.threads} threads x {args.per_thread} answers: {con['seconds']:.1f} s, "
            f"{con['per_second']:.0f} answers/s, stored {con['stored']}/{con['answers']}, errors {con['errors']}"
        )
        if args.read_answers:
            read = reading(url_for("read"), args.read_answers)
            print(
                f"{label:<10} round_responses on {args.read_answers} answers: {read['read_s']:.2f} s "
                f"(bulk import of them: {read['import_s']:.1f} s)"
            )
    if args.postgres:
        _drop_schemas(args.postgres)


def _fresh_schema(base: str, tag: str) -> str:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from calibration.storage.engine import database_url

    url = make_url(database_url(base))
    schema = f"bench_{tag}_{os.getpid()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    admin.dispose()
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


def _drop_schemas(base: str) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from calibration.storage.engine import database_url

    admin = create_engine(make_url(database_url(base)), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for tag in ("seq", "load", "read"):
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "bench_{tag}_{os.getpid()}" CASCADE')
    admin.dispose()


if __name__ == "__main__":
    main()
