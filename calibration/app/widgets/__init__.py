"""Answer widgets per task type."""
