"""Shared tiny fixtures for the agreement tests."""

from __future__ import annotations

import pytest

from calibration.guidelines.model import Label, Scale, Task


@pytest.fixture
def abc_task() -> Task:
    return Task(type="single_label", labels=[Label(id=i, name=i) for i in "ABC"])


@pytest.fixture
def rating_task() -> Task:
    return Task(type="rating", scale=Scale(min=1, max=5))
