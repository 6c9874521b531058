"""`calibration certify-model` and `calibration model-triage` in-process, on the bundled example."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from calibration.agreement.model_simulation import simulate_answers
from calibration.cli.main import main
from calibration.guidelines.loading import load_guideline

ROOT = Path(__file__).resolve().parents[2]
ANSWERS = ROOT / "examples/model/contract-model-answers.csv"
GUIDELINE = ROOT / "guidelines/contract-clauses/1.1.0.yaml"


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_certify_the_bundled_model_answers_fails_on_indemnity_with_exit_1(capsys) -> None:
    code, out, err = run(capsys, "certify-model", ANSWERS, "--guideline", GUIDELINE)
    assert code == 1, err
    lines = out.splitlines()
    assert lines[0] == (
        "model clauses-gpt@2024-08 on contract-clauses@1.1.0: not certified (43 items, accuracy 0.791)"
    )
    assert (
        "R-INDEM: fail accuracy 0.357 on 14 items (95% interval 0.16-0.61; threshold 0.67; "
        "P(accuracy >= threshold) 0.01)"
    ) in lines
    assert any(line.startswith("R-CONF: undecided accuracy 1.000 on 5 items") for line in lines)
    code, out, err = run(capsys, "certify-model", ANSWERS, "--guideline", "contract-clauses@1.1.0", "--json")
    data = json.loads(out)
    assert (code, data["passed"], data["per_rule"]["R-PAY"]["decision"]) == (1, False, "pass")
    assert data["notes"] == []


def test_certify_a_model_right_everywhere_exits_0(capsys, tmp_path) -> None:
    guideline = load_guideline(GUIDELINE)
    path = tmp_path / "perfect.csv"
    rows = [f"{i},bot,{a}" for i, a in guideline.gold_answers().items()]
    path.write_text("item_id,annotator_id,answer\n" + "\n".join(rows) + "\n", encoding="utf-8")
    code, out, err = run(capsys, "certify-model", path, "--guideline", GUIDELINE, "--confidence", "0.9")
    assert code == 0, err
    assert out.startswith("model bot on contract-clauses@1.1.0: certified")
    assert "90% interval" in out


def test_unknown_model_name_is_one_line_with_a_hint(capsys) -> None:
    code, out, err = run(
        capsys, "certify-model", ANSWERS, "--guideline", GUIDELINE, "--model", "clauses-gtp@2024-08"
    )
    assert code == 1 and out == ""
    assert "no answer in the file is by 'clauses-gtp@2024-08', named as a model annotator" in err
    assert "did you mean 'clauses-gpt@2024-08'?" in err and "Traceback" not in err


@pytest.mark.parametrize("option", [("--confidence", "1.5"), ("--format", "xml")])
def test_misuse_exits_2(capsys, option) -> None:
    with pytest.raises(SystemExit) as caught:
        run(capsys, "certify-model", ANSWERS, "--guideline", GUIDELINE, *option)
    assert caught.value.code == 2


def test_model_triage_on_simulated_answers(capsys, tmp_path) -> None:
    guideline = load_guideline(GUIDELINE)
    responses, gold, _ = simulate_answers(
        guideline, {"R-INDEM": 0.5, "R-PAY": 1.0}, items_per_rule=80, seed=4
    )
    # the simulated items are not bank items: their rule is a column of the file, their gold a file
    frame = responses.assign(rule_id=responses["item_id"].str.rsplit("-sim-", n=1).str[0])
    path, gold_path = tmp_path / "round.csv", tmp_path / "gold.csv"
    frame.drop(columns="score").to_csv(path, index=False)
    gold.rename("answer").reset_index().to_csv(gold_path, index=False)
    args = ("model-triage", path, "--guideline", GUIDELINE, "--gold", gold_path, "--bootstrap", 200)
    code, out, err = run(capsys, *args, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["R-INDEM"]["decision"] == "keep people"
    assert data["R-PAY"]["decision"] == "automate with spot-checks"
    assert data["R-PAY"]["n_items"] == 80
    code, out, err = run(capsys, *args, "--people", "person-1", "--margin", "0.1", "--min-items", "100")
    assert code == 0, err
    assert out.splitlines()[0].startswith("R-CONF: not enough evidence (model ")


def _plan(capsys, tmp_path, *extra) -> tuple[int, Path, str]:
    out = tmp_path / "plan.csv"
    code, _, err = run(
        capsys,
        "spot-check-plan",
        ANSWERS,
        "--guideline",
        GUIDELINE,
        "--rules",
        "R-PAY",
        "R-TERM",
        "--baseline",
        "1",
        "--target",
        "0.7",
        "-o",
        out,
        *extra,
    )
    return code, out, err


def test_spot_check_plan_csv_then_review_keeps_or_sends_back(capsys, tmp_path) -> None:
    import pandas as pd

    code, path, err = _plan(capsys, tmp_path)
    assert code == 0, err
    assert "R-PAY: check 9 random labels per batch and keep automating while at most 0 are wrong" in err
    plan = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert set(plan["rule_id"]) == {"R-PAY", "R-TERM"} and set(plan["reviewer_answer"]) == {""}
    # R-PAY has 7 bank items, fewer than n=9: all are checked
    assert (plan["rule_id"].eq("R-PAY") & plan["selection"].eq("random")).sum() == 7
    right = plan.assign(reviewer_answer=plan["model_answer"])
    right.to_csv(tmp_path / "reviewed.csv", index=False)
    code, out, err = run(capsys, "spot-check-review", tmp_path / "reviewed.csv", "--guideline", GUIDELINE)
    assert code == 0, err
    assert out.splitlines()[0].startswith("R-PAY: keep automating (0 wrong of 7 random labels checked")
    wrong = right.copy()
    wrong.loc[wrong["rule_id"].eq("R-TERM").idxmax(), "reviewer_answer"] = "OTHER"
    wrong.to_csv(tmp_path / "reviewed.csv", index=False)
    code, out, err = run(
        capsys, "spot-check-review", tmp_path / "reviewed.csv", "--guideline", GUIDELINE, "--json"
    )
    assert code == 1, err
    assert json.loads(out)["R-TERM"]["decision"] == "back to people"


def test_spot_check_plan_as_label_studio_tasks_and_the_reviewers_export_read_back(capsys, tmp_path) -> None:
    code, path, err = _plan(capsys, tmp_path, "--as", "labelstudio")
    assert code == 0, err
    tasks = json.loads(path.read_text(encoding="utf-8"))
    first = tasks[0]
    assert first["data"]["selection"] == "random" and first["data"]["text"]
    (prediction,) = first["predictions"]
    assert prediction["model_version"] == "clauses-gpt@2024-08" and 0 < prediction["score"] <= 1
    # the reviewer accepts every prediction as is: the export carries their annotations
    for number, task in enumerate(tasks, start=1):
        task["annotations"] = [
            {
                "id": number,
                "completed_by": {"id": 7, "email": "rev@x.org"},
                "result": task["predictions"][0]["result"],
            }
        ]
    export = tmp_path / "export.json"
    export.write_text(json.dumps(tasks), encoding="utf-8")
    code, _, err = _plan(capsys, tmp_path)
    assert code == 0, err
    code, out, err = run(
        capsys,
        "spot-check-review",
        tmp_path / "plan.csv",
        "--guideline",
        GUIDELINE,
        "--reviews",
        export,
        "--json",
    )
    assert code == 0, err
    assert {r["decision"] for r in json.loads(out).values()} == {"keep automating"}


def test_spot_check_plan_from_a_triage_without_baseline_is_refused(capsys, tmp_path) -> None:
    code, _, err = run(
        capsys, "spot-check-plan", ANSWERS, "--guideline", GUIDELINE, "--rules", "R-PAY", "--target", "0.9"
    )
    assert code == 1
    assert "no baseline accuracy for rule R-PAY" in err and "--triage TRIAGE.json" in err


def test_a_rounds_export_with_include_models_is_what_model_triage_reads(capsys, tmp_path) -> None:
    """docs/model-annotators.md: `export responses ROUND --include-models -o pilot.csv`, then model-triage on it."""
    from calibration.app.bootstrap import prepare_database
    from calibration.rounds import service
    from calibration.rounds.demo_workspace import (
        demo_round_name,
        load_demo_model_answers,
        load_demo_workspace,
    )
    from calibration.storage.engine import make_engine

    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = make_engine(url)
    prepare_database(engine)
    lead = service.create_user(
        engine, "Lena", role="lead", email="lena@example.org", password="long-pass-phrase"
    )
    load_demo_workspace(engine, actor=lead)
    load_demo_model_answers(engine, actor=lead)
    name = demo_round_name("1.1.0")
    people_only, with_models = tmp_path / "people.csv", tmp_path / "pilot.csv"
    code, _, err = run(capsys, "export", "responses", name, "--database-url", url, "-o", people_only)
    assert code == 0, err
    assert "clauses-gpt@2024-08" not in people_only.read_text(encoding="utf-8")
    code, _, err = run(
        capsys, "export", "responses", name, "--include-models", "--database-url", url, "-o", with_models
    )
    assert code == 0, err
    code, out, err = run(
        capsys, "model-triage", with_models, "--guideline", "contract-clauses@1.1.0", "--min-items", "5"
    )
    assert code == 0, err
    assert any(line.startswith("R-INDEM: keep people") for line in out.splitlines())
    assert any(line.startswith("R-PAY: automate with spot-checks") for line in out.splitlines())
