"""The quiz result says when the kappa mark was not applied, and a kappa just under the mark never
reads as the mark (tester's walk: "kappa –" beside "To pass: kappa ≥ 0.8"; "0.8" for 0.7996)."""

from __future__ import annotations

from typing import Any

from streamlit.testing.v1 import AppTest

from calibration.app.navigation import APP_ROOT

CONTRACTS = APP_ROOT / "guidelines" / "contract-clauses" / "1.1.0.yaml"


def _result(path, score, passed):  # no annotations: AppTest runs the source alone
    from types import SimpleNamespace

    from calibration.app.widgets.feedback import show_result
    from calibration.guidelines.loading import load_guideline

    show_result(load_guideline(path), SimpleNamespace(score=score, passed=passed))


def _run(score: dict[str, Any], passed: bool) -> AppTest:
    at = AppTest.from_function(_result, args=(str(CONTRACTS), score, passed), default_timeout=30).run()
    assert not at.exception, at.exception
    return at


def test_a_pass_without_kappa_says_the_kappa_mark_was_not_applied_and_why():
    score = {
        "n_items": 3,
        "n_correct": 3,
        "accuracy": 1.0,
        "kappa": None,
        "flags": ["undefined_single_category", "kappa_not_available"],
        "per_rule": {},
    }
    at = _run(score, True)
    (to_pass,) = [c.value for c in at.caption if c.value.startswith("To pass:")]
    assert "kappa ≥ 0.8 (not applied: kappa is undefined when the gold answers all have one label" in to_pass
    # contract-clauses asks accuracy ≥ 85% too: one accuracy mark, not "80% in its place" then "85%"
    assert "so the accuracy mark decides), accuracy ≥ 85%" in to_pass and "80%" not in to_pass
    (kappa,) = [m for m in at.metric if m.label == "Cohen's kappa vs gold"]
    assert kappa.value == "–" and "one label" in kappa.proto.help


def test_a_kappa_just_under_the_mark_shows_enough_decimals():
    score = {
        "n_items": 30,
        "n_correct": 28,
        "accuracy": 28 / 30,
        "kappa": 0.7996,
        "flags": [],
        "per_rule": {},
    }
    at = _run(score, False)
    (kappa,) = [m for m in at.metric if m.label == "Cohen's kappa vs gold"]
    assert kappa.value == "0.7996"
    (to_pass,) = [c.value for c in at.caption if c.value.startswith("To pass:")]
    assert to_pass.startswith("To pass: kappa ≥ 0.8,") and "not applied" not in to_pass


def test_without_a_stricter_accuracy_mark_accuracy_takes_the_kappa_marks_place():
    from types import SimpleNamespace

    from calibration.app.widgets.feedback import pass_requirements

    score = {"kappa": None, "flags": ["undefined_single_category", "kappa_not_available"], "per_rule": {}}
    policy = SimpleNamespace(policy="fixed", pass_kappa=0.8, pass_accuracy=None, pass_rule_accuracy=None)
    (kappa,) = pass_requirements(policy, score)
    assert kappa.endswith("so accuracy ≥ 80% decides in its place)")
    stricter = SimpleNamespace(policy="fixed", pass_kappa=0.8, pass_accuracy=0.85, pass_rule_accuracy=None)
    assert pass_requirements(stricter, score)[0].endswith("so the accuracy mark decides)")
