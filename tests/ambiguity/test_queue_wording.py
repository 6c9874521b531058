"""The revision queue's words: counted items, groups without sort numbers, what a fired flag adds."""

from __future__ import annotations

from calibration.ambiguity.queue import GROUP_NAMES, GROUPS, points_text
from calibration.ambiguity.signals import few_items


def test_few_items_counts_its_items_in_proper_english():
    assert few_items(1).message.startswith("only 1 item with two or more answers")
    assert few_items(2).message.startswith("only 2 items with two or more answers")
    assert "item(s)" not in few_items(0).message


def test_groups_read_as_words_without_their_sort_number():
    """A tester read "2 likely ambiguous (few items)": the order is the rank's, not a number in the name."""
    assert [GROUP_NAMES[g] for g in GROUPS] == [
        "revise",
        "likely ambiguous (few items)",
        "no action",
        "pilot more items",
    ]


def test_a_flag_no_different_from_the_other_rules_does_not_read_plus_zero():
    """low_confidence fires at a mean confidence of 3 of 5 or lower even when every rule is as low: its
    part of the score (the separation, in standard errors) is then 0, which read "(+0.0)"."""
    for code in ("low_confidence", "flagged_unclear", "long_time"):
        for separation in (0.0, 0.04, -0.049):
            text = points_text(code, separation)
            assert "+0.0" not in text and "-0.0" not in text
            assert text.startswith("no different from the other rules")
    assert points_text("low_confidence", 0.06) == "+0.1 standard errors from the other rules"
    assert points_text("flagged_unclear", -0.1) == "-0.1 standard errors from the other rules"
    assert points_text("no_edge_cases", 0.5) == "+0.5"  # fixed points, not a separation
    assert points_text("few_items", 0.0) == "adds nothing to the score"  # it sets the group instead
