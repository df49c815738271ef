"""Small caps against large caps: relative performance and excess returns.

Both functions align the two inputs on the dates they share (index intersection)
and take either total-return levels (``kind="level"``, e.g. adjusted closes) or
simple returns (``kind="returns"``, e.g. Ken French portfolio returns).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from capcycle._adapt import _check_dtype

__all__ = ["excess_returns", "relative_performance"]

_KINDS = ("level", "returns")


def _as_series(x: Any, arg: str) -> pd.Series:
    if isinstance(x, pd.DataFrame):
        if x.shape[1] != 1:
            raise TypeError(f"{arg} must be a Series or a one-column DataFrame, got {x.shape[1]} columns")
        x = x.iloc[:, 0]
    if isinstance(x, pd.Series):
        _check_dtype(x.dtype, arg)
        try:
            return x.astype("float64")
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{arg} must hold numbers: {exc}") from None
    if hasattr(x, "to_numpy") and not isinstance(x, np.ndarray):  # polars Series
        x = x.to_numpy()
    if not isinstance(x, np.ndarray):
        try:
            x = np.asarray(x)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{arg} must be a Series or a 1-D array of numbers: {exc}") from None
    if isinstance(x, np.ndarray):
        # Strings ("3"), objects and complex numbers are refused as everywhere else in
        # capcycle (capcycle._adapt), not parsed or truncated (tests/test_hostile.py).
        _check_dtype(x.dtype, arg)
    try:
        arr = np.asarray(x, dtype="float64")
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{arg} must be a Series or a 1-D array of numbers: {exc}") from None
    if arr.ndim != 1:
        raise TypeError(f"{arg} must be one-dimensional, got {arr.ndim} dimensions")
    return pd.Series(arr)


def _align(small: Any, large: Any, kind: str) -> tuple[pd.Series, pd.Series]:
    if kind not in _KINDS:
        raise ValueError(f"kind must be 'level' or 'returns', got {kind!r}")
    s, lg = _as_series(small, "small"), _as_series(large, "large")
    for arg, x in (("small", s), ("large", lg)):
        if not x.index.is_unique:
            raise ValueError(f"{arg} has duplicated dates in its index")
    common = s.index.intersection(lg.index, sort=False)
    common = common.sort_values() if not common.is_monotonic_increasing else common
    return s.reindex(common), lg.reindex(common)


def _name(small: pd.Series, large: pd.Series, op: str) -> str | None:
    if small.name is None or large.name is None:
        return None
    return f"{small.name}{op}{large.name}"


def _check_levels(x: pd.Series, arg: str) -> None:
    bad = x[x <= 0]
    if len(bad):
        raise ValueError(f"{arg} has a non-positive level {bad.iloc[0]!r} at {bad.index[0]}")
    _check_finite(x, arg, "level")


def _check_finite(x: pd.Series, arg: str, what: str) -> None:
    """An infinite price or return is a data error (a division by zero upstream), not a
    value to carry into every later ratio (tests/test_hostile.py)."""
    bad = x[np.isinf(x.to_numpy())]
    if len(bad):
        raise ValueError(f"{arg} has an infinite {what} at {bad.index[0]}; clean the data first")


def _levels_from_returns(r: pd.Series, arg: str) -> pd.Series:
    """Index with the first row as base 1; each later row compounds that row's return."""
    tail = r.iloc[1:]
    if tail.isna().any():
        raise ValueError(
            f"{arg} has a missing return at {tail.index[tail.isna().argmax()]} "
            "(only the first, base row may be NaN)"
        )
    if (tail <= -1).any():
        raise ValueError(f"{arg} has a return of -100% or less at {tail.index[(tail <= -1).argmax()]}")
    _check_finite(tail, arg, "return")
    if r.empty:
        return r.astype("float64")
    growth = np.concatenate([[1.0], 1.0 + tail.to_numpy()])
    with np.errstate(over="ignore"):
        levels = np.cumprod(growth)
    if not np.isfinite(levels).all():
        where = r.index[np.argmax(~np.isfinite(levels))]
        raise ValueError(f"{arg}: compounding the returns overflows float64 at {where}; are they in percent?")
    return pd.Series(levels, index=r.index)


