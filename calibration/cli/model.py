"""``calibration certify-model`` and ``calibration model-triage``: a model's answers, judged per rule.

Both read a file of answers in any import format (`calibration.interop.importing.FORMATS`); the
product never calls a model, it reads what the model answered.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

from calibration.cli.common import (
    Subparsers,
    add_bootstrap_option,
    add_command,
    add_database_option,
    add_json_option,
    add_output_option,
    add_root_option,
    add_seed_option,
    positive_int,
)
from calibration.cli.common import read_bytes as _read
from calibration.interop.importing import FORMATS


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text!r}") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"expected a number at least 0 and below 1, got {text!r}")
    return value


def _common(parser: argparse.ArgumentParser, *, json_option: bool = True) -> None:
    parser.add_argument(
        "answers", metavar="ANSWERS", help="the answers file (the model's, and for triage people's)"
    )
    parser.add_argument(
        "--guideline",
        required=True,
        metavar="ID@VERSION|FILE",
        help="the guideline version (bank gold and rules)",
    )
    parser.add_argument(
        "--format",
        default="csv",
        choices=FORMATS,
        metavar="FORMAT",
        help=f"one of {', '.join(FORMATS)} (default csv)",
    )
    add_root_option(parser, "folder of <id>/<version>.yaml for ID@VERSION")
    parser.add_argument(
        "--model",
        default=None,
        metavar="NAME",
        help="the model's annotator id (default: the only model in the file)",
    )
    if json_option:
        add_json_option(parser)


def register(subparsers: Subparsers) -> None:
    """Add the certify-model and model-triage verbs to the `calibration` command."""
    certify = add_command(
        subparsers,
        "certify-model",
        run_certify,
        help="score a model's answers on the bank like a person's calibration quiz",
        description="Score a model's answers on the guideline's bank items with the same per-rule scoring and "
        "pass/fail as a person's calibration quiz, with a Wilson interval per rule. Nothing is stored "
        "unless --store. Exit 0 when the model is certified, 1 when it is not or on a problem with the "
        "input, 2 on misuse.",
    )
    _common(certify)
    certify.add_argument(
        "--confidence",
        type=_fraction,
        default=0.95,
        metavar="P",
        help="coverage of the intervals (default 0.95)",
    )
    certify.add_argument(
        "--store",
        action="store_true",
        help="when certified, store the certification in the database like a person's (the guideline "
        "version must be published there); listed on the Annotators page",
    )
    add_database_option(certify)

    triage = add_command(
        subparsers,
        "model-triage",
        run_triage,
        help="per rule: automate with spot-checks, keep people, or not enough evidence",
        description="Compare, per rule and on the same gold items, the model's accuracy with the people's "
        "(non-inferiority within --margin, bootstrap interval over items) and with the people's majority "
        "answer; flag rules where the model fails differently from people. Exit 0, 1 on a problem.",
    )
    _common(triage)
    triage.add_argument(
        "--gold", default=None, metavar="GOLD.csv", help="gold answers (item_id,answer) besides the bank's"
    )
    triage.add_argument(
        "--people", nargs="+", default=None, metavar="NAME", help="the people to compare with (default: all)"
    )
    triage.add_argument(
        "--margin", type=_fraction, default=0.05, metavar="M", help="accepted accuracy loss (default 0.05)"
    )
    triage.add_argument(
        "--min-items", type=positive_int, default=10, metavar="N", help="gold items a rule needs (default 10)"
    )
    add_bootstrap_option(triage, "item resamples (default 1000)")
    add_seed_option(triage)
    register_spot_checks(subparsers)


def _guideline(ref: str, root: str | None) -> Any:
    from calibration.cli.interop import _guideline as load

    return load(ref, root)


def _read_answers(args: argparse.Namespace, guideline: Any) -> Any:
    """The file's answers resolved against the guideline (`ImportResult`); ``--model`` marks a model."""
    from calibration.interop.common import resolve
    from calibration.interop.importing import read_file

    raw = read_file(args.format, _read(args.answers), Path(args.answers).name, guideline)
    marked = {r.annotator_id for r in raw.responses if r.annotator_kind == "model"}
    named = [args.model] if args.model and args.model not in marked else []
    return resolve(raw, guideline, model_annotators=named)


