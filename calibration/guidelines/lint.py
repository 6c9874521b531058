"""Lint: warnings about guidelines that are valid but likely to cause disagreement.

Every warning is a `Problem` with ``severity="warning"``, a `code`, and a field path; warnings about a
rule have a field starting with ``rules[<index>]`` so `warnings_by_rule` can group them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from calibration.answers import answer_to_json, parse_answer
from calibration.errors import AnswerError, Location, Problem
from calibration.guidelines.model import Guideline
from calibration.guidelines.yaml_source import FieldPath, SourceMap, format_field
from calibration.sprt import items_to_pass

SIMILARITY_THRESHOLD = 0.9
"""Cosine similarity (TF-IDF of character 3-5 grams) at or above which two inputs count as near-duplicates.

At 0.9 a sentence and the same sentence with a qualifier added ("..., up to USD 1m") match (0.92);
"I love this kettle and would buy it again" and "I hate this kettle and would never buy it again" do
not (0.73).
"""

VAGUE_PHRASES: dict[str, str] = {
    "usually": "say when it does not apply",
    "sometimes": "say when it applies",
    "generally": "say which cases are the exceptions",
    "typically": "say which cases are the exceptions",
    "normally": "say which cases are the exceptions",
    "mostly": "say which cases are the exceptions",
    "etc.": "list every case, or name the category that covers them",
    "and so on": "list every case, or name the category that covers them",
    "and/or": "say whether one or both are needed",
    "use your judgment": "state the criterion annotators should apply",
    "use your judgement": "state the criterion annotators should apply",
    "use common sense": "state the criterion annotators should apply",
    "as appropriate": "say what makes it appropriate",
    "if needed": "say when it is needed",
    "if necessary": "say when it is necessary",
    "where relevant": "say what makes it relevant",
    "when in doubt": "resolve the doubt with a rule or an edge case",
    "roughly": "give the exact boundary",
    "more or less": "give the exact boundary",
    "somewhat": "give the exact boundary",
    "may or may not": "say when it does",
}
_VAGUE = re.compile(
    "|".join(
        rf"(?<![\w/]){re.escape(p)}" + (r"(?![\w/])" if p[-1].isalnum() else "")
        for p in sorted(VAGUE_PHRASES, key=len, reverse=True)
    ),
    re.IGNORECASE,
)


def _warning(code: str, message: str, at: FieldPath, hint: str | None = None) -> Problem:
    return Problem(message, Location(field=format_field(at)), hint, code=code, severity="warning")


def _vague_wording(guideline: Guideline, source_map: SourceMap | None) -> list[Problem]:
    found = []
    for r, rule in enumerate(guideline.rules):
        for match in _VAGUE.finditer(rule.text):
            before = rule.text[: match.start()]
            line = before.count("\n") + 1
            column = match.start() - (before.rfind("\n") + 1) + 1
            phrase = match.group(0)
            warning = _warning(
                "vague_wording",
                f"vague wording {phrase!r} in rule {rule.id!r} (line {line}, column {column} of the text)",
                ("rules", r, "text"),
                VAGUE_PHRASES[phrase.lower()],
            )
            where = source_map.locate_in_text(("rules", r, "text"), line, column) if source_map else None
            if where is not None:
                location = Location(where.path, where.line, where.column, field=warning.location.field)
                warning = Problem(warning.message, location, warning.hint, warning.code, warning.severity)
            found.append(warning)
    return found


# A rule's teaching material lint warns about when missing: field, its name in the message, the hint.
_RULE_PARTS = (
    ("examples", "examples", "add an example with its gold answer and why"),
    ("edge_cases", "edge cases", "add the hardest case near the rule's boundary, with why"),
)


def _coverage(guideline: Guideline) -> list[Problem]:
    found = []
    governed = {label for rule in guideline.rules for label in rule.labels}
    for i, label in enumerate(guideline.task.labels):
        if label.id not in governed:
            found.append(
                _warning(
                    "uncovered_label",
                    f"label {label.id!r} is governed by no rule",
                    ("task", "labels", i),
                    "name it under the labels of the rule that explains when to use it",
                )
            )
    minimum = guideline.calibration.min_items_per_rule
    gold_items = [item for item in guideline.items if item.has_gold]
    needed = 0
    if guideline.calibration.policy == "adaptive":
        needed = items_to_pass(guideline.calibration.adaptive_mark, guideline.calibration.decision_confidence)
    for r, rule in enumerate(guideline.rules):
        for field, listed, hint in _RULE_PARTS:
            if not getattr(rule, field):
                found.append(
                    _warning(f"no_{field}", f"rule {rule.id!r} has no {listed}", ("rules", r, field), hint)
                )
        count = sum(rule.id in item.rules for item in gold_items)
        if needed and count < needed:
            found.append(
                _warning(
                    "adaptive_cannot_pass",
                    f"rule {rule.id!r} has {count} quiz item{'s' if count != 1 else ''} with gold; an adaptive "
                    f"quiz needs {needed} right answers on a rule to pass it until the item model is fitted",
                    ("rules", r),
                    f"add quiz items for this rule (at least {needed}), or keep calibration.policy: fixed",
                )
            )
        if count < minimum:
            found.append(
                _warning(
                    "too_few_items",
                    f"rule {rule.id!r} has {count} quiz item{'s' if count != 1 else ''} with gold; the policy "
                    f"asks for at least {minimum} (calibration.min_items_per_rule)",
                    ("rules", r),
                    "add quiz items that exercise this rule",
                )
            )
    return found


@dataclass(frozen=True)
class _Entry:
    at: FieldPath
    rules: tuple[str, ...]
    text: str
    answer: Any
    shown: Any
    swapped: bool = False
    image: str | None = None


def _comparable(guideline: Guideline, input: Any, answer: Any) -> tuple[str, Any]:
    """Text to compare and an answer that does not depend on offsets, ids or the order of a pair."""
    kind = guideline.task.type
    if kind == "pairwise":
        a, b = input.a, input.b
        swap = b < a
        value = {"a": "b", "b": "a"}.get(answer, answer) if swap else answer
        return f"{input.prompt}\n{min(a, b)}\n{max(a, b)}", value
    if kind == "ranking":
        candidates = input.candidates
        return f"{input.prompt}\n" + "\n".join(sorted(candidates.values())), tuple(
            candidates.get(c, c) for c in answer
        )
    text = input.text
    if kind == "span":
        return text, tuple(sorted((text[s.start : s.end], s.label) for s in answer))
    return text, answer


def _entries(guideline: Guideline) -> list[_Entry]:
    raw: list[tuple[FieldPath, tuple[str, ...], Any, Any]] = []
    for r, rule in enumerate(guideline.rules):
        for kind in ("examples", "edge_cases"):
            for e, example in enumerate(getattr(rule, kind)):
                raw.append((("rules", r, kind, e), (rule.id,), example.input, example.answer))
    for i, item in enumerate(guideline.items):
        if item.has_gold:
            raw.append((("items", i), tuple(item.rules), item.input, item.answer))
    entries = []
    for at, rules, input, answer in raw:
        try:
            canonical = parse_answer(guideline.task, answer, input)
            text, value = _comparable(guideline, input, canonical)
        except (AnswerError, AttributeError, TypeError):
            continue  # invalid answers are the validator's business
        shown = answer_to_json(guideline.task.type, canonical, getattr(input, "text", None))
        swapped = guideline.task.type == "pairwise" and input.b < input.a
        entries.append(_Entry(at, rules, text, value, shown, swapped, getattr(input, "image", None)))
    return entries


def _normalize(text: str) -> str:
    """Lowercase words only: punctuation and spacing do not make two inputs different."""
    return " ".join(_WORD.findall(text.lower()))


_WORD = re.compile(r"\w+")


COMMON_NGRAM_SHARE = 0.5
"""In banks of `LARGE_BANK` texts or more, n-grams found in more than this share of texts are dropped.

