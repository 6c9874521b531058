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
    assert "R-INDEM: fail accuracy 0.357 on 14 items (95% interval 0.16-0.61; threshold 0.67)" in lines
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
