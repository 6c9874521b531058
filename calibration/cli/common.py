"""Helpers shared by the CLI verbs: reading and writing the files a user names, in words on failure."""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeAlias, TypeVar

from calibration.errors import DataError, Location, file_error

MAX_READ_BYTES = 256 * 1024 * 1024
"""Largest file a verb reads (the import limit), checked while reading: /dev/zero is never read whole."""

_CHUNK = 1024 * 1024

_N = TypeVar("_N", int, float)

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
"""What ``add_subparsers`` returns: each verb module's ``register`` adds its commands to it."""


def read_bytes(path: str, limit: int = MAX_READ_BYTES) -> bytes:
    """The bytes of the file at `path`, read up to `limit` (a regular file by its size, else in chunks).

    A file that is not a zip and holds a NUL byte is refused at the first chunk: no text export has one
    (this stops ``/dev/zero`` at once).

    Raises:
        DataError: the file is missing, a folder or unreadable, over `limit`, or text with a NUL byte.
    """
    try:
        with open(path, "rb") as handle:
            if os.path.isfile(path):
                data = handle.read(limit + 1)
                _check_read(data, 0, path, len(data) > limit, limit, _is_zip(data, path))
                return data
            chunks: list[bytes] = []
            size = 0
            while chunk := handle.read(_CHUNK):
                size += len(chunk)
                binary = _is_zip(chunks[0] if chunks else chunk, path)
                _check_read(chunk, size - len(chunk), path, size > limit, limit, binary)
                chunks.append(chunk)
            return b"".join(chunks)
    except OSError as error:
        raise file_error(error, path) from None


def _is_zip(head: bytes, path: str) -> bool:
    return head[:4] == b"PK\x03\x04" or path.lower().endswith(".zip")


def _check_read(chunk: bytes, offset: int, path: str, too_large: bool, limit: int, binary: bool) -> None:
    if too_large:
        raise DataError(
            f"the file is over the {limit // 2**20} MB limit",
            location=Location(path=path),
            hint="export the project in parts (by task range or annotator) and read each part",
        )
    if not binary and (index := chunk.find(b"\0")) >= 0:
        lines = chunk.count(b"\n", 0, index) + 1
        line = f", line {lines}" if offset == 0 else ""
        raise DataError(
            f"the file holds a NUL byte (offset {offset + index}{line})",
            location=Location(path=path),
            hint="remove it: a NUL cuts a text short (ann\\0a would read as ann); "
            "or check that you named the right file",
        )


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


def add_root_option(
    parser: argparse.ArgumentParser, help: str = "folder of <id>/<version>.yaml"
) -> argparse.ArgumentParser:
    """Add ``--root DIR`` (where ``ID@VERSION`` guideline references are looked up) to `parser`."""
    parser.add_argument("--root", default=None, metavar="DIR", help=help)
    return parser


def add_command(
    subparsers: Subparsers,
    name: str,
    handler: Callable[[argparse.Namespace], int],
    *,
    help: str,
    description: str | None = None,
    database: bool = False,
) -> argparse.ArgumentParser:
    """Add the command (or verb) `name`, run by `handler`, and return its parser for the options.

    With `database`, ``--database-url`` is its first option (see `add_database_option`).
    """
    parser: argparse.ArgumentParser = subparsers.add_parser(name, help=help, description=description)
    if database:
        add_database_option(parser)
    parser.set_defaults(handler=handler)
    return parser


def add_json_option(parser: argparse.ArgumentParser, help: str = "print JSON") -> argparse.ArgumentParser:
    """Add the ``--json`` switch (print JSON instead of text) to `parser` and return it."""
    parser.add_argument("--json", action="store_true", help=help)
    return parser


def add_seed_option(
    parser: argparse.ArgumentParser, help: str = "bootstrap seed (default 0)", *, metavar: str | None = "S"
) -> argparse.ArgumentParser:
    """Add ``--seed S`` (a whole number, default 0) to `parser` and return it."""
    parser.add_argument("--seed", type=int, default=0, metavar=metavar, help=help)
    return parser


def add_bootstrap_option(
    parser: argparse.ArgumentParser,
    help: str = "bootstrap resamples (default 1000)",
    *,
    metavar: str | None = "N",
) -> argparse.ArgumentParser:
    """Add ``--bootstrap N`` (resamples, 0 to `MAX_BOOTSTRAP`, default 1000) to `parser` and return it."""
    parser.add_argument("--bootstrap", type=bootstrap_count, default=1000, metavar=metavar, help=help)
    return parser


