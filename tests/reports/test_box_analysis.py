"""A boxes round through `analyse_round`: per-rule box alpha, the alpha curve figure, box alpha per pair."""

from __future__ import annotations

import numpy as np
import pandas as pd

from calibration.agreement.boxes import alpha_by_threshold, threshold_table
from calibration.boxes import Box
from calibration.guidelines.loading import load_guideline_text
from calibration.reports.analysis import analyse_round, annotator_table
from calibration.reports.charts import alpha_threshold_figure
from calibration.responses import Annotations

GUIDELINE = """\
format: 1
id: street
version: 1.0.0
title: People and cars
task:
  type: boxes
  labels:
    - {id: PERSON, name: Person}
    - {id: CAR, name: Car}
rules:
  - id: R-PERSON
    title: One box per person
    text: Box every visible person.
    labels: [PERSON]
  - id: R-CAR
    title: Cars
    text: Box every car, parked or moving.
    labels: [CAR]
items:
"""


def round_data(n: int = 12) -> tuple[str, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(2)
    text, rows, rules = GUIDELINE, [], []
    for k in range(n):
        rule, label = ("R-PERSON", "PERSON") if k % 2 else ("R-CAR", "CAR")
        text += f"  - {{id: i{k}, input: {{image: img/{k}.png, alt: scene {k}}}, rules: [{rule}]}}\n"
        rules.append((f"i{k}", rule))
        objects = [(100.0 * j, float(rng.uniform(0, 200)), 60.0, 40.0) for j in range(3)]
        for a in range(3):
            spread = 1.0 if rule == "R-CAR" else 8.0
            boxes = tuple(
                sorted(
                    Box(label, x + rng.normal(0, spread), y, w, h + rng.normal(0, spread))
                    for x, y, w, h in objects
                )
            )
            rows.append((f"i{k}", f"ann{a}", boxes))
    responses = pd.DataFrame(rows, columns=["item_id", "annotator_id", "answer"])
    return text, responses, pd.DataFrame(rules, columns=["item_id", "rule_id"])


def test_analyse_round_of_a_boxes_round() -> None:
    text, responses, item_rules = round_data()
    guideline = load_guideline_text(text)
    analysis = analyse_round(
        Annotations(
            responses=responses, item_rules=item_rules, gold=pd.Series(dtype=object), guideline=guideline
        ),
        bootstrap=100,
    )
    rules = analysis.rules
    assert list(rules.index) == ["R-PERSON", "R-CAR"]
    assert rules.loc["R-CAR", "krippendorff_alpha"] > rules.loc["R-PERSON", "krippendorff_alpha"]
    assert rules.loc["R-CAR", "krippendorff_alpha_low"] <= rules.loc["R-CAR", "krippendorff_alpha"]
    assert (
        analysis.annotator_rule.shape == (3, 2)
        and analysis.annotator_rule_kind == "agreement with the others"
    )
    assert annotator_table(analysis)["agreement_alpha"].notna().all()
    figures = analysis.figures()
    assert figures["pairs"].layout.title.text == "Box alpha per annotator pair"
    curve = figures["thresholds"]
    names = [trace.name for trace in curve.data]
    assert names == ["95% interval", "all images", "rule R-CAR", "rule R-PERSON"]
    table = threshold_table(analysis.report)
    overall = alpha_by_threshold(analysis.report)
    assert list(overall["threshold"]) == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    assert list(curve.data[1].y) == list(overall["alpha"])
    assert overall["alpha"].iloc[0] == analysis.overall.stats.krippendorff_alpha
    # the same table from the CLI's JSON shape
    assert threshold_table(analysis.report.to_dict()).equals(table)


def test_alpha_threshold_figure_without_intervals_has_no_band() -> None:
    table = pd.DataFrame(
        {
            "block": ["*", "*"],
            "threshold": [0.0, 0.5],
            "alpha": [0.8, 0.6],
            "low": [np.nan] * 2,
            "high": [np.nan] * 2,
        }
    )
    figure = alpha_threshold_figure(table, target=0.7)
    assert [trace.name for trace in figure.data] == ["all images"]
    assert figure.layout.shapes[0].y0 == 0.7


def test_round_report_of_a_boxes_round_draws_the_alpha_curve() -> None:
    from calibration.ambiguity.queue import revision_queue
    from calibration.reports.html import render_analysis_report

    text, responses, item_rules = round_data()
    guideline = load_guideline_text(text)
    analysis = analyse_round(
        Annotations(
            responses=responses, item_rules=item_rules, gold=pd.Series(dtype=object), guideline=guideline
        ),
        bootstrap=50,
    )
    queue = revision_queue(
        Annotations(
            responses=responses, item_rules=item_rules, gold=pd.Series(dtype=object), guideline=guideline
        ),
        report=analysis.report,
    )
    page = render_analysis_report(analysis, queue=queue)
    assert "Box alpha by IoU threshold" in page
    assert "Box alpha per annotator pair" in page
    markdown = render_analysis_report(analysis, queue=queue, fmt="md")
    assert "R-PERSON" in markdown
