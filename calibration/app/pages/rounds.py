"""Rounds (lead): create pilot and calibration rounds, hand out invitation links, watch progress live."""

import datetime as dt

import pandas as pd
import streamlit as st

from calibration.app import state
from calibration.app.navigation import spec
from calibration.app.widgets.choice import pick_one
from calibration.app.widgets.grid import MISSING, grid_height, naive_utc, wrapped_row_height
from calibration.app.widgets.import_upload import import_section
from calibration.app.widgets.quiz_preview import preview_quiz
from calibration.app.widgets.round_manager import manage_demo, manage_round, show_notice
from calibration.errors import CalibrationError
from calibration.rounds import service
from calibration.wording import as_sentence

# the progress table's widths in pixels (tests/e2e/test_layout_1280_browser.py measures the cells)
PROGRESS_NAME_WIDTH = 180
PASSED_WIDTH = 90
STUCK_AFTER = dt.timedelta(minutes=15)  # an annotator in progress idle this long is shown as stuck

user = state.require_role("lead")
engine = state.get_engine()
st.title("Rounds")

refs = state.published_refs()
rounds = sorted(service.list_rounds(engine, include_archived=True), key=lambda r: r.created_at, reverse=True)


def _invitation_links(round_id: int, count: int) -> list[str]:
    base = (st.context.url or "").split("?")[0].rsplit("/", 1)[0] if st.context.url else ""
    return [f"{base}/join?invite={service.invite(engine, round_id, actor=user)}" for _ in range(count)]


# ----------------------------------------------------------------- create
# Plain widgets and a callback rather than st.form: the quiz length is previewed as the settings change,
# and after a round is created every field goes back to its default (a form kept the last settings,
# e.g. "ask which rule" stayed on for the next rounds).
CREATE_DEFAULTS = {
    "rounds_name": "",
    "rounds_annotators": [],
    "rounds_links_count": 3,
    "rounds_seed": 0,
    "rounds_overlap": 0,
    "rounds_per_quiz": 0,
    "rounds_per_rule": 0,
    "rounds_cite": False,
    "rounds_adaptive": False,
    "rounds_control": 20,
}


# The number fields' ranges, checked here: a number_input with min/max lets the browser keep a number
# outside them to itself ("Number is outside the allowed range") and the round was created with the
# field's previous value, unseen.
RANGES = {
    "rounds_links_count": ("Invitation links to create", 0, 100),
    "rounds_seed": ("Seed", 0, 10_000),
    "rounds_overlap": ("Annotators per item", 0, 20),
    "rounds_control": ("Random control slice", 0, 100),
    "rounds_per_quiz": ("Items per quiz", 0, 500),
    "rounds_per_rule": ("At least this many items per rule", 0, 50),
    "rounds_more_count": ("How many", 1, 100),
}
FIELDS_OF = {
    "calibration": ("rounds_links_count", "rounds_seed", "rounds_per_quiz", "rounds_per_rule"),
    "pilot": ("rounds_links_count", "rounds_seed", "rounds_overlap", "rounds_control"),
}


def number_field(where, key: str, **options) -> int:
    """A whole-number field with no browser-side range (see `RANGES`, checked by `out_of_range`)."""
    label = options.pop("label", None) or RANGES[key][0]
    return where.number_input(label, step=1, key=key, **options)


def out_of_range(keys) -> CalibrationError | None:
    """The error naming every field in `keys` whose number is outside its range, or None."""
    bad = []
    for key in keys:
        label, low, high = RANGES[key]
        value = st.session_state.get(key)
        if value is not None and not low <= value <= high:
            bad.append(f"{label} is {value}: it must be from {low} to {high}")
    if not bad:
        return None
    return CalibrationError(
        "; ".join(bad) + "; nothing was created",
        hint="type a whole number in the range, then press the button again",
    )


