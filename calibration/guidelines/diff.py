"""Rule-level diff between two versions of a guideline (pure): what changed, rule by rule."""

from __future__ import annotations

import difflib
import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from calibration.guidelines.model import Example, Guideline, Item, Rule

RuleStatus = Literal["added", "removed", "changed", "unchanged"]
WordOp = Literal["equal", "insert", "delete"]


@dataclass(frozen=True)
class CollectionDiff:
    """Entries (examples, edge cases or items) added, removed and changed, by key.

    The key is the entry's id, or for an example without id its input text.
    """

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


@dataclass(frozen=True)
class RuleDiff:
    """How one rule differs between the two versions."""

    rule_id: str
    status: RuleStatus
    old_title: str | None = None
    new_title: str | None = None
    text_diff: list[tuple[WordOp, str]] = field(default_factory=list)
    labels_added: list[str] = field(default_factory=list)
    labels_removed: list[str] = field(default_factory=list)
    examples: CollectionDiff = field(default_factory=CollectionDiff)
    edge_cases: CollectionDiff = field(default_factory=CollectionDiff)
    items: CollectionDiff = field(default_factory=CollectionDiff)

    @property
    def renamed(self) -> bool:
        """Same id, new title."""
        return self.status == "changed" and self.old_title != self.new_title

    @property
    def text_changed(self) -> bool:
        return any(op != "equal" for op, _ in self.text_diff)


