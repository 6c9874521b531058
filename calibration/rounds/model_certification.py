"""A model's certification from a file of its answers, stored like a person's (`calibration certify-model --store`)."""

from __future__ import annotations

from sqlalchemy import Engine, select

from calibration.agreement.model import ModelCertification
from calibration.errors import ConflictError, Location
from calibration.guidelines.model import Guideline
from calibration.guidelines.versions import content_hash
from calibration.rounds._common import (
    SYSTEM,
    Actor,
    actor_row,
    actor_user_id,
    guideline_of,
    new_user,
    version_row,
)
from calibration.storage import repository as repo
from calibration.storage import tables as t
from calibration.storage.engine import session_scope
from calibration.storage.repository import Certification


def store_model_certification(
    engine: Engine, report: ModelCertification, guideline: Guideline, *, actor: Actor = SYSTEM
) -> tuple[Certification, bool] | None:
    """Store a passed `calibration.agreement.model.certify_model` report as the model's certification.

    Like a person's: only a pass certifies, on the published guideline version the answers were scored
    on, and the certification is listed with everyone's (`service.certifications`, the Annotators page).
    It has no quiz attempt (``attempt_id`` None). The model is the annotator of kind ``model`` with the
    report's name, created (no password, no email) when the store does not know it yet. Certifying the
    same model on the same version again stores nothing new.

    Args:
        report: the model's certification report (scored on `guideline`).
        guideline: the guideline the answers were scored on; it must be published, with the same content.
        actor: a lead, or SYSTEM (the CLI).

    Returns:
        ``(certification, created)``, or None when the model did not pass (nothing is stored).

    Raises:
        NotFoundError: the guideline version is not published. ConflictError: the published version's
        content differs from `guideline`, or the name is a person's (or differs from an existing
        user's only by case: sign-in looks names up case-insensitively). PermissionDenied: not a lead.
    """
    if not report.passed:
        return None
    with session_scope(engine) as session:
        who = actor_row(session, actor, ("lead",), "certify models")
        version = version_row(session, guideline.ref)
        if content_hash(guideline_of(version)) != content_hash(guideline):
            raise ConflictError(
                f"{guideline.ref} in the store differs from the guideline the answers were scored on",
                location=Location(field="guideline"),
                hint="score against the published version (--guideline ID@VERSION with --store), "
                "or publish yours under a new version",
            )
        row = session.scalar(select(t.User).where(t.User.name == report.model))
        if row is not None and row.kind != "model":
            raise ConflictError(
                f"{report.model!r} is a {row.kind} annotator in the store, not a model",
                location=Location(field="model"),
                hint="name the model by its name and version, e.g. clauses-gpt@2024-08",
            )
        if row is None:
            row = new_user(
                session,
                report.model,
                "annotator",
                None,
                None,
                field="model",
                kind="model",
                distinct_case=True,
            )
            session.flush()
        known = repo.certifications(session, row.id, version.id)
        if known:
            return known[-1], False
        score = report.score.kappa if report.score.kappa is not None else report.score.accuracy
        score = None if score is None else float(score)  # not a numpy float: every driver stores it
        session.add(
            t.Certification(
                annotator_id=row.id, guideline_version_id=version.id, attempt_id=None, score=score
            )
        )
        session.flush()
        repo.audit(
            session,
            actor_user_id(who),
            "certify_model",
            f"user:{row.name}",
            guideline=guideline.ref,
            n_items=report.score.n_items,
            accuracy=None if report.score.accuracy is None else float(report.score.accuracy),
        )
        return repo.certifications(session, row.id, version.id)[-1], True
