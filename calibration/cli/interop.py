"""CLI verbs to bring a pilot from a labeling tool and take a guideline back to one.

``calibration import FORMAT FILE --guideline ID@VERSION`` imports a Label Studio, Prodigy, doccano,
Argilla or CSV export into a new pilot round (one transaction; nothing is written on any error).
Exports: ``export-gold``, ``export-agreement``, ``labelstudio-config``, ``labelstudio-tasks`` and
``guideline-from-labelstudio`` (``calibration export responses`` is the store's own verb).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from calibration.cli.common import (
    Subparsers,
    add_bootstrap_option,
    add_command,
    add_json_option,
    add_round_argument,
    add_seed_option,
)
from calibration.cli.common import add_output_option as _output
from calibration.cli.common import add_root_option as _root
from calibration.cli.common import open_engine as _engine
from calibration.cli.common import read_bytes as _read
from calibration.cli.common import write_text as _write
from calibration.errors import CalibrationError

FORMATS = ("labelstudio", "prodigy", "doccano", "argilla", "csv", "csv-wide", "coco", "cvat")


def register(subparsers: Subparsers) -> None:
    """Add the import and export verbs to the `calibration` command."""
    imp = add_command(
        subparsers,
        "import",
        run_import,
        help="import a labeling tool's export into a new pilot round",
        description="Import annotations made in Label Studio (full JSON export), Prodigy (db-out JSONL), "
        "doccano (zip of per-user JSONL files), Argilla 2 (records JSON/JSONL), CSV (the long or wide "
        "shape of `calibration agreement`), or boxes from COCO JSON or CVAT for images 1.1 XML into a "
        "new pilot round, in one transaction: any problem "
        "(wrong format, truncated file, unknown labels, missing annotator id) writes nothing. "
        "Exit 0 on success, 1 on a problem, 2 on misuse.",
        database=True,
    )
    imp.add_argument("format", choices=FORMATS, metavar="FORMAT", help=f"one of {', '.join(FORMATS)}")
    imp.add_argument("file", metavar="FILE", help="the export file")
    imp.add_argument(
        "--guideline",
        required=True,
        metavar="ID@VERSION",
        help="the published guideline version the answers follow (a YAML file is accepted with --dry-run)",
    )
    imp.add_argument(
        "--item-rules", default=None, metavar="MAP.csv", help="item-to-rule map: item_id,rule_id"
    )
    imp.add_argument("--round", default=None, metavar="NAME", help="name of the new pilot round")
    imp.add_argument(
        "--map-labels",
        nargs="+",
        default=[],
        type=_label_pair,
        metavar="OLD=NEW",
        help="rename the tool's labels to guideline label ids",
    )
    imp.add_argument(
        "--control", default=None, metavar="NAME", help="Label Studio: the control tag with the answer"
    )
    imp.add_argument("--question", default=None, metavar="NAME", help="Argilla: the question with the answer")
    imp.add_argument(
        "--annotator",
        default=None,
        metavar="NAME",
        help="coco, cvat: the file's annotator (default: a COCO annotation's annotator field, the CVAT "
        "job's assignee, else the file name's stem)",
    )
    imp.add_argument(
        "--ignore-columns",
        nargs="+",
        default=[],
        metavar="COLUMN",
        help="csv-wide: columns that are not annotators",
    )
    imp.add_argument(
        "--model-annotator",
        action="append",
        default=[],
        metavar="NAME",
        help="an annotator id of the file whose answers are a model's (repeatable; e.g. a Prodigy session "
        "a model answered); Label Studio predictions, Argilla suggestions and CSV rows with "
        "annotator_kind=model are a model's without it",
    )
    imp.add_argument("--dry-run", action="store_true", help="check and report; write nothing")
    add_json_option(imp, "print the report as JSON")

    gold = add_command(
        subparsers,
        "export-gold",
        run_export_gold,
        help="the gold set (bank items with gold and adjudicated items) as CSV or JSONL",
        description="Export gold answers: a round's (bank gold and the round's adjudications) or a "
        "guideline version's bank.",
        database=True,
    )
    source = gold.add_mutually_exclusive_group(required=True)
    source.add_argument("--round", default=None, metavar="ROUND", help="a round name")
    source.add_argument("--guideline", default=None, metavar="ID@VERSION|FILE", help="a guideline version")
    gold.add_argument(
        "--format",
        choices=["csv", "jsonl", "coco"],
        default="csv",
        help="output format (default csv; coco: COCO JSON, boxes guidelines only)",
    )
    _images(gold)
    _output(gold)

    agreement = add_command(
        subparsers,
        "export-agreement",
        run_export_agreement,
        help="a round's per-rule agreement as CSV",
        description="One row per rule: statistics, 95% bootstrap bounds and flags.",
        database=True,
    )
    add_round_argument(agreement)
    add_bootstrap_option(agreement, "resamples (default 1000)")
    add_seed_option(agreement)
    _output(agreement)

    config = add_command(
        subparsers,
        "labelstudio-config",
        run_labelstudio_config,
        help="a Label Studio labeling config (XML) from a guideline version",
        description="The guideline's summary and rules become the config's instructions; choices save "
        "label ids, so results import back unchanged.",
    )
    config.add_argument("guideline", metavar="ID@VERSION|FILE", help="a guideline file or bundled id@version")
    _root(config)
    config.add_argument("--no-extras", action="store_true", help="leave out confidence/rule/unclear/comment")
    config.add_argument(
        "--instructions", default=None, metavar="FILE.html", help="also write HTML instructions"
    )
    _output(config)

    tasks = add_command(
        subparsers,
        "labelstudio-tasks",
        run_labelstudio_tasks,
        help="Label Studio tasks JSON from a guideline's bank, or a round's answers",
        description="Without --round: the bank items as tasks (gold as predictions with --with-gold). "
        "With --round: the round's items and answers in Label Studio's full JSON export shape.",
        database=True,
    )
    tasks.add_argument("guideline", nargs="?", default=None, metavar="ID@VERSION|FILE", help="a guideline")
    _root(tasks)
    tasks.add_argument("--round", default=None, metavar="ROUND", help="export this round's answers")
    tasks.add_argument("--with-gold", action="store_true", help="include gold answers")
    tasks.add_argument(
        "--image-url",
        default="",
        metavar="PREFIX",
        help="boxes: data.image is PREFIX followed by the image's file name (e.g. /data/local-files/?d=street/); "
        "default: the image path as the guideline writes it",
    )
    _images(tasks)
    _output(tasks)

    reverse = add_command(
        subparsers,
        "guideline-from-labelstudio",
        run_guideline_from_labelstudio,
        help="start a new guideline YAML from a Label Studio labeling config",
        description="Task type and labels come from the config's answer control; each label gets a "
        "placeholder rule to write.",
    )
    reverse.add_argument("config", metavar="CONFIG.xml", help="the labeling config")
    reverse.add_argument("--id", required=True, metavar="ID", help="the new guideline's id")
    reverse.add_argument("--title", default=None, help="title (default: the config's first header)")
    reverse.add_argument("--version", default="0.1.0", help="version (default 0.1.0)")
    _output(reverse)


def _images(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--images",
        default=None,
        metavar="DIR",
        help="boxes: the folder the guideline's image paths are relative to, for the image sizes "
        "(default: the guideline file's folder, or the bundled guideline's)",
    )


def _image_sizes(
    guideline: Any, images: str | None, ref: str | None = None, root: str | None = None
) -> dict[str, tuple[int, int]]:
    """Image sizes of a boxes guideline's bank (empty for other task types)."""
    if guideline.task.type != "boxes":
        return {}
    from calibration.guidelines.versions import BUNDLED_DIR
    from calibration.interop.images import image_sizes

    if images:
        folder = Path(images)
    elif ref is not None and Path(ref).is_file():
        folder = Path(ref).parent
    else:
        folder = Path(root or BUNDLED_DIR) / guideline.id
    return image_sizes(guideline, folder)


