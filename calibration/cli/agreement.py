"""`calibration agreement`: agreement per rule, label and annotator from a responses CSV.

Heavy imports (pandas, numpy) stay inside the handler so the CLI starts fast.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from calibration.cli.common import (
    Subparsers,
    add_bootstrap_option,
    add_command,
    add_csv_shape_options,
    add_json_option,
    add_rules_source,
    add_seed_option,
)
from calibration.wording import counted

if TYPE_CHECKING:
    from calibration.agreement.results import AgreementReport, AnnotatorBlock, Block, BoxBlock, Statistics

LEVELS = ("nominal", "ordinal", "interval", "ratio")


def register(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers,
        "agreement",
        run,
        help="inter-annotator agreement per rule, label and annotator, with bootstrap intervals",
        description="Measure agreement (percent agreement, Cohen's kappa, Fleiss' kappa, Krippendorff's "
        "alpha, Gwet's AC1) overall, per guideline rule, per label and per annotator, with 95% bootstrap "
        "intervals; with gold answers, accuracy and kappa against gold. Exit 1 on invalid input.",
    )
    parser.add_argument(
        "responses", metavar="RESPONSES.csv", help="long (item_id,annotator_id,answer) or wide CSV"
    )
    add_rules_source(
        parser,
        "item-to-rule map: item_id,rule_id (one row a pair)",
        "guideline version: its task (labels, scale), its quiz bank's rules and gold answers",
    )
    parser.add_argument("--gold", metavar="GOLD.csv", help="gold answers: item_id,answer")
    add_csv_shape_options(parser)
    parser.add_argument("--level", choices=LEVELS, help="level of measurement (default: from the task)")
    add_bootstrap_option(parser)
    add_seed_option(parser)
    parser.add_argument(
        "--allow-single-answers",
        action="store_true",
        help="keep items answered by one annotator (they count for label prevalence, not agreement)",
    )
    parser.add_argument(
        "--include-models",
        action="store_true",
        help="count rows with annotator_kind=model (a model's answers) as an annotator; left out by default",
    )
    add_json_option(parser, "print JSON instead of tables")


def run(args: argparse.Namespace) -> int:
    report = analyse(args)
    if args.json:
        json.dump(report.to_dict(), sys.stdout, indent=1, ensure_ascii=False, allow_nan=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render(report))
    return 0


def analyse(args: argparse.Namespace) -> AgreementReport:
    """Read the inputs named by `args` and return the `AgreementReport`."""
    import pandas as pd

    from calibration.agreement.breakdown import agreement_report
    from calibration.interop import csv_reader
    from calibration.responses import ANNOTATOR, ANSWER, ITEM

    path = args.responses
    raw = csv_reader.read_responses_csv(
        path, args.format, args.ignore_columns, include_models=args.include_models
    )
    item_rules = None
    gold = None
    inputs: dict[str, Any] = {}
    if args.guideline:
        guideline = _load_guideline(args.guideline)
        task = guideline.task
        inputs = {item.id: item.input for item in guideline.items}
        item_rules = pd.DataFrame(
            [(item.id, rule) for item in guideline.items for rule in item.rules], columns=[ITEM, "rule_id"]
        )
        if not args.gold:
            bank = guideline.gold_answers()
            gold = (
                pd.Series(list(bank.values()), index=pd.Index(list(bank), name=ITEM), dtype=object)
                if bank
                else None
            )
    else:
        task = csv_reader.infer_task(raw, path)
    if args.item_rules:
        item_rules = csv_reader.read_item_rules_csv(args.item_rules)
    if args.gold:
        gold = csv_reader.read_gold_csv(args.gold, task, inputs)
    answers = csv_reader.parse_answers(raw, task, inputs, path)
    responses = pd.DataFrame(
        {ITEM: raw[ITEM].to_numpy(), ANNOTATOR: raw[ANNOTATOR].to_numpy(), ANSWER: answers}
    )
    csv_reader.check_design(responses, raw, path, allow_single=args.allow_single_answers)
    return agreement_report(
        responses,
        task,
        item_rules=item_rules,
        gold=gold,
        bootstrap=args.bootstrap,
        seed=args.seed,
        level=args.level,
        inputs=inputs or None,
    )


def _load_guideline(path: str) -> Any:
    from calibration.guidelines.loading import load_guideline

    return load_guideline(path)


# --------------------------------------------------------------------------- text output


def _num(value: float, digits: int = 3) -> str:
    return "-" if math.isnan(value) else f"{value:.{digits}f}"


def _ci(stats: Statistics, name: str) -> str:
    interval = stats.interval(name)
    return f"[{interval.low:.2f}, {interval.high:.2f}]" if interval.defined else ""


COLUMNS = (
    ("items", 6),
    ("answers", 8),
    ("agree", 6),
    ("kappa", 6),
    ("fleiss", 6),
    ("alpha", 6),
    ("alpha 95% CI", 14),
    ("AC1", 6),
)


def _row(name: str, block: Block | AnnotatorBlock, width: int, gold: bool) -> str:
    stats = block.stats
    cells = [
        f"{block.n_items:>6}",
        f"{block.n_annotations:>8}",
        f"{_num(stats.percent_agreement):>6}",
        f"{_num(stats.cohen_kappa_mean):>6}",
        f"{_num(stats.fleiss_kappa):>6}",
        f"{_num(stats.krippendorff_alpha):>6}",
        f"{_ci(stats, 'krippendorff_alpha'):>14}",
        f"{_num(stats.gwet_ac1):>6}",
    ]
    if gold:
        accuracy, kappa = (block.gold.accuracy, block.gold.kappa) if block.gold else (math.nan, math.nan)
        cells += [f"{_num(accuracy):>6}", f"{_num(kappa):>6}"]
    flags = ", ".join(stats.flags)
    return f"{name:<{width}}  " + "  ".join(cells) + (f"  {flags}" if flags else "") + "\n"


def _table(title: str, blocks: Mapping[str, Block | AnnotatorBlock], gold: bool) -> str:
    if not blocks:
        return ""
    width = max(len(title), *(len(k) for k in blocks))
    header = [f"{name:>{w}}" for name, w in COLUMNS]
    if gold:
        header += [f"{'gold':>6}", f"{'g.kap':>6}"]
    out = f"{title:<{width}}  " + "  ".join(header) + "  flags\n"
    for key, block in blocks.items():
        out += _row(key, block, width, gold)
    return out + "\n"


def render(report: AgreementReport) -> str:
    """A readable text report: overall, then one table per rule, label and annotator."""
    if report.task_type == "boxes":
        return render_boxes(report)
    from calibration.agreement.results import Block  # loaded with the report

    overall = report.overall
    assert isinstance(overall, Block)  # a boxes report has BoxBlocks (render_boxes)
    gold = overall.gold is not None
    head = (
        f"Agreement on {counted(overall.n_annotations, 'answer')} by "
        f"{counted(overall.n_annotators, 'annotator')} on {counted(overall.n_items, 'item')} ({report.task_type}, level {report.level}; "
        f"{report.n_bootstrap} bootstrap resamples, seed {report.seed})\n"
        "agree = percent agreement, kappa = mean pairwise Cohen's kappa, fleiss = Fleiss' kappa, "
        "alpha = Krippendorff's alpha, AC1 = Gwet's AC1"
        + ("; gold = accuracy against gold, g.kap = kappa against gold" if gold else "")
        + "\n\n"
    )
    text = head + _table("overall", {"all items": overall}, gold)
    text += _table("rule", _category_blocks(report.per_rule), gold)
    text += _table("label", _category_blocks(report.per_label), gold)
    text += _table("annotator", _category_blocks(report.per_annotator), gold)
    text += _pairs(report)
    text += _confusions(report)
    return text


def _category_blocks(
    blocks: Mapping[str, Block | AnnotatorBlock | BoxBlock],
) -> dict[str, Block | AnnotatorBlock]:
    from calibration.agreement.results import BoxBlock  # loaded with the report

    return {k: b for k, b in blocks.items() if not isinstance(b, BoxBlock)}


def _box_blocks(blocks: Mapping[str, Block | AnnotatorBlock | BoxBlock]) -> dict[str, BoxBlock]:
    from calibration.agreement.results import BoxBlock  # loaded with the report

    return {k: b for k, b in blocks.items() if isinstance(b, BoxBlock)}


def _pairs(report: AgreementReport, title: str = "Cohen's kappa per annotator pair") -> str:
    """The annotator x annotator matrix of `report.pairwise_kappa` (Cohen's kappa, box alpha for boxes)."""
    matrix = report.pairwise_kappa
    if len(matrix) < 2 or len(matrix) > 20:
        return ""
    names = [str(n) for n in matrix.index]
    width = max(9, *(len(n) for n in names))
    cell = max(6, *(len(n) for n in names))
    out = f"{title}\n" + " " * width + "  " + "  ".join(f"{n:>{cell}}" for n in names) + "\n"
    for name, row in zip(names, matrix.to_numpy(), strict=True):
        cells = "  ".join(f"{'-' if v != v else f'{v:.3f}':>{cell}}" for v in row)
        out += f"{name:<{width}}  {cells}\n"
    return out + "\n"


def _confusions(report: AgreementReport) -> str:
    """Per rule, the label pair that accounts for most disagreement (from the answer-pair counts)."""
    lines = []
    for rule, frame in report.confusion.items():
        if rule == "*":
            continue
        values = frame.to_numpy()
        total = (values.sum() - values.trace()) / 2
        if total <= 0:
            continue
        upper = [
            (values[i, j] + values[j, i]) / 2 for i in range(len(values)) for j in range(i + 1, len(values))
        ]
        pairs = [
            (frame.index[i], frame.columns[j]) for i in range(len(values)) for j in range(i + 1, len(values))
        ]
        best = max(range(len(upper)), key=upper.__getitem__)
        a, b = pairs[best]
        lines.append(
            f"{rule:<12} {a} vs {b}: {upper[best] / total:.0%} of {int(total)} disagreeing answer pairs"
        )
    if not lines:
        return ""
    return "Most confused labels per rule\n" + "\n".join(lines) + "\n"


BOX_COLUMNS = (
    ("items", 6),
    ("boxes", 7),
    ("alpha", 6),
    ("alpha 95% CI", 14),
    ("labels", 6),
    ("IoU", 6),
    ("F1", 6),
)


def _box_row(name: str, block: BoxBlock, width: int) -> str:
    cells = [
        f"{block.n_items:>6}",
        f"{block.n_boxes:>7}",
        f"{_num(block.stats.krippendorff_alpha):>6}",
        f"{_ci(block.stats, 'krippendorff_alpha'):>14}",
        f"{_num(block.value('label_alpha')):>6}",
        f"{_num(block.value('mean_iou')):>6}",
        f"{_num(block.value('match_f1')):>6}",
    ]
    flags = ", ".join(block.flags)
    return f"{name:<{width}}  " + "  ".join(cells) + (f"  {flags}" if flags else "") + "\n"


def _box_table(title: str, blocks: Mapping[str, BoxBlock]) -> str:
    if not blocks:
        return ""
    width = max(len(title), *(len(k) for k in blocks))
    header = "  ".join(f"{name:>{w}}" for name, w in BOX_COLUMNS)
    return (
        f"{title:<{width}}  {header}  flags\n"
        + "".join(_box_row(k, b, width) for k, b in blocks.items())
        + "\n"
    )


def render_boxes(report: AgreementReport) -> str:
    """The text report of a boxes task: box alpha, label alpha, IoU and F1 per block, the alpha curve."""
    from calibration.agreement.results import BoxBlock  # loaded with the report

    overall = report.overall
    assert isinstance(overall, BoxBlock)
    head = (
        f"Box agreement on {counted(overall.n_annotations, 'answer')} "
        f"({counted(overall.n_boxes, 'box', 'boxes')}) by {counted(overall.n_annotators or 0, 'annotator')} on "
        f"{counted(overall.n_items, 'image')} ({report.n_bootstrap} bootstrap "
        f"resamples, seed {report.seed})\n"
        "alpha = Krippendorff's alpha with distance 1 - IoU over matched boxes (unmatched boxes against an "
        f"empty box), labels = alpha of the labels of boxes matched at IoU >= {overall.min_iou}, "
        "IoU = mean IoU of matched boxes, F1 = matched boxes at that IoU over all boxes, per annotator pair\n\n"
    )
    text = head + _box_table("overall", {"all images": overall})
    text += _box_table("rule", _box_blocks(report.per_rule))
    text += _box_table("label", _box_blocks(report.per_label))
    text += _box_table("annotator", _box_blocks(report.per_annotator))
    curve = "  ".join(f"{p.threshold:.1f}: {_num(p.alpha, 2)}" for p in overall.alpha_by_threshold or ())
    text += f"Alpha by IoU threshold (matches below it count as two unmatched boxes)\n{curve}\n\n"
    text += _pairs(report, "Box alpha per annotator pair")
    text += _confusions(report)
    return text