@dataclass(frozen=True)
class GuidelineDiff:
    """Everything that differs between an old and a new version of a guideline."""

    old_ref: str
    new_ref: str
    rules: list[RuleDiff]
    labels_added: list[str] = field(default_factory=list)
    labels_removed: list[str] = field(default_factory=list)
    labels_changed: list[str] = field(default_factory=list)
    task_changes: list[tuple[str, Any, Any]] = field(default_factory=list)
    policy_changes: list[tuple[str, Any, Any]] = field(default_factory=list)
    items: CollectionDiff = field(default_factory=CollectionDiff)
    warnings: list[str] = field(default_factory=list)

    @property
    def changed_rule_ids(self) -> list[str]:
        """Ids of rules added, removed or changed in content (title, text, labels, examples, edge cases)."""
        return [r.rule_id for r in self.rules if r.status != "unchanged"]

    @property
    def empty(self) -> bool:
        return not (
            self.changed_rule_ids
            or self.labels_added
            or self.labels_removed
            or self.labels_changed
            or self.task_changes
            or self.policy_changes
            or not self.items.empty
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (rule entries gain `renamed` and `text_changed`)."""
        data = asdict(self)
        for entry, rule in zip(data["rules"], self.rules, strict=True):
            entry["renamed"] = rule.renamed
            entry["text_changed"] = rule.text_changed
            entry["text_diff"] = [{"op": op, "text": text} for op, text in rule.text_diff]
        for key in ("task_changes", "policy_changes"):
            data[key] = [{"field": f, "old": old, "new": new} for f, old, new in data[key]]
        data["changed_rule_ids"] = self.changed_rule_ids
        return json.loads(json.dumps(data, default=str))

    def to_markdown(self) -> str:
        """A readable report: warnings, task and policy changes, then one section per changed rule."""
        lines = [f"# Changes from {self.old_ref} to {self.new_ref}", ""]
        if self.empty:
            lines += ["No content changes.", ""]
        for warning in self.warnings:
            lines.append(f"> **Warning:** {warning}")
        if self.warnings:
            lines.append("")
        if self.labels_added or self.labels_removed or self.labels_changed:
            lines += ["## Labels", ""]
            lines += [f"- added `{x}`" for x in self.labels_added]
            lines += [f"- removed `{x}`" for x in self.labels_removed]
            lines += [f"- changed `{x}` (name, description or colour)" for x in self.labels_changed]
            lines.append("")
        for title, changes in (("Task", self.task_changes), ("Calibration policy", self.policy_changes)):
            if changes:
                lines += [f"## {title}", ""]
                lines += [f"- `{name}`: {_show(old)} → {_show(new)}" for name, old, new in changes]
                lines.append("")
        changed = [r for r in self.rules if r.status != "unchanged" or not r.items.empty]
        if changed:
            lines += ["## Rules", ""]
        for rule in changed:
            lines += _rule_markdown(rule)
        if not self.items.empty:
            lines += ["## Quiz items", "", *_collection_lines("item", self.items), ""]
        return "\n".join(lines).rstrip() + "\n"


def _show(value: Any) -> str:
    return "—" if value is None else f"`{value}`"


def _collection_lines(what: str, diff: CollectionDiff) -> list[str]:
    lines = [f"- {what} added: {', '.join(f'`{k}`' for k in diff.added)}"] if diff.added else []
    if diff.removed:
        lines.append(f"- {what} removed: {', '.join(f'`{k}`' for k in diff.removed)}")
    if diff.changed:
        lines.append(f"- {what} changed: {', '.join(f'`{k}`' for k in diff.changed)}")
    return lines


def _rule_markdown(rule: RuleDiff) -> list[str]:
    title = rule.new_title if rule.new_title is not None else rule.old_title
    lines = [f"### `{rule.rule_id}` {title} ({rule.status})", ""]
    if rule.renamed:
        lines.append(f"- renamed: “{rule.old_title}” → “{rule.new_title}”")
    if rule.text_changed and rule.status == "changed":
        lines.append("- text: " + word_diff_markdown(rule.text_diff))
    lines += [f"- label added: `{x}`" for x in rule.labels_added]
    lines += [f"- label removed: `{x}`" for x in rule.labels_removed]
    lines += _collection_lines("example", rule.examples)
    lines += _collection_lines("edge case", rule.edge_cases)
    lines += _collection_lines("item", rule.items)
    lines.append("")
    return lines


def word_diff(old: str, new: str) -> list[tuple[WordOp, str]]:
    """A word-level diff: segments of unchanged, inserted and deleted words (joined by single spaces).

    Whitespace is not content: joining the ``equal`` and ``delete`` segments with spaces gives
    ``" ".join(old.split())``; ``equal`` and ``insert`` give the same for `new`.
    """
    a, b = old.split(), new.split()
    out: list[tuple[WordOp, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.append(("equal", " ".join(a[i1:i2])))
            continue
        if tag in ("delete", "replace"):
            out.append(("delete", " ".join(a[i1:i2])))
        if tag in ("insert", "replace"):
            out.append(("insert", " ".join(b[j1:j2])))
    return out


def _side(segments: list[tuple[WordOp, str]], keep: WordOp) -> str:
    return " ".join(text for op, text in segments if op in ("equal", keep))


def word_diff_markdown(segments: list[tuple[WordOp, str]]) -> str:
    """Deleted words as ~~strike~~ and inserted words as **bold**, on one line.

    A rewrite (less than 40% of the words kept) is shown as the old and the new text instead.
    """
    kept = sum(len(text.split()) for op, text in segments if op == "equal")
    total = max(len(_side(segments, "delete").split()), len(_side(segments, "insert").split()), 1)
    if kept / total < 0.4:
        return f"rewritten\n  - before: {_side(segments, 'delete')}\n  - after: {_side(segments, 'insert')}"
    marks = {"equal": "{}", "delete": "~~{}~~", "insert": "**{}**"}
    return " ".join(marks[op].format(text) for op, text in segments if text)


def _entry_key(entry: Example | Item) -> str:
    if entry.id is not None:
        return entry.id
    text = str(getattr(entry.input, "text", None) or getattr(entry.input, "prompt", ""))
    return text if len(text) <= 60 else text[:57] + "..."


def _compare(old: list[Any], new: list[Any]) -> CollectionDiff:
    before = {_entry_key(e): e for e in old}
    after = {_entry_key(e): e for e in new}
    return CollectionDiff(
        added=[k for k in after if k not in before],
        removed=[k for k in before if k not in after],
        changed=[k for k in after if k in before and after[k] != before[k]],
    )


def _rule_diff(
    rule_id: str, old: Rule | None, new: Rule | None, old_items: list[Item], new_items: list[Item]
):
    items = _compare(old_items, new_items)
    if old is None or new is None:
        status: RuleStatus = "added" if old is None else "removed"
        present = new if new is not None else old
        assert present is not None
        return RuleDiff(rule_id, status, old.title if old else None, new.title if new else None, items=items)
    text = word_diff(old.text, new.text)
    examples, edge_cases = _compare(old.examples, new.examples), _compare(old.edge_cases, new.edge_cases)
    labels_added = [x for x in new.labels if x not in old.labels]
    labels_removed = [x for x in old.labels if x not in new.labels]
    content_changed = (
        old.title != new.title
        or old.text != new.text
        or labels_added
        or labels_removed
        or not examples.empty
        or not edge_cases.empty
    )
    return RuleDiff(
        rule_id,
        "changed" if content_changed else "unchanged",
        old.title,
        new.title,
        text,
        labels_added,
        labels_removed,
        examples,
        edge_cases,
        items,
    )


def _field_changes(old: Any, new: Any, exclude: set[str]) -> list[tuple[str, Any, Any]]:
    a, b = old.model_dump(mode="json", exclude=exclude), new.model_dump(mode="json", exclude=exclude)
    return [(name, a.get(name), b.get(name)) for name in b if a.get(name) != b.get(name)]


def diff_guidelines(old: Guideline, new: Guideline) -> GuidelineDiff:
    """Compare two versions of a guideline, rule by rule.

    Rules are matched by their stable id; a rule whose title changed is reported as renamed.
    Examples and edge cases are matched by id (or input text), items by id.

    Returns:
        A `GuidelineDiff`; its `warnings` say when content changed but the new version's changelog
        entry is missing or does not name the changed rules.
    """
    old_rules = {r.id: r for r in old.rules}
    new_rules = {r.id: r for r in new.rules}
    order = [*new_rules, *(rid for rid in old_rules if rid not in new_rules)]

    def items_of(guideline: Guideline, rule_id: str) -> list[Item]:
        return [item for item in guideline.items if rule_id in item.rules]

    rules = [
        _rule_diff(rid, old_rules.get(rid), new_rules.get(rid), items_of(old, rid), items_of(new, rid))
        for rid in order
    ]
    old_labels = {x.id: x for x in old.task.labels}
    new_labels = {x.id: x for x in new.task.labels}
    result = GuidelineDiff(
        old_ref=old.ref,
        new_ref=new.ref,
        rules=rules,
        labels_added=[x for x in new_labels if x not in old_labels],
        labels_removed=[x for x in old_labels if x not in new_labels],
        labels_changed=[x for x in new_labels if x in old_labels and new_labels[x] != old_labels[x]],
        task_changes=_field_changes(old.task, new.task, {"labels"}),
        policy_changes=_field_changes(old.calibration, new.calibration, set()),
        items=_compare(old.items, new.items),
    )
    if old.id != new.id:
        result.warnings.append(f"comparing two different guidelines ({old.id!r} and {new.id!r})")
    result.warnings.extend(changelog_warnings(new, result))
    return result


def changelog_warnings(new: Guideline, result: GuidelineDiff) -> list[str]:
    """Warnings when content changed but the changelog entry of `new.version` does not say so."""
    if result.empty:
        return []
    entry = next((e for e in new.changelog if e.version == new.version), None)
    if entry is None:
        return [f"content changed but the changelog has no entry for version {new.version}"]
    changed = result.changed_rule_ids
    warnings = []
    missing = [rid for rid in changed if rid not in entry.rules]
    if missing:
        warnings.append(
            f"the changelog entry for {new.version} does not name changed rule(s) {', '.join(missing)}"
        )
    unchanged = [rid for rid in entry.rules if rid not in changed]
    if unchanged:
        warnings.append(
            f"the changelog entry for {new.version} names rule(s) {', '.join(unchanged)} that did not change"
        )
    return warnings
