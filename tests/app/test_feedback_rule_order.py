"""Quiz feedback opens the rule that governs the gold label first (cc-018: R-INDEM before R-IP)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from calibration.app.navigation import APP_ROOT
from calibration.guidelines.loading import load_guideline

CONTRACTS = APP_ROOT / "guidelines" / "contract-clauses" / "1.1.0.yaml"


def _feedback_rules(path: str, item_id: str) -> None:
    from calibration.app.widgets.feedback import show_rules_of
    from calibration.guidelines.loading import load_guideline

    guideline = load_guideline(path)
    show_rules_of(guideline, guideline.item(item_id))


def test_the_rule_of_the_gold_label_comes_first_and_alone_is_open():
    at = AppTest.from_function(_feedback_rules, args=(str(CONTRACTS), "cc-018"), default_timeout=30).run()
    assert not at.exception, at.exception
    labels = [e.label for e in at.expander]
    assert labels[0].startswith("Rule R-INDEM") and labels[1].startswith("Rule R-IP")
    assert [e.proto.expanded for e in at.expander] == [True, False]


def test_feedback_rules_fall_back_to_the_items_order():
    guideline = load_guideline(CONTRACTS)
    item = guideline.item("cc-018")
    assert item.rules == ["R-IP", "R-INDEM"] and item.answer == "INDEMNIFICATION"
    assert [r.id for r in guideline.feedback_rules(item)] == ["R-INDEM", "R-IP"]
    withheld = item.model_copy(update={"answer": None})  # no gold: the item's own order
    assert [r.id for r in guideline.feedback_rules(withheld)] == ["R-IP", "R-INDEM"]
