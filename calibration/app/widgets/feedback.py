"""Feedback after answering: gold answer, rationale and rule text per item; the end-of-quiz result.

Callers pass an item here only once it is answered (its gold answer is then allowed on the page).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from calibration.agreement.gold import against_mark, exact_percent, needed_correct
from calibration.app.widgets.grid import wrapped_row_height
from calibration.app.widgets.guideline_view import answer_markdown, rule_link
from calibration.app.widgets.text import author_markdown, escape_markdown, show_input


def is_correct(guideline: Any, item: Any, answer: Any) -> bool | None:
    """Whether a stored answer equals the item's gold answer (None when the item has no gold).

    A boxes answer is correct when every box matches a gold box (F1 = 1, see `box_credit`).
    """
    from calibration.answers import parse_answer
    from calibration.errors import CalibrationError

    if item.answer is None:
        return None
    if guideline.task.type == "boxes":
        credit = box_credit(guideline, item, answer)
        return credit is not None and credit.f1 == 1.0
    try:
        task = guideline.task
        return parse_answer(task, answer, item.input) == parse_answer(task, item.answer, item.input)
    except CalibrationError:
        return False


def span_credit(guideline: Any, item: Any, answer: Any) -> Any:
    """How a span answer matches the item's gold spans (`SpanMatch`), or None (not a span item, no gold)."""
    from calibration.agreement.gold import span_match
    from calibration.answers import parse_answer
    from calibration.errors import CalibrationError

    if guideline.task.type != "span" or item.answer is None:
        return None
    try:
        task = guideline.task
        return span_match(parse_answer(task, answer, item.input), parse_answer(task, item.answer, item.input))
    except CalibrationError:
        return None


@dataclass(frozen=True)
class BoxCredit:
    """How a boxes answer matches the item's gold boxes: the checks per box and the counts."""

    checks: list[Any]
    right: int
    gold: int
    given: int
    f1: float


def box_credit(guideline: Any, item: Any, answer: Any) -> BoxCredit | None:
    """The per-box checks of a boxes answer against gold (`calibration.reports.boxes.check_boxes`) and
    its F1 (`calibration.boxes.score_boxes`, as the quiz's score), or None (not a boxes item, no gold,
    or an answer that does not parse)."""
    from calibration.answers import parse_answer
    from calibration.boxes import score_boxes
    from calibration.errors import CalibrationError
    from calibration.reports.boxes import check_boxes

    if guideline.task.type != "boxes" or item.answer is None:
        return None
    task = guideline.task
    try:
        mine = list(parse_answer(task, answer, item.input))
        gold = list(parse_answer(task, item.answer, item.input))
    except CalibrationError:
        return None
    score = score_boxes(mine, gold, float(task.min_iou))
    checks = check_boxes(mine, gold, float(task.min_iou))
    return BoxCredit(checks, score.correct, score.gold, score.given, score.f1)


def box_credit_text(credit: BoxCredit) -> str:
    """``F1 0.67: 1 of 2 gold boxes right`` (with ``, 1 extra`` for boxes that match no gold box)."""
    extra = credit.given - credit.right
    return (
        f"F1 {credit.f1:.2f}: {credit.right} of {credit.gold} gold box{'es' if credit.gold != 1 else ''} right"
        + (f", {extra} extra" if extra else "")
    )


