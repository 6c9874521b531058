"""Structured answers reduced to units: multi-label, spans, pairwise choices and rankings."""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest

from calibration.agreement.breakdown import agreement_report
from calibration.agreement.structured import (
    alpha_with_distance,
    jaccard_distance,
    kendall_w,
    masi_distance,
    set_alpha,
    span_pair_f1,
    unitize,
)
from calibration.answers import Span
from calibration.guidelines.model import Label, Task
from calibration.responses import responses_frame
from tests.agreement.agreement_reference import NER_EXPECTED, NER_PRED, NER_TRUE


def task(kind: str, *labels: str, **extra) -> Task:
    return Task(type=kind, labels=[Label(id=x, name=x) for x in labels], **extra)


def rows(data: dict[str, dict[str, object]]) -> object:
    """{annotator: {item: answer}} -> responses."""
    return responses_frame(
        [{"item_id": i, "annotator_id": a, "answer": v} for a, d in data.items() for i, v in d.items()]
    )


ML = {
    "x": {"i1": ("A",), "i2": ("A", "B"), "i3": (), "i4": ("C",)},
    "y": {"i1": ("A",), "i2": ("B",), "i3": ("C",), "i4": ("C",)},
    "z": {"i1": ("A", "B"), "i2": ("A", "B"), "i4": ("C",)},
}


def test_multi_label_per_label_binary_alpha_matches_krippendorff() -> None:
    rep = agreement_report(rows(ML), task("multi_label", "A", "B", "C"), bootstrap=0)
    for label in "ABC":
        matrix = np.array(
            [
                [float(label in ML[a][i]) if i in ML[a] else np.nan for i in ("i1", "i2", "i3", "i4")]
                for a in "xyz"
            ]
        )
        expected = krippendorff.alpha(matrix, level_of_measurement="nominal", value_domain=[0.0, 1.0])
        assert rep.per_label[label].to_dict()["krippendorff_alpha"] == pytest.approx(expected, abs=1e-9), (
            label
        )
    assert rep.per_label["A"].to_dict()["n_items"] == 2  # items where someone chose A
    assert rep.overall.to_dict()["n_items"] == 4 and rep.overall.to_dict()["n_annotations"] == 11


def test_set_distance_alpha_masi_and_jaccard() -> None:
    assert masi_distance({"A"}, {"A"}) == 0
    assert masi_distance({"A"}, {"A", "B"}) == pytest.approx(1 - 0.5 * 2 / 3)
    assert masi_distance({"A", "C"}, {"A", "B"}) == pytest.approx(1 - (1 / 3) * (1 / 3))
    assert masi_distance({"A"}, {"B"}) == 1
    assert jaccard_distance((), ()) == 0
    value = set_alpha(rows(ML), "masi")
    rep = agreement_report(rows(ML), task("multi_label", "A", "B", "C"), bootstrap=0)
    assert rep.overall.to_dict()["masi_alpha"] == pytest.approx(value, abs=1e-12)
    # identical sets everywhere: distance 0 in every unit -> alpha 1
    same = rows({"x": {"i1": ("A",), "i2": ("B",)}, "y": {"i1": ("A",), "i2": ("B",)}})
    assert set_alpha(same) == pytest.approx(1.0)
    # with the nominal distance the set alpha is nominal alpha over the distinct sets
    counts = np.array([[2, 0], [0, 2], [1, 1]], float)
    nominal = krippendorff.alpha(value_counts=counts, level_of_measurement="nominal")
    assert alpha_with_distance(counts, 1 - np.eye(2)) == pytest.approx(nominal, abs=1e-12)


def ner_spans(tags: list[str]) -> list[Span]:
    spans, start, label = [], None, None
    for i, tag in enumerate([*tags, "O"]):
        if (tag == "O" or tag.startswith("B-")) and start is not None:
            spans.append(Span(start, i, label))
            start = None
        if tag.startswith("B-"):
            start, label = i, tag[2:]
    return spans


def test_span_f1_exact_and_overlap_on_the_seqeval_example() -> None:
    data = {
        "true": {f"d{k}": tuple(ner_spans(t)) for k, t in enumerate(NER_TRUE)},
        "pred": {f"d{k}": tuple(ner_spans(t)) for k, t in enumerate(NER_PRED)},
    }
    f1 = span_pair_f1(rows(data))
    assert f1["span_f1_exact"] == pytest.approx(NER_EXPECTED["exact"])
    assert f1["span_f1_overlap"] == pytest.approx(NER_EXPECTED["ent_type"])
    swapped = span_pair_f1(rows({"a": data["pred"], "b": data["true"]}))
    assert swapped == f1  # symmetric


