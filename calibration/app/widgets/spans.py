"""Span answers: select in the text itself (our own component), or with token buttons as a fallback.

In the text: ``frontend/span_select.js`` (with the frame shared by our widgets, see `widget_frame`)
is a small components-v1 widget (static HTML, CSS and plain JavaScript, no build step, no CDN). The
annotator drags over words (or uses Shift + arrow keys) and presses a label; selections snap to
whole tokens (`calibration.tokens`), spans show highlighted and can be removed. The widget lives
inside the answer form, so its value ``{"spans": [[start, end, label], ...]}`` stays in the browser
until the form is submitted: one server round trip per answer.
It receives the item's text as pieces of plain text with their offsets, the labels and the
annotator's own spans; never a gold answer. Tests without a browser (AppTest shows the widget as an
``UnknownElement``) set its value through ``st.session_state[f"{key}_select"]``.

With token buttons (the toggle "Select with token buttons"; no JavaScript needed): the annotator
selects contiguous tokens (pills whose values are token indices, so repeated words are fine), picks a
label with a segmented control and presses "Add span". The spans built so far are shown highlighted
(escaped text inside ``:color-background[...]``) with a remove button each. Spans live in
``st.session_state[f"{key}_spans"]`` as ``[start, end, label]`` character offsets, the raw form
`calibration.answers.parse_answer` accepts.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from calibration.app.widgets.text import escape_markdown
from calibration.app.widgets.widget_frame import declare_widget
from calibration.tokens import tokenize

__all__ = [
    "current_spans",
    "highlighted",
    "label_colors",
    "reset_spans",
    "span_picker",
    "token_labels",
    "tokenize",
]

COLORS = ("blue", "green", "orange", "violet", "red", "yellow", "gray")


def token_labels(text: str, ranges: list[tuple[int, int]]) -> list[str]:
    """The pill label of each token: its text, made unique with zero-width spaces for repeats.

    The browser's pills identify options by their label, so a repeated word ("Lane" twice) would
    select the wrong occurrence; the n-th repeat carries n invisible zero-width spaces.
    """
    seen: dict[str, int] = {}
    labels = []
    for start, end in ranges:
        token = text[start:end]
        labels.append(token + "\u200b" * seen.get(token, 0))
        seen[token] = seen.get(token, 0) + 1
    return labels


def label_colors(labels: list[Any]) -> dict[str, str]:
    """A highlight colour per label id: the label's own colour when Streamlit knows it, else a cycle."""
    colors: dict[str, str] = {}
    for index, label in enumerate(labels):
        own = (getattr(label, "color", None) or "").lower()
        colors[label.id] = own if own in COLORS else COLORS[index % len(COLORS)]
    return colors


def highlighted(text: str, spans: list[tuple[int, int, str]], labels: list[Any]) -> str:
    """Markdown of `text` with each span highlighted and tagged with its label name (text escaped).

    Overlapping spans are drawn once (the earlier one); every span is still listed by `span_picker`.
    """
    colors = label_colors(labels)
    names = {label.id: label.name for label in labels}
    out: list[str] = []
    at = 0
    for start, end, label in sorted(spans):
        if start < at:
            continue
        out.append(escape_markdown(text[at:start]))
        color = colors.get(label, "gray")
        out.append(
            f":{color}-background[{escape_markdown(text[start:end])} **{escape_markdown(names.get(label, label))}**]"
        )
        at = end
    out.append(escape_markdown(text[at:]))
    return "".join(out)


def _spans_key(key: str) -> str:
    return f"{key}_spans"


def current_spans(key: str) -> list[list[Any]]:
    """The spans built so far for the widget `key`, as ``[start, end, label]`` lists."""
    return list(st.session_state.get(_spans_key(key), []))


def _add_span(key: str, text: str) -> None:
    ranges = tokenize(text)
    chosen = sorted(st.session_state.get(f"{key}_tokens") or [])
    label = st.session_state.get(f"{key}_label")
    if not chosen:
        st.session_state[f"{key}_error"] = "Select the tokens of the span first."
        return
    if chosen != list(range(chosen[0], chosen[-1] + 1)):
        st.session_state[f"{key}_error"] = (
            "A span is a run of neighbouring tokens: select tokens without gaps."
        )
        return
    if label is None:
        st.session_state[f"{key}_error"] = "Pick the span's label."
        return
    span = [ranges[chosen[0]][0], ranges[chosen[-1]][1], label]
    spans = current_spans(key)
    if span not in spans:
        spans.append(span)
    st.session_state[_spans_key(key)] = sorted(spans)
    st.session_state[f"{key}_tokens"] = []  # a callback may reset the pills; the browser follows
    st.session_state[f"{key}_error"] = None


def _remove_span(key: str, index: int) -> None:
    spans = current_spans(key)
    if 0 <= index < len(spans):
        del spans[index]
    st.session_state[_spans_key(key)] = spans


