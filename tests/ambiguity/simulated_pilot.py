"""A tiny pilot simulator where the truth is known, for the ambiguity tests and the CLI tests.

Its fixtures (`pilot`, `revised_pilot`, `bad_gold_item`, `simulate`) reach every test through
``pytest_plugins`` in tests/conftest.py.

Rules of the simulated guideline (single-label task):

- ``R-AMBIG`` (labels A, B): written to be ambiguous; annotators pick A or B at random whatever the truth,
  with low confidence, some "unclear" flags and comments;
- ``R-CLEAR`` (labels C, D): clear; annotators are right 95% of the time. Item ``clear-07`` has a WRONG
  gold answer (the truth is C, gold says D);
- ``R-SKEW`` (labels X, Y): one label dominates (38 of 40 items are X); annotators are right 98% of the
  time, so raw agreement is near perfect while kappa is low (the kappa paradox);
- ``R-FEW`` (labels C, D): clear, but only five items.
"""

from __future__ import annotations

import numpy as np
import pytest

from calibration.guidelines.model import Guideline
from calibration.responses import Annotations, gold_series, item_rules_frame, responses_frame

ANNOTATORS = [f"ann{i}" for i in range(1, 7)]
BAD_GOLD_ITEM = "clear-07"


def _truths(rng: np.random.Generator) -> dict[str, list[tuple[str, str]]]:
    ambig = [(f"ambig-{i:02d}", "A" if i % 2 else "B") for i in range(40)]
    clear = [(f"clear-{i:02d}", "C" if i % 2 else "D") for i in range(40)]
    skew = [(f"skew-{i:02d}", "Y" if i in (5, 25) else "X") for i in range(40)]
    few = [(f"few-{i:02d}", "C" if i % 2 else "D") for i in range(5)]
    return {"R-AMBIG": ambig, "R-CLEAR": clear, "R-SKEW": skew, "R-FEW": few}


def _answer(rng: np.random.Generator, rule: str, truth: str) -> str:
    if rule == "R-AMBIG":
        return str(rng.choice(["A", "B"]))
    other = {"C": "D", "D": "C", "X": "Y", "Y": "X"}[truth]
    accuracy = 0.98 if rule == "R-SKEW" else 0.95
    return truth if rng.random() < accuracy else other


def simulate_pilot(seed: int = 0, *, ambiguous: bool = True) -> Annotations:
    """Simulate a finished pilot; with ``ambiguous=False`` R-AMBIG behaves like a clear rule (a revision)."""
    rng = np.random.default_rng(seed)
    truths = _truths(rng)
    records = []
    items = []
    for rule, pairs in truths.items():
        for item_id, truth in pairs:
            gold = truth
            if item_id == BAD_GOLD_ITEM:
                gold = "D" if truth == "C" else "C"
            items.append({"id": item_id, "input": f"text of {item_id}", "rules": [rule], "answer": gold})
            for annotator in ANNOTATORS:
                if rule == "R-AMBIG" and not ambiguous:
                    answer = truth if rng.random() < 0.95 else {"A": "B", "B": "A"}[truth]
                else:
                    answer = _answer(rng, rule, truth)
                hard = rule == "R-AMBIG" and ambiguous
                unclear = bool(hard and rng.random() < 0.3)
                records.append(
                    {
                        "item_id": item_id,
                        "annotator_id": annotator,
                        "answer": answer,
                        "confidence": int(rng.integers(1, 4)) if hard else int(rng.integers(4, 6)),
                        "unclear": unclear,
                        "comment": "is this A or B? the rule does not say" if unclear else None,
                        "seconds": float(rng.normal(60 if hard else 20, 3)),
                    }
                )
    labels = ["A", "B", "C", "D", "X", "Y"]
    ambig_text = "Pick A or B." if ambiguous else "Pick A when the party pays for the other's losses, else B."
    data = {
        "format": 1,
        "id": "sim",
        "version": "1.0.0" if ambiguous else "1.1.0",
        "title": "Simulated guideline",
        "task": {"type": "single_label", "labels": [{"id": x, "name": x} for x in labels]},
        "rules": [
            {"id": "R-AMBIG", "title": "A or B", "text": ambig_text, "labels": ["A", "B"]},
            {
                "id": "R-CLEAR",
                "title": "C or D",
                "text": "C when the clause caps, D otherwise.",
                "labels": ["C", "D"],
            },
            {"id": "R-SKEW", "title": "X or Y", "text": "Y only for the rare case.", "labels": ["X", "Y"]},
            {"id": "R-FEW", "title": "C or D again", "text": "Same test as R-CLEAR.", "labels": ["C", "D"]},
        ],
        "items": items,
    }
    guideline = Guideline.model_validate(data)
    responses = responses_frame(records)
    return Annotations(
        guideline=guideline,
        responses=responses,
        item_rules=item_rules_frame(guideline.item_rules()),
        gold=gold_series(guideline.gold_answers()),
    )


@pytest.fixture(scope="session")
def pilot() -> Annotations:
    return simulate_pilot(0)


@pytest.fixture(scope="session")
def revised_pilot() -> Annotations:
    return simulate_pilot(1, ambiguous=False)


@pytest.fixture(scope="session")
def bad_gold_item() -> str:
    return BAD_GOLD_ITEM


@pytest.fixture(scope="session")
def simulate():
    return simulate_pilot