def test_span_character_alpha_matches_krippendorff_on_marked_characters() -> None:
    data = {
        "a": {"t1": (Span(0, 4, "PER"), Span(10, 12, "ORG")), "t2": (Span(3, 6, "PER"),)},
        "b": {"t1": (Span(0, 3, "PER"),), "t2": (Span(3, 6, "ORG"),)},
    }
    kind = task("span", "PER", "ORG")
    enc = unitize(rows(data), kind)
    assert enc.categories == ["O", "PER", "ORG"]
    assert enc.n_units == 4 + 2 + 3  # characters marked by anyone: t1 0-3, 10-11; t2 3-5
    codes = {"a": {}, "b": {}}
    for unit, who, cat in zip(enc.unit_codes, enc.annotator_codes, enc.category_codes, strict=True):
        codes[enc.annotators[who]][unit] = cat
    matrix = np.array([[codes[a].get(u, np.nan) for u in range(enc.n_units)] for a in ("a", "b")], float)
    expected = krippendorff.alpha(matrix, level_of_measurement="nominal", value_domain=[0.0, 1.0, 2.0])
    rep = agreement_report(rows(data), kind, bootstrap=0)
    assert rep.overall.to_dict()["krippendorff_alpha"] == pytest.approx(expected, abs=1e-9)
    assert rep.overall.to_dict()["span_f1_exact"] == pytest.approx(0.0)
    assert rep.overall.to_dict()["span_f1_overlap"] == pytest.approx(
        2 / 5
    )  # a: PER t1 matched; b: PER t1 matched
    assert set(rep.per_label) == {"PER", "ORG"}


def test_pairwise_alpha_over_a_b_tie() -> None:
    data = {
        "x": {"p1": "a", "p2": "b", "p3": "tie", "p4": "a"},
        "y": {"p1": "a", "p2": "tie", "p3": "tie", "p4": "b"},
    }
    rep = agreement_report(rows(data), Task(type="pairwise"), bootstrap=0)
    code = {"a": 0.0, "b": 1.0, "tie": 2.0}
    matrix = np.array([[code[data[a][p]] for p in ("p1", "p2", "p3", "p4")] for a in ("x", "y")])
    expected = krippendorff.alpha(matrix, level_of_measurement="nominal", value_domain=[0.0, 1.0, 2.0])
    assert rep.overall.to_dict()["krippendorff_alpha"] == pytest.approx(expected, abs=1e-9)
    assert set(rep.per_label) == {"a", "b", "tie"}


def test_ranking_kendall_w_and_alpha_on_ranks() -> None:
    assert kendall_w(np.array([[0, 1, 2], [0, 1, 2]])) == pytest.approx(1.0)
    assert kendall_w(np.array([[0, 1, 2], [2, 1, 0]])) == pytest.approx(0.0)
    # W = 12 S / (m^2 (n^3 - n)) on a textbook-sized example: 3 judges x 4 objects
    ranks = np.array([[1, 2, 3, 4], [2, 1, 3, 4], [1, 3, 2, 4]])
    totals = ranks.sum(axis=0)
    s = ((totals - totals.mean()) ** 2).sum()
    assert kendall_w(ranks) == pytest.approx(12 * s / (9 * (64 - 4)))
    data = {
        "x": {"q1": ("c1", "c2", "c3"), "q2": ("c2", "c1", "c3")},
        "y": {"q1": ("c1", "c3", "c2"), "q2": ("c2", "c1", "c3")},
        "z": {"q1": ("c1", "c2", "c3")},
    }
    rep = agreement_report(rows(data), Task(type="ranking", candidates=3), bootstrap=0)
    w1 = kendall_w(np.array([[0, 1, 2], [0, 2, 1], [0, 1, 2]]))
    assert rep.overall.to_dict()["kendall_w"] == pytest.approx((w1 + 1.0) / 2)
    units = [("q1", "c1"), ("q1", "c2"), ("q1", "c3"), ("q2", "c1"), ("q2", "c2"), ("q2", "c3")]
    matrix = np.array(
        [[float(data[a][q].index(c)) if q in data[a] else np.nan for q, c in units] for a in ("x", "y", "z")]
    )
    expected = krippendorff.alpha(matrix, level_of_measurement="ordinal", value_domain=[0.0, 1.0, 2.0])
    assert rep.overall.to_dict()["krippendorff_alpha"] == pytest.approx(expected, abs=1e-9)
    assert rep.level == "ordinal"


def test_span_token_alpha_with_input_texts() -> None:
    from calibration.agreement.structured import token_bounds
    from calibration.guidelines.model import TextInput

    text = "Anna Smith wrote to anna@x.com, twice."
    starts, ends = token_bounds(text)
    assert [text[s:e] for s, e in zip(starts, ends, strict=True)] == [
        "Anna", "Smith", "wrote", "to", "anna", "@", "x", ".", "com", ",", "twice", "."
    ]  # fmt: skip
    data = {
        "a": {"t1": (Span(0, 10, "PER"), Span(20, 30, "ORG"))},
        "b": {"t1": (Span(0, 4, "PER"), Span(20, 24, "ORG"))},
    }
    kind = task("span", "PER", "ORG")
    inputs = {"t1": TextInput(text=text)}
    enc = unitize(rows(data), kind, inputs)
    assert enc.unit_kind == "item_token"
    assert enc.n_units == 7  # Anna, Smith, anna, @, x, ., com
    rep = agreement_report(rows(data), kind, bootstrap=0, inputs=inputs)
    # tokens: Anna PER/PER, Smith PER/O, anna ORG/ORG, @ . x . com ORG/O
    matrix = np.array([[1, 1, 2, 2, 2, 2, 2], [1, 0, 2, 0, 0, 0, 0]], float)
    expected = krippendorff.alpha(matrix, level_of_measurement="nominal", value_domain=[0.0, 1.0, 2.0])
    assert rep.overall.to_dict()["krippendorff_alpha"] == pytest.approx(expected, abs=1e-9)
    chars = agreement_report(rows(data), kind, bootstrap=0)
    assert chars.overall.to_dict()["krippendorff_alpha"] != pytest.approx(expected)
