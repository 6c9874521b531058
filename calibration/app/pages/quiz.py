"""Take a quiz: one item at a time, every answer committed when submitted, feedback as the policy says.

The attempt (items, order, answers, the feedback on screen) comes from the database on every run, so
a reload shows the same feedback or resumes at the next unanswered item. Every finished attempt's
result and answer review stays reachable (``?attempt=ID``, the annotator's own attempts only).
An item's gold answer is used only after that item is answered.
"""

import time

import streamlit as st

from calibration.app import state
from calibration.app.navigation import spec
from calibration.app.widgets.answers import answer_form, missing_answer_message, reset_answer, show_item_input
from calibration.app.widgets.feedback import show_item_feedback, show_result, show_review
from calibration.app.widgets.guideline_view import answer_markdown
from calibration.app.widgets.images import input_image
from calibration.app.widgets.text import author_markdown, escape_markdown
from calibration.errors import CalibrationError
from calibration.rounds import service
from calibration.wording import counted

user = state.require_role()
engine = state.get_engine()

mine = state.my_rounds(user)
if not mine:
    st.title("Quiz")
    if user.role == "lead":
        st.info(
            "Leads take no quiz here. To see a round's quiz as annotators see it, pick the round on the "
            "Rounds page and press Start the preview (nothing is recorded).",
            icon=":material/visibility:",
        )
        st.page_link(spec("rounds.py").script, label="Open the Rounds page", icon=":material/group_work:")
    elif user.role == "author":
        st.info(
            "Authors take no quiz here: quizzes are for the annotators a lead invites. The Guideline "
            "page shows the rules and examples the quiz asks about.",
            icon=":material/menu_book:",
        )
    else:
        st.info(
            "You are in no round yet. Open the invitation link your lead sent you.", icon=":material/mail:"
        )
    st.stop()
by_id = {round_.id: (round_, progress) for round_, progress in mine}
chosen = state.round_id_param(st.query_params.get("round")) or st.session_state.get("quiz_round")
if chosen not in by_id:
    chosen = next((r.id for r, p in mine if p.status != "finished"), mine[0][0].id)
if st.query_params.get("round") not in (None, str(chosen)):  # a link to a round not the user's: theirs
    st.query_params.from_dict({"round": str(chosen)})


def _round_to_url() -> None:
    """The round just picked goes into the URL, without the other round's attempt (its own latest one).
    Only a pick writes it: writing it on arrival added a second browser-history entry."""
    st.query_params.from_dict({"round": str(st.session_state["quiz_round_pick"])})


if len(mine) > 1:
    ids = list(by_id)
    if st.session_state.get("quiz_round_pick") != chosen:  # the URL's round (a link, back/forward) wins
        st.session_state["quiz_round_pick"] = chosen
    chosen = st.sidebar.selectbox(
        "Round", ids, format_func=lambda i: by_id[i][0].name, key="quiz_round_pick", on_change=_round_to_url
    )
st.session_state["quiz_round"] = chosen
round_, progress = by_id[chosen]
guideline = state.guideline(round_.guideline_ref)
calibration = round_.kind == "calibration"
immediate = calibration and guideline.calibration.feedback == "immediate"

st.title(escape_markdown(guideline.title))
st.caption(f"{escape_markdown(round_.name)} · {round_.kind} round · {guideline.ref}")
st.sidebar.markdown(f"[Open the guideline](guideline?version={guideline.ref})")


def _finish(attempt_id: int) -> None:
    try:
        service.finish_attempt(engine, attempt_id, actor=user)
    except CalibrationError as error:
        state.render_error(error)
        st.stop()
    st.query_params.from_dict({"round": str(round_.id), "attempt": str(attempt_id)})  # one URL update


def _quiz_items(attempt_id: int) -> dict:
    """The attempt's items as the annotator may see them now: gold withheld until the policy shows it."""
    try:
        return service.quiz_items(engine, attempt_id, actor=user)
    except CalibrationError as error:
        state.render_error(error)
        st.stop()


def _attempt_label(attempt) -> str:
    passed = (attempt.score or {}).get("passed") if attempt.score is not None else None
    verdict = {True: "passed", False: "not passed", None: "finished"}[passed]
    when = f" · {attempt.finished_at:%Y-%m-%d %H:%M}" if attempt.finished_at else ""
    return f"Attempt {attempt.number}{when} · {verdict}"


