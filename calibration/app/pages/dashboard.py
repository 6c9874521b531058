"""Agreement dashboard (lead, author): per-rule agreement with intervals, heat maps, confusion, the items behind."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import streamlit as st

from calibration.app import state
from calibration.app.widgets.adaptive_pilot import adaptive_pilot_panel
from calibration.app.widgets.analysis_round import (
    clickable_chart,
    format_statistics,
    pick_round,
    round_analysis,
    rule_items,
    selected_point,
    show_flags,
)
from calibration.app.widgets.box_view import show_box_dashboard
from calibration.app.widgets.grid import MISSING, grid_height
from calibration.app.widgets.text import author_markdown, escape_markdown
from calibration.reports.charts import selected_rule
from calibration.reports.drilldown import (
    box_confusion_cell_items,
    box_pair_disagreements,
    confusion_cell_items,
    pair_disagreements,
)
from calibration.reports.tables import flag_name, items_side_by_side, statistic_name
from calibration.responses import ANNOTATOR, ITEM, items_of_rule
from calibration.wording import counted

state.require_role("lead", "author")
st.title("Agreement dashboard")

round_ = pick_round("dash_round", analysable_first=True)
if round_ is None:
    st.info("No rounds yet. Create a pilot round on the Rounds page, or open the demo workspace.")
    st.stop()
adaptive_pilot_panel(state.get_engine(), round_)  # adaptive pilots only: decisions and both estimates
loaded = round_analysis(round_, agreement=True)
if loaded is None:
    st.stop()
data, analysis = loaded
guideline = analysis.guideline
figures = analysis.figures()


def header_width(label: str) -> int:
    """Pixels a grid column needs to show `label` whole in its header (about 8 px a character, plus the
    sort and menu icons), at least the 75 px of a "small" column."""
    return max(75, 8 * len(label) + 28)


def show_items(frame: pd.DataFrame, key: str) -> None:
    """Items side by side: gold, agreement and each annotator's answer first; item text and comments last
    in narrow columns (the full text shows on hover), so the answers stay visible without scrolling."""
    spread = [c for c in ("majority share", "distinct answers", "box disagreement", "mean IoU") if c in frame]
    fixed = ("text", "gold", "comments", *spread)
    annotators = [c for c in frame.columns if c not in fixed]
    order = ["gold", *spread, *annotators, "text"]
    if "comments" in frame.columns:
        order.append("comments")
    st.dataframe(
        format_statistics(frame),
        key=key,
        width="stretch",
        height=grid_height(len(frame), None),  # whole rows, the rest scroll
        placeholder=MISSING,
        column_order=order,
        column_config={
            "majority share": st.column_config.NumberColumn(
                "majority", help="Share of answers that agree with the most common answer", format="%.2f"
            ),
            "distinct answers": st.column_config.NumberColumn("distinct"),
            "box disagreement": st.column_config.NumberColumn(
                "disagreement",
                help="Observed box disagreement of the image: 1 − IoU over matched boxes, 1 for a box "
                "no one else drew (0: everyone drew the same boxes)",
                format="%.2f",
            ),
            "mean IoU": st.column_config.NumberColumn(
                "mean IoU", help="Mean IoU of the boxes that overlap another annotator's", format="%.2f"
            ),
            "text": st.column_config.TextColumn("text", width="medium"),
            "comments": st.column_config.TextColumn("comments", width="medium"),
            # one narrow column per annotator, so several fit at 1280 px (the full answer on hover), just
            # wide enough for the annotator's name: "Amara (demo)" was cut to "Amara (dem"
            **{
                name: st.column_config.TextColumn(str(name), width=header_width(str(name)))
                for name in annotators
            },
        },
    )


# ----------------------------------------------------------------- overview
overall = analysis.overall
cols = st.columns(5)
cols[0].metric("Items", analysis.n_items)
cols[1].metric("Annotators", analysis.n_annotators)
cols[2].metric("Answers", analysis.n_answers)
alpha = overall.stats.krippendorff_alpha
cols[3].metric(
    statistic_name("krippendorff_alpha"),
    "–" if math.isnan(alpha) else f"{alpha:.2f}",
    help="Chance-corrected agreement of the whole round (`krippendorff_alpha`)",
)
cols[4].metric("Target", f"{analysis.target:.2f}", help="The guideline's pilot target (`pilot_target`)")
show_flags(overall.flags, overall.stats.values(), prefix="Whole round:")
if guideline.task.type == "boxes":
    show_box_dashboard(round_, data, figures)

# ----------------------------------------------------------------- per rule
st.subheader("Agreement per rule")
shown = analysis.rules.drop(columns=["flags_text"]).assign(
    flags=analysis.rules["flags"].map(lambda codes: ", ".join(flag_name(str(c)) for c in codes))
)
shown_codes = sorted({str(c) for codes in analysis.rules["flags"] for c in codes})
RULE_COLUMNS = (
    "title", "n_items", "krippendorff_alpha", "krippendorff_alpha_low", "krippendorff_alpha_high",
    "cohen_kappa_mean", "gwet_ac1", "percent_agreement", "gold_accuracy", "flags",
    "fleiss_kappa", "cohen_kappa_mean_low", "cohen_kappa_mean_high", "gwet_ac1_low", "gwet_ac1_high",
    "gold_kappa", "n_annotators", "n_annotations",
)  # fmt: skip


def number(label: str, **config: Any) -> Any:
    """A narrow number column: the Rule column is pinned and AC1 shows without scrolling at 1280 px."""
    return st.column_config.NumberColumn(label, width=config.pop("width", "small"), **config)


st.dataframe(
    # a statistic a rule has too few items for reads "–" (as in the adaptive pilot's table), not None
    format_statistics(shown).style.format(na_rep="–", precision=2),
    key="dash_rule_table",
    width="stretch",
    height=grid_height(len(shown), None),  # whole rows, the rest scroll
    placeholder=MISSING,
    # a statistic this task type does not have (kappa and AC1 for boxes) is left out, not shown as None
    column_order=[c for c in RULE_COLUMNS if c in ("title", "flags") or shown[c].notna().any()],
    column_config={
        "_index": st.column_config.TextColumn("Rule", pinned=True),
        "title": st.column_config.TextColumn("title", width="medium"),
        "n_items": number("items"),
        "krippendorff_alpha": number("alpha", help="Krippendorff's alpha (`krippendorff_alpha`)"),
        "krippendorff_alpha_low": number(
            "α low", help="alpha, 95% interval low end (`krippendorff_alpha_low`)"
        ),
        "krippendorff_alpha_high": number(
            "α high", help="alpha, 95% interval high end (`krippendorff_alpha_high`)"
        ),
        "cohen_kappa_mean": number(
            "kappa", help="Cohen's kappa, mean over annotator pairs (`cohen_kappa_mean`)"
        ),
        "gwet_ac1": number("AC1", help="Gwet's AC1: robust when one label dominates (`gwet_ac1`)"),
        "percent_agreement": number(
            "agree", help="Percent agreement: share of agreeing answer pairs (`percent_agreement`)"
        ),
        "fleiss_kappa": number("Fleiss", help="Fleiss' kappa (`fleiss_kappa`)"),
        "gold_accuracy": number(
            "box F1" if guideline.task.type == "boxes" else "gold acc.",
            help="Mean box F1 of the answers against the gold boxes, matched at the task's IoU with the "
            "same label, as a quiz scores them (`gold_accuracy`)"
            if guideline.task.type == "boxes"
            else "Accuracy against the gold answers (`gold_accuracy`)",
        ),
        "gold_kappa": number("gold κ", help="Cohen's kappa against the gold answers (`gold_kappa`)"),
        "flags": st.column_config.TextColumn(
            "flags",
            width="medium",
            help="; ".join(f"{flag_name(c)}: `{c}`" for c in shown_codes) or "No flag",
        ),
    },
)
clicked = selected_rule(clickable_chart(figures["rules"], "dash_rule_chart"))
rule_ids = list(analysis.rules.index)
if clicked in rule_ids and st.session_state.get("dash_last_click") != clicked:
    # a new click on a bar chooses the rule below (the select box stays usable afterwards)
    st.session_state["dash_last_click"] = clicked
    st.session_state["dash_rule"] = clicked
if not rule_ids:
    st.info("No item of this round is tagged with a rule.")
    st.stop()
titles = {rule.id: rule.title for rule in guideline.rules}
rule_id = st.selectbox(
    "Show the items behind a rule (or click a bar)",
    rule_ids,
    format_func=lambda r: f"{r} · {titles.get(r, '')}",
    key="dash_rule",
)

# ----------------------------------------------------------------- items behind the chosen rule
row = analysis.rules.loc[rule_id]
with st.container(border=True):
    st.markdown(f"#### {escape_markdown(rule_id)} · {escape_markdown(row['title'])}")
    show_flags([str(flag) for flag in row["flags"]], row)
    try:
        st.markdown(author_markdown(guideline.rule(rule_id).text))
    except KeyError:
        st.caption("This rule is not in the round's guideline version.")
    item_ids, side = rule_items(round_, rule_id)
    order_text = (
        "highest box disagreement first"
        if guideline.task.type == "boxes"
        else "the most disagreed first (lowest share of the most common answer, then the most spread-out answers)"
    )
    st.caption(f"{counted(len(item_ids), 'item')}; {order_text}. Answers per annotator, and gold when known.")
    show_items(side, "dash_rule_items")
    if rule_id in analysis.confusions:
        point = selected_point(clickable_chart(analysis.confusion_figure(rule_id), "dash_confusion"))
        if point and point.get("x") is not None and point.get("y") is not None:
            row_label, column_label = str(point["y"]), str(point["x"])
            if guideline.task.type == "boxes":  # labels of boxes matched at min_iou, not whole answers
                hit = box_confusion_cell_items(
                    data.responses, item_ids, row_label, column_label, min_iou=guideline.task.min_iou
                )
            else:
                hit = confusion_cell_items(data.responses, item_ids, row_label, column_label)
            st.caption(
                f"Items behind the cell {escape_markdown(row_label)} → {escape_markdown(column_label)}:"
            )
            show_items(side.loc[side.index.isin(set(hit))], "dash_confusion_items")

# ----------------------------------------------------------------- annotators x rules, pairs
st.subheader(f"Annotators by rule ({analysis.annotator_rule_kind})")
if analysis.annotator_rule.empty:
    st.caption("Not enough answers per annotator and rule to draw this.")
else:
    point = selected_point(clickable_chart(figures["annotators"], "dash_heat"))
    if point and point.get("x") and point.get("y"):
        cell_rule, annotator = str(point["x"]), str(point["y"])
        cell_items = items_of_rule(data.item_rules, cell_rule)
        own = data.responses[(data.responses[ANNOTATOR] == annotator) & data.responses[ITEM].isin(cell_items)]
        st.caption(
            f"Items of rule {escape_markdown(cell_rule)} answered by {escape_markdown(annotator)}, "
            "next to the others' answers:"
        )
        show_items(items_side_by_side(guideline, data.responses, data.gold, own[ITEM]), "dash_heat_items")

st.subheader(
    "Box alpha per annotator pair" if guideline.task.type == "boxes" else "Cohen's kappa per annotator pair"
)
if analysis.pairs.empty:
    st.caption("No pair of annotators shares enough items.")
else:
    point = selected_point(clickable_chart(figures["pairs"], "dash_pairs"))
    if point and point.get("x") and point.get("y") and point["x"] != point["y"]:
        first, second = str(point["y"]), str(point["x"])
        if guideline.task.type == "boxes":  # boxes a pixel apart agree
            differ = box_pair_disagreements(data.responses, first, second, min_iou=guideline.task.min_iou)
        else:
            differ = pair_disagreements(data.responses, first, second)
        if differ is not None:
            st.caption(
                f"{counted(len(differ), 'item')} where {escape_markdown(first)} and {escape_markdown(second)} disagree:"
            )
            show_items(items_side_by_side(guideline, data.responses, data.gold, differ), "dash_pair_items")

# ----------------------------------------------------------------- model annotators, a row apart
if not data.model_responses.empty:
    from calibration.agreement.model import model_rows

    st.subheader("Model annotators (not counted above)")
    st.caption(
        "A model's answers, imported from a file, are kept out of every figure above. Here each model "
        "stands apart: its accuracy against gold and how often it gives the people's majority answer. "
        "Per-rule decisions are on the Model triage page."
    )
    apart = model_rows(data.responses, data.model_responses, data.gold, guideline.task)
    apart.index = [f"{name} (model)" for name in apart.index]
    st.dataframe(
        format_statistics(apart),
        key="dash_models",
        width="stretch",
        height=grid_height(len(apart), None),
        placeholder=MISSING,
    )
