"""bench/queue_features.py: the per-rule features the queue's score was designed on (offline)."""

from __future__ import annotations

import pandas as pd

from tests.bench_scripts import bench_script


def test_one_row_per_rule_with_its_hidden_kind_and_every_score_part(tmp_path) -> None:
    features = bench_script("queue_features")
    quality = bench_script("queue_quality")
    rows = features.pilot_features("hard", 5, bootstrap=20)
    frame = pd.DataFrame(rows)
    sim = quality.simulate("hard", 5)
    assert sorted(frame["rule_id"]) == sorted(r.rule_id for r in sim.rules)
    assert dict(zip(frame["rule_id"], frame["kind"], strict=True)) == {r.rule_id: r.kind for r in sim.rules}
    assert {
        "percent_agreement",
        "gwet_ac1",
        "split_z",
        "part_agreement",
        "part_answer_direction",
        "gold_z",
        "drop_z",
    } <= set(frame)
    assert list(frame["rank"]) == list(range(1, len(frame) + 1))
    out = tmp_path / "features.csv"
    assert (
        features.main(
            ["--pilots", "1", "--seed", "5", "--scenarios", "silent", "--bootstrap", "20", "--out", str(out)]
        )
        == 0
    )
    written = pd.read_csv(out)
    assert set(written["scenario"]) == {"silent"} and len(written) >= 8
