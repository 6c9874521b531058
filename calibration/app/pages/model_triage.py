"""Model triage (lead): per rule, may a model take over with spot-checks, and how many labels to check."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from calibration.agreement.model_triage import triage_round
from calibration.answers import dump_cell
from calibration.app import state
from calibration.app.widgets.analysis_round import format_statistics, pick_round
from calibration.app.widgets.grid import MISSING, grid_height, wrapped_row_height
from calibration.app.widgets.text import escape_markdown
from calibration.errors import CalibrationError
from calibration.wording import counted

# the spot-check plan table's widths in pixels: the rule, six numbers of 75 px ("small") and the plan in
# words, wrapped, 810 together (the main column at 1280 px is about 818 px)
PLAN_RULE_WIDTH, PLAN_WIDTH = 90, 270

state.require_role("lead")
st.title("Model triage")
st.caption(
    "A model's answers, imported from a file like any annotator's (the product never calls a model), "
    "against gold and against your people on the same items: per rule, automate with spot-checks, keep "
    "people, or not enough evidence. The model is never counted in the people's agreement."
)

round_ = pick_round("mt_round", kinds=("pilot",))
if round_ is None:
    st.info("No rounds yet. Create a pilot round on the Rounds page, or open the demo workspace.")
    st.stop()
try:
    marker = state.latest_response_marker(round_.id)
    data = state.cached_round_analysis(round_.id, marker)
except CalibrationError as error:
    state.render_error(error)
    st.stop()
if data.model_responses.empty:
    st.info(
        "This round holds no model answers. Import them on the Rounds page (Label Studio predictions, "
        "Argilla suggestions, a Prodigy session named as a model, or a CSV with annotator_kind=model)."
    )
    from calibration.rounds.demo_workspace import demo_round_name, load_demo_model_answers

    if round_.name == demo_round_name("1.1.0") and st.button(
        "Add the example model's answers (demo)", key="mt_demo", icon=":material/smart_toy:"
    ):
        try:
            load_demo_model_answers(state.get_engine(), actor=state.current_user())
        except CalibrationError as error:
            state.render_error(error)
            st.stop()
        st.rerun()
    st.stop()

models = sorted(set(data.model_responses["annotator_id"]))
left, middle, right = st.columns(3)
model = left.selectbox("Model", models, key="mt_model")
margin = middle.number_input(
    "Margin",
    min_value=0.0,
    max_value=0.5,
    value=0.05,
    step=0.01,
    key="mt_margin",
    help="The accuracy loss against your people you accept (non-inferiority margin).",
)
min_items = right.number_input(
    "Gold items a rule needs", min_value=1, max_value=1000, value=5, step=1, key="mt_min_items"
)
target = left.number_input(
    "Target accuracy of a batch",
    min_value=0.5,
    max_value=0.99,
    value=0.9,
    step=0.01,
    key="mt_target",
    help="A batch below this accuracy must go back to people; the spot-check catches it with 95% confidence.",
)


def _compute(data, model: str, margin: float, min_items: int, target: float):
    return triage_round(
        data,
        data.model_responses,
        model=model,
        margin=margin,
        min_items=min_items,
        target=target,
        bootstrap=500,
    )


try:
    triage = state.cached_analysis(
        "model_triage",
        round_.id,
        marker,
        _compute,
        model=model,
        margin=float(margin),
        min_items=int(min_items),
        target=float(target),
    )
except CalibrationError as error:
    state.render_error(error)
    st.stop()

table = triage.table
counts = table["decision"].value_counts()
cols = st.columns(3)
cols[0].metric("Automate with spot-checks", int(counts.get("automate with spot-checks", 0)))
cols[1].metric("Keep people", int(counts.get("keep people", 0)))
cols[2].metric("Not enough evidence", int(counts.get("not enough evidence", 0)))

st.subheader(f"Per rule: model {escape_markdown(triage.model)} against people")
shown = table[
    [
        "decision",
        "n_items",
        "model_accuracy",
        "human_accuracy",
        "difference",
        "difference_low",
        "difference_high",
        "model_vs_consensus",
        "error_pattern",
    ]
].rename(columns={"human_accuracy": "people_accuracy", "model_vs_consensus": "model_vs_majority"})
st.dataframe(
    format_statistics(shown),
    key="mt_table",
    width="stretch",
    height=grid_height(len(shown), None),
    placeholder=MISSING,
)
patterns = table["error_pattern"].map(lambda p: p if isinstance(p, str) else None).dropna()
for rule, pattern in patterns.items():
    st.warning(
        f"{escape_markdown(str(rule))}: the model (not people) fails here differently from people, on "
        f"{escape_markdown(pattern)}. A revision-queue signal from the model: check the rule's wording.",
        icon=":material/smart_toy:",
    )

st.subheader("Spot-check plan")
if triage.plans.empty:
    st.info("No rule is marked 'automate with spot-checks', so there is nothing to plan.")
else:
    plans = format_statistics(triage.plans)
    # the plan in words wraps in its cell: at 1280 px it ran past the table's right edge, cut mid-sentence
    numbers = [c for c in plans.columns if c != "plan"]
    plan_row = wrapped_row_height(plans["plan"], PLAN_WIDTH) if "plan" in plans else None
    st.dataframe(
        plans,
        key="mt_plans",
        width="stretch",
        row_height=plan_row,
        height=grid_height(len(plans), plan_row),
        placeholder=MISSING,
        column_config={
            "_index": st.column_config.TextColumn("rule_id", width=PLAN_RULE_WIDTH),
            "plan": st.column_config.TextColumn("plan", width=PLAN_WIDTH),
            **{c: st.column_config.NumberColumn(c, width="small") for c in numbers},
        },
    )
    st.caption(
        f"{counted(len(triage.check), 'label')} to check in this round: random ones decide, the model's lowest-scored "
        "ones are added because its errors gather there."
    )

stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", round_.name).strip("-") or f"round-{round_.id}"
task_type = data.guideline.task.type


def _plan_csv() -> str:
    frame = triage.check.assign(
        model_answer=[dump_cell(task_type, a) for a in triage.check["model_answer"]], reviewer_answer=""
    )
    return frame.to_csv(index=False, lineterminator="\n")


def _tasks_json() -> str:
    from calibration.interop.spot_checks import spot_check_tasks

    inputs = {item.id: item.input for item in data.guideline.items}
    return json.dumps(spot_check_tasks(data.guideline, triage.check, inputs), indent=1, ensure_ascii=False)


def _triage_csv() -> str:
    return pd.concat([table, triage.plans.drop(columns=["target"])], axis=1).to_csv(lineterminator="\n")


def _download(
    column: DeltaGenerator,
    label: str,
    content: Callable[[], str],
    ending: str,
    mime: str,
    key: str,
    *,
    disabled: bool = False,
) -> None:
    """A download button of one of the triage's files, named after the round."""
    column.download_button(
        label,
        content,
        file_name=f"{stem}-{ending}",
        mime=mime,
        key=key,
        on_click="ignore",
        icon=":material/download:",
        disabled=disabled,
    )


downloads = st.columns(3)
_download(
    downloads[0],
    "Download the triage (CSV)",
    _triage_csv,
    "model-triage.csv",
    "text/csv",
    "mt_download_triage",
)
_download(
    downloads[1],
    "Download the labels to check (CSV)",
    _plan_csv,
    "spot-check.csv",
    "text/csv",
    "mt_download_check",
    disabled=triage.check.empty,
)
_download(
    downloads[2],
    "Download as Label Studio tasks",
    _tasks_json,
    "spot-check-tasks.json",
    "application/json",
    "mt_download_tasks",
    disabled=triage.check.empty,
)
st.caption(
    "Reviewers fill reviewer_answer (or correct the predictions in Label Studio); "
    "`calibration spot-check-review` reads the result back and decides per rule."
)