def _box_feedback(guideline: Any, item: Any, answer: Any, credit: BoxCredit | None) -> None:
    """The verdict, then the gold boxes drawn over the annotator's with the IoU of each match."""
    from calibration.answers import parse_answer
    from calibration.app.widgets.boxes import box_feedback
    from calibration.app.widgets.images import input_image

    given = (
        "no box"
        if credit is None or credit.given == 0
        else f"{credit.given} box" + ("es" * (credit.given != 1))
    )
    if credit is None:
        st.info(f"Your answer: {given}.  \nThis item has no gold answer.", icon=":material/info:")
    elif credit.f1 == 1.0 and credit.given == 0:
        st.success(
            "Correct. Your answer: no box, and there is nothing to box.", icon=":material/check_circle:"
        )
    elif credit.f1 == 1.0:
        st.success(
            f"Correct. Your answer: {given}, every one matches a gold box.", icon=":material/check_circle:"
        )
    elif credit.right:
        st.warning(f"Partly right, {box_credit_text(credit)}. Your answer: {given}.", icon=":material/rule:")
    else:
        st.error(f"Not quite, {box_credit_text(credit)}. Your answer: {given}.", icon=":material/cancel:")
    image = input_image(guideline.ref, item.input)
    if image is None:
        st.warning("The image of this item is not in the database.", icon=":material/broken_image:")
        return
    mine = parse_answer(guideline.task, answer, item.input) if credit is not None else ()
    gold = parse_answer(guideline.task, item.answer, item.input) if item.answer is not None else ()
    box_feedback(guideline.task, image, mine, gold)


def credit_text(match: Any) -> str:
    """``F1 0.67: 2 of 3 spans right`` (with ``, 1 extra`` for marked spans that are not gold)."""
    extra = match.given - match.right
    return f"F1 {match.f1:.2f}: {match.right} of {match.gold} span{'s' if match.gold != 1 else ''} right" + (
        f", {extra} extra" if extra else ""
    )


def _show_image(guideline: Any, item: Any) -> None:
    """An item's image (other task types than boxes: image classification), if it has one."""
    if getattr(item.input, "image", None):
        from calibration.app.widgets.images import show_input_image

        show_input_image(guideline.ref, item.input)


def show_rules_of(guideline: Any, item: Any) -> None:
    """The text of the rules an item exercises, each with a link to it on the guideline page: the rule
    governing the gold label first and open, the others folded (`Guideline.feedback_rules`)."""
    for index, rule in enumerate(guideline.feedback_rules(item)):
        with st.expander(f"Rule {rule.id} · {escape_markdown(rule.title)}", expanded=index == 0):
            st.markdown(author_markdown(rule.text))
            st.markdown(f"[Open this rule in the guideline]({rule_link(guideline.ref, rule.id)})")


def show_item_feedback(
    guideline: Any, item: Any, answer: Any, *, show_input_again: bool = True, actions: Any = None
) -> None:
    """Feedback on one answered item: right or wrong, the gold answer, why, then the rules.

    Args:
        actions: an optional zero-argument function drawn between the rationale and the rule text
            (the quiz's "Next item" button), so it is in view without scrolling.
    """
    correct = is_correct(guideline, item, answer)
    if guideline.task.type == "boxes":
        if show_input_again and bool(getattr(item.input, "text", None)):
            show_input(guideline.task.type, item.input)
        _box_feedback(guideline, item, answer, box_credit(guideline, item, answer))
        if item.why:
            st.markdown("**Why:** " + author_markdown(item.why))
        if actions is not None:
            actions()
        show_rules_of(guideline, item)
        return
    if show_input_again:
        _show_image(guideline, item)
        show_input(guideline.task.type, item.input)
    yours = answer_markdown(guideline, item.input, answer)
    if correct is None:
        st.info("Your answer: " + yours + "  \nThis item has no gold answer.", icon=":material/info:")
        if actions is not None:
            actions()
        return
    match = None if correct else span_credit(guideline, item, answer)
    if correct:
        st.success("Correct. Your answer: " + yours, icon=":material/check_circle:")
    elif match is not None and match.right:
        st.warning(f"Partly right, {credit_text(match)}. Your answer: " + yours, icon=":material/rule:")
        st.markdown("**Gold answer:** " + answer_markdown(guideline, item.input, item.answer))
    else:
        st.error("Not quite. Your answer: " + yours, icon=":material/cancel:")
        st.markdown("**Gold answer:** " + answer_markdown(guideline, item.input, item.answer))
    if item.why:
        st.markdown("**Why:** " + author_markdown(item.why))
    if actions is not None:
        actions()
    show_rules_of(guideline, item)


