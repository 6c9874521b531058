"""Scoring against gold: correctness per task type, kappa on the declared labels, pass/fail by policy."""

from __future__ import annotations

import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from calibration.agreement.gold import exact_percent, needed_correct, score_against_gold, score_annotators
from calibration.answers import Span
from calibration.errors import DataError
from calibration.guidelines.model import Label, Policy, Scale, Task
from calibration.responses import gold_series, item_rules_frame, responses_frame


def label_task(*ids: str, kind: str = "single_label") -> Task:
    return Task(type=kind, labels=[Label(id=i, name=i) for i in ids])


GOLD = {"i1": "A", "i2": "A", "i3": "B", "i4": "C", "i5": "B", "i6": "A"}
ANSWERS = {"i1": "A", "i2": "B", "i3": "B", "i4": "C", "i5": "B", "i6": "A", "extra": "A"}
RULES = item_rules_frame(
    {"i1": ["R1"], "i2": ["R1", "R2"], "i3": ["R2"], "i4": ["R3"], "i5": ["R3"], "i6": ["R1"]}
)


def one(answers: dict, who: str = "ann") -> object:
    return responses_frame([{"item_id": k, "annotator_id": who, "answer": v} for k, v in answers.items()])


def test_single_label_accuracy_kappa_per_rule_and_confusion(abc_task: Task) -> None:
    score = score_against_gold(one(ANSWERS), gold_series(GOLD), abc_task, RULES, Policy(pass_kappa=0.9))
    assert (score.n_items, score.n_correct) == (6, 5)
    assert score.accuracy == pytest.approx(5 / 6)
    items = list(GOLD)
    expected = cohen_kappa_score(
        [GOLD[i] for i in items], [ANSWERS[i] for i in items], labels=["A", "B", "C"]
    )
    assert score.kappa == pytest.approx(expected, abs=1e-12)
    assert score.per_rule.loc["R1", "n_items"] == 3 and score.per_rule.loc["R1", "n_correct"] == 2
    assert score.per_rule.loc["R2", "accuracy"] == pytest.approx(0.5)
    assert score.per_label.loc["A", "n_correct"] == 2 and score.per_label.loc["A", "n_items"] == 3
    assert score.confusion.loc["A", "B"] == 1 and score.confusion.loc["C", "C"] == 1
    assert list(score.confusion.columns) == ["A", "B", "C"]
    assert not score.passed
    assert score.reasons == [f"kappa against gold {score.kappa:.3f} is below the pass mark 0.90"]
    assert score.failed_rules == ["R1", "R2"]  # default rule threshold 0.8 without pass_rule_accuracy


def test_rule_accuracy_policy_fails_the_rules(abc_task: Task) -> None:
    policy = Policy(pass_kappa=None, pass_rule_accuracy=0.6)
    score = score_against_gold(one(ANSWERS), gold_series(GOLD), abc_task, RULES, policy)
    assert score.failed_rules == ["R2"]
    assert not score.passed
    assert score.reasons == ["rule R2: 1 of 2 correct (50%), below 60%: at least 2 of 2 needed"]
    ok = score_against_gold(one(GOLD), gold_series(GOLD), abc_task, RULES, policy)
    assert ok.passed and ok.failed_rules == [] and ok.reasons == [] and ok.accuracy == 1.0


def test_two_of_three_is_below_67_percent_and_the_message_says_so_without_rounding(abc_task: Task) -> None:
    """R1 has 2 of 3 right (66.67%): 0.67 fails it and the reason must not read "67%, below 67%"."""
    strict = score_against_gold(
        one(ANSWERS), gold_series(GOLD), abc_task, RULES, Policy(pass_kappa=None, pass_rule_accuracy=0.67)
    )
    assert "R1" in strict.failed_rules
    assert "rule R1: 2 of 3 correct (66.67%), below 67%: at least 3 of 3 needed" in strict.reasons
    lenient = score_against_gold(
        one(ANSWERS), gold_series(GOLD), abc_task, RULES, Policy(pass_kappa=None, pass_rule_accuracy=0.66)
    )
    assert "R1" not in lenient.failed_rules


