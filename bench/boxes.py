"""Speed of box agreement on 20,000 images x 5 annotators x about 5 boxes, against a per-pair Python loop.

Data (seeded): each image has 1-9 objects (about 5) of 3 labels placed at random in a 640 x 480
frame; each annotator boxes each object with probability 0.9, with a jitter of a few pixels and a
wrong label 5 % of the time, and adds a stray box 10 % of the time; 10 rules (one per image).

Measured in one process:

1. ours: `calibration.agreement.boxes.box_agreement` (overall, per rule, per label, per annotator,
   per pair, alpha at 10 IoU thresholds, label alpha) with 1,000-resample bootstrap intervals;
2. the obvious way: a Python loop over images and annotator pairs calling
   `calibration.boxes.match_boxes` (the per-pair Hungarian matching) and summing the disagreement,
   for the point estimate of the overall alpha only, run on a subsample of images and scaled to all
   (said so in the output); its observed disagreement is checked against ours on the subsample.

Run: ``nice -n 10 python bench/boxes.py [--quick]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from calibration.boxes import Box, match_boxes

LABELS = ("car", "person", "sign")


def generate(n_images: int = 20_000, n_ann: int = 5, n_rules: int = 10, seed: int = 0):
    """Simulated box pilot: (responses, item_rules)."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_images):
        n_obj = int(rng.integers(1, 10))
        w = rng.uniform(20, 120, n_obj)
        h = rng.uniform(20, 120, n_obj)
        x = rng.uniform(0, 640 - w)
        y = rng.uniform(0, 480 - h)
        lab = rng.integers(0, len(LABELS), n_obj)
        for a in range(n_ann):
            seen = rng.random(n_obj) < 0.9
            jitter = rng.normal(0, 3, (n_obj, 4))
            relabel = rng.random(n_obj) < 0.05
            labels = np.where(relabel, rng.integers(0, len(LABELS), n_obj), lab)
            boxes = [
                Box(
                    LABELS[labels[k]],
                    float(x[k] + jitter[k, 0]),
                    float(y[k] + jitter[k, 1]),
                    float(max(w[k] + jitter[k, 2], 2)),
                    float(max(h[k] + jitter[k, 3], 2)),
                )
                for k in np.flatnonzero(seen)
            ]
            if rng.random() < 0.1:
                boxes.append(
                    Box(LABELS[0], float(rng.uniform(0, 560)), float(rng.uniform(0, 400)), 40.0, 40.0)
                )
            rows.append((f"img{i:05d}", f"ann{a}", tuple(sorted(boxes))))
    responses = pd.DataFrame(rows, columns=["item_id", "annotator_id", "answer"])
    item_rules = pd.DataFrame(
        {
            "item_id": [f"img{i:05d}" for i in range(n_images)],
            "rule_id": [f"R{i % n_rules}" for i in range(n_images)],
        }
    )
    return responses, item_rules


def loop_observed(responses: pd.DataFrame) -> tuple[float, float]:
    """Observed disagreement sums (d, c) at threshold 0 with a per-pair Python loop over images."""
    d_total = c_total = 0.0
    for _item, part in responses.groupby("item_id", sort=False):
        answers = list(part["answer"])
        m = len(answers)
        if m < 2:
            continue
        w = 1 / (m - 1)
        for a in range(m):
            for b in range(a + 1, m):
                matches = match_boxes(answers[a], answers[b])
                n = len(answers[a]) + len(answers[b])
                k = len(matches)
                iou = sum(match.iou for match in matches)
                d_total += w * (n - k - iou)
                c_total += w * (n - k)
    return d_total, c_total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 images instead of 20,000")
    parser.add_argument("--subsample", type=int, default=1000, help="images for the Python loop")
    args = parser.parse_args()
    n_images = 2000 if args.quick else 20_000
    t0 = time.perf_counter()
    responses, item_rules = generate(n_images)
    n_boxes = int(responses["answer"].map(len).sum())
    print(
        f"data: {n_images} images, {len(responses)} answers, {n_boxes} boxes ({time.perf_counter() - t0:.1f} s to generate)"
    )

    from calibration.agreement.boxes import box_agreement

    box_agreement(responses.head(50), labels=LABELS, bootstrap=10)  # warm imports
    t0, c0 = time.perf_counter(), time.process_time()
    result = box_agreement(responses, None, item_rules, labels=LABELS, bootstrap=1000, seed=0)
    ours, ours_cpu = time.perf_counter() - t0, time.process_time() - c0
    overall = result.overall
    interval = overall.stats.interval("krippendorff_alpha")
    low, high = interval.low, interval.high
    print(
        f"ours: box_agreement with 1,000-resample intervals (overall, {len(result.per_rule)} rules, "
        f"{len(result.per_label)} labels, {len(result.per_annotator)} annotators, {len(result.pairs)} pairs, "
        f"{len(result.thresholds) // (1 + len(result.per_rule))} thresholds): {ours:.2f} s wall, "
        f"{ours_cpu:.2f} s CPU (the machine is shared: CPU time is the steadier figure)"
    )
    print(
        f"  alpha {overall.stats.krippendorff_alpha:.4f} [{low:.4f}, {high:.4f}], label alpha "
        f"{overall.value('label_alpha'):.4f}, mean IoU {overall.value('mean_iou'):.4f}, "
        f"F1@{overall.min_iou} {overall.value('match_f1'):.4f}"
    )

    images = responses["item_id"].unique()[: args.subsample]
    part = responses[responses["item_id"].isin(set(images))]
    t0, c0 = time.perf_counter(), time.process_time()
    d, c = loop_observed(part)
    loop, loop_cpu = time.perf_counter() - t0, time.process_time() - c0
    scaled = loop * n_images / len(images)
    check = box_agreement(part, labels=LABELS, bootstrap=0)
    ours_do = check.overall.observed_disagreement
    print(
        f"python loop (match_boxes per image and annotator pair, point estimate of D_o only): "
        f"{loop:.2f} s wall ({loop_cpu:.2f} s CPU) on {len(images)} images, scaled to {n_images}: {scaled:.1f} s "
        f"(D_o loop {d / c:.6f} vs ours {ours_do:.6f})"
    )
    scaled_cpu = loop_cpu * n_images / len(images)
    print(
        f"ratio (loop scaled, point estimate only) / ours (with 1,000 resamples): {scaled / ours:.1f}x wall, "
        f"{scaled_cpu / ours_cpu:.1f}x CPU"
    )


if __name__ == "__main__":
    main()
