"""Box agreement: IoU against pycocotools, alpha against a plain implementation, the worked example."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from calibration.agreement.boxes import (
    THRESHOLDS,
    alpha_by_threshold,
    box_agreement,
    box_answers,
    box_item_disagreement,
    item_pairs,
    match_answer_pairs,
    overlapping_cells,
)
from calibration.agreement.breakdown import agreement_report
from calibration.boxes import Box, iou_matrix, match_boxes
from calibration.errors import DataError
from calibration.guidelines.model import Label, Task
from tests.agreement.box_examples import frame, worked_example

LABELS = ("car", "person")
TASK = Task(type="boxes", labels=[Label(id=lab, name=lab) for lab in LABELS])


def random_boxes(rng: np.random.Generator, n: int) -> list[Box]:
    return [
        Box(
            LABELS[int(rng.integers(0, 2))],
            float(rng.uniform(0, 200)),
            float(rng.uniform(0, 150)),
            float(rng.uniform(5, 80)),
            float(rng.uniform(5, 80)),
        )
        for _ in range(n)
    ]


def noisy_pilot(seed: int, n_items: int = 25, n_ann: int = 4, jitter: float = 4.0) -> pd.DataFrame:
    """Crowded scenes: objects overlap each other, annotators jitter, skip, relabel and add boxes."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_items):
        objects = random_boxes(rng, int(rng.integers(0, 8)))
        for a in range(n_ann):
            boxes = []
            for box in objects:
                if rng.random() < 0.15:
                    continue
                label = box.label if rng.random() > 0.1 else LABELS[1 - LABELS.index(box.label)]
                dx, dy, dw, dh = rng.normal(0, jitter, 4)
                boxes.append(
                    Box(label, box.x + dx, box.y + dy, max(box.width + dw, 1), max(box.height + dh, 1))
                )
            if rng.random() < 0.2:
                boxes += random_boxes(rng, 1)
            rows.append((f"img{i:02d}", f"ann{a}", tuple(boxes)))
    return frame(rows)


# --------------------------------------------------------------------------- IoU


def test_iou_equals_pycocotools() -> None:
    mask = pytest.importorskip("pycocotools.mask", reason="pycocotools is in the test extra")
    rng = np.random.default_rng(3)
    left, right = random_boxes(rng, 40), random_boxes(rng, 30)
    ours = iou_matrix(left, right)
    theirs = mask.iou(
        [[b.x, b.y, b.width, b.height] for b in left],
        [[b.x, b.y, b.width, b.height] for b in right],
        [0] * 30,
    )
    assert (ours > 0).sum() > 20  # the boxes do overlap, the comparison is not all zeros
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)
    # the engine's vectorized sweep finds every overlapping pair with the same IoU
    responses = frame([("img", "a", tuple(left)), ("img", "b", tuple(right))])
    answers = box_answers(responses, LABELS)
    cells = overlapping_cells(answers, *item_pairs(answers))
    dense = np.zeros((40, 30))
    dense[cells.left_box, cells.right_box - 40] = cells.iou
    sorted_left, sorted_right = sorted(left), sorted(right)
    np.testing.assert_allclose(dense, iou_matrix(sorted_left, sorted_right), rtol=0, atol=0)


def test_matching_equals_match_boxes_on_crowded_scenes() -> None:
    responses = noisy_pilot(seed=11, n_items=40, n_ann=5, jitter=12.0)
    answers = box_answers(responses, LABELS)
    left, right = item_pairs(answers)
    matches = match_answer_pairs(answers, left, right)
    hungarian = 0
    for p, (ra, rb) in enumerate(zip(left, right, strict=True)):
        a = [
            Box(LABELS[answers.box_label[k]], *corner_box(answers, k))
            for k in range(*answers.start[ra : ra + 2])
        ]
        b = [
            Box(LABELS[answers.box_label[k]], *corner_box(answers, k))
            for k in range(*answers.start[rb : rb + 2])
        ]
        expected = {(m.left, m.right): m.iou for m in match_boxes(a, b)}
        hungarian += len(expected) < min(len(a), len(b)) or bool(
            (iou_matrix(a, b) > 0).sum(axis=1).max(initial=0) > 1
        )
        mine = matches.pair == p
        got = {
            (int(lb - answers.start[ra]), int(rb_ - answers.start[rb])): iou
            for lb, rb_, iou in zip(
                matches.left_box[mine], matches.right_box[mine], matches.iou[mine], strict=True
            )
        }
        assert got.keys() == expected.keys()
        assert list(got.values()) == pytest.approx([expected[k] for k in got])
    assert hungarian > 20  # many pairs needed a real assignment, not just the overlapping pairs


