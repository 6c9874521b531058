"""Take a quiz: one item at a time, every answer committed when submitted, feedback as the policy says.

The attempt (items, order, answers) comes from the database on every run, so a reload resumes at
the next unanswered item. An item's gold answer is used only after that item is answered.
"""

import time

import streamlit as st

from calibration.app import state
from calibration.app.navigation import spec
from calibration.app.widgets.answers import answer_form, reset_answer
from calibration.app.widgets.feedback import show_item_feedback, show_result, show_review
from calibration.app.widgets.text import escape_markdown, show_input
from calibration.errors import CalibrationError
from calibration.rounds import service

user = state.require_role()
engine = state.get_engine()

mine = state.my_rounds(user)
if not mine:
    st.title("Quiz")
    st.info("You are in no round yet. Open the invitation link your lead sent you.", icon=":material/mail:")
    st.stop()
by_id = {round_.id: (round_, progress) for round_, progress in mine}
chosen = state.round_id_param(st.query_params.get("round")) or st.session_state.get("quiz_round")
if chosen not in by_id:
    chosen = next((r.id for r, p in mine if p.status != "finished"), mine[0][0].id)
if len(mine) > 1:
    ids = list(by_id)
    chosen = st.sidebar.selectbox(
        "Round", ids, index=ids.index(chosen), format_func=lambda i: by_id[i][0].name, key="quiz_round_pick"
    )
st.session_state["quiz_round"] = chosen
if st.query_params.get("round") != str(chosen):
    st.query_params["round"] = str(chosen)
round_, progress = by_id[chosen]
guideline = state.guideline(round_.guideline_ref)
calibration = round_.kind == "calibration"
immediate = calibration and guideline.calibration.feedback == "immediate"

st.title(escape_markdown(guideline.title))
st.caption(f"{escape_markdown(round_.name)} · {round_.kind} round · {guideline.ref}")
st.sidebar.markdown(f"[Open the guideline](guideline?version={guideline.ref})")


def _finish(attempt_id: int):
    try:
        result = service.finish_attempt(engine, attempt_id, actor=user)
    except CalibrationError as error:
        state.render_error(error)
        st.stop()
    st.session_state[f"quiz_last_{round_.id}"] = attempt_id
    st.query_params["attempt"] = str(attempt_id)
    return result


def _quiz_items(attempt_id: int) -> dict:
    """The attempt's items as the annotator may see them now: gold withheld until the policy shows it."""
    try:
        return service.quiz_items(engine, attempt_id, actor=user)
    except CalibrationError as error:
        state.render_error(error)
        st.stop()


def _show_end(result) -> None:
    if result.score is None:
        st.success("All items answered. Thank you: your answers are saved.", icon=":material/task_alt:")
        return
    show_result(guideline, result)
    if guideline.calibration.feedback == "at_end":
        show_review(guideline, _quiz_items(result.attempt.id), result.attempt)


# A failed calibration attempt: show its result, and start the retake only when asked.
retake_key = f"quiz_retake_{round_.id}"
if progress.status == "finished" and progress.passed is False and not st.session_state.get(retake_key):
    last = st.session_state.get(f"quiz_last_{round_.id}") or state.round_id_param(
        st.query_params.get("attempt")
    )
    if last:
        try:
            result = service.finish_attempt(engine, int(last), actor=user)
        except CalibrationError:
            result = None
        if result is not None and result.attempt.round_id == round_.id:
            _show_end(result)
    else:
        st.warning("Your last attempt did not pass.", icon=":material/school:")
    if st.button(
        "Retake the quiz on the rules to reread", type="primary", key="quiz_retake", icon=":material/replay:"
    ):
        st.session_state[retake_key] = True
        st.query_params.pop("attempt", None)
        st.rerun()
    st.stop()

try:
    attempt = service.start_or_resume_attempt(engine, round_.id, user)
except CalibrationError as error:
    state.render_error(error)
    st.stop()
st.session_state.pop(retake_key, None)

if attempt.finished:
    _show_end(_finish(attempt.id))
    st.stop()

if attempt.target_rules:
    st.info(
        "Retake: the items exercise the rules " + ", ".join(attempt.target_rules) + ".",
        icon=":material/replay:",
    )

items = _quiz_items(attempt.id)

# Immediate feedback on the item just answered (its gold may be shown now).
pending = st.session_state.get("quiz_feedback")
if immediate and pending and pending[0] == attempt.id and pending[1] in attempt.answers:
    st.progress(attempt.answered / attempt.total, text=f"{attempt.answered} of {attempt.total} answered")

    def _next_button() -> None:
        label = "See my result" if attempt.next_item is None else "Next item"
        if st.button(label, type="primary", key="quiz_next", icon=":material/arrow_forward:"):
            st.session_state.pop("quiz_feedback", None)
            st.rerun()

    show_item_feedback(guideline, items[pending[1]], attempt.answers[pending[1]].answer, actions=_next_button)
    st.stop()

if attempt.next_item is None:
    _finish(attempt.id)
    st.rerun()

item_id = attempt.next_item
position = attempt.items.index(item_id)
item = items[item_id]
key = f"quiz_{attempt.id}_{position}"
st.progress(attempt.answered / attempt.total, text=f"Item {attempt.answered + 1} of {attempt.total}")
if guideline.task.instructions:
    st.caption(guideline.task.instructions)
show_input(guideline.task.type, item.input)
shown_at = st.session_state.setdefault(f"{key}_shown", time.monotonic())
rules = [(rule.id, rule.title) for rule in guideline.rules] if round_.settings.get("cite_rules") else None
submission = answer_form(guideline.task, item.input, key=key, rules=rules)
if submission is not None:
    if submission.answer is None:
        st.warning("Choose an answer before submitting.", icon=":material/warning:")
        st.stop()
    try:
        service.record_answer(
            engine,
            attempt.id,
            item_id,
            submission.answer,
            actor=user,
            confidence=submission.confidence,
            cited_rule=submission.cited_rule,
            unclear=submission.unclear,
            comment=submission.comment,
            seconds=round(time.monotonic() - shown_at, 1),
        )
    except CalibrationError as error:
        state.render_error(error)
        st.stop()
    reset_answer(key)
    if immediate:
        st.session_state["quiz_feedback"] = (attempt.id, item_id)
    st.rerun()

st.page_link(spec("home.py").script, label="Pause: every answer is saved", icon=":material/pause:")
