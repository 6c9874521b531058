"""Property tests: load -> dump -> load is the identity; the content hash ignores formatting."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calibration.errors import GuidelineError
from calibration.guidelines.loading import GuidelineDumper, dump_guideline, load_guideline_text
from calibration.guidelines.model import Guideline
from calibration.guidelines.versions import content_hash
from calibration.tokens import tokenize

# --------------------------------------------------------------------------- strategies
TASK_TYPES = ["single_label", "multi_label", "span", "rating", "pairwise", "ranking"]

texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
nonempty = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30)
ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,8}", fullmatch=True)
metadata = st.dictionaries(
    st.from_regex(r"[a-z]{1,6}", fullmatch=True), st.one_of(texts, st.integers()), max_size=2
)


@st.composite
def _input_and_answer(draw: st.DrawFn, task: dict[str, Any]) -> tuple[Any, Any]:
    kind = task["type"]
    labels = [label["id"] for label in task.get("labels", [])]
    if kind == "pairwise":
        value = {"prompt": draw(texts), "a": draw(texts), "b": draw(texts)}
        if draw(st.booleans()):
            value["metadata"] = draw(metadata)
        return value, draw(st.sampled_from(["a", "b", "tie"]))
    if kind == "ranking":
        candidates = {f"c{i}": draw(texts) for i in range(1, task["candidates"] + 1)}
        return {"prompt": draw(texts), "candidates": candidates}, draw(st.permutations(list(candidates)))
    text = draw(nonempty)
    value: Any = text if draw(st.booleans()) else {"text": text, "context": draw(st.none() | texts)}
    if kind == "single_label":
        return value, draw(st.sampled_from(labels))
    if kind == "multi_label":
        return value, draw(st.lists(st.sampled_from(labels), unique=True, max_size=len(labels)))
    if kind == "rating":
        scale = task["scale"]
        return value, draw(st.integers(scale["min"], scale["max"]))
    tokens = tokenize(text)  # a gold span must be selectable: whole tokens
    if not tokens:
        return value, []
    first = draw(st.integers(0, len(tokens) - 1))
    last = draw(st.integers(first, len(tokens) - 1))
    span = {"start": tokens[first][0], "end": tokens[last][1], "label": draw(st.sampled_from(labels))}
    return value, [span]


@st.composite
def _task(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(TASK_TYPES))
    task: dict[str, Any] = {"type": kind, "instructions": draw(texts)}
    if kind in ("single_label", "multi_label", "span"):
        label_ids = draw(st.lists(ids, min_size=1, max_size=4, unique=True))
        task["labels"] = [
            {"id": label, "name": draw(nonempty), "description": draw(texts)} for label in label_ids
        ]
    elif kind == "rating":
        low = draw(st.integers(-2, 2))
        high = draw(st.integers(low + 1, low + 6))
        anchors = draw(st.dictionaries(st.integers(low, high), nonempty, max_size=3))
        task["scale"] = {"min": low, "max": high, "anchors": anchors}
    elif kind == "pairwise":
        task["allow_tie"] = True
    else:
        task["candidates"] = draw(st.integers(2, 4))
    return task


@st.composite
def guideline_data(draw: st.DrawFn) -> dict[str, Any]:
    """Data of a valid guideline: every answer fits its task type, every reference resolves."""
    task = draw(_task())
    rule_ids = draw(st.lists(ids, min_size=1, max_size=3, unique=True))
    labels = [label["id"] for label in task.get("labels", [])]
    example_ids = iter(f"ex-{i}" for i in range(100))

    def examples(count: int) -> list[dict[str, Any]]:
        out = []
        for _ in range(count):
            value, answer = draw(_input_and_answer(task))
            entry = {"input": value, "answer": answer, "why": draw(texts)}
            if draw(st.booleans()):
                entry["id"] = next(example_ids)
            out.append(entry)
        return out

    rules = [
        {
            "id": rule_id,
            "title": draw(nonempty),
            "text": draw(texts),
            "labels": draw(st.lists(st.sampled_from(labels), unique=True)) if labels else [],
            "examples": examples(draw(st.integers(0, 2))),
            "edge_cases": examples(draw(st.integers(0, 1))),
        }
        for rule_id in rule_ids
    ]
    items = []
    for i in range(draw(st.integers(0, 3))):
        value, answer = draw(_input_and_answer(task))
        items.append(
            {
                "id": f"q{i}",
                "input": value,
                "rules": draw(st.lists(st.sampled_from(rule_ids), min_size=1, unique=True)),
                "answer": answer if draw(st.booleans()) else None,
                "why": draw(texts),
                "edge_case": draw(st.booleans()),
            }
        )
    policy = {
        "pass_kappa": draw(st.none() | st.floats(-1, 1)),
        "pass_accuracy": draw(st.none() | st.floats(0, 1)),
        "min_items_per_rule": draw(st.integers(1, 5)),
        "items_per_quiz": draw(st.integers(1, 40)),
        "feedback": draw(st.sampled_from(["immediate", "at_end"])),
    }
    version = f"{draw(st.integers(0, 3))}.{draw(st.integers(0, 12))}.{draw(st.integers(0, 3))}"
    changelog = [
        {
            "version": version,
            "date": draw(st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31))).isoformat(),
            "changes": draw(texts),
            "rules": draw(st.lists(st.sampled_from(rule_ids), unique=True)),
        }
    ]
    return {
        "format": 1,
        "id": draw(st.from_regex(r"[a-z0-9][a-z0-9_-]{0,10}", fullmatch=True)),
        "version": version,
        "title": draw(nonempty),
        "summary": draw(texts),
        "owners": draw(st.lists(nonempty, max_size=2)),
        "changelog": changelog,
        "task": task,
        "calibration": policy,
        "rules": rules,
        "items": items,
    }


# --------------------------------------------------------------------------- properties

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(guideline_data())
def test_load_dump_load_is_the_identity(data: dict[str, Any]) -> None:
    guideline = Guideline.model_validate(data)
    once = load_guideline_text(dump_guideline(guideline))
    assert once == guideline
    assert dump_guideline(once) == dump_guideline(guideline)


def _shuffled(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict):
        keys = list(value)
        rng.shuffle(keys)
        return {key: _shuffled(value[key], rng) for key in keys}
    if isinstance(value, list):
        return [_shuffled(v, rng) for v in value]
    return value


@SETTINGS
@given(
    guideline_data(),
    st.randoms(use_true_random=False),
    st.sampled_from([None, True, False]),
    st.sampled_from([2, 4]),
    st.sampled_from([40, 200]),
)
def test_content_hash_ignores_key_order_and_formatting(
    data: dict[str, Any], rng: random.Random, flow: bool | None, indent: int, width: int
) -> None:
    guideline = Guideline.model_validate(data)
    text = yaml.dump(
        _shuffled(data, rng),
        Dumper=GuidelineDumper,
        sort_keys=False,
        default_flow_style=flow,
        indent=indent,
        width=width,
        allow_unicode=rng.random() < 0.5,
    )
    reformatted = load_guideline_text("# a comment\n\n" + text + "\n# trailing comment\n")
    assert reformatted == guideline
    assert content_hash(reformatted) == content_hash(guideline)


@SETTINGS
@given(guideline_data())
def test_content_hash_changes_with_content(data: dict[str, Any]) -> None:
    guideline = Guideline.model_validate(data)
    changed = guideline.model_copy(update={"title": guideline.title + " (revised)"})
    assert content_hash(changed) != content_hash(guideline)


# --------------------------------------------------------------------------- robustness

VALID = """\
format: 1
id: s
version: 1.0.0
title: T
task: {type: single_label, labels: [{id: A, name: A}, {id: B, name: B}]}
rules:
  - {id: R1, title: T, text: x, labels: [A], examples: [{input: hi, answer: A}]}
