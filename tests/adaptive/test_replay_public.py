"""bench/replay_public.py on a synthetic file shaped like the Snow et al. (2008) release (not the real
data): the conversion feeds the CLI's quiz and pilot replays, and the report has every figure."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.bench_scripts import bench_script

ROOT = Path(__file__).resolve().parents[2]


def _bench() -> Any:
    return bench_script("replay_public")


bench = _bench()
HEADER = ["!amt_annotation_ids", "!amt_worker_ids", "orig_id", "response", "gold"]


def _write(path: Path, codes: tuple[str, str] = ("0", "1"), items: int = 60, seed: int = 0) -> Path:
    """`items` items x 10 workers out of 16 (HIT h: workers 5h to 5h+9 mod 16), in HITs of 20 items; 12 good workers (95% right), 4
    spammers (coin flips)."""
    rng = np.random.default_rng(seed)
    skill = [0.95] * 12 + [0.5] * 4
    gold = rng.integers(0, 2, items)
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle, delimiter="\t")
        out.writerow(HEADER)
        for hit in range(0, items, 20):
            for worker in ((hit // 20 * 5 + k) % 16 for k in range(10)):
                for item in range(hit, min(hit + 20, items)):
                    right = rng.random() < skill[worker]
                    answer = gold[item] if right else 1 - gold[item]
                    out.writerow(
                        [
                            f"ann{hit}-{worker}-{item}",
                            f"W{worker:02d}",
                            100 + item,
                            codes[answer],
                            codes[gold[item]],
                        ]
                    )
    return path


def test_conversion_writes_the_long_csv_and_a_one_rule_guideline(tmp_path):
    rows = bench.read_tsv(_write(tmp_path / "rte.tsv"))
    responses, guideline = bench.convert(rows, "rte", tmp_path, 0.7, 0.8)
    with responses.open(encoding="utf-8") as handle:
        long = list(csv.DictReader(handle))
    assert len(long) == 600 and set(long[0]) == {"item_id", "annotator_id", "answer"}
    assert {row["answer"] for row in long} == {"entails", "not_entails"}
    from calibration.guidelines.loading import load_guideline

    loaded = load_guideline(guideline)
    assert loaded.task.type == "single_label" and [r.id for r in loaded.rules] == ["R-ENTAIL"]
    gold = loaded.gold_answers()
    assert len(gold) == 60 and gold["rte-100"] == ("entails" if rows[0]["gold"] == "1" else "not_entails")


@pytest.mark.parametrize(("task", "codes"), [("rte", ("0", "1")), ("temp", ("1", "2"))])
def test_replays_report_every_policy(tmp_path, task, codes, capsys):
    path = _write(tmp_path / f"{task}.tsv", codes)
    result = bench.replay(path, task)
    assert (result["answers"], result["items"], result["workers"]) == (600, 60, 16)
    assert set(result["quiz"]) == {"fixed", "adaptive"}
    for data in result["quiz"].values():
        assert set(data["annotators"]) == set(result["accuracy"])
        for row in data["annotators"].values():
            assert 0 < row["items_used"] <= row["items_available"]
    assert result["quiz"]["fixed"]["summary"]["items_used_mean"] == 20.0  # items_per_quiz
    assert len(result["pilot"]) == 2  # the target 0.8 and one near the observed alpha
    for policies in result["pilot"].values():
        assert set(policies) == {"uniform", "adaptive"}
        for data in policies.values():
            assert 0 < data["answers_used"] <= data["answers_available"] == 600
            assert data["answers_used"] % 10 == 0  # whole items, 10 answers each
    # the spammers pull the per-answer accuracy down, the good workers hold the median up
    accuracy = sorted(a for _, a in result["accuracy"].values())
    assert accuracy[-1] > 0.85 and accuracy[0] < 0.75
    assert bench.main([str(path), "--task", task]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{task}: 600 answers, 60 items, 16 workers")
    assert sum("items used" in line and "certified (pass)" in line for line in out) == 2
    assert sum("answers used" in line and "of 600" in line for line in out) == 4


def test_a_code_of_the_other_task_is_one_line(tmp_path):
    path = _write(tmp_path / "temp.tsv", ("1", "2"))
    with pytest.raises(SystemExit) as stop:
        bench.read_tsv(path, "rte")
    message = str(stop.value)
    assert "\n" not in message and re.search(
        r"temp.tsv line \d+: (response|gold) is '2', expected 0 or 1", message
    )
    with pytest.raises(SystemExit, match="no such file"):
        bench.read_tsv(tmp_path / "missing.tsv")
