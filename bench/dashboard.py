"""Dashboard bench: a round of 100,000 answers; analyses + figures, and the dashboard page's rerun time.

Usage: ``python bench/dashboard.py [--answers 100000] [--annotators 5] [--bootstrap 1000] [--no-app]``

1. Builds a guideline with enough quiz items (the contract-clause bank, cloned) and simulated answers
   with the demo's realistic confusions (`calibration.demo.simulate_responses`).
2. Times what the dashboard computes for a round: `analyse_round` (agreement with 1,000-resample
   bootstrap intervals per rule, gold scores, the annotator x rule matrix, pairs, confusions) plus
   building its figures. Target: under 2 s on the 2-core machine.
3. Unless ``--no-app``: stores the round through the rounds service (SQLite), then runs the dashboard
   page in AppTest as a signed-in lead: first a warm-up page with the same imports (the cold start,
   printed on its own: imports and Streamlit's one-time set-up, paid once per server process), then the
   dashboard's first run (cold caches: load from the database, analyse and render), reruns with warm caches (keyed by the round's latest response), and, as the baseline,
   reruns with the caches cleared before each (the obvious, uncached page). Prints the ratio.
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # time this work tree's package, not whichever checkout is installed

WARM_UP = """
import streamlit as st
import pandas, plotly.graph_objects, sqlalchemy
import calibration.app.widgets.analysis_round, calibration.reports.charts, calibration.reports.tables
import calibration.agreement.breakdown, calibration.rounds.service
st.title("warm-up")
"""
"""A page doing nothing but the dashboard's imports and one element: run first, so the dashboard's first
run times the page's own work (load + analyse + render), not the process's cold imports and
Streamlit's one-time set-up (its first element outside a server inspects the whole stack once)."""


def big_guideline(n_items: int):
    """The contract-clause guideline 1.0.0 with its quiz bank cloned up to `n_items` items."""
    from calibration.guidelines.loading import load_guideline

    base = load_guideline(ROOT / "guidelines" / "contract-clauses" / "1.0.0.yaml")
    items = []
    copy = 0
    while len(items) < n_items:
        for item in base.items:
            if len(items) == n_items:
                break
            items.append(item.model_copy(update={"id": f"{item.id}-{copy:05d}"}))
        copy += 1
    return base.model_copy(update={"items": items, "version": "9.0.0"})


def _timed(work, repeat: int = 1) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def bench_analysis(guideline, responses, bootstrap: int) -> None:
    from calibration.agreement.breakdown import agreement_report
    from calibration.reports.analysis import analyse_round
    from calibration.responses import Annotations

    data = Annotations.of(responses, guideline=guideline)
    item_rules, gold = data.item_rules, data.gold

    def dashboard_analysis():  # what the dashboard page computes (no per-annotator rescoring)
        return analyse_round(data, bootstrap=bootstrap, with_scores=False)

    analysis = dashboard_analysis()  # warm-up (imports, first-call caches)
    seconds, analysis = _timed(dashboard_analysis, repeat=3)
    scored_seconds, _ = _timed(lambda: analyse_round(data, bootstrap=bootstrap), repeat=1)
    engine_seconds, _ = _timed(
        lambda: agreement_report(
            responses, guideline.task, item_rules=item_rules, gold=gold, bootstrap=bootstrap
        ),
        repeat=3,
    )
    first_rule = analysis.rules.index[0]

    def build_figures():
        analysis._figures.clear()  # build them afresh (the app keeps them on the shared analysis)
        return analysis.figures(), analysis.confusion_figure(first_rule)

    figure_seconds, _ = _timed(build_figures, repeat=3)
    print(f"dashboard analyses (agreement + {bootstrap}-resample CIs per rule, matrices): {seconds:.2f} s")
    print(f"  of which the agreement engine's report (with gold): {engine_seconds:.2f} s")
    print(
        f"  (with every annotator also scored against gold, as the annotators page does: {scored_seconds:.2f} s)"
    )
    print(f"figures (bar chart, heat map, pair matrix, one rule's confusion): {figure_seconds:.2f} s")
    total = seconds + figure_seconds
    print(f"dashboard computation total: {total:.2f} s (target < 2 s: {'met' if total < 2 else 'NOT met'})")


