"""Home: an annotator's rounds and certifications; a lead's or author's overview and the demo workspace."""

import pandas as pd
import streamlit as st

from calibration.ambiguity.signals import number_text
from calibration.app import state
from calibration.app.navigation import pages_for, spec
from calibration.app.widgets.grid import grid_height
from calibration.errors import CalibrationError
from calibration.rounds import service
from calibration.rounds.demo_workspace import has_demo_workspace, load_demo_workspace

user = state.require_role()
engine = state.get_engine()

st.title(f"Hello, {state.escape_markdown(user.name)}")
STATUS = {"not_started": "not started", "in_progress": "in progress", "finished": "finished"}

mine = state.my_rounds(user)
if user.role == "annotator" or mine:
    st.subheader("Your rounds")
    if not mine:
        st.info(
            "You are in no round yet. Open the invitation link your lead sent you.", icon=":material/mail:"
        )
    for round_, progress in mine:
        with st.container(border=True):
            left, right = st.columns([3, 1], vertical_alignment="center")
            with left:
                st.markdown(
                    f"**{state.escape_markdown(round_.name)}** · {round_.kind} round · `{round_.guideline_ref}`"
                )
                # an adaptive pilot or quiz: "3 answered, of at most 40 items" (items come one at a time)
                guideline = state.guideline(round_.guideline_ref) if round_.kind == "calibration" else None
                count, done = service.progress_line(round_, progress, guideline)
                closed = round_.status != "open" and progress.status != "finished"
                st.progress(done, text=f"{count} · {'closed' if closed else STATUS[progress.status]}")
                if closed:  # the quiz would only say so: say it here, before the click
                    st.caption(":grey[Closed by your lead: this round takes no more answers.]")
                if progress.passed is True:
                    st.caption(":green[Passed: certified on this guideline version.]")
                elif progress.passed is False:
                    retake = service.retake_status(engine, round_.id, user)  # as the quiz page says
                    if retake is not None:
                        st.caption(f":orange[{retake.message}]")
            with right:
                label = "See result" if progress.status == "finished" else "Open" if closed else "Continue"
                if st.button(label, key=f"home_open_{round_.id}", type="primary", width="stretch"):
                    st.session_state["quiz_round"] = round_.id
                    st.switch_page(spec("quiz.py").script, query_params={"round": str(round_.id)})
            finished = []
            if round_.kind == "calibration":  # every finished attempt keeps its result and answer review
                finished = [a for a in service.my_attempts(engine, round_.id, actor=user) if a.finished]
            if finished:
                st.caption("Results")
                columns = st.columns(min(len(finished), 4))
                for index, attempt in enumerate(reversed(finished)):
                    verdicts: dict[object, str] = {True: "passed", False: "not passed"}
                    verdict = verdicts.get((attempt.score or {}).get("passed"), "done")
                    with columns[index % len(columns)]:
                        if st.button(
                            f"Attempt {attempt.number} · {verdict}",
                            key=f"home_result_{attempt.id}",
                            icon=":material/fact_check:",
                            type="tertiary",
                        ):
                            st.session_state["quiz_round"] = round_.id
                            st.switch_page(
                                spec("quiz.py").script,
                                query_params={"round": str(round_.id), "attempt": str(attempt.id)},
                            )
    certified = service.certifications(engine, user.id)
    if certified:
        st.subheader("Certifications")
        for cert in certified:
            score = f" · score {number_text(cert.score)}" if cert.score is not None else ""
            st.markdown(f"- `{cert.guideline_ref}` since {cert.certified_at:%Y-%m-%d}{score}")

if user.role in ("lead", "author"):
    st.subheader("Workspace")
    loaded = st.session_state.pop("home_demo_loaded", None)
    if loaded:  # shown after the rerun that counts the new rounds
        st.success("Loaded: " + ", ".join(state.escape_markdown(n) for n in loaded))
    rounds = service.list_rounds(engine)
    versions = service.list_guideline_versions(engine)
    finished_rounds = service.finished_round_ids(engine)
    c1, c2, c3 = st.columns(3)
    c1.metric("Guideline versions", len(versions))
    c2.metric("Rounds", len(rounds))
    c3.metric(
        "Waiting for answers",
        len(service.open_rounds(rounds, finished_rounds)),
        help='Open rounds not finished by every annotator (status "open" below); '
        f'"{service.EVERY_ANNOTATOR_FINISHED}" rounds wait for nobody.',
    )
    links = st.columns(3)
    for column, file, blurb in (
        (links[0], "rounds.py", "Create a round, hand out invitation links, watch progress."),
        (links[1], "dashboard.py", "Agreement per rule, with intervals, heat maps and the items behind."),
        (links[2], "revision_queue.py", "The rules to rewrite first, with their evidence."),
    ):
        entry = spec(file)
        if entry in pages_for(user.role):
            with column, st.container(border=True, height="stretch"):
                st.page_link(entry.script, label=entry.title, icon=entry.icon)
                st.caption(blurb)
    if rounds:
        st.markdown("**Recent rounds**")
        rows = []
        for round_ in sorted(rounds, key=lambda r: r.created_at, reverse=True)[:8]:
            people = service.round_status(engine, round_.id).annotators
            rows.append(
                {
                    "round": round_.name,
                    "kind": round_.kind,
                    "guideline": round_.guideline_ref,
                    "annotators": len(people),
                    "finished": sum(p.status == "finished" for p in people),
                    "status": service.round_state(round_, finished_rounds),  # as the Rounds page says
                }
            )
        st.dataframe(
            pd.DataFrame(rows), hide_index=True, width="stretch", height=grid_height(len(rows), None)
        )
    if user.role == "lead" and not has_demo_workspace(engine):
        with st.container(border=True):
            st.markdown(
                "**Demo workspace.** Load two finished pilot rounds on the contract-clause guideline "
                "(1.0.0 and its rewrite 1.1.0), answered by six simulated annotators with realistic "
                "confusions, and a box pilot on the street-objects guideline, to see every dashboard "
                "populated. Demo annotators are marked *(demo)*."
            )
            if st.button("Load the demo workspace", key="home_demo", icon=":material/science:"):
                try:
                    with st.spinner("Simulating annotators…"):
                        names = load_demo_workspace(engine, actor=user)
                except CalibrationError as error:
                    state.render_error(error)
                else:
                    st.session_state["home_demo_loaded"] = names
                    st.rerun()  # the workspace figures above were drawn before the rounds existed
