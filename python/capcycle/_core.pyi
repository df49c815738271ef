# Type stubs for the native module capcycle._core (built from src/python/*.rs).
# Users call the typed wrappers in capcycle.rolling / events / valuation instead.

import numpy as np
import numpy.typing as npt

__version__: str

# --- events (src/python/events.rs; wrapped by capcycle.events) ---------------------

EVENT_SUMMARY_STATS: list[str]  # ["mean", "median", "min", "max", "std", "count"]

def event_paths(
    time: npt.NDArray[np.int64],
    values: npt.NDArray[np.float64],
    event_rows: npt.NDArray[np.int64],
    before: int,
    after: int,
    unit: str = "trading_days",
    kind: str = "level",
) -> npt.NDArray[np.float64]:
    """(before + after + 1, n_series * n_events) paths, column s * n_events + e."""

def event_source_rows(
    time: npt.NDArray[np.int64],
    event_rows: npt.NDArray[np.int64],
    offsets: npt.NDArray[np.int64],
    unit: str = "trading_days",
) -> npt.NDArray[np.int64]:
    """(len(offsets), n_events) row of each offset, -1 before or past the data."""

def event_summary(paths: npt.NDArray[np.float64], n_events: int) -> npt.NDArray[np.float64]:
    """(offsets, n_series * 6): mean, median, min, max, std (ddof=1), count per series."""

# --- end events ---------------------------------------------------------------------
