"""The Rounds page: every field has a label of its own, and the quiz-length note reads the guideline of
the store the app is on (AppTest)."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from calibration.rounds import service
from tests.app.app_helpers import new_app, page, single_label_guideline


def _rounds(user: Any) -> Any:
    at = new_app(user).run()
    at.switch_page(page("rounds.py")).run()
    assert not at.exception, at.exception
    return at


def test_the_two_guideline_version_boxes_have_labels_of_their_own(app_engine, app_lead):
    at = _rounds(app_lead)
    labels = Counter(box.label for box in at.selectbox)
    assert [label for label, count in labels.items() if count > 1] == []
    assert at.selectbox(key="rounds_ref").label == "Guideline version of the round"
    assert at.selectbox(key="imp_ref").label == "Guideline version the answers follow"


def _quiz_note(user: Any, ref: str) -> str:
    at = _rounds(user)
    at.selectbox(key="rounds_ref").set_value(ref).run()
    assert not at.exception, at.exception
    return next(c.value for c in [*at.caption, *at.warning] if str(c.value).startswith("Quizzes will have"))


def test_the_quiz_length_note_is_cached_per_database(
    app_engine, app_lead, template_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Two stores publish different guidelines under one id@version: each app shows its own length."""
    from calibration.storage.engine import make_engine

    ref = single_label_guideline().ref
    service.publish(app_engine, single_label_guideline(), app_lead)  # 2 items per quiz
    assert _quiz_note(app_lead, ref) == "Quizzes will have 2 items."

    other_path = tmp_path / "other.db"
    shutil.copyfile(template_db, other_path)
    other = make_engine(f"sqlite:///{other_path}")
    try:
        lead = service.create_user(
            other,
            "Olga Lead",
            role="lead",
            email="olga@example.org",
            password="a long password",
            first_lead=True,
        )
        service.publish(other, single_label_guideline(items_per_quiz=3), lead)  # same ref, 3 per quiz
        monkeypatch.setenv("CALIBRATION_DATABASE_URL", f"sqlite:///{other_path}")
        assert _quiz_note(lead, ref) == "Quizzes will have 3 items."
    finally:
        other.dispose()
