"""Single-answer items (--allow-single-answers) and the chance terms of Fleiss, AC1 and BP (issue 11)."""

from __future__ import annotations

import numpy as np
import pytest

from calibration.agreement.breakdown import agreement_report
from calibration.guidelines.model import Label, Task
from calibration.responses import responses_frame

TASK = Task(type="single_label", labels=[Label(id=x, name=x) for x in "AB"])


def _gwet(counts: np.ndarray, q: int) -> dict[str, float]:
    """Gwet (2014) missing-data formulas, written out independently: pa over items with 2+ answers,
    pi over every answered item."""
    r = counts.sum(axis=1)
    pairable = r >= 2
    pa = np.mean(
        [(c * (c - 1)).sum() / (n * (n - 1)) for c, n in zip(counts[pairable], r[pairable], strict=True)]
    )
    pi = (counts[r > 0] / r[r > 0, None]).mean(axis=0)
    pe_f = (pi**2).sum()
    pe_g = (pi * (1 - pi)).sum() / (q - 1)
    return {
        "fleiss_kappa": (pa - pe_f) / (1 - pe_f),
        "gwet_ac1": (pa - pe_g) / (1 - pe_g),
        "brennan_prediger": (pa - 1 / q) / (1 - 1 / q),
    }


def test_pairable_items_in_one_category_and_a_single_answer_in_another():
    rows = [{"item_id": f"i{i}", "annotator_id": f"a{a}", "answer": "A"} for i in range(10) for a in range(2)]
    rows.append({"item_id": "i10", "annotator_id": "a0", "answer": "B"})
    report = agreement_report(responses_frame(rows), TASK, bootstrap=0)
    counts = np.array([[2, 0]] * 10 + [[0, 1]], dtype=float)
    expected = _gwet(counts, 2)
    for name, value in expected.items():
        assert value == pytest.approx(1.0)  # irrCAC 0.4.4 gives 1.0 for all three (recorded)
        assert report.overall.to_dict()[name] == pytest.approx(value)
    assert report.overall.to_dict()["krippendorff_alpha"] is None
    assert "undefined_single_category" in report.overall.to_dict()["flags"]


def test_every_answer_in_one_category_is_still_undefined():
    rows = [{"item_id": f"i{i}", "annotator_id": f"a{a}", "answer": "A"} for i in range(10) for a in range(2)]
    report = agreement_report(responses_frame(rows), TASK, bootstrap=0)
    for name in ("fleiss_kappa", "gwet_ac1", "brennan_prediger", "krippendorff_alpha"):
        assert report.overall.to_dict()[name] is None
    assert "undefined_single_category" in report.overall.to_dict()["flags"]