_TABLE_COLUMNS = [
    "rule", "title", "items", "correct", "needed", "accuracy", "decision", "interval", "reread", "link",
]  # fmt: skip

RESULT_TABLE_WIDTH = 800
"""Pixels the per-rule result table may take: the main column is about 820 px wide in a 1280 px window
with the sidebar open, and a wider table hides its last columns (the interval, reread, the link)."""
RESULT_COLUMN_WIDTHS: dict[str, int] = {
    "rule": 96, "title": 150, "items": 52, "correct": 62, "needed": 62, "accuracy": 92, "decision": 78,
    "interval": 82, "reread": 58, "link": 68,
}  # fmt: skip
"""Width in pixels of each column of the per-rule result table (together within `RESULT_TABLE_WIDTH`;
a long rule title wraps onto more lines: `wrapped_row_height`)."""


def interval_text(decision: dict[str, Any] | None) -> str:
    """A rule's credible interval of the accuracy, e.g. "55%–98%" ("–" when not decided on)."""
    if not decision or decision.get("acc_low") is None or decision.get("acc_high") is None:
        return "–"
    return f"{float(decision['acc_low']):.0%}–{float(decision['acc_high']):.0%}"


def per_rule_table(guideline: Any, score: dict[str, Any]) -> pd.DataFrame:
    """The per-rule breakdown of a score: rule, title, items, correct, needed, accuracy (in percent),
    the decision with its credible interval (`calibration.agreement.decisions`), and reread.

    ``needed`` is the fewest correct answers that pass the rule with the policy's exact threshold
    (None when the policy has no rule threshold), so the table agrees with the check.
    """
    failed = set(score.get("failed_rules") or ())
    threshold = guideline.calibration.pass_rule_accuracy
    decisions = score.get("rule_decisions") or {}
    rows = []
    for rule_id, values in (score.get("per_rule") or {}).items():
        try:
            title = guideline.rule(rule_id).title
        except KeyError:
            title = ""
        n_items = values.get("n_items")
        accuracy = values.get("accuracy")
        decided = decisions.get(rule_id)
        rows.append(
            {
                "rule": rule_id,
                "title": title,
                "items": n_items,
                "correct": values.get("n_correct"),
                "needed": needed_correct(threshold, int(n_items))
                if threshold is not None and n_items
                else None,
                "accuracy": None if accuracy is None else 100 * float(accuracy),
                "decision": (decided or {}).get("decision") or "–",
                "interval": interval_text(decided),
                "reread": rule_id in failed,
                "link": rule_link(guideline.ref, rule_id),
            }
        )
    return pd.DataFrame(rows, columns=_TABLE_COLUMNS)


def kappa_not_applied(score: dict[str, Any] | None) -> bool:
    """Whether the scoring replaced the kappa mark by accuracy (kappa undefined or not applicable)."""
    return "kappa_not_available" in ((score or {}).get("flags") or ())


def kappa_missing_reason(score: dict[str, Any] | None) -> str:
    """Why an attempt has no kappa against gold, in words (`calibration.agreement.gold`)."""
    if "undefined_single_category" in ((score or {}).get("flags") or ()):
        return "kappa is undefined when the gold answers all have one label"
    return "this task has no kappa against gold"