def _create_round() -> None:
    """Create the round from the fields, then reset them; on a user error keep them and show why."""
    values = {key: st.session_state.get(key, default) for key, default in CREATE_DEFAULTS.items()}
    kind = st.session_state.get("rounds_kind", "calibration")
    refused = out_of_range(FIELDS_OF.get(kind, ()))
    if refused is not None:
        st.session_state["rounds_create_error"] = refused
        return
    ref: str = st.session_state.get("rounds_ref") or ""  # the bootstrap publishes the bundled guidelines
    common = {
        "actor": user,
        "annotators": values["rounds_annotators"],
        "seed": int(values["rounds_seed"]),
        "cite_rules": bool(values["rounds_cite"]),
    }
    try:
        if kind == "pilot":
            new = service.create_pilot_round(
                engine,
                values["rounds_name"].strip(),
                ref,
                overlap=int(values["rounds_overlap"]) or None,
                adaptive=bool(values["rounds_adaptive"]),
                control_fraction=int(values["rounds_control"]) / 100,
                **common,
            )
            length = None
        else:
            per_quiz, per_rule = int(values["rounds_per_quiz"]), int(values["rounds_per_rule"])
            new = service.create_calibration_round(
                engine, values["rounds_name"].strip(), ref,
                items_per_quiz=per_quiz or None, min_items_per_rule=per_rule or None, **common,
            )  # fmt: skip
            length = state.quiz_length(ref, per_quiz, per_rule).sentence()
        st.session_state["rounds_new_links"] = (
            new.id,
            _invitation_links(new.id, int(values["rounds_links_count"])),
        )
    except CalibrationError as error:
        st.session_state["rounds_create_error"] = error
        return
    st.session_state["rounds_created"] = (new.id, new.name, length)
    st.session_state["rounds_pick"] = new.id
    st.session_state.update(CREATE_DEFAULTS)
    if refs:
        st.session_state["rounds_ref"] = refs[0]


for key, default in CREATE_DEFAULTS.items():
    st.session_state.setdefault(key, default)
with st.expander("Create a round", expanded=not rounds, icon=":material/add_circle:"):
    kind = st.segmented_control(
        "Kind",
        ["calibration", "pilot"],
        default="calibration",
        required=True,
        format_func={
            "calibration": "Calibration quiz (scored against gold)",
            "pilot": "Pilot (agreement)",
        }.__getitem__,
        key="rounds_kind",
    )
    st.text_input("Round name", key="rounds_name", placeholder="e.g. Onboarding, March cohort")
    ref = st.selectbox("Guideline version of the round", refs, key="rounds_ref")
    st.multiselect(
        "Annotators with an account (others join through invitation links)",
        [u.name for u in service.list_users(engine, "annotator")],
        key="rounds_annotators",
    )
    left, right = st.columns(2)
    shown_errors: list[str] = []  # refusals already said under the fields
    number_field(left, "rounds_links_count")
    seeded = "quizzes" if kind == "calibration" else "who answers which item, and in which order,"
    number_field(right, "rounds_seed", label=f"Seed (makes {seeded} reproducible)")
    if kind == "pilot":
        number_field(
            left,
            "rounds_overlap",
            label="Annotators per item (0: the guideline's policy)",
            persist_state="page",
        )
        adaptive = right.checkbox(
            "Adaptive pilot",
            key="rounds_adaptive",
            persist_state="page",
            help="Hand items to the rules still undecided against the target: decided rules get no more "
            "items; a random control slice keeps an unbiased estimate. Annotators per item default to 2.",
        )
        if adaptive:
            number_field(
                right, "rounds_control", label="Random control slice (% of the items)", persist_state="page"
            )
    else:
        per_quiz = number_field(
            left, "rounds_per_quiz", label="Items per quiz (0: the guideline's policy)", persist_state="page"
        )
        per_rule = number_field(
            right,
            "rounds_per_rule",
            label="At least this many items per rule (0: the guideline's policy)",
            persist_state="page",
        )
        wrong = out_of_range(("rounds_per_quiz", "rounds_per_rule"))
        if wrong is not None:
            state.render_error(wrong)
            shown_errors.append(str(wrong))
        elif ref:
            try:
                length = state.quiz_length(ref, int(per_quiz), int(per_rule))
            except CalibrationError as error:
                state.render_error(error)
            else:
                (st.warning if length.changed else st.caption)(length.sentence())
    st.checkbox("Ask annotators which rule they applied", key="rounds_cite")
    create_error = st.session_state.pop("rounds_create_error", None)
    if create_error is not None and str(create_error) not in shown_errors:  # said once, under the field
        state.render_error(create_error)
    st.button(
        "Create round", type="primary", icon=":material/add:", key="rounds_create", on_click=_create_round
    )
