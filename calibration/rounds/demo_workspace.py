"""The demo workspace: finished pilot rounds answered by simulated annotators.

Two pilots on the bundled ``contract-clauses`` guideline, 1.0.0 (with the ambiguous R-INDEM rule)
and 1.1.0 (its rewrite), answered by the same six simulated annotators of `calibration.demo` with
realistic confusions, so every dashboard, the revision queue and the before/after comparison are
populated within a minute of first start. A third pilot boxes objects in the images of the bundled
``street-objects`` guideline: four of the same annotators (`calibration.demo_boxes`), with planted
disagreement on a boundary rule (R-OCCLUDED: the full or the visible extent) and an inclusion rule
(R-REFLECTION: reflections boxed or not). The box pilot is created first, so the contract pilots
stay the newest rounds. Loading is idempotent: rounds already there are kept.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import func, select

from calibration.demo import GUIDELINES_DIR, demo_pilot
from calibration.demo_boxes import DEMO_BOX_GUIDELINE, DEMO_BOX_VERSION, simulate_box_responses
from calibration.errors import NotFoundError
from calibration.guidelines.loading import read_guideline_file
from calibration.rounds import service
from calibration.rounds._common import actor_row, actor_user_id
from calibration.rounds.rounds_admin import delete_round_rows
from calibration.storage import repository as repo
from calibration.storage import tables as t
from calibration.storage.engine import session_scope

DEMO_VERSIONS = ("1.0.0", "1.1.0")
DEMO_NAMES = {
    "ann-01": "Amara (demo)",
    "ann-02": "Bastian (demo)",
    "ann-03": "Chen (demo)",
    "ann-04": "Dolores (demo)",
    "ann-05": "Emeka (demo)",
    "ann-06": "Farah (demo)",
}
"""Display names of the simulated annotators (the "(demo)" suffix keeps them apart from real people)."""


DEMO_BOX_ROUND = "Demo pilot · street objects 1.0.0"
"""The name of the demo box pilot round (street-objects 1.0.0)."""


def demo_round_name(version: str) -> str:
    """The name of the demo pilot round on contract-clauses `version`."""
    return f"Demo pilot · contract clauses {version}"


def demo_round_names() -> list[str]:
    """Every demo round's name: the contract pilots, oldest version first, then the box pilot."""
    return [*(demo_round_name(v) for v in DEMO_VERSIONS), DEMO_BOX_ROUND]


def load_demo_workspace(engine: Any, *, actor: Any, seed: int = 0) -> list[str]:
    """Create the demo pilot rounds (publishing the bundled versions if needed) and store their answers.

    Args:
        engine: the store.
        actor: a lead (user or id), or ``service.SYSTEM``.
        seed: the simulation seed.

    Returns:
        The names of the demo rounds (existing ones included), in `demo_round_names` order (the
        contract pilots, oldest version first, then the box pilot, which is created first).

    Raises:
        PermissionDenied: the actor is not a lead.
    """
    existing = {r.name for r in _rounds(engine)}
    if DEMO_BOX_ROUND not in existing:
        loaded = read_guideline_file(GUIDELINES_DIR / DEMO_BOX_GUIDELINE / f"{DEMO_BOX_VERSION}.yaml")
        responses = simulate_box_responses(loaded.guideline, seed=seed)
        _store_pilot(
            engine, DEMO_BOX_ROUND, loaded.guideline, responses, actor=actor, seed=seed, images=loaded.images
        )
    for version in DEMO_VERSIONS:
        name = demo_round_name(version)
        if name not in existing:
            _store_pilot(engine, name, *demo_pilot(version, seed=seed), actor=actor, seed=seed)
    return demo_round_names()


def _rounds(engine: Any) -> list[Any]:
    return list(service.list_rounds(engine, include_archived=True))


