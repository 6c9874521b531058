"""Helpers for the AppTests of the lead's analysis pages: a store with a simulated pilot, and page runners.

Data is seeded through the rounds service (`create_pilot_round`, `import_responses`) with answers from
`calibration.demo.simulate_responses`, so the pages read what a real round would hold.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

PAGES = Path(__file__).resolve().parents[2] / "calibration" / "app" / "pages"
GUIDELINE = "contract-clauses@1.0.0"
HOSTILE = "<script>alert('x')</script>"


@dataclass
class Workspace:
    """A migrated store with a lead, an author, an annotator and (optionally) a pilot round."""

    url: str
    engine: Any
    lead: Any
    author: Any
    annotator: Any
    round: Any = None

    def page(self, name: str, user: Any) -> AppTest:
        """An AppTest of one page file, signed in as `user` (None: signed out)."""
        from calibration.app.state import USER_KEY

        at = AppTest.from_file(str(PAGES / name), default_timeout=60)
        if user is not None:
            at.session_state[USER_KEY] = user.id
        return at


@contextmanager
def seeded_workspace(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[Workspace]:
    """A workspace with a seeded pilot, shared by the read-only tests of one module."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        ws = make_workspace(tmp_path_factory.mktemp(name), monkeypatch)
        seed_pilot(ws)
        yield ws
        ws.engine.dispose()


def make_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """A fresh SQLite store (bundled guidelines published) pointed to by CALIBRATION_DATABASE_URL."""
    from calibration.app.bootstrap import prepare_database
    from calibration.rounds import service
    from calibration.storage.engine import make_engine

    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("CALIBRATION_DATABASE_URL", url)
    monkeypatch.setenv("CALIBRATION_SECRET_FILE", str(tmp_path / "secret"))
    engine = make_engine(url)
    prepare_database(engine)
    lead = service.create_user(
        engine, "Lena Lead", role="lead", email="lead@example.org", password="lead-pass-123"
    )
    author = service.create_user(
        engine, "Avi Author", role="author", email="author@example.org", password="author-pass-1"
    )
    annotator = service.create_user(
        engine, "Ann Annotator", role="annotator", email="ann@example.org", password="ann-pass-123"
    )
    return Workspace(url, engine, lead, author, annotator)


def seed_pilot(
    ws: Workspace, *, name: str = "Pilot one", annotators: int = 5, seed: int = 0, comment: bool = True
) -> Any:
    """A pilot round on the contract-clause guideline answered by simulated annotators (one hostile comment)."""
    from calibration.demo import simulate_responses
    from calibration.rounds import service

    guideline = service.get_guideline(ws.engine, GUIDELINE)
    round_ = service.create_pilot_round(ws.engine, name, GUIDELINE, actor=ws.lead)
    responses = simulate_responses(guideline, annotators=annotators, seed=seed)
    if comment:
        responses.loc[0, "comment"] = HOSTILE
        responses.loc[0, "unclear"] = True
    service.import_responses(ws.engine, round_.name, responses, actor=ws.lead, source="simulated")
    ws.round = service.get_round(ws.engine, round_.name)
    return ws.round


def round_analysis(ws: Workspace):
    """The library's analysis of the seeded round, to compare the pages with."""
    from calibration.reports.analysis import analyse_round
    from calibration.rounds import service

    data = service.round_responses(ws.engine, ws.round.id)
    return data, analyse_round(data)


def texts(at: AppTest) -> str:
    """Every text-like element value of a run, joined (markdown, captions, alerts, titles...)."""
    parts = []
    for kind in (
        "title",
        "header",
        "subheader",
        "markdown",
        "caption",
        "text",
        "info",
        "warning",
        "error",
        "success",
    ):
        parts += [str(element.value) for element in getattr(at, kind)]
    return "\n".join(parts)


def frames(at: AppTest, index: str | None = None, column: str | None = None) -> list:
    """The DataFrames shown in a run (in page order), optionally those with this index name or column."""
    found = [element.value for element in at.dataframe]
    if index is not None:
        found = [f for f in found if f.index.name == index]
    if column is not None:
        found = [f for f in found if column in f.columns]
    return found
