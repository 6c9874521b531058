"""Revision queue (lead, author): rules ranked for rewriting, with evidence, worst items and a draft edge case."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from calibration.ambiguity.draft import draft_edge_case, newest_base, save_draft
from calibration.ambiguity.queue import points_text, separation_text
from calibration.ambiguity.signals import number_text
from calibration.app import state
from calibration.app.widgets.analysis_round import (
    interval_cells,
    number_cells,
    pick_round,
    round_analysis,
    round_queue,
)
from calibration.app.widgets.box_view import show_images_with_boxes
from calibration.app.widgets.grid import MISSING, grid_height, word_width, wrapped_row_height
from calibration.app.widgets.guideline_view import show_example_image
from calibration.app.widgets.text import escape_markdown, reflow
from calibration.errors import CalibrationError
from calibration.guidelines import versions
from calibration.reports.tables import flag_name, kappa_paradox_note, statistic_name
from calibration.rounds import item_model

# Widths (px) of the ranking's columns: together within the main column of a 1280 px window (about
# 820 px), the flags taking what is left; group, title and flags wrap in taller rows
RULE_WIDTH = 80
RANK_WIDTH = 48
GROUP_WIDTH = 120
TITLE_WIDTH = 180
NUMBER_WIDTH = 56
INTERVAL_WIDTH = 100
MAIN_WIDTH = 818
PANEL_WIDTH = 786  # inside the rule's bordered panel (16 px of padding each side)
# the worst items: answers and comments wrap, a label name on one line at least
ITEM_WIDTH = 70
ANSWERS_WIDTH = 250
GOLD_WIDTH = 110
SHORT_STATISTICS = {"krippendorff_alpha": "alpha", "gwet_ac1": "AC1", "box_alpha": "box alpha"}


def _names(answers: dict[str, int] | None) -> str:
    """An answer count as it reads in a table, each label by its name: "Confidentiality ×2, Other ×1"."""
    return ", ".join(f"{label_names.get(str(a), a)} ×{n}" for a, n in (answers or {}).items())


def _row_height(*columns: tuple[list[str], int]) -> int | None:
    """The row height that shows each (texts, width) column's texts whole."""
    heights = [wrapped_row_height(texts, width) for texts, width in columns]
    return max((h for h in heights if h is not None), default=None)


state.require_role("lead", "author")
st.title("Revision queue")
st.caption(
    "Rules ranked by group (revise, likely ambiguous on few items, no action, pilot more items: every rule with "
    "evidence before every rule without), then by an explained ambiguity score within the group: the flags and "
    "separations behind it, the worst items, what to do."
)


round_ = pick_round("rq_round", analysable_first=True)
if round_ is None:
    st.info("No rounds yet. Create a pilot round on the Rounds page, or open the demo workspace.")
    st.stop()
loaded = round_analysis(round_, agreement=True)  # the dashboard's shared analysis: its report ranks the rules
if loaded is None:
    st.stop()
data, _analysis = loaded
try:
    fit = item_model.latest_item_model(state.get_engine(), data.guideline.ref)
    fitted = fit.fitted_at.isoformat() if fit is not None else ""  # a refit recomputes the queue
    queue = round_queue(round_, fitted)
except CalibrationError as error:
    state.render_error(error)
    st.stop()
guideline = data.guideline
# a label reads by its name, its id in the column's tooltip (ids such as LIMITATION_OF_LIABILITY)
label_names = {str(label.id): label.name for label in guideline.task.labels}
label_help = "; ".join(f"{name}: `{label}`" for label, name in label_names.items()) or None

# ----------------------------------------------------------------- the ranked rules
ranked = queue.table()
codes = sorted({str(code) for e in queue.rules for code in e.flags})
if "statistic" in ranked:
    ranked["statistic"] = ranked["statistic"].map(lambda code: statistic_name(str(code)))
if "flags" in ranked:  # names in the cells, codes in the column's tooltip
    ranked["flags"] = [", ".join(flag_name(str(code)) for code in e.flags) for e in queue.rules]
set_aside = list(queue.meta.get("careless_annotators") or [])
if set_aside:  # the dashboard counts everybody: say why the two pages' figures differ
    st.caption(
        "Agreement here leaves out "
        + ", ".join(escape_markdown(name) for name in set_aside)
        + ": set aside as careless (far less agreement with the others than the rest, on most rules). "
        "The Agreement dashboard counts every annotator, so its figures are lower."
    )