def corner_box(answers, k: int) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = answers.corners[k]
    return x0, y0, x1 - x0, y1 - y0


# --------------------------------------------------------------------------- alpha, independently


def plain_alpha(responses: pd.DataFrame, tau: float) -> float:
    """The convention of docs/agreement.md with loops and `match_boxes` (every cross-image pair)."""
    answers = {
        (i, a): ans for i, a, ans in responses[["item_id", "annotator_id", "answer"]].itertuples(index=False)
    }

    def pair_sums(x, y):
        kept = [m for m in match_boxes(x, y) if m.iou >= tau]
        d = sum(1 - m.iou for m in kept) + (len(x) + len(y) - 2 * len(kept))
        c = len(kept) + (len(x) + len(y) - 2 * len(kept))
        return d, c

    d_o = c_o = 0.0
    items = sorted({i for i, _ in answers})
    for item in items:
        mine = [answers[k] for k in sorted(answers) if k[0] == item]
        m = len(mine)
        for a in range(m):
            for b in range(a + 1, m):
                d, c = pair_sums(mine[a], mine[b])
                d_o += d / (m - 1)
                c_o += c / (m - 1)
    keys = sorted(answers)
    d_e = c_e = 0.0
    for s, k1 in enumerate(keys):
        for k2 in keys[s + 1 :]:
            if k1[0] != k2[0]:
                d, c = pair_sums(answers[k1], answers[k2])
                d_e += d
                c_e += c
    return 1 - (d_o / c_o) / (d_e / c_e)


def plain_label_alpha(responses: pd.DataFrame, min_iou: float) -> float:
    """Nominal alpha from a coincidence matrix of the labels of matched boxes, by loops."""
    coincidences: dict[tuple[str, str], float] = {}
    for _item, part in responses.groupby("item_id"):
        answers = list(part.sort_values("annotator_id")["answer"])
        m = len(answers)
        for a in range(m):
            for b in range(a + 1, m):
                for match in match_boxes(answers[a], answers[b], min_iou=min_iou):
                    la, lb = answers[a][match.left].label, answers[b][match.right].label
                    coincidences[(la, lb)] = coincidences.get((la, lb), 0) + 1 / (m - 1)
                    coincidences[(lb, la)] = coincidences.get((lb, la), 0) + 1 / (m - 1)
    n_c: dict[str, float] = {}
    for (c, _k), o in coincidences.items():
        n_c[c] = n_c.get(c, 0) + o
    n = sum(n_c.values())
    observed = sum(o for (c, k), o in coincidences.items() if c != k)
    expected = sum(n_c[c] * n_c[k] for c in n_c for k in n_c if c != k)
    return 1 - (n - 1) * observed / expected


@pytest.mark.parametrize("seed", [1, 2, 5])
def test_alpha_equals_plain_implementation_at_every_threshold(seed: int) -> None:
    responses = noisy_pilot(seed, n_items=15, n_ann=3 + seed % 2)
    result = box_agreement(responses, TASK, bootstrap=0)
    curve = alpha_by_threshold(result)
    assert list(curve["threshold"]) == list(THRESHOLDS)
    for tau, alpha in zip(curve["threshold"], curve["alpha"], strict=True):
        assert alpha == pytest.approx(plain_alpha(responses, tau), abs=1e-12)
    assert result.overall.to_dict()["krippendorff_alpha"] == pytest.approx(curve["alpha"].iloc[0])
    assert result.overall.to_dict()["label_alpha"] == pytest.approx(
        plain_label_alpha(responses, 0.5), abs=1e-12
    )


