"""Reports: round analyses, tables, plotly figures and shareable HTML/markdown reports. No streamlit.

Modules: `analysis` (``analyse_round(data: Annotations) -> RoundAnalysis``), `tables`, `charts`,
`html` (``render_round_report``), `adjudication`, `exports`, `boxes`, `drilldown`.
"""
