"""Property tests: load -> dump -> load is the identity; the content hash ignores formatting."""

from __future__ import annotations

import random
from typing import Any

import yaml
from guideline_strategies import guideline_data
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calibration.guidelines.loading import GuidelineDumper, dump_guideline, load_guideline_text
from calibration.guidelines.model import Guideline
from calibration.guidelines.versions import content_hash

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
