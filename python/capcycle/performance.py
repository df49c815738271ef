"""Small caps against large caps: relative performance and excess returns.

Both functions align the two inputs on the dates they share (index intersection)
and take either total-return levels (``kind="level"``, e.g. adjusted closes) or
simple returns (``kind="returns"``, e.g. Ken French portfolio returns).

Inputs and outputs keep their library: pandas in, pandas out; polars in, polars
out. A polars DataFrame holds one Date/Datetime column (the dates, matched between
the two inputs like a pandas index) and one value column; the result is a polars
DataFrame with ``small``'s date column and one value column. Inputs without dates
(numpy arrays, lists, polars Series) are matched by position and must have the same
length (against a pandas Series too, whose dates the result keeps, as in pandas'
``Series / ndarray``); a polars Series in gives a polars Series out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np
import pandas as pd

from capcycle._adapt import _check_dtype

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl

__all__ = ["excess_returns", "relative_performance"]

Kind = Literal["level", "returns"]
_KINDS = ("level", "returns")


def _is_polars(x: Any) -> bool:
    return type(x).__module__.split(".")[0] == "polars"


@dataclass(frozen=True)
class _PolarsDates:
    """How to give a result back to polars: the date column's name and dtype (None
    for a polars Series, which has no dates)."""

    column: str | None
    dtype: Any


def _polars_frame_to_pandas(x: Any, arg: str) -> tuple[pd.Series, _PolarsDates]:
    import polars as pl

    dates = [c for c, t in x.schema.items() if t == pl.Date or isinstance(t, pl.Datetime)]
    values = [c for c in x.columns if c not in dates]
    if len(dates) != 1 or len(values) != 1:
        raise TypeError(
            f"{arg}: a polars DataFrame must have one Date/Datetime column and one value column, got columns "
            f"{x.columns} ({len(dates)} of them dates); select two first, e.g. df.select('date', 'close')"
        )
    col = x[dates[0]]
    index = pd.DatetimeIndex(col.to_numpy(), name=dates[0])
    if index.hasnans:
        raise ValueError(f"{arg}: the date column {dates[0]!r} has a missing date (null)")
    zone = getattr(col.dtype, "time_zone", None)
    if zone is not None:  # polars hands out UTC wall time
        index = index.tz_localize("UTC").tz_convert(zone)
    series = pd.Series(x[values[0]].to_numpy(), index=index, name=values[0])
    return series, _PolarsDates(dates[0], col.dtype)


def _from_polars(small: Any, large: Any) -> tuple[Any, Any, _PolarsDates | None]:
    """pandas stand-ins for polars inputs (or the inputs themselves), and how to go back."""
    if not (_is_polars(small) or _is_polars(large)):
        return small, large, None
    import polars as pl

    if type(small) is not type(large) or not isinstance(small, (pl.DataFrame, pl.Series)):
        raise TypeError(
            f"small, large: got {type(small).__module__.split('.')[0]} {type(small).__name__} and "
            f"{type(large).__module__.split('.')[0]} {type(large).__name__}; pass two polars DataFrames "
            "(a date and a value column each) or two polars Series, or convert with .to_pandas()"
        )
    if isinstance(small, pl.Series):
        _same_length(len(small), len(large))
        named = [pd.Series(x.to_numpy(), name=x.name or None) for x in (small, large)]
        return named[0], named[1], _PolarsDates(None, None)
    s, meta = _polars_frame_to_pandas(small, "small")
    lg, _ = _polars_frame_to_pandas(large, "large")
    return s, lg, meta


def _to_polars(out: pd.Series, meta: _PolarsDates) -> pl.DataFrame | pl.Series:
    import polars as pl

    name = "" if out.name is None else str(out.name)
    values = pl.Series(name, out.to_numpy(dtype=np.float64))
    if meta.column is None:
        return values
    index = pd.DatetimeIndex(out.index)
    if index.tz is not None:
        index = index.tz_convert("UTC").tz_localize(None)
    # polars takes numpy datetimes in ms, us or ns only (pandas 3 may hold seconds)
    dates = pl.Series(meta.column, index.as_unit("ns" if index.unit == "ns" else "us").to_numpy())
    zone = getattr(meta.dtype, "time_zone", None)
    if zone is not None:
        dates = dates.dt.replace_time_zone("UTC").dt.convert_time_zone(zone)
    return pl.DataFrame([dates.cast(meta.dtype), values])


def _keeping_library(
    compute: Callable[[Any, Any, str], pd.Series], small: Any, large: Any, kind: str
) -> pd.Series | pl.DataFrame | pl.Series:
    """Run ``compute`` on pandas stand-ins of polars inputs and give polars back."""
    s, lg, meta = _from_polars(small, large)
    out = compute(s, lg, kind)
    return out if meta is None else _to_polars(out, meta)


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


def _same_length(n_small: int, n_large: int) -> None:
    """Without dates nothing says which rows match: a silent cut to the shorter input
    would pair different days (issue 12)."""
    if n_small != n_large:
        raise ValueError(
            f"small, large: {n_small} and {n_large} values without dates; pass the same length, "
            "or Series with a DatetimeIndex (matched by date)"
        )


def _align(small: Any, large: Any, kind: str) -> tuple[pd.Series, pd.Series]:
    if kind not in _KINDS:
        raise ValueError(f"kind must be 'level' or 'returns', got {kind!r}")
    s, lg = _as_series(small, "small"), _as_series(large, "large")
    dated = [isinstance(x, (pd.Series, pd.DataFrame)) for x in (small, large)]
    if not all(dated):
        # Without dates on one side, rows pair by position (as in pandas' Series /
        # ndarray), on the other side's dates if it has them.
        _same_length(len(s), len(lg))
        if dated[0]:
            lg = lg.set_axis(s.index)
        elif dated[1]:
            s = s.set_axis(lg.index)
    for arg, x in (("small", s), ("large", lg)):
        if not x.index.is_unique:
            raise ValueError(f"{arg} has duplicated dates in its index")
    common = s.index.intersection(lg.index, sort=False)
    if common.empty:
        raise ValueError("small and large have no date in common")
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
            f"{arg} has a missing return at {tail.index[int(tail.isna().argmax())]} "
            "(only the first, base row may be NaN)"
        )
    if (tail <= -1).any():
        raise ValueError(f"{arg} has a return of -100% or less at {tail.index[int((tail <= -1).argmax())]}")
    _check_finite(tail, arg, "return")
    growth = np.concatenate([[1.0], 1.0 + tail.to_numpy()])
    with np.errstate(over="ignore"):
        levels = np.cumprod(growth)
    if not np.isfinite(levels).all():
        where = r.index[int(np.argmax(~np.isfinite(levels)))]
        raise ValueError(f"{arg}: compounding the returns overflows float64 at {where}; are they in percent?")
    return pd.Series(levels, index=r.index)


def _common_levels(small: pd.Series, large: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The dates where both levels are known, each checked positive and finite."""
    keep = small.notna() & large.notna()
    if not keep.any():
        raise ValueError("small and large have no date where both levels are known (not NaN)")
    small, large = small[keep], large[keep]
    _check_levels(small, "small")
    _check_levels(large, "large")
    return small, large


