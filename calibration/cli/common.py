"""Helpers shared by the CLI verbs: reading and writing the files a user names, in words on failure."""

from __future__ import annotations

import sys
from pathlib import Path

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
