"""The adjudication rationale has one limit, `MAX_RATIONALE`, said on the page and enforced here."""

from __future__ import annotations

from typing import Any

import pytest

from calibration.errors import AnswerError
from calibration.guidelines.model import Guideline
from calibration.rounds import service


@pytest.fixture
def published(store: Any, tiny_guideline: Guideline) -> Any:
    service.publish_guideline(store.engine, tiny_guideline, store.lead)
    for name in ("ann", "bob"):
        service.create_user(store.engine, name, role="annotator", actor=store.lead)
    return store


def test_a_rationale_over_the_limit_is_refused_naming_the_field(published: Any) -> None:
    engine, lead = published.engine, published.lead
    service.create_pilot_round(engine, "p", "tiny@1.0.0", actor=lead, annotators=["ann", "bob"], overlap=2)
    with pytest.raises(AnswerError) as error:
        service.adjudicate(engine, "p", "p01", "NEU", "r" * (service.MAX_RATIONALE + 1), actor=lead)
    assert str(error.value) == (
        f"rationale: the rationale has {service.MAX_RATIONALE + 1} characters; it can have at most "
        f"{service.MAX_RATIONALE} (hint: shorten it (nothing was saved; what you typed is still there))"
    )
    assert service.adjudications(engine, "p") == []
    decided = service.adjudicate(engine, "p", "p01", "NEU", "r" * service.MAX_RATIONALE, actor=lead)
    assert len(decided.rationale) == service.MAX_RATIONALE
