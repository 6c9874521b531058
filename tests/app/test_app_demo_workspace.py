"""The demo workspace loader (calibration.rounds.demo_workspace), which the first-start page and Home offer."""

from __future__ import annotations

import pytest

from calibration.errors import PermissionDenied
from calibration.rounds import service
from calibration.rounds.demo_workspace import (
    DEMO_BOX_ROUND,
    demo_round_name,
    has_demo_workspace,
    load_demo_workspace,
    remove_demo_workspace,
)


def test_loading_twice_keeps_one_copy_of_each_demo_round(app_engine, app_lead):
    assert not has_demo_workspace(app_engine)
    first = load_demo_workspace(app_engine, actor=app_lead)
    counts = service.counts(app_engine)
    again = load_demo_workspace(app_engine, actor=app_lead)
    assert first == again == [demo_round_name("1.0.0"), demo_round_name("1.1.0"), DEMO_BOX_ROUND]
    assert service.counts(app_engine) == counts
    assert has_demo_workspace(app_engine)
    for name in first:
        status = service.round_status(app_engine, name)
        expected = 4 if name == DEMO_BOX_ROUND else 6
        assert len(status.annotators) == expected and {p.status for p in status.annotators} == {"finished"}


def test_the_box_pilot_stores_box_answers_on_every_street_scene(app_engine, app_lead):
    from calibration.boxes import Box

    load_demo_workspace(app_engine, actor=app_lead)
    data = service.round_responses(app_engine, DEMO_BOX_ROUND)
    assert data.guideline.ref == "street-objects@1.0.0"
    assert data.responses["item_id"].nunique() == len(data.guideline.items) == 41
    assert sorted(data.responses["annotator_id"].unique()) == [
        "Amara (demo)",
        "Bastian (demo)",
        "Chen (demo)",
        "Dolores (demo)",
    ]
    assert all(isinstance(box, Box) for answer in data.responses["answer"] for box in answer)
    assert len(data.gold) == 37
    newest = max(service.list_rounds(app_engine), key=lambda r: r.id)
    assert newest.name == demo_round_name("1.1.0")  # the contract pilots stay the default round


def test_removing_the_demo_workspace_removes_the_box_pilot_too(app_engine, app_lead):
    load_demo_workspace(app_engine, actor=app_lead)
    removed = remove_demo_workspace(app_engine, actor=app_lead)
    assert removed["rounds"] == 3
    assert service.list_rounds(app_engine, include_archived=True) == []
    assert not has_demo_workspace(app_engine)


def test_only_a_lead_loads_the_demo_workspace(app_engine, app_annotator):
    with pytest.raises(PermissionDenied):
        load_demo_workspace(app_engine, actor=app_annotator)
    assert service.list_rounds(app_engine) == []