def bench_app(guideline, responses, reruns: int) -> None:
    from streamlit.testing.v1 import AppTest

    from calibration.app.bootstrap import prepare_database
    from calibration.app.state import USER_KEY
    from calibration.rounds import service
    from calibration.storage.engine import make_engine

    folder = tempfile.mkdtemp(prefix="calibration-bench-")
    atexit.register(shutil.rmtree, folder, True)  # a 30 MB store per run otherwise stays in /tmp
    url = f"sqlite:///{folder}/bench.db"
    os.environ["CALIBRATION_DATABASE_URL"] = url
    os.environ.setdefault("CALIBRATION_SECRET_FILE", f"{folder}/secret")
    engine = make_engine(url)
    prepare_database(engine)
    lead = service.create_user(
        engine, "Bench Lead", role="lead", email="lead@bench.example", password="bench-pass-1"
    )
    service.publish(engine, guideline)
    service.create_pilot_round(engine, "bench", guideline.ref, actor=lead)
    start = time.perf_counter()
    stored = service.import_responses(engine, "bench", responses, actor=lead, source="bench")
    print(f"seeded {stored} answers through the rounds service in {time.perf_counter() - start:.1f} s")

    warm_up, _ = _timed(AppTest.from_string(WARM_UP, default_timeout=600).run)
    page = str(ROOT / "calibration" / "app" / "pages" / "dashboard.py")
    at = AppTest.from_file(page, default_timeout=600)
    at.session_state[USER_KEY] = lead.id
    first, _ = _timed(at.run)
    assert not at.exception, at.exception
    warm = []
    for _ in range(reruns):
        seconds, _ = _timed(at.run)
        warm.append(seconds)
    cold = []
    from calibration.app import state
    from calibration.app.widgets import analysis_round

    for _ in range(max(2, reruns // 2)):
        state._round_data.clear()  # the page's round data and analysis caches
        analysis_round._shared_analysis.clear()
        analysis_round._shared_rule_items.clear()
        seconds, _ = _timed(at.run)
        cold.append(seconds)
    assert not at.exception, at.exception
    cached, uncached = statistics.median(warm), statistics.median(cold)
    print(f"cold start, once per server process (imports + Streamlit's one-time set-up): {warm_up:.2f} s")
    print(
        f"dashboard page, first run (load + analyse + render, imports done): {first:.2f} s "
        f"(target < 2 s: {'met' if first < 2 else 'NOT met'}; with the cold start: {warm_up + first:.2f} s)"
    )
    print(f"dashboard page rerun, cached analyses: median {cached * 1000:.0f} ms over {len(warm)} reruns")
    print(f"dashboard page rerun, caches cleared (baseline): median {uncached:.2f} s over {len(cold)} reruns")
    print(f"ratio uncached / cached rerun: {uncached / cached:.0f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=100_000, help="answers in the round (default 100000)")
    parser.add_argument("--annotators", type=int, default=5, help="annotators, each answering every item")
    parser.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples (default 1000)")
    parser.add_argument("--reruns", type=int, default=6, help="AppTest reruns to time (default 6)")
    parser.add_argument("--no-app", action="store_true", help="skip the database and AppTest part")
    args = parser.parse_args()

    from calibration.demo import DEMO_CONFUSIONS, simulate_responses

    print(
        f"load average at start: {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores"
    )
    n_items = -(-args.answers // args.annotators)
    guideline = big_guideline(n_items)
    confusions = {r: c for r, c in DEMO_CONFUSIONS.get("contract-clauses@1.0.0", {}).items()}
    start = time.perf_counter()
    responses = simulate_responses(guideline, annotators=args.annotators, seed=0, confusions=confusions)
    print(
        f"round: {len(responses)} answers, {n_items} items, {args.annotators} annotators, "
        f"{len(guideline.rules)} rules (simulated in {time.perf_counter() - start:.1f} s)"
    )
    bench_analysis(guideline, responses, args.bootstrap)
    if not args.no_app:
        bench_app(guideline, responses, args.reruns)


if __name__ == "__main__":
    main()
