"""Tiny guidelines, one per task type, and helpers shared by the importer tests."""

from __future__ import annotations

from typing import Any

import pytest

from calibration.guidelines.model import Guideline


def _guideline(
    gid: str, task: dict[str, Any], rules: list[dict[str, Any]], items: list[dict[str, Any]]
) -> Guideline:
    return Guideline.model_validate(
        {
            "format": 1,
            "id": gid,
            "version": "1.0.0",
            "title": gid.title(),
            "summary": "Short **summary**.",
            "task": task,
            "rules": rules,
            "items": items,
        }
    )


@pytest.fixture
def clauses() -> Guideline:
    """single_label: three clause types, two rules; bank item i-bank-1 with gold."""
    return _guideline(
        "clauses",
        {
            "type": "single_label",
            "labels": [
                {"id": "INDEM", "name": "Indemnification"},
                {"id": "LIAB", "name": "Limitation of liability"},
                {"id": "OTHER", "name": "Other"},
            ],
        },
        [
            {
                "id": "R-INDEM",
                "title": "Indemnity",
                "text": "One party covers the other's losses.",
                "labels": ["INDEM"],
            },
            {
                "id": "R-LIAB",
                "title": "Liability caps",
                "text": "Caps on damages & <limits>.",
                "labels": ["LIAB", "OTHER"],
            },
        ],
        [
            {
                "id": "i-bank-1",
                "input": "Supplier shall indemnify Buyer.",
                "rules": ["R-INDEM"],
                "answer": "INDEM",
                "why": "covers losses",
            }
        ],
    )


@pytest.fixture
def tags() -> Guideline:
    """multi_label: topics."""
    return _guideline(
        "tags",
        {
            "type": "multi_label",
            "labels": [{"id": "BILLING", "name": "Billing"}, {"id": "BUG", "name": "Bug"}],
        },
        [{"id": "R-TOPIC", "title": "Topics", "text": "Tag every topic.", "labels": ["BILLING", "BUG"]}],
        [],
    )


@pytest.fixture
def pii() -> Guideline:
    """span: names and emails."""
    return _guideline(
        "pii",
        {"type": "span", "labels": [{"id": "NAME", "name": "Name"}, {"id": "EMAIL", "name": "Email"}]},
        [
            {"id": "R-NAME", "title": "Names", "text": "Mark person names.", "labels": ["NAME"]},
            {"id": "R-EMAIL", "title": "Emails", "text": "Mark emails.", "labels": ["EMAIL"]},
        ],
        [],
    )


@pytest.fixture
def stars() -> Guideline:
    """rating 1..5."""
    return _guideline(
        "stars",
        {"type": "rating", "scale": {"min": 1, "max": 5, "anchors": {1: "useless", 5: "perfect"}}},
        [{"id": "R-HELP", "title": "Helpfulness", "text": "Rate helpfulness."}],
        [],
    )


@pytest.fixture
def prefs() -> Guideline:
    """pairwise with ties."""
    return _guideline(
        "prefs",
        {"type": "pairwise"},
        [{"id": "R-PREF", "title": "Preference", "text": "Prefer the correct reply."}],
        [],
    )


@pytest.fixture
def ranks() -> Guideline:
    """ranking of three candidates."""
    return _guideline(
        "ranks",
        {"type": "ranking", "candidates": 3},
        [{"id": "R-RANK", "title": "Order", "text": "Best first."}],
        [],
    )
