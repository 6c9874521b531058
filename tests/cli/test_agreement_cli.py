"""`calibration agreement` in-process: tables and JSON match the library; bad input gives one message."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from calibration.agreement.breakdown import agreement_report
from calibration.cli.main import main
from calibration.guidelines.loading import load_guideline
from calibration.responses import gold_series, item_rules_frame, responses_frame
from tests.agreement.box_examples import worked_example

ROOT = Path(__file__).resolve().parents[2]
PILOT = ROOT / "examples/agreement/contract-pilot.csv"
RULES = ROOT / "examples/agreement/contract-item-rules.csv"
GOLD = ROOT / "examples/agreement/contract-gold.csv"
GUIDELINE = ROOT / "guidelines/contract-clauses/1.0.0.yaml"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["agreement", *map(str, argv)])
    out = capsys.readouterr()
    return code, out.out, out.err


def library_report(bootstrap: int = 200):
    guideline = load_guideline(GUIDELINE)
    responses = responses_frame(pd.read_csv(PILOT, dtype=str))
    return agreement_report(
        responses,
        guideline.task,
        item_rules=item_rules_frame(guideline.item_rules()),
        gold=gold_series(guideline.gold_answers()),
        bootstrap=bootstrap,
        seed=4,
    )


def test_bundled_example_json_matches_the_library(capsys) -> None:
    code, out, err = run(capsys, PILOT, "--guideline", GUIDELINE, "--bootstrap", 200, "--seed", 4, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert set(data) == {"overall", "per_rule", "per_label", "per_annotator"}
    expected = json.loads(json.dumps(library_report().to_dict()))
    assert data == expected
    assert data["per_rule"]["R-INDEM"]["krippendorff_alpha"] < data["per_rule"]["R-PAY"]["krippendorff_alpha"]
    assert "gold_accuracy" in data["overall"] and "gold_kappa" in data["per_rule"]["R-INDEM"]


def test_bundled_example_table_prints_per_rule_rows(capsys) -> None:
    code, out, _ = run(capsys, PILOT, "--item-rules", RULES, "--gold", GOLD, "--bootstrap", 200, "--seed", 4)
    assert code == 0
    report = library_report()
    line = next(x for x in out.splitlines() if x.startswith("R-INDEM "))
    block = report.per_rule["R-INDEM"].to_dict()
    assert f"{block['krippendorff_alpha']:.3f}" in line
    assert f"{block['fleiss_kappa']:.3f}" in line
    assert (
        f"[{block['ci95']['krippendorff_alpha'][0]:.2f}, {block['ci95']['krippendorff_alpha'][1]:.2f}]"
        in line
    )
    assert out.startswith(
        "Agreement on 162 answers by 4 annotators on 41 items (single_label, level nominal;"
    )
    kappa = report.pairwise_kappa.loc["annotator-1", "annotator-2"]
    pair_line = next(x for x in out.splitlines() if x.startswith("annotator-1 ") and x.split()[1] == "-")
    assert f"{kappa:.3f}" in pair_line
    assert "R-INDEM      INDEMNIFICATION vs LIMITATION_OF_LIABILITY: " in out


def test_wide_format_with_ignored_columns_equals_long(tmp_path: Path, capsys) -> None:
    long = pd.read_csv(PILOT, dtype=str)
    wide = long.pivot(index="item_id", columns="annotator_id", values="answer").reset_index()
    wide.insert(1, "text", "some clause text")
    path = tmp_path / "wide.csv"
    wide.to_csv(path, index=False)
    code, out, err = run(capsys, path, "--format", "wide", "--ignore-columns", "text", "--item-rules", RULES,
                         "--bootstrap", 0, "--allow-single-answers", "--json")  # fmt: skip
    assert code == 0, err
    _code2, out2, _ = run(
        capsys, PILOT, "--item-rules", RULES, "--bootstrap", 0, "--allow-single-answers", "--json"
    )
    assert json.loads(out)["per_rule"] == json.loads(out2)["per_rule"]


def test_inferred_rating_task_and_level(tmp_path: Path, capsys) -> None:
    path = tmp_path / "ratings.csv"
    path.write_text("item_id,annotator_id,answer\n" + "".join(
        f"i{i},{a},{(i + (a == 'y')) % 5 + 1}\n" for i in range(12) for a in ("x", "y")))  # fmt: skip
    code, out, err = run(capsys, path, "--level", "interval", "--bootstrap", 0, "--json")
    assert code == 0, err
    overall = json.loads(out)["overall"]
    assert overall["level"] == "interval" and "gwet_ac2" in overall


def write(tmp_path: Path, text: str, name: str = "r.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "",
            "r.csv: the responses file is empty (hint: the first line names the columns: item_id,annotator_id,answer)",
        ),
        (
            "item_id,annotator,answer\ni1,x,A\n",
            "r.csv: row 1: the responses file needs the column(s) annotator_id; found item_id, annotator, answer "
            "(hint: rename 'annotator' to 'annotator_id')",
        ),
        (
            'item_id,annotator_id,answer\ni1,x,A\ni1,y,B\ni2,x,A\ni2,y,["A"]\n',
            "r.csv: row 5: answer: mixed answer types: row 2 has a label ('A') but this row has a JSON list ('[\"A\"]') "
            "(hint: one file holds one task type; pass --guideline to say which)",
        ),
        (
            "item_id,annotator_id,answer\ni1,x,A\ni1,y,B\ni2,x,A\n",
            "r.csv: row 4: item_id: item 'i2' has one answer only (1 such item); agreement needs two or more "
            "annotators per item (hint: remove the item, or pass --allow-single-answers to keep such items "
            "(they count for label prevalence, not for agreement))",
        ),
        (
            "item_id,annotator_id,answer\ni1,x,A\ni2,x,B\n",
            "r.csv: row 2: annotator_id: only one annotator ('x') answered; agreement needs two or more",
        ),
        (
            "item_id,annotator_id,answer\ni1,x,A\ni1,x,B\ni1,y,A\n",
            "r.csv: row 3: annotator_id: annotator 'x' answered item 'i1' twice (rows 2 and 3) "
            "(hint: keep one answer per item and annotator)",
        ),
        ("item_id,annotator_id,answer\ni1,x,A\ni1,,B\n", "r.csv: row 3: annotator_id: empty annotator_id"),
        (
            "item_id,annotator_id,answer\ni1,x,A\ni1,y,\n",
            "r.csv: row 3: answer: item 'i1': the answer is missing "
            "(hint: leave the row out when an annotator did not answer)",
        ),
    ],
    ids=[
        "empty",
        "missing-column",
        "mixed-types",
        "single-answer",
        "one-annotator",
        "duplicate",
        "empty-id",
        "empty-answer",
    ],
)
def test_bad_input_gives_one_message(tmp_path: Path, capsys, text: str, message: str) -> None:
    path = write(tmp_path, text)
    code, out, err = run(capsys, path, "--bootstrap", 0)
    assert code == 1
    assert out == ""
    assert err == f"error: {path.parent}/{message}\n"


def test_answer_invalid_for_the_guideline_names_row_and_column(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, "item_id,annotator_id,answer\nx1,a,INDEMNIFICATION\nx1,b,INDEMNIFICATON\n")
    code, _, err = run(capsys, path, "--guideline", GUIDELINE, "--bootstrap", 0)
    assert code == 1
    assert err == (
        f"error: {path}: row 3: answer: item 'x1': unknown label 'INDEMNIFICATON'; expected one of "
        "INDEMNIFICATION, LIMITATION_OF_LIABILITY, CONFIDENTIALITY, TERMINATION, GOVERNING_LAW, PAYMENT_TERMS, "
        "INTELLECTUAL_PROPERTY, FORCE_MAJEURE, OTHER (hint: did you mean 'INDEMNIFICATION'?)\n"
    )


def test_bad_gold_and_map_files(tmp_path: Path, capsys) -> None:
    gold = write(tmp_path, "item_id,answer\nq1,INDEMNITY\n", "gold.csv")
    code, _, err = run(capsys, PILOT, "--guideline", GUIDELINE, "--gold", gold, "--bootstrap", 0)
    assert code == 1 and err.startswith(f"error: {gold}: row 2: answer: item 'q1': unknown label 'INDEMNITY'")
    rules = write(tmp_path, "item,rule_id\n", "map.csv")
    code, _, err = run(capsys, PILOT, "--item-rules", rules, "--bootstrap", 0)
    assert code == 1 and "the item-to-rule file needs the column(s) item_id" in err


def test_missing_file_and_misuse(tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, tmp_path / "nope.csv")
    assert (
        code == 1
        and err
        == f"error: {tmp_path / 'nope.csv'}: no such responses file (hint: check the path and that its folder exists)\n"
    )
    with pytest.raises(SystemExit) as exit_:
        main(["agreement", str(PILOT), "--item-rules", str(RULES), "--guideline", str(GUIDELINE)])
    assert exit_.value.code == 2


@pytest.mark.parametrize(
    "guideline",
    [
        "pii-spans/1.0.0.yaml",
        "chatbot-rating/1.0.0.yaml",
        "chatbot-preference/1.0.0.yaml",
        "contract-clauses/1.1.0.yaml",
    ],
)
def test_every_bundled_task_type_through_the_cli(tmp_path: Path, capsys, guideline: str) -> None:
    """Answers equal to the bank's gold, by three annotators: perfect agreement and accuracy."""
    from calibration.answers import dump_cell

    loaded = load_guideline(ROOT / "guidelines" / guideline)
    rows = [(item, who, dump_cell(loaded.task.type, answer)) for item, answer in loaded.gold_answers().items()
            for who in ("x", "y", "z")]  # fmt: skip
    path = tmp_path / "answers.csv"
    pd.DataFrame(rows, columns=["item_id", "annotator_id", "answer"]).to_csv(path, index=False)
    code, out, err = run(
        capsys, path, "--guideline", ROOT / "guidelines" / guideline, "--bootstrap", 50, "--json"
    )
    assert code == 0, err
    overall = json.loads(out)["overall"]
    assert overall["gold_accuracy"] == 1.0
    assert overall["krippendorff_alpha"] == pytest.approx(1.0)
    assert overall["n_items"] == len(loaded.gold_answers())
    if loaded.task.type == "span":
        assert overall["span_f1_exact"] == 1.0


