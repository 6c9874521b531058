"""Showing a guideline diff inside a page: headings below the page's own, rule texts as whole blocks.

`GuidelineDiff.to_markdown()` is a stand-alone document (its top heading is ``#``, a rewritten rule's
old and new text are squeezed into one bullet each). Inside a page the same content is drawn from the
diff's structure instead: headings start at ``####``, ids, titles and keys are escaped, and a rule's
old and new text are shown side by side as the markdown blocks the Guideline page renders.
"""

from __future__ import annotations

import re
from typing import Any

import streamlit as st

from calibration.app.widgets.text import author_markdown, escape_markdown
from calibration.guidelines.diff import CollectionDiff, GuidelineDiff, RuleDiff, word_diff_markdown

#: Level of the diff's top heading inside a page (the page title is 1, its sections 2 or 3).
TOP_LEVEL = 4
_HEADING = re.compile(r"^(#{1,6})(?=\s)", re.MULTILINE)


def demote_headings(markdown: str, levels: int = TOP_LEVEL - 1) -> str:
    """`markdown` with every ATX heading moved `levels` levels down (capped at ``######``)."""
    return _HEADING.sub(lambda m: "#" * min(len(m.group(1)) + levels, 6), markdown)


def _heading(level: int, text: str) -> None:
    st.markdown(f"{'#' * min(TOP_LEVEL + level, 6)} {text}")


def _code(key: object) -> str:
    return f"`{str(key).replace('`', '')}`"


def _value(value: Any) -> str:
    return "—" if value is None else _code(value)


def _collection_lines(what: str, diff: CollectionDiff) -> list[str]:
    lines = []
    for verb, keys in (("added", diff.added), ("removed", diff.removed), ("changed", diff.changed)):
        if keys:
            lines.append(f"- {what} {verb}: {', '.join(_code(k) for k in keys)}")
    return lines


def _rule_text(text: str | None) -> None:
    with st.container(border=True):
        if text and text.strip():
            st.markdown(author_markdown(demote_headings(text)))
        else:
            st.caption("(no text)")


def _show_rule(rule: RuleDiff, old_rules: dict[str, Any], new_rules: dict[str, Any]) -> None:
    title = rule.new_title if rule.new_title is not None else rule.old_title
    _heading(2, f"{_code(rule.rule_id)} {escape_markdown(title or '')} ({rule.status})")
    lines = []
    if rule.renamed:
        lines.append(f"- renamed: “{escape_markdown(rule.old_title)}” → “{escape_markdown(rule.new_title)}”")
    lines += [f"- label added: {_code(x)}" for x in rule.labels_added]
    lines += [f"- label removed: {_code(x)}" for x in rule.labels_removed]
    lines += _collection_lines("example", rule.examples)
    lines += _collection_lines("edge case", rule.edge_cases)
    lines += _collection_lines("item", rule.items)
    if rule.text_changed and rule.status == "changed":
        inline = word_diff_markdown(rule.text_diff)
        if inline.startswith("rewritten"):
            st.markdown("Text rewritten:")
        else:
            st.markdown("Text changed (deleted words ~~struck~~, new words **bold**):")
            with st.container(border=True):
                st.markdown(author_markdown(inline))
        before, after = st.columns(2, gap="medium")
        with before:
            st.caption("Before")
            _rule_text(getattr(old_rules.get(rule.rule_id), "text", None))
        with after:
            st.caption("After")
            _rule_text(getattr(new_rules.get(rule.rule_id), "text", None))
    if lines:
        st.markdown("\n".join(lines))


def show_diff(result: GuidelineDiff, old: Any, new: Any) -> None:
    """Draw `result` (the diff of guideline `old` to `new`) inside the current page.

    Args:
        result: `diff_guidelines(old, new)`.
        old: the old `Guideline` (for the rule texts shown whole).
        new: the new `Guideline`.
    """
    _heading(0, f"Changes from {_code(result.old_ref)} to {_code(result.new_ref)}")
    if result.empty:
        st.markdown("No content changes.")
    for warning in result.warnings:
        st.warning(escape_markdown(warning), icon=":material/warning:")
    if result.labels_added or result.labels_removed or result.labels_changed:
        _heading(1, "Labels")
        lines = [f"- added {_code(x)}" for x in result.labels_added]
        lines += [f"- removed {_code(x)}" for x in result.labels_removed]
        lines += [f"- changed {_code(x)} (name, description or colour)" for x in result.labels_changed]
        st.markdown("\n".join(lines))
    for title, changes in (("Task", result.task_changes), ("Calibration policy", result.policy_changes)):
        if changes:
            _heading(1, title)
            st.markdown("\n".join(f"- {_code(name)}: {_value(a)} → {_value(b)}" for name, a, b in changes))
    changed = [r for r in result.rules if r.status != "unchanged" or not r.items.empty]
    if changed:
        _heading(1, "Rules")
    old_rules = {r.id: r for r in old.rules}
    new_rules = {r.id: r for r in new.rules}
    for rule in changed:
        _show_rule(rule, old_rules, new_rules)
    if not result.items.empty:
        _heading(1, "Quiz items")
        st.markdown("\n".join(_collection_lines("item", result.items)))
