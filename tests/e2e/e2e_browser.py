"""Real-browser helpers: start `streamlit run streamlit_app.py` on a free port with a temporary store, drive Chromium.

Uses Debian's Chromium (/usr/bin/chromium) through Playwright's ``launch_persistent_context``; never
``playwright install``. See ``../shared/notes/streamlit-1.67.md`` section 3 for the recipe.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
LEAD_EMAIL = "lead@example.org"
LEAD_PASSWORD = "correct-horse-battery"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def browser_missing() -> str | None:
    """Why a browser test cannot run here, or None when Chromium and Playwright are available."""
    if not Path(CHROMIUM).exists():
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install playwright)"
    return None


def require_browser() -> None:
    """Skip the test, with the reason, where Chromium or Playwright is missing; fail instead under
    CALIBRATION_REQUIRE_BROWSER=1 (CI), where a skipped browser test would hide a broken set-up."""
    import pytest

    reason = browser_missing()
    if reason is None:
        return
    if os.environ.get("CALIBRATION_REQUIRE_BROWSER") == "1":
        pytest.fail(f"CALIBRATION_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


def lead_store(path: Path) -> tuple[str, Any, Any]:
    """A migrated SQLite store at `path` with the lead Lena (`LEAD_EMAIL`): ``(url, engine, lead)``."""
    from calibration.app.bootstrap import prepare_database
    from calibration.rounds import service
    from calibration.storage.engine import make_engine

    url = f"sqlite:///{path}"
    engine = make_engine(url)
    prepare_database(engine)
    lead = service.create_user(engine, "Lena Lead", role="lead", email=LEAD_EMAIL, password=LEAD_PASSWORD)
    return url, engine, lead


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http_ok(url: str, timeout: float = 40) -> None:
    end = time.time() + timeout
    while time.time() < end:
        with contextlib.suppress(Exception):
            if urllib.request.urlopen(url, timeout=1).status == 200:
                return
        time.sleep(0.2)
    raise TimeoutError(f"no answer from {url} within {timeout} s")


@contextlib.contextmanager
def app_server(database_url: str, workdir: Path, **env: str) -> Iterator[str]:
    """Run the app on a free port against `database_url`; yields its base URL, stops it afterwards."""
    port = free_port()
    environment = {
        **os.environ,
        "CALIBRATION_DATABASE_URL": database_url,
        "CALIBRATION_SESSION_SECRET": "e2e-session-secret",
        "CALIBRATION_ADMIN_EMAIL": LEAD_EMAIL,
        "CALIBRATION_ADMIN_PASSWORD": LEAD_PASSWORD,
        "CALIBRATION_ADMIN_NAME": "Lena Lead",
        **env,
    }
    log = open(workdir / "streamlit_server.log", "w")  # noqa: SIM115 (closed below)
    command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "streamlit_app.py")]
    command += ["--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1"]
    command += ["--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_http_ok(f"http://127.0.0.1:{port}/_stcore/health")
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


@contextlib.contextmanager
def browser_context(playwright: Any, *, height: int = 900, **options: Any) -> Iterator[Any]:
    """A fresh Chromium profile (its own cookies): one per person in a journey."""
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    context = playwright.chromium.launch_persistent_context(
        profile,
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        viewport={"width": 1280, "height": height},
        **options,
    )
    try:
        yield context
    finally:
        context.close()
        shutil.rmtree(profile, ignore_errors=True)  # 5-20 MB each: left behind, they filled /tmp


def wait_idle(page: Any, timeout: float = 20000) -> None:
    """Wait until Streamlit has finished running (call after expecting the new content)."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout
    )


def sign_in_lead(page: Any, url: str, timeout: float = 30_000) -> None:
    """Open the app at `url` and sign in as the `lead_store` lead, up to the lead's Home page."""
    from playwright.sync_api import expect

    page.goto(url, wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible(timeout=timeout)
    page.get_by_label("Email or name").fill(LEAD_EMAIL)
    page.get_by_label("Password", exact=True).fill(LEAD_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Hello, Lena Lead")).to_be_visible(timeout=timeout)
    wait_idle(page)


def span_frame(page: Any) -> Any:
    """The frame of the span selection widget (calibration/app/widgets/frontend/span_select.js) on `page`."""
    return page.frame_locator("iframe[title*='span_select']")


def drag_select(page: Any, start: int, end: int) -> None:
    """Drag the mouse over the item text from the token starting at `start` to the one ending at `end`."""
    frame = span_frame(page)
    first = frame.locator(f".tok[data-start='{start}']")
    last = frame.locator(f".tok[data-end='{end}']")
    first.scroll_into_view_if_needed()
    a, b = first.bounding_box(), last.bounding_box()
    assert a and b, "the tokens of the span are not on screen"
    page.mouse.move(a["x"] + 2, a["y"] + a["height"] / 2)
    page.mouse.down()
    page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2, steps=6)
    page.mouse.move(b["x"] + b["width"] - 2, b["y"] + b["height"] / 2, steps=2)
    page.mouse.up()


def mark_span(page: Any, start: int, end: int, label_name: str) -> None:
    """Select `[start, end)` in the text with the mouse and press the label's button."""
    drag_select(page, start, end)
    span_frame(page).locator("#labels").get_by_role("button", name=label_name, exact=True).click()


def shown_text(page: Any) -> str:
    """The page's text and, on a span item, the span widget's (the item text is shown only there)."""
    frame = span_frame(page)
    widget = (
        frame.locator("body").inner_text() if page.locator("iframe[title*='span_select']").count() else ""
    )
    return page.inner_text("body") + "\n" + widget


def box_frame(page: Any) -> Any:
    """The frame of the box drawing widget (calibration/app/widgets/frontend/box_draw.js) on `page`."""
    return page.frame_locator("iframe[title*='box_draw']")


def draw_box(page: Any, box: tuple[float, float, float, float], image_width: int) -> None:
    """Drag the mouse over the widget's image from the box's top-left to its bottom-right corner.

    `box` is ``(x, y, width, height)`` in image pixels; `image_width` is the image's width in pixels
    (the widget fits the image to the frame, so screen pixels per image pixel are measured here).
    """
    stage = box_frame(page).locator("#stage")
    stage.scroll_into_view_if_needed()
    where = stage.bounding_box()
    assert where, "the image is not on screen"
    scale = where["width"] / image_width
    x, y, w, h = box
    page.mouse.move(where["x"] + x * scale + 1, where["y"] + y * scale + 1)
    page.mouse.down()
    page.mouse.move(where["x"] + (x + w / 2) * scale, where["y"] + (y + h / 2) * scale, steps=5)
    page.mouse.move(where["x"] + (x + w) * scale - 1, where["y"] + (y + h) * scale - 1, steps=5)
    page.mouse.up()


def choose(page, key: str, option: str) -> None:
    """Pick `option` (its visible text, or the start of it) in the select box with widget key `key`."""
    box = page.locator(f".st-key-{key} input")
    for attempt in range(3):  # a rerun (a fragment, a lazy chart) may close the list before the click
        box.click()
        box.fill(option)  # the select box filters its options as one types
        try:
            # options may carry a suffix, e.g. " · no agreement yet" on rounds that cannot be analysed
            page.get_by_role("option", name=re.compile("^" + re.escape(option))).first.click(timeout=5000)
            break
        except Exception:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
            wait_idle(page)
    page.wait_for_timeout(400)  # let the rerun start before waiting for it to end
    wait_idle(page)
