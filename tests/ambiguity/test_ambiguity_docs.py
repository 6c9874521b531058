"""docs/ambiguity.md documents every flag code of the ambiguity engine (its CLI options: tests/cli/)."""

from __future__ import annotations

import typing
from pathlib import Path

import pytest

from calibration.ambiguity.queue import POINTS
from calibration.ambiguity.signals import SignalCode

DOC = (Path(__file__).resolve().parents[2] / "docs" / "ambiguity.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("code", typing.get_args(SignalCode))
def test_every_flag_code_is_documented_with_its_points(code):
    assert f"| `{code}` |" in DOC
    assert code in POINTS
