"""Record irrCAC's values for the reference tests into ``irrcac.json`` (run by hand, not by pytest).

irrCAC 0.4.4 pins ``scipy==1.12`` and ``pandas<3``, which would downgrade the runtime libraries, so it is
not a test dependency: its values are recorded once, in an environment of its own, and the tests compare
against this file. To record again (say for a new irrCAC release)::

    python3 -m venv /tmp/irrcac && /tmp/irrcac/bin/pip install irrCAC==0.4.4
    /tmp/irrcac/bin/python tests/agreement/reference/record_irrcac.py

The file keeps the inputs too (irrCAC's shipped datasets), so the tests need nothing from irrCAC.
"""

from __future__ import annotations

import json
import platform
import sys
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
from irrCAC import datasets
from irrCAC.raw import CAC

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent))
from tests.agreement.agreement_reference import BEN_GERRY, K2011_C  # noqa: E402

DIGITS = 10
SHIPPED = ("raw_5observers", "raw_g1g2", "raw_gender")


def estimates(cac: CAC) -> dict[str, float]:
    """Each coefficient irrCAC computes on raw data, with Gwet's percent agreement."""
    gwet = cac.gwet()["est"]
    return {
        "fleiss_kappa": cac.fleiss()["est"]["coefficient_value"],
        "gwet_ac1": gwet["coefficient_value"],
        "brennan_prediger": cac.bp()["est"]["coefficient_value"],
        "krippendorff_alpha": cac.krippendorff()["est"]["coefficient_value"],
        "percent_agreement": gwet["pa"],
    }


def cell(value: object) -> object:
    if isinstance(value, float) and np.isnan(value):
        return None
    return value.item() if isinstance(value, np.generic) else value


def main() -> None:
    out: dict[str, object] = {
        "provenance": {
            "library": f"irrCAC {version('irrCAC')}",
            "with": f"scipy {version('scipy')}, pandas {version('pandas')}, numpy {version('numpy')}, "
            f"Python {platform.python_version()}",
            "digits": DIGITS,
            "recorded_by": "tests/agreement/reference/record_irrcac.py",
        }
    }
    ben_gerry = pd.DataFrame({"ben": BEN_GERRY[0], "gerry": BEN_GERRY[1]})
    out["ben_gerry"] = estimates(CAC(ben_gerry, digits=DIGITS))
    k2011 = pd.DataFrame(np.array(K2011_C, float).T, columns=["a", "b", "c", "d"])
    k2011_out = estimates(CAC(k2011, digits=DIGITS, categories=[1, 2, 3, 4, 5]))
    for kind in ("linear", "quadratic"):
        weighted = CAC(k2011, digits=DIGITS, weights=kind, categories=[1, 2, 3, 4, 5])
        k2011_out[f"gwet_ac2_{kind}"] = weighted.gwet()["est"]["coefficient_value"]
    out["k2011_c"] = k2011_out
    # the same data with six declared categories (one never used): AC1 and BP move, Fleiss does not
    out["k2011_c_six_categories"] = estimates(CAC(k2011, digits=DIGITS, categories=[1, 2, 3, 4, 5, 6]))
    shipped = {}
    for name in SHIPPED:
        frame = getattr(datasets, name)().reset_index(drop=True)
        categories = sorted({v for v in frame.stack().dropna().tolist()}, key=str)
        shipped[name] = {
            "columns": [str(c) for c in frame.columns],
            "rows": [[cell(v) for v in row] for row in frame.itertuples(index=False)],
            "categories": [cell(c) for c in categories],
            "estimates": estimates(CAC(frame, digits=DIGITS, categories=categories)),
        }
    out["shipped_datasets"] = shipped
    (HERE / "irrcac.json").write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