# every figure as text ("–" where a rule has none: the grid drew "None"), the statistic's name in the
# header (one column of "Krippendorff's alpha" pushed the interval and flags out of view)
statistics = sorted({str(e.agreement.statistic) for e in queue.rules})
estimate_label = SHORT_STATISTICS.get(statistics[0], "estimate") if len(statistics) == 1 else "estimate"
ranked["score"] = number_cells(ranked["score"])
ranked["interval"] = interval_cells(ranked["ci_low"], ranked["ci_high"])
ranked["estimate"] = number_cells(ranked["estimate"])
rule_width = word_width([str(r) for r in ranked.index], RULE_WIDTH)
flags_width = (
    MAIN_WIDTH - rule_width - RANK_WIDTH - GROUP_WIDTH - TITLE_WIDTH - 2 * NUMBER_WIDTH - INTERVAL_WIDTH
)
st.dataframe(
    ranked,
    key="rq_table",
    width="stretch",
    column_order=["rank", "group", "title", "score", "estimate", "interval", "flags"],
    row_height=(
        rank_row := _row_height(
            ([str(g) for g in ranked["group"]], GROUP_WIDTH),
            ([str(t) for t in ranked["title"]], TITLE_WIDTH),
            ([str(f) for f in ranked["flags"]], flags_width),
        )
    ),
    height=grid_height(len(ranked), rank_row),  # whole rows, the rest scroll
    placeholder=MISSING,
    column_config={
        "_index": st.column_config.TextColumn("Rule", pinned=True, width=rule_width, help="rule_id"),
        "rank": st.column_config.NumberColumn("rank", width=RANK_WIDTH),
        "group": st.column_config.TextColumn(
            "group",
            help="Rules rank by group (revise, likely ambiguous on few items, no action, pilot more items), "
            "then by score within it: sort by rank to get back to this order",
            width=GROUP_WIDTH,
        ),
        "title": st.column_config.TextColumn("title", width=TITLE_WIDTH),
        "score": st.column_config.TextColumn(
            "score",
            help="The ambiguity score: the rule's panel below explains it",
            width=NUMBER_WIDTH,
            alignment="right",
        ),
        "estimate": st.column_config.TextColumn(
            estimate_label,
            help=", ".join(f"{statistic_name(c)} (`{c}`)" for c in statistics)
            + "; –: too few items with two or more answers under the rule",
            width=NUMBER_WIDTH,
            alignment="right",
        ),
        "interval": st.column_config.TextColumn(
            "95% interval", help="ci_low to ci_high: the estimate's 95% interval", width=INTERVAL_WIDTH
        ),
        "flags": st.column_config.TextColumn(
            "flags", help="; ".join(f"{flag_name(c)}: `{c}`" for c in codes) or "No flag", width=flags_width
        ),
    },
)
if st.session_state.get("rq_rule_round") != round_.id and queue.rules:
    # Another round: start from its first-ranked rule. Set through session state, so that the browser's
    # box shows it too (dropping the key left the box reading the rule chosen in the other round).
    st.session_state["rq_rule"] = queue.rules[0].rule_id
    st.session_state["rq_rule_round"] = round_.id