created = st.session_state.pop("rounds_created", None)
if created is not None:
    st.success(
        f"Created the round {state.escape_markdown(created[1])}."
        + (f" {created[2]}" if created[2] else "")
        + " The form is reset for the next round.",
        icon=":material/check_circle:",
    )

import_section(engine, user, refs)  # a pilot from Label Studio, Prodigy, doccano, Argilla, CSV

show_notice()  # the outcome of the last "Manage round" action
if not rounds:
    st.info("No round yet: create one above.", icon=":material/info:")
    st.stop()

# ----------------------------------------------------------------- one round
all_finished = service.finished_round_ids(engine)


def _status(r) -> str:
    """The round's state in the words Home uses too."""
    return service.round_state(r, all_finished)


round_ = pick_one(
    "Round",
    {r.id: r for r in rounds},
    key="rounds_pick",
    default=next((r.id for r in rounds if not r.archived), rounds[0].id),  # the newest not archived
    describe=lambda r: f"{r.name} · {r.kind} · {r.guideline_ref} · {_status(r)}",
)

st.subheader(state.escape_markdown(round_.name), anchor=False)
st.caption(
    f"{round_.kind} round on `{round_.guideline_ref}` · created {round_.created_at:%Y-%m-%d %H:%M} UTC · {_status(round_)}"
)

with st.container(border=True):
    st.markdown(
        "**Invitation links**: each works once and expires in 7 days. Copy them now: they are not stored."
    )
    fresh = st.session_state.get("rounds_new_links")
    if fresh and fresh[0] == round_.id and fresh[1]:
        for link in fresh[1]:
            st.code(link, language=None)
    left, right = st.columns([1, 3], vertical_alignment="bottom")
    st.session_state.setdefault("rounds_more_count", 1)
    more = number_field(left, "rounds_more_count")
    if right.button(
        "Create invitation links",
        key=f"rounds_more_{round_.id}",
        icon=":material/link:",
        disabled=round_.status != "open",
    ):
        try:
            refused = out_of_range(("rounds_more_count",))
            if refused is not None:
                raise refused
            st.session_state["rounds_new_links"] = (round_.id, _invitation_links(round_.id, int(more)))
        except CalibrationError as error:  # e.g. closed in another session: said here, not rerun away
            state.render_error(error)
        else:
            st.rerun()  # the links are drawn above the button