def test_missing_answers_and_empty_answers_count_as_in_the_plain_implementation() -> None:
    responses = noisy_pilot(4, n_items=12, n_ann=4)
    responses = responses.drop(index=[0, 5, 9, 13]).reset_index(drop=True)  # some images have 3 answers
    responses.loc[2, "answer"] = ()  # an annotator saw nothing to box
    result = box_agreement(responses, TASK, bootstrap=0)
    assert result.overall.to_dict()["krippendorff_alpha"] == pytest.approx(
        plain_alpha(responses, 0.0), abs=1e-12
    )


def test_identical_annotations_give_alpha_one() -> None:
    rng = np.random.default_rng(8)
    rows = []
    for i in range(20):
        boxes = tuple(random_boxes(rng, int(rng.integers(1, 6))))
        rows += [(f"img{i}", f"ann{a}", boxes) for a in range(4)]
    result = box_agreement(frame(rows), TASK, bootstrap=200)
    assert result.overall.to_dict()["krippendorff_alpha"] == 1.0
    assert result.overall.to_dict()["label_alpha"] == 1.0
    assert all(row == 1.0 for row in alpha_by_threshold(result)["alpha"])
    assert result.overall.to_dict()["ci95"]["krippendorff_alpha"] == [1.0, 1.0]


def test_independent_random_boxes_give_alpha_near_zero() -> None:
    rng = np.random.default_rng(9)
    rows = [
        (f"img{i}", f"ann{a}", tuple(random_boxes(rng, int(rng.integers(0, 6)))))
        for i in range(300)
        for a in range(4)
    ]
    result = box_agreement(frame(rows), TASK, bootstrap=300)
    alpha = result.overall.to_dict()["krippendorff_alpha"]
    assert abs(alpha) < 0.03
    low, high = result.overall.to_dict()["ci95"]["krippendorff_alpha"]
    assert low < 0.01 and high > -0.01
    # few random boxes overlap at IoU >= 0.5: label alpha is noisy, but its interval holds 0
    label_low, label_high = result.overall.to_dict()["ci95"]["label_alpha"]
    assert label_low < 0 < label_high


# --------------------------------------------------------------------------- the worked example


def test_worked_example_of_the_docs() -> None:
    result = box_agreement(worked_example(), TASK, bootstrap=0)
    overall = result.overall.to_dict()
    assert overall["observed_disagreement"] == pytest.approx(0.5)
    assert overall["expected_disagreement"] == pytest.approx(1.0)
    assert overall["krippendorff_alpha"] == pytest.approx(0.5)
    curve = alpha_by_threshold(result).set_index("threshold")["alpha"]
    assert curve[0.5] == pytest.approx(0.5)
    assert curve[0.6] == pytest.approx(1 / 3)
    assert overall["label_alpha"] == pytest.approx(0.0)
    assert overall["mean_iou"] == pytest.approx(0.75)
    assert overall["match_f1"] == pytest.approx(2 / 3)
    assert result.per_annotator["A"].to_dict()["krippendorff_alpha"] == pytest.approx(0.625)
    assert result.per_annotator["C"].to_dict()["krippendorff_alpha"] == pytest.approx(0.0)
    pairs = result.pairs.set_index(["annotator_a", "annotator_b"])["krippendorff_alpha"]
    assert pairs[("A", "B")] == pytest.approx(0.75)
    assert pairs[("A", "C")] == pytest.approx(0.0)
    assert result.pairwise_alpha.loc["B", "A"] == pytest.approx(0.75)
    assert result.confusion["*"].loc["car", "person"] == pytest.approx(1.0)
    assert result.confusion["*"].loc["car", "car"] == pytest.approx(1.0)


def test_worked_example_numbers_are_the_ones_in_the_docs() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs/agreement.md").read_text(encoding="utf-8")
    section = text[text.index("## Bounding boxes") :]
    for phrase in (
        "D_o = 1.25 / 2.5 = 0.5",
        "D_e = 10 / 10 = 1",
        "alpha = 1 - 0.5 / 1 = 0.5",
        "alpha(0.6) = 1 - (2/3) / 1 = 1/3",
    ):
        assert phrase in section


