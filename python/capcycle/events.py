"""capcycle.events (in progress)."""