@st.fragment(run_every=5)
def live_progress(round_id: int) -> None:
    """Who finished, who is in progress, who is stuck; refreshed every 5 seconds."""
    try:
        status = service.round_status(engine, round_id)
    except CalibrationError as error:
        state.render_error(error)
        return
    now = dt.datetime.now(dt.UTC)
    # an adaptive pilot or quiz hands out items one at a time: its total is the most there can be, as
    # Home says ("of at most 10 items"), never the items drawn so far read as a fixed length
    guideline = state.guideline(status.round.guideline_ref) if status.round.kind == "calibration" else None
    most = service.most_items(status.round, guideline)
    rows = []
    for p in status.annotators:
        idle = now - p.last_activity if p.last_activity else None
        stuck = p.status == "in_progress" and idle is not None and idle > STUCK_AFTER
        rows.append(
            {
                "annotator": p.name,
                "status": "stuck" if stuck else p.status.replace("_", " "),
                "answered": p.answered,
                "total": most or p.total,
                "progress": service.progress_line(status.round, p, guideline)[1],
                "attempts": p.attempts,
                "last activity": naive_utc(p.last_activity),  # UTC, as the page says elsewhere
                "passed": {True: "passed", False: "not passed", None: ""}[p.passed],
            }
        )
    table = pd.DataFrame(
        rows,
        columns=[
            "annotator",
            "status",
            "answered",
            "total",
            "progress",
            "attempts",
            "last activity",
            "passed",
        ],
    )
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Annotators", len(table))
    c2.metric("Finished", int((table["status"] == "finished").sum()))
    c3.metric("In progress", int((table["status"] == "in progress").sum()))
    c4.metric("Stuck (idle > 15 min)", int((table["status"] == "stuck").sum()))
    for warning in status.warnings:  # retakes reuse items: the lead may add fresh ones
        st.info(state.escape_markdown(as_sentence(warning)), icon=":material/inventory_2:")
    if table.empty:
        st.caption("Nobody has joined yet.")
        return
    # each column wide enough for its longest value, a long name wrapping: whole at 1280 px (about 820 px)
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        row_height=(row_height := wrapped_row_height(table["annotator"], PROGRESS_NAME_WIDTH)),
        height=grid_height(len(table), row_height),  # whole rows (Streamlit's 400 px cut the tenth in half)
        placeholder=MISSING,
        column_config={
            "annotator": st.column_config.TextColumn("annotator", width=PROGRESS_NAME_WIDTH),
            "status": st.column_config.TextColumn("status", width=90),
            "answered": st.column_config.NumberColumn("answered", width=76),
            "total": st.column_config.NumberColumn(
                "total",
                width=48,
                format="≤ %d" if most is not None else None,
                help="At most: items come one at a time, as the rules need them"
                if most is not None
                else None,
            ),
            "progress": st.column_config.ProgressColumn(
                "progress", min_value=0.0, max_value=1.0, format="percent", width=100
            ),
            "attempts": st.column_config.NumberColumn("attempts", width=72),
            "last activity": st.column_config.DatetimeColumn(
                "last activity", format="YYYY-MM-DD HH:mm", width=135
            ),
            "passed": st.column_config.TextColumn("passed", width=PASSED_WIDTH),
        },
    )
    if most is not None:
        st.caption(
            "Adaptive: items come one at a time, as the rules need them, and the quiz may end sooner; "
            "the total is the most there can be."
        )


st.markdown("**Progress** (live)")
live_progress(round_.id)

# ----------------------------------------------------------------- results per rule
st.markdown("**Results per rule**")
from calibration.app.widgets.analysis_round import round_analysis  # noqa: E402  (app-B's cached analysis)

loaded = round_analysis(round_)
if loaded is not None:
    _, analysis = loaded
    matrix = analysis.annotator_rule
    st.caption(f"{analysis.annotator_rule_kind} per annotator (rows) and rule (columns)")
    st.dataframe(
        matrix,
        width="stretch",
        height=grid_height(len(matrix), None),  # whole rows, the rest scroll
        placeholder=MISSING,
        column_config={
            "_index": st.column_config.TextColumn("annotator"),
            **{str(c): st.column_config.NumberColumn(str(c), format="percent") for c in matrix.columns},
        },
    )
    if st.button("Open the agreement dashboard", key="rounds_dashboard", icon=":material/insights:"):
        st.switch_page(spec("dashboard.py").script, query_params={"round": str(round_.id)})

# The buttons acting on the round carry its id in their key: a click on a round deleted meanwhile (in
# another session) then finds no button on the rerun, instead of acting on the round shown in its place.
left, right = st.columns(2)
opening = round_.status != "open"
if left.button(
    "Reopen the round" if opening else "Close the round",
    key=f"rounds_{'reopen' if opening else 'close'}_{round_.id}",
    icon=":material/lock_open:" if opening else ":material/lock:",
):
    try:
        service.close_round(engine, round_.id, actor=user, reopen=opening)
    except CalibrationError as error:  # e.g. deleted in another session since this run began
        state.render_error(error)
    else:
        st.rerun()

# ----------------------------------------------------------------- preview and manage
with st.expander("Preview the quiz as an annotator sees it", icon=":material/visibility:"):
    preview_quiz(engine, user, round_)

st.divider()
manage_round(engine, user, round_)
manage_demo(engine, user, {r.name for r in rounds})
