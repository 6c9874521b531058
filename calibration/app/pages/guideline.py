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

with st.sidebar:
    ref = st.selectbox("Guideline version", refs, index=refs.index(wanted), key="guideline_version")
    query = st.text_input("Search the rules", key="guideline_query", placeholder="e.g. cap, hold harmless")
if ref != st.query_params.get("version"):
    st.query_params["version"] = ref

try:
    guideline = state.guideline(ref)
except CalibrationError as error:
    state.render_error(error)
    st.stop()

shown = show_guideline(guideline, query=query or "")
if query:
    st.sidebar.caption(f"{shown} of {len(guideline.rules)} rules match.")
