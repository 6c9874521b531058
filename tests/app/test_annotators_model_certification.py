"""A model certified with `certify-model --store` is listed on the Annotators page with the people, marked
as a model (AppTest)."""

from __future__ import annotations

import pandas as pd

from calibration.agreement.model import certify_model
from calibration.responses import ANNOTATOR, ANSWER, ITEM
from tests.app.app_helpers import texts
from tests.app.lead_pages_support import GUIDELINE, frames, make_workspace


def test_a_stored_model_certification_shows_on_the_annotators_page(tmp_path, monkeypatch):
    from calibration.rounds import service

    ws = make_workspace(tmp_path, monkeypatch)
    guideline = service.get_guideline(ws.engine, GUIDELINE)
    answers = pd.DataFrame(
        [{ITEM: i, ANNOTATOR: "clauses-bot@2026-01", ANSWER: a} for i, a in guideline.gold_answers().items()]
    )
    report = certify_model(answers, guideline, "clauses-bot@2026-01")
    stored = service.store_model_certification(ws.engine, report, guideline, actor=ws.lead)
    assert stored is not None and stored[1]

    at = ws.page("annotators.py", ws.lead).run()
    assert not at.exception
    status = frames(at, index="annotator")[0]
    assert status.loc["clauses-bot@2026-01", GUIDELINE] != "not certified"
    # told apart from the people: the model is marked, the annotator who passed a quiz is not
    assert status.loc["clauses-bot@2026-01", "kind"] == "model"
    assert "Kind model: a model certified" in texts(at).replace("**", "")