def span_picker(task: Any, text: str, *, key: str) -> list[list[Any]]:
    """Let the annotator build spans over `text`; returns the spans so far (``[start, end, label]``).

    Args:
        task: the guideline's span task (its labels).
        text: the input text.
        key: a widget-key prefix unique to this item on the page (never derived from answers).
    """
    ranges = tokenize(text)
    labels = list(task.labels)
    names = {label.id: label.name for label in labels}
    shown = token_labels(text, ranges)
    st.pills(
        "Select the tokens of one span",
        list(range(len(ranges))),
        selection_mode="multi",
        format_func=lambda i: escape_markdown(shown[i]),  # pill labels are markdown; tokens are data
        key=f"{key}_tokens",
    )
    st.segmented_control(
        "Label",
        [label.id for label in labels],
        format_func=lambda label_id: escape_markdown(names.get(label_id, label_id)),
        key=f"{key}_label",
    )
    st.button("Add span", key=f"{key}_add", icon=":material/add:", on_click=_add_span, args=(key, text))
    error = st.session_state.get(f"{key}_error")
    if error:
        st.warning(error, icon=":material/warning:")
    spans = current_spans(key)
    if spans:
        with st.container(border=True):
            st.markdown(highlighted(text, [tuple(s) for s in spans], labels))
        for index, (start, end, label) in enumerate(spans):
            cols = st.columns([6, 1], vertical_alignment="center")
            name = names.get(label, label)
            cols[0].markdown(f"{escape_markdown(text[start:end])} → **{escape_markdown(name)}**")
            cols[1].button(
                "Remove",
                key=f"{key}_remove_{index}",
                icon=":material/close:",
                on_click=_remove_span,
                args=(key, index),
            )
    else:
        st.caption("No spans yet. If the text has nothing to mark, submit with no spans.")
    return spans


def reset_spans(key: str) -> None:
    """Forget the spans and selection of widget `key` (after its answer was recorded)."""
    for suffix in ("_spans", "_tokens", "_error", "_select"):
        st.session_state.pop(f"{key}{suffix}", None)


# --------------------------------------------------------------------------- selection in the text

HEX_COLORS = {
    "blue": "#a8d1ff",
    "green": "#b5e8b0",
    "orange": "#ffd59e",
    "violet": "#dcc6ff",
    "red": "#ffb3b3",
    "yellow": "#fff0a0",
    "gray": "#d9d9d9",
}


def text_pieces(text: str) -> list[dict[str, Any]]:
    """`text` cut into tokens and the gaps between them, in order, each ``{text, start, end}``.

    Gaps have ``start``/``end`` None. Joining every piece's text gives `text` back; the browser
    draws the pieces as they are and sends back the offsets of the tokens, so it never counts
    characters itself (JavaScript counts UTF-16 units, Python code points).
    """
    pieces: list[dict[str, Any]] = []
    at = 0
    for start, end in tokenize(text):
        if start > at:
            pieces.append({"text": text[at:start], "start": None, "end": None})
        pieces.append({"text": text[start:end], "start": start, "end": end})
        at = end
    if at < len(text):
        pieces.append({"text": text[at:], "start": None, "end": None})
    return pieces


def _hex_color(label: Any, index: int) -> str:
    own = str(getattr(label, "color", None) or "")
    if own.startswith("#") and len(own) in (4, 7):
        return own
    return HEX_COLORS.get(own.lower(), list(HEX_COLORS.values())[index % len(HEX_COLORS)])


def spans_from_value(value: Any) -> Any:
    """The raw span answer in the selector's value ``{"spans": [[start, end, label], ...]}``.

    None when the widget has sent nothing yet (no span marked: the answer is "no spans"). A value of
    another shape is returned as it is, for `calibration.answers.parse_answer` to refuse with a
    message.
    """
    if value is None:
        return []
    if isinstance(value, dict) and isinstance(value.get("spans"), list):
        return [list(span) if isinstance(span, list | tuple) else span for span in value["spans"]]
    return value


def span_selector(task: Any, text: str, *, key: str) -> Any:
    """Selection in the text itself (inside the answer form); returns the raw spans selected so far.

    Args:
        task: the guideline's span task (its labels).
        text: the input text.
        key: the item's widget-key prefix; the widget's own key is ``f"{key}_select"``.
    """
    labels = list(task.labels)
    value = declare_widget("span_select")(
        pieces=text_pieces(text),
        labels=[
            {"id": label.id, "name": label.name, "color": _hex_color(label, index)}
            for index, label in enumerate(labels)
        ],
        spans=[],
        instance=key,
        key=f"{key}_select",
        default=None,
    )
    return spans_from_value(value)


PREFER_BUTTONS = "spans_prefer_buttons"
"""Session key remembering the annotator's last choice of the toggle, for the next items."""


def _remember_mode(key: str) -> None:
    st.session_state[PREFER_BUTTONS] = bool(st.session_state.get(f"{key}_buttons"))


def shows_text(key: str) -> bool:
    """Whether the span answer of item `key` is selected in the text (the component shows the whole
    text, so the page need not show it a second time); False with token buttons."""
    return not bool(st.session_state.get(f"{key}_buttons", st.session_state.get(PREFER_BUTTONS, False)))


def buttons_mode(key: str) -> bool:
    """The toggle between selecting in the text (off) and token buttons (on) for item `key`."""
    return bool(
        st.toggle(
            "Select with token buttons",
            value=bool(st.session_state.get(PREFER_BUTTONS, False)),
            key=f"{key}_buttons",
            on_change=_remember_mode,
            args=(key,),
            help="Instead of selecting in the text: pick the words as buttons, then press Add span.",
        )
    )
