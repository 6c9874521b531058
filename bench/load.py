"""Load bench: two app processes on one PostgreSQL, simulated annotators over Streamlit's own websocket protocol.

Usage::

    python bench/load.py --database-url postgresql+psycopg://postgres@127.0.0.1:55432/cal_load \\
        [--levels 20,50,100] [--duration 60] [--think 1.0] [--items 120] [--profile] [--json] \\
        [--app-option runner.postScriptGC=false]

What it does, all on loopback and bounded in count and time:

1. Creates a fresh schema in the given PostgreSQL database (dropped at the end, also on Ctrl-C), and
   starts two ``streamlit run streamlit_app.py`` processes on two free loopback ports, both with
   ``CALIBRATION_DATABASE_URL`` pointing at that schema (the replicas of docs/deployment.md).
2. For each level (concurrent annotators): creates that many annotator accounts and one pilot round
   (every annotator gets every item, no feedback), then signs each annotator in with a session cookie
   minted by the app's own signing function (`calibration.app.auth.sign_session`, shared secret).
3. Each simulated annotator opens one websocket to ``/_stcore/stream`` of one process (sticky:
   annotator i stays on process i mod 2), asks for the quiz page (a ``rerun_script`` BackMsg), reads
   the ForwardMsg deltas to find the answer radio and the form's submit button, and submits answers
   as the browser does: a ``rerun_script`` BackMsg whose widget states hold the chosen option and the
   submit trigger. Between submits it "thinks" for ``--think`` seconds (uniform +-50 %).
4. Measures answers per second, submit latency (from sending the submit BackMsg to the
   ``script_finished`` ForwardMsg of the run that shows the next item: the page reruns itself once
   after storing, so that is the run the annotator waits for), server memory per session (peak RSS
   of the two processes during the level minus their RSS before it, divided by the sessions; a
   warm-up session per process first pays for the imports), and CPU of the app processes, of
   PostgreSQL (every ``postgres`` process on the machine) and of this client, from /proc. With
   ``--profile``, py-spy (if installed; not a project dependency) records app process 0 during each
   level and the report splits its time: post-run garbage collection, waiting on PostgreSQL, the
   page's own Python, the rest.
5. Verifies nothing is lost: the answers stored in the database for the level's round must equal the
   submits the app acknowledged (the page moved on to the next item); a submit still in flight when
   the level ends may be stored without an acknowledgement, never the other way round.

Levels are short by default (``--duration 60``): the machine is shared. ``--json`` prints the
figures as JSON (used by the smoke test, tests/app/test_load_bench.py).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATABASE_ENV = "CALIBRATION_BENCH_DATABASE_URL"
GUIDELINE = "contract-clauses@1.1.0"
STARTUP_SECONDS = 90.0
RUN_TIMEOUT = 60.0
"""Longest wait for one script run (page load or submit); a run slower than this counts as failed."""
TICKS = os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------- the store


@contextlib.contextmanager
def bench_schema(database_url: str) -> Iterator[str]:
    """A fresh schema in `database_url` for this run; yields the URL the app processes use, drops it after."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from calibration.storage.engine import database_url as normalise

    base = make_url(normalise(database_url))
    if not base.drivername.startswith("postgresql"):
        raise SystemExit(f"--database-url must be a PostgreSQL URL, got {base.drivername!r}")
    schema = f"bench_load_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


@dataclass
class Level:
    """One load level: its round, its annotators' ids and signed session cookies."""

    size: int
    round_id: int
    users: list[int]
    cookies: list[str]


def prepare_level(engine: Any, lead: Any, size: int, items: int, tag: str) -> Level:
    """`size` annotators and a pilot round giving each of them the same `items` items (no gold needed)."""
    from calibration.app.auth import sign_session
    from calibration.rounds import service

    bank = service.get_guideline(engine, GUIDELINE).items
    extras = [
        {"id": f"load-{index:04d}", "input": bank[index % len(bank)].input.text, "rules": ["R-INDEM"]}
        for index in range(items)
    ]
    people = [service.create_user(engine, f"load-{tag}-{i:03d}", role="annotator") for i in range(size)]
    round_ = service.create_pilot_round(
        engine,
        f"load {tag}",
        GUIDELINE,
        actor=lead,
        annotators=[p.name for p in people],
        overlap=size if size > 1 else None,
        item_ids=[e["id"] for e in extras],
        extra_items=extras,
    )
    cookies = [sign_session(p.id, version=p.session_version) for p in people]
    return Level(size, round_.id, [p.id for p in people], cookies)


