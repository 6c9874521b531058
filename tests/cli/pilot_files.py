"""Write a simulated pilot (tests/ambiguity/simulated_pilot.py) as the CSV files the CLI reads."""

from __future__ import annotations

from pathlib import Path

from calibration.answers import dump_cell
from calibration.responses import Annotations


def write_pilot(folder: Path, pilot: Annotations, name: str) -> dict[str, str]:
    """Responses, item-to-rule map and gold of `pilot` as `<name>.csv`, `<name>-map.csv`, `<name>-gold.csv`."""
    responses = pilot.responses.copy()
    responses["answer"] = [dump_cell("single_label", a) for a in responses["answer"]]
    paths = {
        "responses": folder / f"{name}.csv",
        "map": folder / f"{name}-map.csv",
        "gold": folder / f"{name}-gold.csv",
    }
    responses.to_csv(paths["responses"], index=False)
    pilot.item_rules.to_csv(paths["map"], index=False)
    pilot.gold.rename("answer").reset_index().to_csv(paths["gold"], index=False)
    return {k: str(v) for k, v in paths.items()}
