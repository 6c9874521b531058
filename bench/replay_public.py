"""Replay the quiz and pilot policies on a public crowdsourcing dataset with many annotators per item.

Usage: ``python bench/replay_public.py PATH [--task rte|temp] [--mark 0.7] [--target 0.8] [--seed 0]``

The data are those of Snow, O'Connor, Jurafsky & Ng, "Cheap and Fast -- But is it Good? Evaluating
Non-Expert Annotations for Natural Language Tasks" (EMNLP 2008): Recognizing Textual Entailment
(``rte``: 800 sentence pairs, 10 Mechanical Turk workers each, 164 workers) and temporal ordering
(``temp``: 462 event pairs, 10 workers each, 76 workers), with the expert (gold) label of every
item. They were released on Rion Snow's Stanford annotations page (2008) and assembled again by
Brendan O'Connor (2019); the licence is not stated, so the data are not in this repository: PATH is
the file ``rte.standardized.tsv`` (or ``temp.standardized.tsv``) of that release, tab-separated with
the columns ``!amt_annotation_ids``, ``!amt_worker_ids``, ``orig_id``, ``response`` (0/1) and
``gold`` (0/1).

The script writes to a temporary folder the long CSV ``calibration agreement`` reads
(item_id, annotator_id, answer) and a one-rule single_label guideline whose quiz bank is every item
with its gold label, then runs the library's replays exactly as the CLI does (``calibration replay
quiz --policy fixed|adaptive``, ``calibration replay pilot --policy uniform|adaptive``) and prints,
per policy, what it used and how often it agrees with the decision all the answers give, with the
workers' accuracy against gold so the figures can be judged.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from calibration.agreement.coefficients import coefficients, count_matrix
from calibration.cli.adaptive import replay_pilot_from_files, replay_quiz_from_files
from calibration.cli.main import build_parser

WORKER, ITEM, RESPONSE, GOLD = "!amt_worker_ids", "orig_id", "response", "gold"
# guideline id, title, rule, label of each response code (temp's codes are 1 and 2)
TASKS = {
    "rte": ("rte", "Recognizing textual entailment", "R-ENTAIL", {"0": "not_entails", "1": "entails"}),
    "temp": ("temp", "Temporal ordering of events", "R-ORDER", {"1": "order_1", "2": "order_2"}),
}


def read_tsv(path: str | Path, task: str = "rte") -> list[dict[str, str]]:
    """The rows of a Snow et al. ``*.standardized.tsv`` file.

    Raises:
        SystemExit: a missing file or column, or a response/gold outside the task's codes (one line
            naming the row).
    """
    if not Path(path).is_file():
        raise SystemExit(
            f"error: no such file: {path} (hint: the *.standardized.tsv of the Snow et al. release)"
        )
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        missing = {WORKER, ITEM, RESPONSE, GOLD} - set(reader.fieldnames or ())
        if missing:
            raise SystemExit(f"error: {path}: missing column(s) {', '.join(sorted(missing))}")
        rows = list(reader)
    codes = TASKS[task][3]
    for line, row in enumerate(rows, start=2):
        for column in (RESPONSE, GOLD):
            if row[column] not in codes:
                raise SystemExit(
                    f"error: {path} line {line}: {column} is {row[column]!r}, expected "
                    f"{' or '.join(codes)} (hint: --task rte or --task temp)"
                )
    return rows


def convert(
    rows: Sequence[dict[str, str]], task: str, folder: Path, mark: float, target: float
) -> tuple[Path, Path]:
    """Write the long responses CSV and the guideline YAML into `folder`; return their paths."""
    gid, title, rule, labels = TASKS[task]
    responses = folder / "responses.csv"
    with responses.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["item_id", "annotator_id", "answer"])
        for row in rows:
            out.writerow([f"{task}-{row[ITEM]}", row[WORKER], labels[row[RESPONSE]]])
    gold: dict[str, str] = {}
    for row in rows:
        gold.setdefault(f"{task}-{row[ITEM]}", labels[row[GOLD]])
    guideline = {
        "format": 1,
        "id": gid,
        "version": "1.0.0",
        "title": title,
        "task": {
            "type": "single_label",
            "labels": [{"id": label, "name": label} for label in labels.values()],
        },
        "calibration": {
            "pass_rule_accuracy": mark,
            "min_items_per_rule": 3,
            "items_per_quiz": 20,
            "pilot_target": target,
        },
        "rules": [{"id": rule, "title": title, "text": title + ".", "labels": list(labels.values())}],
        "items": [
            {"id": item, "input": f"{task} pair {item}", "rules": [rule], "answer": answer}
            for item, answer in sorted(gold.items())
        ],
    }
    path = folder / gid / "1.0.0.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(guideline, sort_keys=False), encoding="utf-8")
    return responses, path


def worker_accuracy(rows: Sequence[dict[str, str]]) -> dict[str, tuple[int, float]]:
    """(answers, accuracy against gold) per worker."""
    seen: dict[str, list[int]] = {}
    for row in rows:
        seen.setdefault(row[WORKER], []).append(int(row[RESPONSE] == row[GOLD]))
    return {w: (len(v), float(np.mean(v))) for w, v in seen.items()}


def alpha(rows: Sequence[dict[str, str]]) -> float:
    """Krippendorff's alpha (nominal) of the workers' answers over all items."""
    items = {item: k for k, item in enumerate(sorted({row[ITEM] for row in rows}))}
    unit = np.array([items[row[ITEM]] for row in rows])
    codes = {code: k for k, code in enumerate(sorted({row[RESPONSE] for row in rows}))}
    answers = np.array([codes[row[RESPONSE]] for row in rows])
    counts = count_matrix(unit, answers, len(items), len(codes))
    value = coefficients(counts)["krippendorff_alpha"]
    return float("nan") if value is None else value


def replay(
    path: str | Path, task: str = "rte", *, mark: float = 0.7, target: float = 0.8, seed: int = 0
) -> dict[str, Any]:
    """Convert the file and run the four replays (the pilot ones at `target` and at the observed
    alpha rounded to 0.1 plus 0.1, a target the pilot has to work for); the figures `main` prints."""
    rows = read_tsv(path, task)
    observed = alpha(rows)
    near = round(round(observed, 1) + 0.1, 2)
    parser = build_parser()
    accuracy = worker_accuracy(rows)
    with tempfile.TemporaryDirectory() as tmp:
        responses, guideline = convert(rows, task, Path(tmp), mark, target)
        common = ["--guideline", str(guideline), "--seed", str(seed)]
        quiz = {}
        for policy in ("fixed", "adaptive"):
            args = parser.parse_args(["replay", "quiz", str(responses), *common, "--policy", policy])
            quiz[policy] = replay_quiz_from_files(args.responses, args.guideline, args.policy, args.seed)
        pilot: dict[float, dict[str, Any]] = {}
        for goal in dict.fromkeys((target, near)):
            for policy in ("uniform", "adaptive"):
                args = parser.parse_args(
                    ["replay", "pilot", str(responses), *common, "--policy", policy, "--target", str(goal)]
                )
                pilot.setdefault(goal, {})[policy] = replay_pilot_from_files(args)
    reference = quiz["fixed"]["annotators"]
    return {
        "answers": len(rows),
        "items": len({row[ITEM] for row in rows}),
        "workers": len(accuracy),
        "accuracy": accuracy,
        "alpha": observed,
        "quiz": quiz,
        "pilot": pilot,
        "workers_with_few_answers": sum(1 for a in reference.values() if a["items_available"] < 20),
    }


def _quantiles(values: Sequence[float]) -> str:
    q = np.quantile(np.asarray(values, dtype=float), [0.1, 0.25, 0.5, 0.75, 0.9])
    return " ".join(f"{v:.2f}" for v in q)


def report(result: dict[str, Any], task: str, mark: float, target: float) -> str:
    """The printed summary."""
    accuracy = result["accuracy"]
    counts = [n for n, _ in accuracy.values()]
    acc = [a for _, a in accuracy.values()]
    weighted = sum(n * a for n, a in accuracy.values()) / sum(counts)
    lines = [
        f"{task}: {result['answers']} answers, {result['items']} items, {result['workers']} workers "
        f"(answers per worker: median {np.median(counts):.0f}, max {max(counts)}; "
        f"{result['workers_with_few_answers']} workers with fewer than 20)",
        f"worker accuracy vs gold: per answer {weighted:.3f}; per worker quantiles 10/25/50/75/90% "
        f"{_quantiles(acc)}; workers at or above the mark {mark}: "
        f"{sum(a >= mark for a in acc)}/{len(acc)}; Krippendorff's alpha over all answers "
        f"{result['alpha']:.3f}",
        f"quiz (rule mark {mark}, min 3 items per rule, 20 items per fixed quiz):",
    ]
    for policy, data in result["quiz"].items():
        s = data["summary"]
        decisions = [a["decision"] for a in data["annotators"].values()]
        share = {d: decisions.count(d) / len(decisions) for d in ("pass", "fail", "undecided")}
        lines.append(
            f"  {policy:<9} items used {s['items_used_mean']:.1f} of {s['items_available_mean']:.1f} "
            f"available; decisions agreeing with all items {s['decisions_agreeing_with_all_items']:.0%}; "
            f"certified (pass) {share['pass']:.0%}, fail {share['fail']:.0%}, "
            f"undecided {share['undecided']:.0%}"
        )
        passed = [accuracy[w][1] for w, a in data["annotators"].items() if a["decision"] == "pass"]
        failed = [accuracy[w][1] for w, a in data["annotators"].items() if a["decision"] == "fail"]
        lines.append(
            f"            against gold on all their answers: certified at or above the mark "
            f"{sum(a >= mark for a in passed)}/{len(passed)}, failed below it "
            f"{sum(a < mark for a in failed)}/{len(failed)}"
        )
    for goal, policies in result["pilot"].items():
        lines.append(f"pilot (target alpha {goal:.2f}):")
        for policy, data in policies.items():
            rules = "; ".join(
                f"{rule} {row['decision']} (all items: {row['decision_all']})"
                for rule, row in data["rules"].items()
            )
            lines.append(
                f"  {policy:<9} answers used {data['answers_used']} of {data['answers_available']}; {rules}"
            )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("path", metavar="PATH", help="rte.standardized.tsv or temp.standardized.tsv")
    parser.add_argument("--task", choices=sorted(TASKS), default="rte", help="rte or temp (default rte)")
    parser.add_argument("--mark", type=float, default=0.7, help="the rule mark of the quiz (default 0.7)")
    parser.add_argument("--target", type=float, default=0.8, help="the pilot's target alpha (default 0.8)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the item orders (default 0)")
    args = parser.parse_args(argv)
    result = replay(args.path, args.task, mark=args.mark, target=args.target, seed=args.seed)
    print(report(result, args.task, args.mark, args.target))
    return 0


if __name__ == "__main__":
    sys.exit(main())
