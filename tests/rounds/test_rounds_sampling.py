"""Overlap designs and stratified quizzes: properties over random banks, and every bundled guideline."""

from __future__ import annotations

from collections import Counter
from itertools import combinations
from math import comb
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calibration.errors import CalibrationError
from calibration.rounds.sampling import (
    QuizItem,
    pilot_design,
    quiz_bank,
    rule_counts,
    sample_quiz,
    shared_pairs,
)

ROOT = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------- pilot designs


@settings(max_examples=60, deadline=None)
@given(
    n_annotators=st.integers(2, 9),
    overlap_from=st.integers(0, 10),
    extra=st.integers(0, 30),
    seed=st.integers(0, 10**6),
)
def test_pilot_design_gives_each_item_k_annotators_and_every_pair_shares_items(
    n_annotators: int, overlap_from: int, extra: int, seed: int
) -> None:
    overlap = 2 + overlap_from % (n_annotators - 1)
    people = [f"a{i}" for i in range(n_annotators)]
    # enough item slots for every pair, with slack for the greedy design
    n_items = -(-2 * comb(n_annotators, 2) // comb(overlap, 2)) + n_annotators + extra
    items = [f"item{i}" for i in range(n_items)]
    design = pilot_design(items, people, overlap, seed)

    per_item = Counter(i for assigned in design.values() for i in assigned)
    assert set(per_item) == set(items)
    assert set(per_item.values()) == {overlap}
    assert all(len(set(assigned)) == len(assigned) for assigned in design.values())
    assert min(shared_pairs(design).values()) >= 1
    loads = [len(assigned) for assigned in design.values()]
    assert max(loads) - min(loads) <= 2
    assert design == pilot_design(items, people, overlap, seed)


def test_pilot_orders_are_seeded_per_annotator() -> None:
    items = [f"i{n}" for n in range(30)]
    one = pilot_design(items, ["ann", "bob", "cyd"], 3, seed=7)
    assert one == pilot_design(items, ["ann", "bob", "cyd"], 3, seed=7)
    assert sorted(one["ann"]) == sorted(one["bob"]) == sorted(items)
    assert one["ann"] != one["bob"]  # same items, own order
    assert pilot_design(items, ["ann", "bob", "cyd"], 3, seed=8)["ann"] != one["ann"]


def test_pilot_design_refuses_impossible_requests() -> None:
    with pytest.raises(CalibrationError) as error:
        pilot_design(["i1", "i2"], ["a", "b"], 3)
    assert error.value.message == "overlap 3 is not possible with 2 annotator(s)"
    assert error.value.hint == "choose an overlap from 2 to 2 (annotators per item)"
    with pytest.raises(CalibrationError) as few:
        pilot_design(["i1", "i2"], ["a", "b", "c", "d", "e"], 2)
    assert few.value.message == "2 item(s) with overlap 2 cannot give all 10 annotator pairs a shared item"
    assert few.value.hint == "use at least 10 items, or a larger overlap"
    with pytest.raises(CalibrationError) as apart:  # enough slots, yet two annotators never meet
        pilot_design(["i1", "i2"], ["a", "b", "c", "d", "e"], 4)
    assert apart.value.message.startswith("1 annotator pair(s) would share no item (e.g. ")
    assert (
        apart.value.hint == "add items or raise the overlap; pairwise kappa needs every pair to share items"
    )
    assert min(shared_pairs(pilot_design(["i1", "i2"], ["a", "b", "c", "d", "e"], 5)).values()) == 2
    with pytest.raises(CalibrationError, match="a pilot round needs items"):
        pilot_design([], ["a", "b"], 2)
    with pytest.raises(CalibrationError, match="annotator ids repeat: a"):
        pilot_design(["i1"], ["a", "a"], 2)


# --------------------------------------------------------------------------- quizzes

RULES = ["R1", "R2", "R3", "R4", "R5"]


@st.composite
def banks(draw: st.DrawFn) -> list[QuizItem]:
    n = draw(st.integers(1, 40))
    bank = []
    for i in range(n):
        rules = draw(st.lists(st.sampled_from(RULES), min_size=1, max_size=3, unique=True))
        bank.append(QuizItem(f"q{i}", tuple(rules), draw(st.booleans())))
    return bank


@settings(max_examples=150, deadline=None)
@given(
    bank=banks(),
    size=st.integers(1, 25),
    quota=st.integers(1, 4),
    seed=st.integers(0, 1000),
    seen_mask=st.lists(st.booleans(), min_size=40, max_size=40),
)
def test_quiz_meets_rule_quotas_and_prefers_unseen_items(
    bank: list[QuizItem], size: int, quota: int, seed: int, seen_mask: list[bool]
) -> None:
    seen = {item.id for item, flag in zip(bank, seen_mask, strict=False) if flag}
    quiz = sample_quiz(bank, size=size, min_per_rule=quota, seed=seed, seen=seen)

    assert len(quiz) == len(set(quiz))
    counts = rule_counts(quiz, bank)
    for rule in {r for item in bank for r in item.rules}:
        available = sum(rule in item.rules for item in bank)
        assert counts[rule] >= min(quota, available), rule
    assert len(quiz) >= min(size, len(bank))
    assert _seen_only_when_forced(quiz, seen, bank)
    assert quiz == sample_quiz(bank, size=size, min_per_rule=quota, seed=seed, seen=seen)


def test_quiz_prefers_edge_cases() -> None:
    bank = [QuizItem(f"e{i}", ("R1",), True) for i in range(10)] + [
        QuizItem(f"n{i}", ("R1",)) for i in range(10)
    ]
    drawn = Counter(i[0] for seed in range(300) for i in sample_quiz(bank, size=4, min_per_rule=1, seed=seed))
    # weight 3 against 1: about three edge cases per ordinary item
    assert drawn["e"] > 2 * drawn["n"]


def test_retake_targets_the_failed_rules_only() -> None:
    bank = [QuizItem(f"q{i}", (RULES[i % 5],)) for i in range(30)]
    quiz = sample_quiz(bank, size=10, min_per_rule=3, seed=1, target_rules=["R2", "R4"])
    counts = rule_counts(quiz, bank)
    assert set(counts) == {"R2", "R4"}
    assert counts["R2"] >= 3 and counts["R4"] >= 3
    assert len(quiz) == 10
    with pytest.raises(CalibrationError) as error:
        sample_quiz(bank, size=10, min_per_rule=3, target_rules=["R9"])
    assert error.value.message == "no quiz item exercises the rule(s) R9"


def test_quiz_refuses_a_bad_policy() -> None:
    with pytest.raises(CalibrationError, match="a quiz needs size >= 1 and min_per_rule >= 1, got size=0"):
        sample_quiz([QuizItem("q", ("R1",))], size=0, min_per_rule=1)


def _bundled() -> list[Path]:
    return sorted(ROOT.glob("guidelines/*/*.yaml"))


@pytest.mark.parametrize("path", _bundled(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_stratification_holds_for_every_bundled_guideline(path: Path) -> None:
    from calibration.guidelines.loading import load_guideline

    guideline = load_guideline(path)
    bank = quiz_bank(guideline)
    policy = guideline.calibration
    for seed in range(5):
        quiz = sample_quiz(
            bank, size=policy.items_per_quiz, min_per_rule=policy.min_items_per_rule, seed=seed
        )
        counts = rule_counts(quiz, bank)
        for rule in guideline.rule_ids:
            available = sum(rule in item.rules for item in bank)
            assert counts[rule] >= min(policy.min_items_per_rule, available), (rule, seed)
        assert len(quiz) >= min(policy.items_per_quiz, len(bank))
        # a second attempt avoids the first one's items while unseen ones remain
        again = sample_quiz(
            bank, size=policy.items_per_quiz, min_per_rule=policy.min_items_per_rule, seed=seed, seen=quiz
        )
        assert _seen_only_when_forced(again, set(quiz), bank)


def _seen_only_when_forced(quiz: list[str], seen: set[str], bank: list[QuizItem]) -> bool:
    """Every seen item in `quiz` was forced: no unseen item was left out, or one of its rules had none."""
    chosen = set(quiz)
    unseen_left = [i for i in bank if i.id not in seen and i.id not in chosen]
    by_id = {i.id: i for i in bank}
    return all(
        not unseen_left or any(all(rule not in i.rules for i in unseen_left) for rule in by_id[item_id].rules)
        for item_id in chosen & seen
    )


def test_pairs_helper_counts_shared_items() -> None:
    pairs = shared_pairs({"a": ["1", "2"], "b": ["2"], "c": []})
    assert pairs == {frozenset(("a", "b")): 1, frozenset(("a", "c")): 0, frozenset(("b", "c")): 0}
    assert len(pairs) == len(list(combinations("abc", 2)))
