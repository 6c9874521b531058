"""The app's shared round caches: keyed so that a new round never inherits a deleted round's figures,
cleared with every round cache when a round is deleted, and a rerun of an analysis page computes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

from calibration.rounds import service
from tests.app.app_helpers import new_app, page, single_label_guideline
from tests.app.lead_pages_support import make_workspace

ANNOTATORS = ("Ada", "Bo", "Cy")


def _pilot(engine: Any, lead: Any, guideline: Any, name: str, *, agree: bool) -> Any:
    """A pilot of every gold item, answered by three people: all alike (`agree`), or Bo always not."""
    items = [item.id for item in guideline.items]
    round_ = service.create_pilot_round(engine, name, guideline.ref, actor=lead, item_ids=items)
    rows = []
    for item in guideline.items:
        for who in ANNOTATORS:
            flipped = "NEG" if item.answer == "POS" else "POS"
            answer = item.answer if agree or who != "Bo" else flipped
            rows.append({"item_id": item.id, "annotator_id": who, "answer": answer})
    service.import_responses(engine, name, pd.DataFrame(rows), actor=lead)
    return round_


def _dashboard(user: Any) -> Any:
    at = new_app(user).run()
    at.switch_page(page("dashboard.py")).run()
    assert not at.exception, at.exception
    return at


def _alpha(at: Any) -> str:
    (value,) = [m.value for m in at.metric if m.label == "Krippendorff's alpha"]
    return str(value)


def test_a_new_round_given_a_deleted_rounds_id_shows_its_own_figures(app_engine, app_lead):
    """SQLite gives the next round the id of a deleted one, and its answers the same ids: the cached
    analysis of the deleted round must not be shown for it (deleted here outside the app, so nothing
    clears the app's caches)."""
    guideline = single_label_guideline()
    service.publish(app_engine, guideline, app_lead)
    first = _pilot(app_engine, app_lead, guideline, "Agreeing pilot", agree=True)
    first_newest = service.latest_response_marker(app_engine, first.id)
    assert _alpha(_dashboard(app_lead)) == "1.00"

    service.delete_round(app_engine, first.id, actor=app_lead, confirm=first.name)
    second = _pilot(app_engine, app_lead, guideline, "Split pilot", agree=False)
    # the collision this test is about: the same round id and the same newest answer id
    assert second.id == first.id
    assert service.latest_response_marker(app_engine, second.id) == first_newest

    at = _dashboard(app_lead)
    assert at.selectbox(key="dash_round").value == second.id
    assert _alpha(at) != "1.00"
    assert "Split pilot" in str(at.selectbox(key="dash_round").format_func(second.id))


def test_forgetting_the_round_caches_clears_the_widgets_shared_analyses(app_engine, app_lead, monkeypatch):
    from calibration.app import state
    from calibration.app.widgets import analysis_round

    guideline = single_label_guideline()
    service.publish(app_engine, guideline, app_lead)
    _pilot(app_engine, app_lead, guideline, "Pilot", agree=True)
    calls: list[str] = []
    analyse = analysis_round.analyse_round
    items = analysis_round.items_side_by_side
    monkeypatch.setattr(
        analysis_round, "analyse_round", lambda *a, **k: calls.append("analysis") or analyse(*a, **k)
    )
    monkeypatch.setattr(
        analysis_round, "items_side_by_side", lambda *a, **k: calls.append("items") or items(*a, **k)
    )
    at = _dashboard(app_lead)
    assert calls == ["analysis", "items"]
    at.run()
    assert calls == ["analysis", "items"]  # a rerun reads the shared caches
    state.forget_round_caches()
    at.run()
    assert not at.exception, at.exception
    assert calls == ["analysis", "items"] * 2  # forgotten: computed again


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The demo workspace (two contract pilots to compare, the example model's answers, a box pilot)."""
    from calibration.rounds.demo_workspace import load_demo_model_answers, load_demo_workspace

    with pytest.MonkeyPatch.context() as monkeypatch:
        ws = make_workspace(tmp_path_factory.mktemp("caches"), monkeypatch)
        load_demo_workspace(ws.engine, actor=ws.lead)
        load_demo_model_answers(ws.engine, actor=ws.lead)
        yield ws
        ws.engine.dispose()


def _spy(monkeypatch: pytest.MonkeyPatch, module: Any, name: str, calls: list[str]) -> None:
    original = getattr(module, name)

    def spying(*args: Any, **kwargs: Any) -> Any:
        calls.append(name)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, spying)


@pytest.mark.parametrize(
    ("script", "module", "compute", "pick"),
    [
        ("compare.py", "calibration.ambiguity.compare", "compare_versions", None),
        ("model_triage.py", "calibration.agreement.model_triage", "triage_round", ("mt_round", "1.1.0")),
        ("dashboard.py", "calibration.agreement.boxes", "box_item_disagreement", ("dash_round", "box")),
    ],
)
def test_a_rerun_of_an_analysis_page_computes_and_copies_nothing(
    demo: Any, monkeypatch: pytest.MonkeyPatch, script: str, module: str, compute: str, pick: Any
) -> None:
    """Compare, model triage and the box view keep their analysis in the shared cache: a rerun (a click)
    neither computes it again nor unpickles a copy of it (the same object comes back)."""
    import importlib

    from calibration.app import state
    from calibration.rounds.demo_workspace import DEMO_BOX_ROUND, demo_round_name

    calls: list[str] = []
    _spy(monkeypatch, importlib.import_module(module), compute, calls)
    returned: list[Any] = []
    cached = state.cached_analysis
    monkeypatch.setattr(
        state, "cached_analysis", lambda *a, **k: returned.append(cached(*a, **k)) or returned[-1]
    )
    at = demo.page(script, demo.lead)
    if pick is not None:
        name = DEMO_BOX_ROUND if pick[1] == "box" else demo_round_name(pick[1])
        at.session_state[pick[0]] = service.get_round(demo.engine, name).id
    at.run()
    assert not at.exception, at.exception
    first = list(calls)  # the box dashboard's rule drill-down ranks its images with it too
    assert first and set(first) == {compute} and len(returned) == 1
    at.run()  # a click on the page
    assert not at.exception, at.exception
    assert calls == first  # nothing computed again
    assert len(returned) == 2 and returned[1] is returned[0]  # the shared object, not an unpickled copy
