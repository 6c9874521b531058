"""Adaptive pilot rounds in the store: one item handed out at a time on the answers so far, decided
rules get no more items, the control slice keeps coming, and the lead's per-rule view."""

from __future__ import annotations

from typing import Any

import pytest

from calibration.errors import CalibrationError
from calibration.guidelines.model import Guideline
from calibration.rounds import service
from tests.rounds.adaptive_pilot_store import (
    PEOPLE,
    pilot_annotator,
    pilot_guideline_data,
    round_robin,
    scripted_answer,
)


def test_an_adaptive_pilot_decides_both_rules_on_fewer_answers_and_stops_the_decided_ones(
    pilot_store: Any,
) -> None:
    engine = pilot_store.engine
    round_ = service.create_pilot_round(
        engine, "pilot", "pil@1.0.0", actor=pilot_store.lead, annotators=["ann", "bob"], adaptive=True, seed=2
    )
    assert round_.settings["policy"] == "adaptive" and round_.settings["control_fraction"] == 0.2
    assert round_.settings["overlap"] == 2
    asked = round_robin(engine)
    for items in asked.values():
        assert len(items) == len(set(items))  # never an item twice to one annotator
    given = [i for items in asked.values() for i in items]
    counts = {i: given.count(i) for i in set(given)}
    assert max(counts.values()) <= 2  # overlap 2 by default
    view = service.adaptive_pilot_status(engine, "pilot")
    assert view is not None and view.target == 0.6 and view.control_items == 8  # 20% of 40
    assert view.rules["EASY"].decision == "above" and view.rules["EASY"].sentence() == "decided above target"
    assert view.rules["HARD"].decision == "below" and view.rules["HARD"].sentence() == "decided below target"
    assert len(given) < 80  # the full design: 80 (HARD is decided below at an early look)
    # the control slice was handed out in full whatever the decisions: an unbiased estimate beside
    controls = {i for i in counts if counts[i] == 2} & set(_control_items(engine))
    assert controls == set(_control_items(engine))
    assert view.rules["EASY"].control_estimate == pytest.approx(1.0)
    # items of decided rules outside the control slice were left unasked
    assert any(f"easy{k:02d}" not in counts for k in range(20))
    eve = service.create_user(
        engine, "eve", role="annotator", email="eve@example.org", actor=pilot_store.lead
    )
    with pytest.raises(
        CalibrationError, match="round 'pilot' has no more items for eve: the adaptive pilot needs no"
    ):
        service.start_or_resume_attempt(engine, "pilot", eve)


def _control_items(engine: Any) -> list[str]:
    from calibration.adaptive.pilot import control_slice

    items = list(service.round_items(engine, "pilot"))
    return sorted(control_slice(sorted(items), 0.2, seed=2))


def test_resuming_shows_the_same_pending_item_and_finishing_works(pilot_store: Any) -> None:
    engine = pilot_store.engine
    service.create_pilot_round(engine, "pilot", "pil@1.0.0", actor=pilot_store.lead, adaptive=True)
    ann = pilot_annotator(engine, "ann")
    first = service.start_or_resume_attempt(engine, "pilot", ann)  # a late joiner: one item now
    assert len(first.items) == 1 and first.next_item is not None
    again = service.start_or_resume_attempt(engine, "pilot", ann)
    assert again.items == first.items and again.next_item == first.next_item
    service.record_answer(engine, first.id, first.next_item, "POS", actor=ann)
    after = service.get_attempt(engine, first.id, actor=ann)
    assert len(after.items) == 2 and after.next_item not in (None, first.next_item)
    assert service.start_or_resume_attempt(engine, "pilot", ann).next_item == after.next_item
    result = service.finish_attempt(engine, first.id, actor=ann, allow_unanswered=True)
    assert result.passed is None


def test_a_fixed_pilot_has_no_adaptive_view_and_bad_settings_are_refused(pilot_store: Any) -> None:
    engine = pilot_store.engine
    service.create_pilot_round(
        engine, "fixed", "pil@1.0.0", actor=pilot_store.lead, annotators=["ann", "bob"]
    )
    assert service.adaptive_pilot_status(engine, "fixed") is None
    with pytest.raises(CalibrationError, match=r"the control fraction must be between 0 and 1, got 1\.5"):
        service.create_pilot_round(
            engine, "x", "pil@1.0.0", actor=pilot_store.lead, adaptive=True, control_fraction=1.5
        )
    with pytest.raises(
        CalibrationError, match="an adaptive pilot needs at least 2 annotators per item, got 1"
    ):
        service.create_pilot_round(engine, "y", "pil@1.0.0", actor=pilot_store.lead, adaptive=True, overlap=1)
    data = pilot_guideline_data() | {"id": "multi"}
    data["task"] = {"type": "multi_label", "labels": data["task"]["labels"]}
    service.publish_guideline(engine, Guideline.model_validate(data), pilot_store.lead)
    with pytest.raises(
        CalibrationError,
        match="adaptive pilot works on single_label, rating and pairwise tasks, not multi_label",
    ):
        service.create_pilot_round(engine, "z", "multi@1.0.0", actor=pilot_store.lead, adaptive=True)


def test_annotators_answering_at_once_never_push_an_item_past_the_overlap(pilot_store: Any) -> None:
    import threading

    engine = pilot_store.engine
    service.create_pilot_round(engine, "pilot", "pil@1.0.0", actor=pilot_store.lead, adaptive=True, seed=4)
    users = {name: pilot_annotator(engine, name) for name in PEOPLE}
    failures: list[BaseException] = []

    def work(name: str) -> None:
        try:
            for _ in range(40):
                try:
                    attempt = service.start_or_resume_attempt(engine, "pilot", users[name])
                except CalibrationError as error:  # a late starter may find nothing left
                    assert "the adaptive pilot needs no more answers" in error.message
                    return
                if attempt.next_item is None:
                    return
                service.record_answer(
                    engine,
                    attempt.id,
                    attempt.next_item,
                    scripted_answer(attempt.next_item, name),
                    actor=users[name],
                )
        except BaseException as error:  # surfaced below
            failures.append(error)

    threads = [threading.Thread(target=work, args=(name,)) for name in PEOPLE]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    given = [
        i for name in PEOPLE for a in service.my_attempts(engine, "pilot", actor=users[name]) for i in a.items
    ]
    assert given and max(given.count(i) for i in set(given)) <= 2
