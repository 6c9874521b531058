"""The lead's view of an adaptive pilot (dashboard): per rule, decided above/below the target or about
N more items, with the adaptive and control-slice estimates side by side.

One library call (`service.adaptive_pilot_status`); nothing is shown for other rounds.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from calibration.ambiguity.signals import number_text
from calibration.app.widgets.text import escape_markdown
from calibration.rounds import service
from calibration.wording import counted


def _estimate(value: float | None, interval: tuple[float, float] | None, items: int) -> str:
    count = counted(items, "item")
    if value is None:
        return f"– ({count})"
    spread = f" ({number_text(interval[0])} to {number_text(interval[1])})" if interval is not None else ""
    return f"{number_text(value)}{spread}, {count}"


def adaptive_pilot_panel(engine: Any, round_: Any) -> None:
    """A bordered table of the adaptive pilot `round_`'s rules; nothing when it is not one.

    The table says each decision in a few words (`RuleStatus.label`) and wraps its cells (an HTML
    table, not a canvas grid that cuts long text at 1280 px); the full sentence of every undecided
    rule (how many more items with how many answers, or why it cannot be decided) follows it.
    """
    view = service.adaptive_pilot_status(engine, round_.id)
    if view is None:
        return
    # st.table renders markdown in its cells: every cell is escaped (rule ids are the author's text)
    table = pd.DataFrame(
        {
            "Rule": [escape_markdown(rule) for rule in view.rules],
            "decision": [escape_markdown(s.label()) for s in view.rules.values()],
            "adaptive estimate": [
                escape_markdown(_estimate(s.estimate, s.interval, s.items)) for s in view.rules.values()
            ],
            "control-slice estimate": [
                escape_markdown(_estimate(s.control_estimate, s.control_interval, s.control_items))
                for s in view.rules.values()
            ],
        }
    ).set_index("Rule")
    with st.container(border=True, key="dash_adaptive_pilot"):
        st.markdown("**Adaptive pilot**")
        st.caption(
            f"Krippendorff's alpha per rule against the target {view.target:.2f}, with 95% intervals. "
            "The next item goes to the undecided rule with the largest standard error at the target "
            "(a rule under two completed items first), not to the widest interval shown; decided "
            "rules, and rules that can no longer be decided, get no more. "
            f"The control slice ({view.control_items} of {view.items} items, drawn at random) is "
            "handed out whatever the decisions, so its estimate carries no selection bias (alpha is a "
            "ratio, so it is consistent rather than exactly unbiased); the adaptive estimate "
            "uses every answered item and leans towards the rules that were hard to decide."
        )
        st.table(table)
        undecided = [
            (rule, s.sentence()) for rule, s in view.rules.items() if s.decision not in ("above", "below")
        ]
        if undecided:
            with st.container(key="dash_adaptive_pilot_notes"):
                st.caption(
                    "  \n".join(
                        f"**{escape_markdown(rule)}**: {escape_markdown(text)}." for rule, text in undecided
                    )
                )