# --------------------------------------------------------------------------- breakdowns and the report


def test_rule_label_annotator_and_pair_blocks_with_intervals() -> None:
    responses = noisy_pilot(6, n_items=30, n_ann=4)
    items = sorted(responses["item_id"].unique())
    item_rules = pd.DataFrame(
        {"item_id": items, "rule_id": ["R1" if k % 2 else "R2" for k in range(len(items))]}
    )
    result = box_agreement(responses, TASK, item_rules, bootstrap=300, seed=2)
    assert set(result.per_rule) == {"R1", "R2"}
    assert set(result.per_label) == set(LABELS)
    assert set(result.per_annotator) == {f"ann{a}" for a in range(4)}
    assert len(result.pairs) == 6
    for block in [result.overall, *result.per_rule.values()]:
        interval = block.stats.interval("krippendorff_alpha")
        assert interval.low <= block.stats.krippendorff_alpha <= interval.high
        assert "label_alpha" in block.stats.ci95
    # a rule's block is the engine on that rule's images alone (D_e from the rule's answers)
    r1 = responses[responses["item_id"].isin(item_rules.loc[item_rules["rule_id"] == "R1", "item_id"])]
    alone = box_agreement(r1, TASK, bootstrap=0)
    assert result.per_rule["R1"].to_dict()["krippendorff_alpha"] == pytest.approx(
        alone.overall.to_dict()["krippendorff_alpha"]
    )
    # a label's block is the engine on the answers restricted to that label's boxes
    cars = responses.assign(answer=[tuple(b for b in a if b.label == "car") for a in responses["answer"]])
    assert result.per_label["car"].to_dict()["krippendorff_alpha"] == pytest.approx(
        box_agreement(cars, TASK, bootstrap=0).overall.to_dict()["krippendorff_alpha"]
    )
    # the pair (ann0, ann1) is the engine on their answers alone
    two = responses[responses["annotator_id"].isin({"ann0", "ann1"})]
    pair = result.pairs.set_index(["annotator_a", "annotator_b"]).loc[("ann0", "ann1")]
    assert pair["krippendorff_alpha"] == pytest.approx(_pair_alpha(two, result))
    assert pair["low"] <= pair["krippendorff_alpha"] <= pair["high"]
    curve = result.thresholds
    assert set(curve["block"]) == {"*", "R1", "R2"}
    assert len(curve) == 3 * len(THRESHOLDS)


def _pair_alpha(two: pd.DataFrame, result) -> float:
    """Two annotators' D_o against the overall D_e (the per-pair convention)."""
    alone = box_agreement(two, TASK, bootstrap=0)
    return (
        1
        - alone.overall.to_dict()["observed_disagreement"] / result.overall.to_dict()["expected_disagreement"]
    )


def test_same_seed_same_intervals_and_expected_disagreement_sampled_when_large() -> None:
    responses = noisy_pilot(7, n_items=40, n_ann=3)
    a = box_agreement(responses, TASK, bootstrap=100, seed=5)
    b = box_agreement(responses, TASK, bootstrap=100, seed=5)
    assert a.overall == b.overall
    from calibration.agreement import boxes as engine

    answers = box_answers(responses, LABELS)
    exact = engine.expected_disagreement(answers)[0][0]
    sampled = engine.expected_disagreement(answers, n_pairs=2000, seed=1)[0][0]
    assert sampled == pytest.approx(exact, abs=0.02)
    assert sampled != exact


def test_agreement_report_of_a_boxes_task_has_per_rule_blocks_and_json() -> None:
    responses = noisy_pilot(12, n_items=20, n_ann=3)
    items = sorted(responses["item_id"].unique())
    item_rules = pd.DataFrame({"item_id": items, "rule_id": ["occluded"] * 10 + ["crowd"] * 10})
    report = agreement_report(responses, TASK, item_rules=item_rules, bootstrap=50)
    assert report.task_type == "boxes" and report.level == "iou"
    payload = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert set(payload["per_rule"]) == {"occluded", "crowd"}
    assert payload["per_rule"]["crowd"]["alpha_by_threshold"][0]["threshold"] == 0.0
    frame_ = report.per_rule_frame()
    assert "krippendorff_alpha_low" in frame_.columns
    assert report.pairwise_kappa.shape == (3, 3)


