"""capcycle.cli (in progress)."""
