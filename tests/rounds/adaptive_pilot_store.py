"""An adaptive pilot guideline and four annotators in the store, for the adaptive pilot tests (rounds, CLI).

Its fixture `pilot_store` reaches every test through ``pytest_plugins`` in tests/conftest.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from calibration.guidelines.model import Guideline
from calibration.rounds import service

LABELS = ("POS", "NEG", "NEU")


def pilot_guideline_data(per_rule: int = 20, task_type: str = "single_label") -> dict[str, Any]:
    """Two rules, `per_rule` items each (no gold needed in a pilot), pilot target 0.6."""
    rules = [
        {"id": rule, "title": f"rule {rule}", "text": f"Apply {rule}.", "labels": list(LABELS)}
        for rule in ("EASY", "HARD")
    ]
    items = [
        {"id": f"{rule.lower()}{k:02d}", "input": f"reply {rule} {k}", "rules": [rule]}
        for rule in ("EASY", "HARD")
        for k in range(per_rule)
    ]
    return {
        "format": 1,
        "id": "pil",
        "version": "1.0.0",
        "title": "Adaptive pilot",
        "task": {"type": task_type, "labels": [{"id": x, "name": x.title()} for x in LABELS]},
        "calibration": {"pilot_target": 0.6},
        "rules": rules,
        "items": items,
    }


PEOPLE = ("ann", "bob", "cy", "dee")


@pytest.fixture
def pilot_store(store: Any) -> Any:
    """`store` with pil@1.0.0 published and annotators ann, bob, cy, dee (emails <name>@example.org)."""
    service.publish_guideline(store.engine, Guideline.model_validate(pilot_guideline_data()), store.lead)
    for name in PEOPLE:
        service.create_user(
            store.engine, name, role="annotator", email=f"{name}@example.org", actor=store.lead
        )
    return store


def pilot_annotator(engine: Any, name: str) -> Any:
    return service.user_by_email(engine, f"{name}@example.org")


def scripted_answer(item: str, who: str) -> str:
    """EASY items: everyone agrees; HARD items: each annotator answers differently."""
    if item.startswith("easy"):
        return LABELS[int(item[-2:]) % 3]
    return LABELS[(PEOPLE.index(who) + int(item[-2:])) % 3]


def round_robin(engine: Any, limit: int = 400) -> dict[str, list[str]]:
    """Each annotator answers their next item in turn until nobody has one; their items in order."""
    users = {name: pilot_annotator(engine, name) for name in PEOPLE}
    asked: dict[str, list[str]] = {name: [] for name in PEOPLE}
    active = set(PEOPLE)
    while active and sum(map(len, asked.values())) < limit:
        for name in PEOPLE:
            if name not in active:
                continue
            attempt = service.start_or_resume_attempt(engine, "pilot", users[name])
            if attempt.next_item is None:
                active.discard(name)
                continue
            assert len(attempt.items) == len(asked[name]) + 1  # only the item on screen is handed out
            asked[name].append(attempt.next_item)
            service.record_answer(
                engine,
                attempt.id,
                attempt.next_item,
                scripted_answer(attempt.next_item, name),
                actor=users[name],
            )
    return asked
