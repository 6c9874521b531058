"""Helpers shared by the CLI verbs: reading and writing the files a user names, in words on failure."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

from calibration.errors import file_error


def read_bytes(path: str) -> bytes:
    """The bytes of the file at `path`.

    Raises:
        DataError: the file is missing, a folder or unreadable (path and hint in the message).
    """
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise file_error(error, path) from None


def write_text(text: str, output: str | None) -> None:
    """Write `text` to the file `output` (UTF-8) and say so on stderr, or to stdout when `output` is None.

    Raises:
        DataError: the file cannot be written (missing folder, a folder, no permission).
    """
    if output is None:
        sys.stdout.write(text)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as error:
        raise file_error(error, output, what="output file") from None
    print(f"wrote {output}", file=sys.stderr)


DATABASE_HELP = (
    "SQLAlchemy database URL (env CALIBRATION_DATABASE_URL; default sqlite:///calibration.db in the working "
    "folder)"
)


def add_database_option(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add ``--database-url URL`` (environment twin CALIBRATION_DATABASE_URL) to `parser` and return it."""
    parser.add_argument("--database-url", default=None, metavar="URL", help=DATABASE_HELP)
    return parser


def add_output_option(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add ``--output/-o FILE`` (default stdout) to `parser` and return it."""
    parser.add_argument("--output", "-o", default=None, metavar="FILE", help="write to FILE (default stdout)")
    return parser


def open_engine(args: argparse.Namespace, *, migrate: bool = True) -> Any:
    """The engine for ``args.database_url`` (else $CALIBRATION_DATABASE_URL), migrated to the latest schema.

    Args:
        args: parsed arguments with a ``database_url`` attribute (see `add_database_option`).
        migrate: run the migrations (True), or only check that the database answers (False).

    Raises:
        CalibrationError: the URL is invalid, or the database cannot be reached or is not a database.
    """
    from calibration.storage.engine import database_errors, make_engine, upgrade

    engine = make_engine(args.database_url)
    with database_errors(engine):
        if migrate:
            upgrade(engine)
        else:
            engine.connect().close()
    return engine


MAX_BOOTSTRAP = 20_000  # more resamples add nothing to a 95% interval, and memory grows with them
MAX_DAYS = 3650.0


def bootstrap_count(text: str) -> int:
    """Argparse type of --bootstrap: a whole number from 0 to `MAX_BOOTSTRAP`."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= MAX_BOOTSTRAP:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of resamples from 0 to {MAX_BOOTSTRAP}, got {text!r} (1000 is plenty)"
        )
    return value


def positive_days(text: str) -> float:
    """Argparse type of a lifetime in days: a number above 0 and at most `MAX_DAYS`."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0 < value <= MAX_DAYS):
        raise argparse.ArgumentTypeError(
            f"expected a number of days above 0 and at most {MAX_DAYS:g}, got {text!r}"
        )
    return value


def positive_int(text: str) -> int:
    """Argparse type of a count that must be 1 or more (e.g. --top)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of 1 or more, got {text!r}")
    return value


def add_csv_shape_options(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add ``--format {long,wide}`` and ``--ignore-columns COLUMN ...`` (the responses CSV's shape)."""
    parser.add_argument("--format", choices=("long", "wide"), default="long", help="CSV shape (default long)")
    parser.add_argument(
        "--ignore-columns",
        nargs="+",
        default=[],
        metavar="COLUMN",
        help="wide format: columns that are not annotators",
    )
    return parser
