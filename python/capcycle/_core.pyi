# Type stubs for the native module capcycle._core (built from src/python/*.rs).
# Users call the typed wrappers in capcycle.rolling / events / valuation instead.

import numpy as np
import numpy.typing as npt

__version__: str
__all__ = [
    "EVENT_SUMMARY_STATS",
    "__version__",
    "_after_fork_in_child",
    "event_paths",
    "event_source_rows",
    "event_summary",
    "quality_rank",
    "rolling",
    "rolling_pair",
    "valuation_center_scale_1d",
    "valuation_percentile_rank",
    "valuation_zscore",
]

# Registered with os.register_at_fork by capcycle/__init__.py: the child runs its
# parallel kernels on a pool of its own (the parent's worker threads do not survive fork).
def _after_fork_in_child() -> None: ...

# --- rolling ---
# x: 1-D, or 2-D with time along axis 0. `window` is a row count, or with `times`
# (sorted int64, e.g. ns) a duration in those units. `first_row` (>= 0): the global
# row index of x's first row; a chunk with window - 1 rows of overlap that passes it
# gets the in-memory bits of its complete windows (durations ignore it).
def rolling(
    x: npt.NDArray[np.float64],
    stat: str,
    window: int,
    min_periods: int,
    *,
    ddof: int = 1,
    q: float = 0.5,
    times: npt.NDArray[np.int64] | None = None,
    first_row: int = 0,
) -> npt.NDArray[np.float64]: ...
def rolling_pair(
    y: npt.NDArray[np.float64],
    x: npt.NDArray[np.float64],
    stat: str,
    window: int,
    min_periods: int,
    *,
    ddof: int = 1,
    times: npt.NDArray[np.int64] | None = None,
    first_row: int = 0,
) -> npt.NDArray[np.float64]: ...

# --- valuation --- (src/python/valuation.rs; typed wrappers in capcycle.valuation)
# kind: "full" | "rolling" (window rows >= 1) | "expanding"; min_periods=None: the
# kind's default (window for rolling, else 1). Empty or all-NaN x: ValueError.
# first_row (>= 0): the global row of x's first row, as in `rolling` (chunked callers).

# x: 1-D, or 2-D with time along axis 0 (columns in parallel).
def valuation_zscore(
    x: npt.NDArray[np.float64],
    kind: str,
    window: int,
    *,
    center: str = "median",
    scale: str = "std",
    min_periods: int | None = None,
    ddof: int = 1,
    first_row: int = 0,
) -> npt.NDArray[np.float64]: ...
def valuation_center_scale_1d(
    x: npt.NDArray[np.float64],
    kind: str,
    window: int,
    *,
    center: str = "median",
    scale: str = "std",
    min_periods: int | None = None,
    ddof: int = 1,
    first_row: int = 0,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...
def valuation_percentile_rank(
    x: npt.NDArray[np.float64], kind: str, window: int, *, min_periods: int | None = None
) -> npt.NDArray[np.float64]: ...

# --- end valuation ---

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

def event_summary(
    time: npt.NDArray[np.int64],
    values: npt.NDArray[np.float64],
    event_rows: npt.NDArray[np.int64],
    before: int,
    after: int,
    unit: str = "trading_days",
    kind: str = "level",
) -> npt.NDArray[np.float64]:
    """(before + after + 1, n_series * 6): mean, median, min, max, std (ddof=1), count
    per series and offset, straight from the values (no paths built)."""

# --- end events ---------------------------------------------------------------------

# --- quality (src/python/quality.rs; wrapped by capcycle.quality) -------------------

# Average rank of each row of a 2-D x (one date per row, firms along it), NaN skipped;
# pct=True divides by the row's count of non-NaN values. C-ordered output.
def quality_rank(x: npt.NDArray[np.float64], *, pct: bool = True) -> npt.NDArray[np.float64]: ...

# --- end quality --------------------------------------------------------------------
