"""CLI verbs on the store: db upgrade/status, publish, round create/status/list, export responses, user add, invite.

Every verb takes ``--database-url`` (environment twin: CALIBRATION_DATABASE_URL; default a SQLite
file ``calibration.db`` in the working folder, created and migrated on first use).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from typing import Any

from calibration.cli.common import (
    Subparsers,
    add_command,
    add_json_option,
    add_output_option,
    add_round_argument,
    add_seed_option,
    add_verb_group,
    positive_days,
)
from calibration.cli.common import open_engine as _engine
from calibration.errors import CalibrationError, file_error


def register(subparsers: Subparsers) -> None:
    """Add the storage verbs to the `calibration` command."""
    db_verbs = add_verb_group(
        subparsers, "db", help="database maintenance", description="Database maintenance."
    )
    add_command(
        db_verbs,
        "upgrade",
        run_db_upgrade,
        help="create or migrate the database to the latest schema",
        database=True,
    )
    status = add_command(
        db_verbs, "status", run_db_status, help="schema revision and rows per table", database=True
    )
    add_json_option(status)

    publish = add_command(
        subparsers,
        "publish",
        run_publish,
        help="publish a guideline version to the store (a frozen snapshot)",
        description="Publish guideline files. Republishing the same content is a no-op; the same id and "
        "version with other content is refused: bump the version.",
        database=True,
    )
    publish.add_argument(
        "paths", nargs="+", metavar="PATH", help="guideline files guidelines/<id>/<version>.yaml"
    )

    round_verbs = add_verb_group(
        subparsers, "round", help="create rounds and follow their progress", description="Rounds."
    )
    create = add_command(
        round_verbs, "create", run_round_create, help="create a pilot or calibration round", database=True
    )
    create.add_argument("name", metavar="NAME", help="unique round name")
    create.add_argument(
        "--guideline", required=True, metavar="ID@VERSION", help="a published guideline version"
    )
    create.add_argument("--kind", required=True, choices=["pilot", "calibration"], help="round kind")
    create.add_argument("--annotators", default="", metavar="A,B,C", help="comma-separated user names")
    create.add_argument("--overlap", type=int, default=None, metavar="K", help="pilot: annotators per item")
    create.add_argument("--items", default=None, metavar="I1,I2", help="pilot: bank item ids (default: all)")
    add_seed_option(create, "seed of designs and quizzes (default 0)", metavar=None)
    create.add_argument(
        "--items-per-quiz", type=int, default=None, metavar="N", help="calibration: quiz size"
    )
    create.add_argument(
        "--min-items-per-rule", type=int, default=None, metavar="N", help="calibration: items per rule"
    )
    create.add_argument("--cite-rules", action="store_true", help="ask annotators which rule they applied")
    create.add_argument(
        "--adaptive",
        action="store_true",
        help="pilot: hand items out adaptively (undecided rules first, decided rules no more)",
    )
    create.add_argument(
        "--control-fraction",
        type=float,
        default=0.2,
        metavar="F",
        help="adaptive pilot: random control slice of the items (default 0.2)",
    )
    status_ = add_command(
        round_verbs, "status", run_round_status, help="progress per annotator", database=True
    )
    add_round_argument(status_)
    add_json_option(status_)
    listing = add_command(round_verbs, "list", run_round_list, help="list rounds", database=True)
    add_json_option(listing)

    export_verbs = add_verb_group(
        subparsers, "export", metavar="WHAT", help="export data from the store", description="Exports."
    )
    responses = add_command(
        export_verbs,
        "responses",
        run_export_responses,
        help="a round's answers as the long table `calibration agreement` reads",
        description="Columns item_id, annotator_id, answer (JSON for structured answers), confidence, "
        "cited_rule, unclear, comment, seconds.",
        database=True,
    )
    add_round_argument(responses)
    responses.add_argument(
        "--format", choices=["csv", "jsonl"], default="csv", help="output format (default csv)"
    )
    responses.add_argument(
        "--include-models",
        action="store_true",
        help="also the model annotators' answers, with columns annotator_kind and score (the file "
        "`calibration model-triage` reads); left out by default",
    )
    add_output_option(responses)

    user_verbs = add_verb_group(subparsers, "user", help="user accounts", description="User accounts.")
    add = add_command(user_verbs, "add", run_user_add, help="add a user (e.g. the first lead)", database=True)
    add.add_argument("name", metavar="NAME", help="unique display name")
    add.add_argument("--email", default=None, help="sign-in email")
    add.add_argument("--role", required=True, choices=["lead", "author", "annotator"], help="role")
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from the first line of stdin"
    )

    invite = add_command(
        subparsers,
        "invite",
        run_invite,
        help="create a one-time invitation link to a round",
        description="Print a one-time invitation token (shown once; only its hash is stored).",
        database=True,
    )
    add_round_argument(invite)
    invite.add_argument(
        "--days", type=positive_days, default=7.0, help="days until the invitation expires (default 7)"
    )
    invite.add_argument(
        "--base-url", default=None, metavar="URL", help="app address; prints the full link URL/?invite=TOKEN"
    )


def run_db_upgrade(args: argparse.Namespace) -> int:
    from calibration.storage.engine import current_revision

    engine = _engine(args)
    print(f"database {engine.url.render_as_string()} is at revision {current_revision(engine)}")
    return 0


def run_db_status(args: argparse.Namespace) -> int:
    from calibration.rounds import service
    from calibration.storage.engine import current_revision

    engine = _engine(args, migrate=False, existing=True)
    revision = current_revision(engine)
    if revision is None:
        raise CalibrationError(
            f"the database {engine.url.render_as_string()} has no schema yet",
            hint="run: calibration db upgrade",
        )
    counts = service.counts(engine)
    if args.json:
        print(json.dumps({"revision": revision, "rows": counts}, indent=2))
    else:
        print(f"revision {revision}")
        for table, n in counts.items():
            print(f"{table:<20} {n:>8}")
    return 0


def run_publish(args: argparse.Namespace) -> int:
    from calibration.guidelines.loading import read_guideline_file
    from calibration.rounds import service

    loaded = [read_guideline_file(path) for path in args.paths]  # all files valid before writing any
    engine = _engine(args)
    for file in loaded:
        guideline = file.guideline
        known = {v.ref for v in service.list_guideline_versions(engine, guideline.id)}
        version = service.publish_guideline(engine, guideline, service.SYSTEM, file.images)
        verb = "already published" if version.ref in known else "published"
        print(f"{verb} {version.ref} (content hash {version.content_hash[:12]})")
    return 0


def _names(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def run_round_create(args: argparse.Namespace) -> int:
    from calibration.rounds import service

    engine = _engine(args)
    common = {
        "actor": service.SYSTEM,
        "annotators": _names(args.annotators),
        "seed": args.seed,
        "cite_rules": args.cite_rules,
    }
    if args.kind == "pilot":
        round_ = service.create_pilot_round(
            engine,
            args.name,
            args.guideline,
            overlap=args.overlap,
            item_ids=_names(args.items) or None,
            adaptive=args.adaptive,
            control_fraction=args.control_fraction,
            **common,
        )
    else:
        round_ = service.create_calibration_round(
            engine,
            args.name,
            args.guideline,
            items_per_quiz=args.items_per_quiz,
            min_items_per_rule=args.min_items_per_rule,
            **common,
        )
    print(f"created {round_.kind} round {round_.name!r} on {round_.guideline_ref}")
    return 0


def run_round_status(args: argparse.Namespace) -> int:
    from calibration.rounds import service

    status = service.round_status(_engine(args, existing=True), args.round)
    view = service.adaptive_pilot_status(_engine(args, existing=True), args.round)
    if args.json:
        data = status.to_dict() | ({"adaptive_pilot": view.to_dict()} if view is not None else {})
        print(json.dumps(data, indent=2))
        return 0
    r = status.round
    print(f"{r.name} ({r.kind}, {r.guideline_ref}, {r.status})")
    if not status.annotators:
        print("no annotators yet (invite some: calibration invite ROUND)")
    for p in status.annotators:
        last = p.last_activity.strftime("%Y-%m-%d %H:%M") if p.last_activity else "-"
        verdict = {True: "passed", False: "failed", None: ""}[p.passed] + (" STUCK" if p.stuck else "")
        print(f"  {p.name:<24} {p.status:<12} {p.answered:>4}/{p.total:<4} last {last}  {verdict}".rstrip())
    for warning in status.warnings:
        print(f"warning: {warning}")
    if view is not None:
        print(
            f"adaptive pilot, target {view.target:g}, control slice {view.control_items} of {view.items} items"
        )
        for rule, s in view.rules.items():
            print(f"  {rule:<24} {s.sentence()}")
    return 0


def run_round_list(args: argparse.Namespace) -> int:
    from calibration.rounds import service

    rounds = service.list_rounds(_engine(args, existing=True), include_archived=True)
    if args.json:
        print(
            json.dumps(
                [
                    {"name": r.name, "kind": r.kind, "guideline": r.guideline_ref, "status": r.status}
                    for r in rounds
                ],
                indent=2,
            )
        )
        return 0
    for r in rounds:
        print(f"{r.name}\t{r.kind}\t{r.guideline_ref}\t{r.status}")
    return 0


def run_export_responses(args: argparse.Namespace) -> int:
    from calibration.answers import answer_to_json, dump_cell
    from calibration.csv_cells import frame_to_csv
    from calibration.rounds import service

    data = service.round_responses(
        _engine(args, existing=True), args.round, include_models=args.include_models
    )
    kind = data.guideline.task.type
    frame = data.responses.copy()
    try:
        out = open(args.output, "w", encoding="utf-8", newline="") if args.output else sys.stdout  # noqa: SIM115
    except OSError as error:
        raise file_error(error, args.output, what="output file") from None
    try:
        if args.format == "csv":
            frame["answer"] = [dump_cell(kind, a) for a in frame["answer"]]
            frame_to_csv(frame, out)
        else:
            for record in frame.to_dict(orient="records"):
                record["answer"] = answer_to_json(kind, record["answer"])
                clean = {k: (None if _missing(v) else v) for k, v in record.items()}
                out.write(json.dumps(clean, ensure_ascii=False, default=_plain) + "\n")
        if out is not sys.stdout:
            out.close()  # a full disk shows here, when the buffer is written
    except OSError as error:  # no space left (/dev/full), an I/O error
        raise file_error(error, args.output, what="output file") from None
    finally:
        if out is not sys.stdout and not out.closed:
            with contextlib.suppress(OSError):  # already reported
                out.close()
    if args.output:
        print(f"wrote {len(frame)} responses of {args.round!r} to {args.output}", file=sys.stderr)
    return 0


def _missing(value: Any) -> bool:
    import pandas as pd

    return not isinstance(value, list | tuple | dict | str) and bool(pd.isna(value))


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"not JSON serializable: {value!r}")


def run_user_add(args: argparse.Namespace) -> int:
    from calibration.rounds import service

    password = None
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise CalibrationError(
                "no password on stdin", hint="pipe it: echo 'pass phrase' | calibration user add ..."
            )
    user = service.create_user(_engine(args), args.name, role=args.role, email=args.email, password=password)
    print(f"added {user.role} {user.name}" + (f" <{user.email}>" if user.email else ""))
    if password is None and args.role in ("lead", "author"):  # after success: no note before an error
        print("note: no password set; use --password-stdin so this user can sign in", file=sys.stderr)
    return 0


def run_invite(args: argparse.Namespace) -> int:
    import datetime as dt

    from calibration.rounds import service

    token = service.invite(
        _engine(args, existing=True),
        args.round,
        actor=service.SYSTEM,
        expires_in=dt.timedelta(days=args.days),
    )
    if args.base_url:
        print(f"{args.base_url.rstrip('/')}/?invite={token}")
    else:
        print(token)
    return 0
