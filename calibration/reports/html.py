"""A shareable report of a round, as one self-contained HTML page or as markdown.

The report holds the overall agreement, the per-rule table with 95% intervals and flags in words,
the charts (HTML only; plotly.js is inlined once so the file opens offline), the annotators' gold
scores, and the revision queue when one is given. Every piece of user text (rule titles, annotator
names, labels, comments) is escaped: the report never carries markup that came from the data.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd
import plotly.io as pio

from calibration.errors import DataError
from calibration.reports.analysis import RoundAnalysis, analyse_round
from calibration.reports.tables import describe_flags

if TYPE_CHECKING:
    from calibration.agreement.results import AgreementReport
    from calibration.responses import Annotations

ReportFormat = Literal["html", "md"]

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;
color:#1f2328;line-height:1.45;padding:0 1rem}
table{border-collapse:collapse;margin:1rem 0;font-size:.92rem}
th,td{border:1px solid #d0d7de;padding:.3rem .55rem;text-align:left;vertical-align:top}
th{background:#f6f8fa} td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.below td{background:#fff1f0} .muted{color:#656d76} .flags{color:#9a6700}
h1{margin-bottom:.2rem} h2{margin-top:2rem;border-bottom:1px solid #d0d7de}
"""


def _num(value: Any, digits: int = 2) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "–"
    return "–" if math.isnan(number) else f"{number:.{digits}f}"


def _with_ci(row: pd.Series, statistic: str) -> str:
    value = _num(row[statistic])
    low, high = _num(row[f"{statistic}_low"]), _num(row[f"{statistic}_high"])
    return value if low == "–" or high == "–" else f"{value} [{low}, {high}]"


def _rule_rows(analysis: RoundAnalysis) -> list[dict[str, str]]:
    """One row per rule; a statistic the task type does not have (kappa and AC1 of boxes) is left out."""
    rows = []
    with_gold = analysis.has_gold
    boxes = analysis.guideline.task.type == "boxes"
    rules = analysis.rules
    has = {s for s in ("cohen_kappa_mean", "gwet_ac1", "percent_agreement") if rules[s].notna().any()}
    for rule_id, row in rules.iterrows():
        shown = {
            "Rule": str(rule_id),
            "Title": str(row["title"]),
            "Items": str(int(row["n_items"])),
            "Alpha [95% CI]": _with_ci(row, "krippendorff_alpha"),
        }
        if "cohen_kappa_mean" in has:
            shown["Kappa [95% CI]"] = _with_ci(row, "cohen_kappa_mean")
        if "gwet_ac1" in has:
            shown["AC1 [95% CI]"] = _with_ci(row, "gwet_ac1")
        if "percent_agreement" in has:
            shown["Agreement"] = _num(row["percent_agreement"])
        if with_gold:  # for boxes, the mean box F1 against gold (boxes matched at min_iou)
            shown["Box F1 vs gold" if boxes else "Accuracy vs gold"] = _num(row["gold_accuracy"])
        shown["Flags"] = str(row["flags_text"])
        rows.append(shown)
    return rows


def _below_target(analysis: RoundAnalysis) -> set[str]:
    alpha = analysis.rules["krippendorff_alpha"].astype(float)
    return {str(r) for r in alpha.index[alpha < analysis.target]}


def _score_rows(analysis: RoundAnalysis) -> list[dict[str, str]]:
    rows = []
    for annotator, row in analysis.scores.iterrows():
        failed = row.get("failed_rules")
        rows.append(
            {
                "Annotator": str(annotator),
                "Items": str(int(row.get("n_items") or 0)),
                "Accuracy": _num(row.get("accuracy")),
                "Kappa vs gold": _num(row.get("kappa")),
                "Passed": "yes" if bool(row.get("passed")) else "no",
                "Rules to reread": ", ".join(map(str, failed)) if isinstance(failed, list | tuple) else "",
            }
        )
    return rows


def _queue_rows(queue: Any) -> list[dict[str, str]]:
    """Rows of a revision queue: the ambiguity engine's object (``to_dict``) or its JSON dict."""
    if queue is None:
        return []
    data = queue.to_dict() if hasattr(queue, "to_dict") else queue
    rules = data.get("rules", []) if isinstance(data, Mapping) else data
    rows: list[dict[str, str]] = []
    for entry in rules or []:
        entry = entry if isinstance(entry, Mapping) else getattr(entry, "__dict__", {})
        flags = entry.get("flags") or []
        rows.append(
            {
                "Rank": str(entry.get("rank", len(rows) + 1)),
                "Rule": str(entry.get("rule_id", "")),
                "Score": _num(entry.get("score")),
                "Why": describe_flags(map(str, flags)),
                "Suggested action": str(entry.get("suggestion") or ""),
            }
        )
    return rows


# --------------------------------------------------------------------------- HTML


NUM = ' class="num"'


