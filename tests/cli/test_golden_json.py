"""`calibration agreement`, `ambiguity` and `compare --json` on the bundled examples match golden files byte for byte.

The golden files under ``tests/golden/`` pin the JSON a refactor must keep. To change them on
purpose (a new key, a new statistic), regenerate and review the diff::

    CALIBRATION_UPDATE_GOLDEN=1 python -m pytest tests/cli/test_golden_json.py tests/cli/test_golden_json_simulated.py
"""

from __future__ import annotations

from pathlib import Path

import pytest

from calibration.cli.main import main
from tests.golden_files import check_golden

ROOT = Path(__file__).resolve().parents[2]
PILOT = str(ROOT / "examples/agreement/contract-pilot.csv")
RULES = str(ROOT / "examples/agreement/contract-item-rules.csv")
GOLD = str(ROOT / "examples/agreement/contract-gold.csv")
OLD = str(ROOT / "guidelines/contract-clauses/1.0.0.yaml")
NEW = str(ROOT / "guidelines/contract-clauses/1.1.0.yaml")

CASES = {
    "agreement-item-rules-gold": ["agreement", PILOT, "--item-rules", RULES, "--gold", GOLD],
    "agreement-guideline": ["agreement", PILOT, "--guideline", NEW, "--bootstrap", "300", "--seed", "2"],
    "agreement-ordinal-no-bootstrap": [
        "agreement",
        PILOT,
        "--item-rules",
        RULES,
        "--level",
        "ordinal",
        "--bootstrap",
        "0",
    ],
    "ambiguity-guideline": ["ambiguity", PILOT, "--guideline", NEW],
    "ambiguity-item-rules-gold": ["ambiguity", PILOT, "--item-rules", RULES, "--gold", GOLD, "--top", "2"],
    "compare-guidelines": ["compare", PILOT, PILOT, "--guideline", OLD, "--guideline", NEW],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_json_matches_the_golden_file(name, capsys) -> None:
    assert main([*CASES[name], "--json"]) == 0
    check_golden(name, capsys.readouterr().out)
