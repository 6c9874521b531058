"""Adjudication (lead): for pilot items without gold or with disagreement, pick the final answer and a rationale;
optionally add it to the bank as gold."""

from __future__ import annotations

import streamlit as st

from calibration.app import state
from calibration.app.widgets.analysis_round import pick_round
from calibration.app.widgets.answers import answer_form
from calibration.app.widgets.box_view import show_images_with_boxes
from calibration.app.widgets.grid import MISSING, grid_height
from calibration.app.widgets.images import input_image, show_input_image
from calibration.app.widgets.text import author_markdown, escape_markdown, reflow, show_input
from calibration.errors import CalibrationError
from calibration.reports.adjudication import adjudication_queue, answer_counts, empty_queue_message

user = state.require_role("lead")
st.title("Adjudication")
st.caption(
    "Pilot items without gold, or on which annotators disagree. Pick the final answer and say why; "
    "the answer becomes the item's gold in this round's analyses, and can be added to the bank."
)

round_ = pick_round("adj_round", kinds=("pilot",), label="Pilot round")
if round_ is None:
    st.info("No pilot rounds yet. Create one on the Rounds page, or open the demo workspace.")
    st.stop()
from calibration.rounds import service  # noqa: E402
from calibration.wording import counted  # noqa: E402

try:
    data = state.cached_round_analysis(round_.id)
    decided = service.adjudications(state.get_engine(), round_.id)
except CalibrationError as error:
    state.render_error(error)
    st.stop()
guideline = data.guideline
queue = adjudication_queue(data, decided)
if queue.empty:
    st.success(empty_queue_message(data))
    st.stop()

pending = queue[~queue["adjudicated"]]
st.caption(
    f"{counted(len(queue), 'item')} {'needs' if len(queue) == 1 else 'need'} a decision; "
    f"{len(pending)} {'is' if len(pending) == 1 else 'are'} still open."
)
only_open = st.toggle("Only items not yet adjudicated", value=True, key="adj_only_open")
shown = pending if only_open and not pending.empty else queue
shown_table = shown.drop(columns=["adjudicated"]).assign(text=shown["text"].map(reflow))
st.dataframe(
    shown_table,
    key="adj_table",
    width="stretch",
    height=grid_height(len(shown_table), None),  # whole rows, the rest scroll
    placeholder=MISSING,
    # the short columns first, the long item text last: nothing useful is cut off at the right edge
    column_order=["reason", "gold", "rules", "answers", "distinct", "majority_share", "text"],
    column_config={
        "reason": st.column_config.TextColumn("reason"),
        "gold": st.column_config.TextColumn("gold", help="The item's current gold answer (empty: none)"),
        "rules": st.column_config.TextColumn("rules"),
        "answers": st.column_config.NumberColumn("answers", width="small"),
        "distinct": st.column_config.NumberColumn("distinct", width="small"),
        "majority_share": st.column_config.NumberColumn("majority", format="%.2f", width="small"),
        "text": st.column_config.TextColumn("text", width="large"),
    },
)
item_id = st.selectbox(
    "Item to adjudicate",
    shown.index.tolist(),
    format_func=lambda i: f"{i} · {shown.loc[i, 'reason']}" + (" · has gold" if shown.loc[i, "gold"] else ""),
    key="adj_item",
)
if item_id is None:
    st.stop()
try:
    item = guideline.item(item_id)
except KeyError:
    st.error(f"Item {item_id} is not in {guideline.ref}.")
    st.stop()

left, right = st.columns(2, gap="large")
with left:
    if guideline.task.type == "boxes":  # the image with every annotator's boxes
        st.subheader(f"Item {escape_markdown(item_id)}")
        show_images_with_boxes(round_, data, [item_id], columns=1)
    else:
        show_input_image(guideline.ref, item.input)
    if guideline.task.type != "boxes" or bool(getattr(item.input, "text", None)):
        show_input(guideline.task.type, item.input, heading=f"Item {item_id}", reflowed=True)
    st.markdown("**Rules:** " + ", ".join(escape_markdown(r) for r in item.rules))
    for rule_id in item.rules:
        try:
            rule = guideline.rule(rule_id)
        except KeyError:
            continue
        with st.expander(f"{rule_id} · {escape_markdown(rule.title)}"):
            st.markdown(author_markdown(rule.text))
with right:
    st.markdown("**Answers given**")
    # a static table wraps the annotator names instead of cutting them off in a narrow column; its cells
    # are markdown, so answers and names are escaped
    counts = answer_counts(guideline, data.responses, item_id)
    counts["answer"] = counts["answer"].map(escape_markdown)
    counts["annotators"] = counts["annotators"].map(escape_markdown)
    st.table(counts.set_index("answer")[["count", "annotators"]], border="horizontal")
    comments = data.responses[(data.responses["item_id"] == item_id)]
    if "comment" in comments:
        notes = [c for c in comments["comment"].tolist() if isinstance(c, str) and c.strip()]
        if notes:
            st.markdown("**Annotators' comments**")
            for note in notes:
                st.text(note)
    previous = [d for d in decided if d.item_id == item_id]
    if previous:
        st.info(f"Already adjudicated: {escape_markdown(previous[-1].answer)}. A new decision replaces it.")
    elif shown.loc[item_id, "gold"]:
        st.info(
            f"**Gold answer** (from the guideline's bank): {escape_markdown(shown.loc[item_id, 'gold'])}. "
            "A decision here replaces it in this round's analyses.",
            icon=":material/verified:",
        )

# keys carry the round and the item (two pilots of one guideline share item ids): a decision being typed
# for one item never shows under another
scope = f"{round_.id}_{item_id}"
to_bank = st.checkbox("Add to the bank as gold", key=f"adj_bank_{scope}")
typed: dict[str, str] = {}


def _rationale() -> None:
    # inside the answer form: typed, then "Save the decision" clicked at once, saves (outside, the text
    # area's own rerun on blur swallowed the click)
    typed["rationale"] = st.text_area(
        "Rationale (why this is the answer)",
        key=f"adj_rationale_{scope}",
        placeholder=f"up to {service.MAX_RATIONALE} characters",
    )


submission = answer_form(
    guideline.task,
    item.input,
    key=f"adj_{scope}",
    ask_confidence=False,
    submit_label="Save the decision",
    image=input_image(guideline.ref, item.input),
    before=_rationale,
)
rationale = typed.get("rationale", "")
if submission is not None:
    if not (rationale or "").strip():
        st.error("Write a rationale: it is shown to annotators as the reason for the gold answer.")
    else:
        try:
            service.adjudicate(
                state.get_engine(),
                round_.id,
                item_id,
                submission.answer,
                rationale,
                actor=user,
                add_to_bank=to_bank,
            )
        except CalibrationError as error:
            state.render_error(error)
        else:
            st.success(f"Saved the decision for {item_id}.", icon=":material/check_circle:")
            st.session_state["adj_last_saved"] = item_id