def _common_levels(small: pd.Series, large: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The dates where both levels are known, each checked positive and finite."""
    keep = small.notna() & large.notna()
    small, large = small[keep], large[keep]
    _check_levels(small, "small")
    _check_levels(large, "large")
    return small, large


def relative_performance(small: Any, large: Any, *, kind: str = "level") -> pd.Series:
    """The ratio of two total-return indexes, rebased to 1 at the first common date.

    Parameters
    ----------
    small, large : Series (or array-like)
        Total-return levels (``kind="level"``, e.g. adjusted closes of IWM and IWB)
        or simple returns (``kind="returns"``, 0.01 is 1 %). Aligned on the dates
        both have (index intersection, in increasing order).
    kind : {"level", "returns"}
        ``"level"``: rows where either level is NaN are dropped; levels must be
        positive. ``"returns"``: each row's return is the change into that row, so
        the first common row is the base (its return is not used and may be NaN,
        as after ``pct_change()``); later NaN returns are an error.

    Returns
    -------
    pandas.Series
        small index / large index, 1.0 at the first common date; rising when small
        caps outperform. Named ``"<small>/<large>"`` when both inputs are named.

    Examples
    --------
    >>> import pandas as pd
    >>> from capcycle import relative_performance
    >>> idx = pd.to_datetime(["2024-07-10", "2024-07-11", "2024-07-12"])
    >>> small = pd.Series([100.0, 105.0, 106.0], idx, name="IWM")
    >>> large = pd.Series([200.0, 198.0, 200.0], idx, name="IWB")
    >>> relative_performance(small, large).round(4).tolist()
    [1.0, 1.0606, 1.06]
    """
    s, lg = _align(small, large, kind)
    if kind == "level":
        s, lg = _common_levels(s, lg)
    else:
        s, lg = _levels_from_returns(s, "small"), _levels_from_returns(lg, "large")
    if s.empty:
        raise ValueError("small and large have no date in common")
    ratio = s / lg
    out = ratio / ratio.iloc[0]
    out.name = _name(_as_series(small, "small"), _as_series(large, "large"), "/")
    return out


def excess_returns(small: Any, large: Any, *, kind: str = "level") -> pd.Series:
    """Simple return of ``small`` minus simple return of ``large``, date by date.

    Parameters
    ----------
    small, large : Series (or array-like)
        Total-return levels (``kind="level"``) or simple returns
        (``kind="returns"``), aligned on their common dates.
    kind : {"level", "returns"}
        ``"level"``: returns are computed between consecutive common dates where
        both levels are present, so the result starts at the second of them.
        ``"returns"``: r_small - r_large on every common date (NaN stays NaN).

    Returns
    -------
    pandas.Series
        Named ``"<small>-<large>"`` when both inputs are named.

    Examples
    --------
    >>> import pandas as pd
    >>> from capcycle import excess_returns
    >>> idx = pd.to_datetime(["2024-07-10", "2024-07-11"])
    >>> small = pd.Series([100.0, 105.0], idx)
    >>> large = pd.Series([200.0, 198.0], idx)
    >>> excess_returns(small, large).round(4).tolist()
    [0.06]
    """
    s, lg = _align(small, large, kind)
    if kind == "level":
        s, lg = _common_levels(s, lg)
        out = (s / s.shift(1) - 1.0) - (lg / lg.shift(1) - 1.0)
        out = out.iloc[1:]
    else:
        _check_finite(s, "small", "return")
        _check_finite(lg, "large", "return")
        out = s - lg
    out.name = _name(_as_series(small, "small"), _as_series(large, "large"), "-")
    return out
