"""Shared fixtures: a migrated store on SQLite and on PostgreSQL, and a lead to act with.

`db_url` is parametrized over ``sqlite`` (a temporary file) and ``postgresql``. The PostgreSQL case
needs CALIBRATION_TEST_POSTGRES_URL; without it the case is skipped, unless
CALIBRATION_REQUIRE_POSTGRES=1 (as in CI), which turns the skip into a failure. Each PostgreSQL test
gets its own schema (dropped afterwards), so tests never see each other's rows.

Fixtures that a feature folder's tests share with the CLI tests in tests/cli/ live in helper modules
beside those tests and are registered here, once, through ``pytest_plugins``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

pytest_plugins = [
    "tests.adaptive.answered_quiz",
    "tests.ambiguity.simulated_pilot",
    "tests.csv_safety",
    "tests.guidelines.valid_guideline",
    "tests.rounds.adaptive_pilot_store",
]

POSTGRES_ENV = "CALIBRATION_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_ENV = "CALIBRATION_REQUIRE_POSTGRES"


def _postgres_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        if os.environ.get(REQUIRE_POSTGRES_ENV) == "1":
            pytest.fail(f"{REQUIRE_POSTGRES_ENV}=1 but {POSTGRES_ENV} is not set")
        pytest.skip(
            f"PostgreSQL tests need {POSTGRES_ENV} (e.g. postgresql+psycopg://postgres@127.0.0.1:55432/db)"
        )
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    """A database URL for an empty database: a SQLite file, or a fresh schema in PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'calibration.db'}"
        return
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from calibration.storage.engine import database_url

    base = make_url(database_url(_postgres_url()))
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    except Exception as error:  # server down: a failure under CI, else a skip
        admin.dispose()
        if os.environ.get(REQUIRE_POSTGRES_ENV) == "1":
            raise
        pytest.skip(f"PostgreSQL at {base.render_as_string()} is not reachable: {error}")
    try:
        yield base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Any]:
    """A migrated (Alembic head), empty store on each database."""
    from calibration.storage.engine import make_engine, upgrade

    eng = make_engine(db_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@dataclass(frozen=True)
class Store:
    """A migrated store with one lead account."""

    engine: Any
    lead: Any
    url: str


@pytest.fixture
def store(engine: Any, db_url: str) -> Store:
    """`engine` plus a lead (name "lena", email lena@example.org, password "correct horse")."""
    from calibration.rounds import service

    lead = service.create_user(
        engine, "lena", role="lead", email="lena@example.org", password="correct horse"
    )
    return Store(engine, lead, db_url)


def tiny_guideline_data(version: str = "1.0.0", **policy: Any) -> dict[str, Any]:
    """A small single-label guideline: 3 rules, 12 gold items (2 edge cases, 1 item with two rules),
    1 pilot-only item without gold; policy 2 items per rule, 6 per quiz."""
    labels = [{"id": x, "name": n} for x, n in (("POS", "Positive"), ("NEG", "Negative"), ("NEU", "Neutral"))]
    rules = [
        {
            "id": f"R-{x}",
            "title": f"{x} replies",
            "text": f"Label {x} when the reply is {x.lower()}.",
            "labels": [x],
        }
        for x in ("POS", "NEG", "NEU")
    ]
    items = []
    for number in range(12):
        label = ("POS", "NEG", "NEU")[number % 3]
        item = {"id": f"i{number + 1:02d}", "input": f"reply number {number + 1}", "rules": [f"R-{label}"]}
        item |= {"answer": label, "why": f"it is {label.lower()}", "edge_case": number in (0, 1)}
        items.append(item)
    items[3]["rules"] = ["R-POS", "R-NEU"]
    items.append({"id": "p01", "input": "a pilot-only reply", "rules": ["R-NEU"]})
    return {
        "format": 1,
        "id": "tiny",
        "version": version,
        "title": "Tiny sentiment",
        "task": {"type": "single_label", "labels": labels},
        "calibration": {"min_items_per_rule": 2, "items_per_quiz": 6, "pass_kappa": 0.6} | policy,
        "rules": rules,
        "items": items,
    }


@pytest.fixture(name="tiny_guideline_data")
def tiny_guideline_data_fixture() -> Any:
    """The `tiny_guideline_data` factory, for tests that need variants (other versions, policies)."""
    return tiny_guideline_data


@pytest.fixture
def tiny_guideline() -> Any:
    """`tiny_guideline_data()` as a validated `Guideline`."""
    from calibration.guidelines.model import Guideline

    return Guideline.model_validate(tiny_guideline_data())
