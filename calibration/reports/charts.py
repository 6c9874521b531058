"""Plotly figures of a round's analysis: per-rule agreement, annotator-by-rule heat map, confusion, pairs,
and the before/after of two versions.

Every function takes plain pandas objects (see `calibration.reports.tables` for building them from an
`AgreementReport`) and returns a `plotly.graph_objects.Figure`; nothing here imports streamlit, so
the app, the HTML report and the tests draw the same figures.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

STATISTIC_NAMES: dict[str, str] = {
    "krippendorff_alpha": "Krippendorff's alpha",
    "cohen_kappa_mean": "Cohen's kappa (mean of pairs)",
    "fleiss_kappa": "Fleiss' kappa",
    "gwet_ac1": "Gwet's AC1",
    "percent_agreement": "Percent agreement",
    "majority_share": "Majority share",
    "gold_accuracy": "Accuracy vs gold",
    "gold_kappa": "Kappa vs gold",
}
DEFAULT_STATISTICS = ("krippendorff_alpha", "cohen_kappa_mean", "gwet_ac1")
_COLORS = {"krippendorff_alpha": "#1f77b4", "cohen_kappa_mean": "#ff7f0e", "gwet_ac1": "#2ca02c"}
_AGREEMENT_SCALE = "RdYlGn"


def _label(value: object) -> str:
    """Text for an axis tick or hover: plotly renders a subset of HTML in labels, so escape it."""
    return html.escape(str(value), quote=False)


def rule_agreement_figure(
    table: pd.DataFrame,
    *,
    target: float | None = None,
    statistics: Sequence[str] = DEFAULT_STATISTICS,
    title: str = "Agreement per rule",
) -> go.Figure:
    """Grouped bars of chance-corrected agreement per rule with 95% CI error bars and a target line.

    Args:
        table: one row per rule (index rule_id), as `calibration.reports.tables.rule_table` gives it:
            for each statistic S a column S and, when it has an interval, ``S_low``/``S_high`` (NaN
            when undefined or without an interval).
        target: the guideline's ``calibration.pilot_target``; drawn as a dashed horizontal line.
        statistics: statistic names to draw, in this order.
        title: figure title.

    Returns:
        A figure with one bar trace per statistic that has a value for some rule (kappa and AC1 of a
        boxes round have none: no legend entry without bars); each bar's ``x`` and ``customdata`` is
        the rule id, so a selection event names the rule clicked.
    """
    fig = go.Figure()
    rules = [str(r) for r in table.index]
    missing = np.full(len(table), np.nan)
    floor = 0.0
    for statistic in statistics:
        value, low, high = (
            table[column].to_numpy(dtype=float) if column in table else missing
            for column in (statistic, f"{statistic}_low", f"{statistic}_high")
        )
        if not np.isfinite(value).any():
            continue  # a statistic this task type does not have (or no rule has yet)
        floor = min(floor, _floor(value, low))
        plus = np.where(np.isnan(high) | np.isnan(value), 0.0, high - value)
        minus = np.where(np.isnan(low) | np.isnan(value), 0.0, value - low)
        fig.add_trace(
            go.Bar(
                name=STATISTIC_NAMES.get(statistic, statistic),
                x=[_label(r) for r in rules],
                y=value,
                customdata=np.array(rules, dtype=object),
                error_y={"type": "data", "array": plus, "arrayminus": minus, "visible": True},
                marker_color=_COLORS.get(statistic),
                hovertemplate="rule %{x}<br>%{fullData.name}: %{y:.3f}<extra></extra>",
            )
        )
    if target is not None:
        fig.add_hline(
            y=target,
            line_dash="dash",
            line_color="#d62728",
            annotation_text=f"target {target:g}",
            annotation_position="top left",
        )
    fig.update_layout(
        title=title,
        barmode="group",
        yaxis={"title": "agreement", "range": [min(-0.2, floor), 1.05]},
        xaxis={"title": "rule", "type": "category"},
        legend={"orientation": "h", "y": -0.25},
        clickmode="event+select",
        margin={"t": 50, "b": 40},
    )
    return fig


def _floor(*columns: np.ndarray) -> float:
    """Just below the lowest value or interval end (0 when all are NaN)."""
    values = np.concatenate(columns)
    if not np.isfinite(values).any():
        return 0.0
    return float(np.floor(np.nanmin(values) * 10) / 10 - 0.05)


def _cell_text(z: np.ndarray) -> list[list[str]]:
    """Two-decimal cell labels, '' for NaN cells."""
    return [["" if np.isnan(v) else f"{v:.2f}" for v in row] for row in np.atleast_2d(z)] if z.size else []


def _heatmap(
    frame: pd.DataFrame,
    z: np.ndarray,
    text: Any,
    *,
    title: str,
    colorscale: Any,
    zmin: float,
    zmax: float,
    colorbar: str,
    hover: str,
    x_title: str | None = None,
    y_title: str | None = None,
    hovertext: np.ndarray | None = None,
) -> go.Figure:
    """One heatmap trace over `frame`'s index (rows, top first) and columns, with `text` in the cells.

    `hovertext`, when given, is one (escaped) text per cell that `hover` reads as ``%{hovertext}``.
    """
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[_label(c) for c in frame.columns],
            y=[_label(i) for i in frame.index],
            text=text,
            texttemplate="%{text}",
            colorscale=colorscale,
            zmin=zmin,
            zmax=zmax,
            colorbar={"title": colorbar},
            hovertext=hovertext,
            hovertemplate=hover,
        )
    )
    fig.add_trace(_cell_targets(frame, z, text, hover, hovertext))
    # automargin: the margins grow to the longest tick label and put the axis title beyond it. Streamlit's
    # template (the default in the app process, so in the downloaded report too) does not set it, and
    # Plotly's fixed 80 px margin clipped a name like "<i>Ann</i> One" to ">Ann</i> One" under its title.
    x_axis: dict[str, Any] = {"type": "category", "automargin": True}
    y_axis: dict[str, Any] = {"type": "category", "autorange": "reversed", "automargin": True}
    if x_title is not None:
        x_axis = {"title": x_title, **x_axis}
    if y_title is not None:
        y_axis = {"title": y_title, **y_axis}
    fig.update_layout(title=title, xaxis=x_axis, yaxis=y_axis, clickmode="event+select")
    return fig


def _score_heatmap(matrix: pd.DataFrame, **layout: Any) -> go.Figure:
    """`_heatmap` of scores (agreement, accuracy): the agreement colours, each cell's value with two decimals.

    `layout` holds `_heatmap`'s keyword arguments but the colour scale (title, zmin, zmax, colorbar, hover
    and the axis titles).
    """
    z = matrix.astype(float).to_numpy()
    return _heatmap(matrix, z, _cell_text(z), colorscale=_AGREEMENT_SCALE, **layout)


def _cell_targets(
    frame: pd.DataFrame, z: np.ndarray, text: Any, hover: str, hovertext: np.ndarray | None = None
) -> go.Scatter:
    """Invisible square markers on the cells of a heat map, so a click on a cell selects it.

    Plotly cannot select a heatmap trace (a click there sends no selection to Streamlit); a scatter
    trace can. Each non-empty cell gets one transparent marker carrying the heat map's hover text.
    """
    xs, ys, data, hovers = [], [], [], []
    columns = [_label(c) for c in frame.columns]
    rows = [_label(i) for i in frame.index]
    cells = np.atleast_2d(z)
    for r, row_label in enumerate(rows):
        for c, column_label in enumerate(columns):
            value = float(cells[r, c]) if cells.size else float("nan")
            if np.isnan(value):
                continue
            xs.append(column_label)
            ys.append(row_label)
            data.append([value, text[r][c] if text is not None and len(text) else ""])
            hovers.append(hovertext[r][c] if hovertext is not None else "")
    invisible = {"marker": {"opacity": 0}}
    return go.Scatter(
        x=xs,
        y=ys,
        mode="markers",
        marker={"symbol": "square", "size": 36, "color": "rgba(0,0,0,0)", "opacity": 0},
        selected=invisible,
        unselected=invisible,
        customdata=data,
        hovertext=hovers if hovertext is not None else None,
        hovertemplate=hover.replace("%{z", "%{customdata[0]").replace("%{text}", "%{customdata[1]}"),
        showlegend=False,
        name="cells",
    )


def annotator_rule_heatmap(
    matrix: pd.DataFrame,
    *,
    title: str = "Annotator by rule",
    value_name: str = "accuracy vs gold",
    zmin: float = 0.0,
    zmax: float = 1.0,
) -> go.Figure:
    """Heat map of one score per annotator (rows) and rule (columns).

    Args:
        matrix: DataFrame indexed by annotator_id with one column per rule_id; NaN where the annotator
            answered no item of that rule.
        title: figure title.
        value_name: what the cells hold (accuracy vs gold, or leave-one-out agreement).
        zmin, zmax: colour range.

    Returns:
        A figure with one heatmap trace; cells show the value with two decimals.
    """
    return _score_heatmap(
        matrix,
        title=title,
        zmin=zmin,
        zmax=zmax,
        colorbar=value_name,
        hover=f"annotator %{{y}}<br>rule %{{x}}<br>{value_name}: %{{z:.3f}}<extra></extra>",
        x_title="rule",
        y_title="annotator",
    )


def confusion_figure(
    confusion: pd.DataFrame,
    *,
    title: str = "Confusion",
    row_name: str = "answer",
    column_name: str = "answer",
    label_names: Mapping[str, str] | None = None,
) -> go.Figure:
    """Heat map of a confusion (or coincidence) matrix with counts in the cells.

    Args:
        confusion: square-ish DataFrame of counts; rows (e.g. gold, or one annotator of each pair) by
            columns (the other answer). Index and columns are labels.
        title: figure title.
        row_name, column_name: axis titles.
        label_names: a label's name by id: the ticks read the names (a click still selects the ids).

    Returns:
        A heatmap figure; colour is the share of the row so rows of different sizes compare.
    """
    counts = confusion.astype(float).to_numpy()
    totals = counts.sum(axis=1, keepdims=True)
    share = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    name_of = {str(key): value for key, value in (label_names or {}).items()}
    # The tooltip names the labels as the ticks do (the cells' x and y stay the ids, for clicks).
    hovertext = np.array(
        [
            [
                f"{row_name} {_label(name_of.get(str(row), row))}<br>"
                f"{column_name} {_label(name_of.get(str(column), column))}"
                for column in confusion.columns
            ]
            for row in confusion.index
        ],
        dtype=object,
    ).reshape(len(confusion.index), len(confusion.columns))
    fig = _heatmap(
        confusion,
        share,
        counts.astype(int).astype(str),
        title=title,
        colorscale="Blues",
        zmin=0,
        zmax=1,
        colorbar="share of row",
        hover="%{hovertext}<br>count %{text}<extra></extra>",
        x_title=column_name,
        y_title=row_name,
        hovertext=hovertext,
    )
    if label_names:
        for axis, values in (("xaxis", confusion.columns), ("yaxis", confusion.index)):
            ids = [_label(v) for v in values]
            names = [_label(label_names.get(str(v), v)) for v in values]
            fig.update_layout({axis: {"tickmode": "array", "tickvals": ids, "ticktext": names}})
    return fig


def pair_matrix_figure(
    matrix: pd.DataFrame, *, title: str = "Cohen's kappa per annotator pair", statistic: str = "kappa"
) -> go.Figure:
    """Heat map of a symmetric annotator-by-annotator statistic (Cohen's kappa per pair).

    Args:
        matrix: square DataFrame indexed and columned by annotator_id; NaN where a pair shares too few
            items (or on the diagonal).
        title: figure title.
        statistic: its short name in the colour bar and hover (``alpha`` for boxes).
    """
    return _score_heatmap(
        matrix,
        title=title,
        zmin=-0.2,
        zmax=1,
        colorbar=statistic,
        hover=f"%{{y}} vs %{{x}}<br>{statistic} %{{z:.3f}}<extra></extra>",
    )


def alpha_threshold_figure(
    table: pd.DataFrame, *, target: float | None = None, title: str = "Box alpha by IoU threshold"
) -> go.Figure:
    """Box alpha against the IoU threshold: one line per block, the overall one with its 95% band.

    Args:
        table: `calibration.agreement.boxes.threshold_table` (block, threshold, alpha, low, high); block
            ``"*"`` is drawn as "all images", the others are rule ids.
        target: the pilot target, drawn as a dashed line.
        title: figure title.
    """
    fig = go.Figure()
    blocks = list(dict.fromkeys(table["block"].astype(str))) if len(table) else []
    for block in blocks:
        part = table[table["block"].astype(str) == block].sort_values("threshold")
        x = part["threshold"].astype(float).to_numpy()
        name = "all images" if block == "*" else f"rule {block}"
        if block == "*":
            low, high = part["low"].astype(float).to_numpy(), part["high"].astype(float).to_numpy()
            if np.isfinite(low).any():
                fig.add_trace(
                    go.Scatter(
                        x=np.concatenate([x, x[::-1]]),
                        y=np.concatenate([high, low[::-1]]),
                        fill="toself",
                        fillcolor="rgba(31, 119, 180, 0.15)",
                        line={"width": 0},
                        hoverinfo="skip",
                        name="95% interval",
                    )
                )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=part["alpha"].astype(float).to_numpy(),
                mode="lines+markers",
                name=_label(name),
                line={"width": 3 if block == "*" else 1.5, "color": "#1f77b4" if block == "*" else None},
                hovertemplate="IoU >= %{x:.1f}<br>%{fullData.name}: alpha %{y:.3f}<extra></extra>",
            )
        )
    if target is not None:
        fig.add_hline(y=target, line_dash="dash", line_color="#d62728", annotation_text=f"target {target:g}")
    fig.update_layout(
        title=title,
        xaxis={
            "title": "IoU threshold (a matched pair below it counts as two unmatched boxes)",
            "range": [-0.02, 0.92],
        },
        yaxis={
            "title": "Krippendorff's alpha",
            "range": [
                min(-0.2, float(np.nanmin(table["alpha"])))
                if len(table) and table["alpha"].notna().any()
                else -0.2,
                1.05,
            ],
        },
        legend={"orientation": "h", "y": -0.3},
        margin={"t": 50, "b": 40},
    )
    return fig


_VERSION_COLORS = ("#9e9e9e", "#1f77b4")  # older grey, newer blue (the legend's swatches)
_VERDICT_WORDS = {
    "improved": "improved",
    "worse": "worse",
    "unchanged": "no clear change",
    "not_enough_items": "too few items",
    "rose_text_unchanged": "rose, text unchanged",
    "fell_text_unchanged": "fell, text unchanged",
}
# The verdict above a bar in two short lines: one line of "too few items" is wider than a group of two
# bars at 1280 px, and Plotly then shrank it to about 6 px. Plotly's "<br>" breaks the line.
_VERDICT_LINES = {
    "no clear change": "no clear<br>change",
    "too few items": "too few<br>items",
    "rose, text unchanged": "rose, text<br>unchanged",
    "fell, text unchanged": "fell, text<br>unchanged",
}
VERDICT_FONT_SIZE = 12  # px: legible, and never shrunk to fit the bar (constraintext "none")
SHARE_STATISTICS = frozenset({"majority_share", "percent_agreement", "gold_accuracy"})  # always in 0..1
_LABEL_ROOM = 0.22  # y units above 1 for the two-line verdict over a bar at 1 (a plot about 300 px tall)
# Past this many rules a group is narrower than a two-line verdict at 1280 px: the verdicts stand upright
# in one line, in a taller figure with more room above the bars.
UPRIGHT_VERDICTS_FROM = 10
_UPRIGHT_ROOM, _UPRIGHT_HEIGHT = 0.75, 560


def before_after_figure(
    table: pd.DataFrame,
    *,
    before_label: str = "before",
    after_label: str = "after",
    title: str = "Agreement per rule, before and after",
) -> go.Figure:
    """Bars of each rule's agreement in two versions side by side (older grey, newer blue), the verdict
    written above the newer bar and the statistic's name on the y axis.

    Args:
        table: one row per rule, indexed by rule id, with columns ``statistic``, ``before``, ``after``,
            ``difference``, ``ci_low``, ``ci_high`` (the 95% interval of the difference), ``verdict``
            (improved, unchanged or worse) and ``text_changed``: `Comparison.table()`. A change or
            interval that is NaN (a rule without a verdict, where the page blanks them) reads "–".
        before_label, after_label: the two versions' names in the legend (e.g. their refs).
        title: figure title.

    Returns:
        A figure with two bar traces (before, after); each bar's ``customdata`` is the rule id, and a
        rule whose text changed is marked ``✎`` on the axis.
    """
    rules = [str(r) for r in table.index]
    ticks = [
        f"✎ {_label(r)}" if changed else _label(r)
        for r, changed in zip(rules, table["text_changed"], strict=True)
    ]
    names = [STATISTIC_NAMES.get(str(s), str(s)) for s in table["statistic"]]
    detail = np.array(
        [
            [
                name,
                f"{d:+.2f}" if np.isfinite(d) else "–",
                f"{lo:+.2f} to {hi:+.2f}" if np.isfinite(lo) and np.isfinite(hi) else "–",
                _VERDICT_WORDS.get(str(verdict), str(verdict)),
            ]
            for name, d, lo, hi, verdict in zip(
                names, table["difference"], table["ci_low"], table["ci_high"], table["verdict"], strict=True
            )
        ],
        dtype=object,
    ).reshape(len(rules), 4)
    custom: np.ndarray | list[Any] = (
        np.column_stack([np.array(rules, dtype=object).reshape(-1, 1), detail]) if rules else []
    )
    hover = (
        "rule %{customdata[0]}<br>%{fullData.name}: %{customdata[1]} %{y:.3f}<br>"
        "change %{customdata[2]} (95% CI %{customdata[3]}): %{customdata[4]}<extra></extra>"
    )
    fig = go.Figure()
    # One colour per version, as in the legend; the verdict is written above the newer bar.
    upright = len(rules) >= UPRIGHT_VERDICTS_FROM
    words = [_VERDICT_WORDS.get(str(v), str(v)) for v in table["verdict"]]
    verdicts = words if upright else [_VERDICT_LINES.get(word, word) for word in words]
    for label, column, color, text in zip(
        (before_label, after_label), ("before", "after"), _VERSION_COLORS, (None, verdicts), strict=True
    ):
        fig.add_trace(
            go.Bar(
                name=_label(label),
                x=ticks,
                y=table[column].astype(float).to_numpy(),
                customdata=custom,
                marker_color=color,
                text=text,
                textposition="outside" if text is not None else None,
                textfont={"size": VERDICT_FONT_SIZE} if text is not None else None,
                constraintext="none" if text is not None else None,
                textangle=-90 if upright and text is not None else 0,
                cliponaxis=False,
                hovertemplate=hover,
            )
        )
    statistics = {str(s) for s in table["statistic"]}
    axis = (
        STATISTIC_NAMES.get(next(iter(statistics)), next(iter(statistics)))
        if len(statistics) == 1
        else "agreement"
    )
    values = pd.concat([table["before"], table["after"]]).astype(float)
    floor = float(np.nanmin(values)) if values.notna().any() else 0.0
    # A share runs 0..1; alpha, kappa and AC1 can fall below 0, and only then does the axis go there.
    bottom = 0.0 if statistics <= SHARE_STATISTICS else min(0.0, round(floor - 0.05, 2))
    fig.update_layout(
        title=title,
        barmode="group",
        yaxis={
            "title": axis,
            "automargin": True,
            # room above 1 for the verdict, no tick past 1
            "range": [bottom, 1 + (_UPRIGHT_ROOM if upright else _LABEL_ROOM)],
            "tickvals": [v / 10 for v in range(int(np.floor(bottom * 5)) * 2, 11, 2)],
        },
        xaxis={"title": "rule (✎ changed)", "type": "category", "automargin": True},
        legend={"orientation": "h", "y": -0.25},
        margin={"t": 50, "b": 40},
    )
    if upright:
        fig.update_layout(height=_UPRIGHT_HEIGHT)
    return fig


def selected_rule(event: object) -> str | None:
    """The rule id of the first selected bar in a `st.plotly_chart` selection event, or None.

    Reads ``event["selection"]["points"]`` with dict access (an injected test selection is a dict);
    a point names its rule by ``customdata`` or, failing that, by ``x``.
    """
    try:
        points = event["selection"]["points"]  # type: ignore[index]
    except (KeyError, TypeError, IndexError):
        return None
    for point in points or []:
        custom = point.get("customdata") if hasattr(point, "get") else None
        if isinstance(custom, list | tuple):
            custom = custom[0] if custom else None
        if custom is not None:
            return str(custom)
        if hasattr(point, "get") and point.get("x") is not None:
            return html.unescape(str(point.get("x")))
    return None
