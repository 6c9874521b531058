"""Compare versions (lead, author): per-rule agreement and gold accuracy of two pilots, with the change's interval."""

from __future__ import annotations

import streamlit as st

from calibration.ambiguity.compare import compare_versions
from calibration.ambiguity.queue import Pilot
from calibration.app import state
from calibration.app.widgets.analysis_round import format_statistics
from calibration.app.widgets.text import escape_markdown
from calibration.errors import CalibrationError
from calibration.guidelines import versions
from calibration.reports.charts import before_after_figure
from calibration.rounds import service

state.require_role("lead", "author")
st.title("Compare versions")
st.caption(
    "Did the rewrite work? Each rule's agreement in both pilots: the majority share (the share of an item's "
    "answers that agree with its most common answer), compared item by item, with the interval of the "
    "change the verdict uses. Where there are too few items to tell, pilot the items it asks for in both "
    "versions and compare them with `calibration compare --first-look`. Rules whose text changed are marked."
)


def _compute(after, *, before_id, before_marker):
    before = state.cached_round_analysis(before_id, before_marker)
    return compare_versions(Pilot.of(*before), Pilot.of(*after))


rounds = sorted(service.list_rounds(state.get_engine()), key=lambda r: r.created_at, reverse=True)
by_id = {r.id: r for r in rounds}
# Only rounds of one guideline on two versions can be compared rule by rule; the latest such pair first.
pairs = versions.comparable_pairs([(r.id, r.guideline_ref) for r in rounds])
if not pairs:
    st.info(
        "Comparing needs two rounds of the same guideline on two different versions, such as a pilot of "
        "1.0.0 and a pilot of its rewrite 1.1.0. The demo workspace has two."
    )
    st.stop()


def _label(round_id):
    return f"{by_id[round_id].name} · {by_id[round_id].guideline_ref}"


cols = st.columns(2)
afters = list(dict.fromkeys(after for _, after in pairs))
after_id = cols[1].selectbox("After (newer version)", afters, index=0, format_func=_label, key="cmp_after")
befores = [before for before, after in pairs if after == after_id]
before_id = cols[0].selectbox(
    "Before (older version)", befores, index=0, format_func=_label, key="cmp_before"
)
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
VERDICT_BOX = {
    "improved": st.success,
    "worse": st.error,
    "unchanged": st.info,
    "not_enough_items": st.warning,
}
for entry in changed:
    verdict = entry.verdict
    if verdict == "not_enough_items":
        needed, more = entry.figures.get("items_needed"), entry.figures.get("more_items")
        verdict = "not enough items to tell" + (
            f" (pilot {more} more items per version, about {needed} in all)" if needed else ""
        )
    VERDICT_BOX[entry.verdict](
        f"{escape_markdown(entry.rule_id)} (changed): {verdict}. {entry.statistic} {entry.before:.2f} → {entry.after:.2f} "
        f"(change {entry.difference:+.2f}, interval {entry.ci95[0]:+.2f} to {entry.ci95[1]:+.2f})"
    )
if not changed:
    st.info("No rule changed between these versions.")
table = comparison.table()
table.insert(0, "changed", table.pop("text_changed").map({True: "✎ changed", False: ""}))
st.plotly_chart(
    before_after_figure(
        comparison.table(), before_label=comparison.before_ref, after_label=comparison.after_ref
    ),
    key="cmp_chart",
    width="stretch",
)
st.dataframe(format_statistics(table), key="cmp_table", width="stretch")
skewed = [r.rule_id for r in comparison.rules if r.skewed]
if skewed:
    st.caption(
        f"One answer dominates (the kappa paradox: alpha and kappa mislead there; the verdict, item by item, "
        f"does not use them): {', '.join(skewed)}."
    )
