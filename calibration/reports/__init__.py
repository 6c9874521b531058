"""Reports: plotly figures and shareable HTML/markdown reports built from analysis results."""
