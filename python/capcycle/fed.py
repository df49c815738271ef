"""capcycle.fed (in progress)."""
