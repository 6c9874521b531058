"""Fixtures of the CLI tests: a store with the demo workspace, and a store with a Label Studio export.

Fixtures shared with the library tests (`store`, `pilot`, `valid_yaml`, ...) are in tests/conftest.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from calibration.cli.main import main
from calibration.guidelines.loading import load_guideline

ROOT = Path(__file__).resolve().parents[2]
CLAUSES = ROOT / "guidelines" / "contract-clauses" / "1.1.0.yaml"


@pytest.fixture
def demo_store(store):
    """`store` with the demo workspace loaded: (store, the names of its rounds)."""
    from calibration.rounds.demo_workspace import load_demo_workspace

    names = load_demo_workspace(store.engine, actor=store.lead)
    return store, names


def ls_export(guideline, answers):
    """Label Studio's full export for {item_id: {annotator email: label}} with items from the bank."""
    tasks = []
    for number, (item_id, by) in enumerate(answers.items(), start=1):
        item = guideline.item(item_id)
        annotations = [
            {
                "id": number * 10 + k,
                "completed_by": {"id": k, "email": who},
                "was_cancelled": False,
                "ground_truth": False,
                "lead_time": 4.0,
                "task": number,
                "result": [
                    {
                        "from_name": "clause",
                        "to_name": "text",
                        "type": "choices",
                        "origin": "manual",
                        "value": {"choices": [label]},
                        "id": f"x{k}",
                    }
                ],
            }
            for k, (who, label) in enumerate(by.items(), start=1)
        ]
        tasks.append(
            {
                "id": number,
                "data": {"text": item.input.text, "item_id": item_id},
                "annotations": annotations,
                "predictions": [],
                "meta": {},
            }
        )
    return tasks


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """A store with contract-clauses@1.1.0 and a Label Studio export of two annotators on four bank items."""
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    guideline = load_guideline(CLAUSES)
    assert main(["publish", str(CLAUSES), "--database-url", url]) == 0
    ids = [item.id for item in guideline.items[:4]]
    labels = [label.id for label in guideline.task.labels]
    answers = {i: {"ana@x.org": labels[n % 3], "bo@x.org": labels[(n + 1) % 3]} for n, i in enumerate(ids)}
    export = tmp_path / "project-1.json"
    export.write_text(json.dumps(ls_export(guideline, answers)))
    return tmp_path, url, guideline, answers, export
