"""Annotators (lead): scores against gold, agreement with the others, outliers, certifications, drill-down."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd
import streamlit as st

from calibration.agreement.gold import against_mark
from calibration.app import state
from calibration.app.widgets.analysis_round import format_statistics, pick_round, round_analysis
from calibration.app.widgets.grid import fitted_widths, grid_height, wrapped_row_height
from calibration.app.widgets.text import escape_markdown
from calibration.reports.analysis import (
    annotator_answers,
    annotator_table,
    rule_decision_rows,
    too_few_to_compare,
)
from calibration.rounds import service
from calibration.wording import counted

# The scores come in two tables that each fit the main column of a 1280 px window (about 820 px):
# against gold (a calibration round), then agreement with the others and the outlier check. Each
# rule's decision and interval (rule_decisions, a long list) reads whole in the drill-down's per-rule
# table instead.
GOLD_COLUMNS = (
    "answers", "gold_items", "accuracy", "kappa_vs_gold", "passed", "failed_rules", "decision",
    "reused_items",
)  # fmt: skip
AGREEMENT_COLUMNS = ("agreement_alpha", "agreement_kappa", "robust_z", "outlier")
# Widths in pixels of the columns whose long texts wrap (tests/app/test_layout_1280.py pins them);
# the drill-down's columns up to the item text fit the main column of a 1280 px window (about 820 px).
NAME_WIDTH = 180
FAILED_RULES_WIDTH = 140
DECISION_WIDTH = 100
TEXT_WIDTH = 260
ANSWER_WIDTH = 140
RULES_WIDTH = 80
RULE_TITLE_WIDTH = 300
COMMENT_WIDTH = 320
# the item text gives up the room a label or rule id wider than its column takes (it wraps at spaces,
# a word breaks only when wider than a line): down to this width
TEXT_LEAST_WIDTH = 160
# the answer details the quiz may ask for, in a second drill-down table beside the item id
DETAIL_COLUMNS = ("confidence", "cited_rule", "unclear", "comment", "seconds")
EMPTY = "–"  # an empty cell (no value given), rather than "None"
# statistics of the scores tables and their decimals; per-annotator alpha and mean pairwise kappa are
# different statistics that nearly coincide when every annotator answers every item with similar label
# frequencies: three decimals tell them apart
STATISTIC_DIGITS = {
    "gold_items": 0, "accuracy": 2, "kappa_vs_gold": 2,
    "agreement_alpha": 3, "agreement_kappa": 3, "robust_z": 1,
}  # fmt: skip


def _answer_widths(answers: pd.DataFrame) -> dict[str, int]:
    """The drill-down's column widths: each label and rule id on one line (a label such as
    INTELLECTUAL_PROPERTY broke mid-word in 140 px), the item text taking what is left."""
    base = {"rules": RULES_WIDTH, "answer": ANSWER_WIDTH, "gold": ANSWER_WIDTH, "text": TEXT_WIDTH}
    shown = {c: ([str(v) for v in answers[c]] if c in answers.columns else [], w) for c, w in base.items()}
    return fitted_widths(shown, "text", TEXT_LEAST_WIDTH)


def _answers_row_height(answers: pd.DataFrame, widths: dict[str, int]) -> int | None:
    """The drill-down's row height: every answer, gold answer and item text whole in its column."""
    heights = [
        wrapped_row_height([str(v) for v in answers[column]], width)
        for column, width in widths.items()
        if column in answers.columns
    ]
    return max((h for h in heights if h is not None), default=None)


def _as_text(values: pd.Series, digits: int, mark: float | None = None) -> list[str]:
    """Numbers with `digits` decimals (more near `mark`, so that a fail never reads as the mark:
    `against_mark`), "–" for a missing one (the grid would show "None")."""
    return [EMPTY if _empty(v) else against_mark(float(v), mark, digits) for v in values]


def _cell(value: object) -> str:
    """A value as a cell's text: "–" when missing, a whole number without decimals (a confidence of 2,
    not 2.0 from a column with gaps)."""
    if _empty(value):
        return EMPTY
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _empty(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value) or value is pd.NA


