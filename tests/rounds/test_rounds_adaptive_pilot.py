"""Adaptive pilot rounds in the store: one item handed out at a time on the answers so far, decided
rules get no more items, the control slice keeps coming, and the lead's per-rule view."""

from __future__ import annotations

import json
from typing import Any

import pytest

from calibration.errors import CalibrationError
from calibration.guidelines.model import Guideline
from calibration.rounds import service

LABELS = ("POS", "NEG", "NEU")


def pilot_guideline_data(per_rule: int = 20, task_type: str = "single_label") -> dict[str, Any]:
    """Two rules, `per_rule` items each (no gold needed in a pilot), pilot target 0.6."""
    rules = [
        {"id": rule, "title": f"rule {rule}", "text": f"Apply {rule}.", "labels": list(LABELS)}
        for rule in ("EASY", "HARD")
    ]
    items = [
        {"id": f"{rule.lower()}{k:02d}", "input": f"reply {rule} {k}", "rules": [rule]}
        for rule in ("EASY", "HARD")
        for k in range(per_rule)
    ]
    return {
        "format": 1,
        "id": "pil",
        "version": "1.0.0",
        "title": "Adaptive pilot",
        "task": {"type": task_type, "labels": [{"id": x, "name": x.title()} for x in LABELS]},
        "calibration": {"pilot_target": 0.6},
        "rules": rules,
        "items": items,
    }


PEOPLE = ("ann", "bob", "cy", "dee")


@pytest.fixture
def pilot_store(store: Any) -> Any:
    service.publish_guideline(store.engine, Guideline.model_validate(pilot_guideline_data()), store.lead)
    for name in PEOPLE:
        service.create_user(
            store.engine, name, role="annotator", email=f"{name}@example.org", actor=store.lead
        )
    return store


def _user(engine: Any, name: str) -> Any:
    return service.user_by_email(engine, f"{name}@example.org")


def _answer(item: str, who: str) -> str:
    """EASY items: everyone agrees; HARD items: each annotator answers differently."""
    if item.startswith("easy"):
        return LABELS[int(item[-2:]) % 3]
    return LABELS[(PEOPLE.index(who) + int(item[-2:])) % 3]


def _round_robin(engine: Any, limit: int = 400) -> dict[str, list[str]]:
    """Each annotator answers their next item in turn until nobody has one; their items in order."""
    users = {name: _user(engine, name) for name in PEOPLE}
    asked: dict[str, list[str]] = {name: [] for name in PEOPLE}
    active = set(PEOPLE)
    while active and sum(map(len, asked.values())) < limit:
        for name in PEOPLE:
            if name not in active:
                continue
            attempt = service.start_or_resume_attempt(engine, "pilot", users[name])
            if attempt.next_item is None:
                active.discard(name)
                continue
            assert len(attempt.items) == len(asked[name]) + 1  # only the item on screen is handed out
            asked[name].append(attempt.next_item)
            service.record_answer(
                engine, attempt.id, attempt.next_item, _answer(attempt.next_item, name), actor=users[name]
            )
    return asked


def test_an_adaptive_pilot_decides_both_rules_on_fewer_answers_and_stops_the_decided_ones(
    pilot_store: Any,
) -> None:
    engine = pilot_store.engine
    round_ = service.create_pilot_round(
        engine, "pilot", "pil@1.0.0", actor=pilot_store.lead, annotators=["ann", "bob"], adaptive=True, seed=2
    )
    assert round_.settings["policy"] == "adaptive" and round_.settings["control_fraction"] == 0.2
    assert round_.settings["overlap"] == 2
    asked = _round_robin(engine)
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
    ann = _user(engine, "ann")
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


def test_the_cli_creates_an_adaptive_pilot_and_round_status_lists_each_rule(
    pilot_store: Any, capsys: Any
) -> None:
    from calibration.cli.main import main

    db = ["--database-url", pilot_store.url]
    code = main(
        ["round", "create", "pilot", "--guideline", "pil@1.0.0", "--kind", "pilot", "--annotators", "ann,bob",
         "--adaptive", "--control-fraction", "0.25", "--seed", "2", *db]
    )  # fmt: skip
    assert code == 0
    round_ = service.get_round(pilot_store.engine, "pilot")
    assert round_.settings["policy"] == "adaptive" and round_.settings["control_fraction"] == 0.25
    capsys.readouterr()
    assert main(["round", "status", "pilot", *db]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "adaptive pilot, target 0.6, control slice 10 of 40 items" in lines
    assert (
        "  EASY                     about 10 more items with 2 answers each to decide" in lines
    )  # to the first look
    _round_robin(pilot_store.engine)
    assert main(["round", "status", "pilot", *db]) == 0
    out = capsys.readouterr().out
    assert "EASY                     decided above target" in out
    assert "HARD                     decided below target" in out
    assert main(["round", "status", "pilot", "--json", *db]) == 0
    data = json.loads(capsys.readouterr().out)["adaptive_pilot"]
    assert (data["target"], data["control_fraction"], data["control_items"], data["items"]) == (
        0.6,
        0.25,
        10,
        40,
    )
    assert data["rules"]["EASY"]["decision"] == "above" and data["rules"]["EASY"]["more_items"] is None
    assert data["rules"]["HARD"]["sentence"] == "decided below target"
    assert data["rules"]["HARD"]["decided_at"] in (10, 15, 20) and data["rules"]["HARD"]["futile"] is False
    assert len(data["rules"]["EASY"]["interval"]) == 2


def test_annotators_answering_at_once_never_push_an_item_past_the_overlap(pilot_store: Any) -> None:
    import threading

    engine = pilot_store.engine
    service.create_pilot_round(engine, "pilot", "pil@1.0.0", actor=pilot_store.lead, adaptive=True, seed=4)
    users = {name: _user(engine, name) for name in PEOPLE}
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
                    engine, attempt.id, attempt.next_item, _answer(attempt.next_item, name), actor=users[name]
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
