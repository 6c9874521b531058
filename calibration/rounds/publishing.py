"""Guideline versions: publish (idempotent by content hash), list and read published versions."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from calibration.errors import (
    ConflictError,
    Location,
)
from calibration.rounds._common import (
    SYSTEM,
    Actor,
    actor_row,
    actor_user_id,
    guideline_of,
    retrying,
    version_row,
)
from calibration.storage import repository as repo
from calibration.storage import tables as t
from calibration.storage.engine import session_scope
from calibration.storage.repository import GuidelineVersion

if TYPE_CHECKING:
    from calibration.guidelines.model import Guideline


def publish_guideline(engine: Engine, guideline: Guideline, actor: Actor = SYSTEM) -> GuidelineVersion:
    """Publish a guideline version as a frozen snapshot with its content hash.

    Publishing the same id and version again with the same content is a no-op returning the stored
    version; with different content it is refused.

    Args:
        engine: the store.
        guideline: a validated guideline.
        actor: a lead or author (or SYSTEM).

    Returns:
        The published version.

    Raises:
        ConflictError: the id and version are already published with other content; the message
            tells the author to bump the version.
        PermissionDenied: the actor is an annotator.
    """
    return _publish(engine, guideline, actor)[0]


def publish(engine: Engine, guideline: Guideline, actor: Actor = SYSTEM) -> bool:
    """Publish like `publish_guideline`; True when the version was new, False when it was already there."""
    return _publish(engine, guideline, actor)[1]


def _publish(engine: Engine, guideline: Guideline, actor: Actor) -> tuple[GuidelineVersion, bool]:
    digest = _hash_of(guideline)

    def work(session: Session) -> tuple[GuidelineVersion, bool]:
        who = actor_row(session, actor, ("lead", "author"), "publish guidelines")
        existing = repo.find_version(session, guideline.id, guideline.version)
        if existing is not None:
            if existing.content_hash == digest:
                return repo.version_of(existing), False
            raise ConflictError(
                f"{guideline.ref} is already published with different content "
                f"(published hash {existing.content_hash[:12]}, this file {digest[:12]})",
                location=Location(field="version"),
                hint=f"published versions never change: bump the version (e.g. to {_bump(guideline.version)}) "
                "and add a changelog entry",
            )
        row = t.GuidelineVersion(
            guideline_id=guideline.id,
            version=guideline.version,
            content_hash=digest,
            title=guideline.title,
            snapshot=guideline.model_dump(mode="json"),
            published_by=actor_user_id(who),
        )
        session.add(row)
        session.flush()
        repo.audit(session, actor_user_id(who), "publish", f"guideline:{guideline.ref}", content_hash=digest)
        return repo.version_of(row), True

    return retrying(engine, work)


def list_guideline_versions(engine: Engine, guideline_id: str | None = None) -> list[GuidelineVersion]:
    """Published versions (of one guideline, or all), oldest first per guideline."""
    with session_scope(engine, read_only=True) as session:
        return repo.list_versions(session, guideline_id)


def get_guideline(engine: Engine, ref: str) -> Guideline:
    """The published guideline ``"id@version"`` as a `Guideline`.

    Raises:
        NotFoundError: not published (the hint lists published versions).
    """
    with session_scope(engine, read_only=True) as session:
        return guideline_of(version_row(session, ref))


def _hash_of(guideline: Guideline) -> str:
    try:
        from calibration.guidelines.versions import content_hash
    except ImportError:  # pragma: no cover - the guidelines package always has it
        snapshot = guideline.model_dump(mode="json", exclude={"items_file"})
        text = json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()
    return content_hash(guideline)


def _bump(version: str) -> str:
    core = version.split("-")[0].split("+")[0].split(".")
    try:
        return f"{core[0]}.{core[1]}.{int(core[2]) + 1}"
    except (IndexError, ValueError):
        return "the next version"
