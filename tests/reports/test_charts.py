"""Figures built from small analysis tables: traces, error bars, target line, escaping, selection."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from calibration.reports.charts import (
    annotator_rule_heatmap,
    before_after_figure,
    confusion_figure,
    pair_matrix_figure,
    rule_agreement_figure,
    selected_rule,
)


def _rule_table() -> pd.DataFrame:
    """One row per rule with each statistic and its interval (the dashboard's rule table)."""
    nan = float("nan")
    rows = {
        "R1": {"krippendorff_alpha": 0.6, "krippendorff_alpha_low": 0.4, "krippendorff_alpha_high": 0.75,
               "cohen_kappa_mean": 0.62, "cohen_kappa_mean_low": 0.45, "cohen_kappa_mean_high": 0.8,
               "gwet_ac1": 0.7, "gwet_ac1_low": 0.5, "gwet_ac1_high": 0.85},
        "R2": {"krippendorff_alpha": 0.9, "krippendorff_alpha_low": 0.85, "krippendorff_alpha_high": 0.95,
               "cohen_kappa_mean": nan, "cohen_kappa_mean_low": nan, "cohen_kappa_mean_high": nan,
               "gwet_ac1": 0.91, "gwet_ac1_low": nan, "gwet_ac1_high": nan},
    }  # fmt: skip
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("rule_id")


def test_rule_bars_have_ci_error_bars_and_target_line():
    fig = rule_agreement_figure(_rule_table(), target=0.8)
    assert [t.name for t in fig.data] == [
        "Krippendorff's alpha",
        "Cohen's kappa (mean of pairs)",
        "Gwet's AC1",
    ]
    alpha = fig.data[0]
    assert list(alpha.x) == ["R1", "R2"]
    assert list(alpha.customdata) == ["R1", "R2"]
    assert np.allclose(alpha.y, [0.6, 0.9])
    assert np.allclose(alpha.error_y.array, [0.15, 0.05])
    assert np.allclose(alpha.error_y.arrayminus, [0.2, 0.05])
    # undefined value: no bar, no error bar; a value without an interval gets a zero-length bar
    kappa, ac1 = fig.data[1], fig.data[2]
    assert math.isnan(kappa.y[1]) and kappa.error_y.array[1] == 0
    assert ac1.error_y.array[1] == 0 and ac1.error_y.arrayminus[1] == 0
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert len(lines) == 1 and lines[0].y0 == 0.8 == lines[0].y1
    assert "target 0.8" in fig.layout.annotations[0].text


def test_rule_bars_leave_out_a_statistic_no_rule_has():
    """A boxes round has box alpha per rule but no kappa or AC1: the legend lists only what has bars."""
    table = _rule_table()
    others = [c for c in table.columns if not c.startswith("krippendorff_alpha")]
    table[others] = float("nan")
    fig = rule_agreement_figure(table)
    assert [t.name for t in fig.data] == ["Krippendorff's alpha"]
    assert list(fig.data[0].x) == ["R1", "R2"]


def test_rule_bars_without_target_and_with_negative_values():
    table = _rule_table()
    table.loc["R1", ["krippendorff_alpha", "krippendorff_alpha_low"]] = [-0.3, -0.5]
    fig = rule_agreement_figure(table, statistics=["krippendorff_alpha"])
    assert len(fig.data) == 1 and not fig.layout.shapes
    assert fig.layout.yaxis.range[0] <= -0.5


def test_heatmap_cells_and_escaped_labels():
    matrix = pd.DataFrame(
        {"R1": [1.0, 0.5], "<b>R2</b>": [np.nan, 0.25]}, index=pd.Index(["ann", "<script>x</script>"])
    )
    fig = annotator_rule_heatmap(matrix, value_name="accuracy vs gold")
    trace = fig.data[0]
    assert list(trace.y) == ["ann", "&lt;script&gt;x&lt;/script&gt;"]
    assert list(trace.x) == ["R1", "&lt;b&gt;R2&lt;/b&gt;"]
    assert trace.text[0][1] == "" and trace.text[1][1] == "0.25"
    assert trace.colorbar.title.text == "accuracy vs gold"


def test_heat_map_margins_grow_to_the_longest_name_whatever_the_template(monkeypatch):
    """In the app (Streamlit's template, which sets no automargin) the report's heat maps cut a name like
    "<i>Ann</i> One" to ">Ann</i> One" under the axis title: every heat map asks for automargin itself,
    and keeps the names whole and literal (escaped, never HTML)."""
    import plotly.io as pio
    import streamlit.elements.lib.streamlit_plotly_theme  # noqa: F401  (registers "streamlit")

    monkeypatch.setattr(pio.templates, "default", "streamlit")
    names = ["**Bob** Two", "<i>Ann</i> One", "Cara Three"]
    scores = pd.DataFrame(np.full((3, 2), 0.5), index=names, columns=["R1", "R2"])
    pairs = pd.DataFrame(np.full((3, 3), 0.5), index=names, columns=names)
    confusion = pd.DataFrame([[1, 2], [3, 4]], index=["<i>A</i>", "B"], columns=["<i>A</i>", "B"])
    for fig in (annotator_rule_heatmap(scores), pair_matrix_figure(pairs), confusion_figure(confusion)):
        assert fig.layout.yaxis.automargin is True and fig.layout.xaxis.automargin is True
    heat = annotator_rule_heatmap(scores)
    assert list(heat.data[0].y) == ["**Bob** Two", "&lt;i&gt;Ann&lt;/i&gt; One", "Cara Three"]
    assert heat.layout.yaxis.title.text == "annotator"
    assert list(pair_matrix_figure(pairs).data[0].x) == list(heat.data[0].y)


def test_confusion_colours_by_row_share_and_shows_counts():
    confusion = pd.DataFrame([[8, 2], [0, 0]], index=["A", "B"], columns=["A", "B"])
    trace = confusion_figure(confusion, row_name="gold", column_name="annotator").data[0]
    assert np.allclose(trace.z, [[0.8, 0.2], [0.0, 0.0]])
    assert trace.text[0].tolist() == ["8", "2"]


def test_pair_matrix():
    matrix = pd.DataFrame([[np.nan, 0.4], [0.4, np.nan]], index=["a1", "a2"], columns=["a1", "a2"])
    trace = pair_matrix_figure(matrix).data[0]
    assert trace.text[0][1] == "0.40" and trace.text[0][0] == ""


def test_selected_rule_reads_dict_events():
    assert selected_rule({"selection": {"points": [{"x": "R2", "customdata": "R2"}]}}) == "R2"
    assert selected_rule({"selection": {"points": [{"x": "a&amp;b"}]}}) == "a&b"
    assert selected_rule({"selection": {"points": []}}) is None
    assert selected_rule(None) is None


def test_before_after_bars_per_rule_coloured_by_verdict_and_escaped():
    table = pd.DataFrame(
        {
            "statistic": ["krippendorff_alpha", "gwet_ac1"],
            "before": [0.2, 0.9],
            "after": [0.7, float("nan")],
            "difference": [0.5, float("nan")],
            "ci_low": [0.3, float("nan")],
            "ci_high": [0.65, float("nan")],
            "verdict": ["improved", "unchanged"],
            "text_changed": [True, False],
        },
        index=pd.Index(["R-INDEM", "<b>R2</b>"], name="rule_id"),
    )
    fig = before_after_figure(table, before_label="g@1.0.0", after_label="g@1.1.0")
    before, after = fig.data
    assert (before.name, after.name) == ("g@1.0.0", "g@1.1.0")
    assert list(before.x) == ["✎ R-INDEM", "&lt;b&gt;R2&lt;/b&gt;"]
    assert np.allclose(before.y, [0.2, 0.9]) and after.y[0] == 0.7 and math.isnan(after.y[1])
    # one colour per version, as the legend shows; the verdict is written on the newer bar
    assert (before.marker.color, after.marker.color) == ("#9e9e9e", "#1f77b4")
    assert list(after.text) == ["improved", "no clear<br>change"] and before.text is None
    assert fig.layout.yaxis.title.text == "agreement"  # two statistics: no single name
    assert [row[0] for row in after.customdata] == ["R-INDEM", "<b>R2</b>"]
    assert list(after.customdata[0][1:]) == ["Krippendorff's alpha", "+0.50", "+0.30 to +0.65", "improved"]
    assert fig.layout.barmode == "group"


def test_before_after_without_rules_is_an_empty_figure():
    columns = ["statistic", "before", "after", "difference", "ci_low", "ci_high", "verdict", "text_changed"]
    fig = before_after_figure(pd.DataFrame(columns=columns))
    assert [len(t.x) for t in fig.data] == [0, 0]


def test_before_after_axis_names_the_statistic_the_bars_show():
    table = pd.DataFrame(
        {
            "statistic": ["majority_share", "majority_share"],
            "before": [0.6, 0.9],
            "after": [0.9, 0.9],
            "difference": [0.3, 0.0],
            "ci_low": [0.1, float("nan")],
            "ci_high": [0.5, float("nan")],
            "verdict": ["improved", "not_enough_items"],
            "text_changed": [True, False],
        },
        index=pd.Index(["R1", "R2"], name="rule_id"),
    )
    fig = before_after_figure(table)
    assert fig.layout.yaxis.title.text == "Majority share"
    assert list(fig.data[1].text) == ["improved", "too few<br>items"]
    assert fig.data[1].customdata[1][4] == "too few items"


def _shares(n: int, statistic: str = "majority_share", low: float = 0.6) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "statistic": statistic,
            "before": np.linspace(low, 0.9, n),
            "after": np.linspace(0.7, 1.0, n),
            "difference": float("nan"),
            "ci_low": float("nan"),
            "ci_high": float("nan"),
            "verdict": "not_enough_items",
            "text_changed": False,
        },
        index=pd.Index([f"R{i}" for i in range(n)], name="rule_id"),
    )


