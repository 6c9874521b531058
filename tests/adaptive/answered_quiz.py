"""A store where three annotators took the tiny quiz, for the item-model tests and the CLI tests.

Its fixture `answered` reaches every test through ``pytest_plugins`` in tests/conftest.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from calibration.guidelines.model import Guideline
from calibration.rounds import service


@pytest.fixture
def answered(store: Any, tiny_guideline: Guideline) -> Any:
    """tiny@1.0.0 published and quizzed: ann answers all 6 items right, bob 5, cyd 4."""
    engine, lead = store.engine, store.lead
    service.publish_guideline(engine, tiny_guideline, lead)
    names = ("ann", "bob", "cyd")
    for name in names:
        service.create_user(engine, name, role="annotator", actor=lead)
    service.create_calibration_round(engine, "quiz", "tiny@1.0.0", actor=lead, annotators=list(names))
    users = {user.name: user for user in service.list_users(engine)}
    for n, name in enumerate(names):
        user = users[name]
        attempt = service.start_or_resume_attempt(engine, "quiz", user)
        for k, item in enumerate(attempt.items):
            gold = tiny_guideline.item(item).answer
            answer = gold if k >= n else ("NEG" if gold == "POS" else "POS")  # ann right, cyd 2 wrong
            service.record_answer(engine, attempt.id, item, answer, actor=user)
        service.finish_attempt(engine, attempt.id, actor=user)
    return store
