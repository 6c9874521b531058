"""AppTest fixtures: a temporary SQLite store per test (CALIBRATION_DATABASE_URL), users, small guidelines."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.app.app_helpers import PASSWORD


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file with the bundled guidelines published, made once and copied per test."""
    from calibration.app.bootstrap import prepare_database
    from calibration.storage.engine import make_engine

    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    prepare_database(engine)
    engine.dispose()
    return path


@pytest.fixture
def app_engine(template_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A fresh store (copy of the template) that the app under test opens too, via CALIBRATION_DATABASE_URL."""
    from calibration.storage.engine import make_engine

    path = tmp_path / "app.db"
    shutil.copyfile(template_db, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("CALIBRATION_DATABASE_URL", url)
    monkeypatch.setenv("CALIBRATION_SESSION_SECRET", "test-session-secret")
    for name in ("CALIBRATION_ADMIN_EMAIL", "CALIBRATION_ADMIN_PASSWORD", "CALIBRATION_ADMIN_NAME"):
        monkeypatch.delenv(name, raising=False)
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def app_lead(app_engine: Any) -> Any:
    from calibration.rounds import service

    return service.create_user(
        app_engine, "Lena Lead", role="lead", email="lead@example.org", password=PASSWORD
    )


@pytest.fixture
def app_annotator(app_engine: Any, app_lead: Any) -> Any:
    from calibration.rounds import service

    return service.create_user(app_engine, "Ari Annotator", role="annotator", actor=app_lead)
