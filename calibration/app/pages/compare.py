"""Compare versions (lead, author): per-rule agreement and gold accuracy of two pilots, with the change's interval."""

from __future__ import annotations

import streamlit as st

from calibration.ambiguity.compare import (
    annotators_compared,
    compare_versions,
    follow_up_advice,
    left_out_note,
    no_verdict_reason,
    version_label,
)
from calibration.ambiguity.signals import number_text
from calibration.app import state
from calibration.app.widgets.grid import MISSING, grid_height, wrapped_row_height
from calibration.app.widgets.text import escape_markdown
from calibration.errors import CalibrationError
from calibration.guidelines import versions
from calibration.reports.charts import STATISTIC_NAMES, before_after_figure
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
    return compare_versions(before, after)


# Pilots only: a calibration quiz's answers are scored against gold, not a pilot of the rules' wording.
rounds = sorted(
    (r for r in service.list_rounds(state.get_engine()) if r.kind == "pilot"),
    key=lambda r: r.created_at,
    reverse=True,
)
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


# Rounds with answers first (a round created a minute ago has none), and among them the pair that
# shares the most measured items first: a barely started round (an adaptive pilot with a few answers)
# gives no verdict on any rule, so it is never the default. The rest stay offered after them.
answered = state.analysable_rounds()
shared = state.shared_items()
pairs = versions.most_shared_first(versions.answered_first(pairs, answered), shared)
cols = st.columns(2)
afters = list(dict.fromkeys(after for _, after in pairs))
after_id = cols[1].selectbox("After (newer version)", afters, index=0, format_func=_label, key="cmp_after")
befores = [before for before, after in pairs if after == after_id]
before_id = cols[0].selectbox(
    "Before (older version)", befores, index=0, format_func=_label, key="cmp_before"
)
common = len(shared.get(before_id, frozenset()) & shared.get(after_id, frozenset()))
default = (before_id, after_id) == pairs[0]
st.caption(
    f"These two rounds share {common} item{'' if common == 1 else 's'} answered by two or more "
    "annotators in each, the items the comparison rests on. "
    + (
        "The page opens on the pair of rounds, one per version, that shares the most, so a barely "
        "started round with a few answers is not the default."
        if default
        else "The pair that shares the most is "
        f"{escape_markdown(_label(pairs[0][0]))} and {escape_markdown(_label(pairs[0][1]))}."
    )
)
for chosen in (before_id, after_id):
    if chosen not in answered:
        st.warning(
            escape_markdown(service.unanswered_reason(state.get_engine(), chosen)),
            icon=":material/hourglass_empty:",
        )
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
who = annotators_compared(comparison)
if who:
    st.caption(escape_markdown(who))
VERDICT_BOX = {
    "improved": st.success,
    "worse": st.error,
    "unchanged": st.info,
    "not_enough_items": st.warning,
}
EMPTY = "–"  # a figure the comparison does not have
NO_VERDICT_WIDTH = 240  # "Why no verdict" wraps in taller rows at this width
VERDICT_WORDS = {
    "improved": "improved",
    "worse": "worse",
    "unchanged": "no clear change",
    "not_enough_items": "not enough items to tell",
    "rose_text_unchanged": "rose, text unchanged",
    "fell_text_unchanged": "fell, text unchanged",
}


def _pilot_more(entry) -> str:
    """How many more items to pilot for `entry` (a not_enough_items rule), in words (markdown-escaped: the
    sentence names the rule and the version)."""
    return escape_markdown(follow_up_advice(entry, version_label(comparison.after_ref)))


def _values(entry) -> str:
    """The statistic before → after, in words (a rule without items in both versions has none)."""
    name = STATISTIC_NAMES.get(entry.statistic, entry.statistic)
    if entry.before != entry.before or entry.after != entry.after:  # NaN: not measured
        return f"{name} not measured in both versions"
    return f"{name} {number_text(entry.before)} → {number_text(entry.after)}"


for entry in changed:
    if entry.verdict == "not_enough_items":
        # no change or interval shown: with too few items they say nothing (often +0.00, 0 to 0)
        line = f"{_values(entry)}; {_pilot_more(entry)}."
    else:
        line = (
            f"{_values(entry)} (change {number_text(entry.difference, sign=True)}, 95% interval of the "
            f"change {number_text(entry.ci95[0], sign=True)} to {number_text(entry.ci95[1], sign=True)})."
        )
    note = left_out_note(entry)
    line += f" {escape_markdown(note[0].upper() + note[1:])}." if note else ""
    VERDICT_BOX[entry.verdict](
        f"{escape_markdown(entry.rule_id)} (changed): {VERDICT_WORDS[entry.verdict]}. {line}"
    )
if not changed:
    st.info("No rule changed between these versions.")
moved = [r for r in comparison.rules if r.verdict in ("rose_text_unchanged", "fell_text_unchanged")]
if moved:
    # not the rewrite's doing: said apart from the rewritten rules, with the change the test found
    found = ", ".join(
        f"{r.rule_id} {'rose' if r.verdict == 'rose_text_unchanged' else 'fell'} ({number_text(r.difference, sign=True)})"
        for r in moved
    )
    st.caption(
        escape_markdown(
            f"Agreement moved on rules whose text did not change: {found}. Not the rewrite's doing: the "
            "annotators, the items or other rules changed, or chance."
        )
    )
short = [r for r in comparison.rules if r.verdict == "not_enough_items"]
# A rewritten rule says how many more items to pilot in its box above: said once, the list has the others.
unchanged_short = [r for r in short if not r.text_changed]
if unchanged_short:
    st.markdown(
        "**Not enough items to tell on rules whose text did not change:**"
        if len(unchanged_short) < len(short)
        else "**Not enough items to tell:**"
    )
    st.markdown("\n".join(f"- {escape_markdown(r.rule_id)}: {_pilot_more(r)}" for r in unchanged_short))
