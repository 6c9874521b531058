"""ambiguity."""