def _pick_attempt(finished: list, shown: int) -> None:
    """A selector over the finished attempts; choosing one puts it in the URL (``?attempt=``)."""
    if len(finished) < 2 or shown not in {a.id for a in finished}:
        return
    by_id = {a.id: a for a in finished}
    key = f"quiz_attempt_pick_{round_.id}"
    st.session_state[key] = shown  # the URL decides (Home links, reloads); the callback writes it

    def _chosen() -> None:
        st.query_params.from_dict({"round": str(round_.id), "attempt": str(st.session_state[key])})

    st.selectbox(
        "Finished attempt",
        list(by_id),
        format_func=lambda i: _attempt_label(by_id[i]),
        key=key,
        on_change=_chosen,
    )


def _start_attempt() -> service.Attempt:
    """The annotator's attempt in progress, a new one, or a retake; the page stops with a message when
    none can be started."""
    try:
        return service.start_or_resume_attempt(engine, round_.id, user)
    except CalibrationError as error:
        state.render_error(error)
    st.stop()


def _show_results(attempt_id: int, attempts: list) -> None:
    """The result and answer review of one finished attempt of this round, then what comes next."""
    finished = [a for a in attempts if a.finished]
    _pick_attempt(finished, attempt_id)
    try:  # the server checks the attempt is the annotator's own
        result = service.attempt_result(engine, attempt_id, actor=user)
    except CalibrationError as error:
        state.render_error(error)
        st.stop()
    if result.attempt.round_id != round_.id:
        st.error(f"Attempt #{attempt_id} is not an attempt of this round.", icon=":material/error:")
        st.stop()
    if len(finished) > 1 or result.attempt.number > 1:
        st.subheader(_attempt_label(result.attempt))
    latest = attempts[-1] if attempts else None
    in_progress = latest is not None and not latest.finished
    retake = service.retake_status(engine, round_.id, user)  # the same sentence as on Home
    if retake is not None and result.score is None:  # else the result's one banner says it
        st.info(retake.message, icon=":material/replay:" if retake.available else ":material/lock:")
    if in_progress and st.button(
        "Back to the quiz", type="primary", key="quiz_resume", icon=":material/arrow_forward:"
    ):
        st.query_params.pop("attempt", None)
        st.rerun()
    if (
        retake is not None
        and retake.available
        and st.button(
            "Retake the quiz on the rules to reread",
            type="primary",
            key="quiz_retake",
            icon=":material/replay:",
        )
    ):
        _start_attempt()
        st.query_params.pop("attempt", None)
        st.rerun()
    if result.score is None:
        st.success("All items answered. Thank you: your answers are saved.", icon=":material/task_alt:")
        return
    show_result(guideline, result, None if retake is None else retake.message)
    show_review(guideline, _quiz_items(result.attempt.id), result.attempt)


def _answered_elsewhere(attempt) -> None:
    """Say so when this tab's "Submit answer" was for an item answered meanwhile in another tab.

    The page draws the item the database says is next: a submit from a form drawn before another tab
    (or window) answered that item finds the form gone, and the click would vanish unseen.
    """
    shown = st.session_state.get("quiz_shown")
    if not shown or shown[0] != attempt.id or not st.session_state.get(f"{shown[2]}_submit"):
        return
    item_id = shown[1]
    if item_id not in attempt.answers:
        return
    st.session_state.pop("quiz_shown", None)
    item = _quiz_items(attempt.id).get(item_id)
    kept = attempt.answers[item_id].answer
    st.warning(
        "This item was already answered in another tab or window; the answer kept is "
        + (answer_markdown(guideline, item.input, kept) if item is not None else escape_markdown(str(kept)))
        + ". The answer you just gave here was not saved.",
        icon=":material/tab:",
    )


# A finished attempt (the one in the URL, else the latest): its result and review, from the database.
attempts = service.my_attempts(engine, round_.id, actor=user)
if attempts:
    _answered_elsewhere(attempts[-1])
viewing = state.round_id_param(st.query_params.get("attempt"))
if viewing is None and attempts and attempts[-1].finished:
    viewing = attempts[-1].id
if viewing is not None:
    _show_results(viewing, attempts)
    st.stop()

attempt = _start_attempt()

if attempt.finished:
    st.rerun()

if attempt.target_rules:
    st.info(
        f"Retake: the items exercise the {'rule' if len(attempt.target_rules) == 1 else 'rules'} "
        + ", ".join(attempt.target_rules)
        + ".",
        icon=":material/replay:",
    )

items = _quiz_items(attempt.id)
_answered_elsewhere(attempt)
adaptive = None
if calibration and guideline.calibration.policy == "adaptive":
    try:  # the sequential test's state: "about N items left"
        adaptive = service.adaptive_progress(engine, attempt.id, actor=user)
    except CalibrationError as error:
        state.render_error(error)
        st.stop()


adaptive_pilot = round_.kind == "pilot" and round_.settings.get("policy") == "adaptive"


