"""capcycle.data (in progress)."""
