"""In-place edits of a guideline's YAML text that keep the author's comments, key order, quoting and styles.

The text is parsed with ruamel.yaml's round-trip loader, edited, and written back; only the edited parts
change. ruamel keeps a comment on its own line with the value *before* it, so a comment that heads the
next entry of a list (``# ---- R-CONF``) belongs, for ruamel, to the last value of the entry above it:
appending after that entry or removing it would move or drop the comment. `GuidelineEditor` moves such
comment lines with the list, so that every comment line of the source is kept where it was read.

Only texts that the guideline loader accepted should be edited (ruamel is not the safe loader); the
result must be validated again by the caller.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedBase, CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.scalarstring import (
    FoldedScalarString,
    LiteralScalarString,
    ScalarString,
    SingleQuotedScalarString,
)
from ruamel.yaml.tokens import CommentToken
from ruamel.yaml.util import load_yaml_guess_indent
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

from calibration.errors import GuidelineError

_BLOCK = (LiteralScalarString, FoldedScalarString)
_RESOLVER = Resolver()
_STR = "tag:yaml.org,2002:str"
_ORDER = (
    "format",
    "id",
    "version",
    "title",
    "summary",
    "owners",
    "changelog",
    "task",
    "calibration",
    "rules",
    "items",
    "items_file",
)


def _yaml(mapping: int, sequence: int, offset: int) -> YAML:
    yaml = YAML(typ="rt", pure=True)
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap the author's lines
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    yaml.representer.add_representer(
        type(None), lambda rep, _: rep.represent_scalar("tag:yaml.org,2002:null", "null")
    )
    return yaml


class GuidelineEditor:
    """Round-trip editor of one guideline YAML document.

    Example:
        >>> editor = GuidelineEditor("id: g  # the id\\nversion: 1.0.0\\n")
        >>> editor.set_version("1.0.1")
        >>> editor.text()
        'id: g  # the id\\nversion: 1.0.1\\n'
    """

    def __init__(self, text: str) -> None:
        try:
            data, sequence, offset = load_yaml_guess_indent(text)
        except Exception as error:  # ruamel raises many types; the loader already accepted the text
            raise GuidelineError(f"cannot edit the YAML in place: {error}") from error
        if not isinstance(data, CommentedMap):
            raise GuidelineError("cannot edit the YAML in place: the top level is not a mapping")
        offset = offset if offset is not None else 0
        sequence = sequence or offset + 2
        self._yaml = _yaml(_mapping_indent(text), sequence, offset)
        # parsed again: the guessing loader does not keep quotes
        self._data: CommentedMap = self._yaml.load(text)

    def text(self) -> str:
        """The edited YAML text."""
        out = io.StringIO()
        self._yaml.dump(self._data, out)
        return out.getvalue()

    def set_version(self, version: str) -> None:
        """Replace the version, keeping its quoting style."""
        old = self._data.get("version")
        self._data["version"] = type(old)(version) if isinstance(old, ScalarString) else version

    def add_changelog_entry(self, entry: dict[str, Any]) -> None:
        """Put `entry` first in the changelog (creating the changelog after owners/summary/title)."""
        changelog = self._data.get("changelog")
        node = to_node(entry)
        if isinstance(changelog, CommentedSeq) and len(changelog):
            changelog.insert(0, node)
            return
        self._insert_top("changelog", CommentedSeq([node]))

    def add_edge_case(self, rule_id: str, example: dict[str, Any]) -> None:
        """Append `example` to the edge cases of rule `rule_id`.

        Raises:
            GuidelineError: no rule with that id in the text.
        """
        rules = self._data.get("rules")
        rule = next(
            (r for r in rules or () if isinstance(r, CommentedMap) and r.get("id") == rule_id),
            None,
        )
        if rule is None:
            raise GuidelineError(f"cannot edit the YAML in place: no rule {rule_id!r} in the text")
        edges = rule.get("edge_cases")
        if isinstance(edges, CommentedSeq) and len(edges):
            _append(edges, to_node(example))
            return
        block = CommentedSeq([to_node(example)])
        if "edge_cases" in rule:
            rule["edge_cases"] = block
        else:
            _append_key(rule, "edge_cases", block)

    def remove_item(self, item_id: str) -> bool:
        """Remove quiz item `item_id` from the inline items; False when it is not among them."""
        items = self._data.get("items")
        if not isinstance(items, CommentedSeq):
            return False
        for index, item in enumerate(items):
            if isinstance(item, CommentedMap) and item.get("id") == item_id:
                _remove(items, index)
                return True
        return False

    def inline_item_ids(self) -> list[str]:
        """Ids of the items written in the text itself (not in an items_file)."""
        items = self._data.get("items")
        if not isinstance(items, CommentedSeq):
            return []
        return [str(i.get("id")) for i in items if isinstance(i, CommentedMap)]

    def _insert_top(self, key: str, value: Any) -> None:
        later = _ORDER[_ORDER.index(key) + 1 :]
        keys = list(self._data)
        position = next((keys.index(k) for k in keys if k in later), len(keys))
        if position == len(keys):
            _append_key(self._data, key, value)
        else:
            self._data.insert(position, key, value)


def _mapping_indent(text: str) -> int:
    """How far the author indents a mapping nested in a mapping (``task:`` then ``  type: ...``); 2 if none."""
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    for above, below in itertools.pairwise(lines):
        stripped = below.lstrip(" ")
        if (
            above.rstrip().endswith(":")
            and not above.lstrip().startswith("-")
            and not stripped.startswith("-")
        ):
            step = (len(below) - len(stripped)) - (len(above) - len(above.lstrip(" ")))
            if step > 0:
                return step
    return 2


# --------------------------------------------------------------------------- new nodes


def to_node(value: Any, *, in_list: bool = False) -> Any:
    """A round-trip node for plain data: block mappings, flow lists of scalars, ``|`` for multi-line texts.

    A mapping of scalars inside a list (a span ``{text: ..., label: ...}``) is written in flow style.
    """
    if isinstance(value, dict):
        mapping = CommentedMap((k, to_node(v, in_list=False)) for k, v in value.items())
        if in_list and all(not isinstance(v, dict | list) for v in value.values()):
            mapping.fa.set_flow_style()
        return mapping
    if isinstance(value, list | tuple):
        sequence = CommentedSeq(to_node(v, in_list=True) for v in value)
        if all(not isinstance(v, dict | list | tuple) for v in value) or all(
            isinstance(v, list | tuple) for v in value
        ):
            sequence.fa.set_flow_style()
        return sequence
    if isinstance(value, str) and "\n" in value.rstrip("\n"):
        return LiteralScalarString(value)  # "|" keeps a final line break, "|-" when there is none
    if isinstance(value, str) and _RESOLVER.resolve(ScalarNode, value, (True, False)) != _STR:
        # ruamel writes YAML 1.2, where `yes` or `1_000` are texts; the guideline loader reads YAML 1.1
        return SingleQuotedScalarString(value)
    if isinstance(value, dt.date | str | int | float | bool) or value is None:
        return value
    return str(value)


# --------------------------------------------------------------------------- comments that move


def _last_slot(node: Any) -> tuple[CommentedBase, Any, int, Any] | None:
    """The deepest last value of `node`: ``(container, key or index, slot, value)``; None when empty."""
    found: tuple[CommentedBase, Any, int, Any] | None = None
    while isinstance(node, CommentedMap | CommentedSeq) and len(node):
        if isinstance(node, CommentedMap):
            key = list(node)[-1]
            found = (node, key, 2, node[key])
        else:
            key = len(node) - 1
            found = (node, key, 0, node[key])
        child = node[key]
        flow = isinstance(child, CommentedMap | CommentedSeq) and child.fa.flow_style()
        if flow:
            break
        node = child
    return found


def _own_lines(node: Any) -> str:
    """Detach and return the comment lines that follow `node` on lines of their own (full lines).

    A comment at the end of the node's last line stays where it is.
    """
    slot = _last_slot(node)
    if slot is None:
        return ""
    container, key, index, value = slot
    entry = container.ca.items.get(key)
    token = entry[index] if entry and len(entry) > index else None
    if not isinstance(token, CommentToken):
        return ""
    text = token.value
    if text.startswith("\n"):
        keep, own = "", text[1:]
    elif isinstance(value, _BLOCK):
        keep, own = "", " " * token.column + text
    else:
        first, _, rest = text.partition("\n")
        keep, own = first + "\n", rest
    if keep:
        token.value = keep
    else:
        entry[index] = None
        if isinstance(value, CommentedMap | CommentedSeq) and value.ca.comment:
            value.ca.comment[0] = None
    return own


def _attach_own_lines(node: Any, own: str) -> None:
    """Put full comment lines `own` after the last value of `node`."""
    if not own:
        return
    slot = _last_slot(node)
    if slot is None:
        return
    container, key, index, value = slot
    entry = container.ca.items.setdefault(key, [None, None, None, None])
    token = entry[index]
    if isinstance(token, CommentToken):
        token.value += own
        return
    if isinstance(value, _BLOCK):
        stripped = own.lstrip(" ")
        entry[index] = CommentToken(stripped, CommentMark(len(own) - len(stripped)))
    else:
        entry[index] = CommentToken("\n" + own, CommentMark(0))


def _append(seq: CommentedSeq, node: Any) -> None:
    own = _own_lines(seq[-1])
    seq.append(node)
    _attach_own_lines(node, own)


def _append_key(mapping: CommentedMap, key: str, value: Any) -> None:
    own = _own_lines(mapping)
    mapping[key] = value
    _attach_own_lines(mapping, own)


def _remove(seq: CommentedSeq, index: int) -> None:
    """Delete ``seq[index]``; the comment lines before and after it stay where they were."""
    entry = seq.ca.items.get(index)
    before = [t for t in (entry[1] or []) if isinstance(t, CommentToken)] if entry and len(entry) > 1 else []
    lines = "".join(" " * (t.column or 0) + t.value for t in before) + _own_lines(seq[index])
    del seq[index]
    if not lines:
        return
    if index < len(seq):
        slot = seq.ca.items.setdefault(index, [None, None, None, None])
        stripped = lines.lstrip(" ")
        token = CommentToken(stripped, CommentMark(len(lines) - len(stripped)))
        slot[1] = [token, *(slot[1] or [])]
    elif index > 0:
        _attach_own_lines(seq[index - 1], lines)
    else:
        seq.yaml_end_comment_extend([CommentToken(lines, CommentMark(0))])
