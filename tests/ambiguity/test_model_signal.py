"""A model's own error pattern enters the revision queue as a signal marked as the model's, and only
when a model triage is given."""

from __future__ import annotations

from pathlib import Path

from calibration.agreement.model import triage_rules
from calibration.agreement.model_simulation import simulate_answers
from calibration.ambiguity import signals
from calibration.ambiguity.queue import revision_queue
from calibration.guidelines.loading import load_guideline
from calibration.responses import Annotations, split_models

ROOT = Path(__file__).resolve().parents[2]
CLAUSES = load_guideline(ROOT / "guidelines/contract-clauses/1.1.0.yaml")


def test_the_model_signal_fires_on_its_rule_and_leaves_other_scores_alone() -> None:
    responses, gold, item_rules = simulate_answers(
        CLAUSES, {"R-LAW": 0.6}, confusions={"R-LAW": "OTHER"}, items_per_rule=30, seed=5
    )
    triage = triage_rules(responses, gold, item_rules, CLAUSES.task, bootstrap=50)
    model_signals = {
        rule: signals.model_error_pattern(row, "sim-model@1")
        for rule, row in triage.to_dict(orient="index").items()
    }
    people, _ = split_models(responses)
    plain = revision_queue(
        Annotations.of(people, guideline=CLAUSES, item_rules=item_rules, gold=gold), bootstrap=0
    )
    with_model = revision_queue(
        Annotations.of(people, guideline=CLAUSES, item_rules=item_rules, gold=gold),
        bootstrap=0,
        model_signals=model_signals,
    )
    law = with_model.entry("R-LAW")
    assert "model_error_pattern" in law.flags
    evidence = law.signal("model_error_pattern")
    assert evidence is not None and evidence.figures["source"] == "model"
    assert evidence.message.startswith("model sim-model@1 (not people) fails here differently from people")
    assert law.score == plain.entry("R-LAW").score + 1.0
    for entry in plain.rules:
        if entry.rule_id != "R-LAW":
            assert with_model.entry(entry.rule_id).score == entry.score
            assert "model_error_pattern" not in with_model.entry(entry.rule_id).flags


def test_no_pattern_does_not_fire() -> None:
    evidence = signals.model_error_pattern({"error_pattern": None, "n_items": 12}, "m")
    assert not evidence.fired and evidence.figures["source"] == "model"