def test_a_shares_axis_runs_0_to_1_with_room_above_for_the_verdicts():
    """A majority share is never below 0: the axis went down to -0.2 (the tester's chart)."""
    fig = before_after_figure(_shares(8))
    low, high = fig.layout.yaxis.range
    assert low == 0 and 1.15 <= high <= 1.3  # room for a two-line verdict over a bar at 1
    assert fig.layout.yaxis.tickvals == (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)  # no tick past 1
    # alpha can be negative: only then does the axis go below 0, to just under the lowest bar
    alpha = before_after_figure(_shares(3, "krippendorff_alpha", low=-0.3))
    assert alpha.layout.yaxis.range[0] == pytest.approx(-0.35) and alpha.layout.yaxis.tickvals[0] == -0.4
    assert before_after_figure(_shares(3, "krippendorff_alpha")).layout.yaxis.range[0] == 0


def test_the_verdicts_above_the_bars_are_never_shrunk_to_fit_them():
    """Plotly shrinks "outside" text to the bar's width unless told not to: "too few items" was ~6 px."""
    after = before_after_figure(_shares(8)).data[1]
    assert after.textfont.size >= 11 and after.constraintext == "none" and after.cliponaxis is False
    # two short lines, each narrower than a group of bars of 8 rules at 1280 px (about 70 px)
    assert all(len(line) <= 10 for text in after.text for line in text.split("<br>"))
    assert after.textangle == 0
    # too many rules for side-by-side verdicts: upright, one line, in a taller figure with room above
    many = before_after_figure(_shares(12))
    assert many.data[1].textangle == -90 and "<br>" not in "".join(many.data[1].text)
    assert many.layout.height > 450 and many.layout.yaxis.range[1] >= 1.7


