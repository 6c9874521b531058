"""A lead's preview of a round's quiz, as an annotator would see it, without creating an attempt.

The items come from `service.preview_item_ids` (a read: no attempt, assignment or answer is written);
each is drawn with the quiz page's own widgets (`show_item_input`, `answer_form`). The gold answer of an
item is shown (`show_item_feedback`) only once the lead has answered it in the preview; the answer
lives in session state only.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from calibration.answers import answer_to_json, parse_answer
from calibration.app import state
from calibration.app.widgets.answers import answer_form, missing_answer_message, reset_answer, show_item_input
from calibration.app.widgets.feedback import show_item_feedback
from calibration.app.widgets.images import input_image
from calibration.errors import CalibrationError
from calibration.rounds import service
from calibration.wording import counted


def _key(round_id: int) -> str:
    return f"rounds_preview_{round_id}"


def preview_quiz(engine: Any, user: Any, round_: Any) -> None:
    """Render the preview of `round_`'s quiz: a start button, then one item at a time with feedback."""
    key = _key(round_.id)
    if st.button(
        "Start the preview" if key not in st.session_state else "Restart the preview",
        key="rounds_preview_start",
        icon=":material/visibility:",
    ):
        try:
            ids = service.preview_item_ids(engine, round_.id, actor=user)
        except CalibrationError as error:
            state.render_error(error)
            return
        st.session_state[key] = {"items": ids, "position": 0, "answer": None}
    preview = st.session_state.get(key)
    if preview is None:
        st.caption(
            "Walk through the quiz with the annotators' widgets; nothing is saved and no attempt is made."
        )
        return
    guideline = state.guideline(round_.guideline_ref)
    items = state.round_items(round_.id)  # server-side; an item's gold reaches the page only once answered
    ids = [i for i in preview["items"] if i in items]
    position = preview["position"]
    if position >= len(ids):
        st.success(
            f"End of the preview ({counted(len(ids), 'item')}). Nothing was saved.",
            icon=":material/task_alt:",
        )
        return
    item = items[ids[position]]
    item_key = f"{key}_{position}"
    st.progress(position / len(ids), text=f"Preview · item {position + 1} of {len(ids)} · nothing is saved")
    if preview["answer"] is not None:

        def _next() -> None:
            if st.button(
                "Next item", type="primary", key="rounds_preview_next", icon=":material/arrow_forward:"
            ):
                preview.update(position=position + 1, answer=None)
                st.rerun()

        show_item_feedback(guideline, item, preview["answer"], actions=_next)
        return
    if guideline.task.instructions:
        st.caption(guideline.task.instructions)
    image = input_image(guideline.ref, item.input)
    show_item_input(guideline.task, item.input, key=item_key, image=image)
    rules = [(rule.id, rule.title) for rule in guideline.rules] if round_.settings.get("cite_rules") else None
    submission = answer_form(
        guideline.task, item.input, key=item_key, rules=rules, submit_label="Answer (preview)", image=image
    )
    if submission is None:
        return
    if submission.answer is None:
        st.warning(missing_answer_message(guideline.task, item.input), icon=":material/warning:")
        return
    try:
        canonical = parse_answer(guideline.task, submission.answer, item.input)
    except CalibrationError as error:
        state.render_error(error)
        return
    preview["answer"] = answer_to_json(guideline.task.type, canonical)
    reset_answer(item_key)
    st.rerun()
