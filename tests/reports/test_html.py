"""The shareable round report: content, escaping of user text, markdown variant, bad format."""

from __future__ import annotations

import re

import pytest

from calibration.errors import DataError
from calibration.reports.html import render_round_report
from calibration.responses import Annotations


def test_html_report_has_rule_table_scores_charts_and_queue(contract, small_round, report_for):
    responses, item_rules, gold, rules = small_round
    queue = {"rules": [{"rule_id": rules[0], "rank": 1, "score": 0.71, "flags": ["confused_labels"],
                        "suggestion": "add an edge case for the A-vs-B boundary"}]}  # fmt: skip
    page = render_round_report(
        Annotations(responses=responses, item_rules=item_rules, gold=gold, guideline=contract),
        report=report_for(rules),
        queue=queue,
    )
    assert page.startswith("<!DOCTYPE html>")
    assert "<h2>Agreement per rule</h2>" in page
    title_a = contract.rule(rules[0]).title
    assert re.search(rf"<tr class=\"below\"><td>{rules[0]}</td><td>[^<]*</td>", page)  # alpha 0.52 < 0.8
    assert f"<tr><td>{rules[1]}</td>" in page  # 0.95: not highlighted
    assert "0.52 [0.10, 0.90]" in page and "too few items to judge" in page and "kappa paradox" in page
    assert "Annotators against gold" in page and "<td>bob</td>" in page
    assert "one pair of labels accounts for most of the disagreement" in page
    assert "add an edge case for the A-vs-B boundary" in page
    assert "Plotly.newPlot" in page and page.count("plotly.js v") == 1  # inlined once: opens offline
    assert title_a.split()[0] in page


def test_html_report_escapes_user_text(contract, small_round, report_for):
    responses, item_rules, gold, rules = small_round
    queue = {"rules": [{"rule_id": rules[0], "suggestion": "<img src=x onerror=alert(2)>", "flags": []}]}
    page = render_round_report(
        Annotations(responses=responses, item_rules=item_rules, gold=gold, guideline=contract),
        report=report_for(rules),
        queue=queue,
    )
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(2)&gt;" in page


def test_markdown_report_escapes_and_has_no_charts(contract, small_round, report_for):
    responses, item_rules, gold, rules = small_round
    text = render_round_report(
        Annotations(responses=responses, item_rules=item_rules, gold=gold, guideline=contract),
        report=report_for(rules),
        fmt="md",
    )
    assert text.startswith("# Round report: ")
    assert "## Agreement per rule" in text and "Plotly" not in text
    assert f"| {rules[0].replace('-', '-')} |" in text
    assert "<script>" not in text and r"\<script\>alert\(1\)\</script\>" in text


def test_report_without_gold_has_no_scores(contract, small_round, empty_gold, report_for):
    responses, item_rules, _gold, rules = small_round
    report = report_for(rules)
    assert all(block.gold is None for block in report.per_rule.values())
    page = render_round_report(
        Annotations(responses=responses, item_rules=item_rules, gold=empty_gold, guideline=contract),
        report=report,
    )
    assert "Annotators against gold" not in page and "Accuracy vs gold" not in page


def test_unknown_format_is_refused(contract, small_round, report_for):
    responses, item_rules, gold, rules = small_round
    with pytest.raises(DataError, match="unknown report format 'pdf'; expected html or md"):
        render_round_report(
            Annotations(responses=responses, item_rules=item_rules, gold=gold, guideline=contract),
            report=report_for(rules),
            fmt="pdf",
        )


def test_report_of_a_boxes_round_shows_box_f1_and_only_the_statistics_boxes_have():
    from calibration.demo import GUIDELINES_DIR
    from calibration.demo_boxes import simulate_box_responses
    from calibration.guidelines.loading import read_guideline_file
    from calibration.responses import gold_series, item_rules_frame

    guideline = read_guideline_file(GUIDELINES_DIR / "street-objects" / "1.0.0.yaml").guideline
    responses = simulate_box_responses(guideline, seed=0)
    item_rules = item_rules_frame({item.id: item.rules for item in guideline.items})
    gold = gold_series(guideline.gold_answers())
    page = render_round_report(
        Annotations(responses=responses, item_rules=item_rules, gold=gold, guideline=guideline), fmt="md"
    )
    header = next(line for line in page.splitlines() if line.startswith("| Rule |"))
    assert "Box F1 vs gold" in header and "| Alpha " in header
    assert "Kappa" not in header and "AC1" not in header and "Agreement" not in header
