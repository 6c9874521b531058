"""A small valid guideline written in code, for the guideline tests and the CLI tests.

Its fixture `valid_yaml` reaches every test through ``pytest_plugins`` in tests/conftest.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"

VALID_YAML = """\
format: 1
id: sentiment
version: 1.0.0
title: Review sentiment
summary: Label the sentiment of product reviews.
owners: [lead@example.com]
changelog:
  - version: 1.0.0
    date: 2024-01-15
    changes: First version.
    rules: [R-POS, R-NEG]
task:
  type: single_label
  labels:
    - {id: POS, name: Positive}
    - {id: NEG, name: Negative}
calibration:
  min_items_per_rule: 1
rules:
  - id: R-POS
    title: Praise
    text: Label POS when the reviewer recommends the product.
    labels: [POS]
    examples:
      - {id: ex-pos, input: I love this kettle and would buy it again., answer: POS, why: Recommends it.}
    edge_cases:
      - {id: edge-pos, input: "Not bad at all, I'd buy it again.", answer: POS, why: Double negative.}
  - id: R-NEG
    title: Complaint
    text: Label NEG when the reviewer warns others off the product.
    labels: [NEG]
    examples:
      - {id: ex-neg, input: Broke after a week. Avoid., answer: NEG, why: Warns others.}
    edge_cases:
      - {id: edge-neg, input: "Great price, shame it broke on day two.", answer: NEG, why: The outcome counts.}
items:
  - {id: q1, input: Would recommend to anyone., rules: [R-POS], answer: POS, why: Recommends.}
  - {id: q2, input: Returned it the same day., rules: [R-NEG], answer: NEG, why: Warns off.}
"""


@pytest.fixture
def valid_yaml() -> str:
    return VALID_YAML
