"""A per-label block of a label nobody chose is flagged undefined (issue 11)."""

from __future__ import annotations

from calibration.agreement.breakdown import agreement_report
from calibration.guidelines.model import Label, Task
from calibration.responses import responses_frame


def test_unchosen_label_block_is_flagged_undefined():
    task = Task(type="single_label", labels=[Label(id=x, name=x) for x in "ABC"])
    rows = [
        {"item_id": f"i{i}", "annotator_id": f"a{a}", "answer": "A" if (i + a) % 3 else "B"}
        for i in range(12)
        for a in range(3)
    ]
    report = agreement_report(responses_frame(rows), task, bootstrap=0)
    block = report.per_label["C"].to_dict()
    for name in ("fleiss_kappa", "krippendorff_alpha", "gwet_ac1"):
        assert block[name] is None
    assert "undefined_single_category" in block["flags"]
    assert "undefined_single_category" not in report.per_label["A"].to_dict()["flags"]