def run_certify(args: argparse.Namespace) -> int:
    import sys

    from calibration.agreement.model import certify_model

    engine = None
    if args.store:
        from calibration.cli.common import open_engine
        from calibration.rounds import service

        engine = open_engine(args, existing=True)  # a mistyped SQLite path must not create a store
        # ID@VERSION: the published snapshot is what gets certified; a FILE is checked against it
        if Path(args.guideline).is_file() or args.guideline.endswith((".yaml", ".yml")):
            guideline = _guideline(args.guideline, args.root)
        else:
            guideline = service.get_guideline(engine, args.guideline)
    else:
        guideline = _guideline(args.guideline, args.root)
    result = _read_answers(args, guideline)
    report = certify_model(result.responses, guideline, args.model, confidence=args.confidence)
    stored = None if engine is None else service.store_model_certification(engine, report, guideline)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        print("\n".join(report.lines()))
    if engine is not None:
        if stored is None:
            note = "not stored: only a certified model is stored, as only a passed quiz certifies a person"
        else:
            since = stored[0].certified_at.strftime("%Y-%m-%d")
            note = (
                f"{'stored' if stored[1] else 'already stored'}: {report.model} certified on {guideline.ref} "
                + ("(listed on the Annotators page)" if stored[1] else f"since {since}")
            )
        print(note, file=sys.stderr)
    return 0 if report.passed else 1


def run_triage(args: argparse.Namespace) -> int:
    from calibration.agreement.model import triage_rules

    guideline = _guideline(args.guideline, args.root)
    result = _read_answers(args, guideline)
    gold = result.gold
    if args.gold:
        import pandas as pd

        from calibration.interop.csv_reader import read_gold_csv

        extra = read_gold_csv(args.gold, guideline.task, {i: v for i, v in result.inputs.items() if v})
        gold = pd.concat([gold[~gold.index.isin(extra.index)], extra])
    table = triage_rules(
        result.responses,
        gold,
        result.item_rules,
        guideline.task,
        model=args.model,
        people=args.people,
        margin=args.margin,
        min_items=args.min_items,
        edge_items=[item.id for item in guideline.items if item.edge_case],
        bootstrap=args.bootstrap,
        seed=args.seed,
    )
    if args.json:
        rows = {
            str(rule): {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
            for rule, row in table.to_dict(orient="index").items()
        }
        print(json.dumps(rows, indent=2, ensure_ascii=False, default=str))
        return 0
    for rule, row in table.iterrows():
        found = row["error_pattern"]
        pattern = f"; fails differently from people: {found}" if isinstance(found, str) else ""
        print(
            f"{rule}: {row['decision']} (model {_num(row['model_accuracy'])}, people {_num(row['human_accuracy'])}, "
            f"difference {_num(row['difference'])} [{_num(row['difference_low'])}, {_num(row['difference_high'])}] "
            f"on {int(row['n_items'])} items){pattern}"
        )
    return 0


def _num(value: float) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.2f}"


