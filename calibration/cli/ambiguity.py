"""CLI verbs for finding and fixing ambiguous rules: ambiguity (the revision queue), compare, report."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from calibration.cli.common import (
    Subparsers,
    add_bootstrap_option,
    add_command,
    add_csv_shape_options,
    add_database_option,
    add_json_option,
    add_output_option,
    add_round_argument,
    add_rules_source,
    add_seed_option,
    positive_int,
)
from calibration.wording import counted

INPUT_HELP = {
    "item_rules": "CSV with columns item_id, rule_id (one row per pair); default: the guideline's quiz bank",
    "guideline": "the guideline YAML the responses answer (task, rules, gold, pilot target)",
    "gold": "CSV with columns item_id, answer; default: the guideline's gold answers",
}


def register(subparsers: Subparsers) -> None:
    """Add `ambiguity`, `compare` and `report` to the `calibration` command."""
    ambiguity = add_command(
        subparsers,
        "ambiguity",
        run_ambiguity,
        help="rank guideline rules for revision, with evidence and a suggested action",
        description="Rank the rules of a pilot by an explained ambiguity score. Needs --item-rules or "
        "--guideline to tell rules apart. Exit 0 on success, 1 on invalid input, 2 on misuse.",
    )
    ambiguity.add_argument(
        "responses", metavar="RESPONSES.csv", help="responses: item_id, annotator_id, answer ..."
    )
    _input_options(ambiguity, repeat=False)
    ambiguity.add_argument(
        "--top", type=positive_int, default=None, metavar="N", help="show only the first N rules"
    )

    compare = add_command(
        subparsers,
        "compare",
        run_compare,
        help="before/after: per-rule agreement and gold accuracy of two piloted versions",
        description="Compare two pilots rule by rule: a paired test of per-item agreement and a bootstrap "
        "95% interval of the gold accuracy's change. Give an option once for both versions or twice (old, "
        "then new). Where it says 'not enough items', pilot the items it asks for in both versions and "
        "compare those answers with --first-look.",
    )
    compare.add_argument("old", metavar="OLD.csv", help="responses of the old version's pilot")
    compare.add_argument("new", metavar="NEW.csv", help="responses of the new version's pilot")
    _input_options(compare, repeat=True)
    compare.add_argument(
        "--first-look",
        metavar="FIRST.json",
        default=None,
        help="the --json output of the first comparison: OLD.csv and NEW.csv then hold only the follow-up "
        "items, and the rules it left at 'not enough items' get a verdict over both looks",
    )

    report = add_command(
        subparsers,
        "report",
        run_report,
        help="write a round report (per-rule table, charts, revision queue) as HTML or markdown",
        description="Write a report a lead can send to the team, from a stored round. The database is "
        "CALIBRATION_DATABASE_URL (or --database-url).",
    )
    add_round_argument(report, "round id or name")
    report.add_argument(
        "--format",
        choices=("html", "md", "markdown"),
        default="html",
        help="report format: html (default) or md (markdown; 'markdown' is accepted too)",
    )
    add_output_option(report)
    add_database_option(report)
    report.add_argument("--no-charts", action="store_true", help="leave the charts out of the HTML report")
    _bootstrap_options(report)


def _input_options(parser: argparse.ArgumentParser, *, repeat: bool) -> None:
    action = "append" if repeat else "store"
    twice = " (give twice for old and new)" if repeat else ""
    add_rules_source(
        parser,
        INPUT_HELP["item_rules"] + twice,
        INPUT_HELP["guideline"] + twice,
        exclusive=not repeat,
        action=action,
    )
    parser.add_argument("--gold", action=action, metavar="GOLD.csv", help=INPUT_HELP["gold"] + twice)
    add_csv_shape_options(parser)
    _bootstrap_options(parser)
    add_json_option(parser, "print JSON instead of a table")


def _bootstrap_options(parser: argparse.ArgumentParser) -> None:
    add_bootstrap_option(parser, "bootstrap replicates (default 1000)", metavar=None)
    add_seed_option(parser, metavar=None)


# --------------------------------------------------------------------------- input files


def _annotator_signals(path: str, fmt: str, n_rows: int) -> dict[str, Any]:
    """The optional columns (confidence, cited_rule, unclear, comment, seconds) of a long responses CSV."""
    if fmt != "long":
        return {}
    from calibration.interop.csv_reader import read_table
    from calibration.responses import ANSWER_EXTRAS

    frame = read_table(path, ["item_id"], "responses")
    found: dict[str, Any] = {}
    for column in ANSWER_EXTRAS:
        if column in frame and len(frame) == n_rows:
            values = frame[column].replace({"": None})
            if column == "unclear":
                values = values.map(lambda v: str(v).strip().lower() in ("1", "true", "yes"))
            elif column in ("confidence", "seconds"):
                import pandas as pd

                values = pd.to_numeric(values, errors="coerce")
            found[column] = values.to_numpy()
    return found


def load_pilot(
    responses_path: str,
    item_rules: str | None,
    guideline_path: str | None,
    gold: str | None,
    *,
    fmt: str = "long",
    ignore_columns: tuple[str, ...] = (),
) -> Any:
    """The `Annotations` of the CLI's input files, read as `calibration agreement` reads them.

    Raises:
        DataError, AnswerError, GuidelineError: naming the file, row and column of the problem.
    """
    import pandas as pd

    from calibration.guidelines.loading import load_guideline
    from calibration.interop import csv_reader
    from calibration.responses import Annotations, responses_frame

    guideline = load_guideline(guideline_path) if guideline_path else None
    raw = csv_reader.read_responses_csv(responses_path, fmt, ignore_columns)
    task = guideline.task if guideline is not None else csv_reader.infer_task(raw, responses_path)
    inputs = {item.id: item.input for item in guideline.items} if guideline is not None else {}
    answers = csv_reader.parse_answers(raw, task, inputs, responses_path)
    frame = pd.DataFrame(
        {"item_id": raw["item_id"].to_numpy(), "annotator_id": raw["annotator_id"].to_numpy()}
    )
    frame["answer"] = answers.to_numpy()
    for column, values in _annotator_signals(responses_path, fmt, len(raw)).items():
        frame[column] = values
    responses = responses_frame(frame)
    rules = csv_reader.read_item_rules_csv(item_rules) if item_rules else None
    gold_answers = csv_reader.read_gold_csv(gold, task, inputs) if gold else None
    return Annotations.of(responses, guideline=guideline, item_rules=rules, gold=gold_answers, task=task)


# --------------------------------------------------------------------------- handlers


def _fmt(value: float | None) -> str:
    from calibration.ambiguity.signals import number_text

    return number_text(value, missing="–")  # 0.00, never -0.00


def _fmt_score(value: float) -> str:
    from calibration.ambiguity.signals import number_text

    return number_text(value, 1)


NO_RULES = "give --item-rules MAP.csv or --guideline FILE.yaml to tell rules apart"


def _misuse(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def _load_pilot(
    args: argparse.Namespace, path: str, item_rules: str | None, guideline: str | None, gold: str | None
) -> Any:
    """`load_pilot` of one responses file, in the CSV shape that ``--format`` and ``--ignore-columns`` give."""
    return load_pilot(
        path, item_rules, guideline, gold, fmt=args.format, ignore_columns=tuple(args.ignore_columns)
    )


def run_ambiguity(args: argparse.Namespace) -> int:
    """`calibration ambiguity`: print the revision queue."""
    from calibration.ambiguity.queue import GROUP_NAMES, GROUPS, revision_queue

    if not args.item_rules and not args.guideline:
        return _misuse(NO_RULES)
    pilot = _load_pilot(args, args.responses, args.item_rules, args.guideline, args.gold)
    queue = revision_queue(pilot, bootstrap=args.bootstrap, seed=args.seed)
    data = queue.to_dict()
    if args.top is not None:
        data["rules"] = data["rules"][: args.top]
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    print(
        f"Revision queue ({counted(len(queue.rules), 'rule')}, target {queue.target:.2f}): "
        "ranked by group, then by score within the group"
    )
    group = None
    for entry in queue.rules[: args.top]:
        if entry.group != group:  # the group explains the order: a score ranks rules within it only
            group = entry.group
            print(f"Group {GROUPS.index(group) + 1}: {GROUP_NAMES[group]}")
        agreement = entry.agreement
        print(
            f"{entry.rank:>3}. {entry.rule_id}  score {_fmt_score(entry.score)}  "
            f"{agreement.statistic} {_fmt(agreement.estimate)} [{_fmt(agreement.ci_low)}, {_fmt(agreement.ci_high)}]"
        )
        print(f"     flags: {', '.join(entry.flags) or 'none'}")
        print(f"     do: {entry.suggestion}")
    suspects = queue.items[queue.items["gold_suspect"]] if len(queue.items) else queue.items
    if len(suspects):
        print("Gold suspects: " + ", ".join(map(str, suspects.index)))
    return 0


def run_compare(args: argparse.Namespace) -> int:
    """`calibration compare`: print the before/after comparison."""
    from calibration.ambiguity.compare import (
        NOT_REWRITTEN,
        NOT_REWRITTEN_WORDS,
        annotators_compared,
        compare_versions,
        follow_up_advice,
        left_out_note,
        version_label,
    )

    def pick(values: list[str] | None, index: int) -> str | None:
        return values[min(index, len(values) - 1)] if values else None

    if not args.item_rules and not args.guideline:
        return _misuse(NO_RULES)
    for name in ("item_rules", "guideline", "gold"):
        given = getattr(args, name) or []
        if len(given) > 2:
            flag = "--" + name.replace("_", "-")
            return _misuse(f"give {flag} once (both versions) or twice (old, new), not {len(given)} times")
    pilots = [
        _load_pilot(args, path, pick(args.item_rules, i), pick(args.guideline, i), pick(args.gold, i))
        for i, path in enumerate((args.old, args.new))
    ]
    first_look = _first_look(args.first_look) if args.first_look else None
    comparison = compare_versions(
        *pilots,
        bootstrap=args.bootstrap,
        seed=args.seed,
        first_look=first_look,
        first_look_source=args.first_look,
    )
    if args.json:
        print(comparison.first_look_json())
        return 0
    print(f"{comparison.before_ref} -> {comparison.after_ref}")
    who = annotators_compared(comparison)
    if who:
        print(who)
    for entry in comparison.rules:
        mark = "*" if entry.text_changed else " "
        advice = (
            f"; {follow_up_advice(entry, version_label(comparison.after_ref))}"
            if entry.verdict == "not_enough_items"
            else f"; {NOT_REWRITTEN_WORDS}"
            if entry.verdict in NOT_REWRITTEN.values()
            else ""
        )
        note = left_out_note(entry)
        advice += f"; {note}" if note else ""
        print(
            f"{mark} {entry.rule_id}: {entry.statistic} {_fmt(entry.before)} -> {_fmt(entry.after)} "
            f"(change {entry.difference:+.2f}, interval {_fmt(entry.ci95[0])} to {_fmt(entry.ci95[1])}) "
            f"{entry.verdict}{advice}"
        )
    if comparison.changed_rule_ids:
        print("* rule changed between the versions")
    return 0


def _first_look(path: str) -> dict[str, Any]:
    """The --json output of a first comparison, read for a follow-up."""
    from pathlib import Path

    from calibration.errors import DataError

    hint = "give the output of `calibration compare --json` of the first look"
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise DataError(f"{path}: cannot read the first look ({error.strerror})", hint=hint) from None
    except ValueError as error:
        raise DataError(f"{path} is not JSON: {error}", hint=hint) from None
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise DataError(f"{path} has no 'rules' list", hint=hint)
    return data


def run_report(args: argparse.Namespace) -> int:
    """`calibration report ROUND`: write the round report with its revision queue."""
    from calibration.agreement.breakdown import annotations_report
    from calibration.ambiguity.queue import revision_queue
    from calibration.cli.common import open_engine, write_text
    from calibration.reports.html import render_round_report
    from calibration.rounds.service import round_responses

    engine = open_engine(args, existing=True)
    round_ref: Any = int(args.round) if args.round.isdigit() else args.round
    data = round_responses(engine, round_ref)
    queue = report = None
    if len(data.responses):
        report = annotations_report(data, bootstrap=args.bootstrap, seed=args.seed)
        queue = revision_queue(data, report=report)
    text = render_round_report(
        data,
        report=report,
        queue=queue,
        fmt="md" if args.format == "markdown" else args.format,
        charts=not args.no_charts,
    )
    write_text(text, args.output)
    return 0
