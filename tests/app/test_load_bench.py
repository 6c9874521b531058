"""Smoke test of bench/load.py: two app processes on one PostgreSQL, two annotators over Streamlit's websocket.

Keeps the bench's protocol code (BackMsg/ForwardMsg over ``/_stcore/stream``, widget ids read from the
deltas, the cookie sign-in) from rotting: if Streamlit changes its protocol or the quiz page its form,
no submit is acknowledged and this fails. Needs PostgreSQL (CALIBRATION_TEST_POSTGRES_URL), like the
other PostgreSQL tests; skipped without it unless CALIBRATION_REQUIRE_POSTGRES=1.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.bench_scripts import bench_script

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def _bench() -> Any:
    return bench_script("load")


@pytest.fixture
def postgres_url() -> str:
    url = os.environ.get("CALIBRATION_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CALIBRATION_REQUIRE_POSTGRES") == "1":
            pytest.fail("CALIBRATION_REQUIRE_POSTGRES=1 but CALIBRATION_TEST_POSTGRES_URL is not set")
        pytest.skip(
            "the load bench needs CALIBRATION_TEST_POSTGRES_URL "
            "(e.g. postgresql+psycopg://postgres@127.0.0.1:55432/db)"
        )
    return url


def test_two_annotators_on_two_processes_lose_nothing(
    postgres_url: str, capsys: pytest.CaptureFixture
) -> None:
    bench = _bench()
    options = ["--levels", "2", "--duration", "3", "--think", "0.1", "--items", "6", "--json"]
    report = bench.main(["--database-url", postgres_url, *options])

    level = report["levels"][0]
    assert level["per_process"] == [1, 1]
    assert level["errors"] == 0, level["error_examples"]
    # Each process acknowledged answers, and every acknowledged answer is in the database, once.
    assert all(count >= 1 for count in level["acknowledged_per_process"])
    assert level["answers_stored"] == level["answers_acknowledged"] == level["answers_sent"]
    assert level["lost"] == 0
    assert json.loads(capsys.readouterr().out)["levels"][0]["answers_stored"] == level["answers_stored"]


def test_a_submit_counts_only_when_the_page_moves_to_the_next_item() -> None:
    bench = _bench()
    assert bench.item_number("Item 3 of 20") == 3
    assert bench.item_number("0 of 20 answered · in progress") == -1
    assert bench.item_number(None) == -1
