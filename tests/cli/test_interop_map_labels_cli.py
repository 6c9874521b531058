"""`calibration import --map-labels OLD=NEW` writes the renamed answers; without it nothing is written."""

from __future__ import annotations

import json

from calibration.cli.main import main
from calibration.rounds import service
from calibration.storage.engine import make_engine


def test_map_labels_imports_the_renamed_answers_in_one_round(workspace, capsys):
    _folder, url, guideline, answers, export = workspace
    tasks = json.loads(export.read_text())
    tasks[0]["annotations"][0]["result"][0]["value"]["choices"] = ["Indemnity (old)"]
    tasks[2]["annotations"][1]["result"][0]["value"]["choices"] = ["Indemnity (old)"]
    export.write_text(json.dumps(tasks))
    engine = make_engine(url)
    base = ["import", "labelstudio", str(export), "--guideline", guideline.ref, "--database-url", url]

    before = service.counts(engine)
    assert main([*base, "--round", "refused"]) == 1
    err = capsys.readouterr().err
    assert (
        "label 'Indemnity (old)' is not a label of" in err
        and "task 1 annotation 11, task 3 annotation 32" in err
    )
    assert service.counts(engine) == before
    assert "refused" not in [r.name for r in service.list_rounds(engine)]

    target = guideline.task.labels[0].id
    assert main([*base, "--round", "mapped", "--map-labels", f"Indemnity (old)={target}"]) == 0
    assert f"renamed label Indemnity (old) -> {target} (2 times)" in capsys.readouterr().out
    stored = service.round_responses(engine, "mapped").responses
    got = {(r.item_id, r.annotator_id): r.answer for r in stored.itertuples()}
    items = list(answers)
    expected = {(i, who): label for i, by in answers.items() for who, label in by.items()}
    expected[(items[0], "ana@x.org")] = target
    expected[(items[2], "bo@x.org")] = target
    assert got == expected
