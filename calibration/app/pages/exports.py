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
from calibration.rounds import service
from calibration.wording import counted

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


def _download(label: str, make, name: str, key: str, *, mime: str = "text/csv", **options) -> None:
    """A download button of the file `stem`-`name`, made when clicked (`make`)."""
    st.download_button(
        label,
        make,
        file_name=f"{stem}-{name}",
        mime=mime,
        key=key,
        on_click="ignore",  # no rerun: it renews every file id, and a quick next click found none
        icon=options.pop("icon", ":material/download:"),
        **options,
    )


def _report(name: str = round_.name) -> bytes:
    return render_analysis_report(analysis, queue=_queue(), title=f"Round report: {name}").encode("utf-8")


st.caption(
    f"{counted(analysis.n_answers, 'answer')} by {counted(analysis.n_annotators, 'annotator')} on "
    f"{counted(analysis.n_items, 'item')} "
    f"({round_.guideline_ref})."
)
left, right = st.columns(2)
with left, st.container(border=True):
    st.markdown("**Responses** (CSV)")
    st.caption("One row per answer: item_id, annotator_id, answer, confidence, unclear, comment... "
               "The same long table `calibration agreement` reads.")  # fmt: skip
    _download(
        "Download responses.csv",
        lambda: responses_csv(data.responses, task_type),
        "responses.csv",
        "exp_responses",
    )
    st.markdown("**Per-rule agreement** (CSV)")
    _download(
        "Download agreement-per-rule.csv", lambda: agreement_csv(data), "agreement-per-rule.csv", "exp_rules"
    )
with right, st.container(border=True):
    st.markdown("**Annotator scores** (CSV)")
    if round_.kind == "calibration":  # reused_items: answers on items seen in an earlier attempt
        st.caption("With reused_items: answers on quiz items seen in an earlier attempt (gold shown).")
    _download(
        "Download scores.csv",
        lambda: scores_csv(
            analysis,
            service.reused_answers(state.get_engine(), round_.id) if round_.kind == "calibration" else None,
        ),
        "scores.csv",
        "exp_scores",
    )
    st.markdown("**Shareable report** (HTML)")
    st.caption("One self-contained page: per-rule table, charts and the revision queue; opens offline.")
    _download(
        "Download the report",
        _report,
        "report.html",
        "exp_report",
        mime="text/html",
        icon=":material/description:",
        type="primary",
    )
