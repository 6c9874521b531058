"""The quiz length a calibration round will give, and the sentence that says why it is not the one asked for."""

from __future__ import annotations

from typing import Any

from calibration.guidelines.model import Guideline
from calibration.rounds import sampling
from calibration.rounds.quiz_length import quiz_length


def test_rule_quotas_make_quizzes_longer_than_asked_and_the_sentence_says_why(
    tiny_guideline: Guideline,
) -> None:
    # 3 rules x 2 items each come first; one item is under two rules, so 5 or 6 items, not 2
    length = quiz_length(tiny_guideline, items_per_quiz=2)
    assert (length.requested, length.min_per_rule, length.rules, length.bank) == (2, 2, 3, 12)
    assert (length.shortest, length.longest) == (5, 6)
    assert length.changed
    assert length.sentence() == (
        "Quizzes will have about 5 to 6 items, not 2: each of the 3 rules gets at least 2 items first "
        "(3 × 2 = 6 rule slots; an item under two rules fills two). Lower the items per rule for shorter quizzes."
    )


def test_the_policy_length_is_kept_when_the_quotas_fit(tiny_guideline: Guideline) -> None:
    length = quiz_length(tiny_guideline)  # policy: 6 per quiz, 2 per rule
    assert (length.shortest, length.longest, length.changed) == (6, 6, False)
    assert length.sentence() == "Quizzes will have 6 items."
    assert quiz_length(tiny_guideline, 3, 1).sentence() == ("Quizzes will have 3 items.")


def test_a_small_bank_caps_the_length(tiny_guideline: Guideline) -> None:
    length = quiz_length(tiny_guideline, items_per_quiz=50, min_items_per_rule=1)
    assert (
        length.sentence()
        == "Quizzes will have 12 items, not 50: the guideline has only 12 quiz items with a gold answer."
    )


def test_drawn_quizzes_fall_in_the_announced_range(tiny_guideline: Guideline) -> None:
    length = quiz_length(tiny_guideline, items_per_quiz=2)
    bank = sampling.quiz_bank(tiny_guideline)
    drawn = {len(sampling.sample_quiz(bank, size=2, min_per_rule=2, seed=f"x:{n}")) for n in range(50)}
    assert drawn <= set(range(length.shortest, length.longest + 1))


def test_the_round_settings_override_the_policy(store: Any, tiny_guideline: Guideline) -> None:
    from calibration.rounds import service

    service.publish_guideline(store.engine, tiny_guideline, store.lead)
    round_ = service.create_calibration_round(
        store.engine, "q", "tiny@1.0.0", actor=store.lead, items_per_quiz=4, min_items_per_rule=1
    )
    length = quiz_length(
        tiny_guideline, round_.settings["items_per_quiz"], round_.settings["min_items_per_rule"]
    )
    assert (length.shortest, length.longest) == (4, 4)


def test_an_adaptive_quiz_announces_its_bounds_not_a_length(tiny_guideline_data: Any) -> None:
    adaptive = Guideline.model_validate(tiny_guideline_data(policy="adaptive", max_items=10))
    length = quiz_length(adaptive, items_per_quiz=2)
    assert (length.adaptive, length.shortest, length.longest, length.changed) == (True, 6, 10, False)
    assert length.sentence() == (
        "Adaptive quizzes: items are chosen one at a time until each of the 3 rules is decided, at least 2 "
        "per rule and at most 10 items in all; clear passes and fails stop early. The items per quiz "
        "setting is not used."
    )
    assert (
        quiz_length(Guideline.model_validate(tiny_guideline_data(policy="adaptive"))).longest == 12
    )  # the bank