rule_id = st.selectbox(
    "Rule",
    [e.rule_id for e in queue.rules],
    format_func=lambda r: f"{queue.entry(r).rank}. {r} · {queue.entry(r).title}",
    key="rq_rule",
)
entry = queue.entry(rule_id)
with st.container(border=True):
    st.subheader(f"{entry.rank}. {escape_markdown(entry.rule_id)}")
    st.text(entry.suggestion)
    cols = st.columns(3)
    cols[0].metric("Score", number_text(entry.score, 2))
    estimate = entry.agreement.estimate
    cols[1].metric(
        statistic_name(entry.agreement.statistic),
        number_text(estimate, missing="–"),
        help=f"`{entry.agreement.statistic}`",
    )
    cols[2].metric("Items", entry.agreement.n_items, help="Items with two or more answers under the rule")
    st.caption(separation_text(entry.score_parts))
    for evidence in entry.evidence:
        if evidence.fired:
            points = entry.score_parts.get(evidence.code, 0.0)
            st.markdown(
                f":orange-badge[:material/flag: {flag_name(evidence.code)}] ({points_text(evidence.code, points)}) "
                + escape_markdown(evidence.message),
                help=f"Flag code: `{evidence.code}`",
            )
            for comment in evidence.comments:
                st.text(f"    “{comment}”")
    if "skewed_prevalence" in entry.flags or "skewed_prevalence" in entry.agreement.flags:
        st.info(
            kappa_paradox_note(
                {
                    "percent_agreement": entry.agreement.percent,
                    entry.agreement.statistic: entry.agreement.estimate,
                    "gwet_ac1": entry.agreement.ac1,
                }
            ),
            icon=":material/balance:",
        )
    if entry.worst_items:
        st.markdown("**Worst items**")
        worst = pd.DataFrame(
            [
                {
                    "item_id": w["item_id"],
                    "disagreement": w["disagreement"],
                    "certainty": w["certainty"],
                    "answers": _names(w["distribution"]),
                    "gold": MISSING if w["gold"] is None else label_names.get(str(w["gold"]), str(w["gold"])),
                    "comments": " | ".join(w["comments"]),
                }
                for w in entry.worst_items
            ]
        ).set_index("item_id")
        worst["disagreement"] = number_cells(worst["disagreement"])
        worst["certainty"] = number_cells(worst["certainty"])
        gold_width = word_width(list(worst["gold"]), GOLD_WIDTH)
        comments_width = PANEL_WIDTH - ITEM_WIDTH - 100 - 76 - ANSWERS_WIDTH - gold_width
        st.dataframe(
            worst,
            key="rq_worst",
            width="stretch",
            row_height=(
                worst_row := _row_height(
                    (list(worst["answers"]), ANSWERS_WIDTH),
                    (list(worst["gold"]), gold_width),
                    (list(worst["comments"]), comments_width),
                )
            ),
            height=grid_height(len(worst), worst_row),
            placeholder=MISSING,
            column_config={
                "_index": st.column_config.TextColumn("item", width=ITEM_WIDTH),
                "disagreement": st.column_config.TextColumn(
                    "disagreement", help="Share of answer pairs that disagree", width=100, alignment="right"
                ),
                "certainty": st.column_config.TextColumn(
                    "certainty",
                    help="How sure the Dawid-Skene model is of the item's answer; –: no model answer",
                    width=76,
                    alignment="right",
                ),
                "answers": st.column_config.TextColumn("answers", help=label_help, width=ANSWERS_WIDTH),
                "gold": st.column_config.TextColumn(
                    "gold", help=(label_help or "") + "; –: no gold answer", width=gold_width
                ),
                "comments": st.column_config.TextColumn("comments", width=comments_width),
            },
        )
        if guideline.task.type == "boxes":  # the worst images, drawn with every annotator's boxes
            show_images_with_boxes(round_, data, [w["item_id"] for w in entry.worst_items][:4])

# ----------------------------------------------------------------- hardest items and gold suspects
with st.expander("Hardest items and gold suspects"):
    items = queue.items.copy()
    if items.empty:
        st.text("No item with disagreement.")
    else:
        items["rule_ids"] = items["rule_ids"].map(", ".join)
        items["distribution"] = items["distribution"].map(_names)
        for column in ("majority", "gold"):
            items[column] = [
                MISSING if v is None or v != v else label_names.get(str(v), str(v)) for v in items[column]
            ]
        items["comments"] = items["comments"].map(" | ".join)
        for column in ("disagreement", "certainty"):
            items[column] = number_cells(items[column])
        # within the expander at 1280 px: answers and labels wrap, the comments in a table of their own
        hard = {
            "rule_ids": 90,
            "disagreement": 76,
            "certainty": 72,
            "distribution": 190,
            "majority": word_width(list(items["majority"]), GOLD_WIDTH),
            "gold": word_width(list(items["gold"]), GOLD_WIDTH),
        }
        hard_row = _row_height(*(([str(v) for v in items[c]], w) for c, w in hard.items()))
        st.dataframe(
            items,
            key="rq_items",
            width="stretch",
            height=grid_height(len(items), hard_row),
            placeholder=MISSING,
            row_height=hard_row,
            column_order=[*hard, *(c for c in items.columns if c not in hard and c != "comments")],
            column_config={
                "_index": st.column_config.TextColumn("item", width=ITEM_WIDTH),
                "rule_ids": st.column_config.TextColumn("rules", width=hard["rule_ids"]),
                "disagreement": st.column_config.TextColumn(
                    "disagree",
                    help="Share of answer pairs that disagree",
                    width=hard["disagreement"],
                    alignment="right",
                ),
                "certainty": st.column_config.TextColumn(
                    "certainty",
                    help="How sure the Dawid-Skene model is of the item's answer",
                    width=hard["certainty"],
                    alignment="right",
                ),
                "distribution": st.column_config.TextColumn(
                    "answers", help=label_help, width=hard["distribution"]
                ),
                "majority": st.column_config.TextColumn("majority", help=label_help, width=hard["majority"]),
                "gold": st.column_config.TextColumn("gold", help=label_help, width=hard["gold"]),
                "gold_suspect": st.column_config.CheckboxColumn(
                    "suspect", help="gold_suspect: the gold answer may be wrong", width=64
                ),
            },
        )
        commented = items.loc[items["comments"].astype(bool), ["comments"]]
        if not commented.empty:
            comment_width = PANEL_WIDTH - ITEM_WIDTH
            comment_row = wrapped_row_height(list(commented["comments"]), comment_width)
            st.dataframe(
                commented,
                key="rq_items_comments",
                width="stretch",
                height=grid_height(len(commented), comment_row),
                placeholder=MISSING,
                row_height=comment_row,
                column_config={
                    "_index": st.column_config.TextColumn("item", width=ITEM_WIDTH),
                    "comments": st.column_config.TextColumn(
                        "comments", help="The annotators' comments on the item", width=comment_width
                    ),
                },
            )

