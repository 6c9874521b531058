"""Span items where nobody marked a span count, like the multi-label analogue (issue 11)."""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest

from calibration.agreement.breakdown import agreement_report
from calibration.guidelines.model import Label, Task
from calibration.responses import responses_frame

LABELS = [Label(id="PER", name="PER"), Label(id="ORG", name="ORG")]


def _report(kind: str, answer_of):
    rows = [
        {"item_id": f"i{i:02d}", "annotator_id": f"a{a}", "answer": answer_of(i, a)}
        for i in range(15)
        for a in range(3)
    ]
    return agreement_report(responses_frame(rows), Task(type=kind, labels=LABELS), bootstrap=0)


@pytest.mark.parametrize("kind", ["span", "multi_label"])
def test_items_with_empty_answers_count(kind):
    report = _report(kind, lambda i, a: [])
    block = report.overall.to_dict()
    assert block["n_items"] == 15 and block["n_annotations"] == 45 and block["n_pairable_items"] == 15
    assert "few_items" not in block["flags"]
    assert "undefined_single_category" in block["flags"]


def test_empty_span_items_are_agreeing_units_in_alpha():
    # items 0-4: a0 and a1 mark chars 0-2 as PER, a2 marks nothing; items 5-14: nobody marks anything
    def answer(i, a):
        return [(0, 2, "PER")] if i < 5 and a < 2 else []

    report = _report("span", answer)
    # reference: units = (item 0-4, char 0), (item 0-4, char 1), one unit per empty item; O = 0, PER = 1
    data = [[1.0, 1.0, 0.0]] * 10 + [[0.0, 0.0, 0.0]] * 10
    expected = krippendorff.alpha(reliability_data=np.array(data).T, level_of_measurement="nominal")
    assert report.overall.to_dict()["krippendorff_alpha"] == pytest.approx(expected, abs=1e-12)
