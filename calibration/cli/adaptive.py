"""`calibration irt fit` (the item model of a published guideline version), `calibration replay quiz|pilot`.

Heavy imports (pandas, numpy, scipy) stay inside the handlers so the CLI starts fast.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from calibration.cli.common import (
    Subparsers,
    add_command,
    add_json_option,
    add_rules_source,
    add_seed_option,
    add_verb_group,
)
from calibration.cli.common import open_engine as _engine
from calibration.wording import counted

if TYPE_CHECKING:
    from calibration.adaptive.replay import QuizPolicy


def register(subparsers: Subparsers) -> None:
    irt_verbs = add_verb_group(
        subparsers,
        "irt",
        metavar="VERB",
        help="the item and annotator model (IRT) of a guideline version",
        description="Item response theory: per-item difficulty and discrimination, per-annotator ability.",
    )
    fit = add_command(
        irt_verbs,
        "fit",
        run_irt_fit,
        help="fit the item model on the gold answers of a published version and store it",
        description="Fit the 2PL (or Rasch) model on every answer on a gold item in the rounds on a "
        "published guideline version, and store it with the version (closing a round refits too).",
        database=True,
    )
    fit.add_argument("guideline", metavar="ID@VERSION", help="published guideline version, e.g. tiny@1.0.0")
    fit.add_argument(
        "--model",
        choices=("auto", "2pl", "rasch"),
        default="auto",
        help="2pl, rasch, or auto: 2PL when items have a median of 20 answers or more (default auto)",
    )
    add_json_option(fit, "print the estimates as JSON")

    replay_verbs = add_verb_group(
        subparsers,
        "replay",
        metavar="VERB",
        help="replay quizzes on answers already given: what a fixed or adaptive quiz would have used",
        description="Replay on existing answers what a quiz policy would have asked and decided.",
    )
    quiz = add_command(
        replay_verbs,
        "quiz",
        run_replay_quiz,
        help="replay each annotator's quiz on their own answers",
        description="Replay each annotator's calibration quiz using only the answers in the file (the policy "
        "may pick only items that annotator answered) and compare its decisions with those all of the "
        "annotator's answers give. Exit 1 on invalid input.",
    )
    _responses_argument(quiz)
    quiz.add_argument(
        "--guideline",
        required=True,
        metavar="FILE.yaml",
        help="guideline version: its task, its quiz bank's rules and gold answers, and its policy",
    )
    quiz.add_argument(
        "--policy", choices=("fixed", "adaptive"), default="adaptive", help="quiz policy (default adaptive)"
    )
    add_seed_option(quiz, "seed of the item order (default 0)")
    add_json_option(quiz, "print JSON instead of a table")
    pilot = add_command(
        replay_verbs,
        "pilot",
        run_replay_pilot,
        help="replay a pilot in the order a policy would have asked for answers",
        description="Replay a pilot item by item (each item with all of its answers in the file) in the order "
        "the policy would have asked, until every rule's agreement interval is above or below the target. "
        "Exit 1 on invalid input.",
    )
    _responses_argument(pilot)
    add_rules_source(
        pilot,
        "item-to-rule map: item_id,rule_id",
        "guideline version: its task, its bank's rules, its pilot target",
        required=True,
    )
    pilot.add_argument(
        "--target",
        type=float,
        default=None,
        metavar="T",
        help="Krippendorff's alpha a rule should reach (default: the guideline's pilot_target, else 0.8)",
    )
    pilot.add_argument(
        "--policy",
        choices=("uniform", "adaptive"),
        default="adaptive",
        help="pilot policy (default adaptive)",
    )
    add_seed_option(pilot, "seed of the order and the bootstrap")
    add_json_option(pilot, "print JSON instead of a table")


def _responses_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("responses", metavar="RESPONSES.csv", help="long CSV: item_id,annotator_id,answer")


def run_irt_fit(args: argparse.Namespace) -> int:
    from calibration.rounds.item_model import fit_item_model
    from calibration.rounds.service import SYSTEM

    fit = fit_item_model(_engine(args, existing=True), args.guideline, actor=SYSTEM, model=args.model)
    model = fit.model
    if args.json:
        suspects = fit.suspects
        data = {"guideline": fit.guideline_ref, **model.to_dict()}
        data["suspect_items"] = {} if suspects is None else json.loads(suspects.to_json(orient="index"))
        print(json.dumps(data, indent=1))
        return 0
    print(f"{fit.guideline_ref}: {model.kind} fitted on {counted(model.n_answers, 'answer')}, stored")
    print(f"{'item':<24} {'difficulty':>10} {'discrim.':>9} {'answers':>8}")
    for item, row in model.items.sort_values("discrimination").iterrows():
        print(
            f"{item:<24} {row['difficulty']:>10.2f} {row['discrimination']:>9.2f} {int(row['n_answers']):>8}"
        )
    print(f"{'annotator':<24} {'ability':>10} {'answers':>8}")
    for who, row in model.annotators.sort_values("ability").iterrows():
        print(f"{who:<24} {row['ability']:>10.2f} {int(row['n_answers']):>8}")
    if fit.suspects is not None and len(fit.suspects):
        print("suspect items (wrong gold or an ambiguous item? see the revision queue):")
        for item, row in fit.suspects.iterrows():
            print(f"  {item}: {row['reason']}")
    return 0


def run_replay_quiz(args: argparse.Namespace) -> int:
    result = replay_quiz_from_files(args.responses, args.guideline, args.policy, args.seed)
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print(f"policy {result['policy']}")
    print(f"{'annotator':<24} {'used':>5} {'of':>5}  decision")
    for who, row in result["annotators"].items():
        print(f"{who:<24} {row['items_used']:>5} {row['items_available']:>5}  {row['decision']}")
    summary = result["summary"]
    print(
        f"mean items used {summary['items_used_mean']:.1f} of {summary['items_available_mean']:.1f}; "
        f"decisions agreeing with all items: {summary['decisions_agreeing_with_all_items']:.0%}"
    )
    return 0


def replay_quiz_from_files(
    responses: str, guideline_path: str, policy: QuizPolicy, seed: int
) -> dict[str, Any]:
    """Read the responses CSV and the guideline, grade the answers, and `replay_quiz` them."""
    import pandas as pd

    from calibration.adaptive.irt import graded_answers
    from calibration.adaptive.replay import replay_quiz
    from calibration.guidelines.loading import load_guideline
    from calibration.interop import csv_reader
    from calibration.responses import ANNOTATOR, ANSWER, ITEM

    guideline = load_guideline(guideline_path)
    inputs = {item.id: item.input for item in guideline.items}
    raw = csv_reader.read_responses_csv(responses, "long")
    answers = csv_reader.parse_answers(raw, guideline.task, inputs, responses)
    frame = pd.DataFrame({ITEM: raw[ITEM].to_numpy(), ANNOTATOR: raw[ANNOTATOR].to_numpy(), ANSWER: answers})
    gold = guideline.gold_answers()
    graded = graded_answers(frame, pd.Series(gold, dtype=object), guideline.task)
    rules = {item.id: list(item.rules) for item in guideline.items if item.id in gold}
    policy_ = guideline.calibration
    threshold = policy_.rule_threshold
    if not 0 < threshold < 1:
        from calibration.errors import DataError

        raise DataError(
            f"the rule mark {threshold} of {guideline_path} leaves nothing to decide",
            hint="set calibration.pass_rule_accuracy (or pass_accuracy) strictly between 0 and 1",
        )
    return replay_quiz(
        graded,
        rules,
        threshold,
        policy,  # type: ignore[arg-type]
        confidence=policy_.decision_confidence,
        min_per_rule=policy_.min_items_per_rule,
        items_per_quiz=policy_.items_per_quiz,
        seed=seed,
    )


def run_replay_pilot(args: argparse.Namespace) -> int:
    result = replay_pilot_from_files(args)
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print(
        f"policy {result['policy']}: {result['answers_used']} of {result['answers_available']} answers used"
    )
    print(f"{'rule':<24} {'answers':>7}  {'decision':<10} with all items")
    for rule, row in result["rules"].items():
        print(f"{rule:<24} {row['answers_used']:>7}  {row['decision']:<10} {row['decision_all']}")
    return 0


def replay_pilot_from_files(args: argparse.Namespace) -> dict[str, Any]:
    """Read the responses (and guideline or map), then `replay_pilot` them."""
    import pandas as pd

    from calibration.adaptive.pilot_replay import replay_pilot
    from calibration.errors import DataError
    from calibration.guidelines.loading import load_guideline
    from calibration.interop import csv_reader
    from calibration.responses import ANNOTATOR, ANSWER, ITEM, RULE

    raw = csv_reader.read_responses_csv(args.responses, "long")
    target = args.target
    if args.guideline:
        guideline = load_guideline(args.guideline)
        task, inputs = guideline.task, {item.id: item.input for item in guideline.items}
        item_rules = pd.DataFrame(
            [(item.id, rule) for item in guideline.items for rule in item.rules], columns=[ITEM, RULE]
        )
        target = guideline.calibration.pilot_target if target is None else target
    else:
        task, inputs = csv_reader.infer_task(raw, args.responses), {}
        item_rules = csv_reader.read_item_rules_csv(args.item_rules)
    target = 0.8 if target is None else target
    if not -1 <= target <= 1:
        raise DataError(f"--target {target} is not an agreement between -1 and 1", hint="e.g. --target 0.8")
    answers = csv_reader.parse_answers(raw, task, inputs, args.responses)
    frame = pd.DataFrame({ITEM: raw[ITEM].to_numpy(), ANNOTATOR: raw[ANNOTATOR].to_numpy(), ANSWER: answers})
    return replay_pilot(frame, item_rules, task, target, args.policy, seed=args.seed)
