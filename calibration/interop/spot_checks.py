"""A spot-check plan as Label Studio tasks: the model's label as a prediction the reviewer corrects."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from calibration.interop.exports import labelstudio_result, labelstudio_tasks

if TYPE_CHECKING:
    import pandas as pd

    from calibration.guidelines.model import Guideline, Input


def spot_check_tasks(
    guideline: Guideline, check: pd.DataFrame, inputs: Mapping[str, Input | None]
) -> list[dict[str, Any]]:
    """Label Studio tasks for the labels to check (`calibration.agreement.spot_check.spot_check_items`).

    Each task has the item's data (``item_id``, ``rules``, the input) plus ``selection`` (``random``
    or ``lowest score``), and one prediction: the model's answer with ``model_version`` (the model)
    and ``score`` when known. A reviewer accepts or corrects it; the export read back by
    ``calibration spot-check-review --reviews`` decides per rule.
    """
    items = list(dict.fromkeys(check["item_id"]))
    rules = {i: list(check.loc[check["item_id"].eq(i), "rule_id"].unique()) for i in items}
    tasks = labelstudio_tasks(guideline, {i: inputs.get(i) for i in items}, rules)
    first = check.drop_duplicates("item_id").set_index("item_id")
    for task in tasks:
        item = task["data"]["item_id"]
        row = first.loc[item]
        task["data"]["selection"] = str(row["selection"])
        prediction: dict[str, Any] = {
            "model_version": str(row["model"]),
            "result": labelstudio_result(guideline, row["model_answer"], inputs.get(item)),
        }
        score = row["score"]
        if score is not None and score == score:
            prediction["score"] = float(score)
        task["predictions"] = [prediction]
    return tasks
