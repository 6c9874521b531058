"""Entry point of the `calibration` command: builds the parser from the verb modules and runs one verb.

Exit codes: 0 success, 1 a finding (invalid input, validation errors), 2 misuse (bad arguments).
User errors print one clear message on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

# Each module registers its own sub-commands; heavy imports stay inside the handlers so that
# `calibration --help` and quick verbs start fast.
VERB_MODULES = (
    "calibration.cli.guidelines",
    "calibration.cli.agreement",
    "calibration.cli.storage",
    "calibration.cli.users",
    "calibration.cli.ambiguity",
    "calibration.cli.interop",
    "calibration.cli.adaptive",
    "calibration.cli.model",
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse exits 2 on misuse; keep that, but no usage spam
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="calibration",
        description="Guideline calibration trainer: validate guidelines, measure agreement per rule, "
        "run pilot and calibration rounds.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in VERB_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name == name:
                continue
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with `argv` (default: sys.argv[1:]) and return the exit code."""
    from calibration.errors import CalibrationError, file_error

    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(handler(args) or 0)
    except CalibrationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except OSError as error:  # a file the user named cannot be read or written: no traceback
        if error.filename is None:
            raise
        print(f"error: {file_error(error)}", file=sys.stderr)
        return 1
    except Exception as error:  # the database failing mid-command (server gone, locked): one line too
        database = sys.modules.get("sqlalchemy.exc")  # only loaded when a verb used the database
        if database is None or not isinstance(error, database.DBAPIError):
            raise
        reason = " ".join(str(error.orig if error.orig is not None else error).split())
        print(
            f"error: the database failed: {reason} (hint: check that it is reachable, then run the command again)",
            file=sys.stderr,
        )
        return 1


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    run()