def pass_requirements(policy: Any, score: dict[str, Any] | None = None) -> list[str]:
    """What a pass needs, in words, with the policy's exact thresholds (never rounded up).

    With a `score`, the rule criterion also says how many correct answers a rule needs for each
    number of items the quiz had (e.g. "a rule with 3 items needs 3 correct").
    """
    if policy.policy == "adaptive":
        return ["every rule decided pass by the adaptive quiz's sequential test"]
    needs = []
    if policy.pass_kappa is not None:
        if kappa_not_applied(score) and (policy.pass_accuracy or 0) >= policy.pass_kappa:
            # the accuracy mark listed next is the stricter one: "80% in its place" then "85%" confused
            needs.append(
                f"kappa ≥ {policy.pass_kappa:g} (not applied: {kappa_missing_reason(score)}, so the "
                "accuracy mark decides)"
            )
        elif kappa_not_applied(score):
            needs.append(
                f"kappa ≥ {policy.pass_kappa:g} (not applied: {kappa_missing_reason(score)}, so "
                f"accuracy ≥ {exact_percent(policy.pass_kappa)} decides in its place)"
            )
        else:
            needs.append(f"kappa ≥ {policy.pass_kappa:g}")
    if policy.pass_accuracy is not None:
        needs.append(f"accuracy ≥ {exact_percent(policy.pass_accuracy)}")
    if policy.pass_rule_accuracy is not None:
        text = f"every rule ≥ {exact_percent(policy.pass_rule_accuracy)} of its items"
        sizes = sorted(
            {int(v.get("n_items") or 0) for v in ((score or {}).get("per_rule") or {}).values()} - {0}
        )
        if sizes:
            text += (
                " ("
                + ", ".join(f"{needed_correct(policy.pass_rule_accuracy, n)} of {n} correct" for n in sizes)
                + ")"
            )
        needs.append(text)
    return needs


def decision_caption(guideline: Any) -> str:
    """How to read the decision column, with the policy's confidence."""
    confidence = guideline.calibration.decision_confidence
    if guideline.calibration.policy == "adaptive":
        return (
            "Decision: the adaptive quiz's sequential test, with error rates of at most about "
            f"{1 - confidence:.0%} each way: pass once your answers show you are clearly above the mark, "
            "fail once they show you are clearly below it, undecided when the items ran out first. "
            f"Interval: the {2 * confidence - 1:.0%} credible interval of your accuracy on the items you "
            "were given, chosen to tell the two apart (often harder than average)."
        )
    return (
        f"Decision: pass or fail once the answers show, with {confidence:.0%} certainty, that your "
        "accuracy on the rule is above or below the mark; undecided means too few items to tell. "
        f"Interval: the {2 * confidence - 1:.0%} credible interval of your accuracy (Beta(1, 1) prior)."
    )


_CREDIT_HELP = "A right item counts 1. A span item counts the F1 of your spans against the gold spans."


def _points(score: dict[str, Any]) -> str:
    """Items right, or points with partial credit (span items count their F1) when that differs."""
    right, credit = score.get("n_correct", 0), score.get("credit")
    if credit is None or abs(credit - right) < 1e-9:
        return str(right)
    return f"{credit:.2f}"


def _percent(value: Any) -> str:
    return "–" if value is None else exact_percent(float(value))


def _result_columns(guideline: Any) -> dict[str, Any]:
    """Column config of the per-rule result table: short headers and fixed widths
    (`RESULT_COLUMN_WIDTHS`), so every column shows in a 1280 px window."""
    confidence = guideline.calibration.decision_confidence
    width = RESULT_COLUMN_WIDTHS
    column = st.column_config
    return {
        "rule": column.TextColumn("Rule", width=width["rule"]),
        "title": column.TextColumn("Title", width=width["title"]),
        "items": column.NumberColumn("Items", width=width["items"]),
        "correct": column.NumberColumn("Correct", width=width["correct"]),
        "needed": column.NumberColumn(
            "Needed", help="Correct answers this rule needs", width=width["needed"]
        ),
        "accuracy": column.ProgressColumn(
            "Accuracy", min_value=0.0, max_value=100.0, format="%.4g%%", width=width["accuracy"]
        ),
        "decision": column.TextColumn("Decision", width=width["decision"]),
        "interval": column.TextColumn(
            "Interval",
            help=f"The {2 * confidence - 1:.0%} credible interval of your accuracy on the rule",
            width=width["interval"],
        ),
        "reread": column.CheckboxColumn("Reread", width=width["reread"]),
        "link": column.LinkColumn("Guideline", display_text="open rule", width=width["link"]),
    }


