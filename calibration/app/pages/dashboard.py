"""Agreement dashboard (lead, author): per-rule agreement with intervals, heat maps, confusion, the items behind."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from calibration.ambiguity.signals import number_text
from calibration.app import state
from calibration.app.widgets.adaptive_pilot import adaptive_pilot_panel
from calibration.app.widgets.analysis_round import (
    clickable_chart,
    format_statistics,
    interval_cells,
    number_cells,
    pick_round,
    round_analysis,
    rule_items,
    selected_point,
    show_flags,
)
from calibration.app.widgets.box_view import show_box_dashboard
from calibration.app.widgets.grid import MISSING, fitted_widths, grid_height, word_width, wrapped_row_height
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

# Widths (px) of the per-rule tables' columns: each table fits the main column of a 1280 px window
RULE_WIDTH = 80
TITLE_WIDTH = 270  # "Indemnification and limitation of liability" on one line; longer titles wrap
INTERVAL_WIDTH = 110
FLAGS_WIDTH = 250
# the items behind a rule: the item id, each answer column at least this wide, the item text at least
# this wide within the main column of a 1280 px window
ITEM_ID_WIDTH = 64
LABEL_WIDTH = 100
TEXT_LEAST_WIDTH = 150
MAIN_WIDTH = 818
PANEL_WIDTH = 786  # inside a bordered container (16 px of padding each side)

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
label_names = {str(label.id): label.name for label in guideline.task.labels}


def header_width(label: str) -> int:
    """Pixels a grid column needs to show `label` whole in its header (about 8 px a character, plus the
    sort and menu icons), at least the 75 px of a "small" column."""
    return max(75, 8 * len(label) + 28)


def _no_gold(value: Any) -> bool:
    """An empty gold cell: None, NaN or '' (an item without a gold answer)."""
    return (
        value is None
        or (isinstance(value, str) and value == "")
        or (isinstance(value, float) and value != value)
    )


def show_items(frame: pd.DataFrame, key: str, room: int = MAIN_WIDTH) -> None:
    """Items side by side: gold, agreement and each annotator's answer first; item text and comments last
    (the full text shows on hover), so the answers stay visible without scrolling; the comments in a
    table of their own below, for the items that have some.

    A label reads by its name (its id in the column's tooltip): ids such as LIMITATION_OF_LIABILITY
    were cut to "LIMITATION_OF_LI" in an annotator's column, names wrap at their spaces. Each column
    is just wide enough for its header and longest word; the item text (and comments) take what is left
    of `room` (px: the main column of a 1280 px window, less a bordered panel's padding), at least
    `TEXT_LEAST_WIDTH`.
    """
    spread = [c for c in ("majority share", "distinct answers", "box disagreement", "mean IoU") if c in frame]
    fixed = ("text", "gold", "comments", *spread)
    annotators = [c for c in frame.columns if c not in fixed]
    order = ["gold", *spread, *annotators, "text"]
    shown = frame.copy()
    for column in ("majority share", "box disagreement", "mean IoU"):
        if column in shown:  # "–" for an item nobody answered, not "None"
            shown[column] = number_cells(shown[column])
    names = label_names if guideline.task.type == "single_label" else {}
    answers = ["gold", *annotators]
    for column in answers:
        shown[column] = [names.get(v, v) if isinstance(v, str) else v for v in shown[column]]
    # an item without gold reads "–" like other missing values ('' from items_side_by_side was blank)
    shown["gold"] = [MISSING if _no_gold(v) else v for v in shown["gold"]]
    widths = {
        column: word_width([str(v) for v in shown[column]], max(LABEL_WIDTH, header_width(str(column))))
        for column in answers
    }
    spread_widths = {"majority share": 72, "distinct answers": 62, "box disagreement": 96, "mean IoU": 76}
    used = ITEM_ID_WIDTH + sum(widths.values()) + sum(spread_widths[c] for c in spread)
    text_width = max(TEXT_LEAST_WIDTH, room - used)
    label_help = "; ".join(f"{name}: `{label}`" for label, name in names.items()) or None
    # label names wrap at their spaces: rows tall enough for the longest
    row_height = max(
        (h for h in (wrapped_row_height([str(v) for v in shown[c]], w) for c, w in widths.items()) if h),
        default=None,
    )
    st.dataframe(
        shown,
        key=key,
        width="stretch",
        height=grid_height(len(shown), row_height),  # whole rows, the rest scroll
        placeholder=MISSING,
        column_order=order,
        row_height=row_height,
        column_config={
            "_index": st.column_config.TextColumn("item", width=ITEM_ID_WIDTH),
            "gold": st.column_config.TextColumn("gold", width=widths["gold"], help=label_help),
            "majority share": st.column_config.TextColumn(
                "majority",
                help="Share of answers that agree with the most common answer",
                width=spread_widths["majority share"],
                alignment="right",
            ),
            "distinct answers": st.column_config.NumberColumn(
                "distinct", help="Distinct answers given", width=spread_widths["distinct answers"]
            ),
            "box disagreement": st.column_config.TextColumn(
                "disagreement",
                help="Observed box disagreement of the image: 1 − IoU over matched boxes, 1 for a box "
                "no one else drew (0: everyone drew the same boxes)",
                width=spread_widths["box disagreement"],
                alignment="right",
            ),
            "mean IoU": st.column_config.TextColumn(
                "mean IoU",
                help="Mean IoU of the boxes that overlap another annotator's",
                width=spread_widths["mean IoU"],
                alignment="right",
            ),
            "text": st.column_config.TextColumn("text", width=text_width),
            # one column per annotator, just wide enough for the name ("Amara (demo)" was cut to
            # "Amara (dem") and the longest word of the answers
            **{
                name: st.column_config.TextColumn(str(name), width=widths[name], help=label_help)
                for name in annotators
            },
        },
    )
    commented = shown.loc[shown["comments"].astype(bool), ["comments"]] if "comments" in shown else shown[[]]
    if not commented.empty:  # in a table of their own: beside the answers they pushed the text out of view
        st.dataframe(
            commented,
            key=f"{key}_comments",
            width="stretch",
            row_height=(
                comment_row := wrapped_row_height(
                    [str(c) for c in commented["comments"]], room - ITEM_ID_WIDTH
                )
            ),
            height=grid_height(len(commented), comment_row),
            column_config={
                "_index": st.column_config.TextColumn("item", width=ITEM_ID_WIDTH),
                "comments": st.column_config.TextColumn(
                    "comments", help="The annotators' comments on the item", width=room - ITEM_ID_WIDTH
                ),
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
    number_text(alpha, missing="–"),
    help="Chance-corrected agreement of the whole round (`krippendorff_alpha`)",
)
cols[4].metric("Target", number_text(analysis.target), help="The guideline's pilot target (`pilot_target`)")
show_flags(overall.flags, overall.stats.values(), prefix="Whole round:")
if guideline.task.type == "boxes":
    show_box_dashboard(round_, data, figures)

# ----------------------------------------------------------------- per rule
st.subheader("Agreement per rule")
# Two tables that each fit the main column of a 1280 px window (about 820 px), every figure as text ("–"
# where a rule has none: the grid showed "None"): the main statistics with alpha's interval, then the
# others with the flags. A statistic this task type does not have (kappa and AC1 for boxes) is left out.
rules = analysis.rules
# a long rule id widens its column (read whole), the title giving up the room
widths = fitted_widths(
    {"rule": ([str(r) for r in rules.index], RULE_WIDTH), "title": ([], TITLE_WIDTH)}, "title", 200
)
rule_width, title_width = widths["rule"], widths["title"]
boxes = guideline.task.type == "boxes"


def has(column: str) -> bool:
    return column in rules and bool(rules[column].notna().any())


def statistic(label: str, help: str, width: int = 56) -> Any:
    """A statistic's column: its text right-aligned, narrow, its meaning and code in the tooltip."""
    return st.column_config.TextColumn(label, help=help, width=width, alignment="right")


main = pd.DataFrame(index=rules.index)
main["title"] = rules["title"]
main["n_items"] = [MISSING if n != n else str(int(n)) for n in rules["n_items"]]
for column in ("krippendorff_alpha", "gwet_ac1", "percent_agreement", "gold_accuracy"):
    if has(column):
        main[column] = number_cells(rules[column])
if has("krippendorff_alpha"):
    main.insert(
        main.columns.get_loc("krippendorff_alpha") + 1,
        "alpha_interval",
        interval_cells(rules["krippendorff_alpha_low"], rules["krippendorff_alpha_high"]),
    )
rule_column = st.column_config.TextColumn("Rule", pinned=True, width=rule_width)
st.dataframe(
    main,
    key="dash_rule_table",
    width="stretch",
    row_height=(title_row := wrapped_row_height([str(t) for t in main["title"]], title_width)),
    height=grid_height(len(main), title_row),  # whole rows, the rest scroll
    placeholder=MISSING,
    column_config={
        "_index": rule_column,
        "title": st.column_config.TextColumn("title", width=title_width),
        "n_items": statistic(
            "items",
            "Answered items: the rule's items with at least one answer (`n_items`); agreement counts "
            "those with two or more. The panel below lists every item tagged with the rule, answered or not.",
            width=52,
        ),
        "krippendorff_alpha": statistic("alpha", "Krippendorff's alpha (`krippendorff_alpha`)"),
        "alpha_interval": statistic(
            "α 95% interval",
            "alpha's 95% interval (`krippendorff_alpha_low` to `krippendorff_alpha_high`)",
            width=INTERVAL_WIDTH,
        ),
        "gwet_ac1": statistic("AC1", "Gwet's AC1: robust when one label dominates (`gwet_ac1`)", width=52),
        "percent_agreement": statistic(
            "agree", "Percent agreement: share of agreeing answer pairs (`percent_agreement`)"
        ),
        "gold_accuracy": statistic(
            "box F1" if boxes else "gold",
            "Mean box F1 of the answers against the gold boxes, matched at the task's IoU with the same "
            "label, as a quiz scores them (`gold_accuracy`)"
            if boxes
            else "Accuracy against the gold answers (`gold_accuracy`)",
            width=60,
        ),
    },
)
st.caption(
    "A “–”: the rule has no such figure, mostly because too few of its items have two or more answers "
    "(its flag *few items* below says so) or no item of it has gold."
)
more = pd.DataFrame(index=rules.index)
for column in ("cohen_kappa_mean", "fleiss_kappa", "gold_kappa"):
    if has(column):
        more[column] = number_cells(rules[column])
if has("gwet_ac1") and "gwet_ac1_low" in rules:
    more["ac1_interval"] = interval_cells(rules["gwet_ac1_low"], rules["gwet_ac1_high"])
for column in ("n_annotators", "n_annotations"):
    if column in rules:
        more[column] = [MISSING if n != n else str(int(n)) for n in rules[column]]
more["flags"] = rules["flags"].map(lambda codes: ", ".join(flag_name(str(c)) for c in codes))
flags_width = FLAGS_WIDTH
shown_codes = sorted({str(c) for codes in rules["flags"] for c in codes})
st.dataframe(
    more,
    key="dash_rule_more",
    width="stretch",
    row_height=(flags_row := wrapped_row_height([str(f) for f in more["flags"]], flags_width)),
    height=grid_height(len(more), flags_row),
    placeholder=MISSING,
    column_config={
        "_index": rule_column,
        "cohen_kappa_mean": statistic(
            "kappa", "Cohen's kappa, mean over annotator pairs (`cohen_kappa_mean`)"
        ),
        "fleiss_kappa": statistic("Fleiss", "Fleiss' kappa (`fleiss_kappa`)"),
        "gold_kappa": statistic("gold κ", "Cohen's kappa against the gold answers (`gold_kappa`)"),
        "ac1_interval": statistic(
            "AC1 95% interval", "AC1's 95% interval (`gwet_ac1_low` to `gwet_ac1_high`)", width=INTERVAL_WIDTH
        ),
        "n_annotators": statistic("annotators", "Annotators who answered the rule's items", width=80),
        "n_annotations": statistic("answers", "Answers to the rule's items", width=64),
        "flags": st.column_config.TextColumn(
            "flags",
            width=flags_width,
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
    answered = row["n_items"]  # the per-rule table's "items": the rule's items with an answer
    of_them = "" if answered != answered else f", {int(answered)} of them answered (the table's items)"
    st.caption(
        f"{counted(len(item_ids), 'item')} tagged with the rule{of_them}; {order_text}. "
        "Answers per annotator, and gold when known."
    )
    show_items(side, "dash_rule_items", PANEL_WIDTH)
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
            show_items(side.loc[side.index.isin(set(hit))], "dash_confusion_items", PANEL_WIDTH)

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
