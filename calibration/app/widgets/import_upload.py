"""Import a pilot from another labeling tool (rounds page): upload, dry run, label renames, import.

Every value from the file (labels, item ids, annotator ids, the file name) is shown as plain text
(`st.code`, or markdown escaped first), never as HTML. Errors are `CalibrationError`s shown with
`state.render_error`; nothing is written until the lead presses "Import", and then in one transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import streamlit as st

from calibration.app import state
from calibration.app.navigation import spec
from calibration.app.widgets.text import escape_markdown
from calibration.errors import CalibrationError
from calibration.interop.common import UnknownLabelsError
from calibration.interop.importing import FORMATS, MAX_IMPORT_BYTES
from calibration.rounds.importing import ImportReport, import_file

FORMAT_NAMES = {
    "labelstudio": "Label Studio (full JSON export)",
    "prodigy": "Prodigy (JSONL, db-out)",
    "doccano": "doccano (JSONL, or the zip of one file per user)",
    "argilla": "Argilla (JSON or JSONL records)",
    "csv": "CSV, long (item_id, annotator_id, answer)",
    "csv-wide": "CSV, wide (item_id and one column per annotator)",
    "coco": "COCO JSON (boxes; one file per annotator, or an annotator field)",
    "cvat": "CVAT for images 1.1 XML (boxes; one job per annotator)",
}
FILE_TYPES = ["json", "jsonl", "zip", "csv", "txt", "xml"]
MAX_UPLOAD_MB = MAX_IMPORT_BYTES // 2**20

_CHECKED = "imp_checked"  # signature of the inputs the last dry run was asked for
_RENAMES = "imp_renames"  # {old label: guideline label} chosen in the rename form
_DONE = "imp_done"  # (round id, round name, report lines) of the last import
_DRY_RUN = "imp_dry_run"  # (signature, report or error) of the last dry run
_RECHECK = "imp_recheck"  # set when renames were applied: check again without another click


_OPTION_INPUTS = {  # format -> (importer option, label, widget key, placeholder)
    "labelstudio": (
        "control",
        "Control tag name (only when the labeling config has several answer controls)",
        "imp_control",
        "e.g. sentiment",
    ),
    "argilla": (
        "question",
        "Question name (only when the dataset has several label questions)",
        "imp_question",
        "e.g. label",
    ),
    "csv-wide": (
        "ignore_columns",
        "Columns to ignore (comma-separated; not annotators)",
        "imp_ignore",
        "e.g. text, notes",
    ),
    "coco": (
        "annotator",
        "Annotator of the file (optional; default: an annotator field on each annotation, else the file name)",
        "imp_annotator",
        "e.g. bea",
    ),
    "cvat": (
        "annotator",
        "Annotator of the file (optional; default: the job's assignee, else the file name)",
        "imp_annotator",
        "e.g. bea",
    ),
}


def _options(fmt: str) -> dict[str, Any]:
    """The importer options for `fmt`, from inputs shown only for the formats that take them."""
    if fmt not in _OPTION_INPUTS:
        return {}
    option, label, key, placeholder = _OPTION_INPUTS[fmt]
    value = st.text_input(label, key=key, placeholder=placeholder).strip()
    if option == "ignore_columns":
        return {option: [c.strip() for c in value.split(",") if c.strip()]}
    return {option: value or None}


def _signature(*parts: Any) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else repr(part).encode())
        digest.update(b"\x00")
    return digest.hexdigest()


def _dry_run(signature: str, run: Callable[[], ImportReport]) -> ImportReport | CalibrationError:
    """The dry run's report (or user error) for these inputs, kept for the session so that other
    clicks on the page do not read a large file again."""
    kept = st.session_state.get(_DRY_RUN)
    if kept is None or kept[0] != signature:
        try:
            kept = (signature, run())
        except CalibrationError as error:
            kept = (signature, error)
        st.session_state[_DRY_RUN] = kept
    return kept[1]


def _show_report(report: ImportReport) -> None:
    """Counts as metrics, then the report's lines (unmatched items, skipped answers, warnings) as text."""
    summary = report.to_dict()
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Items", summary["n_items"] - len(report.left_out))
    c2.metric("Annotators", summary["n_annotators"])
    c3.metric("Answers", summary["n_responses"])
    c4.metric("Gold answers", summary["n_gold"])
    st.code("\n".join(report.lines()), language=None, wrap_lines=True)
    if report.left_out:
        st.warning(
            f"{len(report.left_out)} item(s) matched no rule and would be left out: upload an item-to-rule "
            "map (item_id,rule_id) above to keep them.",
            icon=":material/warning:",
        )


