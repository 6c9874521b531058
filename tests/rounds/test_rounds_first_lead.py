"""The first-start setup makes a lead only while no lead exists (checked where the user is inserted)."""

from __future__ import annotations

from typing import Any

import pytest

from calibration.errors import ConflictError
from calibration.rounds import service


def test_the_setup_form_cannot_add_a_second_lead(store: Any) -> None:
    with pytest.raises(ConflictError) as error:
        service.create_user(
            store.engine,
            "mallory",
            role="lead",
            email="mallory@example.org",
            password="long enough pass",
            first_lead=True,
        )
    assert error.value.message == "a lead account exists already"
    assert error.value.hint == "sign in, or ask a lead to add you"
    assert [u.name for u in service.list_users(store.engine, "lead")] == ["lena"]


def test_the_setup_form_makes_the_first_lead_on_an_empty_store(engine: Any) -> None:
    lead = service.create_user(
        engine, "lena", role="lead", email="lena@example.org", password="long enough pass", first_lead=True
    )
    assert lead.role == "lead" and service.has_lead(engine)