def _round_image_sizes(engine: Any, guideline: Any, images: str | None) -> dict[str, tuple[int, int]]:
    """Image sizes of a stored boxes guideline: from --images DIR when given, else the store's images."""
    if guideline.task.type != "boxes" or images:
        return _image_sizes(guideline, images)
    from calibration.rounds.box_files import stored_image_sizes

    return stored_image_sizes(engine, guideline)


def _label_pair(value: str) -> str:
    """Argparse type of --map-labels: refuse what is not OLD=NEW (e.g. FORMAT FILE written after it)."""
    if "=" not in value:
        raise argparse.ArgumentTypeError(
            f"expected OLD=NEW, got {value!r} (put FORMAT FILE before --map-labels, or end its list with --)"
        )
    return value


def _guideline(ref: str, root: str | None) -> Any:
    from calibration.guidelines.loading import load_guideline

    if Path(ref).is_file() or ref.endswith((".yaml", ".yml")):
        return load_guideline(ref)
    from calibration.guidelines.versions import BUNDLED_DIR, load_ref

    return load_ref(ref, root or BUNDLED_DIR)


def run_import(args: argparse.Namespace) -> int:
    from calibration.guidelines.loading import load_guideline
    from calibration.rounds.importing import import_file

    data = _read(args.file)
    item_rules = _read(args.item_rules) if args.item_rules else None
    options = {
        "control": args.control,
        "question": args.question,
        "ignore_columns": args.ignore_columns,
        "annotator": args.annotator,
    }
    guideline = None
    ref = args.guideline
    if Path(ref).is_file():
        guideline = load_guideline(ref)
        ref = guideline.ref
        if not args.dry_run:
            guideline = None  # a real import goes into the store: the version must be published there
    engine = None if (args.dry_run and guideline is not None) else _engine(args)
    if item_rules is not None:
        from calibration.interop.tables import read_item_rules

        item_rules = read_item_rules(item_rules, args.item_rules)
    report = import_file(
        engine,
        args.format,
        data,
        Path(args.file).name,
        ref,
        item_rules=item_rules,
        round_name=args.round,
        map_labels=args.map_labels,
        dry_run=args.dry_run,
        guideline=guideline,
        options=options,
        model_annotators=args.model_annotator,
    )
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        print("\n".join(report.lines()))
    return 0