def add_round_argument(parser: argparse.ArgumentParser, help: str = "round name") -> argparse.ArgumentParser:
    """Add the positional ``ROUND`` (a stored round) to `parser` and return it."""
    parser.add_argument("round", metavar="ROUND", help=help)
    return parser


def add_verb_group(
    subparsers: Subparsers,
    name: str,
    *,
    metavar: str = "ACTION",
    **options: Any,
) -> Subparsers:
    """A command with verbs of its own (``calibration db upgrade``): the sub-parsers to add the verbs to.

    The command without a verb prints its help on stderr and exits 2 (misuse). `options` (help,
    description) go to ``add_parser``.
    """
    group = subparsers.add_parser(name, **options)
    verbs = group.add_subparsers(dest=f"{name}_command", metavar=metavar, parser_class=type(group))
    group.set_defaults(handler=lambda _args: _print_help(group))
    return verbs


def _print_help(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def open_engine(args: argparse.Namespace, *, migrate: bool = True, existing: bool = False) -> Any:
    """The engine for ``args.database_url`` (else $CALIBRATION_DATABASE_URL), migrated to the latest schema.

    Args:
        args: parsed arguments with a ``database_url`` attribute (see `add_database_option`).
        migrate: run the migrations (True), or only check that the database answers (False).
        existing: refuse a SQLite file that does not exist (a command that only reads or changes
            what is in the store: a mistyped path would otherwise create a new, empty one).

    Raises:
        CalibrationError: the URL is invalid, the database cannot be reached or is not a database, or
            (with `existing`) its SQLite file does not exist.
    """
    from calibration.storage.engine import database_errors, make_engine, upgrade

    if existing:
        _refuse_missing_sqlite(args.database_url)
    engine = make_engine(args.database_url)
    with database_errors(engine):
        if migrate:
            upgrade(engine)
        else:
            engine.connect().close()
    return engine


def _refuse_missing_sqlite(url: str | None) -> None:
    from pathlib import Path

    from sqlalchemy.engine import make_url

    from calibration.storage.engine import database_url

    try:
        parsed = make_url(database_url(url))
    except Exception:  # make_engine names the bad URL
        return
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:") or database.startswith("file:"):
        return
    if not Path(database).expanduser().exists():
        raise DataError(
            f"no database at {database}",
            location=Location(field="--database-url"),
            hint="check the path; `calibration db upgrade --database-url URL` creates a new store",
        )


MAX_BOOTSTRAP = 20_000  # more resamples add nothing to a 95% interval, and memory grows with them
MAX_DAYS = 3650.0


def _number(
    text: str, convert: Callable[[str], _N], ok: Callable[[_N], bool], expected: str, note: str = ""
) -> _N:
    """`text` converted by `convert` when `ok` holds for it, else the argparse error "expected ..., got ..."."""
    try:
        value = convert(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}{note}") from None
    if not ok(value):
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}{note}")
    return value


def bootstrap_count(text: str) -> int:
    """Argparse type of --bootstrap: a whole number from 0 to `MAX_BOOTSTRAP`."""
    return _number(
        text,
        int,
        lambda n: 0 <= n <= MAX_BOOTSTRAP,
        f"a whole number of resamples from 0 to {MAX_BOOTSTRAP}",
        " (1000 is plenty)",
    )


def positive_days(text: str) -> float:
    """Argparse type of a lifetime in days: a number above 0 and at most `MAX_DAYS`."""
    return _number(
        text,
        float,
        lambda d: math.isfinite(d) and 0 < d <= MAX_DAYS,
        f"a number of days above 0 and at most {MAX_DAYS:g}",
    )


def positive_int(text: str) -> int:
    """Argparse type of a count that must be 1 or more (e.g. --top)."""
    return _number(text, int, lambda n: n >= 1, "a whole number of 1 or more")


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


def add_rules_source(
    parser: argparse.ArgumentParser,
    item_rules: str,
    guideline: str,
    *,
    required: bool = False,
    exclusive: bool = True,
    action: str = "store",
) -> argparse.ArgumentParser:
    """Add where the rules of the items come from: ``--item-rules MAP.csv`` or ``--guideline FILE.yaml``.

    Args:
        item_rules, guideline: the help of each option.
        required: one of the two must be given (only with `exclusive`).
        exclusive: the two options exclude each other (else both may be given, e.g. repeated per version).
        action: ``"store"``, or ``"append"`` for an option given once per version.
    """
    group = parser.add_mutually_exclusive_group(required=required) if exclusive else parser
    group.add_argument("--item-rules", action=action, metavar="MAP.csv", help=item_rules)
    group.add_argument("--guideline", action=action, metavar="FILE.yaml", help=guideline)
    return parser
