"""capcycle.rolling (in progress)."""