def run_export_gold(args: argparse.Namespace) -> int:
    from calibration.interop.exports import gold_csv, gold_jsonl, gold_records

    engine = None
    if args.round:
        from calibration.rounds import service

        engine = _engine(args, existing=True)
        round_ = service.get_round(engine, args.round)
        guideline = service.get_guideline(engine, round_.guideline_ref)
        records = gold_records(
            guideline, service.adjudications(engine, args.round), service.round_items(engine, args.round)
        )
    else:
        ref = args.guideline
        if Path(ref).is_file():
            guideline = _guideline(ref, None)
        else:
            from calibration.rounds import service

            engine = _engine(args, existing=True)
            guideline = service.get_guideline(engine, ref)
        records = gold_records(guideline)
    if not records:
        raise CalibrationError(
            "there are no gold answers to export", hint="adjudicate items or add gold to the bank"
        )
    if args.format == "coco":
        text = _coco_gold(guideline, records, args, engine)
    else:
        text = gold_jsonl(records) if args.format == "jsonl" else gold_csv(records, guideline.task.type)
    _write(text, args.output)
    return 0


def _coco_gold(guideline: Any, records: list[dict[str, Any]], args: argparse.Namespace, engine: Any) -> str:
    """The gold records as COCO JSON; image sizes from --images, else the store's images of the version
    (when it came from the store), else the guideline file's folder."""
    from calibration.answers import parse_answer
    from calibration.interop.coco import coco_gold, coco_json

    if guideline.task.type != "boxes":
        raise CalibrationError(
            f"--format coco writes boxes; {guideline.ref} is a {guideline.task.type} guideline",
            hint="use --format csv or jsonl",
        )
    gold = {r["item_id"]: parse_answer(guideline.task, r["answer"]) for r in records}
    if engine is not None and not args.images:
        from calibration.rounds.box_files import stored_image_sizes

        sizes = stored_image_sizes(engine, guideline)
    else:
        sizes = _image_sizes(guideline, args.images, args.guideline)
    return coco_json(coco_gold(guideline, gold, sizes))


def run_export_agreement(args: argparse.Namespace) -> int:
    from calibration.interop.exports import agreement_csv
    from calibration.rounds import service

    engine = _engine(args, existing=True)
    data = service.round_responses(engine, args.round)
    if data.responses.empty:
        raise CalibrationError(f"round {args.round!r} has no answers yet")
    text = agreement_csv(data, bootstrap=args.bootstrap, seed=args.seed)
    _write(text, args.output)
    return 0


def run_labelstudio_config(args: argparse.Namespace) -> int:
    from calibration.interop.exports import labelstudio_config, labelstudio_instructions

    guideline = _guideline(args.guideline, args.root)
    _write(labelstudio_config(guideline, extras=not args.no_extras), args.output)
    if args.instructions:
        _write(labelstudio_instructions(guideline), args.instructions)
    return 0


def run_labelstudio_tasks(args: argparse.Namespace) -> int:
    from calibration.interop.exports import labelstudio_tasks

    if args.round:
        from calibration.rounds import service

        engine = _engine(args, existing=True)
        data = service.round_responses(engine, args.round)
        items = service.round_items(engine, args.round)
        rules = {i: list(item.rules) for i, item in items.items()}
        tasks = labelstudio_tasks(
            data.guideline,
            {i: item.input for i, item in items.items()},
            rules,
            responses=data.responses,
            gold=data.gold if args.with_gold else None,
            sizes=_round_image_sizes(engine, data.guideline, args.images),
            image_url=args.image_url,
        )
    else:
        if args.guideline is None:
            raise CalibrationError("give a guideline (ID@VERSION or FILE) or --round ROUND")
        guideline = _guideline(args.guideline, args.root)
        tasks = labelstudio_tasks(
            guideline,
            gold=guideline.gold_answers() if args.with_gold else None,
            sizes=_image_sizes(guideline, args.images, args.guideline, args.root),
            image_url=args.image_url,
        )
    _write(json.dumps(tasks, indent=2, ensure_ascii=False) + "\n", args.output)
    return 0


def run_guideline_from_labelstudio(args: argparse.Namespace) -> int:
    from calibration.guidelines.loading import dump_guideline
    from calibration.interop.common import decode_text
    from calibration.interop.exports import guideline_from_labelstudio_config

    text = decode_text(_read(args.config), args.config)
    guideline = guideline_from_labelstudio_config(
        text, args.id, title=args.title, version=args.version, source=args.config
    )
    _write(dump_guideline(guideline), args.output)
    return 0