def register_spot_checks(subparsers: Subparsers) -> None:
    """Add the spot-check-plan and spot-check-review verbs."""
    plan = add_command(
        subparsers,
        "spot-check-plan",
        run_plan,
        help="which of a model's labels a person checks in a batch, per automated rule",
        description="Per automated rule, a single sampling plan (n labels at random, acceptance number c) that "
        "detects a drop to --target accuracy with --confidence, plus the model's lowest-scored labels; written "
        "as a CSV for reviewers (fill reviewer_answer) or as Label Studio tasks with the model's label as a "
        "prediction. Exit 0, 1 on a problem.",
    )
    _common(plan, json_option=False)
    plan.add_argument(
        "--target", type=_fraction, required=True, metavar="ACC", help="accuracy a batch must keep"
    )
    plan.add_argument(
        "--baseline", type=_fraction_or_one, default=None, metavar="ACC", help="the model's measured accuracy"
    )
    plan.add_argument(
        "--triage",
        default=None,
        metavar="TRIAGE.json",
        help="model-triage --json output: rules and baselines",
    )
    plan.add_argument("--rules", nargs="+", default=None, metavar="RULE", help="the automated rules to check")
    plan.add_argument(
        "--confidence", type=_fraction, default=0.95, metavar="P", help="detection (default 0.95)"
    )
    plan.add_argument(
        "--false-alarm",
        type=_fraction,
        default=0.05,
        metavar="P",
        help="largest false-alarm rate (default 0.05)",
    )
    plan.add_argument(
        "--targeted-share", type=_fraction, default=0.5, metavar="S", help="lowest-scored extra, share of n"
    )
    add_seed_option(plan, "seed of the random draw (default 0)")
    plan.add_argument(
        "--as", dest="shape", choices=("csv", "labelstudio"), default="csv", help="output shape"
    )
    add_output_option(plan)

    review = add_command(
        subparsers,
        "spot-check-review",
        run_review,
        help="read a reviewed spot-check back: keep automating or back to people, per rule",
        description="Read the plan CSV with the reviewers' answers (reviewer_answer), or the plan with the "
        "reviewers' Label Studio export (--reviews), and decide per rule from the random draw. Exit 0 when "
        "every rule keeps automating, 1 when a rule goes back to people or on a problem.",
    )
    review.add_argument("plan", metavar="PLAN.csv", help="the plan written by spot-check-plan")
    review.add_argument(
        "--guideline",
        required=True,
        metavar="ID@VERSION|FILE",
        help="the guideline version (to read answers)",
    )
    add_root_option(review, "folder of <id>/<version>.yaml for ID@VERSION")
    review.add_argument("--reviews", default=None, metavar="FILE", help="the reviewers' answers in --format")
    review.add_argument(
        "--format", default="labelstudio", choices=FORMATS, metavar="FORMAT", help="format of --reviews"
    )
    add_json_option(review)


def _fraction_or_one(text: str) -> float:
    return 1.0 if text.strip() in ("1", "1.0") else _fraction(text)


def _plans(args: argparse.Namespace, rules_in_batch: list[str]) -> dict[str, Any]:
    from calibration.agreement.spot_check import sampling_plan
    from calibration.errors import DataError

    baselines: dict[str, float | None] = {}
    chosen = args.rules
    if args.triage:
        try:
            triage = json.loads(_read(args.triage))
        except ValueError as error:
            raise DataError(
                f"{args.triage} is not JSON: {error}", hint="write it with model-triage --json"
            ) from None
        if not isinstance(triage, dict):
            raise DataError(
                f"{args.triage} is not a model-triage result", hint="write it with model-triage --json"
            )
        baselines = {str(r): row.get("model_accuracy") for r, row in triage.items() if isinstance(row, dict)}
        if chosen is None:
            chosen = [
                r
                for r, row in triage.items()
                if isinstance(row, dict) and row.get("decision") == "automate with spot-checks"
            ]
    chosen = chosen if chosen is not None else rules_in_batch
    plans = {}
    for rule in chosen:
        baseline = baselines.get(rule) if baselines.get(rule) is not None else args.baseline
        if baseline is None:
            raise DataError(
                f"no baseline accuracy for rule {rule}",
                hint="give --baseline ACC, or --triage TRIAGE.json from model-triage --json",
            )
        plans[rule] = sampling_plan(
            float(baseline), args.target, confidence=args.confidence, false_alarm=args.false_alarm
        )
    return plans


