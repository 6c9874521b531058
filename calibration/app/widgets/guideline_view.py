"""Reading a guideline: rules with anchors, examples and edge cases with gold and rationale, search, answers shown.

Rule text, rationales and summaries are the author's markdown and are rendered as markdown (never
with HTML); inputs (which may be copied from real data), titles, names and scale anchors are escaped.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from calibration.app.widgets.spans import highlighted
from calibration.app.widgets.text import author_markdown, escape_markdown, show_input
from calibration.wording import counted


def rule_anchor(rule_id: str) -> str:
    """The HTML anchor of a rule on the guideline page, e.g. ``rule-R-INDEM``."""
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in rule_id)
    return f"rule-{safe}"


def rule_link(guideline_ref: str, rule_id: str) -> str:
    """A relative URL to a rule on the guideline page (``guideline?version=REF#rule-ID``)."""
    return f"guideline?version={guideline_ref}#{rule_anchor(rule_id)}"


def answer_markdown(guideline: Any, input: Any, answer: Any) -> str:
    """A canonical or raw answer as readable markdown (label names, highlighted spans, anchors)."""
    from calibration.answers import parse_answer
    from calibration.errors import CalibrationError

    task = guideline.task
    try:
        value = parse_answer(task, answer, input)
    except CalibrationError:
        return escape_markdown(answer)
    names = {label.id: label.name for label in task.labels}
    if task.type == "single_label":
        return f"**{escape_markdown(names.get(value, value))}**"
    if task.type == "multi_label":
        return ", ".join(f"**{escape_markdown(names.get(v, v))}**" for v in value) or "*no label*"
    if task.type == "span":
        if not value:
            return "*no spans*"
        return highlighted(input.text, [tuple(span) for span in value], list(task.labels))
    if task.type == "rating":
        anchor = task.scale.anchors.get(value) if task.scale else None
        return f"**{value}**" + (f" · {escape_markdown(anchor)}" if anchor else "")
    if task.type == "pairwise":
        return {"a": "**A** is better", "b": "**B** is better", "tie": "**Tie**"}[value]
    if task.type == "ranking":
        return ranking_markdown(value, getattr(input, "candidates", None) or {})
    if task.type == "boxes":
        if not value:
            return "*no box*"
        return f"{len(value)} box{'es' if len(value) != 1 else ''}: " + ", ".join(
            f"**{escape_markdown(names.get(box.label, box.label))}**" for box in value
        )
    return escape_markdown(value)


def ordinal(n: int) -> str:
    """1 -> "1st", 2 -> "2nd", 11 -> "11th", 23 -> "23rd"."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def ranking_markdown(order: Any, candidates: dict[str, str]) -> str:
    """A ranking as its candidates' texts, one line per place (``**1st** Hello! *(c1)*``), escaped."""
    lines = []
    for place, candidate_id in enumerate(order, start=1):
        text = " ".join(str(candidates.get(candidate_id, "")).split())
        lines.append(
            f"**{ordinal(place)}** "
            + (escape_markdown(text) + " " if text else "")
            + f"*({escape_markdown(candidate_id)})*"
        )
    return "  \n" + "  \n".join(lines)


def _text_of_example(example: Any) -> str:
    parts = [str(example.why)]
    for field in ("text", "context", "prompt", "a", "b"):
        value = getattr(example.input, field, None)
        if value:
            parts.append(str(value))
    candidates = getattr(example.input, "candidates", None) or {}
    parts.extend(candidates.values())
    return " ".join(parts)


def rule_matches(guideline: Any, rule: Any, query: str) -> bool:
    """Whether `query` (case-insensitive, every word) occurs in the rule, its labels or its examples."""
    words = query.casefold().split()
    if not words:
        return True
    names = [
        guideline.label(label_id).name for label_id in rule.labels if label_id in guideline.task.label_ids
    ]
    haystack = " ".join(
        [rule.id, rule.title, rule.text, *rule.labels, *names]
        + [_text_of_example(example) for example in (*rule.examples, *rule.edge_cases)]
    ).casefold()
    return all(word in haystack for word in words)


def show_example(guideline: Any, example: Any, *, kind: str) -> None:
    """One example or edge case: the input, the gold answer and why."""
    with st.container(border=True):
        st.caption(kind + (f" · {escape_markdown(example.id)}" if example.id else ""))
        show_example_image(guideline, example)
        if guideline.task.type != "boxes" or getattr(example.input, "text", ""):
            show_input(guideline.task.type, example.input)
        st.markdown("Answer: " + answer_markdown(guideline, example.input, example.answer))
        if example.why:
            st.markdown(author_markdown(example.why))


def show_example_image(guideline: Any, example: Any) -> None:
    """An example's image with its alt text; on a boxes task with the example's boxes drawn on it."""
    if not getattr(example.input, "image", None):
        return
    from calibration.app.widgets.images import input_image, show_image, show_input_image

    if guideline.task.type != "boxes" or not example.answer:
        show_input_image(guideline.ref, example.input)
        return
    image = input_image(guideline.ref, example.input)
    if image is None:
        show_input_image(guideline.ref, example.input)  # says the image is missing
        return
    from calibration.answers import parse_answer
    from calibration.errors import CalibrationError
    from calibration.reports.boxes import GOLD, BoxLayer, draw_layers

    try:
        boxes = parse_answer(guideline.task, example.answer, example.input)
    except CalibrationError:
        boxes = ()
    names = {label.id: label.name for label in guideline.task.labels}
    tags = [names.get(box.label, box.label) for box in boxes]
    show_image(
        draw_layers(image, [BoxLayer("answer", GOLD, boxes, tags, 3)]), getattr(example.input, "alt", None)
    )


def show_rule(guideline: Any, rule: Any) -> None:
    """A rule: anchored heading, the labels it governs, its text, then examples and edge cases."""
    st.subheader(f"{rule.id} · {escape_markdown(rule.title)}", anchor=rule_anchor(rule.id), divider="gray")
    if rule.labels:
        names = [
            guideline.label(label_id).name for label_id in rule.labels if label_id in guideline.task.label_ids
        ]
        st.caption("Labels: " + " · ".join(escape_markdown(name) for name in names))
    st.markdown(author_markdown(rule.text))
    if rule.examples:
        st.markdown("**Examples**")
        for example in rule.examples:
            show_example(guideline, example, kind="Example")
    if rule.edge_cases:
        st.markdown("**Edge cases**")
        for example in rule.edge_cases:
            show_example(guideline, example, kind="Edge case")


def show_guideline(guideline: Any, *, query: str = "") -> int:
    """The whole guideline (summary, labels, rules matching `query`); returns how many rules are shown."""
    st.title(escape_markdown(guideline.title))
    st.caption(
        f"{guideline.ref} · {guideline.task.type.replace('_', ' ')} task · {counted(len(guideline.rules), 'rule')}"
    )
    if guideline.summary:
        st.markdown(author_markdown(guideline.summary))
    if guideline.task.instructions:
        st.info(author_markdown(guideline.task.instructions), icon=":material/lightbulb:")
    if guideline.task.labels:
        with st.expander(f"Labels ({len(guideline.task.labels)})", expanded=not query):
            for label in guideline.task.labels:
                st.markdown(
                    f"**{escape_markdown(label.name)}** `{label.id}`  \n{author_markdown(label.description)}"
                )
    if guideline.task.scale is not None and guideline.task.scale.anchors:
        with st.expander("Scale", expanded=not query):
            for point in guideline.task.scale.points:
                st.markdown(f"**{point}** · {escape_markdown(guideline.task.scale.anchors.get(point, ''))}")
    shown = [rule for rule in guideline.rules if rule_matches(guideline, rule, query)]
    if query and not shown:
        st.warning("No rule mentions " + escape_markdown(query) + ".", icon=":material/search_off:")
    for rule in shown:
        show_rule(guideline, rule)
    return len(shown)
