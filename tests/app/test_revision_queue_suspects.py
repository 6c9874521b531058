"""The revision queue page lists the item model's suspect quiz items (wrong gold, ambiguous items) as
evidence on their rule, once the model is fitted."""

from __future__ import annotations

import numpy as np
import pandas as pd

from calibration.guidelines.model import Guideline
from tests.app.lead_pages_support import make_workspace, texts

ITEMS = [f"q{k:02d}" for k in range(20)]


def _guideline() -> Guideline:
    return Guideline.model_validate(
        {
            "format": 1,
            "id": "suspects",
            "version": "1.0.0",
            "title": "Suspect items",
            "task": {
                "type": "single_label",
                "labels": [{"id": "YES", "name": "Yes"}, {"id": "NO", "name": "No"}],
            },
            "rules": [
                {"id": "R-A", "title": "First rule", "text": "Say YES or NO.", "labels": ["YES", "NO"]},
                {"id": "R-B", "title": "Second rule", "text": "Say YES or NO.", "labels": ["YES", "NO"]},
            ],
            "items": [
                {
                    "id": item,
                    "input": f"question {item}",
                    "rules": ["R-A" if k < 10 else "R-B"],
                    "answer": "YES" if k % 2 else "NO",
                }
                for k, item in enumerate(ITEMS)
            ],
        }
    )


def _answers(guideline: Guideline) -> pd.DataFrame:
    """60 annotators of spread ability; on q07 the gold is the wrong label (strong annotators 'miss' it)."""
    rng = np.random.default_rng(8)
    b = rng.normal(-0.5, 1.0, 20)
    theta = rng.normal(0.0, 1.2, 60)
    right = rng.uniform(size=(20, 60)) < 1 / (1 + np.exp(-(theta[None, :] - b[:, None])))
    right[7] = ~right[7]
    gold = {item.id: item.answer for item in guideline.items}
    return pd.DataFrame(
        [
            {
                "item_id": item,
                "annotator_id": f"ann{j:02d}",
                "answer": gold[item] if right[k, j] else ("NO" if gold[item] == "YES" else "YES"),
            }
            for k, item in enumerate(ITEMS)
            for j in range(60)
        ]
    )


def test_suspect_quiz_items_show_on_their_rule_once_the_model_is_fitted(tmp_path, monkeypatch):
    from calibration.rounds import item_model, service

    ws = make_workspace(tmp_path, monkeypatch)
    guideline = _guideline()
    service.publish(ws.engine, guideline, ws.lead)
    round_ = service.create_pilot_round(ws.engine, "Gold pilot", guideline.ref, actor=ws.lead)
    service.import_responses(ws.engine, round_.name, _answers(guideline), actor=ws.lead, source="test")

    def rule_a_page():
        at = ws.page("revision_queue.py", ws.lead).run()
        at.selectbox(key="rq_round").set_value(round_.id).run()
        at.selectbox(key="rq_rule").set_value("R-A").run()
        assert not at.exception, at.exception
        return at

    assert "suspect quiz items" not in texts(rule_a_page())  # no item model yet
    item_model.fit_item_model(ws.engine, guideline.ref, actor=ws.lead, model="2pl")
    shown = texts(rule_a_page()).replace("\\", "")  # markdown escapes
    assert "suspect quiz items" in shown
    assert "quiz items measure nothing or the opposite: q07" in shown
    assert "Review quiz item(s) q07" in shown
    ws.engine.dispose()
