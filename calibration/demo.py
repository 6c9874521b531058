"""Simulated annotators with realistic confusions, for the demo workspace and for tests (pure, seeded).

Each simulated annotator has a skill: the probability of giving the true answer on an item whose
rule is clear. A rule can carry a `Confusion`: on its items, with probability `rate`, an annotator
does not apply the rule at all but guesses between the answers the rule fails to separate, with
lower confidence, more "unclear" flags (often with a comment) and more time spent. This is the
pattern a pilot shows for an ambiguous rule, and what the ambiguity engine must find.

Every random draw of one (item, annotator) answer comes from a generator seeded by the seed, the
item id and the annotator id, so an answer does not change when other items or annotators are
added, and two versions of a guideline simulated with the same seed are paired answer by answer.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from calibration.answers import Answer, Span, parse_answer, suggest
from calibration.errors import DataError, NotFoundError
from calibration.guidelines.loading import load_guideline
from calibration.guidelines.model import Guideline, Item
from calibration.responses import responses_frame

GUIDELINES_DIR = Path(__file__).resolve().parents[1] / "guidelines"
"""The bundled guidelines folder (``guidelines/<id>/<version>.yaml``)."""

DEMO_GUIDELINE = "contract-clauses"


@dataclass(frozen=True)
class Confusion:
    """How annotators get a rule wrong.

    Attributes:
        rate: probability that an answer on an item of the rule is a guess rather than the rule
            applied (0 = the rule is clear, 1 = every answer is a guess).
        labels: for label and span tasks, the label ids the rule fails to separate; a guess picks
            one of them at random. Empty: a guess is the task type's usual mistake.
        comments: what confused annotators write when they flag the item as unclear.
    """

    rate: float
    labels: tuple[str, ...] = ()
    comments: tuple[str, ...] = ()


_INDEM_LOL = ("INDEMNIFICATION", "LIMITATION_OF_LIABILITY")
_INDEM_COMMENTS = (
    "Mentions both an indemnity and a liability limit. Which label?",
    "The rule says 'usually', so I guessed.",
    "Not sure what the 'main point' of this clause is.",
    "Could be INDEMNIFICATION or LIMITATION_OF_LIABILITY; the rule does not say.",
    "Does a cap on an indemnity count as indemnification?",
)

DEMO_CONFUSIONS: dict[str, dict[str, Confusion]] = {
    "contract-clauses@1.0.0": {"R-INDEM": Confusion(0.9, _INDEM_LOL, _INDEM_COMMENTS)},
    "contract-clauses@1.1.0": {
        "R-INDEM": Confusion(0.05, _INDEM_LOL, ("Applied both questions of the rule and still hesitated.",))
    },
    "pii-spans@1.0.0": {
        "R-NAME": Confusion(
            0.3,
            comments=(
                "Is a name the customer quotes from the agent personal data or not?",
                "Business name made of surnames: mark it?",
            ),
        )
    },
    "chatbot-preference@1.0.0": {
        "R-LEN": Confusion(
            0.35,
            comments=("The longer reply has more detail, isn't that better?", "Where does padding start?"),
        )
    },
    "chatbot-rating@1.0.0": {
        "R-STYLE": Confusion(0.3, comments=("How much filler is 'a little padding'?", "4 or 3 for this one?"))
    },
    "street-objects@1.0.0": {
        "R-OCCLUDED": Confusion(
            0.4,
            comments=("Do I box the legs I cannot see?", "Only half of the car is visible: box all of it?"),
        )
    },
}
"""Default confusions per guideline ``id@version``: the truth the demo and the tests rely on."""

_BASE_SECONDS = {
    "single_label": 22.0,
    "multi_label": 30.0,
    "span": 55.0,
    "rating": 28.0,
    "pairwise": 40.0,
    "ranking": 60.0,
    "boxes": 45.0,
}
_GENERIC_COMMENTS = (
    "The rule does not say what to do with this case.",
    "Two rules seem to apply here.",
    "I could argue for more than one answer.",
)


def simulate_responses(
    guideline: Guideline,
    annotators: int = 6,
    items: list[str] | None = None,
    seed: int = 0,
    skill: dict[str, float] | None = None,
    confusions: Mapping[str, Confusion | Mapping[str, Any]] | None = None,
    missing: float = 0.0,
    *,
    truth: Mapping[str, Any] | None = None,
    cite_rules: bool = False,
) -> pd.DataFrame:
    """Answers of simulated annotators to quiz items of `guideline`, as a canonical responses table.

    Args:
        guideline: the guideline version whose quiz bank is answered.
        annotators: how many annotators (ids ``ann-01``, ``ann-02`` ...); ignored when `skill` is given.
        items: item ids to answer, in this order; default every item of the bank, pilot-only ones too.
        seed: the random seed; the same arguments give the same table.
        skill: probability of the true answer on a clear item, by annotator id; its keys are the
            annotators. Default: skills from 0.97 down to 0.90, and one weaker annotator (0.78)
            when there are four or more.
        confusions: `Confusion` (or a mapping with its fields) by rule id. Default:
            `DEMO_CONFUSIONS` for the guideline's ``id@version`` (none for other guidelines);
            pass ``{}`` for no confusion at all. An item with several rules takes the strongest.
        missing: fraction of (item, annotator) answers left out at random; every item keeps at
            least two answers.
        truth: the true answer by item id (raw, as in YAML), overriding gold; use it to simulate a
            wrong gold answer, which annotators then disagree with. Items without gold or truth get
            a random true answer shared by all annotators.
        cite_rules: add a ``cited_rule`` column: the rule that supports the answer given.

    Returns:
        A responses table (`calibration.responses`) with one row per answer: item_id,
        annotator_id, answer (canonical), confidence (1-5), [cited_rule], unclear, comment (None
        unless unclear), seconds; rows ordered by item, then annotator.

    Raises:
        NotFoundError: an item or rule id that the guideline does not have.
        DataError: a rate, skill or `missing` outside 0..1, fewer than two annotators, or a
            confusion label that is not a label of the task.
        AnswerError: a `truth` answer that is not valid for the task.
    """
    skills = _skills(annotators, skill)
    chosen = _items(guideline, items)
    rule_confusion = _confusions(guideline, confusions)
    if not 0.0 <= missing < 1.0:
        raise DataError(f"missing must be in [0, 1), got {missing}", hint="0.1 leaves out 10% of the answers")
    _items(guideline, list(truth or {}))  # an unknown item in `truth` is a mistake, not a no-op
    truths = {item.id: _truth(guideline, item, truth, seed) for item in chosen}
    records: list[dict[str, Any]] = []
    for item in chosen:
        confusion = max(
            (rule_confusion[r] for r in item.rules if r in rule_confusion), key=lambda c: c.rate, default=None
        )
        kept = _kept_annotators(list(skills), item.id, missing, seed)
        for annotator in kept:
            rng = _rng(seed, "answer", item.id, annotator)
            record = _answer(guideline, item, truths[item.id], skills[annotator], confusion, rng)
            if cite_rules:
                record["cited_rule"] = _cited_rule(guideline, item, record["answer"], rng)
            records.append({"item_id": item.id, "annotator_id": annotator, **record})
    columns = ["item_id", "annotator_id", "answer", "confidence", "unclear", "comment", "seconds"]
    if cite_rules:
        columns.insert(4, "cited_rule")
    frame = pd.DataFrame.from_records(records, columns=columns)
    frame["answer"] = pd.Series([r["answer"] for r in records], index=frame.index, dtype=object)
    return responses_frame(frame)


def demo_pilot(version: str = "1.0.0", seed: int = 0) -> tuple[Guideline, pd.DataFrame]:
    """The demo workspace's finished pilot: the bundled contract-clause guideline answered by six annotators.

    Args:
        version: the guideline version (``1.0.0`` has the ambiguous R-INDEM rule, ``1.1.0`` the rewrite).
        seed: the random seed.

    Returns:
        ``(guideline, responses)``; responses as from `simulate_responses` with the default confusions.

    Raises:
        NotFoundError: no bundled contract-clauses guideline of that version.
    """
    folder = GUIDELINES_DIR / DEMO_GUIDELINE
    path = folder / f"{version}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in folder.glob("*.yaml"))
        raise NotFoundError(
            f"no bundled {DEMO_GUIDELINE} guideline version {version!r}",
            hint=f"bundled versions: {', '.join(known) or 'none'}",
        )
    guideline = load_guideline(path)
    return guideline, simulate_responses(guideline, annotators=6, seed=seed)


# --------------------------------------------------------------------------- set-up checks


def _skills(annotators: int, skill: dict[str, float] | None) -> dict[str, float]:
    if skill is not None:
        out = {str(k): float(v) for k, v in skill.items()}
    else:
        if annotators < 2:
            raise DataError(f"simulate at least 2 annotators, got {annotators}", hint="agreement needs two")
        width = len(str(annotators))
        levels = list(np.linspace(0.97, 0.9, annotators - 1 if annotators >= 4 else annotators))
        if annotators >= 4:
            levels.append(0.78)
        out = {f"ann-{i + 1:0{max(2, width)}d}": round(float(s), 3) for i, s in enumerate(levels)}
    if len(out) < 2:
        raise DataError(
            f"simulate at least 2 annotators, got {len(out)}", hint="give skill for two or more ids"
        )
    bad = {k: v for k, v in out.items() if not 0.0 <= v <= 1.0}
    if bad:
        raise DataError(f"skill must be a probability in [0, 1], got {bad}", hint="0.9 = right 9 times in 10")
    return out


def _items(guideline: Guideline, items: Sequence[str] | None) -> list[Item]:
    if items is None:
        return list(guideline.items)
    known = {item.id: item for item in guideline.items}
    out = []
    for item_id in items:
        if item_id not in known:
            raise NotFoundError(
                f"item {item_id!r} is not in the quiz bank of {guideline.ref}",
                hint=suggest(item_id, list(known)) or "use ids from the guideline's items",
            )
        out.append(known[item_id])
    return out


def _confusions(
    guideline: Guideline, confusions: Mapping[str, Confusion | Mapping[str, Any]] | None
) -> dict[str, Confusion]:
    given = DEMO_CONFUSIONS.get(guideline.ref, {}) if confusions is None else confusions
    out: dict[str, Confusion] = {}
    for rule_id, value in given.items():
        if rule_id not in guideline.rule_ids:
            raise NotFoundError(
                f"confusion for unknown rule {rule_id!r} of {guideline.ref}",
                hint=suggest(rule_id, guideline.rule_ids) or f"rules: {', '.join(guideline.rule_ids)}",
            )
        if not isinstance(value, Confusion):
            unknown = set(value) - {"rate", "labels", "comments"}
            if unknown or "rate" not in value:
                raise DataError(
                    f"confusion for {rule_id!r} must have rate (and optional labels, comments), got {dict(value)}"
                )
            value = Confusion(
                float(value["rate"]), tuple(value.get("labels", ())), tuple(value.get("comments", ()))
            )
        if not 0.0 <= value.rate <= 1.0:
            raise DataError(f"confusion rate for {rule_id!r} must be in [0, 1], got {value.rate}")
        unknown_labels = [label for label in value.labels if label not in guideline.task.label_ids]
        if unknown_labels:
            raise DataError(
                f"confusion for {rule_id!r} names unknown label(s) {unknown_labels}",
                hint=f"labels: {', '.join(guideline.task.label_ids) or 'none (this task has no labels)'}",
            )
        out[rule_id] = value
    return out


# --------------------------------------------------------------------------- randomness


def _rng(seed: int, *keys: str) -> np.random.Generator:
    """A generator for one cell of the simulation, independent of every other cell."""
    words = [zlib.crc32(key.encode("utf-8")) for key in keys]
    return np.random.default_rng(np.random.SeedSequence([seed & 0xFFFFFFFF, *words]))


def _kept_annotators(annotators: list[str], item_id: str, missing: float, seed: int) -> list[str]:
    if missing <= 0:
        return annotators
    rng = _rng(seed, "missing", item_id)
    keep = rng.random(len(annotators)) >= missing
    need = min(2, len(annotators))
    if keep.sum() < need:
        dropped = np.flatnonzero(~keep)
        keep[rng.choice(dropped, size=need - int(keep.sum()), replace=False)] = True
    return [a for a, k in zip(annotators, keep, strict=True) if k]


# --------------------------------------------------------------------------- truth


def _truth(guideline: Guideline, item: Item, truth: Mapping[str, Any] | None, seed: int) -> Answer:
    task = guideline.task
    if truth is not None and item.id in truth:
        return parse_answer(task, truth[item.id], item.input)
    if item.answer is not None:
        return parse_answer(task, item.answer, item.input)
    rng = _rng(seed, "truth", item.id)
    labels = _rule_labels(guideline, item) or task.label_ids
    if task.type == "single_label":
        return str(rng.choice(labels))
    if task.type == "multi_label":
        return (str(rng.choice(labels)),)
    if task.type in ("span", "boxes"):
        return ()
    if task.type == "rating":
        assert task.scale is not None
        return int(rng.integers(task.scale.min, task.scale.max + 1))
    if task.type == "pairwise":
        return str(rng.choice(["a", "b"]))
    return tuple(getattr(item.input, "candidates", {}))


def _rule_labels(guideline: Guideline, item: Item) -> list[str]:
    labels: list[str] = []
    for rule_id in item.rules:
        for label in guideline.rule(rule_id).labels:
            if label not in labels:
                labels.append(label)
    return labels


# --------------------------------------------------------------------------- one answer


def _answer(
    guideline: Guideline,
    item: Item,
    true: Answer,
    skill: float,
    confusion: Confusion | None,
    rng: np.random.Generator,
) -> dict[str, Any]:
    confused = confusion is not None and rng.random() < confusion.rate
    if confused:
        assert confusion is not None
        answer = _guess(guideline, item, true, confusion, rng)
        wrong = answer != true
        confidence = int(rng.choice([1, 2, 3, 4], p=[0.15, 0.4, 0.35, 0.1]))
        unclear = bool(rng.random() < 0.45)
        pool = confusion.comments or _GENERIC_COMMENTS
        slow = 1.8
    else:
        wrong = rng.random() >= skill
        answer = _mistake(guideline, item, true, rng) if wrong else true
        confidence = int(
            rng.choice([2, 3, 4, 5], p=[0.1, 0.3, 0.4, 0.2] if wrong else [0.02, 0.13, 0.4, 0.45])
        )
        unclear = bool(rng.random() < (0.08 if wrong else 0.02))
        pool = _GENERIC_COMMENTS
        slow = 1.2 if wrong else 1.0
    comment = str(rng.choice(pool)) if unclear and rng.random() < 0.75 else None
    base = _BASE_SECONDS[guideline.task.type] * _length_factor(item)
    seconds = round(float(rng.lognormal(math.log(base * slow), 0.35)), 1)
    return {
        "answer": answer,
        "confidence": confidence,
        "unclear": unclear,
        "comment": comment,
        "seconds": seconds,
    }


def _length_factor(item: Item) -> float:
    inp = item.input
    size = sum(len(v) for v in (getattr(inp, "text", ""), getattr(inp, "a", ""), getattr(inp, "b", "")))
    size += sum(len(v) for v in (getattr(inp, "candidates", None) or {}).values())
    return float(np.clip(size / 300.0, 0.6, 3.0))


def _guess(
    guideline: Guideline, item: Item, true: Answer, confusion: Confusion, rng: np.random.Generator
) -> Answer:
    """An answer given without applying the rule.

    Label tasks: a coin between the labels the rule fails to separate. Pairwise: the longer reply
    (length bias). Otherwise: the truth or the task type's usual mistake, with even odds.
    """
    task = guideline.task
    labels = list(confusion.labels)
    if task.type == "pairwise" and not labels:
        # length bias: an annotator who does not apply the rule prefers the longer reply
        a, b = len(getattr(item.input, "a", "")), len(getattr(item.input, "b", ""))
        if a != b:
            return "a" if a > b else "b"
    if not labels:
        return true if rng.random() < 0.5 else _mistake(guideline, item, true, rng)
    if task.type == "single_label":
        options = labels if true in labels else [*labels, true]
        return str(rng.choice(options))
    if task.type == "multi_label":
        kept = [label for label in true if label not in labels]
        return tuple(sorted({*kept, str(rng.choice(labels))}))
    if task.type == "span":
        return tuple(
            sorted(Span(s.start, s.end, str(rng.choice(labels))) if s.label in labels else s for s in true)
        )
    if task.type == "boxes":
        return tuple(
            sorted(b._replace(label=str(rng.choice(labels))) if b.label in labels else b for b in true)
        )
    return true if rng.random() < 0.5 else _mistake(guideline, item, true, rng)


def _mistake(guideline: Guideline, item: Item, true: Answer, rng: np.random.Generator) -> Answer:
    """The usual mistake of the task type, always different from `true` where one exists."""
    task = guideline.task
    if task.type == "single_label":
        near = [label for label in _rule_labels(guideline, item) if label != true]
        return str(rng.choice(near or [label for label in task.label_ids if label != true] or [true]))
    if task.type == "multi_label":
        return _multi_mistake(guideline, item, true, rng)
    if task.type == "span":
        return _span_mistake(guideline, item, true, rng)
    if task.type == "boxes":
        # the usual box mistake: a loose box, half its size again to the right and down
        if not true:
            return true
        at = int(rng.integers(0, len(true)))
        box = true[at]
        loose = box._replace(width=box.width * 1.5, height=box.height * 1.5)
        return tuple(sorted([*true[:at], loose, *true[at + 1 :]]))
    if task.type == "rating":
        assert task.scale is not None
        step = 1 if rng.random() < 0.5 else -1
        if not task.scale.min <= true + step <= task.scale.max:
            step = -step
        return int(true + step)
    if task.type == "pairwise":
        if true == "tie":
            return str(rng.choice(["a", "b"]))
        other = "b" if true == "a" else "a"
        return "tie" if task.allow_tie and rng.random() < 0.3 else other
    order = list(true)
    if len(order) < 2:
        return true
    at = int(rng.integers(0, len(order) - 1))
    order[at], order[at + 1] = order[at + 1], order[at]
    return tuple(order)


def _multi_mistake(guideline: Guideline, item: Item, true: Answer, rng: np.random.Generator) -> Answer:
    absent = [
        label for label in (_rule_labels(guideline, item) or guideline.task.label_ids) if label not in true
    ]
    absent = absent or [label for label in guideline.task.label_ids if label not in true]
    if true and (not absent or rng.random() < 0.5):
        drop = str(rng.choice(list(true)))
        return tuple(label for label in true if label != drop)
    return tuple(sorted({*true, str(rng.choice(absent))}))


_WORD = re.compile(r"\w[\w.@'-]*\w|\w")


def _span_mistake(guideline: Guideline, item: Item, true: Answer, rng: np.random.Generator) -> Answer:
    """Drop a span, move one of its ends by a word, relabel it, or mark a word that is not personal data."""
    text: str = getattr(item.input, "text", "")
    labels = _rule_labels(guideline, item) or guideline.task.label_ids
    spans = list(true)
    if not spans:
        words = [m for m in _WORD.finditer(text) if m.group()[0].isupper()] or list(_WORD.finditer(text))
        if not words:
            return true
        word = words[int(rng.integers(0, len(words)))]
        return (Span(word.start(), word.end(), str(rng.choice(labels))),)
    at = int(rng.integers(0, len(spans)))
    span = spans[at]
    move = str(rng.choice(["drop", "shift", "relabel"]))
    others = [label for label in labels if label != span.label] or [
        label for label in guideline.task.label_ids if label != span.label
    ]
    if move == "relabel" and others:
        spans[at] = Span(span.start, span.end, str(rng.choice(others)))
    elif move == "shift":
        spans[at] = _shifted(text, span, rng) or span
        if spans[at] == span:
            del spans[at]
    else:
        del spans[at]
    return tuple(sorted(set(spans)))


def _shifted(text: str, span: Span, rng: np.random.Generator) -> Span | None:
    """The span with its end moved to the previous word end (shrink) or the next one (grow)."""
    inner = [
        m.end() + span.start
        for m in _WORD.finditer(text[span.start : span.end])
        if m.end() + span.start < span.end
    ]
    after = [m.end() for m in _WORD.finditer(text, span.end)][:1]
    choices = ([inner[-1]] if inner else []) + after
    if not choices:
        return None
    end = int(rng.choice(choices))
    return Span(span.start, end, span.label) if end > span.start else None


def _cited_rule(guideline: Guideline, item: Item, answer: Answer, rng: np.random.Generator) -> str:
    """The rule an annotator cites: one that governs the label given, else one of the item's rules."""
    given: set[str] = set()
    if isinstance(answer, str):
        given = {answer}
    elif isinstance(answer, tuple):
        given = {a.label if isinstance(a, Span) else a for a in answer if isinstance(a, str | Span)}
    supporting = [rule.id for rule in guideline.rules if given & set(rule.labels)]
    in_item = [r for r in supporting if r in item.rules]
    if in_item:
        return str(rng.choice(in_item))
    if supporting:
        return str(rng.choice(supporting))
    return str(rng.choice(item.rules))