def test_model_rows_are_left_out_of_agreement_unless_included(capsys, tmp_path) -> None:
    frame = pd.read_csv(PILOT, dtype=str)
    model = frame.drop_duplicates("item_id").assign(annotator_id="clauses-gpt@1", annotator_kind="model")
    mixed = pd.concat([frame.assign(annotator_kind="human"), model], ignore_index=True)
    path = tmp_path / "mixed.csv"
    mixed.to_csv(path, index=False)
    args = ("--guideline", GUIDELINE, "--bootstrap", 0, "--json")
    _, people_only, _ = run(capsys, PILOT, *args)
    code, out, err = run(capsys, path, *args)
    assert code == 0, err
    assert json.loads(out) == json.loads(people_only)
    code, out, err = run(capsys, path, *args, "--include-models")
    assert code == 0, err
    assert "clauses-gpt@1 (model)" in json.loads(out)["per_annotator"]  # marked in the tables


def test_cli_reads_box_answers_as_json_in_the_long_csv(tmp_path, capsys) -> None:
    responses = worked_example()
    path = tmp_path / "boxes.csv"
    pd.DataFrame(
        {
            "item_id": responses["item_id"],
            "annotator_id": responses["annotator_id"],
            "answer": [json.dumps([b.to_json() for b in a]) for a in responses["answer"]],
        }
    ).to_csv(path, index=False)
    assert main(["agreement", str(path), "--bootstrap", "0", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["overall"]["krippendorff_alpha"] == pytest.approx(0.5)
    assert set(payload["per_label"]) == {"car", "person"}
    assert main(["agreement", str(path), "--bootstrap", "0"]) == 0
    text = capsys.readouterr().out
    assert "Box agreement on 5 answers (4 boxes) by 3 annotators on 2 images" in text
    assert "0.6: 0.33" in text
    assert "Box alpha per annotator pair" in text
