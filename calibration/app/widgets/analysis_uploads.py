"""Validating an uploaded guideline file exactly as `calibration validate` would, without trusting its name."""

from __future__ import annotations

import dataclasses
import re
import tempfile
from pathlib import Path, PurePath

from calibration.errors import CalibrationError, Location, Problem
from calibration.guidelines.model import Guideline

_ID_LINE = re.compile(r"^id:\s*['\"]?([a-z0-9][a-z0-9_-]*)['\"]?\s*(?:#.*)?$", re.MULTILINE)
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]")


def upload_label(file_name: str, data: bytes) -> str:
    """The path shown in messages: ``guidelines/<id>/<file name>`` when the file names its id.

    That is where the file belongs in a guideline repository, so the messages (and the check that
    the file name agrees with the version) read as `calibration validate` prints them there.
    """
    name = _SAFE_NAME.sub("_", PurePath(file_name).name) or "guideline.yaml"
    found = _ID_LINE.search(data[:4096].decode("utf-8", errors="replace"))
    return f"guidelines/{found.group(1)}/{name}" if found else name


def validate_upload(file_name: str, data: bytes) -> tuple[Guideline | None, list[Problem]]:
    """Validate uploaded guideline bytes with the loader; every problem located as the CLI prints it.

    Args:
        file_name: the uploaded file's name (only its last part is used).
        data: the file's bytes.

    Returns:
        ``(guideline, [])`` when valid, else ``(None, problems)`` located in the uploaded file's
        own name (``bad1.yaml:30:4``), not in the folder it is checked in.
    """
    from calibration.guidelines.loading import read_guideline_file

    label = upload_label(file_name, data)
    with tempfile.TemporaryDirectory(prefix="calibration-upload-") as folder:
        path = Path(folder) / label
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        try:
            return read_guideline_file(path).guideline, []
        except CalibrationError as error:
            prefix = str(path)
            problems = [_relabel(p, prefix, PurePath(label).name, folder) for p in error.problems]
            return None, problems


def _relabel(problem: Problem, temporary: str, label: str, folder: str) -> Problem:
    location = problem.location
    if location.path and location.path.startswith(temporary):
        location = dataclasses.replace(location, path=label + location.path[len(temporary) :])
    elif location.path is None:
        location = Location(path=label, line=location.line, column=location.column, field=location.field)
    message = problem.message.replace(temporary, label).replace(folder.rstrip("/") + "/", "")
    return dataclasses.replace(problem, location=location, message=message)
