"""Showing user-written text safely: markdown escaping and the rendering of task inputs.

User text (item inputs, names, comments) is never rendered as HTML; through markdown it is escaped
first, so ``[link](javascript:...)``, images, ``:red[...]`` directives or ``**`` cannot take effect.
"""

from __future__ import annotations

import re
from typing import Any

import streamlit as st

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>:~$=^&])")


def escape_markdown(text: object) -> str:
    """`text` with every markdown and directive character backslash-escaped, safe in ``st.markdown``.

    Newlines become markdown line breaks, so paragraphs of the input keep their shape.
    """
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))
    return escaped.replace("\n", "  \n")


_IMAGE_START = re.compile(r"!\[")
_SHIPPED_IMAGE = re.compile(
    r"!\[(?:[^\[\]\\]|\\.)*\]\(\s*<?data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*>?\s*\)"
)
_EMPTY_ALT = re.compile(r"\[\s*\]\(\s*<?([^)\s>]+)")


def author_markdown(text: object) -> str:
    """An author's markdown (summary, instructions, rules, label descriptions, rationales), safe to render.

    Authors may format with markdown, but an image would make every annotator's browser fetch it from
    wherever its URL points (tracking who reads the guideline, and when). Only images shipped inside the
    guideline render (``data:image/png|jpeg|gif|webp;base64`` URLs); every other image, inline or by
    reference, becomes a plain link showing its alt text (or its URL). Raw HTML is never rendered by
    ``st.markdown``, so ``<img>`` needs no treatment here.
    """
    source = "" if text is None else str(text)
    out: list[str] = []
    end = 0
    for found in _IMAGE_START.finditer(source):
        start = found.start()
        if start < end:
            continue
        backslashes = len(source[:start]) - len(source[:start].rstrip("\\"))
        if backslashes % 2 or _SHIPPED_IMAGE.match(source, start):
            continue
        out.append(source[end:start])
        link = _EMPTY_ALT.match(source, start + 1)
        if link:  # ![](url) would be an empty, invisible link: show the URL instead
            out.append(f"[{link.group(1)}]")
            end = start + 1 + source[start + 1 :].index("]") + 1
        else:
            end = start + 1  # drop the "!": the image is now a link
    out.append(source[end:])
    return "".join(out)


_BLANK_LINE = re.compile(r"\n\s*\n")


def reflow(text: object) -> str:
    """`text` with the line breaks inside a paragraph and runs of spaces made single spaces.

    Paragraphs (separated by a blank line) stay apart, joined by one blank line. For display only:
    YAML block scalars keep the line breaks of the source file, which otherwise cut sentences.
    """
    paragraphs = (" ".join(part.split()) for part in _BLANK_LINE.split(str(text)))
    return "\n\n".join(p for p in paragraphs if p)


def escape_paragraphs(text: object) -> str:
    """`text` as escaped markdown paragraphs: a line break inside a paragraph is a space, blank lines part them.

    Texts of a guideline file are YAML literal blocks, which keep the file's line breaks mid-sentence;
    shown with `escape_markdown` alone, every such break would cut the sentence on screen.
    """
    return "\n\n".join(escape_markdown(paragraph) for paragraph in reflow(text).split("\n\n"))


def show_text_input(input: Any, *, heading: str | None = None, reflowed: bool = True) -> None:
    """Render a label/span/rating input (text and optional context) in a bordered box, escaped.

    `reflowed` (the default) joins the lines of a paragraph (see `escape_paragraphs`); False keeps
    every line break of the text.
    """
    shape = escape_paragraphs if reflowed else escape_markdown
    with st.container(border=True):
        if heading:
            st.caption(heading)
        if getattr(input, "context", None):
            st.caption("Context: " + shape(input.context))
        st.markdown(shape(input.text))


def show_pair_input(input: Any) -> None:
    """Render a pairwise input: the prompt, then replies A and B side by side."""
    st.markdown("**Prompt**\n\n" + escape_paragraphs(input.prompt))
    left, right = st.columns(2, gap="medium")
    for column, name, reply in ((left, "A", input.a), (right, "B", input.b)):
        with column, st.container(border=True):
            st.markdown(f"**Reply {name}**")
            st.markdown(escape_paragraphs(reply))


def show_ranking_input(input: Any) -> None:
    """Render a ranking input: the prompt and each candidate under its id."""
    st.markdown("**Prompt**\n\n" + escape_paragraphs(input.prompt))
    columns = st.columns(min(len(input.candidates), 3) or 1, gap="small")
    for index, (candidate_id, text) in enumerate(input.candidates.items()):
        with columns[index % len(columns)], st.container(border=True):
            st.markdown(f"**{escape_markdown(candidate_id)}**")
            st.markdown(escape_paragraphs(text))


def show_input(task_type: str, input: Any, *, heading: str | None = None, reflowed: bool = True) -> None:
    """Render any task input the way annotators see it, paragraphs reflowed (see `escape_paragraphs`).

    `reflowed=False` keeps the line breaks of a text input (pairwise and ranking inputs are reflowed).
    """
    if task_type == "pairwise":
        show_pair_input(input)
    elif task_type == "ranking":
        show_ranking_input(input)
    else:
        show_text_input(input, heading=heading, reflowed=reflowed)
