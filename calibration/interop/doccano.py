"""doccano's JSONL export -> raw records, one file per annotator.

With collaborative annotation off, doccano's export zip holds one JSONL file per user, named after the
user (``alice.jsonl``), each listing every example with that user's labels. A line has ``id`` (the
example id, the same in every user's file), ``text``, and either ``label`` (a list of classes for text
classification, or ``[start, end, label]`` triples for sequence labeling) or ``entities`` (objects with
``start_offset``, ``end_offset`` and ``label``); other keys are the example's metadata.

With collaborative annotation on, the export is a single ``all.jsonl`` whose labels are merged across
users with no user ids: agreement cannot be measured from it and we do not guess, so it is refused.
An example a user left without labels (an empty list) is skipped for that user and listed.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from calibration.errors import DataError, Location
from calibration.interop.common import (
    RawImport,
    RawItem,
    RawResponse,
    Skipped,
    item_id_from,
    read_jsonl,
    rule_hints,
)

if TYPE_CHECKING:
    from calibration.guidelines.model import Guideline

EXPECTED = "doccano's JSONL export (one file per user, {id, text, label} per line)"
COLLABORATIVE = "all.jsonl"
MAX_MEMBER_BYTES = 200 * 1024 * 1024


def _refuse_collaborative(source: str) -> DataError:
    return DataError(
        "all.jsonl is doccano's collaborative export: it merges every annotator's labels without user ids, "
        "so agreement between annotators cannot be measured from it",
        location=Location(path=source),
        hint="turn off 'collaborative annotation' in the project settings and export again: the zip then "
        "holds one file per user (alice.jsonl, bob.jsonl ...)",
    )


MAX_EXPANSION = 100
"""Most a zip may expand (uncompressed / compressed): JSONL compresses 5-20 times; a bomb a thousand."""


def _zip_error(
    source: str, member: str, reason: str, hint: str = "download doccano's export again"
) -> DataError:
    return DataError(f"{member}: {reason}", location=Location(path=source), hint=hint)


def _read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, source: str) -> bytes:
    """A member's bytes, every way a zip can be broken said in one line."""
    try:
        return archive.read(member)
    except zipfile.BadZipFile as error:  # a bad CRC, a bad local header
        return _raise(_zip_error(source, member.filename, f"the zip is damaged ({error})"))
    except NotImplementedError:  # an unknown compression method
        return _raise(
            _zip_error(
                source,
                member.filename,
                f"compression method {member.compress_type} is not supported",
                "zip it again with the usual 'deflate' compression (or export from doccano again)",
            )
        )
    except RuntimeError as error:  # "File ... is encrypted, password required for extraction"
        if "encrypted" not in str(error):
            raise
        return _raise(
            _zip_error(source, member.filename, "the file is encrypted", "zip it again without a password")
        )
    except (zlib.error, EOFError, OSError, ValueError) as error:  # a corrupt or cut deflate stream
        return _raise(_zip_error(source, member.filename, f"the compressed data is corrupt ({error})"))


def _raise(error: DataError) -> bytes:
    raise error


def _annotator(member: str, source: str, seen: dict[str, str]) -> str:
    """The annotator a member names (its file stem); two members of one stem are refused, not merged."""
    name = PurePosixPath(member).stem
    if name in seen:
        raise DataError(
            f"{member} and {seen[name]} name the same annotator {name!r}",
            location=Location(path=source),
            hint="keep one file per user in the zip",
        )
    seen[name] = member
    return name