def test_agreement_report_of_a_boxes_task_with_gold_has_the_mean_box_f1_per_rule_and_annotator() -> None:
    """gold_accuracy of a boxes report is the mean box F1 against gold (a quiz's credit), per block."""
    car, person = Box("car", 0, 0, 10, 10), Box("person", 50, 50, 10, 20)
    gold = pd.Series({"img1": (car, person), "img2": (car,)}, dtype=object)
    responses = frame(
        [
            ("img1", "ann", (car, person)),  # F1 1
            ("img1", "bea", (car,)),  # one of two found: F1 2/3
            ("img2", "ann", (car,)),  # F1 1
            ("img2", "bea", (Box("person", 0, 0, 10, 10),)),  # wrong label: F1 0
            ("img3", "ann", (car,)),  # no gold: not scored
            ("img3", "bea", (car,)),
        ]
    )
    item_rules = pd.DataFrame({"item_id": ["img1", "img2", "img3"], "rule_id": ["both", "cars", "cars"]})
    report = agreement_report(responses, TASK, item_rules=item_rules, gold=gold, bootstrap=0)
    assert report.overall.to_dict()["gold_accuracy"] == pytest.approx((1 + 2 / 3 + 1 + 0) / 4)
    assert report.overall.to_dict()["n_gold_answers"] == 4 and report.overall.to_dict()["gold_kappa"] is None
    assert report.per_rule["both"].to_dict()["gold_accuracy"] == pytest.approx((1 + 2 / 3) / 2)
    assert report.per_rule["cars"].to_dict()["gold_accuracy"] == pytest.approx(0.5)
    assert report.per_rule["cars"].to_dict()["n_gold_answers"] == 2
    assert report.per_annotator["bea"].to_dict()["gold_accuracy"] == pytest.approx(1 / 3)
    assert report.per_annotator["ann"].to_dict()["gold_accuracy"] == pytest.approx(1.0)
    assert (
        json.loads(json.dumps(report.to_dict(), allow_nan=False))["per_rule"]["cars"]["gold_accuracy"] == 0.5
    )
    without = agreement_report(responses, TASK, item_rules=item_rules, bootstrap=0)
    assert "gold_accuracy" not in without.per_rule["cars"].to_dict()  # no gold given: no gold fields


def test_item_disagreement_table() -> None:
    responses = frame(
        [
            ("clean", "A", (Box("car", 0, 0, 10, 10),)),
            ("clean", "B", (Box("car", 0, 0, 10, 10),)),
            ("loose", "A", (Box("car", 0, 0, 10, 10),)),
            ("loose", "B", (Box("car", 0, 0, 10, 5),)),
            ("missing", "A", (Box("car", 0, 0, 10, 10), Box("car", 50, 50, 10, 10))),
            ("missing", "B", (Box("car", 0, 0, 10, 10),)),
            ("relabel", "A", (Box("car", 0, 0, 10, 10),)),
            ("relabel", "B", (Box("person", 0, 0, 10, 10),)),
        ]
    )
    table = box_item_disagreement(responses, TASK)
    assert table.loc["clean", ["mean_iou", "unmatched_share", "label_mismatch"]].tolist() == [1.0, 0.0, 0.0]
    assert table.loc["loose", "mean_iou"] == pytest.approx(0.5)
    assert table.loc["missing", "unmatched_share"] == pytest.approx(1 / 3)
    assert table.loc["relabel", "label_mismatch"] == 1.0


