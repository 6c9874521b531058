"""The audit log says who changed what, on SQLite and PostgreSQL; refused changes leave no entry."""

from __future__ import annotations

from typing import Any

import pytest

from calibration.errors import PermissionDenied
from calibration.guidelines.model import Guideline
from calibration.rounds import service


def _user(engine: Any, name: str) -> service.User:
    return next(u for u in service.list_users(engine) if u.name == name)


def test_round_changes_are_logged_with_actor_entity_and_details(
    store: Any, tiny_guideline: Guideline
) -> None:
    engine, lead = store.engine, store.lead
    service.publish_guideline(engine, tiny_guideline, lead)
    for name in ("ann", "bob"):
        service.create_user(engine, name, role="annotator", actor=lead)
    service.create_pilot_round(engine, "p", "tiny@1.0.0", actor=lead, annotators=["ann", "bob"], overlap=2)
    ann = _user(engine, "ann")
    service.start_or_resume_attempt(engine, "p", ann)
    service.invite(engine, "p", actor=lead)
    service.close_round(engine, "p", actor=lead)

    entries = list(reversed(service.audit_log(engine, entity="round:p")))
    assert [(e.action, e.actor_id) for e in entries] == [
        ("create_round", lead.id),
        ("start_attempt", ann.id),
        ("invite", lead.id),
        ("close_round", lead.id),
    ]
    created = entries[0].details
    assert (created["kind"], created["guideline"], created["annotators"]) == (
        "pilot",
        "tiny@1.0.0",
        ["ann", "bob"],
    )
    assert "expires_at" in entries[2].details
    published = service.audit_log(engine, entity="guideline:tiny@1.0.0")
    assert [(e.action, e.actor_id) for e in published] == [("publish", lead.id)]
    assert published[0].details["content_hash"]
    users = {
        e.entity: (e.action, e.actor_id) for e in service.audit_log(engine) if e.entity.startswith("user:")
    }
    assert users["user:ann"] == ("create_user", lead.id) and users["user:bob"] == ("create_user", lead.id)


def test_a_refused_change_writes_no_audit_entry(store: Any, tiny_guideline: Guideline) -> None:
    engine, lead = store.engine, store.lead
    service.publish_guideline(engine, tiny_guideline, lead)
    for name in ("ann", "bob"):
        service.create_user(engine, name, role="annotator", actor=lead)
    service.create_pilot_round(engine, "p", "tiny@1.0.0", actor=lead, annotators=["ann", "bob"], overlap=2)
    before = service.audit_log(engine, limit=1000)
    with pytest.raises(PermissionDenied):
        service.close_round(engine, "p", actor=_user(engine, "ann"))
    with pytest.raises(PermissionDenied):
        service.invite(engine, "p", actor=_user(engine, "bob"))
    assert service.audit_log(engine, limit=1000) == before
