"""The demo workspace loader (calibration.rounds.demo_workspace), which the first-start page and Home offer."""

from __future__ import annotations

import pytest

from calibration.errors import PermissionDenied
from calibration.rounds import service
from calibration.rounds.demo_workspace import demo_round_name, has_demo_workspace, load_demo_workspace


def test_loading_twice_keeps_one_copy_of_each_demo_round(app_engine, app_lead):
    assert not has_demo_workspace(app_engine)
    first = load_demo_workspace(app_engine, actor=app_lead)
    counts = service.counts(app_engine)
    again = load_demo_workspace(app_engine, actor=app_lead)
    assert first == again == [demo_round_name("1.0.0"), demo_round_name("1.1.0")]
    assert service.counts(app_engine) == counts
    assert has_demo_workspace(app_engine)
    for name in first:
        status = service.round_status(app_engine, name)
        assert len(status.annotators) == 6 and {p.status for p in status.annotators} == {"finished"}


def test_only_a_lead_loads_the_demo_workspace(app_engine, app_annotator):
    with pytest.raises(PermissionDenied):
        load_demo_workspace(app_engine, actor=app_annotator)
    assert service.list_rounds(app_engine) == []
