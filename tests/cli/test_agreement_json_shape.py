"""`calibration agreement --json` has the shape the issue states, in every block, with gold."""

from __future__ import annotations

import json
import math
from pathlib import Path

from calibration.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples/agreement"
KEYS = {
    "n_items",
    "n_annotators",
    "n_annotations",
    "percent_agreement",
    "cohen_kappa_mean",
    "fleiss_kappa",
    "krippendorff_alpha",
    "gwet_ac1",
    "ci95",
    "flags",
    "gold_accuracy",
    "gold_kappa",
}
INTERVALS = {"percent_agreement", "fleiss_kappa", "krippendorff_alpha", "gwet_ac1"}


def test_every_block_has_the_stated_keys_intervals_and_gold(capsys) -> None:
    argv = [
        "agreement",
        str(EXAMPLE / "contract-pilot.csv"),
        "--item-rules",
        str(EXAMPLE / "contract-item-rules.csv"),
    ]
    argv += ["--gold", str(EXAMPLE / "contract-gold.csv"), "--bootstrap", "100", "--seed", "3", "--json"]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data) == ["overall", "per_rule", "per_label", "per_annotator"]
    blocks = [("overall", data["overall"])]
    for section in ("per_rule", "per_label", "per_annotator"):
        assert data[section], section
        blocks += [(f"{section}.{name}", block) for name, block in data[section].items()]
    for where, block in blocks:
        assert set(block) >= KEYS, (where, sorted(KEYS - set(block)))
        assert isinstance(block["flags"], list) and all(isinstance(f, str) for f in block["flags"])
        assert isinstance(block["n_items"], int) and block["n_annotations"] >= block["n_items"]
        for name, interval in block["ci95"].items():
            low, high = interval
            assert low <= high and all(math.isfinite(x) for x in interval), (where, name)
        defined = {name for name in INTERVALS if block[name] is not None}
        if "few_items" not in block["flags"]:
            assert defined <= set(block["ci95"]), (where, sorted(defined - set(block["ci95"])))
    for block in (data["overall"], data["per_rule"]["R-INDEM"]):
        assert "cohen_kappa_mean" in block["ci95"] and block["gold_kappa"] is not None
    assert data["per_annotator"]["annotator-1"]["gold_kappa"] is not None
    assert all("cohen_kappa_mean" in b["ci95"] for b in data["per_annotator"].values())
    assert data["per_label"]["INDEMNIFICATION"]["gold_kappa"] is not None