def _html_table(
    rows: Sequence[Mapping[str, str]], *, highlight: set[str] | None = None, key: str = ""
) -> str:
    if not rows:
        return '<p class="muted">Nothing to show.</p>'
    numeric = {"Items", "Score", "Accuracy", "Kappa vs gold", "Agreement", "Accuracy vs gold", "Rank"}
    head = "".join(f"<th>{html.escape(c)}</th>" for c in rows[0])
    body = []
    for row in rows:
        css = ' class="below"' if highlight and row.get(key) in highlight else ""
        cells = "".join(f"<td{NUM if c in numeric else ''}>{html.escape(v)}</td>" for c, v in row.items())
        body.append(f"<tr{css}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _figures_html(analysis: RoundAnalysis) -> str:
    parts = []
    first = True
    figures = analysis.figures()
    for name in ("rules", "annotators", "pairs", "thresholds"):  # thresholds: boxes rounds only
        figure = figures.get(name)
        if figure is None or not figure.data or (name == "pairs" and analysis.pairs.empty):
            continue
        parts.append(
            pio.to_html(figure, full_html=False, include_plotlyjs=bool(first), config={"displaylogo": False})
        )
        first = False
    return "\n".join(parts)


def _overview(analysis: RoundAnalysis) -> list[tuple[str, str]]:
    stats = analysis.overall.stats

    def with_ci(name: str) -> str:
        interval = stats.interval(name)
        value = _num(stats.value(name))
        return f"{value} [{_num(interval.low)}, {_num(interval.high)}]" if interval.defined else value

    return [
        ("Items", str(analysis.n_items)),
        ("Annotators", str(analysis.n_annotators)),
        ("Answers", str(analysis.n_answers)),
        ("Krippendorff's alpha", with_ci("krippendorff_alpha")),
        ("Cohen's kappa (mean of pairs)", with_ci("cohen_kappa_mean")),
        ("Gwet's AC1", with_ci("gwet_ac1")),
        ("Percent agreement", _num(stats.percent_agreement)),
        ("Target", _num(analysis.target)),
        ("Flags", describe_flags(stats.flags) or "none"),
    ]


def _render_html(analysis: RoundAnalysis, title: str, queue_rows: list[dict[str, str]], charts: bool) -> str:
    guideline = analysis.guideline
    esc = html.escape
    overview = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in _overview(analysis))
    below = _below_target(analysis)
    sections = [
        f"<h1>{esc(title)}</h1>",
        f'<p class="muted">{esc(guideline.title)} · version {esc(guideline.version)} · '
        f"generated {esc(dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC'))}</p>",
        "<h2>Overview</h2>",
        f"<table>{overview}</table>",
        "<h2>Agreement per rule</h2>",
        f'<p class="muted">95% bootstrap intervals by resampling items. Rows in red are below the '
        f"target alpha of {esc(_num(analysis.target))}.</p>",
        _html_table(_rule_rows(analysis), highlight=below, key="Rule"),
    ]
    if charts:
        sections += ["<h2>Charts</h2>", _figures_html(analysis)]
    if not analysis.scores.empty:
        sections += ["<h2>Annotators against gold</h2>", _html_table(_score_rows(analysis))]
    if queue_rows:
        sections += ["<h2>Revision queue</h2>", _html_table(queue_rows)]
    body = "\n".join(sections)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{_STYLE}</style></head><body>\n{body}\n</body></html>\n"
    )


# --------------------------------------------------------------------------- markdown

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|<>~])")


def _md(text: str) -> str:
    """Escape text for a markdown table cell: markdown punctuation, HTML and line breaks."""
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("\r", " ").replace("\n", " ")


def _md_table(rows: Sequence[Mapping[str, str]]) -> str:
    if not rows:
        return "_Nothing to show._"
    columns = list(rows[0])
    lines = ["| " + " | ".join(_md(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_md(row[c]) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def _render_md(analysis: RoundAnalysis, title: str, queue_rows: list[dict[str, str]]) -> str:
    guideline = analysis.guideline
    parts = [
        f"# {_md(title)}",
        "",
        f"{_md(guideline.title)} · version {_md(guideline.version)}",
        "",
        "## Overview",
        "",
        _md_table([{"Measure": k, "Value": v} for k, v in _overview(analysis)]),
        "",
        "## Agreement per rule",
        "",
        f"95% bootstrap intervals by resampling items; target alpha {_num(analysis.target)}.",
        "",
        _md_table(_rule_rows(analysis)),
    ]
    if not analysis.scores.empty:
        parts += ["", "## Annotators against gold", "", _md_table(_score_rows(analysis))]
    if queue_rows:
        parts += ["", "## Revision queue", "", _md_table(queue_rows)]
    return "\n".join(parts) + "\n"


# --------------------------------------------------------------------------- public


def render_analysis_report(
    analysis: RoundAnalysis,
    *,
    queue: Any = None,
    fmt: ReportFormat = "html",
    title: str | None = None,
    charts: bool = True,
) -> str:
    """The report of an analysed round (see `render_round_report`), from a `RoundAnalysis`."""
    if fmt not in ("html", "md"):
        raise DataError(f"unknown report format {fmt!r}; expected html or md", hint="use --format html or md")
    title = title or f"Round report: {analysis.guideline.title}"
    rows = _queue_rows(queue)
    if fmt == "md":
        return _render_md(analysis, title, rows)
    return _render_html(analysis, title, rows, charts)


def render_round_report(
    data: Annotations,
    *,
    report: AgreementReport | None = None,
    queue: Any = None,
    fmt: ReportFormat = "html",
    title: str | None = None,
    charts: bool = True,
) -> str:
    """A shareable report of one round as a string: a self-contained HTML page or markdown.

    Args:
        data: the round's annotations (with its guideline version; gold may be empty).
        report: the `AgreementReport` of these inputs, when already computed.
        queue: the revision queue (the ambiguity engine's result or its ``--json`` dict), optional.
        fmt: ``"html"`` (charts included, plotly.js inlined) or ``"md"`` (tables only).
        title: the report's title; default "Round report: <guideline title>".
        charts: include the charts in the HTML report.

    Returns:
        The whole document as text.

    Raises:
        DataError: an unknown format, or responses the agreement engine cannot analyse.
    """
    if fmt not in ("html", "md"):
        raise DataError(f"unknown report format {fmt!r}; expected html or md", hint="use --format html or md")
    analysis = analyse_round(data, report=report)
    return render_analysis_report(analysis, queue=queue, fmt=fmt, title=title, charts=charts)
