"""guidelines."""