@pytest.mark.parametrize("threshold", [0.0, 0.5, 0.6, 0.66, 0.67, 2 / 3, 0.7, 0.75, 0.8, 0.85, 0.9, 1.0])
@pytest.mark.parametrize("n_items", [1, 2, 3, 4, 5, 6, 7, 9, 10, 20])
def test_needed_correct_agrees_with_the_check(threshold: float, n_items: int) -> None:
    needed = needed_correct(threshold, n_items)
    for correct in range(n_items + 1):
        assert (correct / n_items >= threshold) == (correct >= needed)


def test_exact_percent_rounds_like_the_tables_and_shows_a_mark_as_it_is() -> None:
    assert [exact_percent(v) for v in (0.67, 2 / 3, 0.675, 1.0, 0.0, 0.85, 5 / 12)] == [
        "67%",
        "66.67%",
        "67.5%",
        "100%",
        "0%",
        "85%",
        "41.67%",
    ]


def test_single_category_kappa_is_none_with_flag(abc_task: Task) -> None:
    gold = gold_series({"i1": "A", "i2": "A"})
    score = score_against_gold(one({"i1": "A", "i2": "A"}), gold, abc_task, policy=Policy(pass_kappa=0.8))
    assert score.kappa is None
    assert "undefined_single_category" in score.flags and "kappa_not_available" in score.flags
    assert score.passed  # judged on accuracy 1.0 >= 0.8


def test_several_annotators_are_refused(abc_task: Task) -> None:
    frame = responses_frame([{"item_id": "i1", "annotator_id": a, "answer": "A"} for a in ("x", "y")])
    with pytest.raises(DataError, match="scores one annotator; the responses hold 2"):
        score_against_gold(frame, gold_series(GOLD), abc_task)


def test_no_gold_items_fails_with_reason(abc_task: Task) -> None:
    score = score_against_gold(one({"zz": "A"}), gold_series(GOLD), abc_task)
    assert score.n_items == 0 and score.accuracy is None and not score.passed
    assert score.reasons == ["no answered item has a gold answer"]


def test_rating_mae_within_one_and_weighted_kappa() -> None:
    task = Task(type="rating", scale=Scale(min=1, max=5))
    gold = {"a": 1, "b": 2, "c": 3, "d": 5, "e": 4}
    ans = {"a": 1, "b": 3, "c": 3, "d": 2, "e": 4}
    score = score_against_gold(one(ans), gold_series(gold), task)
    assert score.mae == pytest.approx((0 + 1 + 0 + 3 + 0) / 5)
    assert score.within_one == pytest.approx(4 / 5)
    ks = list(gold)
    expected = cohen_kappa_score(
        [gold[k] for k in ks], [ans[k] for k in ks], labels=[1, 2, 3, 4, 5], weights="linear"
    )
    assert score.kappa == pytest.approx(expected, abs=1e-12)


def test_multi_label_set_equality_and_pooled_kappa() -> None:
    task = label_task("X", "Y", "Z", kind="multi_label")
    gold = {"a": ("X",), "b": ("X", "Y"), "c": ()}
    ans = {"a": ("X",), "b": ("Y",), "c": ()}
    score = score_against_gold(one(ans), gold_series(gold), task)
    assert (score.n_items, score.n_correct) == (3, 2)
    assert score.per_label.loc["X", "n_items"] == 2 and score.per_label.loc["X", "n_correct"] == 1
    g = [1, 0, 0, 1, 1, 0, 0, 0, 0]
    a = [1, 0, 0, 0, 1, 0, 0, 0, 0]
    assert score.kappa == pytest.approx(cohen_kappa_score(g, a), abs=1e-12)


