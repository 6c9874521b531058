"""Round picking and cached round analyses shared by the lead's analysis pages (dashboard, annotators...).

A round's data and analysis are cached keyed by the database, the round and its latest response
marker (`calibration.app.state.latest_response_marker`), so a rerun of a page (a click on a chart)
reuses them and a new answer refreshes them. They are kept with ``st.cache_resource``: one shared,
read-only object per key. ``st.cache_data`` would unpickle a copy on every rerun, which for a round
of 100,000 answers (and its guideline's quiz bank) costs more than a second per click.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from calibration.app import state
from calibration.app.widgets.grid import MISSING
from calibration.app.widgets.text import escape_markdown
from calibration.errors import CalibrationError
from calibration.reports.analysis import RoundAnalysis, analyse_round, unanalysable_reason
from calibration.reports.tables import (
    describe_flag,
    flag_name,
    items_side_by_side,
    kappa_paradox_note,
)
from calibration.responses import items_of_rule

if TYPE_CHECKING:
    from calibration.ambiguity.queue import RevisionQueue


ROUND_PARAM = "round"
"""The query parameter naming a round-scoped page's round (``dashboard?round=4``): reload, deep links
and back/forward keep the round."""


def pick_round(
    key: str, *, kinds: Sequence[str] | None = None, label: str = "Round", analysable_first: bool = False
) -> Any | None:
    """A select box of the rounds (newest first); the chosen service ``Round`` or None when there is none.

    The round in the URL (``?round=<id>``) is chosen on load, on a reload and on back/forward; choosing
    another round writes it into the URL (one history entry). A round id in the URL that is not listed
    here (unknown, deleted, or of another kind) is said in a warning, and the page shows its usual round.

    Args:
        key: widget key (carry the page's prefix).
        kinds: only rounds of these kinds ("pilot", "calibration").
        label: widget label.
        analysable_first: open on the newest round whose agreement can be analysed (two or more
            annotators on shared items, `service.analysable_rounds`) rather than the newest round,
            and mark the others "no agreement yet". For pages that show agreement.
    """
    from calibration.rounds import service

    engine = state.get_engine()
    rounds = [r for r in service.list_rounds(engine) if kinds is None or r.kind in kinds]
    if not rounds:
        return None
    rounds = sorted(rounds, key=lambda r: r.created_at, reverse=True)
    by_id = {r.id: r for r in rounds}
    analysable = state.analysable_rounds() if analysable_first else set(by_id)
    default = next((r.id for r in rounds if r.id in analysable), rounds[0].id)
    choice = _round_in_url(by_id, kinds) or st.session_state.get(key)
    if choice not in by_id:
        choice = default
    if st.session_state.get(key) != choice:  # through session state: the browser is told the choice too
        st.session_state[key] = choice

    def describe(rid: Any) -> str:
        text = f"{by_id[rid].name} · {by_id[rid].kind} · {by_id[rid].guideline_ref}"
        return text if rid in analysable else f"{text} · no agreement yet"

    chosen = st.selectbox(
        label, list(by_id), format_func=describe, key=key, on_change=_round_to_url, args=(key,)
    )
    return by_id.get(chosen)


def _round_in_url(by_id: dict[Any, Any], kinds: Sequence[str] | None) -> Any | None:
    """The listed round the URL names (``?round=<id>``), or None; a warning when it names no listed round."""
    raw = st.query_params.get(ROUND_PARAM)
    if raw is None:
        return None
    wanted = state.round_id_param(raw)
    if wanted in by_id:
        return wanted
    why = (
        f"no round has that id, or it is not a {' or '.join(kinds)} round"
        if kinds
        else "no round has that id"
    )
    st.warning(
        f"The link asks for round {escape_markdown(repr(raw))}, which cannot be shown here ({why}). "
        "Showing the round chosen below instead.",
        icon=":material/link_off:",
    )
    return None


def _round_to_url(key: str) -> None:
    """Write the round just chosen in the select box `key` into the URL (a reload keeps it)."""
    st.query_params[ROUND_PARAM] = str(st.session_state[key])


def show_flags(codes: Sequence[str], figures: Any = None, *, prefix: str = "") -> None:
    """Flags in words: a short name and the sentence, the code in the tooltip; the kappa paradox explained.

    Args:
        codes: flag codes (``few_items``, ``skewed_prevalence`` ...).
        figures: the statistics block or rule row the flags belong to, for the kappa paradox note
            (`calibration.reports.tables.kappa_paradox_note`); None leaves its figures out.
        prefix: words put before each flag's name, e.g. "Whole round:".
    """
    for code in codes:
        code = str(code)
        st.markdown(
            f"{prefix} :orange-badge[:material/flag: {flag_name(code)}] {describe_flag(code)}".strip(),
            help=f"Flag code: `{code}`",
        )
    if "skewed_prevalence" in codes:
        st.info(kappa_paradox_note(figures if figures is not None else {}), icon=":material/balance:")


def explain_unanalysable(responses: pd.DataFrame) -> bool:
    """Show why the round's agreement cannot be analysed (one annotator, no shared item); True if shown."""
    reason = unanalysable_reason(responses)
    if reason is None:
        return False
    st.info(reason, icon=":material/info:")
    return True


_CACHE_KEY = "_analysis_round_cache_key"
"""Session-state key of the (round id, database URL, response marker) `round_analysis` last read."""


@state.round_cache
@st.cache_resource(max_entries=8, show_spinner="Analysing the round…")
def _shared_analysis(url: str | None, round_id: Any, marker: str, with_scores: bool) -> RoundAnalysis:
    return analyse_round(state.cached_round_analysis(round_id, marker), with_scores=with_scores)


def round_analysis(
    round_: Any, *, scores: bool = False, agreement: bool = False
) -> tuple[state.RoundData, RoundAnalysis] | None:
    """The round's data and analysis (cached until the round gets a new answer), or None with a message.

    Both are shared across sessions: treat them as read-only.

    Args:
        round_: the service's ``Round``.
        scores: also score each annotator against gold (`RoundAnalysis.scores`); the dashboard
            does without, which keeps its first render fast on large rounds.
        agreement: the page shows agreement: when the round has none to measure (one annotator,
            no shared item) say why (`explain_unanalysable`) and return None.

    Shows an info box when the round has no answers yet and an error box for a `CalibrationError`.
    """
    try:
        url, marker = state.database_url(), state.latest_response_marker(round_.id)
        st.session_state[_CACHE_KEY] = (round_.id, url, marker)  # for rule_items in the same run
        data = state.cached_round_analysis(round_.id, marker)
        if data.responses.empty:
            st.info("No answers in this round yet. Come back when annotators have started.")
            return None
        if agreement and explain_unanalysable(data.responses):
            return None
        analysis = _shared_analysis(url, round_.id, marker, scores)
    except CalibrationError as error:
        state.render_error(error)
        return None
    return data, analysis


@state.round_cache
@st.cache_resource(max_entries=8, show_spinner="Ranking the rules…")
def _shared_queue(url: str | None, round_id: Any, marker: str, fitted: str) -> RevisionQueue:
    from calibration.ambiguity.queue import revision_queue  # lazy: the dashboard does without
    from calibration.rounds import item_model

    data = state.cached_round_analysis(round_id, marker)
    report = _shared_analysis(url, round_id, marker, False).report  # the dashboard's: the same report
    suspects = item_model.suspects_of_version(state.get_engine(), data.guideline.ref) if fitted else None
    return revision_queue(data, report=report, item_suspects=suspects)


def round_queue(round_: Any, fitted: str = "") -> RevisionQueue:
    """The round's revision queue from its shared analysis (`round_analysis`'s report), cached like it.

    Call it after `round_analysis` in the same run (it reuses the response marker that one read).
    Shared across sessions and reruns: treat it as read-only.

    Args:
        round_: the service's ``Round``.
        fitted: when the guideline's item model was fitted (ISO time), "" without one: a refit
            gives a new queue, with the model's suspect quiz items as evidence.

    Raises:
        CalibrationError: from the queue (e.g. no answered item mapped to a rule).
    """
    url, marker = _analysed_marker(round_)
    return _shared_queue(url, round_.id, marker, fitted)


def _analysed_marker(round_: Any) -> tuple[str | None, str]:
    """(database URL, response marker) that `round_analysis` read for this round in this run, else fresh."""
    key = st.session_state.get(_CACHE_KEY)
    if key is not None and key[0] == round_.id and key[1] == state.database_url():
        return key[1], key[2]  # what round_analysis just read (spares a query per run)
    return state.database_url(), state.latest_response_marker(round_.id)


@state.round_cache
@st.cache_resource(max_entries=32, show_spinner=False)
def _shared_rule_items(
    url: str | None, round_id: Any, marker: str, rule_id: str
) -> tuple[list[str], pd.DataFrame]:
    data = state.cached_round_analysis(round_id, marker)
    item_ids = items_of_rule(data.item_rules, rule_id)
    return item_ids, items_side_by_side(data.guideline, data.responses, data.gold, item_ids)


def rule_items(round_: Any, rule_id: str) -> tuple[list[str], pd.DataFrame]:
    """The items tagged with a rule and their answers side by side, cached like the round's analysis.

    Shared across sessions and reruns (a click on a chart reruns the page): treat both as read-only.

    Call it after `round_analysis` in the same run: it reuses the response marker that one read.

    Args:
        round_: the service's ``Round`` (whose data `round_analysis` loaded).
        rule_id: the rule.

    Returns:
        (item ids of the rule, `calibration.reports.tables.items_side_by_side` of those items).
    """
    url, marker = _analysed_marker(round_)
    return _shared_rule_items(url, round_.id, marker, str(rule_id))


def selected_point(event: Any) -> dict[str, Any] | None:
    """The first selected point of a plotly selection (dict access, as AppTest injects dicts), or None.

    Axis values come back unescaped (the charts escape labels for plotly).
    """
    try:
        points = event["selection"]["points"]
    except (KeyError, TypeError, IndexError):
        return None
    if not points:
        return None
    point = dict(points[0])
    for axis in ("x", "y"):
        if isinstance(point.get(axis), str):
            point[axis] = html.unescape(point[axis])
    return point


def clickable_chart(figure: Any, key: str) -> Any:
    """Show `figure` full width, a click on a point rerunning the page; its selection (`chart_event`)."""
    returned = st.plotly_chart(figure, key=key, on_select="rerun", selection_mode="points", width="stretch")
    return chart_event(key, returned)


def chart_event(key: str, returned: Any) -> Any:
    """The selection of a chart: what `st.plotly_chart` returned, else what session state holds."""
    if returned is not None:
        try:
            if returned["selection"]["points"]:
                return returned
        except (KeyError, TypeError):
            pass
    return st.session_state.get(key)


def number_cells(values: Any, digits: int = 2) -> list[str]:
    """Numbers as cell texts with `digits` decimals (the figure a card shows with ``number_text``), "–"
    (`MISSING`) for a missing one. Show them in a right-aligned ``TextColumn``: the grid drew a missing
    number as "None" whatever a Styler's ``na_rep`` said (it keeps display values only for cells that
    have a value)."""
    from calibration.ambiguity.signals import number_text

    return [MISSING if v is None or v != v else number_text(float(v), digits) for v in values]


def interval_cells(lows: Any, highs: Any, digits: int = 2) -> list[str]:
    """Intervals as cell texts, ``-0.13 to 1.00``, "–" when either end is missing."""
    low_texts, high_texts = number_cells(lows, digits), number_cells(highs, digits)
    return [
        MISSING if MISSING in (low, high) else f"{low} to {high}"
        for low, high in zip(low_texts, high_texts, strict=True)
    ]


def format_statistics(frame: pd.DataFrame, digits: int = 2) -> pd.DataFrame:
    """Round float columns for display (NaN shown as empty by st.dataframe)."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):
            out[column] = out[column].round(digits) + 0.0  # + 0.0: -0.0 (a tiny negative) shows as 0.00
    return out