def run_plan(args: argparse.Namespace) -> int:
    import sys

    from calibration.agreement.model import choose_model
    from calibration.agreement.spot_check import spot_check_items
    from calibration.answers import dump_cell
    from calibration.cli.common import write_text

    guideline = _guideline(args.guideline, args.root)
    result = _read_answers(args, guideline)
    _, answers = choose_model(result.responses, args.model)
    rules_in_batch = sorted(set(result.item_rules["rule_id"]))
    plans = _plans(args, rules_in_batch)
    table = spot_check_items(
        answers, plans, result.item_rules, seed=args.seed, targeted_share=args.targeted_share
    )
    for rule, plan in plans.items():
        print(f"{rule}: {plan.sentence()}", file=sys.stderr)
    task_type = guideline.task.type
    if args.shape == "labelstudio":
        from calibration.interop.spot_checks import spot_check_tasks

        text = json.dumps(spot_check_tasks(guideline, table, result.inputs), indent=1, ensure_ascii=False)
        write_text(text + "\n", args.output)
        return 0
    frame = table.assign(
        model_answer=[dump_cell(task_type, a) for a in table["model_answer"]], reviewer_answer=""
    )
    write_text(frame.to_csv(index=False, lineterminator="\n"), args.output)
    return 0


def run_review(args: argparse.Namespace) -> int:
    import io

    from calibration.agreement.spot_check import review_decisions
    from calibration.answers import load_cell, parse_answer
    from calibration.errors import CalibrationError, DataError, Location
    from calibration.interop.csv_reader import read_table

    guideline = _guideline(args.guideline, args.root)
    data = _read(args.plan)
    required = ["item_id", "rule_id", "model_answer", "selection", "plan_n", "plan_c"]  # may be left empty:
    # reviewer_answer (an unreviewed label), so it is checked by review_decisions, not here
    try:
        frame = read_table(io.BytesIO(data), required, "spot-check")
    except CalibrationError as error:
        raise type(error)(
            error.message, location=Location(path=args.plan, row=error.location.row), hint=error.hint
        ) from None
    if args.reviews:
        reviews = _reviewer_answers(args, guideline)
        frame["reviewer_answer"] = [reviews.get(i, "") for i in frame["item_id"]]
    bank = {item.id: item.input for item in guideline.items}
    for column in ("model_answer", "reviewer_answer"):
        values = []
        for number, (item, cell) in enumerate(zip(frame["item_id"], frame[column], strict=True), start=2):
            if not isinstance(cell, str):
                values.append(cell)
                continue
            if not cell.strip():
                values.append("")
                continue
            try:
                values.append(parse_answer(guideline.task, load_cell(cell), bank.get(item)))
            except CalibrationError as error:
                raise DataError(
                    error.message,
                    location=Location(path=args.plan, row=number, field=column),
                    hint=error.hint,
                ) from None
        frame[column] = values
    for column in ("plan_n", "plan_c"):
        try:
            frame[column] = frame[column].astype(int)
        except ValueError:
            raise DataError(
                f"{column} must be a whole number", location=Location(path=args.plan, field=column)
            ) from None
    table = review_decisions(frame)
    if args.json:
        print(json.dumps(table.to_dict(orient="index"), indent=2))
    else:
        for rule, row in table.iterrows():
            print(
                f"{rule}: {row['decision']} ({row['errors']} wrong of {row['checked']} random labels checked, "
                f"plan n={row['plan_n']} c={row['plan_c']}; {row['targeted_errors']} wrong of "
                f"{row['targeted_checked']} lowest-scored)"
            )
    return 1 if table["decision"].eq("back to people").any() else 0


def _reviewer_answers(args: argparse.Namespace, guideline: Any) -> dict[str, Any]:
    """The reviewers' answers per item from their export (the first reviewer's; model rows left out)."""
    from calibration.interop.common import resolve
    from calibration.interop.importing import read_file
    from calibration.responses import split_models

    raw = read_file(args.format, _read(args.reviews), Path(args.reviews).name, guideline)
    people, _ = split_models(resolve(raw, guideline).responses)
    first = people.drop_duplicates("item_id")
    return dict(zip(first["item_id"].astype(str), first["answer"], strict=True))