They carry almost no TF-IDF weight, but a template shared by every text (``Ticket <n>: ...``) would turn
the sparse similarity product into a dense one; dropping them keeps large banks fast.
"""
LARGE_BANK = 200


def near_duplicate_pairs(
    texts: list[str], threshold: float = SIMILARITY_THRESHOLD, block: int = 1000
) -> list[tuple[int, int, float]]:
    """Pairs ``(i, j, similarity)`` with i < j of texts whose TF-IDF cosine similarity is >= `threshold`.

    Texts are normalised (lowercase words; punctuation and spacing dropped). Identical normalised texts
    pair with similarity 1.0 by hashing; the distinct ones are vectorised with TF-IDF of character
    3-5 grams within words and compared by sparse matrix products in blocks of `block` rows, so memory
    stays bounded for large quiz banks. Texts with no word characters are not compared.
    """
    groups: dict[str, list[int]] = {}
    for index, text in enumerate(texts):
        normal = _normalize(text)
        if normal:
            groups.setdefault(normal, []).append(index)
    pairs: list[tuple[int, int, float]] = [
        (a, b, 1.0) for members in groups.values() for k, a in enumerate(members) for b in members[k + 1 :]
    ]
    distinct = list(groups)
    if len(distinct) < 2:
        return sorted(pairs)
    # lazy: scikit-learn takes ~1.4 s to import; only the near-duplicate check needs it
    from sklearn.feature_extraction.text import TfidfVectorizer

    max_df = COMMON_NGRAM_SHARE if len(distinct) >= LARGE_BANK else 1.0
    try:
        vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), max_df=max_df)
        vectors = vectorizer.fit_transform(distinct)
    except ValueError:  # no n-gram left: every text is too short or shares everything
        return sorted(pairs)
    members = list(groups.values())
    for start in range(0, vectors.shape[0], block):
        similarity = (vectors[start : start + block] @ vectors.T).tocoo()
        rows = similarity.row + start
        keep = (similarity.data >= threshold - 1e-9) & (similarity.col > rows)
        for i, j, value in zip(rows[keep], similarity.col[keep], similarity.data[keep], strict=True):
            pairs.extend(
                (min(a, b), max(a, b), min(float(value), 1.0)) for a in members[i] for b in members[j]
            )
    return sorted(pairs)


def _same_image_pairs(entries: list[_Entry]) -> list[tuple[int, int, float]]:
    """Pairs of entries showing the same image file with the same (normalised) text."""
    groups: dict[tuple[str, str], list[int]] = {}
    for index, entry in enumerate(entries):
        if entry.image is not None:
            groups.setdefault((entry.image, _normalize(entry.text)), []).append(index)
    return [
        (a, b, 1.0) for members in groups.values() for k, a in enumerate(members) for b in members[k + 1 :]
    ]


def _contradictions(guideline: Guideline) -> list[Problem]:
    entries = _entries(guideline)
    found = []
    # the image is the input when there is one: similar texts beside different images (a shared
    # instruction) are no duplicates, and similar file names say nothing about the pictures
    texts = ["" if e.image is not None else e.text for e in entries]
    for i, j, similarity in sorted(near_duplicate_pairs(texts) + _same_image_pairs(entries)):
        first, second = entries[i], entries[j]
        if first.answer == second.answer:
            continue
        found.append(
            _warning(
                "contradictory_examples",
                f"input {_likeness(similarity)} {format_field(first.at)} but the gold answer differs "
                f"({_answer_text(second.shown)} vs {_answer_text(first.shown)}"
                + (", with replies a and b swapped)" if first.swapped != second.swapped else ")"),
                (*second.at, "answer"),
                "if both are right, the rule must explain the difference; otherwise fix one answer",
            )
        )
    return found


def _likeness(similarity: float) -> str:
    if similarity > 0.999:
        return "matches (ignoring case and punctuation)"
    return f"is {similarity:.0%} similar to"


def _answer_text(answer: Any) -> str:
    return json.dumps(answer, ensure_ascii=False, default=str)


def lint_guideline(guideline: Guideline, source_map: SourceMap | None = None) -> list[Problem]:
    """Warnings for a valid guideline (pure: no IO); empty when the guideline lints clean.

    Codes: ``uncovered_label``, ``no_examples``, ``no_edge_cases``, ``too_few_items``,
    ``adaptive_cannot_pass``, ``vague_wording``, ``contradictory_examples``. Each warning's `location.field` is a field path such as
    ``rules[2].text``. With the loader's `source_map`, vague wording is placed at the word's own line
    and column in the file where the text's layout allows (one-line or ``|`` block texts); place the
    other warnings with `calibration.guidelines.loading.locate_problems`.
    """
    return [*_coverage(guideline), *_vague_wording(guideline, source_map), *_contradictions(guideline)]


_RULE_FIELD = re.compile(r"^rules\[(\d+)\]")
_ITEM_FIELD = re.compile(r"^items\[(\d+)\]")


def rule_ids_of(guideline: Guideline, warning: Problem) -> list[str]:
    """The ids of the rules a warning is about (a rule's own field, or the rules an item exercises)."""
    field = warning.location.field or ""
    match = _RULE_FIELD.match(field)
    if match:
        return [guideline.rules[int(match.group(1))].id]
    match = _ITEM_FIELD.match(field)
    if match:
        return list(guideline.items[int(match.group(1))].rules)
    return []


def warnings_by_rule(guideline: Guideline, warnings: list[Problem] | None = None) -> dict[str, list[Problem]]:
    """Lint warnings grouped by rule id (every rule present, possibly with an empty list).

    Guideline-level warnings (such as ``uncovered_label``) belong to no rule and are left out.
    """
    warnings = lint_guideline(guideline) if warnings is None else warnings
    grouped: dict[str, list[Problem]] = {rule.id: [] for rule in guideline.rules}
    for warning in warnings:
        for rule_id in dict.fromkeys(rule_ids_of(guideline, warning)):
            grouped.setdefault(rule_id, []).append(warning)
    return grouped


__all__ = [
    "SIMILARITY_THRESHOLD",
    "VAGUE_PHRASES",
    "lint_guideline",
    "near_duplicate_pairs",
    "rule_ids_of",
    "warnings_by_rule",
]
