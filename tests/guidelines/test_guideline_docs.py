"""docs/guideline-format.md documents every model field, and its complete examples are valid."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from calibration.guidelines.lint import lint_guideline
from calibration.guidelines.loading import load_guideline_text
from calibration.guidelines.model import Guideline

DOC = Path(__file__).resolve().parents[2] / "docs" / "guideline-format.md"


def _models(root: type[BaseModel]) -> list[type[BaseModel]]:
    """Every model reachable from `root` through field annotations."""
    found: list[type[BaseModel]] = []
    todo: list[typing.Any] = [root]
    while todo:
        tp = todo.pop()
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            if tp not in found:
                found.append(tp)
                todo.extend(field.annotation for field in tp.model_fields.values())
        else:
            todo.extend(typing.get_args(tp))
    return found


def _section(doc: str, model: str) -> str:
    match = re.search(rf"^#{{3,4}} {model}\b.*?$(.*?)(?=^#{{2,4}} |\Z)", doc, re.MULTILINE | re.DOTALL)
    assert match, f"docs/guideline-format.md has no section headed '### {model}'"
    return match.group(1)


MODELS = _models(Guideline)


def test_walk_finds_every_model() -> None:
    names = {m.__name__ for m in MODELS}
    assert {"Guideline", "Task", "Label", "Scale", "Policy", "Rule", "Example", "Item"} <= names
    assert {"TextInput", "PairInput", "RankingInput", "ChangelogEntry"} <= names


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_field_is_documented_in_its_models_section(model: type[BaseModel]) -> None:
    section = _section(DOC.read_text(encoding="utf-8"), model.__name__)
    missing = [name for name in model.model_fields if f"| `{name}` |" not in section]
    assert missing == [], f"fields of {model.__name__} missing from docs/guideline-format.md: {missing}"
    assert "```yaml" in section, f"the {model.__name__} section has no YAML example"


def _complete_examples() -> list[str]:
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    return [block for block in blocks if block.startswith("format: 1\n")]


def test_there_is_a_complete_example_per_task_type() -> None:
    types = {load_guideline_text(block).task.type for block in _complete_examples()}
    assert types == {"single_label", "multi_label", "span", "rating", "pairwise", "ranking", "boxes"}


@pytest.mark.parametrize("block", _complete_examples(), ids=lambda b: b.split("\nid: ")[1].split("\n")[0])
def test_complete_examples_validate_and_lint_clean_but_for_item_counts(block: str) -> None:
    guideline = load_guideline_text(block)
    assert [w for w in lint_guideline(guideline) if w.code not in ("too_few_items", "no_edge_cases")] == []
