"""Invariants of the revision queue on random small pilots (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calibration.ambiguity.queue import GROUPS, POINTS, SEPARATED, SEPARATION_RANGE, priority, revision_queue
from calibration.responses import Annotations, gold_series, item_rules_frame, responses_frame

LABELS = ["A", "B", "C"]


@st.composite
def pilots(draw):
    n_items = draw(st.integers(2, 24))
    n_annotators = draw(st.integers(2, 4))
    rules = {f"i{i}": [draw(st.sampled_from(["R1", "R2", "R3"]))] for i in range(n_items)}
    answers = draw(
        st.lists(st.sampled_from(LABELS), min_size=n_items * n_annotators, max_size=n_items * n_annotators)
    )
    rows = [
        {"item_id": f"i{i}", "annotator_id": f"a{a}", "answer": answers[i * n_annotators + a]}
        for i in range(n_items)
        for a in range(n_annotators)
    ]
    gold = {f"i{i}": draw(st.sampled_from(LABELS)) for i in range(n_items) if draw(st.booleans())}
    return responses_frame(rows), item_rules_frame(rules), gold_series(gold)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pilots())
def test_queue_invariants(pilot):
    responses, item_rules, gold = pilot
    queue = revision_queue(Annotations.of(responses, item_rules=item_rules, gold=gold), bootstrap=50)
    assert [e.rank for e in queue.rules] == list(range(1, len(queue.rules) + 1))
    assert {e.rule_id for e in queue.rules} == set(item_rules["rule_id"])
    for entry in queue.rules:
        assert entry.score == pytest.approx(sum(entry.score_parts.values()))
        assert all(
            (code in SEPARATED and SEPARATION_RANGE[0] <= points <= SEPARATION_RANGE[1])
            or (code not in SEPARATED and points == POINTS[code] > 0)
            for code, points in entry.score_parts.items()
        )
        assert ("few_items" in entry.flags) == (entry.agreement.n_items < 10)
        assert not ({"few_items", "low_agreement"} <= set(entry.flags))
        assert entry.suggestion
    # groups in order; within a group, by priority (the score)
    groups = [GROUPS.index(e.group) for e in queue.rules]
    assert groups == sorted(groups)
    for group in set(groups):
        keys = [
            priority(e.score, e.score_parts, e.agreement, queue.target)
            for e in queue.rules
            if GROUPS.index(e.group) == group
        ]
        assert keys == sorted(keys, reverse=True)
