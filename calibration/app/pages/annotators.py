"""Annotators (lead): scores against gold, agreement with the others, outliers, certifications, drill-down."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from calibration.app import state
from calibration.app.widgets.analysis_round import format_statistics, pick_round, round_analysis
from calibration.app.widgets.text import escape_markdown
from calibration.reports.analysis import annotator_answers, annotator_table
from calibration.rounds import service

SCORE_COLUMNS = (
    "answers", "gold_items", "accuracy", "kappa_vs_gold", "passed", "failed_rules", "decision",
    "reused_items", "rule_decisions",
    "agreement_alpha", "agreement_kappa", "robust_z", "outlier",
)  # fmt: skip

# the answer beside gold first, the long item text last
FIRST_ANSWER_COLUMNS = ("rules", "answer", "gold", "correct", "seen_before", "text")

state.require_role("lead")
st.title("Annotators")

round_ = pick_round("annot_round")
if round_ is None:
    st.info("No rounds yet. Create one on the Rounds page, or open the demo workspace.")
else:
    loaded = round_analysis(round_, scores=True)
    if loaded is not None:
        data, analysis = loaded
        # an attempt in progress has no verdict yet: "in progress (1 of 24)", no failed rules
        # answers on items seen in an earlier attempt (retakes reuse them when a rule ran out of unseen ones)
        reused = (
            service.reused_answers(state.get_engine(), round_.id) if round_.kind == "calibration" else None
        )
        table = annotator_table(analysis, service.in_progress_counts(state.get_engine(), round_.id), reused)
        basis = "accuracy vs gold" if not analysis.scores.empty else "agreement with the others (alpha)"
        st.subheader("Scores")
        st.caption(
            f"Outliers are annotators far below the others on {basis}: a robust z-score "
            "(median and median absolute deviation, Iglewicz & Hoaglin 1993) of -3 or lower."
        )
        shown = format_statistics(table)
        # per-annotator alpha and mean pairwise kappa are different statistics that nearly coincide when
        # every annotator answers every item with similar label frequencies: three decimals tell them apart
        for column in ("agreement_alpha", "agreement_kappa"):
            shown[column] = table[column].astype(float).round(3)
        number = st.column_config.NumberColumn
        st.dataframe(
            shown,
            key="annot_scores",
            width="stretch",
            column_order=[c for c in SCORE_COLUMNS if c in shown.columns],
            column_config={
                "answers": number("answers"),
                "gold_items": number("gold", help="Answered items that have gold"),
                "accuracy": number("accuracy", help="Share of gold items answered like gold"),
                "kappa_vs_gold": number(
                    "kappa gold", help="Cohen's kappa with the gold answers", width="small"
                ),
                "passed": st.column_config.CheckboxColumn("passed"),
                "failed_rules": st.column_config.ListColumn("failed rules", width="medium"),
                "decision": st.column_config.TextColumn(
                    "decision",
                    help="pass or fail when every rule is decided with the policy's confidence "
                    "(a rule decided fail fails); undecided: too few items on some rule to tell",
                ),
                "reused_items": number(
                    "reused",
                    help="Answers on quiz items seen in an earlier attempt (their gold answer was shown): "
                    "scored like the others, so a pass that rests on them is weaker evidence",
                    width="small",
                ),
                "rule_decisions": st.column_config.ListColumn(
                    "per rule (interval)",
                    help="Each rule's decision and the credible interval of the accuracy on it",
                    width="large",
                ),
                "agreement_alpha": number(
                    "alpha",
                    format="%.3f",
                    help="Agreement with the others: Krippendorff's alpha over the pairs this annotator is in",
                    width="small",
                ),
                "agreement_kappa": number(
                    "kappa",
                    format="%.3f",
                    help="Agreement with the others: Cohen's kappa with each other annotator, averaged",
                    width="small",
                ),
                "robust_z": number("robust z", format="%.1f", width="small"),
            },
        )
        if reused:
            st.caption(
                "reused: answers on quiz items seen in an earlier attempt (their gold answer was shown); "
                "the drill-down marks them under seen before."
            )
        outliers = table.index[table["outlier"]].tolist()
        if outliers:
            st.warning(
                f"Far below the others on {basis}: {', '.join(escape_markdown(o) for o in outliers)}. "
                "Check their answers below before using their labels.",
                icon=":material/person_alert:",
            )
        else:
            st.success("No annotator is far below the others.", icon=":material/check_circle:")

        st.subheader("Drill down into one annotator")
        who = st.selectbox("Annotator", table.index.tolist(), key="annot_who")
        if who:
            answers = annotator_answers(
                analysis.guideline,
                data.responses,
                data.item_rules,
                data.gold,
                who,
                None if reused is None else reused.get(who, []),
            )
            wrong = int((answers["correct"] == False).sum()) if "correct" in answers else 0  # noqa: E712
            st.caption(f"{len(answers)} answers; {wrong} differ from gold.")
            only_wrong = st.toggle("Only answers that differ from gold", key="annot_only_wrong")
            if only_wrong and "correct" in answers:
                answers = answers[answers["correct"] == False]  # noqa: E712
            st.dataframe(
                answers,
                key="annot_answers",
                width="stretch",
                column_order=[c for c in FIRST_ANSWER_COLUMNS if c in answers.columns]
                + [c for c in answers.columns if c not in FIRST_ANSWER_COLUMNS],
                column_config={
                    "text": st.column_config.TextColumn("text", width="medium"),
                    "seen_before": st.column_config.CheckboxColumn(
                        "seen before", help="Seen in an earlier attempt (its gold answer was shown)"
                    ),
                },
            )

st.subheader("Certifications per guideline version")
from calibration.rounds import service  # noqa: E402

certifications = service.certifications(state.get_engine())
if not certifications:
    st.caption("Nobody is certified yet: annotators are certified when they pass a calibration round.")
else:
    frame = pd.DataFrame(
        [
            {
                "annotator": c.annotator_name,
                "guideline": c.guideline_ref,
                "score": c.score,
                "certified": c.certified_at.strftime("%Y-%m-%d"),
                "kind": "model" if c.annotator_kind == "model" else "person",
            }
            for c in certifications
        ]
    )
    status = frame.sort_values("certified").groupby(["annotator", "guideline"])["certified"].last().unstack()
    status = status.fillna("not certified")
    # a model certified from a file of its answers (`calibration certify-model --store`) is no person
    status.insert(0, "kind", frame.groupby("annotator")["kind"].first().reindex(status.index))
    if (status["kind"] == "model").any():
        st.caption(
            "Kind **model**: a model certified from a file of its answers (`calibration certify-model "
            "--store`), not a person."
        )
    st.dataframe(status, key="annot_certs", width="stretch")
