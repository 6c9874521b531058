"""Interoperability: importers for labeling tools' exports and exporters of gold sets and configs."""