def test_bad_answers_name_the_item() -> None:
    bad = frame([("img1", "A", (Box("car", 0, 0, 10, 10),)), ("img1", "B", (Box("truck", 0, 0, 10, 10),))])
    with pytest.raises(DataError, match="unknown box label 'truck' in the answer of item 'img1'"):
        box_agreement(bad, TASK, bootstrap=0)
    not_boxes = pd.DataFrame({"item_id": ["img1"], "annotator_id": ["A"], "answer": ["car"]})
    with pytest.raises(DataError, match="a boxes answer must be a list of boxes, got 'car' for item 'img1'"):
        box_agreement(not_boxes, TASK, bootstrap=0)
    with pytest.raises(DataError, match="no responses"):
        box_agreement(not_boxes.iloc[:0], TASK)


def test_degenerate_rounds_give_undefined_values_not_errors() -> None:
    nothing = frame([("a", "x", ()), ("a", "y", ()), ("b", "x", ())])
    result = box_agreement(nothing, TASK, bootstrap=50)
    assert result.overall.to_dict()["krippendorff_alpha"] is None and result.overall.to_dict()["n_boxes"] == 0
    alone = frame([("a", "x", (Box("car", 0, 0, 1, 1),)), ("b", "x", ())])
    result = box_agreement(alone, TASK, bootstrap=50)
    assert result.overall.to_dict()["krippendorff_alpha"] is None
    assert result.overall.to_dict()["flags"] == ["no_pairable_items", "few_items"]
    # a rule on one image borrows the overall expected disagreement
    rows = frame(
        [
            ("a", "x", (Box("car", 0, 0, 10, 10),)),
            ("a", "y", (Box("car", 0, 0, 10, 5),)),
            ("b", "x", (Box("car", 50, 50, 10, 10),)),
            ("b", "y", ()),
        ]
    )
    item_rules = pd.DataFrame({"item_id": ["a", "never-answered"], "rule_id": ["R", "S"]})
    result = box_agreement(rows, TASK, item_rules, bootstrap=0)
    assert list(result.per_rule) == ["R"]
    expected = result.overall.to_dict()["expected_disagreement"]
    assert result.per_rule["R"].to_dict()["expected_disagreement"] == pytest.approx(expected)
    assert result.per_rule["R"].to_dict()["krippendorff_alpha"] == pytest.approx(1 - 0.5 / expected)


def test_agreement_by_rule_of_a_boxes_task() -> None:
    from calibration.agreement.breakdown import agreement_by_rule

    responses = noisy_pilot(13, n_items=20, n_ann=3)
    items = sorted(responses["item_id"].unique())
    item_rules = pd.DataFrame({"item_id": items, "rule_id": ["A"] * 10 + ["B"] * 10})
    table = agreement_by_rule(responses, TASK, item_rules, bootstrap=100, seed=3)
    full = box_agreement(responses, TASK, item_rules, bootstrap=100, seed=3)
    assert list(table.index) == ["*", "A", "B"]
    assert table.loc["A", "krippendorff_alpha"] == pytest.approx(
        full.per_rule["A"].to_dict()["krippendorff_alpha"]
    )
    assert [
        table.loc["*", "krippendorff_alpha_low"],
        table.loc["*", "krippendorff_alpha_high"],
    ] == pytest.approx(full.overall.to_dict()["ci95"]["krippendorff_alpha"])
    assert np.isnan(table.loc["*", "fleiss_kappa"])


def test_an_iou_of_exactly_min_iou_counts_as_in_gold_scoring() -> None:
    """IoU 0.5 computed as 0.49999999999999994: the pair counts at min_iou 0.5 (as `score_boxes` does)."""
    from calibration.agreement.boxes import box_agreement
    from calibration.boxes import Box
    from calibration.guidelines.model import Task

    task = Task.model_validate({"type": "boxes", "labels": [{"id": "c", "name": "C"}]})
    rows = [
        (item, who, (Box("c", 0.1, 0, width, 1),))
        for item in ("i1", "i2")
        for who, width in (("a", 0.1), ("b", 0.2))
    ]
    responses = pd.DataFrame(rows, columns=["item_id", "annotator_id", "answer"])
    item_rules = pd.DataFrame({"item_id": ["i1", "i2"], "rule_id": ["R", "R"]})
    result = box_agreement(responses, task, item_rules, bootstrap=0)
    assert result.overall.to_dict()["match_f1"] == 1.0
