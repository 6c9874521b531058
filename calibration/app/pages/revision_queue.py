"""Revision queue (lead, author): rules ranked for rewriting, with evidence, worst items and a draft edge case."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from calibration.ambiguity.draft import draft_edge_case, newest_base, save_draft
from calibration.ambiguity.queue import separation_text
from calibration.ambiguity.signals import number_text
from calibration.app import state
from calibration.app.widgets.analysis_round import pick_round, round_analysis, round_queue, shown_statistics
from calibration.app.widgets.box_view import show_images_with_boxes
from calibration.app.widgets.grid import MISSING, grid_height
from calibration.app.widgets.guideline_view import show_example_image
from calibration.app.widgets.text import escape_markdown
from calibration.errors import CalibrationError
from calibration.guidelines import versions
from calibration.reports.tables import flag_name, kappa_paradox_note, statistic_name
from calibration.rounds import item_model

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
        + ": set aside as careless (far less agreement with the others than the rest, on every rule). "
        "The Agreement dashboard counts every annotator, so its figures are lower."
    )
st.dataframe(
    shown_statistics(ranked),
    key="rq_table",
    width="stretch",
    height=grid_height(len(ranked), None),  # whole rows, the rest scroll
    placeholder=MISSING,
    column_config={
        "flags": st.column_config.TextColumn(
            "flags", help="; ".join(f"{flag_name(c)}: `{c}`" for c in codes) or "No flag"
        )
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
                f":orange-badge[:material/flag: {flag_name(evidence.code)}] ({points:+.1f}) "
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
                    "answers": ", ".join(f"{a} ×{n}" for a, n in w["distribution"].items()),
                    "gold": w["gold"],
                    "comments": " | ".join(w["comments"]),
                }
                for w in entry.worst_items
            ]
        ).set_index("item_id")
        st.dataframe(
            shown_statistics(worst),
            key="rq_worst",
            width="stretch",
            height=grid_height(len(worst), None),
            placeholder=MISSING,
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
        items["distribution"] = items["distribution"].map(
            lambda d: ", ".join(f"{a} ×{n}" for a, n in d.items())
        )
        items["comments"] = items["comments"].map(" | ".join)
        st.dataframe(
            shown_statistics(items),
            key="rq_items",
            width="stretch",
            height=grid_height(len(items), None),
            placeholder=MISSING,
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
        st.text(getattr(item.input, "text", ""))
else:
    st.text(getattr(item.input, "text", None) or str(item.input.model_dump()))
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
