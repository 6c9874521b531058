"""Fitting and storing the item and annotator model (IRT) of a guideline version from its gold answers.

The model (`calibration.adaptive.irt`) is refitted when a round closes (`refit_after_close`, called
by `calibration.rounds.rounds_admin.close_round`) or on demand (`fit_item_model`, the CLI's
``calibration irt fit``), and stored with the guideline version in ``item_model_fits``; the newest
fit is `latest_item_model`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy import Engine, select

from calibration.errors import DataError
from calibration.rounds._common import Actor, actor_row, actor_user_id, ref_of, version_row
from calibration.rounds.status import round_responses
from calibration.storage import repository as repo
from calibration.storage import tables as t
from calibration.storage.engine import session_scope

if TYPE_CHECKING:
    from calibration.adaptive.irt import ItemModel


@dataclass(frozen=True)
class ItemModelFit:
    """A stored fit: which version, when, why, and the model.

    ``suspects`` (`calibration.adaptive.irt.suspect_items`) is filled by `fit_item_model` only: a
    stored fit keeps the estimates, not the answers the suspects were judged on.
    """

    guideline_ref: str
    fitted_at: dt.datetime
    reason: str
    model: ItemModel
    suspects: pd.DataFrame | None = None


def gold_answers_of_version(engine: Engine, guideline_ref: str) -> pd.DataFrame:
    """Every current answer on a gold item in the rounds on a guideline version, graded.

    Gold is the bank's gold answer, else a lead's adjudication (`round_responses`), so quizzes,
    pilots with gold items and adjudicated items all count. Annotators are named by their user name.

    Returns:
        The long table item_id, annotator_id, credit (`calibration.adaptive.irt.graded_answers`).
    """
    # lazy: adaptive.irt loads scipy.optimize (~0.4 s); rounds.service (app start-up) imports this module
    from calibration.adaptive.irt import CREDIT, graded_answers

    with session_scope(engine, read_only=True) as session:
        version = version_row(session, guideline_ref)
        round_ids = repo.rounds_on_version(session, version.id)
    parts = []
    for round_id in sorted(round_ids):
        data = round_responses(engine, round_id)
        if len(data.gold) and len(data.responses):
            parts.append(graded_answers(data.responses, data.gold, data.guideline.task))
    if not parts:
        return pd.DataFrame({"item_id": [], "annotator_id": [], CREDIT: []})
    return pd.concat(parts, ignore_index=True)


def fit_item_model(
    engine: Engine, guideline_ref: str, *, actor: Actor, model: str = "auto", reason: str = "on demand"
) -> ItemModelFit:
    """Fit the item model of a guideline version on its gold answers and store it. Needs a lead.

    Raises:
        NotFoundError: unknown version. DataError: no answers on gold items yet.
        PermissionDenied: not a lead.
    """
    # lazy: as in gold_answers_of_version
    from calibration.adaptive.irt import fit_irt, suspect_items

    with session_scope(engine, read_only=True) as session:
        actor_row(session, actor, ("lead",), "fit the item model")
        version_row(session, guideline_ref)
    graded = gold_answers_of_version(engine, guideline_ref)
    if graded.empty:
        raise DataError(
            f"no answers on gold items in the rounds on {guideline_ref} yet",
            hint="fit the item model after a calibration round (or a pilot with gold items) has answers",
        )
    fitted = fit_irt(graded, model)  # type: ignore[arg-type]
    with session_scope(engine) as session:
        who = actor_row(session, actor, ("lead",), "fit the item model")
        version = version_row(session, guideline_ref)
        row = t.ItemModelFit(
            guideline_version_id=version.id,
            model=fitted.kind,
            n_answers=fitted.n_answers,
            reason=reason[:300],
            estimates=fitted.to_dict(),
        )
        session.add(row)
        session.flush()
        repo.audit(
            session,
            actor_user_id(who),
            "fit_item_model",
            f"guideline:{ref_of(version)}",
            model=fitted.kind,
            answers=fitted.n_answers,
            reason=reason,
        )
        return ItemModelFit(ref_of(version), row.fitted_at, row.reason, fitted, suspect_items(graded, fitted))


def latest_item_model(engine: Engine, guideline_ref: str) -> ItemModelFit | None:
    """The newest stored fit of a guideline version, or None when it was never fitted."""
    # lazy: as in gold_answers_of_version
    from calibration.adaptive.irt import ItemModel

    with session_scope(engine, read_only=True) as session:
        version = version_row(session, guideline_ref)
        row = session.scalars(
            select(t.ItemModelFit)
            .where(t.ItemModelFit.guideline_version_id == version.id)
            .order_by(t.ItemModelFit.fitted_at.desc(), t.ItemModelFit.id.desc())
            .limit(1)
        ).first()
        if row is None:
            return None
        return ItemModelFit(ref_of(version), row.fitted_at, row.reason, ItemModel.from_dict(row.estimates))


def suspects_of_version(engine: Engine, guideline_ref: str) -> pd.DataFrame | None:
    """The suspect quiz items (`calibration.adaptive.irt.suspect_items`) under the newest stored fit
    of a guideline version, judged on its current gold answers; None when it was never fitted."""
    # lazy: as in gold_answers_of_version
    from calibration.adaptive.irt import suspect_items

    fit = latest_item_model(engine, guideline_ref)
    if fit is None:
        return None
    graded = gold_answers_of_version(engine, guideline_ref)
    return suspect_items(graded, fit.model) if len(graded) else None


def refit_after_close(
    engine: Engine, guideline_ref: str, round_name: str, *, actor: Actor
) -> ItemModelFit | None:
    """Refit when a round closes; None when its version has no answers on gold items yet."""
    try:
        return fit_item_model(engine, guideline_ref, actor=actor, reason=f"round {round_name} closed")
    except DataError:
        return None