def test_heat_maps_carry_one_clickable_marker_per_non_empty_cell() -> None:
    """Plotly cannot select a heatmap trace: a scatter trace on the cells makes a click select a cell."""
    from calibration.reports.charts import annotator_rule_heatmap, confusion_figure

    matrix = pd.DataFrame({"R1": [0.5, np.nan], "R<2>": [1.0, 0.25]}, index=["ann", "bob"])
    fig = annotator_rule_heatmap(matrix)
    cells = [trace for trace in fig.data if trace.type == "scatter"]
    assert len(cells) == 1
    assert list(zip(cells[0].x, cells[0].y, strict=True)) == [
        ("R1", "ann"),
        ("R&lt;2&gt;", "ann"),
        ("R&lt;2&gt;", "bob"),
    ]
    assert fig.layout.clickmode == "event+select"
    confusion = confusion_figure(pd.DataFrame([[3, 1], [0, 2]], index=["a", "b"], columns=["a", "b"]))
    points = next(trace for trace in confusion.data if trace.type == "scatter")
    assert len(points.x) == 4 and [row[1] for row in points.customdata] == ["3", "1", "0", "2"]


def test_confusion_ticks_read_label_names_while_a_click_still_gives_ids() -> None:
    from calibration.reports.charts import confusion_figure

    frame = pd.DataFrame([[3, 1], [0, 2]], index=["red", "amber"], columns=["red", "amber"])
    fig = confusion_figure(frame, label_names={"red": "Red light", "amber": "Amber <light>"})
    assert list(fig.layout.xaxis.ticktext) == ["Red light", "Amber &lt;light&gt;"]
    assert list(fig.layout.yaxis.tickvals) == ["red", "amber"]
    assert list(fig.data[0].x) == ["red", "amber"]  # the selection still names the label ids


def test_confusion_tooltips_name_the_labels_as_the_ticks_do() -> None:
    from calibration.reports.charts import confusion_figure

    frame = pd.DataFrame([[3, 1], [0, 2]], index=["red", "amber"], columns=["red", "amber"])
    fig = confusion_figure(
        frame,
        row_name="one annotator",
        column_name="another annotator",
        label_names={"red": "Red light", "amber": "Amber <light>"},
    )
    heatmap, cells = fig.data
    assert heatmap.hovertemplate == cells.hovertemplate.replace("%{customdata[1]}", "%{text}")
    assert "%{x}" not in heatmap.hovertemplate and "%{y}" not in heatmap.hovertemplate
    assert heatmap.hovertext[0][1] == "one annotator Red light<br>another annotator Amber &lt;light&gt;"
    # the invisible click targets carry the same tooltip, cell by cell (the (amber, red) cell is empty: 0)
    assert list(cells.hovertext) == [
        "one annotator Red light<br>another annotator Red light",
        "one annotator Red light<br>another annotator Amber &lt;light&gt;",
        "one annotator Amber &lt;light&gt;<br>another annotator Red light",
        "one annotator Amber &lt;light&gt;<br>another annotator Amber &lt;light&gt;",
    ]
    # without names, the tooltip reads the ids
    plain = confusion_figure(frame).data[0]
    assert plain.hovertext[1][0] == "answer amber<br>answer red"
