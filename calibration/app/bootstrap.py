"""First start: create and migrate the database, publish the shipped guidelines, create the first lead.

Only the guideline versions shipped with the package (`calibration.guidelines.versions.SHIPPED`) are
published here, by the system. Any other file under ``guidelines/`` (a draft saved by the revision queue,
a file copied in by hand) is never published on start-up: the Guidelines page lists it as a draft, and
a person publishes it (its ``published_by`` is that person).

`prepare_database` runs once per process (from `calibration.app.state.get_engine`). The first lead
account comes from ``CALIBRATION_ADMIN_EMAIL`` / ``CALIBRATION_ADMIN_PASSWORD`` (and optionally
``CALIBRATION_ADMIN_NAME``) for unattended deployments, or from the setup form on the sign-in page.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from calibration.errors import CalibrationError

log = logging.getLogger(__name__)


def prepare_database(engine: Any) -> None:
    """Migrate `engine`'s database to the latest schema, publish shipped guidelines, create the env lead.

    Versions already published (by id and version) are skipped without reading their file; a bundled
    version that cannot be published is logged and skipped, not fatal.
    """
    from calibration.storage.engine import upgrade

    upgrade(engine)
    publish_bundled(engine)
    create_admin_from_env(engine)


def publish_bundled(engine: Any) -> list[str]:
    """Publish every shipped guideline version not yet published; returns the refs published now.

    Other files under ``guidelines/`` are drafts: they wait for a person (see the module docstring).
    """
    from calibration.guidelines import versions
    from calibration.guidelines.loading import read_guideline_file
    from calibration.rounds import service

    published: list[str] = []
    # Published versions never change; loading only new files keeps every later start fast.
    known = {v.ref for v in service.list_guideline_versions(engine)}
    for files in versions.discover(versions.BUNDLED_DIR).values():
        for file in files:
            if f"{file.id}@{file.version}" in known or not versions.is_shipped(file):
                continue
            try:
                loaded = read_guideline_file(file.path)
                guideline = loaded.guideline
                if service.publish(engine, guideline, images=loaded.images):
                    published.append(guideline.ref)
            except CalibrationError as error:
                log.warning("bundled guideline %s@%s not published: %s", file.id, file.version, error)
    return published


def create_admin_from_env(engine: Any) -> Any | None:
    """Create the lead named by CALIBRATION_ADMIN_EMAIL/PASSWORD if no lead exists yet; the user or None."""
    from calibration.rounds import service

    email = os.environ.get("CALIBRATION_ADMIN_EMAIL")
    password = os.environ.get("CALIBRATION_ADMIN_PASSWORD")
    if not email or not password or service.has_lead(engine):
        return None
    name = os.environ.get("CALIBRATION_ADMIN_NAME") or email.split("@")[0]
    return service.create_user(engine, name=name, email=email, role="lead", password=password)


def load_demo_workspace(engine: Any, *, actor_id: int) -> list[str]:
    """Load the demo workspace (see `calibration.rounds.demo_workspace`); returns the round names."""
    from calibration.rounds.demo_workspace import load_demo_workspace as load

    return load(engine, actor=actor_id)


def needs_setup(engine: Any) -> bool:
    """Whether no lead account exists yet (the sign-in page then shows the setup form)."""
    from calibration.rounds import service

    return not service.has_lead(engine)