def _store_pilot(
    engine: Any, name: str, guideline: Any, responses: Any, *, actor: Any, seed: int, images: Any = None
) -> None:
    """Publish `guideline` (with its `images`) if needed, create the pilot round `name` on its answered
    items, store the answers."""
    try:
        service.get_guideline(engine, guideline.ref)
    except NotFoundError:
        service.publish(engine, guideline, actor, images=images)
    responses = responses.copy()
    responses["annotator_id"] = responses["annotator_id"].map(lambda a: DEMO_NAMES.get(a, f"{a} (demo)"))
    items = list(dict.fromkeys(responses["item_id"]))
    service.create_pilot_round(engine, name, guideline.ref, actor=actor, item_ids=items, seed=seed)
    service.import_responses(engine, name, responses, actor=actor, source="calibration.demo")


def has_demo_workspace(engine: Any) -> bool:
    """Whether the demo rounds exist."""
    existing = {r.name for r in _rounds(engine)}
    return all(name in existing for name in demo_round_names())


def remove_demo_workspace(engine: Any, *, actor: Any) -> dict[str, int]:
    """Delete the demo rounds (with their answers) and the simulated annotators, in one transaction.

    A simulated annotator who has anything left after the demo rounds are gone (an answer, an
    assignment or a certification in another round) is kept. The bundled guideline versions stay
    published.

    Returns:
        ``{"rounds": N, "users": M, "responses": ...}``: what was deleted.

    Raises:
        PermissionDenied: the actor is not a lead.
    """
    removed: dict[str, int] = {"rounds": 0, "users": 0}
    with session_scope(engine) as session:
        who = actor_row(session, actor, ("lead",), "remove the demo workspace")
        for name in demo_round_names():
            found = repo.find_round(session, name)
            if found is None:
                continue
            for table, count in delete_round_rows(session, found[0]).items():
                removed[table] = removed.get(table, 0) + count
            removed["rounds"] += 1
        for user in repo.users_by_names(session, [*DEMO_NAMES.values(), DEMO_MODEL]).values():
            references = [
                select(func.count()).select_from(table).where(column == user.id)
                for table, column in (
                    (t.Response, t.Response.annotator_id),
                    (t.Assignment, t.Assignment.annotator_id),
                    (t.Attempt, t.Attempt.annotator_id),
                    (t.Certification, t.Certification.annotator_id),
                    (t.Invitation, t.Invitation.user_id),
                    (t.AuditEntry, t.AuditEntry.actor_id),
                )
            ]
            if user.role == "annotator" and not any(session.scalar(q) for q in references):
                session.delete(user)
                removed["users"] += 1
        session.flush()
        repo.audit(session, actor_user_id(who), "remove_demo_workspace", "demo", **removed)
    return removed


DEMO_MODEL_ANSWERS = "examples/model/contract-model-answers.csv"
"""A model's answers on the contract-clauses 1.1.0 bank (relative to the app root), for the demo."""
DEMO_MODEL = "clauses-gpt@2024-08"
"""The model annotator of `DEMO_MODEL_ANSWERS` (removed with the demo workspace)."""


def load_demo_model_answers(engine: Any, *, actor: Any, root: Any = None) -> str:
    """Add the bundled example model's answers to the demo pilot on contract-clauses 1.1.0.

    The file is read from disk (the product never calls a model); the answers go in as a model
    annotator, so no human figure changes. Idempotent: a model already in the round is kept.

    Args:
        engine: the store; actor: a lead (user or id) or ``service.SYSTEM``.
        root: the folder holding ``examples/`` (default: the app root).

    Returns:
        The model's annotator name.

    Raises:
        NotFoundError: the demo round does not exist (load the demo workspace first).
        PermissionDenied: the actor is not a lead.
    """
    folder = Path(root) if root is not None else Path(__file__).resolve().parents[2]
    answers = pd.read_csv(folder / DEMO_MODEL_ANSWERS, dtype={"item_id": str, "answer": str})
    name = demo_round_name("1.1.0")
    data = service.round_responses(engine, name)
    model = str(answers["annotator_id"].iloc[0])
    if model in set(data.model_responses["annotator_id"]):
        return model
    in_round = set(data.item_rules["item_id"]) | set(data.responses["item_id"])
    service.import_responses(
        engine, name, answers[answers["item_id"].isin(in_round)], actor=actor, source=DEMO_MODEL_ANSWERS
    )
    return model
