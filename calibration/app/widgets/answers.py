"""The answer form of one quiz item, for every task type, with the optional confidence, rule and unclear flag.

Security: these widgets receive the task and the item's *input* only, never its gold answer, so no
gold can end up in an option, a default, a ``format_func`` output or a widget key. Defaults are
always "nothing chosen". Keys are built from the caller's prefix (page + attempt + position).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

from calibration.answers import MAX_COMMENT
from calibration.app.widgets import boxes as box_widgets
from calibration.app.widgets import spans as span_widgets
from calibration.app.widgets.images import show_image
from calibration.app.widgets.text import author_markdown, escape_markdown, escape_paragraphs, show_input

CONFIDENCE = {1: "1 · guess", 2: "2", 3: "3 · fairly sure", 4: "4", 5: "5 · certain"}


@dataclass(frozen=True)
class Submission:
    """What the annotator submitted for one item; `answer` is raw (parse it with the task)."""

    answer: Any
    confidence: int | None = None
    cited_rule: str | None = None
    unclear: bool = False
    comment: str | None = None


def candidate_label(candidate_id: str, text: object, width: int = 80) -> str:
    """A ranking candidate as a one-line option: ``c1 · its text`` (plain text, shortened to `width`)."""
    line = " ".join(str(text).split())
    if len(line) > width:
        line = line[: width - 1].rstrip() + "…"
    return f"{candidate_id} · {line}"


def _label_names(task: Any) -> dict[str, str]:
    return {label.id: label.name for label in task.labels}


def _answer_widget(task: Any, input: Any, key: str, image: bytes | None = None) -> Any:
    """The native widget for `task.type` inside the form; returns the raw answer or None."""
    kind = task.type
    if kind == "boxes":
        if image is None:
            st.error("This item's image could not be read: tell your lead.", icon=":material/broken_image:")
            return None
        return box_widgets.box_drawer(task, image, alt=getattr(input, "alt", None) or "", key=key)
    if kind == "single_label":
        names = _label_names(task)
        return st.radio(
            "Your answer",
            task.label_ids,
            index=None,
            format_func=lambda label_id: escape_markdown(names[label_id]),
            captions=[author_markdown(label.description) for label in task.labels],
            key=f"{key}_answer",
        )
    if kind == "multi_label":
        names = _label_names(task)
        chosen = st.pills(
            "Your answer (choose every label that applies)",
            task.label_ids,
            selection_mode="multi",
            format_func=lambda label_id: escape_markdown(names[label_id]),
            key=f"{key}_answer",
        )
        return list(chosen or [])
    if kind == "rating":
        scale = task.scale
        return st.radio(
            "Your rating",
            scale.points,
            index=None,
            horizontal=False,
            format_func=lambda point: str(point),
            captions=[escape_markdown(scale.anchors.get(point, "")) for point in scale.points],
            key=f"{key}_answer",
        )
    if kind == "pairwise":
        options = ["a", "b", "tie"] if task.allow_tie else ["a", "b"]
        shown = {"a": "A is better", "b": "B is better", "tie": "Tie"}
        return st.segmented_control(
            "Which reply is better?", options, format_func=lambda o: shown[o], key=f"{key}_answer"
        )
    if kind == "ranking":
        candidates = dict(getattr(input, "candidates", {}) or {})
        chosen = st.multiselect(
            "Your ranking: choose the candidates one by one, best first",
            list(candidates),
            default=[],
            format_func=lambda c: candidate_label(c, candidates[c]),
            max_selections=len(candidates) or None,
            placeholder="choose the best candidate first",
            help="A candidate you chose is no longer offered; remove it to place it elsewhere.",
            key=f"{key}_answer",
        )
        # a candidate can be chosen once only: the widget itself rules out duplicates
        return list(chosen) if len(chosen) == len(candidates) else None
    if kind == "span":
        if st.session_state.get(f"{key}_buttons"):
            return span_widgets.current_spans(key)
        return span_widgets.span_selector(task, input.text, key=key)
    raise ValueError(f"unknown task type {kind!r}")


def show_item_input(task: Any, input: Any, *, key: str, image: bytes | None = None) -> None:
    """The item as the annotator reads it above the answer form of item `key`.

    A span item selected in the text shows only its context here: the selection widget shows the
    text itself, which would otherwise be on the page twice. With token buttons the text is shown.
    A boxes item shows its text, if any, and leaves the image to the drawing widget; an item of
    another type shows its `image` (with its alt text) above the text.
    """
    if task.type == "boxes":
        if getattr(input, "text", ""):
            show_input(task.type, input)
        elif getattr(input, "context", None):
            st.caption("Context: " + escape_paragraphs(input.context))
        return
    if image is not None:
        show_image(image, getattr(input, "alt", None))
        if not getattr(input, "text", "") and task.type not in ("pairwise", "ranking"):
            if getattr(input, "context", None):
                st.caption("Context: " + escape_paragraphs(input.context))
            return
    if task.type == "span" and span_widgets.shows_text(key):
        if getattr(input, "context", None):
            st.caption("Context: " + escape_paragraphs(input.context))
        return
    show_input(task.type, input)


def missing_answer_message(task: Any, input: Any) -> str:
    """What to say when the form is submitted without a complete answer (a ranking names what is left)."""
    if task.type == "ranking":
        count = len(getattr(input, "candidates", {}) or {})
        return (
            f"Rank all {count} candidates before submitting: choose them one by one, best first, "
            "until none is left."
        )
    return "Choose an answer before submitting."


def answer_form(
    task: Any,
    input: Any,
    *,
    key: str,
    rules: list[tuple[str, str]] | None = None,
    ask_confidence: bool = True,
    submit_label: str = "Submit answer",
    image: bytes | None = None,
    before: Callable[[], None] | None = None,
) -> Submission | None:
    """Render the answer form for one item; returns the `Submission` on the run it is submitted.

    Boxes tasks draw on the item's image (`calibration.app.widgets.boxes`), inside the form too.
    Span tasks select in the text itself, inside the form (one round trip per answer), or, with
    the "Select with token buttons" toggle, with the token-button builder above the form (its
    buttons cannot live in a form); see `calibration.app.widgets.spans`.

    Args:
        task: the guideline's task.
        input: the item's input (never its gold answer).
        key: widget-key prefix unique to this item on the page.
        rules: ``(rule id, title)`` pairs to offer as "rule applied"; None hides the question.
        ask_confidence: whether to ask for a 1-5 confidence.
        submit_label: the submit button's label.
        image: the item's image bytes (boxes items draw on it; other types show it above).
        before: draws more widgets at the top of the form; they are sent with the submit (a text
            area outside the form sends itself on blur, and that rerun swallowed the submit click).
    """
    if task.type == "span" and span_widgets.buttons_mode(key):
        span_widgets.span_picker(task, input.text, key=key)
    with st.form(f"{key}_form", clear_on_submit=False, border=task.type not in ("span", "boxes")):
        if before is not None:
            before()
        raw = _answer_widget(task, input, key, image)
        confidence = cited = None
        with st.expander("Confidence, rule applied, unclear guideline", expanded=False):
            if ask_confidence:
                confidence = st.segmented_control(
                    "How sure are you?",
                    list(CONFIDENCE),
                    format_func=CONFIDENCE.__getitem__,
                    key=f"{key}_confidence",
                )
            if rules:
                titles = dict(rules)
                cited = st.selectbox(
                    "Rule you applied",
                    [rule_id for rule_id, _ in rules],
                    index=None,
                    format_func=lambda rule_id: f"{rule_id} · {titles[rule_id]}",
                    placeholder="optional",
                    key=f"{key}_rule",
                )
            unclear = st.checkbox("The guideline was unclear here", key=f"{key}_unclear")
            # no max_chars: the browser drops a paste that would pass it (the box stays empty); the
            # library refuses a longer comment and the text stays in the box to shorten
            comment = st.text_area(
                "Comment (what was unclear?)",
                key=f"{key}_comment",
                height=80,
                placeholder=f"optional, up to {MAX_COMMENT} characters",
            )
        submitted = st.form_submit_button(
            submit_label, type="primary", icon=":material/send:", key=f"{key}_submit"
        )
    if not submitted:
        return None
    return Submission(
        answer=raw,
        confidence=confidence,
        cited_rule=cited,
        unclear=bool(unclear),
        comment=(comment or "").strip() or None,
    )


def reset_answer(key: str) -> None:
    """Forget the widget state of item `key` once its answer is recorded (spans included)."""
    span_widgets.reset_spans(key)
    for name in list(st.session_state.keys()):
        if str(name).startswith(f"{key}_"):
            del st.session_state[name]