# ----------------------------------------------------------------- draft an edge case
st.subheader("Turn an item into an edge case")
bank = {item.id for item in guideline.items}
candidates = [i for i in entry.candidate_items if i in bank]
if not candidates:
    st.info("No item of this rule to turn into an edge case.")
    st.stop()
# Widget keys carry the round, rule and item: a fixed key would keep the answer and "why" typed for an
# earlier item (Streamlit ignores a new default once a keyed widget exists). Ids only, never answers:
# keys become CSS classes in the page.
scope = f"{round_.id}_{rule_id}"
item_id = st.selectbox("Item", candidates, key=f"rq_item_{scope}")
item = guideline.item(item_id)
if getattr(item.input, "image", None):  # an image item: the picture with its gold boxes, not a dict
    show_example_image(guideline, item)
    if getattr(item.input, "text", None):
        st.text(reflow(getattr(item.input, "text", "")))
else:  # the YAML's line breaks are not the text's: reflowed, paragraphs kept
    st.text(reflow(getattr(item.input, "text", None) or str(item.input.model_dump())))
answer = item.answer
if guideline.task.type in ("single_label", "pairwise", "rating"):
    choices = list(guideline.task.categories)
    default = choices.index(item.answer) if item.answer in choices else 0
    answer = st.selectbox(
        "Answer the edge case teaches", choices, index=default, key=f"rq_answer_{scope}_{item_id}"
    )
why = st.text_area("Why (what decides the answer)", value=item.why, key=f"rq_why_{scope}_{item_id}")


def _known_versions() -> tuple[list[str], list[str]]:
    """This guideline's published versions and the versions on disk (drafts included)."""
    from calibration.rounds import service

    published = [v.version for v in service.list_guideline_versions(state.get_engine(), guideline.id)]
    on_disk = [f.version for f in versions.discover(versions.BUNDLED_DIR).get(guideline.id, [])]
    return published, on_disk


def _make_draft(published: list[str], on_disk: list[str]):
    """The draft, written from the newest version of the guideline (its file edited in place)."""
    from calibration.rounds import service

    engine = state.get_engine()
    base = newest_base(
        guideline.id,
        published_versions=published,
        load_published=lambda ref: service.get_guideline(engine, ref),
        guidelines_dir=versions.BUNDLED_DIR,
    )
    return draft_edge_case(
        guideline, rule_id, item_id, why=why, answer=answer, base=base, taken_versions=[*published, *on_disk]
    )


published, on_disk = _known_versions()
newest = max([guideline.version, *published, *on_disk], key=versions.version_key)
if newest != guideline.version:
    st.info(
        f"The draft starts from {guideline.id}@{newest}, the newest version, not from {guideline.version} "
        "(the version this round piloted): the changes made since are kept.",
        icon=":material/info:",
    )
if st.button("Make the draft version", key="rq_make"):
    try:
        st.session_state["rq_draft"] = _make_draft(published, on_disk)
        st.session_state["rq_draft_round"] = round_.id
    except CalibrationError as error:
        state.render_error(error)
draft = st.session_state.get("rq_draft")
if (
    draft is not None
    and draft.rule_id == rule_id
    and draft.item_id == item_id
    and st.session_state.get("rq_draft_round") == round_.id
):
    st.success(
        f"Draft {draft.guideline.ref} is valid: {escape_markdown(draft.guideline.changelog[0].changes)}"
    )
    if draft.forked:
        st.warning(escape_markdown(draft.note), icon=":material/call_split:")
    else:
        st.caption(escape_markdown(draft.note))
    st.download_button(
        "Download the draft YAML",
        data=draft.yaml,
        file_name=f"{draft.guideline.id}-{draft.file_name}",
        mime="application/x-yaml",
        key="rq_download",
        on_click="ignore",
    )
    if st.button("Save into the guidelines folder", key="rq_save"):
        try:
            path = save_draft(draft, versions.BUNDLED_DIR)
            st.success(
                f"Saved {path.name} under guidelines/{draft.guideline.id}/ as a draft: it is not published. "
                "Review and publish it on the Guidelines page."
            )
        except CalibrationError as error:
            state.render_error(error)
