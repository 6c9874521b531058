"""Compare versions (lead, author): per-rule agreement and gold accuracy of two pilots, with the change's interval."""

from __future__ import annotations

import streamlit as st

from calibration.ambiguity.compare import compare_versions
from calibration.ambiguity.queue import Pilot
from calibration.app import state
from calibration.app.widgets.analysis_round import format_statistics
from calibration.app.widgets.text import escape_markdown
from calibration.errors import CalibrationError
from calibration.rounds import service

state.require_role("lead", "author")
st.title("Compare versions")
st.caption(
    "Did the rewrite work? Each rule's agreement in both pilots, with a 95% bootstrap interval of the change "
    "(items resampled within each pilot). Rules whose text changed are marked."
)


def _compute(after, *, before_id, before_marker):
    before = state.cached_round_analysis(before_id, before_marker)
    return compare_versions(Pilot.of(*before), Pilot.of(*after))


rounds = sorted(service.list_rounds(state.get_engine()), key=lambda r: r.created_at, reverse=True)
if len(rounds) < 2:
    st.info("Comparing needs two rounds, one per guideline version. The demo workspace has two.")
    st.stop()
by_id = {r.id: r for r in rounds}


def _label(round_id):
    return f"{by_id[round_id].name} · {by_id[round_id].guideline_ref}"


cols = st.columns(2)
before_id = cols[0].selectbox("Before", list(by_id), index=1, format_func=_label, key="cmp_before")
after_id = cols[1].selectbox("After", list(by_id), index=0, format_func=_label, key="cmp_after")
if before_id == after_id:
    st.warning("Choose two different rounds.")
    st.stop()
try:
    before_marker = state.latest_response_marker(before_id)
    after_marker = state.latest_response_marker(after_id)
    comparison = state.cached_analysis(
        "compare_versions", after_id, after_marker, _compute, before_id=before_id, before_marker=before_marker
    )
except CalibrationError as error:
    state.render_error(error)
    st.stop()

changed = [r for r in comparison.rules if r.text_changed]
st.subheader(escape_markdown(f"{comparison.before_ref} → {comparison.after_ref}"))
for entry in changed:
    words = {"improved": st.success, "worse": st.error, "unchanged": st.info}[entry.verdict]
    words(
        f"{escape_markdown(entry.rule_id)} (changed): {entry.verdict}. {entry.statistic} {entry.before:.2f} → {entry.after:.2f} "
        f"(change {entry.difference:+.2f}, 95% CI {entry.ci95[0]:+.2f} to {entry.ci95[1]:+.2f})"
    )
if not changed:
    st.info("No rule changed between these versions.")
table = comparison.table()
table.insert(0, "changed", table.pop("text_changed").map({True: "✎ changed", False: ""}))
st.dataframe(format_statistics(table), key="cmp_table", width="stretch")
skewed = [r.rule_id for r in comparison.rules if r.skewed]
if skewed:
    st.caption(f"Judged by Gwet's AC1 because one answer dominates (the kappa paradox): {', '.join(skewed)}.")