def show_result(guideline: Any, result: Any, retake: str | None = None) -> None:
    """The end of a calibration quiz: score, kappa against gold, pass or fail, and rules to reread.

    `retake`: the sentence about the due retake (`service.retake_status`, as Home shows it), said in
    the one banner of a result that did not pass rather than in a second one.
    """
    score = result.score or {}
    if result.passed:
        st.success(f"Passed. You are certified on {guideline.ref}.", icon=":material/workspace_premium:")
    else:
        st.error(
            f"{retake} Reread the rules marked below."
            if retake
            else "Not passed yet. Reread the rules marked below.",
            icon=":material/school:",
        )
    c1, c2, c3 = st.columns(3)
    c1.metric("Score", f"{_points(score)} / {score.get('n_items', 0)}", help=_CREDIT_HELP)
    c2.metric("Accuracy", _percent(score.get("accuracy")))
    kappa = score.get("kappa")
    if guideline.task.type == "boxes":  # no category per item: kappa has no meaning, say what counts
        c3.metric(
            "A box is right at",
            f"IoU ≥ {float(guideline.task.min_iou):.2f}",
            help="with the gold box's label; an item is right when every box is (F1 = 1)",
        )
    else:
        c3.metric(
            "Cohen's kappa vs gold",
            "–" if kappa is None else against_mark(float(kappa), guideline.calibration.pass_kappa),
            help=kappa_missing_reason(score) if kappa is None else None,
        )
    st.caption("To pass: " + ", ".join(pass_requirements(guideline.calibration, score)))
    reasons = list(score.get("reasons") or ())
    if reasons:
        # a pass can carry notes too (items reused from an earlier attempt, docs/calibration.md)
        title = "Notes on this result" if result.passed else "Why the quiz did not pass"
        with st.expander(title, expanded=False):
            for reason in reasons:
                st.markdown("- " + escape_markdown(reason))
    table = per_rule_table(guideline, score)
    if not table.empty:
        st.subheader("Per rule")
        if guideline.calibration.pass_rule_accuracy is None or guideline.calibration.policy == "adaptive":
            # no rule criterion, or the adaptive quiz's sequential test (the decision column) decides
            # a rule rather than a count of correct answers: no "needed" mark that does not apply
            table = table.drop(columns=["needed"])
        st.dataframe(
            table,
            hide_index=True,
            width="stretch",
            column_config=_result_columns(guideline),
            # a long rule title wraps in its cell instead of being cut (read whole at 1280x800)
            row_height=wrapped_row_height(table["title"], RESULT_COLUMN_WIDTHS["title"]),
            height="content",  # every rule in view, taller rows or not
        )
        st.caption(decision_caption(guideline))
        to_reread = table[table["reread"]]
        if not to_reread.empty:
            st.markdown(
                "**Reread:** "
                + ", ".join(
                    f"[{escape_markdown(r.rule)} · {escape_markdown(r.title)}]({r.link})"
                    for r in to_reread.itertuples()
                )
            )


def show_review(guideline: Any, items: dict[str, Any], attempt: Any) -> None:
    """Every item of a finished attempt: the answer given, right or wrong, the gold answer, why, the rule cited."""
    st.subheader("Your answers")
    for position, item_id in enumerate(attempt.items, start=1):
        item = items.get(item_id)
        response = attempt.answers.get(item_id)
        if item is None or response is None:
            continue
        correct = is_correct(guideline, item, response.answer)
        icon = {True: ":material/check_circle:", False: ":material/cancel:", None: ":material/info:"}[correct]
        verdict = {True: "correct", False: "not correct", None: "no gold answer"}[correct]
        match = span_credit(guideline, item, response.answer) if correct is False else None
        if match is None and correct is False:
            match = box_credit(guideline, item, response.answer)
        if match is not None and match.right:  # a partly right span or boxes answer: its F1, not a cross
            icon, verdict = ":material/contrast:", f"◐ partly right, F1 {match.f1:.2f}"
        with st.expander(f"Item {position} · {verdict}", expanded=correct is False, icon=icon):
            if response.cited_rule:
                st.caption("Rule you cited: " + escape_markdown(response.cited_rule))
            show_item_feedback(guideline, item, response.answer)
