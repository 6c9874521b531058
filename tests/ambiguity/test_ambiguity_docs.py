"""docs/ambiguity.md documents every flag code, CLI verb and option of the ambiguity engine."""

from __future__ import annotations

import argparse
import typing
from pathlib import Path

import pytest

from calibration.ambiguity.queue import POINTS
from calibration.ambiguity.signals import SignalCode
from calibration.cli.main import build_parser

DOC = (Path(__file__).resolve().parents[2] / "docs" / "ambiguity.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("code", typing.get_args(SignalCode))
def test_every_flag_code_is_documented_with_its_points(code):
    assert f"| `{code}` |" in DOC
    assert code in POINTS


@pytest.mark.parametrize("verb", ["ambiguity", "compare", "report"])
def test_every_option_is_documented(verb):
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[verb]
    assert f"calibration {verb} " in DOC
    for action in sub._actions:
        for option in action.option_strings:
            if option.startswith("--") and option != "--help":
                assert option in DOC, f"{verb} {option} is not documented"
