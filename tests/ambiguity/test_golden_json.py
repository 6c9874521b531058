"""`calibration ambiguity` and `compare --json` on the simulated pilots match golden files byte for byte.

The simulated pilots carry confidence, unclear flags, comments and times, so every ambiguity signal
shows in the JSON (the bundled examples have answers only; see tests/cli/test_golden_json.py).
``CALIBRATION_UPDATE_GOLDEN=1`` rewrites the files under ``tests/golden/`` on purpose.
"""

from __future__ import annotations

from calibration.answers import dump_cell
from calibration.cli.main import main
from tests.golden_files import check_golden


def _write(folder, pilot, name):
    responses = pilot.responses.copy()
    responses["answer"] = [dump_cell("single_label", a) for a in responses["answer"]]
    paths = {
        "responses": folder / f"{name}.csv",
        "map": folder / f"{name}-map.csv",
        "gold": folder / f"{name}-gold.csv",
    }
    responses.to_csv(paths["responses"], index=False)
    pilot.item_rules.to_csv(paths["map"], index=False)
    pilot.gold.rename("answer").reset_index().to_csv(paths["gold"], index=False)
    return {k: str(v) for k, v in paths.items()}


def test_ambiguity_json_on_the_simulated_pilot(tmp_path, pilot, capsys) -> None:
    files = _write(tmp_path, pilot, "old")
    args = ["ambiguity", files["responses"], "--item-rules", files["map"], "--gold", files["gold"]]
    assert main([*args, "--bootstrap", "200", "--json"]) == 0
    check_golden("ambiguity-simulated", capsys.readouterr().out)


def test_compare_json_on_the_simulated_pilots(tmp_path, pilot, revised_pilot, capsys) -> None:
    old, new = _write(tmp_path, pilot, "old"), _write(tmp_path, revised_pilot, "new")
    args = ["compare", old["responses"], new["responses"], "--item-rules", old["map"], "--gold", old["gold"]]
    assert main([*args, "--bootstrap", "200", "--json"]) == 0
    check_golden("compare-simulated", capsys.readouterr().out)
