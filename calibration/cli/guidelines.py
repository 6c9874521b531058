"""CLI verbs for guideline files: validate, versions, diff, lint, schema."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from calibration.cli.common import Subparsers, add_command, add_json_option
from calibration.errors import CalibrationError, Problem
from calibration.wording import counted


def register(subparsers: Subparsers) -> None:
    """Add the guideline verbs to the `calibration` command."""
    json_help = "print a JSON list of objects instead of one line per problem"

    validate = add_command(
        subparsers,
        "validate",
        run_validate,
        help="check guideline files; report every problem as path:line:column: field: message",
        description="Validate guideline YAML files (or every *.yaml under folders). "
        "Exit 0 when all are valid, 1 when a problem is found, 2 on misuse.",
    )
    validate.add_argument("paths", nargs="+", metavar="PATH", help="guideline files or folders")
    add_json_option(validate, json_help)

    versions = add_command(
        subparsers,
        "versions",
        run_versions,
        help="list the versions of a guideline with content hash, date and changelog",
        description="List the <version>.yaml files of a guideline folder, oldest first.",
    )
    versions.add_argument("folder", metavar="FOLDER", help="a guideline folder, e.g. guidelines/contracts")
    add_json_option(versions)

    diff = add_command(
        subparsers,
        "diff",
        run_diff,
        help="rule-level diff between two guideline versions",
        description="Compare two versions rule by rule. OLD and NEW are files or id@version references "
        "resolved under --root.",
    )
    diff.add_argument("old", metavar="OLD", help="old version: a file or id@version")
    diff.add_argument("new", metavar="NEW", help="new version: a file or id@version")
    diff.add_argument(
        "--root", default=None, help="folder of <id>/<version>.yaml (default: bundled guidelines)"
    )
    add_json_option(diff, "print JSON instead of markdown")

    lint = add_command(
        subparsers,
        "lint",
        run_lint,
        help="warn about vague wording, uncovered labels, thin rules and contradicting examples",
        description="Lint guideline files. Exit 0 unless a file is invalid (1), or --strict and a warning.",
    )
    lint.add_argument("paths", nargs="+", metavar="PATH", help="guideline files or folders")
    lint.add_argument("--strict", action="store_true", help="exit 1 when there is any warning")
    add_json_option(lint, json_help)

    add_command(
        subparsers,
        "schema",
        run_schema,
        help="print the JSON Schema of the guideline format",
        description="Print the JSON Schema of guideline files, for editor completion and checking.",
    )


def _not_found(problems: list[Problem]) -> int:
    """Exit 1 for paths that name no file (docs/cli.md: every command, one `error: PATH: WHAT` line)."""
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 1


def _print_problems(problems: list[Problem], as_json: bool, *, codes: bool = False) -> None:
    if as_json:
        print(json.dumps([p.to_dict() for p in problems], indent=2, ensure_ascii=False))
        return
    for problem in problems:
        print(f"{problem} [{problem.code}]" if codes else str(problem))


def run_validate(args: argparse.Namespace) -> int:
    """`calibration validate PATH...`"""
    from calibration.guidelines.loading import guideline_files, validate_paths

    files, missing = guideline_files(args.paths)
    if missing:
        return _not_found(missing)
    problems = validate_paths(files)
    _print_problems(problems, args.json)
    if not args.json:
        status = "valid" if not problems else f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        print(f"{len(files)} file{'s' if len(files) != 1 else ''} checked: {status}", file=sys.stderr)
    return 1 if problems else 0


def run_versions(args: argparse.Namespace) -> int:
    """`calibration versions guidelines/<id>`"""
    from calibration.guidelines.loading import read_guideline_file
    from calibration.guidelines.versions import content_hash, versions_in

    folder = Path(args.folder)
    if not folder.is_dir():
        print(
            f"error: {folder}: no such folder (hint: give a guideline folder such as guidelines/<id>)",
            file=sys.stderr,
        )
        return 1
    rows: list[dict[str, Any]] = []
    for file in versions_in(folder):
        loaded = read_guideline_file(file.path)
        guideline = loaded.guideline
        entry = next((e for e in guideline.changelog if e.version == guideline.version), None)
        rows.append(
            {
                "version": guideline.version,
                "path": str(file.path),
                "hash": content_hash(guideline, loaded.images),
                "date": entry.date.isoformat() if entry else None,
                "changes": entry.changes if entry else None,
                "rules": list(entry.rules) if entry else [],
            }
        )
    if not rows:
        print(f"error: no <version>.yaml files in {folder}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    for row in rows:
        print(f"{row['version']}  {row['hash'][:12]}  {row['date'] or '—'}")
        if row["changes"]:
            print("    " + " ".join(str(row["changes"]).split()))
        if row["rules"]:
            print(f"    rules: {', '.join(row['rules'])}")
    return 0


def _load_either(ref: str, root: str | None):
    from calibration.guidelines.loading import load_guideline
    from calibration.guidelines.versions import BUNDLED_DIR, load_ref

    if Path(ref).is_file():
        return load_guideline(ref)
    if "@" in ref:
        return load_ref(ref, root or BUNDLED_DIR)
    raise CalibrationError(f"{ref}: no such file", hint="give a guideline file or id@version")


def run_diff(args: argparse.Namespace) -> int:
    """`calibration diff OLD NEW`"""
    from calibration.guidelines.diff import diff_guidelines

    for ref in (args.old, args.new):
        if not Path(ref).is_file() and "@" not in ref:
            print(f"error: {ref}: no such file (hint: give a guideline file or id@version)", file=sys.stderr)
            return 1
    result = diff_guidelines(_load_either(args.old, args.root), _load_either(args.new, args.root))
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(result.to_markdown(), end="")
    return 0


def run_lint(args: argparse.Namespace) -> int:
    """`calibration lint PATH...`"""
    from calibration.errors import GuidelineError
    from calibration.guidelines.lint import lint_guideline
    from calibration.guidelines.loading import guideline_files, locate_problems, read_guideline_file

    files, missing = guideline_files(args.paths)
    if missing:
        return _not_found(missing)
    invalid: list[Problem] = []
    warnings: list[Problem] = []
    for file in files:
        try:
            loaded = read_guideline_file(file)
        except GuidelineError as error:
            invalid.extend(error.problems)
            continue
        warnings.extend(locate_problems(lint_guideline(loaded.guideline, loaded.source_map), loaded))
    _print_problems(invalid + warnings, args.json, codes=True)
    if not args.json:
        print(
            f"{counted(len(files), 'file')} linted: {counted(len(warnings), 'warning')}"
            + (f", {counted(len(invalid), 'error')}" if invalid else ""),
            file=sys.stderr,
        )
    if invalid:
        return 1
    return 1 if args.strict and warnings else 0


def run_schema(args: argparse.Namespace) -> int:
    """`calibration schema`"""
    from calibration.guidelines.schema import guideline_json_schema

    print(json.dumps(guideline_json_schema(), indent=2, ensure_ascii=False))
    return 0
