"""Minimal fixed cases of the failures found in the independent evaluation of the revision queue (issue 11)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from calibration.ambiguity import signals
from calibration.ambiguity.compare import compare_versions
from calibration.ambiguity.queue import revision_queue
from calibration.ambiguity.signals import RuleAgreement
from calibration.guidelines.model import Label, Task
from calibration.responses import Annotations, item_rules_frame, responses_frame

TASK = Task(type="single_label", labels=[Label(id=x, name=x) for x in "ABCDXY"])


def test_skewed_but_clear_rule_just_under_the_target_is_not_low_agreement():
    # one label dominates: alpha 0.30 (interval up to 0.50) but raw agreement 0.78 and AC1 0.77 [0.67, 0.87]
    stats = RuleAgreement("krippendorff_alpha", 0.30, 0.10, 0.50, 0.78, 0.77, 40, ac1_low=0.67, ac1_high=0.87)
    assert not signals.low_agreement(stats, target=0.8).fired


def test_32_of_40_reaches_a_threshold_of_0_8():
    percent = 0.7999999999999996  # raw agreement 32/40 as the engine computes it
    answers = pd.Series(["X"] * 32 + ["Y"] * 8)
    stats = RuleAgreement("krippendorff_alpha", 0.2, 0.0, 0.4, percent, 0.75, 40)
    evidence = signals.skewed_prevalence(stats, answers, target=0.8, dominant_share=0.8)
    assert evidence.fired


def test_ordinary_noise_on_one_label_pair_is_not_confused_labels():
    # a clear rule: 14% disagreement, all on one pair, the same as these annotators show elsewhere
    evidence = signals.confused_labels(
        {("A", "B"): 12.0}, percent_agreement=0.86, target=0.9, expected_disagreement=0.14
    )
    assert not evidence.fired
    ambiguous = signals.confused_labels(
        {("A", "B"): 40.0}, percent_agreement=0.55, target=0.9, expected_disagreement=0.14
    )
    assert ambiguous.fired


def _rows(rule_items, answers_of):
    rows, rules = [], {}
    for rule, items in rule_items.items():
        for item in items:
            rules[item] = [rule]
            for annotator, answer in answers_of(rule, item).items():
                rows.append({"item_id": item, "annotator_id": annotator, "answer": answer})
    return responses_frame(rows), item_rules_frame(rules)


def test_truly_ambiguous_rule_with_few_items_is_likely_ambiguous_not_score_0():
    rng = np.random.default_rng(3)
    annotators = [f"a{i}" for i in range(5)]
    clear = {f"R-C{j}": [f"c{j}-{i:02d}" for i in range(30)] for j in range(3)}
    few = {"R-FEW": [f"f-{i}" for i in range(6)]}

    def answers(rule, item):
        if rule == "R-FEW":  # annotators split on every item
            return {a: ("A" if k < 2 + (hash(item) % 2) else "B") for k, a in enumerate(annotators)}
        truth = "C" if int(item[-2:]) % 2 else "D"
        return {a: truth if rng.random() < 0.95 else ("D" if truth == "C" else "C") for a in annotators}

    responses, item_rules = _rows({**clear, **few}, answers)
    queue = revision_queue(
        Annotations(
            responses=responses,
            item_rules=item_rules,
            gold=responses.iloc[:0].set_index("item_id")["answer"],
            declared_task=TASK,
        ),
        bootstrap=200,
    )
    entry = queue.entry("R-FEW")
    assert {"few_items", "likely_ambiguous"} <= set(entry.flags)
    assert entry.score > 0 and entry.group == "likely_ambiguous"
    assert "pilot" in entry.suggestion and "more items" in entry.suggestion
    # ranked after the rules to revise (its verdict is to pilot more items first: ranked above them, few-item
    # clear rules that agreed less by chance on 4-9 items took a place in the top k from measured ambiguous
    # rules, half the misses in bench/queue_quality.py's `silent`), and before the rules nothing points at
    judged = [queue.entry(r) for r in clear]
    assert all(e.group in ("revise", "no_action") for e in judged)
    assert all(e.rank < entry.rank for e in judged if e.group == "revise")
    assert all(e.rank > entry.rank for e in judged if e.group == "no_action")


def _careless_pilots():
    rng = np.random.default_rng(7)
    annotators = [f"a{i}" for i in range(5)]
    rules = {f"R{j}": [f"r{j}-{i:02d}" for i in range(30)] for j in range(4)}
    truth = {item: ("A" if rng.random() < 0.5 else "B") for items in rules.values() for item in items}

    def answer(item, annotator):
        if annotator == "a4" and rng.random() < 0.5:  # careless: random on half the items
            return str(rng.choice(["A", "B"]))
        return truth[item] if rng.random() < 0.95 else ("B" if truth[item] == "A" else "A")

    before = _rows(rules, lambda rule, item: {a: answer(item, a) for a in annotators})
    after = _rows(rules, lambda rule, item: {a: answer(item, a) for a in annotators[:4]})
    return before, after


def test_compare_does_not_call_rules_improved_when_a_careless_annotator_leaves():
    (before_r, rules), (after_r, _) = _careless_pilots()
    empty = before_r.iloc[:0].set_index("item_id")["answer"]
    found = compare_versions(
        Annotations(responses=before_r, item_rules=rules, gold=empty, declared_task=TASK),
        Annotations(responses=after_r, item_rules=rules, gold=empty, declared_task=TASK),
        bootstrap=300,
    )
    assert [r.verdict for r in found.rules if r.verdict == "improved"] == []
    first = found.rules[0].figures["annotators"]
    assert first["compared"] == "common" and first["left_out"] == ["a4"]


def test_queue_names_a_careless_annotator_and_sets_them_aside():
    (before_r, rules), _ = _careless_pilots()
    empty = before_r.iloc[:0].set_index("item_id")["answer"]
    queue = revision_queue(
        Annotations(responses=before_r, item_rules=rules, gold=empty, declared_task=TASK), bootstrap=200
    )
    assert queue.meta["careless_annotators"] == ["a4"]
    assert all("low_agreement" not in e.flags for e in queue.rules)


def test_compare_says_not_enough_items_with_the_number_needed():
    rng = np.random.default_rng(1)
    annotators = ["a0", "a1", "a2"]
    rules = {"R": [f"i{i}" for i in range(6)]}
    before = _rows(rules, lambda r, i: {a: str(rng.choice(["A", "B"])) for a in annotators})
    after = _rows(rules, lambda r, i: {a: str(rng.choice(["A", "B"])) for a in annotators})
    empty = before[0].iloc[:0].set_index("item_id")["answer"]
    found = compare_versions(
        Annotations(responses=before[0], item_rules=before[1], gold=empty, declared_task=TASK),
        Annotations(responses=after[0], item_rules=after[1], gold=empty, declared_task=TASK),
        bootstrap=300,
    )
    rule = found.rule("R")
    assert rule.verdict == "not_enough_items"
    assert rule.figures["items_needed"] > 6


def test_an_annotator_who_reads_one_rule_differently_is_not_set_aside_as_careless():
    """A newcomer who flips every item of one rule and agrees everywhere else lowers their overall
    agreement as much as a careless annotator; set aside, they took the rule's disagreement with them (a
    tester: R-INDEM ranked 4th, and the page said they disagreed "on every rule"). Only low agreement
    spread over most rules is carelessness; this rule ranks first."""
    rng = np.random.default_rng(3)
    annotators = [f"a{i}" for i in range(5)] + ["zed"]
    rules = {f"R{r}": [f"R{r}-{i:02d}" for i in range(15)] for r in range(7)}
    truth = {item: str(rng.choice(["A", "B"])) for items in rules.values() for item in items}

    def answers(rule, item):
        out = {}
        for a in annotators:
            right = truth[item] if rng.random() < 0.95 else ("B" if truth[item] == "A" else "A")
            out[a] = ("B" if truth[item] == "A" else "A") if (a == "zed" and rule == "R3") else right
        return out

    responses, item_rules = _rows(rules, answers)
    empty = responses.iloc[:0].set_index("item_id")["answer"]
    queue = revision_queue(
        Annotations(responses=responses, item_rules=item_rules, gold=empty, declared_task=TASK), bootstrap=200
    )
    assert queue.meta["careless_annotators"] == []
    assert queue.rules[0].rule_id == "R3"
