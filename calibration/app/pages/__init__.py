"""Streamlit pages: one short script per page."""
