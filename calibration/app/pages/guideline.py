"""Read a guideline: rules with examples and edge cases (gold answer and why), searchable, with rule anchors.

``guideline?version=id@version#rule-R-ID`` opens a version at a rule (feedback links here).
The quiz bank is never shown on this page.
"""

import streamlit as st

from calibration.app import state
from calibration.app.widgets.guideline_view import show_guideline
from calibration.errors import CalibrationError

user = state.require_role()
refs = state.published_refs()
if not refs:
    st.info("No guideline is published yet.", icon=":material/info:")
    st.stop()

wanted = st.query_params.get("version")
if wanted not in refs:
    mine = [round_.guideline_ref for round_, _ in state.my_rounds(user)]
    wanted = next((ref for ref in mine if ref in refs), refs[0])

if st.session_state.get("guideline_version") != wanted:  # the URL's version (a link, back/forward) wins
    st.session_state["guideline_version"] = wanted


def _version_to_url() -> None:
    """The version just picked goes into the URL (a reload keeps it). Only a pick writes it: writing the
    default on arrival added a second browser-history entry to every visit from the menu."""
    st.query_params["version"] = st.session_state["guideline_version"]


with st.sidebar:
    ref = st.selectbox("Guideline version", refs, key="guideline_version", on_change=_version_to_url)
    query = st.text_input("Search the rules", key="guideline_query", placeholder="e.g. cap, hold harmless")

try:
    guideline = state.guideline(ref)
except CalibrationError as error:
    state.render_error(error)
    st.stop()

shown = show_guideline(guideline, query=query or "")
if query:
    st.sidebar.caption(f"{shown} of {len(guideline.rules)} rules match.")
