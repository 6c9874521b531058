"""Quiz bench: server time to answer one item (target under 200 ms), in the service and through the page.

Usage: ``python bench/quiz_answer.py [--items 24]``

1. Service: `record_answer` (validate, write, commit on SQLite with BEGIN IMMEDIATE) for every item
   of a contract-clause calibration quiz; median and 95th percentile.
2. Page: the quiz page in AppTest as the annotator; for each item, choose the gold label and submit,
   then click "Next item". Times the submit run (record the answer, show the feedback) and the next
   run (load the attempt, render the next item): together, the server time of answering one item.
   Baseline for the ratio: the same page with the Streamlit caches cleared before each submit
   (the round's items and guideline read from the database every time).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _setup(url: str, items: int):
    from calibration.app.bootstrap import prepare_database
    from calibration.rounds import service
    from calibration.storage.engine import make_engine

    engine = make_engine(url)
    prepare_database(engine)
    lead = service.create_user(
        engine, "Bench Lead", role="lead", email="lead@bench.org", password="bench-pass-123"
    )
    return (
        engine,
        lead,
        service.create_calibration_round(
            engine, "Bench", "contract-clauses@1.1.0", actor=lead, items_per_quiz=items, min_items_per_rule=1
        ),
    )


def bench_service(url: str, items: int) -> list[float]:
    from calibration.rounds import service

    engine, lead, round_ = _setup(url, items)
    person = service.create_user(engine, "Service Sam", role="annotator", actor=lead)
    attempt = service.start_or_resume_attempt(engine, round_.id, person)
    bank = service.round_items(engine, round_.id)
    times = []
    for item_id in attempt.items:
        start = time.perf_counter()
        service.record_answer(engine, attempt.id, item_id, bank[item_id].answer, actor=person, confidence=4)
        times.append(time.perf_counter() - start)
    engine.dispose()
    return times


def bench_page(url: str, items: int, *, clear_caches: bool) -> tuple[list[float], list[float]]:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from calibration.rounds import service
    from calibration.storage.engine import make_engine

    os.environ["CALIBRATION_DATABASE_URL"] = url
    engine, lead, round_ = _setup(url, items)
    person = service.create_user(engine, "Page Pat", role="annotator", actor=lead)
    attempt = service.start_or_resume_attempt(engine, round_.id, person)
    bank = service.round_items(engine, round_.id)
    guideline = service.get_guideline(engine, round_.guideline_ref)
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    at.session_state["auth_user_id"] = person.id
    at.query_params["round"] = str(round_.id)
    at.run()
    at.switch_page("calibration/app/pages/quiz.py").run()
    submits, nexts = [], []
    for position, item_id in enumerate(attempt.items):
        key = f"quiz_{attempt.id}_{position}"
        at.radio(key=f"{key}_answer").set_value(bank[item_id].answer)
        if clear_caches:
            st.cache_data.clear()
        start = time.perf_counter()
        at.button(key=f"{key}_submit").click().run()
        submits.append(time.perf_counter() - start)
        assert not at.exception, at.exception
        start = time.perf_counter()
        at.button(key="quiz_next").click().run()
        nexts.append(time.perf_counter() - start)
    done = service.get_attempt(make_engine(url), attempt.id, actor=person)
    assert done.answered == len(attempt.items), "every answer was recorded"
    assert guideline.ref == "contract-clauses@1.1.0"
    engine.dispose()
    return submits, nexts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=24, help="items in the quiz")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-quiz-"))

    service_times = bench_service(f"sqlite:///{folder / 'service.db'}", args.items)
    print(f"service record_answer ({len(service_times)} answers, SQLite):")
    print(
        f"  median {1000 * statistics.median(service_times):.1f} ms, p95 {1000 * _percentile(service_times, 0.95):.1f} ms"
    )

    submits, nexts = bench_page(f"sqlite:///{folder / 'page.db'}", args.items, clear_caches=False)
    per_item = [s + n for s, n in zip(submits, nexts, strict=True)]
    print(f"quiz page in AppTest ({len(per_item)} items, warm caches):")
    print(
        f"  submit run median {1000 * statistics.median(submits):.1f} ms, next-item run median "
        f"{1000 * statistics.median(nexts):.1f} ms"
    )
    print(
        f"  answering one item (submit + next): median {1000 * statistics.median(per_item):.1f} ms, "
        f"p95 {1000 * _percentile(per_item, 0.95):.1f} ms (target < 200 ms)"
    )

    cold_submits, cold_nexts = bench_page(f"sqlite:///{folder / 'cold.db'}", args.items, clear_caches=True)
    cold = [s + n for s, n in zip(cold_submits, cold_nexts, strict=True)]
    print("baseline, caches cleared before each submit:")
    print(
        f"  answering one item: median {1000 * statistics.median(cold):.1f} ms; "
        f"ratio {statistics.median(cold) / statistics.median(per_item):.1f}x"
    )


if __name__ == "__main__":
    main()