items:
  - {id: q1, input: hello, rules: [R1], answer: B}
"""


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_any_text_loads_or_fails_with_a_guideline_error(text: str) -> None:
    try:
        load_guideline_text(text, "fuzz.yaml")
    except GuidelineError as error:
        assert error.problems and all(p.location.path == "fuzz.yaml" for p in error.problems)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_mutated_guidelines_load_or_fail_with_a_guideline_error(data: st.DataObject) -> None:
    text = VALID
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        cut = data.draw(st.integers(0, 6))
        insert = data.draw(
            st.sampled_from(["", "-", ":", " ", "\n", "[", "{", "}", "'", "x", "R1", "B", "&a", "*a"])
        )
        text = text[:at] + insert + text[at + cut :]
    try:
        load_guideline_text(text, "fuzz.yaml")
    except GuidelineError as error:
        assert error.problems
        assert all(isinstance(p.message, str) and p.message for p in error.problems)


@SETTINGS
@given(guideline_data(), guideline_data())
def test_lint_and_diff_run_on_any_valid_guidelines(first: dict[str, Any], second: dict[str, Any]) -> None:
    import json

    from calibration.guidelines.diff import diff_guidelines
    from calibration.guidelines.lint import lint_guideline, warnings_by_rule

    old, new = Guideline.model_validate(first), Guideline.model_validate(second)
    assert all(w.severity == "warning" and w.location.field for w in lint_guideline(old))
    assert set(warnings_by_rule(old)) == set(old.rule_ids)
    same = diff_guidelines(old, old)
    assert same.empty and same.changed_rule_ids == []
    result = diff_guidelines(old, new)
    json.dumps(result.to_dict())
    assert result.to_markdown().startswith(f"# Changes from {old.ref} to {new.ref}")
    assert set(result.changed_rule_ids) <= set(old.rule_ids) | set(new.rule_ids)
