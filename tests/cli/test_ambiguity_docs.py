"""docs/ambiguity.md documents every CLI verb and option of the ambiguity engine."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from calibration.cli.main import build_parser

DOC = (Path(__file__).resolve().parents[2] / "docs" / "ambiguity.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("verb", ["ambiguity", "compare", "report"])
def test_every_option_is_documented(verb):
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[verb]
    assert f"calibration {verb} " in DOC
    for action in sub._actions:
        for option in action.option_strings:
            if option.startswith("--") and option != "--help":
                assert option in DOC, f"{verb} {option} is not documented"