if short:
    st.download_button(
        "Download the first-look comparison (JSON)",
        data=comparison.first_look_json,  # built on click
        file_name="first-look.json",
        mime="application/json",
        key="cmp_first_look",
        icon=":material/download:",
    )
    st.caption(
        "Pilot the new items asked for above in both versions, then compare their answers alone with "
        "`calibration compare OLD.csv NEW.csv --first-look first-look.json`: the verdict combines both looks."
    )
# A rule without a verdict has no change to show: its interval is often "0 to 0" only because every
# item moved by the same amount (or too few items were answered). "–" and the reason, not a measurement.
measured = comparison.table()
if not measured.empty:
    reasons = {r.rule_id: no_verdict_reason(r) for r in comparison.rules}
    unmeasured = measured.index.map(lambda rule: reasons.get(rule) is not None).to_numpy(dtype=bool)
    measured.loc[unmeasured, ["difference", "ci_low", "ci_high"]] = float("nan")
    measured["no_verdict"] = [reasons.get(rule) or "" for rule in measured.index]
st.plotly_chart(
    before_after_figure(measured, before_label=comparison.before_ref, after_label=comparison.after_ref),
    key="cmp_chart",
    width="stretch",
)
st.caption(
    "Grey bars: the older version; blue bars: the newer one; the word above a blue bar is the verdict. "
    "The height is the majority share: the share of an item's answers that agree with its most common "
    "answer, averaged over the rule's items."
)


def _signed(value: float) -> str:
    return number_text(value, sign=True, missing=EMPTY)  # NaN (no verdict): "–", never "None"


def _number(value: float) -> str:
    return number_text(value, missing=EMPTY)


# two tables that fit the page at 1280 px, every value as text ("–" where there is none): agreement with
# its verdict and the reason for none, then the accuracy against gold when the rounds have gold
if not measured.empty:
    table = measured[[]].copy()
    table["changed"] = measured["text_changed"].map({True: "✎ changed", False: ""})
    table["before"] = [_number(v) for v in measured["before"]]
    table["after"] = [_number(v) for v in measured["after"]]
    table["difference"] = [_signed(v) for v in measured["difference"]]
    table["interval"] = [
        EMPTY if low != low else f"{number_text(low, sign=True)} to {number_text(high, sign=True)}"
        for low, high in zip(measured["ci_low"], measured["ci_high"], strict=True)
    ]
    table["verdict"] = measured["verdict"].map(lambda v: VERDICT_WORDS.get(v, v))
    table["no_verdict"] = measured["no_verdict"]
    measures = sorted({STATISTIC_NAMES.get(s, s) for s in measured["statistic"]})
    st.caption(escape_markdown(f"Measure: {', '.join(measures)}, before → after, item by item."))
    _COLUMN = st.column_config.TextColumn
    st.dataframe(
        table,
        key="cmp_table",
        width="stretch",
        row_height=(row_height := wrapped_row_height(table["no_verdict"], NO_VERDICT_WIDTH)),
        height=grid_height(len(table), row_height),  # whole rows, the rest scroll
        placeholder=MISSING,
        column_config={
            "_index": _COLUMN("Rule", help="rule_id", width=90),
            "changed": _COLUMN(
                "Text", help="text_changed: the rule's text differs between the versions", width=80
            ),
            "before": _COLUMN(
                "Before", help="before: the older version's value", width=56, alignment="right"
            ),
            "after": _COLUMN("After", help="after: the newer version's value", width=56, alignment="right"),
            "difference": _COLUMN(
                "Change", help="difference: after minus before, item by item", width=62, alignment="right"
            ),
            "interval": _COLUMN(
                "95% interval", help="ci_low to ci_high: the change's interval (the verdict's)", width=110
            ),
            "verdict": _COLUMN(
                "Verdict",
                help="verdict: improved, worse, unchanged, not_enough_items, or rose/fell with the text unchanged",
                width=120,
            ),
            "no_verdict": _COLUMN(
                "Why no verdict",
                help="no_verdict: why the change is not shown (–): too few items, or every item moved alike",
                width=NO_VERDICT_WIDTH,
            ),
        },
    )
    if measured[["gold_before", "gold_after"]].notna().any().any():
        gold = measured[[]].copy()
        gold["gold_before"] = [_number(v) for v in measured["gold_before"]]
        gold["gold_after"] = [_number(v) for v in measured["gold_after"]]
        gold["gold_difference"] = [_signed(v) for v in measured["gold_difference"]]
        gold["gold_verdict"] = measured["gold_verdict"].map(lambda v: VERDICT_WORDS.get(v, v))
        st.markdown("**Accuracy against gold**")
        st.dataframe(
            gold,
            key="cmp_gold_table",
            width="stretch",
            height=grid_height(len(gold), None),
            placeholder=MISSING,
            column_config={
                "_index": _COLUMN("Rule", help="rule_id", width=90),
                "gold_before": _COLUMN(
                    "Before", help="gold_before: share of answers matching gold", width=70
                ),
                "gold_after": _COLUMN("After", help="gold_after", width=70),
                "gold_difference": _COLUMN("Change", help="gold_difference", width=70),
                "gold_verdict": _COLUMN("Verdict", help="gold_verdict", width=160),
            },
        )
skewed = [r.rule_id for r in comparison.rules if r.skewed]
if skewed:
    st.caption(
        escape_markdown(
            "One answer dominates (most items get the same answer, so a high majority share says little "
            f"about the guideline; read the gold accuracy too): {', '.join(skewed)}."
        )
    )
