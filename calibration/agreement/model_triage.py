"""A model's triage on one round, with the spot-check plan of the rules it may take over.

`triage_round` is the one call behind the app's "Model triage" page: per rule the non-inferiority
decision of `calibration.agreement.model.triage_rules`, then, for the rules marked ``automate with
spot-checks``, the sampling plan of `calibration.agreement.spot_check.sampling_plan` (the model's
measured accuracy on the rule as baseline) and the labels to check in this round's batch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from calibration.agreement.model import AUTOMATE, choose_model, triage_rules
from calibration.agreement.spot_check import SamplingPlan, sampling_plan, spot_check_items
from calibration.errors import DataError
from calibration.responses import ANNOTATOR_KIND, RULE, Annotations

if TYPE_CHECKING:
    pass

PLAN_TABLE_COLUMNS = ["baseline", "target", "n", "c", "detection", "false_alarm", "plan"]


@dataclass(frozen=True)
class ModelTriage:
    """A model's triage on a round.

    Attributes:
        model: the model's annotator id.
        table: `triage_rules`'s table, indexed by rule_id.
        plans: per automated rule (index rule_id): baseline, target, n, c, detection, false_alarm and
            the plan in words (or why there is none).
        check: the labels to check in this batch (`spot_check_items`'s table).
    """

    model: str
    table: pd.DataFrame
    plans: pd.DataFrame
    check: pd.DataFrame


def triage_round(
    people: Annotations,
    model_responses: pd.DataFrame,
    *,
    model: str | None = None,
    margin: float = 0.05,
    min_items: int = 10,
    target: float = 0.9,
    confidence: float = 0.95,
    false_alarm: float = 0.05,
    bootstrap: int = 1000,
    seed: int = 0,
) -> ModelTriage:
    """Triage a model on a round and plan the spot-checks of the rules it may take over.

    Args:
        people: the round's annotations by people (a `RoundResponses`; its guideline version gives
            the task and edge cases).
        model_responses: the models' responses (`RoundResponses.model_responses`).
        model: the model to triage (default: the only one).
        margin, min_items, confidence, bootstrap, seed: see `triage_rules`.
        target, false_alarm: see `sampling_plan`.

    Returns:
        The `ModelTriage`.

    Raises:
        DataError: no model answers, several models and none named, a bad margin or target, no guideline.
    """
    guideline = people.require_guideline("a model triage")
    if model_responses.empty:
        raise DataError(
            "the round holds no model answers",
            hint="import them (calibration import ... with predictions, suggestions or annotator_kind=model)",
        )
    name, answers = choose_model(model_responses, model)
    both = pd.concat([people.responses.assign(**{ANNOTATOR_KIND: "human"}), answers], ignore_index=True)
    table = triage_rules(
        both,
        people.gold,
        people.item_rules,
        guideline.task,
        model=name,
        margin=margin,
        confidence=confidence,
        min_items=min_items,
        edge_items=[item.id for item in guideline.items if item.edge_case],
        bootstrap=bootstrap,
        seed=seed,
    )
    rows: dict[str, dict[str, object]] = {}
    plans: dict[str, SamplingPlan] = {}
    for rule in table.index[table["decision"].eq(AUTOMATE)]:
        baseline = float(table.loc[rule, "model_accuracy"])
        row: dict[str, object] = dict.fromkeys(PLAN_TABLE_COLUMNS, math.nan)
        row.update(baseline=baseline, target=target)
        try:
            plan = sampling_plan(baseline, target, confidence=confidence, false_alarm=false_alarm)
        except DataError as error:
            row["plan"] = error.message
        else:
            plans[str(rule)] = plan
            row.update(n=plan.n, c=plan.c, detection=plan.detection, false_alarm=plan.false_alarm)
            row["plan"] = plan.sentence()
        rows[str(rule)] = row
    plan_table = pd.DataFrame.from_dict(rows, orient="index", columns=PLAN_TABLE_COLUMNS).rename_axis(RULE)
    check = spot_check_items(answers, plans, people.item_rules, seed=seed)
    return ModelTriage(name, table, plan_table, check)
