"""docs/cli.md documents every command and option the parser knows (walks build_parser())."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from calibration.cli.main import build_parser

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """Every leaf command ("db upgrade") with its long options, from the argparse tree."""
    found: dict[str, list[str]] = {}
    groups = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    for group in groups:
        for name, sub in group.choices.items():
            found.update(_commands(sub, (*path, name)))
    if path and not groups:
        found[" ".join(path)] = [
            option
            for action in parser._actions
            if not isinstance(action, argparse._HelpAction)
            for option in action.option_strings
            if option.startswith("--")
        ]
    return found


def _sections(text: str) -> dict[str, str]:
    """Body of each '### `calibration X`' section, keyed by X."""
    parts = re.split(r"^#{2,3} ", text, flags=re.MULTILINE)
    sections: dict[str, str] = {}
    for part in parts:
        match = re.match(r"`calibration ([a-z -]+)`\n", part)
        if match:
            sections[match.group(1)] = part
    return sections


def test_the_walk_finds_the_nested_commands() -> None:
    commands = _commands(build_parser())
    assert "db upgrade" in commands and "export responses" in commands
    assert "--database-url" in commands["round create"]


def test_every_command_and_option_is_in_docs_cli_md() -> None:
    sections = _sections(DOC.read_text(encoding="utf-8"))
    missing = []
    for command, options in _commands(build_parser()).items():
        body = sections.get(command)
        if body is None:
            missing.append(f"section ### `calibration {command}`")
            continue
        missing += [f"{command} {option}" for option in options if not re.search(rf"{option}\b", body)]
        if not re.search(rf"(?<!`)calibration {command}(\s|$)", body):  # an example, not the `synopsis`
            missing.append(f"an example line 'calibration {command} ...'")
    assert not missing, "docs/cli.md lacks: " + "; ".join(missing)


def test_docs_name_the_environment_twin_and_exit_codes() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert "CALIBRATION_DATABASE_URL" in text
    for code in ("| 0 |", "| 1 |", "| 2 |"):
        assert code in text
