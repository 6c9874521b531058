"""Tokens of span inputs: possessives and punctuation split, offsets exact, every bundled gold span selectable."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calibration.demo import GUIDELINES_DIR
from calibration.guidelines.checks import span_boundary_problems
from calibration.guidelines.loading import load_guideline
from calibration.tokens import boundary_problem, snap, tokenize

BUNDLED_SPAN_GUIDELINES = [
    path for path in sorted(GUIDELINES_DIR.glob("*/*.yaml")) if load_guideline(path).task.type == "span"
]


def _tokens(text: str) -> list[str]:
    return [text[start:end] for start, end in tokenize(text)]


def test_possessives_and_punctuation_are_tokens_of_their_own():
    assert _tokens("Mrs. Evelyn Stroud's file, Amara Nwosu\u2019s too (Lane').") == [
        "Mrs", ".", "Evelyn", "Stroud", "'s", "file", ",", "Amara", "Nwosu", "\u2019s", "too",
        "(", "Lane", "'", ")", ".",
    ]  # fmt: skip


def test_emails_ids_and_phone_groups_stay_whole():
    assert _tokens("Mail zed.quill@example.org, ACC-88123 or 555-0142.") == [
        "Mail", "zed.quill@example.org", ",", "ACC-88123", "or", "555-0142", ".",
    ]  # fmt: skip


@given(st.text(max_size=80))
def test_tokens_are_exact_ordered_non_space_ranges(text: str):
    ranges = tokenize(text)
    assert all(0 <= a < b <= len(text) for a, b in ranges)
    assert all(b1 <= a2 for (_, b1), (a2, _) in itertools.pairwise(ranges))
    assert "".join(text[a:b] for a, b in ranges) == "".join(text.split())


def test_boundary_problem_says_where_a_span_cuts_a_token():
    text = "Mrs. Evelyn Stroud's file"
    assert boundary_problem(text, 5, 18) is None  # "Evelyn Stroud"
    assert boundary_problem(text, 5, 17) == "ends inside the token 'Stroud'"
    assert boundary_problem(text, 4, 11) == "starts with white space"
    assert snap(text, 6, 17) == (5, 18)
    assert snap(text, 4, 5) is None


@pytest.mark.parametrize("path", BUNDLED_SPAN_GUIDELINES, ids=lambda p: f"{p.parent.name}@{p.stem}")
def test_every_gold_span_of_a_bundled_guideline_is_selectable(path):
    guideline = load_guideline(path)
    assert span_boundary_problems(guideline) == []
    golds = [(item.input, item.answer) for item in guideline.items if item.answer is not None]
    golds += [(ex.input, ex.answer) for rule in guideline.rules for ex in (*rule.examples, *rule.edge_cases)]
    from calibration.answers import parse_answer

    checked = 0
    for input, answer in golds:
        starts = {a for a, _ in tokenize(input.text)}
        ends = {b for _, b in tokenize(input.text)}
        for span in parse_answer(guideline.task, answer, input):
            assert span.start in starts and span.end in ends, (input.text, span)
            checked += 1
    assert checked >= 60


def test_the_spans_the_old_tokenizer_could_not_select_are_selectable_now():
    guideline = load_guideline(GUIDELINES_DIR / "pii-spans" / "1.0.0.yaml")
    item = guideline.item("pii-016")
    (span,) = [
        s for s in guideline.gold_answers()["pii-016"] if item.input.text[s.start : s.end] == "Evelyn Stroud"
    ]
    assert boundary_problem(item.input.text, span.start, span.end) is None
    example = next(ex for ex in guideline.rule("R-BOUNDS").examples if "Amara Nwosu's" in ex.input.text)
    assert "Nwosu" in _tokens(example.input.text)
