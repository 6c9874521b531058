"""Boxes: IoU, matching, scoring against gold, and box answers through stores and tables (issue 15)."""

from __future__ import annotations

import pytest

from calibration.boxes import Box, BoxMatch, as_boxes, score_boxes
from calibration.reports.tables import answer_text
from calibration.rounds._common import canonical_value


def test_stored_box_answers_come_back_canonical_and_read_as_text() -> None:
    stored = [
        {"label": "PERSON", "x": 1, "y": 2, "width": 3, "height": 4},
        {"label": "CAR", "x": 0, "y": 0, "width": 5, "height": 6},
    ]
    answer = canonical_value("boxes", stored)
    assert answer == (Box("CAR", 0, 0, 5, 6), Box("PERSON", 1, 2, 3, 4))
    assert answer_text("boxes", answer) == "CAR 5×6 at (0, 0); PERSON 3×4 at (1, 2)"
    assert answer_text("boxes", ()) == "(no boxes)"


# --------------------------------------------------------------------------- score_boxes

CAR = Box("CAR", 0, 0, 10, 10)


def test_a_perfect_answer_scores_one_everywhere() -> None:
    score = score_boxes([CAR], [CAR], 0.5)
    assert (score.precision, score.recall, score.f1, score.mean_iou) == (1.0, 1.0, 1.0, 1.0)
    assert score.matches == (BoxMatch(0, 0, 1.0, True),)
    assert score.is_correct and (score.correct, score.given, score.gold) == (1, 1, 1)


def test_a_loose_box_counts_from_min_iou_on_and_exactly_at_it() -> None:
    thin = Box("CAR", 0, 0, 10, 4)  # IoU 40 / 100
    score = score_boxes([thin], [CAR], 0.5)
    assert (score.precision, score.recall, score.f1) == (0.0, 0.0, 0.0)
    assert score.matches == (BoxMatch(0, 0, pytest.approx(0.4), False),)
    assert score.mean_iou == pytest.approx(0.4)
    assert score_boxes([thin], [CAR], 0.4).is_correct
    assert score_boxes([Box("CAR", 0, 0, 10, 5)], [CAR], 0.5).is_correct  # IoU exactly 0.5 counts


def test_the_right_place_with_the_wrong_label_is_no_hit() -> None:
    score = score_boxes([Box("BUS", 0, 0, 10, 10)], [CAR], 0.5)
    assert score.matches == (BoxMatch(0, 0, 1.0, False),)
    assert (score.f1, score.mean_iou, score.is_correct) == (0.0, 1.0, False)


def test_a_duplicate_box_is_a_false_positive() -> None:
    score = score_boxes([CAR, CAR], [CAR], 0.5)
    assert (score.precision, score.recall, score.f1) == (0.5, 1.0, pytest.approx(2 / 3))
    assert len(score.matches) == 1 and not score.is_correct


def test_empty_answers_and_empty_gold() -> None:
    nothing = score_boxes([], [], 0.5)
    assert (nothing.precision, nothing.recall, nothing.f1, nothing.mean_iou) == (1.0, 1.0, 1.0, None)
    assert nothing.is_correct  # nothing to box and nothing boxed
    missed = score_boxes([], [CAR], 0.5)
    assert (missed.precision, missed.recall, missed.f1, missed.is_correct) == (0.0, 0.0, 0.0, False)
    extra = score_boxes([CAR], [], 0.5)
    assert (extra.precision, extra.recall, extra.f1, extra.is_correct) == (0.0, 0.0, 0.0, False)


def test_a_mixed_answer_by_hand() -> None:
    gold = [CAR, Box("PERSON", 20, 0, 10, 10)]
    answer = [Box("CAR", 1, 1, 10, 10), Box("PERSON", 20, 0, 10, 10), Box("CAR", 50, 50, 5, 5)]
    score = score_boxes(answer, gold, 0.5)
    # CAR: intersection 9 × 9 = 81, union 100 + 100 - 81 = 119
    assert score.matches == (BoxMatch(0, 0, pytest.approx(81 / 119), True), BoxMatch(1, 1, 1.0, True))
    assert (score.precision, score.recall, score.f1) == (pytest.approx(2 / 3), 1.0, pytest.approx(0.8))
    assert score.mean_iou == pytest.approx((81 / 119 + 1) / 2)


def test_matching_maximises_the_total_iou_not_the_best_pair_first() -> None:
    # intervals of length 10 offset by d overlap (10 - d) / (10 + d): A1 is nearer G2 than G1, but
    # pairing A1-G2 first (greedy) would leave A2 with G1 at IoU 0.14
    gold = [Box("CAR", 0, 0, 10, 10), Box("CAR", 5, 0, 10, 10)]
    answer = [Box("CAR", 3, 0, 10, 10), Box("CAR", 7.5, 0, 10, 10)]
    score = score_boxes(answer, gold, 0.5)
    assert [(m.answer, m.gold) for m in score.matches] == [(0, 0), (1, 1)]
    assert [m.iou for m in score.matches] == [pytest.approx(7 / 13), pytest.approx(0.6)]
    assert score.is_correct


def test_min_iou_must_be_a_share() -> None:
    with pytest.raises(ValueError, match=r"min_iou must be above 0 and at most 1, got 0"):
        score_boxes([CAR], [CAR], 0)


def test_as_boxes_reads_canonical_json_and_list_forms() -> None:
    assert as_boxes([CAR, CAR.to_json(), ["CAR", 0, 0, 10, 10]]) == (CAR, CAR, CAR)


def test_an_image_input_reads_as_its_path_and_alt_text() -> None:
    from calibration.guidelines.model import TextInput
    from calibration.reports.tables import input_text

    assert input_text(TextInput(image="images/a.png", alt="A red car")) == "[image: images/a.png] A red car"
    beside = TextInput(text="Box the cars.", image="images/a.png", alt="A red car")
    assert input_text(beside) == "[image: images/a.png] A red car\nBox the cars."


def test_scoring_finds_the_most_correct_pairs_not_the_largest_total_iou() -> None:
    """Pairing by total IoU first (A1-G2 + A2-G1, total 1.29) leaves one correct pair; A1-G1 + A2-G2
    are both at IoU >= 0.5, so the answer is fully right."""
    answer = [Box("c", 2, 0, 9, 10), Box("c", 4, 0, 11, 10)]
    gold = [Box("c", 4, 0, 11, 10), Box("c", 7, 0, 9, 10)]
    score = score_boxes(answer, gold, 0.5)
    assert score.is_correct and score.f1 == 1.0
    assert {(m.answer, m.gold) for m in score.matches} == {(0, 0), (1, 1)}


def test_a_wrong_label_box_does_not_take_the_gold_box_a_right_one_matches() -> None:
    gold = [Box("CAR", 0, 0, 10, 10)]
    score = score_boxes([Box("BUS", 0, 0, 10, 10), Box("CAR", 0, 0, 10, 9)], gold, 0.5)
    assert (score.correct, score.given, score.gold) == (1, 2, 1)
    assert score.f1 == pytest.approx(2 / 3)
    # the leftover pair is still reported for feedback, as not correct
    (hit,) = [m for m in score.matches if m.correct]
    assert hit.answer == 1


def test_leftover_boxes_are_paired_for_feedback_but_not_counted() -> None:
    score = score_boxes([Box("BUS", 0, 0, 10, 8)], [Box("CAR", 0, 0, 10, 10)], 0.5)
    assert score.correct == 0 and len(score.matches) == 1 and not score.matches[0].correct
    assert score.matches[0].iou == pytest.approx(0.8)