def _row_height(*columns: tuple[Iterable[object], int]) -> int | None:
    """The row height that shows every text of each (texts, width) column whole."""
    heights = [wrapped_row_height([str(v) for v in texts], width) for texts, width in columns]
    return max((h for h in heights if h is not None), default=None)


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
            "(median and median absolute deviation, Iglewicz & Hoaglin 1993) of -3 or lower, "
            "given from 5 annotators with a score."
        )
        shown = format_statistics(table)
        # statistics as text: a missing one (one annotator has no agreement with others) reads "–"
        for column, digits in STATISTIC_DIGITS.items():
            if column in shown.columns:
                mark = analysis.guideline.calibration.pass_kappa if column == "kappa_vs_gold" else None
                shown[column] = _as_text(table[column], digits, mark)
        if "failed_rules" in shown.columns:  # text that wraps: every failed rule reads in its cell
            shown["failed_rules"] = [
                ", ".join(map(str, r)) if isinstance(r, list | tuple) else "" for r in shown["failed_rules"]
            ]
        number = st.column_config.NumberColumn

        def statistic(label: str, **config: Any) -> Any:
            return st.column_config.TextColumn(label, alignment="right", **config)

        names = [str(n) for n in shown.index]
        annotator = st.column_config.TextColumn("annotator", pinned=True, width=NAME_WIDTH)
        if "accuracy" in shown.columns:
            st.markdown("**Against gold**")
            if "decision" in shown.columns:
                shown["decision"] = [EMPTY if _empty(d) else str(d) for d in shown["decision"]]
            scores_row = _row_height(
                (names, NAME_WIDTH),
                (shown.get("failed_rules", []), FAILED_RULES_WIDTH),
                (shown.get("decision", []), DECISION_WIDTH),
            )
            st.dataframe(
                shown[[c for c in GOLD_COLUMNS if c in shown.columns]],
                key="annot_scores",
                width="stretch",
                row_height=scores_row,
                height=grid_height(len(shown), scores_row),  # every row whole (the default cut the last)
                column_config={
                    "_index": annotator,
                    "answers": number("answers", width=64),
                    "gold_items": statistic("gold", help="Answered items that have gold", width=48),
                    "accuracy": statistic(
                        "accuracy", help="Share of gold items answered like gold", width=70
                    ),
                    "kappa_vs_gold": statistic("kappa", help="Cohen's kappa with the gold answers", width=52),
                    "passed": st.column_config.CheckboxColumn("passed", width=56),
                    "failed_rules": st.column_config.TextColumn("failed rules", width=FAILED_RULES_WIDTH),
                    "decision": st.column_config.TextColumn(
                        "decision",
                        help="pass or fail when every rule is decided with the policy's confidence "
                        "(a rule decided fail fails); undecided: too few items on some rule to tell",
                        width=DECISION_WIDTH,
                    ),
                    "reused_items": number(
                        "reused",
                        help="Answers on quiz items seen in an earlier attempt (their gold answer was "
                        "shown): scored like the others, so a pass that rests on them is weaker evidence",
                        width=60,
                    ),
                },
            )
        st.markdown("**Agreement with the others**")
        st.dataframe(
            shown[
                [c for c in AGREEMENT_COLUMNS if c in shown.columns]
                if "accuracy" in shown.columns
                else ["answers", *(c for c in AGREEMENT_COLUMNS if c in shown.columns)]
            ],
            key="annot_agreement",
            width="stretch",
            row_height=(agreement_row := _row_height((names, NAME_WIDTH))),
            height=grid_height(len(shown), agreement_row),
            column_config={
                "_index": annotator,
                "answers": number("answers", width=64),
                "agreement_alpha": statistic(
                    "alpha",
                    help="Agreement with the others: Krippendorff's alpha over the pairs this annotator is in",
                    width=90,
                ),
                "agreement_kappa": statistic(
                    "kappa",
                    help="Agreement with the others: Cohen's kappa with each other annotator, averaged",
                    width=90,
                ),
                "robust_z": statistic("robust z", help=f"Robust z-score of the {basis}", width=90),
                "outlier": st.column_config.CheckboxColumn(
                    "outlier", help="robust z of -3 or lower: far below the others", width=70
                ),
            },
        )
        if reused:
            st.caption(
                "reused: answers on quiz items seen in an earlier attempt (their gold answer was shown); "
                "the drill-down marks them under seen."
            )
        outliers = table.index[table["outlier"]].tolist()
        too_few = too_few_to_compare(table, basis)
        if too_few:
            st.info(too_few, icon=":material/info:")
        elif outliers:
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
            decided = table["rule_decisions"].get(who) if "rule_decisions" in table.columns else None
            if isinstance(decided, list | tuple) and decided:
                st.markdown("**Per rule**")
                titles = {rule.id: rule.title for rule in analysis.guideline.rules}
                per_rule = rule_decision_rows(decided)
                per_rule.insert(1, "title", [titles.get(r, "") for r in per_rule["rule"]])
                st.dataframe(
                    per_rule,
                    key="annot_rule_decisions",
                    hide_index=True,
                    row_height=(rule_row := wrapped_row_height(per_rule["title"], RULE_TITLE_WIDTH)),
                    height=grid_height(len(per_rule), rule_row),
                    column_config={
                        "rule": st.column_config.TextColumn("rule", width=120),
                        "title": st.column_config.TextColumn("title", width=RULE_TITLE_WIDTH),
                        "decision": st.column_config.TextColumn(
                            "decision",
                            help="pass or fail once the answers show it with the policy's confidence; "
                            "undecided: too few items on the rule to tell",
                            width=110,
                        ),
                        "interval": st.column_config.TextColumn(
                            "interval", help="The credible interval of the accuracy on the rule", width=110
                        ),
                    },
                )
            wrong = int((answers["correct"] == False).sum()) if "correct" in answers else 0  # noqa: E712
            st.caption(
                f"{counted(len(answers), 'answer')}; {wrong} {'differs' if wrong == 1 else 'differ'} from gold."
            )
            only_wrong = st.toggle("Only answers that differ from gold", key="annot_only_wrong")
            if only_wrong and "correct" in answers:
                answers = answers[answers["correct"] == False]  # noqa: E712
            details = [c for c in DETAIL_COLUMNS if c in answers.columns]
            main = answers.drop(columns=details)
            widths = _answer_widths(main)
            st.dataframe(
                main,
                key="annot_answers",
                width="stretch",
                column_order=[c for c in FIRST_ANSWER_COLUMNS if c in main.columns]
                + [c for c in main.columns if c not in FIRST_ANSWER_COLUMNS],
                # long answers, gold answers and item texts wrap in their cells (read whole at 1280 px)
                row_height=(row_height := _answers_row_height(main, widths)),
                height=grid_height(len(main), row_height),
                column_config={
                    "_index": st.column_config.TextColumn("item", width=70),
                    "rules": st.column_config.TextColumn("rules", width=widths["rules"]),
                    "answer": st.column_config.TextColumn("answer", width=widths["answer"]),
                    "gold": st.column_config.TextColumn("gold", width=widths["gold"]),
                    "text": st.column_config.TextColumn("text", width=widths["text"]),
                    "correct": st.column_config.CheckboxColumn("correct", width=64),
                    "seen_before": st.column_config.CheckboxColumn(
                        "seen",
                        help="Seen before, in an earlier attempt (its gold answer was shown)",
                        width=52,
                    ),
                },
            )
            if details and not answers[details].isna().all().all():
                st.markdown("**What the annotator added to the answers**")
                extra = answers[details].astype(object)
                for column in ("confidence", "cited_rule", "comment"):
                    if column in extra.columns:
                        extra[column] = [_cell(v) for v in extra[column]]
                st.dataframe(
                    extra,
                    key="annot_answer_details",
                    width="stretch",
                    row_height=(
                        detail_row := wrapped_row_height(
                            [str(c) for c in extra.get("comment", [])], COMMENT_WIDTH
                        )
                    ),
                    height=grid_height(len(extra), detail_row),
                    column_config={
                        "_index": st.column_config.TextColumn("item", width=70),
                        "confidence": st.column_config.TextColumn(
                            "confidence", help="How sure the annotator said they were", width=90
                        ),
                        "cited_rule": st.column_config.TextColumn(
                            "cited rule", help="The rule the annotator said decided the answer", width=90
                        ),
                        "unclear": st.column_config.CheckboxColumn(
                            "unclear", help="The annotator marked the guideline unclear here", width=70
                        ),
                        "comment": st.column_config.TextColumn("comment", width=COMMENT_WIDTH),
                        "seconds": st.column_config.NumberColumn(
                            "seconds", help="Time spent on the item", format="%.1f", width=70
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
    st.dataframe(status, key="annot_certs", width="stretch", height=grid_height(len(status), None))
