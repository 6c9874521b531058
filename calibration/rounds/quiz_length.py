"""How long a calibration round's quizzes will be, and why that can differ from the items per quiz asked for.

`sample_quiz` gives every rule its quota of items (``min_items_per_rule``) before it fills the quiz
up to ``items_per_quiz``, and the quotas win: a guideline with 6 rules and 2 items per rule gives
quizzes of about 12 items even when 6 were asked for. An item tagged with several rules counts for
each, so the length varies from quiz to quiz. This module tells the lead before the round exists.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from calibration.rounds import sampling

if TYPE_CHECKING:
    from calibration.guidelines.model import Guideline

DRAWS = 200
"""Quizzes drawn (with seeds of their own) to find the range of lengths (about 0.1 s for a bank of 40)."""


@dataclass(frozen=True)
class QuizLength:
    """The lengths a round's first quizzes will have.

    Attributes:
        requested: items per quiz asked for (the round's setting, else the guideline's policy).
        min_per_rule: items each rule gets at least.
        rules: rules that have quiz items.
        bank: quiz items with a gold answer.
        shortest, longest: the range of lengths over `DRAWS` seeded draws (a first attempt, no item
            seen before; retakes target the failed rules and are shorter); for an adaptive quiz, the
            rules' quotas and ``max_items`` (or the bank).
        adaptive: ``calibration.policy: adaptive``: the length depends on the answers.
    """

    requested: int
    min_per_rule: int
    rules: int
    bank: int
    shortest: int
    longest: int
    adaptive: bool = False

    @property
    def changed(self) -> bool:
        """Whether some quizzes will not have the number of items asked for (never said of an
        adaptive quiz: its length is not asked for)."""
        return not self.adaptive and not self.shortest == self.longest == self.requested

    def sentence(self) -> str:
        """What the lead reads next to the setting, e.g. "Quizzes will have about 11 to 13 items, not 6: ..."."""
        if self.adaptive:
            return (
                f"Adaptive quizzes: items are chosen one at a time until each of the {self.rules} rules "
                f"is decided, at least {self.min_per_rule} per rule and at most {self.longest} items in "
                "all; clear passes and fails stop early. The items per quiz setting is not used."
            )
        if self.shortest == self.longest:
            length = f"{self.shortest} items"
        else:  # a range seen over DRAWS draws: a rare quiz may fall just outside it
            length = f"about {self.shortest} to {self.longest} items"
        if not self.changed:
            return f"Quizzes will have {length}."
        asked = "" if self.shortest <= self.requested <= self.longest else f", not {self.requested}"
        if self.longest <= self.bank <= self.requested:
            return (
                f"Quizzes will have {length}{asked}: the guideline has only {self.bank} quiz items "
                "with a gold answer."
            )
        plural = "s" if self.min_per_rule != 1 else ""
        hint = " Lower the items per rule for shorter quizzes." if self.min_per_rule > 1 else ""
        return (
            f"Quizzes will have {length}{asked}: each of the {self.rules} rules gets at least "
            f"{self.min_per_rule} item{plural} first ({self.rules} × {self.min_per_rule} = "
            f"{self.rules * self.min_per_rule} rule slots; an item under two rules fills two).{hint}"
        )


def adaptive_most_items(guideline: Guideline) -> int:
    """The most items an adaptive quiz on `guideline` can ask: ``max_items``, or its quiz bank when
    smaller (what the quiz page and Home say, "at most N items")."""
    return min(guideline.calibration.max_items, len(sampling.quiz_bank(guideline)))


def quiz_length(
    guideline: Guideline, items_per_quiz: int | None = None, min_items_per_rule: int | None = None
) -> QuizLength:
    """The lengths of the quizzes a calibration round on `guideline` will draw.

    Args:
        guideline: the round's guideline version.
        items_per_quiz, min_items_per_rule: the round's settings; None (or 0) means the guideline's policy,
            as in `calibration.rounds.service.create_calibration_round`.

    Returns:
        A `QuizLength`; its `sentence` explains a length other than the one asked for.

    Raises:
        CalibrationError: a setting below 1 (from `sampling.sample_quiz`).
    """
    size = items_per_quiz or guideline.calibration.items_per_quiz
    per_rule = min_items_per_rule or guideline.calibration.min_items_per_rule
    bank = sampling.quiz_bank(guideline)
    rules = Counter(rule for item in bank for rule in set(item.rules))
    if not bank:
        return QuizLength(size, per_rule, 0, 0, 0, 0)
    if guideline.calibration.policy == "adaptive":
        longest = adaptive_most_items(guideline)
        return QuizLength(
            size, per_rule, len(rules), len(bank), min(len(rules) * per_rule, longest), longest, adaptive=True
        )
    lengths = [
        len(sampling.sample_quiz(bank, size=size, min_per_rule=per_rule, seed=f"length:{draw}"))
        for draw in range(DRAWS)
    ]
    return QuizLength(size, per_rule, len(rules), len(bank), min(lengths), max(lengths))