def _progress(answered: int, text: str) -> None:
    """The progress bar: of a fixed quiz's length, or of an adaptive quiz's items so far and left."""
    if adaptive_pilot:  # items come one at a time, as the rules need them: only a bound to show
        most = service.adaptive_pilot_items_left(engine, attempt.id, actor=user)
        st.caption(
            f"{text} · at most {most} more after this one; items come one at a time, as the pilot "
            "needs them, so it may end sooner"
        )
        return
    if adaptive is None:
        st.progress(answered / attempt.total, text=text)
        return
    if guideline.calibration.feedback == "at_end":
        # "about N left" moves with each answer's correctness: with feedback at the end, only a bound
        # that does not depend on the answers is shown (docs/adaptive.md)
        most = service.adaptive_most_items(guideline)  # max_items, or the bank when smaller
        st.progress(min(answered / most, 1.0), text=f"{text} · at most {counted(most, 'item')}")
        return
    left = adaptive.items_left
    st.progress(
        answered / max(answered + left, 1), text=f"{text} · about {left} item{'s' * (left != 1)} left"
    )


# A closed round takes no answers (the server refuses them): say so on load instead of drawing an
# answer form whose submit would only then be refused. The feedback on an item already answered stays.
closed = round_.status != "open"


def _closed_notice() -> None:
    st.warning(
        f"This round ({escape_markdown(round_.name)}) is closed: it takes no more answers. Your answers so "
        "far are saved; ask your lead to reopen the round to go on.",
        icon=":material/lock:",
    )
    st.page_link(spec("home.py").script, label="Back to Home", icon=":material/home:")


# Immediate feedback on the item just answered (its gold may be shown now); the database keeps it
# pending until "Next item", so a reload shows the same feedback instead of moving on.
pending = attempt.feedback_item
if immediate and pending and pending in attempt.answers and pending in items:
    _progress(
        attempt.answered,
        f"{attempt.answered} answered" if adaptive else f"{attempt.answered} of {attempt.total} answered",
    )

    def _next_button(item_id: str = pending) -> None:
        if closed:  # no next item to go on to
            _closed_notice()
            return
        label = "See my result" if attempt.next_item is None else "Next item"
        if st.button(label, type="primary", key="quiz_next", icon=":material/arrow_forward:"):
            try:
                service.acknowledge_feedback(engine, attempt.id, item_id, actor=user)
            except CalibrationError as error:
                state.render_error(error)
                st.stop()
            st.rerun()

    show_item_feedback(guideline, items[pending], attempt.answers[pending].answer, actions=_next_button)
    st.stop()

if closed and (attempt.next_item is not None or adaptive is not None or adaptive_pilot):
    # an adaptive quiz or pilot draws its items as it goes: none drawn yet is not "all answered"
    _progress(
        attempt.answered,
        f"{attempt.answered} answered"
        if adaptive or adaptive_pilot
        else f"{attempt.answered} of {attempt.total} answered",
    )
    shown = st.session_state.get("quiz_shown")
    if shown and shown[0] == attempt.id and st.session_state.get(f"{shown[2]}_submit"):
        # the item's form was open when the lead closed the round: its answer arrived too late
        st.warning(
            "The answer you just gave was not recorded: the round was closed before it arrived.",
            icon=":material/block:",
        )
    _closed_notice()
    st.stop()

if attempt.next_item is None:
    _finish(attempt.id)
    st.rerun()

item_id = attempt.next_item
position = attempt.items.index(item_id)
item = items[item_id]
key = f"quiz_{attempt.id}_{position}"
_progress(
    attempt.answered,
    f"Item {attempt.answered + 1}"
    if adaptive or adaptive_pilot
    else f"Item {attempt.answered + 1} of {attempt.total}",
)
if item_id in service.seen_before(engine, attempt.id, actor=user):
    st.caption(
        ":material/history: You have seen this item before, in an earlier attempt: its rule has no "
        "unseen items left. It counts like the others."
    )
if guideline.task.instructions:
    st.caption(author_markdown(guideline.task.instructions))
image = input_image(guideline.ref, item.input)
show_item_input(guideline.task, item.input, key=key, image=image)
shown_at = st.session_state.setdefault(f"{key}_shown", time.monotonic())
st.session_state["quiz_shown"] = (attempt.id, item_id, key)  # see _answered_elsewhere
rules = [(rule.id, rule.title) for rule in guideline.rules] if round_.settings.get("cite_rules") else None
submission = answer_form(guideline.task, item.input, key=key, rules=rules, image=image)
if submission is not None:
    if submission.answer is None:
        st.warning(missing_answer_message(guideline.task, item.input), icon=":material/warning:")
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
    st.rerun()

st.page_link(spec("home.py").script, label="Pause: every answer is saved", icon=":material/pause:")
