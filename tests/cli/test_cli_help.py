"""Every command's --help reads as written: no doubled percent signs left over from argparse escaping."""

from __future__ import annotations

import argparse

from calibration.cli.main import build_parser


def _parsers(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    yield " ".join(path) or "calibration", parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _parsers(sub, (*path, name))


def test_no_help_text_shows_a_doubled_percent_sign() -> None:
    """argparse %-formats option help but prints descriptions verbatim, so '95%%' there shows as '95%%'."""
    doubled = [name for name, parser in _parsers(build_parser()) if "%%" in parser.format_help()]
    assert doubled == []


def test_agreement_help_names_the_95_percent_interval() -> None:
    parsers = dict(_parsers(build_parser()))
    assert "95% bootstrap" in " ".join(parsers["agreement"].format_help().split())
    assert "bootstrap 95% interval" in " ".join(parsers["compare"].format_help().split())
