"""Speed of the agreement engine on 900,000 answers, against the obvious way.

Data (seeded): 200,000 items x 5 annotators with 10 % of answers missing, 6 labels with skewed
prevalence, annotators of different accuracy, 100 rules (one per item).

Measured in one process:

1. ours: overall and per-rule Krippendorff's alpha, Fleiss' kappa, Gwet's AC1 and percent agreement
   with 1,000-resample bootstrap 95 % intervals per rule (`agreement_by_rule`), and the full report
   (`agreement_report`: also Cohen per pair, per label, per annotator, confusions);
2. the obvious way: `krippendorff.alpha` per rule and per resample (and irrCAC's Fleiss + Gwet per rule
   and per resample), timed on a subsample of rules and resamples and extrapolated (said so);
3. Dawid-Skene on the whole data: ours (numpy) against a plain pandas EM written the usual way
   (group-bys per iteration, as crowd-kit does; crowd-kit itself is not installed), on a subsample
   when slow, extrapolated;
4. peak memory of ours (tracemalloc, in a separate run) and of the process (ru_maxrss);
5. the CLI on the same data from a CSV file, in a subprocess (imports included).

Run: ``python bench/agreement.py [--quick]``.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def generate(n_items: int = 200_000, n_ann: int = 5, n_labels: int = 6, n_rules: int = 100, seed: int = 0):
    """Simulated pilot: (responses, item_rules, labels)."""
    rng = np.random.default_rng(seed)
    labels = np.array([f"L{k}" for k in range(n_labels)], dtype=object)
    prevalence = np.array([0.3, 0.25, 0.2, 0.1, 0.1, 0.05])[:n_labels]
    truth = rng.choice(n_labels, size=n_items, p=prevalence / prevalence.sum())
    rule = rng.integers(0, n_rules, size=n_items)
    accuracy = np.linspace(0.55, 0.9, n_ann)
    item = np.repeat(np.arange(n_items), n_ann)
    ann = np.tile(np.arange(n_ann), n_items)
    correct = rng.random(len(item)) < accuracy[ann]
    answer = np.where(correct, truth[item], rng.integers(0, n_labels, size=len(item)))
    keep = rng.random(len(item)) >= 0.10
    item, ann, answer = item[keep], ann[keep], answer[keep]
    item_ids = np.array([f"item{i:06d}" for i in range(n_items)], dtype=object)
    responses = pd.DataFrame(
        {
            "item_id": item_ids[item],
            "annotator_id": np.array([f"ann{a}" for a in range(n_ann)], dtype=object)[ann],
            "answer": labels[answer],
        }
    )
    rule_ids = np.array([f"R{r:03d}" for r in range(n_rules)], dtype=object)
    item_rules = pd.DataFrame({"item_id": item_ids, "rule_id": rule_ids[rule]})
    return responses, item_rules, list(labels)


CPU: dict[str, float] = {}


def timed(fn, *args, **kwargs):
    """Run fn; return (result, wall seconds). CPU seconds of the last call go to CPU["last"]."""
    start, cpu = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    CPU["last"] = time.process_time() - cpu
    return out, time.perf_counter() - start


def obvious_way(
    responses: pd.DataFrame, item_rules: pd.DataFrame, labels: list[str], rules: int, resamples: int
):
    """krippendorff.alpha (and irrCAC Fleiss + Gwet) per rule and per item resample; seconds per (rule, resample)."""
    import krippendorff

    merged = responses.merge(item_rules, on="item_id")
    wide_all = merged.pivot_table(
        index=["rule_id", "item_id"], columns="annotator_id", values="answer", aggfunc="first"
    )
    code = {lab: float(i) for i, lab in enumerate(labels)}
    rng = np.random.default_rng(0)
    t_alpha = t_irr = 0.0
    n_alpha = n_irr = 0
    for rule in sorted(item_rules["rule_id"].unique())[:rules]:
        wide = wide_all.loc[rule]
        matrix = wide.apply(lambda col: col.map(code)).to_numpy(dtype=float)  # items x annotators
        for _ in range(resamples):
            sample = matrix[rng.integers(0, len(matrix), len(matrix))]
            start = time.perf_counter()
            krippendorff.alpha(
                sample.T, level_of_measurement="nominal", value_domain=list(range(len(labels)))
            )
            t_alpha += time.perf_counter() - start
            n_alpha += 1
        try:  # irrCAC pins old scipy/pandas, so it is not a test dependency: time it only where installed
            from irrCAC.raw import CAC
        except ImportError:
            continue
        for _ in range(max(1, resamples // 10)):
            sample = pd.DataFrame(matrix[rng.integers(0, len(matrix), len(matrix))])
            start = time.perf_counter()
            cac = CAC(sample, categories=list(range(len(labels))))
            cac.fleiss()
            cac.gwet()
            t_irr += time.perf_counter() - start
            n_irr += 1
    return t_alpha / n_alpha, (t_irr / n_irr if n_irr else float("nan"))


def pandas_dawid_skene(responses: pd.DataFrame, n_iter: int = 100, tol: float = 1e-5) -> pd.Series:
    """Dawid-Skene the usual pandas way (group-bys every iteration), as a baseline only."""
    data = responses.rename(columns={"item_id": "task", "annotator_id": "worker", "answer": "label"})
    probas = data.groupby(["task", "label"]).size().unstack(fill_value=0)
    probas = probas.div(probas.sum(axis=1), axis=0)
    previous = -np.inf
    for _ in range(n_iter):
        joined = data.join(probas, on="task")
        errors = joined.groupby(["worker", "label"])[list(probas.columns)].sum()
        errors = errors / errors.groupby("worker").sum()
        priors = probas.mean()
        logs = data.join(np.log(errors.clip(lower=1e-10)), on=["worker", "label"])
        log_post = logs.groupby("task")[list(probas.columns)].sum() + np.log(priors.clip(lower=1e-10))
        top = log_post.max(axis=1)
        norm = np.log(np.exp(log_post.sub(top, axis=0)).sum(axis=1)) + top
        probas = np.exp(log_post.sub(norm, axis=0))
        loss = float(norm.sum())
        if abs(loss - previous) < tol:
            break
        previous = loss
    return probas.idxmax(axis=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller obvious-way sample")
    args = parser.parse_args(argv)

    from calibration.agreement.breakdown import agreement_by_rule, agreement_report
    from calibration.agreement.dawid_skene import fit_dawid_skene
    from calibration.guidelines.model import Label, Task

    responses, item_rules, labels = generate()
    task = Task(type="single_label", labels=[Label(id=x, name=x) for x in labels])
    print(f"data: {len(responses):,} answers, {responses['item_id'].nunique():,} items, 5 annotators, "
          f"{len(labels)} labels, {item_rules['rule_id'].nunique()} rules; {os.cpu_count()} cores")  # fmt: skip

    agreement_by_rule(responses.head(2000), task, item_rules, bootstrap=10)  # warm-up (imports, caches)
    lean, t_lean = timed(agreement_by_rule, responses, task, item_rules, bootstrap=1000, seed=0)
    cpu_lean = CPU["last"]
    report, t_report = timed(agreement_report, responses, task, item_rules, bootstrap=1000, seed=0)
    cpu_report = CPU["last"]
    load = os.getloadavg()[0]
    first = lean.index[1]
    assert (
        abs(lean.loc[first, "krippendorff_alpha"] - report.per_rule[first].stats.krippendorff_alpha) < 1e-12
    )
    print(
        f"load average at start: {load:.1f} (wall times grow with other work on the machine; CPU time does not)"
    )
    print(f"ours, overall + 100 rules x (alpha, Fleiss, AC1, pa) with 1000-resample CIs: {t_lean:.2f} s wall, "
          f"{cpu_lean:.2f} s CPU")  # fmt: skip
    print(f"ours, full report (also Cohen pairs, labels, annotators, confusions):        {t_report:.2f} s wall, "
          f"{cpu_report:.2f} s CPU")  # fmt: skip

    rules, resamples = (2, 10) if args.quick else (3, 30)
    per_alpha, per_irr = obvious_way(responses, item_rules, labels, rules, resamples)
    obvious_alpha = per_alpha * 100 * 1000
    obvious_irr = per_irr * 100 * 1000
    print(f"obvious way, krippendorff.alpha per rule per resample: {per_alpha * 1000:.1f} ms each, measured on "
          f"{rules} rules x {resamples} resamples, extrapolated to 100 x 1000: {obvious_alpha:.0f} s "
          f"(ratio {obvious_alpha / t_lean:.0f}x)")  # fmt: skip
    if math.isnan(per_irr):
        print(
            "obvious way, irrCAC: not installed (it pins scipy 1.12 and pandas < 3; pip install irrCAC to time it)"
        )
    else:
        print(f"obvious way, irrCAC Fleiss + Gwet per rule per resample: {per_irr * 1000:.1f} ms each, extrapolated: "
              f"{obvious_irr:.0f} s (ratio {obvious_irr / t_lean:.0f}x)")  # fmt: skip

    model, t_ds = timed(fit_dawid_skene, responses, labels)
    cpu_ds = CPU["last"]
    sub_items = responses["item_id"].unique()[:20_000]
    sub = responses[responses["item_id"].isin(sub_items)]
    _, t_pd = timed(pandas_dawid_skene, sub)
    cpu_pd = CPU["last"]
    _, t_ds_sub = timed(fit_dawid_skene, sub, labels)
    cpu_ds_sub = CPU["last"]
    print(f"Dawid-Skene, ours (numpy, sparse EM) on all 900k answers: {t_ds:.2f} s wall, {cpu_ds:.2f} s CPU, "
          f"{model.n_iter_} iterations")  # fmt: skip
    print(f"Dawid-Skene, pandas group-by EM on 20,000 items (90k answers): {t_pd:.2f} s wall / {cpu_pd:.2f} s CPU "
          f"vs ours {t_ds_sub:.2f} s / {cpu_ds_sub:.2f} s (CPU ratio {cpu_pd / cpu_ds_sub:.0f}x); crowd-kit "
          "reported 38 s on the full data (not installed here)")  # fmt: skip

    tracemalloc.start()
    agreement_by_rule(responses, task, item_rules, bootstrap=1000, seed=0)
    _, peak_lean = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    agreement_report(responses, task, item_rules=item_rules, bootstrap=1000, seed=0)
    _, peak_report = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (tracemalloc): fast path {peak_lean / 2**20:.0f} MiB, full report {peak_report / 2**20:.0f} MiB; "
          f"process max RSS {rss:.0f} MiB (data, reference libraries and all runs included)")  # fmt: skip

    with tempfile.TemporaryDirectory() as folder:
        csv = Path(folder) / "responses.csv"
        rules_csv = Path(folder) / "rules.csv"
        responses.to_csv(csv, index=False)
        item_rules.to_csv(rules_csv, index=False)
        command = [sys.executable, "-m", "calibration", "agreement", str(csv), "--item-rules", str(rules_csv),
                   "--allow-single-answers", "--json"]  # fmt: skip
        start = time.perf_counter()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
        t_cli = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_cli = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if done.returncode != 0:
            print(done.stderr)
        print(f"CLI `calibration agreement` on the 900k-row CSV (full report, 1000 resamples, JSON, imports "
              f"included): {t_cli:.2f} s wall, {cpu_cli:.2f} s CPU (exit {done.returncode}, {len(done.stdout) / 1024:.0f} KiB of JSON)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
