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

from calibration.cli.common import bootstrap_count, positive_int
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


def _common(parser: argparse.ArgumentParser) -> None:
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
    parser.add_argument(
        "--root", default=None, metavar="DIR", help="folder of <id>/<version>.yaml for ID@VERSION"
    )
    parser.add_argument(
        "--model",
        default=None,
        metavar="NAME",
        help="the model's annotator id (default: the only model in the file)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the certify-model and model-triage verbs to the `calibration` command."""
    certify = subparsers.add_parser(
        "certify-model",
        help="score a model's answers on the bank like a person's calibration quiz",
        description="Score a model's answers on the guideline's bank items with the same per-rule scoring and "
        "pass/fail as a person's calibration quiz, with a Wilson interval per rule. Exit 0 when the model "
        "is certified, 1 when it is not or on a problem with the input, 2 on misuse.",
    )
    _common(certify)
    certify.add_argument(
        "--confidence",
        type=_fraction,
        default=0.95,
        metavar="P",
        help="coverage of the intervals (default 0.95)",
    )
    certify.set_defaults(handler=run_certify)

    triage = subparsers.add_parser(
        "model-triage",
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
    triage.add_argument(
        "--bootstrap", type=bootstrap_count, default=1000, metavar="N", help="item resamples (default 1000)"
    )
    triage.add_argument("--seed", type=int, default=0, metavar="S", help="bootstrap seed (default 0)")
    triage.set_defaults(handler=run_triage)


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
    from calibration.agreement.model import certify_model

    guideline = _guideline(args.guideline, args.root)
    result = _read_answers(args, guideline)
    report = certify_model(result.responses, guideline, args.model, confidence=args.confidence)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        print("\n".join(report.lines()))
    return 0 if report.passed else 1


def run_triage(args: argparse.Namespace) -> int:
    from calibration.agreement.model import triage_rules

    guideline = _guideline(args.guideline, args.root)
    result = _read_answers(args, guideline)
    gold = result.gold
    if args.gold:
        import pandas as pd

        from calibration.agreement.io import read_gold_csv

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
