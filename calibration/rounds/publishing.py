"""Guideline versions: publish (idempotent by content hash, with their images), list and read them back."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, undefer

from calibration.errors import (
    ConflictError,
    GuidelineError,
    Location,
    NotFoundError,
)
from calibration.guidelines.images import ImageFile, image_inputs
from calibration.guidelines.versions import content_hash
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


def publish_guideline(
    engine: Engine,
    guideline: Guideline,
    actor: Actor = SYSTEM,
    images: Mapping[str, ImageFile] | None = None,
) -> GuidelineVersion:
    """Publish a guideline version as a frozen snapshot with its content hash and its images.

    Publishing the same id and version again with the same content (images included) is a no-op
    returning the stored version; with different content it is refused.

    Args:
        engine: the store.
        guideline: a validated guideline.
        actor: a lead or author (or SYSTEM).
        images: the images its inputs use, by path as written (``read_guideline_file(path).images``);
            needed when the guideline has images, which are stored with the version.

    Returns:
        The published version.

    Raises:
        ConflictError: the id and version are already published with other content; the message
            tells the author to bump the version.
        GuidelineError: an image the guideline uses is not in `images`.
        PermissionDenied: the actor is an annotator.
    """
    return _publish(engine, guideline, actor, images)[0]


def publish(
    engine: Engine,
    guideline: Guideline,
    actor: Actor = SYSTEM,
    images: Mapping[str, ImageFile] | None = None,
) -> bool:
    """Publish like `publish_guideline`; True when the version was new, False when it was already there."""
    return _publish(engine, guideline, actor, images)[1]


def publish_conflict(
    engine: Engine, guideline: Guideline, images: Mapping[str, ImageFile] | None = None
) -> ConflictError | None:
    """The conflict `publish` would raise for this id and version, found without writing anything.

    Lets a page say "already published with different content: bump the version" as soon as a file
    is uploaded, instead of after a Publish click.

    Returns:
        The `ConflictError` (with the hint to bump the version) when the id and version are published
        with other content; None when they are new, or published with this very content.
    """
    with session_scope(engine) as session:
        existing = repo.find_version(session, guideline.id, guideline.version)
        if existing is None:
            return None
        known = _stored_images(session, existing.id) if images is None else {}
        try:
            used = _images_used(guideline, {**known, **(images or {})})
        except GuidelineError:
            return None  # not a conflict: publish says which images are missing
        digest = _hash_of(guideline, used)
        return None if digest == existing.content_hash else _changed(guideline, existing.content_hash, digest)


def _changed(guideline: Guideline, published: str, digest: str) -> ConflictError:
    return ConflictError(
        f"{guideline.ref} is already published with different content "
        f"(published hash {published[:12]}, this file {digest[:12]})",
        location=Location(field="version"),
        hint=f"published versions never change: bump the version (e.g. to {_bump(guideline.version)}) "
        "and add a changelog entry",
    )


def _images_used(guideline: Guideline, images: Mapping[str, ImageFile]) -> dict[str, ImageFile]:
    used = {input.image for _, input in image_inputs(guideline)}
    missing = sorted(used - set(images))
    if missing:
        raise GuidelineError(
            f"{guideline.ref} uses {len(missing)} image{'s' if len(missing) != 1 else ''} not given to "
            f"publish ({', '.join(missing[:3])}{', ...' if len(missing) > 3 else ''})",
            hint="publish the guideline from its file, so its images are read with it "
            "(calibration publish guidelines/<id>/<version>.yaml)",
        )
    return {path: images[path] for path in sorted(used)}


def _stored_images(session: Session, version_id: int) -> dict[str, ImageFile]:
    rows = session.scalars(
        select(t.GuidelineImage)
        .where(t.GuidelineImage.guideline_version_id == version_id)
        .options(undefer(t.GuidelineImage.data))
    )
    return {r.path: ImageFile(r.path, r.media_type, r.width, r.height, bytes(r.data)) for r in rows}


def _publish(
    engine: Engine, guideline: Guideline, actor: Actor, images: Mapping[str, ImageFile] | None
) -> tuple[GuidelineVersion, bool]:
    def work(session: Session) -> tuple[GuidelineVersion, bool]:
        who = actor_row(session, actor, ("lead", "author"), "publish guidelines")
        existing = repo.find_version(session, guideline.id, guideline.version)
        # republishing a published snapshot (which holds image paths, not bytes) compares with the
        # stored images; images given take precedence, so changed bytes are a conflict
        known = _stored_images(session, existing.id) if existing is not None and images is None else {}
        used = _images_used(guideline, {**known, **(images or {})})
        digest = _hash_of(guideline, used)
        if existing is not None:
            if existing.content_hash == digest:
                return repo.version_of(existing), False
            raise _changed(guideline, existing.content_hash, digest)
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
        for image in used.values():
            session.add(
                t.GuidelineImage(
                    guideline_version_id=row.id,
                    path=image.path,
                    sha256=image.sha256,
                    media_type=image.media_type,
                    width=image.width,
                    height=image.height,
                    data=image.data,
                )
            )
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


def image_of(engine: Engine, version_id: int, path: str) -> ImageFile:
    """One image of a published guideline version, bytes included, for the app to show.

    Args:
        engine: the store.
        version_id: the published version's id (`GuidelineVersion.id`).
        path: the image's path as written in the guideline (an input's ``image``).

    Raises:
        NotFoundError: the version has no image at `path`.
    """
    with session_scope(engine, read_only=True) as session:
        row = session.scalar(
            select(t.GuidelineImage)
            .where(t.GuidelineImage.guideline_version_id == version_id, t.GuidelineImage.path == path)
            .options(undefer(t.GuidelineImage.data))
        )
        if row is None:
            raise NotFoundError(
                f"guideline version {version_id} has no image {path!r}",
                hint="image paths are the inputs' image fields as written in the published guideline",
            )
        return ImageFile(row.path, row.media_type, row.width, row.height, bytes(row.data))


def images_of(engine: Engine, version_id: int) -> list[ImageFile]:
    """Every image of a published version without its bytes (``data`` is empty), ordered by path."""
    with session_scope(engine, read_only=True) as session:
        rows = session.execute(
            select(
                t.GuidelineImage.path,
                t.GuidelineImage.media_type,
                t.GuidelineImage.width,
                t.GuidelineImage.height,
            )
            .where(t.GuidelineImage.guideline_version_id == version_id)
            .order_by(t.GuidelineImage.path)
        ).all()
    return [ImageFile(path, media_type, width, height, b"") for path, media_type, width, height in rows]


def _hash_of(guideline: Guideline, images: Mapping[str, ImageFile]) -> str:
    return content_hash(guideline, images)


def _bump(version: str) -> str:
    core = version.split("-")[0].split("+")[0].split(".")
    try:
        return f"{core[0]}.{core[1]}.{int(core[2]) + 1}"
    except (IndexError, ValueError):
        return "the next version"
