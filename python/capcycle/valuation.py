"""capcycle.valuation (in progress)."""
