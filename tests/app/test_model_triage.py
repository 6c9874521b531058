"""AppTest of the Model triage page (lead): the demo model's answers, the per-rule decision, the
spot-check plan and its three downloads; people's figures on the dashboard stay people's."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from calibration.rounds import service
from calibration.rounds.demo_workspace import demo_round_name, load_demo_workspace
from tests.app.lead_pages_support import make_workspace


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, dict[str, Callable]]]:
    from streamlit.runtime.media_file_manager import MediaFileManager

    deferred: dict[str, Callable] = {}
    original = MediaFileManager.add_deferred

    def recording(self: Any, data_callable: Callable, *args: Any, **kwargs: Any) -> str:
        file_id = original(self, data_callable, *args, **kwargs)
        deferred[file_id] = data_callable
        return file_id

    with pytest.MonkeyPatch.context() as monkeypatch:
        ws = make_workspace(tmp_path_factory.mktemp("model_triage"), monkeypatch)
        load_demo_workspace(ws.engine, actor=ws.lead)
        monkeypatch.setattr(MediaFileManager, "add_deferred", recording)
        yield ws, deferred
        ws.engine.dispose()
    import streamlit as st

    st.cache_resource.clear()


def _download(at: Any, key: str, deferred: dict[str, Callable]) -> str:
    (button,) = [b for b in at.get("download_button") if key in b.proto.id]
    data = deferred[button.proto.deferred_file_id]()
    return data.decode() if isinstance(data, bytes) else data


def test_lead_adds_the_demo_model_and_gets_decisions_plan_and_downloads(store) -> None:
    ws, deferred = store
    at = ws.page("model_triage.py", ws.lead).run()
    assert not at.exception
    assert "holds no model answers" in at.info[0].value
    at.button(key="mt_demo").click().run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Automate with spot-checks": "4", "Keep people": "1", "Not enough evidence": "3"}
    shown = at.dataframe[0].value
    assert shown.loc["R-INDEM", "decision"] == "keep people"
    assert shown.loc["R-PAY", "decision"] == "automate with spot-checks"
    assert len(shown) == 8
    (warning,) = at.warning  # escaped markdown: R\-INDEM
    assert "INDEM" in warning.value and "the model (not people) fails here differently" in warning.value
    assert warning.value.rstrip().endswith("check the rule's wording.") and "edge cases" in warning.value
    labels = [b.label for b in at.get("download_button")]
    assert labels == [
        "Download the triage (CSV)",
        "Download the labels to check (CSV)",
        "Download as Label Studio tasks",
    ]
    triage_csv = _download(at, "mt_download_triage", deferred)
    assert triage_csv.startswith("rule_id,n_items,model_accuracy")
    check_csv = _download(at, "mt_download_check", deferred)
    header = check_csv.splitlines()[0]
    assert header == "item_id,rule_id,model,model_answer,score,selection,plan_n,plan_c,reviewer_answer"
    tasks = json.loads(_download(at, "mt_download_tasks", deferred))
    assert tasks and tasks[0]["predictions"][0]["model_version"] == "clauses-gpt@2024-08"
    # the people's figures do not count the model
    data = service.round_responses(ws.engine, demo_round_name("1.1.0"))
    assert "clauses-gpt@2024-08" not in set(data.responses["annotator_id"])


def test_annotator_is_refused(store) -> None:
    ws, _ = store
    at = ws.page("model_triage.py", ws.annotator).run()
    assert at.error[0].value.startswith("This page is for a lead;")
    assert not at.get("download_button")
