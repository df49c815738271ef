"""capcycle.figures (in progress)."""