def test_span_exact_sets_and_prf() -> None:
    task = label_task("PER", "ORG", kind="span")
    gold = {"a": (Span(0, 4, "PER"), Span(10, 13, "ORG")), "b": (Span(2, 5, "PER"),)}
    ans = {"a": (Span(0, 4, "PER"),), "b": (Span(2, 5, "PER"), Span(7, 9, "ORG"))}
    score = score_against_gold(one(ans), gold_series(gold), task)
    assert score.n_correct == 0 and score.kappa is None
    assert score.span_precision == pytest.approx(2 / 3)
    assert score.span_recall == pytest.approx(2 / 3)
    assert score.span_f1 == pytest.approx(2 / 3)
    assert score.per_label.loc["ORG", "n_correct"] == 0 and score.per_label.loc["PER", "n_correct"] == 2


def test_ranking_identical_order_and_kendall_tau() -> None:
    task = Task(type="ranking", candidates=3)
    gold = {"a": ("x", "y", "z"), "b": ("x", "y", "z")}
    ans = {"a": ("x", "y", "z"), "b": ("z", "y", "x")}
    score = score_against_gold(one(ans), gold_series(gold), task)
    assert score.n_correct == 1
    assert score.kendall_tau == pytest.approx(0.0)  # (1 + -1) / 2


def test_score_annotators_one_row_each(abc_task: Task) -> None:
    records = [{"item_id": k, "annotator_id": "good", "answer": v} for k, v in GOLD.items()]
    records += [{"item_id": k, "annotator_id": "bad", "answer": "C"} for k in GOLD]
    table = score_annotators(responses_frame(records), gold_series(GOLD), abc_task, RULES, Policy())
    assert list(table.index) == ["bad", "good"]
    assert table.loc["good", "accuracy"] == 1.0 and bool(table.loc["good", "passed"])
    assert table.loc["bad", "n_correct"] == 1 and not bool(table.loc["bad", "passed"])


def test_to_dict_is_json_ready(abc_task: Task) -> None:
    import json

    score = score_against_gold(one(ANSWERS), gold_series(GOLD), abc_task, RULES)
    data = json.loads(json.dumps(score.to_dict()))
    assert data["per_rule"]["R2"] == {"n_items": 2, "n_correct": 1, "accuracy": 0.5}
    assert data["confusion"]["A"]["B"] == 1


def test_gold_in_one_label_leaves_kappa_undefined_whatever_the_answers_and_accuracy_decides(
    abc_task: Task,
) -> None:
    """Kappa against a gold that has one label is 0 for any imperfect answers (and 0/0 for perfect
    ones): it says nothing, so it is undefined and accuracy stands in for the kappa mark."""
    gold = gold_series({f"i{k}": "A" for k in range(5)})
    answers = {"i0": "A", "i1": "A", "i2": "A", "i3": "A", "i4": "B"}
    score = score_against_gold(one(answers), gold, abc_task, policy=Policy(pass_kappa=0.8))
    assert score.kappa is None
    assert "undefined_single_category" in score.flags and "kappa_not_available" in score.flags
    assert score.passed  # accuracy 0.8 >= 0.8, not kappa 0 < 0.8
    worse = score_against_gold(one({**answers, "i3": "C"}), gold, abc_task, policy=Policy(pass_kappa=0.8))
    assert not worse.passed and worse.reasons[0].startswith("accuracy 0.600 is below the pass mark 0.80")


def test_a_statistic_next_to_its_mark_never_reads_as_the_mark_when_below_it() -> None:
    from calibration.agreement.gold import against_mark

    assert against_mark(0.7996, 0.8) == "0.7996"
    assert against_mark(0.7996, 0.8, 3) == "0.7996"
    assert against_mark(0.79951, 0.8) == "0.7995"  # floors nothing: as many decimals as it takes
    assert against_mark(0.8, 0.8) == "0.80" and against_mark(0.81, 0.8) == "0.81"
    assert against_mark(0.5, None) == "0.50"


def test_a_kappa_just_below_the_mark_reads_below_it_in_the_reason(abc_task: Task) -> None:
    from calibration.agreement import gold as gold_module

    per_rule = pd.DataFrame(columns=["accuracy", "n_items", "n_correct"])
    passed, _, reasons, _ = gold_module._judge(Policy(pass_kappa=0.8), 0.95, 0.7996, per_rule, 10)
    assert not passed
    assert reasons == ["kappa against gold 0.7996 is below the pass mark 0.80"]