@overload
def relative_performance(
    small: pd.Series | pd.DataFrame, large: pd.Series | pd.DataFrame, *, kind: Kind = "level"
) -> pd.Series: ...
@overload
def relative_performance(
    small: pl.DataFrame, large: pl.DataFrame, *, kind: Kind = "level"
) -> pl.DataFrame: ...
@overload
def relative_performance(small: pl.Series, large: pl.Series, *, kind: Kind = "level") -> pl.Series: ...
@overload
def relative_performance(small: Any, large: Any, *, kind: Kind = "level") -> pd.Series: ...
def relative_performance(
    small: Any, large: Any, *, kind: Kind = "level"
) -> pd.Series | pl.DataFrame | pl.Series:
    """The ratio of two total-return indexes, rebased to 1 at the first common date.

    Parameters
    ----------
    small, large : Series, polars DataFrame or Series, or array-like
        Total-return levels (``kind="level"``, e.g. adjusted closes of IWM and IWB)
        or simple returns (``kind="returns"``, 0.01 is 1 %). Aligned on the dates
        both have (index intersection, in increasing order); a polars DataFrame's
        dates are its Date/Datetime column (see the module docstring). Inputs
        without dates are matched by position and must have the same length (an
        array against a Series: by position, on the Series' dates).
    kind : {"level", "returns"}
        ``"level"``: rows where either level is NaN are dropped; levels must be
        positive. ``"returns"``: each row's return is the change into that row, so
        the first common row is the base (its return is not used and may be NaN,
        as after ``pct_change()``); later NaN returns are an error.

    Returns
    -------
    pandas.Series, polars DataFrame or polars Series
        small index / large index, 1.0 at the first common date; rising when small
        caps outperform. Named ``"<small>/<large>"`` when both inputs are named.
        polars in, polars out: a DataFrame with ``small``'s date column and the
        ratio, or a Series.

    Examples
    --------
    >>> import pandas as pd
    >>> from capcycle import relative_performance
    >>> idx = pd.to_datetime(["2024-07-10", "2024-07-11", "2024-07-12"])
    >>> small = pd.Series([100.0, 105.0, 106.0], idx, name="IWM")
    >>> large = pd.Series([200.0, 198.0, 200.0], idx, name="IWB")
    >>> relative_performance(small, large).round(4).tolist()
    [1.0, 1.0606, 1.06]

    The same with polars:

    >>> import polars as pl
    >>> frame = lambda s: pl.DataFrame({"date": list(s.index.date), s.name: s.to_numpy()})
    >>> relative_performance(frame(small), frame(large))["IWM/IWB"].round(4).to_list()
    [1.0, 1.0606, 1.06]
    """
    return _keeping_library(_relative_performance, small, large, kind)


