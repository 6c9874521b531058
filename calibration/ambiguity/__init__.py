"""Ambiguous rules: per-rule signals with evidence, the ranked revision queue, before/after comparison."""