def stored_answers(engine: Any, round_id: int) -> int:
    """Current (not superseded) answers stored for the round."""
    from sqlalchemy import func, select

    from calibration.storage import tables as t

    with engine.connect() as connection:
        query = select(func.count()).where(
            t.Response.round_id == round_id, t.Response.superseded_at.is_(None)
        )
        return int(connection.execute(query).scalar_one())


# --------------------------------------------------------------------------- the app processes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(port: int, server: subprocess.Popen, timeout: float = STARTUP_SECONDS) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if server.poll() is not None:
            raise SystemExit(f"the app process on port {port} exited with code {server.returncode}")
        with contextlib.suppress(Exception):
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).status == 200:
                return
        time.sleep(0.3)
    raise SystemExit(f"the app process on port {port} did not answer within {timeout:.0f} s")


@contextlib.contextmanager
def app_processes(
    app_url: str, secret: str, count: int, logdir: Path, options: list[str] = ()
) -> Iterator[list[tuple[int, int]]]:
    """`count` app processes on loopback ports against `app_url`; yields ``[(port, pid)]``, stops them after.

    `options` are extra Streamlit options, ``"section.name=value"`` (e.g. ``runner.postScriptGC=false``).
    """
    env = {**os.environ, "CALIBRATION_DATABASE_URL": app_url, "CALIBRATION_SESSION_SECRET": secret}
    for name in ("CALIBRATION_ADMIN_EMAIL", "CALIBRATION_ADMIN_PASSWORD"):
        env.pop(name, None)
    servers: list[tuple[int, subprocess.Popen]] = []
    logs = []
    try:
        for index in range(count):
            port = free_port()
            log = open(logdir / f"load-app-{index}.log", "w")  # noqa: SIM115 (closed below)
            logs.append(log)
            command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "streamlit_app.py")]
            command += [
                "--server.headless",
                "true",
                "--server.address",
                "127.0.0.1",
                "--server.port",
                str(port),
            ]
            command += ["--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
            command += [f"--{option}" for option in options]
            servers.append(
                (port, subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
            )
        for port, server in servers:
            wait_healthy(port, server)
        yield [(port, server.pid) for port, server in servers]
    finally:
        for _, server in servers:
            server.send_signal(signal.SIGTERM)
        for _, server in servers:
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        for log in logs:
            log.close()


# --------------------------------------------------------------------------- /proc sampling


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (all its threads), from /proc/<pid>/stat."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
    return pids


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all cores, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return float(sum(values) - idle), float(sum(values))


class CpuMeter:
    """CPU used between `start` and `stop` by the app processes, PostgreSQL, this client and the machine,
    and the peak RSS of the app processes (sampled every half second by a thread)."""

    def __init__(self, app_pids: list[int]) -> None:
        self.app_pids = app_pids
        self.peak_rss = [0] * len(app_pids)
        self._done = threading.Event()

    def _read(self) -> dict[str, Any]:
        pg = {pid: cpu_seconds(pid) for pid in postgres_pids()}
        return {
            "t": time.monotonic(),
            "apps": [cpu_seconds(pid) for pid in self.app_pids],
            "pg": pg,
            "client": sum(os.times()[:2]),
            "machine": machine_busy(),
        }

    def _sample_rss(self) -> None:
        while not self._done.wait(0.5):
            self.peak_rss = [
                max(p, rss_bytes(pid)) for p, pid in zip(self.peak_rss, self.app_pids, strict=True)
            ]

    def start(self) -> None:
        self.begin = self._read()
        self._thread = threading.Thread(target=self._sample_rss, daemon=True)
        self._thread.start()

    def stop(self) -> dict[str, Any]:
        end, begin = self._read(), self.begin
        self._done.set()
        self._thread.join()
        wall = end["t"] - begin["t"]
        pg = sum(v - begin["pg"].get(pid, 0.0) for pid, v in end["pg"].items())
        busy = (end["machine"][0] - begin["machine"][0]) / max(end["machine"][1] - begin["machine"][1], 1)
        return {
            "app_cores": [round((e - b) / wall, 2) for e, b in zip(end["apps"], begin["apps"], strict=True)],
            "postgres_cores": round(pg / wall, 2),
            "client_cores": round((end["client"] - begin["client"]) / wall, 2),
            "machine_busy": round(busy, 2),
            "machine_cores": os.cpu_count(),
        }


# --------------------------------------------------------------------------- Streamlit's protocol


@dataclass
class Page:
    """What one finished script run rendered, as far as the bench needs it."""

    radio_id: str | None = None
    options: list[str] = field(default_factory=list)
    submit_id: str | None = None
    progress: str | None = None
    texts: list[str] = field(default_factory=list)
    exception: str | None = None

    @property
    def finished_quiz(self) -> bool:
        return any("All items answered" in text for text in self.texts)


class StreamlitSession:
    """One browser tab, spoken over ``/_stcore/stream`` with protobuf BackMsg/ForwardMsg (no browser, no AppTest)."""

    def __init__(self, port: int, cookie: str, query: str, page: str) -> None:
        self.port, self.cookie, self.query, self.page_name = port, cookie, query, page
        self.page_hash = ""

    async def __aenter__(self) -> StreamlitSession:
        from websockets.asyncio.client import connect

        from calibration.app.auth import COOKIE_NAME

        self.socket = await connect(
            f"ws://127.0.0.1:{self.port}/_stcore/stream",
            subprotocols=["streamlit"],  # type: ignore[list-item]
            additional_headers={"Cookie": f"{COOKIE_NAME}={self.cookie}"},
            max_size=None,
            open_timeout=RUN_TIMEOUT,
            ping_interval=None,
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.socket.close()

    async def rerun(self, widgets: list[Any] = ()) -> Page:  # type: ignore[assignment]
        """Send a ``rerun_script`` BackMsg with these widget states; the page of the run that ends the rerun chain."""
        from streamlit.proto.BackMsg_pb2 import BackMsg

        message = BackMsg()
        state = message.rerun_script
        state.query_string = self.query
        state.page_name = "" if self.page_hash else self.page_name
        state.page_script_hash = self.page_hash
        state.widget_states.widgets.extend(widgets)
        await self.socket.send(message.SerializeToString())
        return await asyncio.wait_for(self._until_finished(), RUN_TIMEOUT)

    async def _until_finished(self) -> Page:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        page = Page()
        while True:
            message = ForwardMsg()
            message.ParseFromString(await self.socket.recv())
            kind = message.WhichOneof("type")
            if kind == "navigation" and message.navigation.page_script_hash:
                self.page_hash = message.navigation.page_script_hash  # the page this run shows
            elif kind == "page_info_changed" and message.page_info_changed.query_string is not None:
                self.query = message.page_info_changed.query_string
            elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                _read_element(message.delta.new_element, page)
            elif kind == "script_finished":
                if message.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    page = Page()  # the script asked for a rerun: the next run is what the user sees
                    continue
                return page


def _read_element(element: Any, page: Page) -> None:
    kind = element.WhichOneof("type")
    if kind == "radio" and element.radio.id.endswith("_answer"):
        page.radio_id, page.options = element.radio.id, list(element.radio.options)
    elif kind == "button" and element.button.is_form_submitter:
        page.submit_id = element.button.id
    elif kind == "progress":
        page.progress = element.progress.text
    elif kind == "alert":
        page.texts.append(element.alert.body)
    elif kind == "exception":
        page.exception = element.exception.message or element.exception.type or "exception"


def item_number(progress: str | None) -> int:
    """The item number in the quiz's progress text ("Item 3 of 20" is 3), or -1 for any other page."""
    match = re.fullmatch(r"Item (\d+) of \d+", progress or "")
    return int(match.group(1)) if match else -1


def answer_states(page: Page, rng: random.Random) -> list[Any]:
    """The widget states a browser sends when the annotator picks an option and clicks Submit."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    choice = WidgetState(id=page.radio_id, string_value=rng.choice(page.options))
    return [choice, WidgetState(id=page.submit_id, trigger_value=True)]


# --------------------------------------------------------------------------- one simulated annotator


@dataclass
class Outcome:
    """What one simulated annotator did and saw."""

    process: int
    acknowledged: int = 0
    sent: int = 0
    latencies: list[float] = field(default_factory=list)
    load_seconds: float | None = None
    errors: list[str] = field(default_factory=list)
    finished_quiz: bool = False


async def annotator(
    index: int, ports: list[int], cookie: str, round_id: int, deadline: float, think: float, seed: int
) -> Outcome:
    """Sign in (cookie), open the quiz page on process ``index % len(ports)`` and answer until the deadline."""
    rng = random.Random(seed * 1000 + index)
    outcome = Outcome(process=index % len(ports))
    await asyncio.sleep(rng.uniform(0, min(2.0, think or 0.5)))  # a ramp, as people arrive
    try:
        async with StreamlitSession(ports[outcome.process], cookie, f"round={round_id}", "quiz") as tab:
            start = time.perf_counter()
            page = await tab.rerun()
            outcome.load_seconds = time.perf_counter() - start
            while time.monotonic() < deadline:
                if page.exception or page.radio_id is None or page.submit_id is None:
                    if page.finished_quiz:
                        outcome.finished_quiz = True
                    else:
                        outcome.errors.append(
                            page.exception or f"no answer form (progress {page.progress!r})"
                        )
                    return outcome
                if think:
                    await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))
                before = page.progress
                start = time.perf_counter()
                outcome.sent += 1
                page = await tab.rerun(answer_states(page, rng))
                elapsed = time.perf_counter() - start
                if page.exception:
                    continue  # reported at the top of the loop
                if page.finished_quiz or item_number(page.progress) == item_number(before) + 1:
                    outcome.acknowledged += 1
                    outcome.latencies.append(elapsed)
                else:
                    outcome.errors.append(f"submit not acknowledged (progress stayed {before!r})")
                    return outcome
    except (TimeoutError, OSError, Exception) as error:  # a failed session is a finding, not a crash
        outcome.errors.append(f"{type(error).__name__}: {error}")
    return outcome


# --------------------------------------------------------------------------- optional py-spy profile

PROFILE_PARTS = {
    "post-run garbage collection (runner.postScriptGC)": ("_on_script_finished",),
    "page script waiting for PostgreSQL (psycopg)": ("Connection.wait (psycopg",),
    "page script, Python": ("code_to_exec",),
}


def py_spy() -> str | None:
    """The py-spy executable (next to this Python, or on PATH), or None."""
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


def start_profile(pid: int, delay: float, seconds: float, output: Path) -> threading.Thread:
    """Record `pid` with py-spy for `seconds`, `delay` seconds from now, in a thread (raw stack counts)."""

    def record() -> None:
        time.sleep(delay)
        command = [py_spy() or "py-spy", "record", "-p", str(pid), "-d", str(max(1, round(seconds)))]
        command += ["-r", "50", "-f", "raw", "--nonblocking", "-o", str(output)]
        subprocess.run(command, capture_output=True, timeout=seconds + 60, check=False)

    thread = threading.Thread(target=record, daemon=True)
    thread.start()
    return thread


def profile_shares(raw: Path) -> dict[str, float]:
    """Share of the sampled (non-idle) time of an app process in each of `PROFILE_PARTS` (first match wins),
    from py-spy's raw output (one ``frame;frame;... count`` line per stack)."""
    counts = dict.fromkeys(PROFILE_PARTS, 0)
    counts["other (Streamlit runtime, websocket, watchers)"] = 0
    for line in raw.read_text().splitlines():
        stack, _, number = line.rpartition(" ")
        if "PollingPathWatcher" in stack:  # a sleeping poller that py-spy counts as busy
            continue
        part = next((p for p, marks in PROFILE_PARTS.items() if any(m in stack for m in marks)), None)
        counts[part or "other (Streamlit runtime, websocket, watchers)"] += int(number)
    total = sum(counts.values()) or 1
    return {part: round(count / total, 2) for part, count in counts.items()}


# --------------------------------------------------------------------------- one level


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def run_level(
    level: Level, ports: list[int], duration: float, think: float, seed: int
) -> tuple[list[Outcome], float]:
    start = time.monotonic()
    deadline = start + duration
    tasks = [
        annotator(i, ports, cookie, level.round_id, deadline, think, seed)
        for i, cookie in enumerate(level.cookies)
    ]
    # Bounded: every session ends at the deadline plus one run's timeout at most.
    outcomes = await asyncio.wait_for(asyncio.gather(*tasks), duration + RUN_TIMEOUT + 30)
    return outcomes, time.monotonic() - start


def measure_level(
    engine: Any,
    level: Level,
    servers: list[tuple[int, int]],
    duration: float,
    think: float,
    seed: int,
    profile: Path | None = None,
) -> dict[str, Any]:
    """Run one level and return its figures; with `profile`, py-spy records the first app process
    during the middle half of the level into that file."""
    ports, pids = [p for p, _ in servers], [pid for _, pid in servers]
    rss_before = [rss_bytes(pid) for pid in pids]
    meter = CpuMeter(pids)
    meter.start()
    profiler = start_profile(pids[0], duration / 4, duration / 2, profile) if profile else None
    outcomes, wall = asyncio.run(run_level(level, ports, duration, think, seed))
    cpu = meter.stop()
    if profiler is not None:
        profiler.join()
    rss_after = [max(peak, rss_bytes(pid)) for peak, pid in zip(meter.peak_rss, pids, strict=True)]
    stored = stored_answers(engine, level.round_id)
    acknowledged = sum(o.acknowledged for o in outcomes)
    sent = sum(o.sent for o in outcomes)
    latencies = [x for o in outcomes for x in o.latencies]
    loads = [o.load_seconds for o in outcomes if o.load_seconds is not None]
    errors = [e for o in outcomes for e in o.errors]
    return {
        "annotators": level.size,
        "per_process": [sum(o.process == i for o in outcomes) for i in range(len(ports))],
        "acknowledged_per_process": [
            sum(o.acknowledged for o in outcomes if o.process == i) for i in range(len(ports))
        ],
        "seconds": round(wall, 1),
        "answers_acknowledged": acknowledged,
        "answers_sent": sent,
        "answers_stored": stored,
        "lost": max(acknowledged - stored, 0),
        "unacknowledged_in_flight": max(stored - acknowledged, 0),
        "answers_per_second": round(acknowledged / wall, 2),
        "submit_p50_ms": _ms(percentile(latencies, 0.5)),
        "submit_p95_ms": _ms(percentile(latencies, 0.95)),
        "page_load_p50_ms": _ms(percentile(loads, 0.5)),
        "page_load_p95_ms": _ms(percentile(loads, 0.95)),
        "rss_before_mib": [round(r / 2**20) for r in rss_before],
        "rss_peak_mib": [round(r / 2**20) for r in rss_after],
        "memory_per_session_mib": round((sum(rss_after) - sum(rss_before)) / 2**20 / level.size, 2),
        "finished_quiz": sum(o.finished_quiz for o in outcomes),
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:5],
        "cpu": cpu,
        # CPU per answer is steadier than answers/s on a machine shared with other work.
        "profile_of_app_process_0": profile_shares(profile) if profile and profile.exists() else None,
        "app_cpu_ms_per_answer": round(sum(cpu["app_cores"]) * wall / acknowledged * 1000)
        if acknowledged
        else None,
    }


def warm_up(engine: Any, lead: Any, servers: list[tuple[int, int]], seed: int) -> None:
    """One session per process that loads the quiz page and answers once, so that the first level's
    memory and latency do not include the imports and caches of each process's first run."""
    level = prepare_level(engine, lead, len(servers), 3, "warm-up")
    ports = [port for port, _ in servers]

    async def visit() -> None:
        deadline = time.monotonic() + 1
        tasks = [
            annotator(i, ports, c, level.round_id, deadline, 0, seed) for i, c in enumerate(level.cookies)
        ]
        await asyncio.wait_for(asyncio.gather(*tasks), RUN_TIMEOUT * 2)

    asyncio.run(visit())


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def bottleneck(results: list[dict[str, Any]]) -> str:
    """Name the first bottleneck from the busiest level's CPU shares (in cores, out of the machine's)."""
    top = max(results, key=lambda r: r["annotators"])
    cpu = top["cpu"]
    apps, pg, client = sum(cpu["app_cores"]), cpu["postgres_cores"], cpu["client_cores"]
    shares = {"the app processes (Streamlit script runs)": apps, "PostgreSQL": pg, "the load client": client}
    name, _ = max(shares.items(), key=lambda kv: kv[1])
    saturated = cpu["machine_busy"] >= 0.9
    return (
        f"at {top['annotators']} annotators the machine's {cpu['machine_cores']} cores were "
        f"{cpu['machine_busy']:.0%} busy ({'saturated' if saturated else 'not saturated'}); "
        f"CPU in cores: app processes {apps:.2f} ({' + '.join(map(str, cpu['app_cores']))}), "
        f"PostgreSQL {pg:.2f}, client {client:.2f}: the largest consumer is {name}"
    )


def print_table(results: list[dict[str, Any]], header: bool = True) -> None:
    title = (
        f"{'annotators':>10} {'answers/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'MiB/session':>11} "
        f"{'acked':>6} {'stored':>6} {'lost':>4} {'errors':>6} {'app cores':>11} {'pg':>5} {'client':>6} {'busy':>5} "
        f"{'app CPU ms/answer':>17}"
    )
    if header:
        print(title)
    for r in results:
        cpu = r["cpu"]
        print(
            f"{r['annotators']:>10} {r['answers_per_second']:>9} {r['submit_p50_ms']!s:>8} "
            f"{r['submit_p95_ms']!s:>8} {r['memory_per_session_mib']:>11} {r['answers_acknowledged']:>6} "
            f"{r['answers_stored']:>6} {r['lost']:>4} {r['errors']:>6} "
            f"{'+'.join(map(str, cpu['app_cores'])):>11} {cpu['postgres_cores']:>5} {cpu['client_cores']:>6} "
            f"{cpu['machine_busy']:>5.0%} {r['app_cpu_ms_per_answer']!s:>17}"
        )


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get(DATABASE_ENV) or os.environ.get("CALIBRATION_TEST_POSTGRES_URL"),
        help=f"PostgreSQL database to hold a temporary schema (env {DATABASE_ENV} or CALIBRATION_TEST_POSTGRES_URL)",
    )
    parser.add_argument(
        "--levels", default="20,50,100", help="concurrent annotators per level, comma-separated"
    )
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of answering per level")
    parser.add_argument(
        "--think", type=float, default=1.0, help="mean seconds between an item shown and its submit"
    )
    parser.add_argument("--items", type=int, default=120, help="items per annotator in each level's round")
    parser.add_argument("--processes", type=int, default=2, help="app processes (annotator i uses i mod N)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the simulated choices and think times")
    parser.add_argument(
        "--app-option",
        action="append",
        default=[],
        metavar="SECTION.NAME=VALUE",
        help="a Streamlit option for the app processes, e.g. runner.postScriptGC=false (repeatable)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="record app process 0 with py-spy (if installed) during each level and split its time",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error(f"give --database-url (or set {DATABASE_ENV}): a PostgreSQL URL")
    args.levels = [int(x) for x in args.levels.split(",") if x.strip()]
    if not args.levels or min(args.levels) < 1 or max(args.levels) > 500:
        parser.error("--levels: between 1 and 500 annotators each, e.g. 20,50,100")
    if any("=" not in option or "." not in option.split("=")[0] for option in args.app_option):
        parser.error("--app-option: SECTION.NAME=VALUE, e.g. runner.postScriptGC=false")
    if args.profile and not py_spy():
        parser.error("--profile needs py-spy (pip install py-spy; it is not a project dependency)")
    if not 1 <= args.duration <= 600:
        parser.error("--duration: between 1 and 600 seconds")
    return args


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    from calibration.app.bootstrap import prepare_database
    from calibration.rounds import service
    from calibration.storage.engine import make_engine

    secret = secrets.token_urlsafe(32)
    os.environ["CALIBRATION_SESSION_SECRET"] = secret  # the cookies minted here must verify in the apps
    logdir = Path(os.environ.get("TMPDIR", "/tmp"))
    with bench_schema(args.database_url) as app_url:
        engine = make_engine(app_url)
        prepare_database(engine)
        lead = service.create_user(
            engine, "Load Lead", role="lead", email="lead@load.bench", password="x" * 12
        )
        with app_processes(app_url, secret, args.processes, logdir, args.app_option) as servers:
            print("app processes (port, pid):", servers, file=sys.stderr, flush=True)
            warm_up(engine, lead, servers, args.seed)
            results = []
            for number, size in enumerate(args.levels):
                level = prepare_level(engine, lead, size, args.items, f"{number}-{size}")
                profile = logdir / f"load-profile-{size}.txt" if args.profile else None
                results.append(
                    measure_level(engine, level, servers, args.duration, args.think, args.seed, profile)
                )
                if not args.json:
                    print_table(results[-1:], header=number == 0)
        engine.dispose()
    report = {
        "levels": results,
        "bottleneck": bottleneck(results),
        "settings": {k: v for k, v in vars(args).items() if k != "database_url"},
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print("first bottleneck:", report["bottleneck"])
        for r in results:
            if r["profile_of_app_process_0"]:
                print(
                    f"app process 0 at {r['annotators']} annotators (py-spy):", r["profile_of_app_process_0"]
                )
        lost = sum(r["lost"] for r in results)
        print("nothing lost" if lost == 0 else f"LOST {lost} acknowledged answers")
    return report


if __name__ == "__main__":
    sys.exit(1 if any(r["lost"] or r["errors"] for r in main()["levels"]) else 0)
