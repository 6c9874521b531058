"""A display name may not be someone's email (it would pass for that person), nor an email someone's name."""

from __future__ import annotations

from typing import Any

import pytest

from calibration.errors import ConflictError
from calibration.guidelines.model import Guideline
from calibration.rounds import service


def test_a_user_named_after_a_leads_email_is_refused(store: Any) -> None:
    with pytest.raises(ConflictError) as caught:
        service.create_user(store.engine, "LENA@example.org", role="annotator", actor=store.lead)
    assert str(caught.value) == (
        "name: the name 'LENA@example.org' is an email address of an account "
        "(hint: choose a name that is not an email address)"
    )


def test_an_email_that_is_another_users_name_is_refused(store: Any) -> None:
    service.create_user(store.engine, "kim@example.org", role="annotator", actor=store.lead)
    with pytest.raises(
        ConflictError, match=r"email: the email Kim@example\.org is the name of another account"
    ):
        service.create_user(
            store.engine, "kim", role="author", email="Kim@example.org", password="long enough 1"
        )


def test_a_name_that_is_ones_own_email_is_allowed(store: Any) -> None:
    user = service.create_user(
        store.engine, "max@example.org", role="author", email="max@example.org", password="long enough 1"
    )
    assert user.name == "max@example.org"


def test_an_invited_annotator_cannot_take_a_leads_email_as_display_name(
    store: Any, tiny_guideline: Guideline
) -> None:
    engine = store.engine
    service.publish_guideline(engine, tiny_guideline, store.lead)
    service.create_calibration_round(engine, "r", tiny_guideline.ref, actor=store.lead)
    token = service.invite(engine, "r", actor=store.lead)
    with pytest.raises(ConflictError) as caught:
        service.redeem_invitation(engine, token, " lena@example.org ")
    assert "display_name: the name 'lena@example.org' is an email address of an account" in str(caught.value)
    user, _ = service.redeem_invitation(engine, token, "dora")
    assert user.name == "dora"
