"""Exports (lead): CSV of responses, scores and per-rule agreement, the shareable HTML report of a round,
and for a boxes round its gold as COCO JSON and its answers as Label Studio tasks with the config."""

from __future__ import annotations

import re

import streamlit as st

from calibration.app import state
from calibration.app.widgets.analysis_round import pick_round, round_analysis
from calibration.app.widgets.box_downloads import box_downloads
from calibration.interop.exports import agreement_csv, responses_csv
from calibration.reports.exports import scores_csv
from calibration.reports.html import render_analysis_report

state.require_role("lead")
st.title("Exports")

round_ = pick_round("exp_round")
if round_ is None:
    st.info("No rounds yet. Create one on the Rounds page, or open the demo workspace.")
    st.stop()
stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", round_.name).strip("-") or f"round-{round_.id}"
if state.guideline(round_.guideline_ref).task.type == "boxes":
    box_downloads(state.get_engine(), round_, stem)
loaded = round_analysis(round_, scores=True)
if loaded is None:
    st.stop()
data, analysis = loaded
task_type = analysis.guideline.task.type


def _queue():
    """The revision queue of the round when the ambiguity engine is installed, else None."""
    try:
        from calibration.ambiguity.queue import revision_queue
    except ImportError:
        return None
    return revision_queue(data, report=analysis.report)


def _report(name: str = round_.name) -> bytes:
    return render_analysis_report(analysis, queue=_queue(), title=f"Round report: {name}").encode("utf-8")


st.caption(
    f"{analysis.n_answers} answers by {analysis.n_annotators} annotators on {analysis.n_items} items "
    f"({round_.guideline_ref})."
)
left, right = st.columns(2)
with left, st.container(border=True):
    st.markdown("**Responses** (CSV)")
    st.caption("One row per answer: item_id, annotator_id, answer, confidence, unclear, comment... "
               "The same long table `calibration agreement` reads.")  # fmt: skip
    st.download_button(
        "Download responses.csv",
        lambda: responses_csv(data.responses, task_type),
        file_name=f"{stem}-responses.csv",
        mime="text/csv",
        key="exp_responses",
        on_click="ignore",  # no rerun: it renews every file id, and a quick next click found none
        icon=":material/download:",
    )
    st.markdown("**Per-rule agreement** (CSV)")
    st.download_button(
        "Download agreement-per-rule.csv",
        lambda: agreement_csv(data),
        file_name=f"{stem}-agreement-per-rule.csv",
        mime="text/csv",
        key="exp_rules",
        on_click="ignore",
        icon=":material/download:",
    )
with right, st.container(border=True):
    st.markdown("**Annotator scores** (CSV)")
    st.download_button(
        "Download scores.csv",
        lambda: scores_csv(analysis),
        file_name=f"{stem}-scores.csv",
        mime="text/csv",
        key="exp_scores",
        on_click="ignore",
        icon=":material/download:",
    )
    st.markdown("**Shareable report** (HTML)")
    st.caption("One self-contained page: per-rule table, charts and the revision queue; opens offline.")
    st.download_button(
        "Download the report",
        _report,
        file_name=f"{stem}-report.html",
        mime="text/html",
        key="exp_report",
        on_click="ignore",
        icon=":material/description:",
        type="primary",
    )
