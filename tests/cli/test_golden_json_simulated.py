"""`calibration ambiguity` and `compare --json` on the simulated pilots match golden files byte for byte.

The simulated pilots carry confidence, unclear flags, comments and times, so every ambiguity signal
shows in the JSON (the bundled examples have answers only; see tests/cli/test_golden_json.py).
``CALIBRATION_UPDATE_GOLDEN=1`` rewrites the files under ``tests/golden/`` on purpose.
"""

from __future__ import annotations

from calibration.cli.main import main
from tests.cli.pilot_files import write_pilot
from tests.golden_files import check_golden


def test_ambiguity_json_on_the_simulated_pilot(tmp_path, pilot, capsys) -> None:
    files = write_pilot(tmp_path, pilot, "old")
    args = ["ambiguity", files["responses"], "--item-rules", files["map"], "--gold", files["gold"]]
    assert main([*args, "--bootstrap", "200", "--json"]) == 0
    check_golden("ambiguity-simulated", capsys.readouterr().out)


def test_compare_json_on_the_simulated_pilots(tmp_path, pilot, revised_pilot, capsys) -> None:
    old, new = write_pilot(tmp_path, pilot, "old"), write_pilot(tmp_path, revised_pilot, "new")
    args = ["compare", old["responses"], new["responses"], "--item-rules", old["map"], "--gold", old["gold"]]
    assert main([*args, "--bootstrap", "200", "--json"]) == 0
    check_golden("compare-simulated", capsys.readouterr().out)
