"""Per-rule features of the revision queue on simulated pilots, for offline design of its score.

Runs the queue (and the baselines' statistics) on the pilots of `bench/queue_quality.py` and writes one
row per rule: scenario, seed, the rule's hidden kind, its observable item count, the queue's group, score
and every score part, the `split_items` figures, percent agreement, AC1, alpha, and the structure
figures, and the candidate gold figures (`gold_features`). Candidate scores are then evaluated
offline (re-ranking per pilot, precision at k against percent agreement) on a DESIGN seed range, never
on the fresh range a table reports.

    nice -n 10 python bench/queue_features.py --seed 102000 --pilots 40 --out /tmp/features.csv
"""

from __future__ import annotations

import argparse
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.queue_quality import (  # noqa: E402
    SCENARIOS,
    _pilot_of,
    observed_items,
    simulate,
)


def pilot_features(scenario: str, seed: int, bootstrap: int) -> list[dict]:
    """One row per rule of the pilot (scenario, seed)."""
    from calibration.agreement.breakdown import agreement_report
    from calibration.ambiguity import queue as queue_module
    from calibration.ambiguity.queue import agreement_blocks, revision_queue

    sim = simulate(scenario, seed)
    pilot = _pilot_of(sim)
    report = agreement_report(
        pilot.responses, pilot.task, item_rules=pilot.item_rules, gold=pilot.gold, bootstrap=bootstrap, seed=0
    )
    captured: dict[int, object] = {}
    original = queue_module.disagreement_structure

    def capture(mine, elsewhere=None, *, seed=0, **kwargs):
        found = original(mine, elsewhere, seed=seed, **kwargs)
        captured[int(seed[1])] = found
        return found

    queue_module.disagreement_structure = capture
    try:
        queue = revision_queue(pilot, report=report, bootstrap=bootstrap)
    finally:
        queue_module.disagreement_structure = original
    blocks = agreement_blocks(pilot, report=report)
    gold = gold_features(pilot, queue.meta.get("careless_annotators", []))
    kinds = {r.rule_id: r.kind for r in sim.rules}
    n_obs = observed_items(sim)
    rows = []
    for entry in queue.rules:
        r = entry.rule_id
        block = blocks.get(r)
        split = entry.signal("split_items")
        structure = captured.get(zlib.crc32(str(r).encode()))
        row = {
            "scenario": scenario,
            "seed": seed,
            "rule_id": r,
            "kind": kinds[r],
            "n_obs": n_obs[r],
            "n_annotators": len(sim.annotators),
            "rank": entry.rank,
            "group": entry.group,
            "score": entry.score,
            "flags": ",".join(entry.flags),
            "percent_agreement": block.value("percent_agreement") if block else np.nan,
            "gwet_ac1": block.value("gwet_ac1") if block else np.nan,
            "krippendorff_alpha": block.value("krippendorff_alpha") if block else np.nan,
            "split_z": split.figures.get("z", np.nan) if split else np.nan,
            "split_excess": split.figures.get("excess", np.nan) if split else np.nan,
            "direction": getattr(structure, "direction", np.nan),
        }
        row.update(gold.get(r, {}))
        for code, value in entry.score_parts.items():
            row[f"part_{code}"] = value
        rows.append(row)
    return rows


def gold_features(pilot, careless: list[str]) -> dict[str, dict[str, float]]:
    """Per rule, candidate gold figures (design only): the Welch z of per-item accuracy against gold
    (`gold_z`, careless annotators set aside, gold-suspect items excluded; `gold_z_all` with them), and
    the annotators' pooled accuracy drop on the rule vs their own accuracy elsewhere (`drop_z`,
    `signals.gold_drop_separation`: the queue's `gold_accuracy` part before its gate)."""
    from calibration.ambiguity import signals
    from calibration.ambiguity.queue import agreement_separation
    from calibration.responses import ANNOTATOR, ANSWER, ITEM, items_of_rule

    if not len(pilot.gold):
        return {}
    responses = pilot.responses[~pilot.responses[ANNOTATOR].isin(careless)]
    responses = responses[responses[ITEM].isin(pilot.gold.index)]
    correct = np.array(
        [a == pilot.gold[i] for i, a in zip(responses[ITEM], responses[ANSWER], strict=True)], dtype=float
    )
    scored = pd.DataFrame({"item": responses[ITEM].astype(str).to_numpy(), "c": correct})
    per_item = scored.groupby("item")["c"].mean()
    suspects = set(map(str, signals.gold_suspects(pilot.responses, pilot.gold).index))
    clean = per_item[~per_item.index.isin(suspects)]
    out: dict[str, dict[str, float]] = {}
    for r in pilot.rule_ids:
        items = [str(i) for i in items_of_rule(pilot.item_rules, r)]
        out[str(r)] = {
            "gold_z": agreement_separation(clean, items),
            "gold_z_all": agreement_separation(per_item, items),
            "gold_gap": float(clean[~clean.index.isin(items)].mean() - clean[clean.index.isin(items)].mean()),
            "drop_z": signals.gold_drop_separation(
                responses, pilot.item_rules, pilot.gold, r, exclude=sorted(suspects)
            ),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pilots", type=int, default=10)
    parser.add_argument("--seed", type=int, default=102000)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--bootstrap", type=int, default=200)
    parser.add_argument("--out", required=True, help="CSV file written")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    rows: list[dict] = []
    for scenario in [s for s in args.scenarios.split(",") if s]:
        for seed in range(args.seed, args.seed + args.pilots):
            rows += pilot_features(scenario, seed, args.bootstrap)
        pd.DataFrame(rows).to_csv(args.out, index=False)
        print(f"{scenario}: {len(rows)} rows ({time.perf_counter() - start:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