def user_files(data: bytes, source: str) -> list[tuple[str, str, bytes]]:
    """The per-user JSONL files in an upload: ``(annotator, file label, bytes)``.

    A zip yields its ``*.jsonl`` members (annotator = file stem; ``sub/alice.jsonl`` beside
    ``alice.jsonl`` is refused rather than merged into one annotator); a single ``.jsonl`` file is one
    user.

    Raises:
        DataError: a broken zip (bad CRC, encrypted, unknown compression, corrupt data), a zip that
            expands more than `MAX_EXPANSION` times or past `MAX_MEMBER_BYTES`, two files of one user
            name, a zip without JSONL files, or only the collaborative ``all.jsonl``.
    """
    if data[:4] == b"PK\x03\x04" or source.lower().endswith(".zip"):
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, NotImplementedError, ValueError, OSError):
            raise DataError(
                "the file is not a valid zip archive (truncated download?)",
                location=Location(path=source),
                hint="download doccano's export again",
            ) from None
        members = [
            m for m in archive.infolist() if not m.is_dir() and PurePosixPath(m.filename).suffix == ".jsonl"
        ]
        users = [m for m in members if PurePosixPath(m.filename).name != COLLABORATIVE]
        if not users:
            if members:
                raise _refuse_collaborative(f"{source}:{members[0].filename}")
            raise DataError("the zip holds no .jsonl files", location=Location(path=source), hint=EXPECTED)
        total = sum(m.file_size for m in users)
        if total > MAX_MEMBER_BYTES:
            raise DataError(
                "the zip's JSONL files are too large to import together",
                location=Location(path=source),
                hint="import the users' files in parts",
            )
        if total > MAX_EXPANSION * max(len(data), 1) and total > 1024 * 1024:
            raise DataError(
                f"the zip expands {total / max(len(data), 1):,.0f} times ({total / 2**20:,.0f} MB from "
                f"{len(data) / 2**10:,.0f} KB); at most {MAX_EXPANSION} times is read",
                location=Location(path=source),
                hint="a doccano export compresses far less: check that this is the right file",
            )
        out = []
        seen: dict[str, str] = {}
        for member in users:
            annotator = _annotator(member.filename, source, seen)
            content = _read_member(archive, member, source)
            out.append((annotator, f"{source}:{member.filename}", content))
        return out
    name = PurePosixPath(source).name
    if name == COLLABORATIVE:
        raise _refuse_collaborative(source)
    return [(PurePosixPath(source).stem, source, data)]


def read_doccano(data: bytes, source: str, guideline: Guideline) -> RawImport:
    """Read doccano per-user JSONL files (a zip of them, or one user's file).

    Args:
        data: the zip's or the JSONL file's bytes.
        source: the file name; a single file's stem is its annotator.
        guideline: the guideline version (span tasks read triples or entities, label tasks classes).

    Returns:
        The `RawImport`; item ids are the metadata's ``item_id`` when present, else doccano's ``id``.

    Raises:
        DataError: ``all.jsonl`` (collaborative, no annotator ids), invalid JSON, a line without ``id``
            or with a malformed label; naming the file and line.
    """
    raw = RawImport(format="doccano", source=source)
    task_type = guideline.task.type
    for annotator, label, content in user_files(data, source):
        for number, line in read_jsonl(content, label, EXPECTED):
            where = Location(path=label, line=number)
            if "id" not in line and "item_id" not in line:
                raise DataError(
                    "the line has no id, so its example cannot be matched across annotators",
                    location=where,
                    hint="export from doccano as JSONL; every line carries the example id",
                )
            item_id = item_id_from(line.get("id"), line, line.get("meta"))
            raw.add_item(RawItem(item_id, line.get("text"), where, rule_hints(line, line.get("meta"))))
            answer = _answer(task_type, line, where)
            if answer is None:
                raw.skipped.append(Skipped(where, "no labels (not annotated by this user)", annotator))
                continue
            raw.responses.append(RawResponse(item_id, annotator, answer, where, comment=_comment(line)))
    return raw


def _answer(task_type: str, line: dict[str, Any], where: Location) -> Any:
    values: list[Any]
    if "entities" in line:
        values = [
            {"start": e.get("start_offset"), "end": e.get("end_offset"), "label": e.get("label")}
            for e in line.get("entities") or []
            if isinstance(e, dict)
        ]
    else:
        found = line.get("label", line.get("labels"))
        values = [] if found is None else found if isinstance(found, list) else [found]
    if not values:
        return None
    if task_type == "span":
        spans = []
        for value in values:
            if isinstance(value, dict):
                spans.append(value)
            elif isinstance(value, list) and len(value) == 3:
                spans.append({"start": value[0], "end": value[1], "label": value[2]})
            else:
                raise DataError(
                    f"expected [start, end, label] for a span, got {value!r}",
                    location=where,
                    hint="this guideline is a span task: export a sequence-labeling project",
                )
        text = line.get("text")
        for span in spans:
            if isinstance(text, str) and isinstance(span["start"], int) and isinstance(span["end"], int):
                span["text"] = text[span["start"] : span["end"]]
        return spans
    if any(not isinstance(v, str | int) for v in values):
        raise DataError(
            f"expected a list of class labels, got {values!r}",
            location=where,
            hint=f"this guideline is a {task_type} task: export a text-classification project",
        )
    if task_type == "single_label":
        return values[0] if len(values) == 1 else values
    if task_type == "rating":
        return values[0] if len(values) == 1 else values
    return values


def _comment(line: dict[str, Any]) -> str | None:
    comments = line.get("Comments") or line.get("comments") or []
    texts = [c.get("text", "") if isinstance(c, dict) else str(c) for c in comments]
    return "\n".join(t for t in texts if t) or None
