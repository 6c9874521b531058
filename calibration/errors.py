"""Errors a user can cause: each names the place, what was expected and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Location:
    """Where a problem is: a file with line/column, a table row/column, and a field path.

    Every part is optional; `str()` joins the known parts the way compilers do,
    for example ``guidelines/x/1.0.0.yaml:12:5: rules[2].examples[0].answer``.
    """

    path: str | None = None
    line: int | None = None
    column: int | None = None
    row: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        parts: list[str] = []
        if self.path:
            where = self.path
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            parts.append(where)
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.field:
            parts.append(self.field)
        return ": ".join(parts)


@dataclass(frozen=True)
class Problem:
    """One finding: an error (the input is refused) or a warning (lint)."""

    message: str
    location: Location = field(default_factory=Location)
    hint: str | None = None
    code: str = "invalid"
    severity: str = "error"

    def __str__(self) -> str:
        where = str(self.location)
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text += f" (hint: {self.hint})"
        return text

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.location.path,
            "line": self.location.line,
            "column": self.location.column,
            "row": self.location.row,
            "field": self.location.field,
            "message": self.message,
            "hint": self.hint,
            "code": self.code,
            "severity": self.severity,
        }


class CalibrationError(Exception):
    """Base class of every error caused by user input or user action.

    The CLI and the app show ``str(error)`` and never a traceback.
    """

    def __init__(
        self,
        message: str,
        *,
        location: Location | None = None,
        hint: str | None = None,
        problems: list[Problem] | None = None,
    ) -> None:
        self.message = message
        self.location = location or Location()
        self.hint = hint
        self.problems = problems or [Problem(message, self.location, hint)]
        super().__init__(self.__str__())

    def __str__(self) -> str:
        if len(self.problems) > 1:
            return "\n".join(str(p) for p in self.problems)
        return str(Problem(self.message, self.location, self.hint))


class GuidelineError(CalibrationError):
    """A guideline file is invalid; `problems` lists every problem found at once."""


class AnswerError(CalibrationError):
    """An answer is not valid for the task type (unknown label, span not in the text, ...)."""


class DataError(CalibrationError):
    """A responses, gold or mapping table is malformed (missing column, bad cell, empty file)."""


class NotFoundError(CalibrationError):
    """A named thing (round, guideline version, user, item) does not exist."""


class ConflictError(CalibrationError):
    """The action conflicts with stored state (republishing a version with other content, ...)."""


class PermissionDenied(CalibrationError):
    """The user's role does not allow the action."""


class AuthError(CalibrationError):
    """Sign-in failed: wrong password, expired or used invitation, too many attempts."""


def file_error(error: OSError, path: str | None = None, *, what: str = "file") -> DataError:
    """A `DataError` in words for an `OSError` met reading or writing a user's file.

    Args:
        error: the error raised by open/read/write (FileNotFoundError, IsADirectoryError, PermissionError...).
        path: the path the user gave (default: the error's filename).
        what: what the file is, e.g. "responses file" -> "no such responses file".

    Returns:
        The error to raise (``raise file_error(error, path) from None``), with the path and a hint.
    """
    where = Location(path=str(path if path is not None else error.filename or "") or None)
    if isinstance(error, FileNotFoundError):
        return DataError(f"no such {what}", location=where, hint="check the path and that its folder exists")
    if isinstance(error, IsADirectoryError):
        return DataError("this is a folder, not a file", location=where, hint=f"give the path of the {what}")
    if isinstance(error, NotADirectoryError):
        return DataError("a part of this path is a file, not a folder", location=where, hint="check the path")
    if isinstance(error, PermissionError):
        return DataError("permission denied", location=where, hint="check the file's permissions")
    return DataError(
        f"cannot use the {what}: {error.strerror or error}", location=where, hint="check the path"
    )
