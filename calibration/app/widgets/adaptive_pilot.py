"""The lead's view of an adaptive pilot (dashboard): per rule, decided above/below the target or about
N more items, with the adaptive and control-slice estimates side by side.

One library call (`service.adaptive_pilot_status`); nothing is shown for other rounds.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from calibration.rounds import service


def _estimate(value: float | None, interval: tuple[float, float] | None, items: int) -> str:
    count = f"{items} {'item' if items == 1 else 'items'}"
    if value is None:
        return f"– ({count})"
    spread = f" ({interval[0]:.2f} to {interval[1]:.2f})" if interval is not None else ""
    return f"{value:.2f}{spread}, {count}"


def adaptive_pilot_panel(engine: Any, round_: Any) -> None:
    """A bordered table of the adaptive pilot `round_`'s rules; nothing when it is not one."""
    view = service.adaptive_pilot_status(engine, round_.id)
    if view is None:
        return
    table = pd.DataFrame(
        {
            "rule": list(view.rules),
            "decision": [s.sentence() for s in view.rules.values()],
            "adaptive estimate": [_estimate(s.estimate, s.interval, s.items) for s in view.rules.values()],
            "control-slice estimate": [
                _estimate(s.control_estimate, s.control_interval, s.control_items)
                for s in view.rules.values()
            ],
        }
    ).set_index("rule")
    with st.container(border=True, key="dash_adaptive_pilot"):
        st.markdown("**Adaptive pilot**")
        st.caption(
            f"Krippendorff's alpha per rule against the target {view.target:.2f}, with 95% intervals. "
            "Items go to the undecided rules with the widest intervals; decided rules get no more. "
            f"The control slice ({view.control_items} of {view.items} items, drawn at random) is "
            "handed out whatever the decisions, so its estimate carries no selection bias (alpha is a "
            "ratio, so it is consistent rather than exactly unbiased); the adaptive estimate "
            "uses every answered item and leans towards the rules that were hard to decide."
        )
        st.dataframe(  # fits 1280 px: the estimates' columns were cut off beside a wide decision
            table,
            key="dash_adaptive_pilot_rules",
            width="stretch",
            column_config={
                "_index": st.column_config.TextColumn("Rule", width="small"),
                "decision": st.column_config.TextColumn("decision", width="medium"),
                "adaptive estimate": st.column_config.TextColumn("adaptive estimate", width="medium"),
                "control-slice estimate": st.column_config.TextColumn(
                    "control-slice estimate", width="medium"
                ),
            },
        )