def _rename_form(error: UnknownLabelsError) -> None:
    """Where each unknown label occurs, and a form renaming each to one of the guideline's labels."""
    st.markdown("**Labels the guideline does not know**: rename each to one of its labels, then check again.")
    for label, places in error.unknown.items():
        shown = ", ".join(dict.fromkeys(places[:10])) + (
            f" and {len(places) - 10} more" if len(places) > 10 else ""
        )
        st.code(f"{label!r}: used {len(places)} time(s): {shown}", language=None, wrap_lines=True)
    with st.form("imp_rename_form"):
        choices: dict[str, Any] = {}
        for i, label in enumerate(error.unknown):
            choices[label] = st.selectbox(
                f"Rename {escape_markdown(repr(label))} to",
                error.labels,
                index=None,
                placeholder="choose a label of the guideline",
                key=f"imp_rename_{i}",
            )
        applied = st.form_submit_button("Apply the renames", key="imp_rename_apply", icon=":material/edit:")
    if applied:
        chosen = {old: new for old, new in choices.items() if new}
        if not chosen:
            st.error("Choose a guideline label for at least one unknown label.", icon=":material/error:")
            return
        st.session_state[_RENAMES] = {**st.session_state.get(_RENAMES, {}), **chosen}
        st.session_state[_RECHECK] = True  # show the dry run with the renames straight away
        st.rerun()


def _show_done() -> None:
    round_id, name, lines = st.session_state[_DONE]
    st.success(
        f"Imported into the new pilot round {escape_markdown(repr(name))}.", icon=":material/check_circle:"
    )
    st.code("\n".join(lines), language=None, wrap_lines=True)
    if st.button("Open it in the agreement dashboard", key="imp_dashboard", icon=":material/insights:"):
        st.switch_page(spec("dashboard.py").script, query_params={"round": str(round_id)})


def import_section(engine: Any, user: Any, refs: list[str]) -> None:
    """The "Import a pilot from another tool" section of the rounds page (lead only: the page checks).

    Args:
        engine: the store.
        user: the signed-in lead (the import's actor).
        refs: published guideline versions (``id@version``) to import against.
    """
    with st.expander("Import a pilot from another tool", icon=":material/upload_file:"):
        if _DONE in st.session_state:
            _show_done()
        fmt = st.selectbox("Format", list(FORMATS), format_func=FORMAT_NAMES.__getitem__, key="imp_format")
        upload = st.file_uploader(
            f"Export file (up to {MAX_UPLOAD_MB} MB)",
            type=FILE_TYPES,
            key="imp_file",
            max_upload_size=MAX_UPLOAD_MB,
        )
        rules_upload = st.file_uploader(
            "Item-to-rule map (optional CSV with columns item_id,rule_id)",
            type=["csv"],
            key="imp_item_rules",
            max_upload_size=16,
        )
        ref = st.selectbox("Guideline version the answers follow", refs, key="imp_ref")
        name = st.text_input(
            "Round name (optional)", key="imp_round_name", placeholder="default: the file name and the time"
        )
        options = _options(fmt)
        models_text = st.text_input(
            "Model annotators (optional, comma-separated annotator ids whose answers are a model's)",
            key="imp_models",
            placeholder="e.g. clauses-gpt (Label Studio predictions and Argilla suggestions need none)",
        )
        models = [m.strip() for m in models_text.split(",") if m.strip()]
        renames: dict[str, str] = st.session_state.get(_RENAMES, {})
        if renames:
            st.code("\n".join(f"{old!r} -> {new}" for old, new in renames.items()), language=None)
            if st.button("Forget the renames", key="imp_renames_clear", icon=":material/undo:"):
                st.session_state.pop(_RENAMES, None)
                st.rerun()
        if upload is None or ref is None:
            st.caption(
                "Upload an export and choose the guideline version, then check what would be imported."
            )
            return
        data = upload.getvalue()
        rules_data = rules_upload.getvalue() if rules_upload is not None else None
        args = dict(
            fmt=fmt,
            data=data,
            filename=upload.name,
            guideline_ref=ref,
            item_rules=rules_data,
            round_name=name.strip() or None,
            map_labels=renames or None,
            options=options,
            model_annotators=models,
        )
        signature = _signature(
            fmt, data, rules_data, ref, name.strip(), sorted(options.items()), renames, models
        )
        recheck = st.session_state.pop(_RECHECK, False)
        if (
            st.button("Check what would be imported (dry run)", key="imp_check", icon=":material/fact_check:")
            or recheck
        ):
            st.session_state[_CHECKED] = signature
            st.session_state.pop(_DONE, None)
            st.session_state.pop(_DRY_RUN, None)  # a click always reads the file (and the store) afresh
        if st.session_state.get(_CHECKED) != signature:
            return
        outcome = _dry_run(signature, lambda: import_file(engine, actor=user, dry_run=True, **args))
        if isinstance(outcome, CalibrationError):
            state.render_error(outcome)
            if isinstance(outcome, UnknownLabelsError):
                _rename_form(outcome)
            return
        report = outcome
        _show_report(report)
        if st.button("Import", type="primary", key="imp_import", icon=":material/upload:"):
            # the round gets the name the dry run announced (the default name holds the time)
            args["round_name"] = report.round_name
            try:
                done = import_file(engine, actor=user, **args)
            except CalibrationError as error:
                state.render_error(error)
                return
            assert done.round is not None  # not a dry run: the round exists
            st.session_state[_DONE] = (done.round.id, done.round_name, done.lines())
            st.session_state.pop(_CHECKED, None)
            st.session_state.pop(_DRY_RUN, None)
            st.session_state.pop(_RENAMES, None)
            st.session_state["rounds_pick"] = done.round.id
            st.rerun()
