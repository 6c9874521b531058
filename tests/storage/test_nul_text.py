"""A text holding a NUL character is refused as a user error on every database, naming the field.

PostgreSQL cannot store NUL in text (the driver failed deep in a transaction: a traceback); SQLite stores
it and a later CSV or browser cuts the text there.
"""

from __future__ import annotations

from typing import Any

import pytest

from calibration.errors import CalibrationError, DataError
from calibration.guidelines.model import Guideline
from calibration.rounds import service


def _refused(call: Any, field: str) -> None:
    with pytest.raises(DataError) as caught:
        call()
    assert str(caught.value) == (
        f"{field}: the text holds a NUL character (\\0), which cannot be stored "
        "(hint: remove it (it usually comes from a copy out of another program))"
    )


def test_nul_in_a_display_name_is_refused(store: Any) -> None:
    _refused(
        lambda: service.create_user(store.engine, "ann\x00a", role="annotator", actor=store.lead), "name"
    )
    assert [u.name for u in service.list_users(store.engine)] == ["lena"]


def test_nul_in_a_login_is_refused(store: Any) -> None:
    with pytest.raises(CalibrationError) as caught:
        service.authenticate(store.engine, "lena\x00", "correct horse")
    assert "NUL character" in str(caught.value) or "wrong" in str(caught.value)
    assert "Traceback" not in str(caught.value)
    assert service.authenticate(store.engine, "lena", "correct horse").name == "lena"


def test_nul_in_a_round_name_is_refused(store: Any, tiny_guideline: Guideline) -> None:
    service.publish_guideline(store.engine, tiny_guideline, store.lead)
    _refused(
        lambda: service.create_pilot_round(store.engine, "r\x00x", tiny_guideline.ref, actor=store.lead),
        "name",
    )


def test_nul_in_a_comment_is_refused_and_the_answer_can_be_given_again(
    store: Any, tiny_guideline: Guideline
) -> None:
    engine = store.engine
    service.publish_guideline(engine, tiny_guideline, store.lead)
    ann = service.create_user(engine, "ann", role="annotator", actor=store.lead)
    service.create_calibration_round(
        engine, "r", tiny_guideline.ref, actor=store.lead, annotators=["ann"], seed=1
    )
    attempt = service.start_or_resume_attempt(engine, "r", ann)
    item = attempt.items[0]
    _refused(
        lambda: service.record_answer(engine, attempt.id, item, "POS", actor=ann, comment="a\x00b"), "comment"
    )
    service.record_answer(engine, attempt.id, item, "POS", actor=ann, comment="ab")