def _relative_performance(small: Any, large: Any, kind: str) -> pd.Series:
    s, lg = _align(small, large, kind)
    if kind == "level":
        s, lg = _common_levels(s, lg)
    else:
        s, lg = _levels_from_returns(s, "small"), _levels_from_returns(lg, "large")
    ratio = s / lg
    out: pd.Series = ratio / ratio.iloc[0]
    out.name = _name(_as_series(small, "small"), _as_series(large, "large"), "/")
    return out


@overload
def excess_returns(
    small: pd.Series | pd.DataFrame, large: pd.Series | pd.DataFrame, *, kind: Kind = "level"
) -> pd.Series: ...
@overload
def excess_returns(small: pl.DataFrame, large: pl.DataFrame, *, kind: Kind = "level") -> pl.DataFrame: ...
@overload
def excess_returns(small: pl.Series, large: pl.Series, *, kind: Kind = "level") -> pl.Series: ...
@overload
def excess_returns(small: Any, large: Any, *, kind: Kind = "level") -> pd.Series: ...
def excess_returns(small: Any, large: Any, *, kind: Kind = "level") -> pd.Series | pl.DataFrame | pl.Series:
    """Simple return of ``small`` minus simple return of ``large``, date by date.

    Parameters
    ----------
    small, large : Series, polars DataFrame or Series, or array-like
        Total-return levels (``kind="level"``) or simple returns
        (``kind="returns"``), aligned on their common dates (see
        :func:`relative_performance` for polars and inputs without dates).
    kind : {"level", "returns"}
        ``"level"``: returns are computed between consecutive common dates where
        both levels are present, so the result starts at the second of them.
        ``"returns"``: r_small - r_large on every common date (NaN stays NaN).

    Returns
    -------
    pandas.Series, polars DataFrame or polars Series
        Named ``"<small>-<large>"`` when both inputs are named; polars in, polars
        out (as :func:`relative_performance`).

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
    return _keeping_library(_excess_returns, small, large, kind)


def _excess_returns(small: Any, large: Any, kind: str) -> pd.Series:
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
