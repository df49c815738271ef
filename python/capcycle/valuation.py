"""Valuation z-scores: how far a multiple sits from its own history.

Figure 4 of the research says small caps trade "about two standard deviations
below their historical median" relative to large caps. :func:`zscore` measures
that distance, :func:`bands` draws it, :func:`percentile_rank` ranks it and
:func:`relative_multiple` builds the small/large ratio they all run on.

The history behind each row is chosen with ``window``:

- ``None`` (default): the full sample. One centre and one scale for every row;
  they use the whole series, future included (what a chart of "history" shows).
- an ``int`` ``n``: a rolling window of the last ``n`` rows, the row included.
- ``"expanding"``: every row up to and including this one, so a row never sees
  the future (what a backtest needs). Changing a later value never changes an
  earlier result.

A rolling or expanding window depends on time order: a Series or DataFrame with
a DatetimeIndex must have it sorted, without duplicates or NaT (a ``ValueError``
naming ``x.index``, the rule :mod:`capcycle.rolling` applies too). The full
sample does not depend on order.

NaN is skipped. ``min_periods`` counts the non-NaN values in the window (in the
whole series for ``window=None``); below it the result is NaN, never an error.
Its default is ``window`` for an int window (as ``pandas.Series.rolling``) and 1
for ``"expanding"`` (as ``pandas.Series.expanding``) and the full sample. An input
with no non-NaN value at all (empty or all-NaN) is a ``ValueError``; in a 2-D
input a single all-NaN column simply gives NaN.

``scale="std"`` is the sample standard deviation (``ddof=1``) around the mean,
whatever the centre; ``scale="mad"`` is the robust alternative, the median
absolute deviation from the median times 1.4826 so that it estimates sigma for
normal data (``ddof`` is then ignored). A z-score is NaN where the value is NaN
or infinite or where the scale is 0 (a constant window; with ``"mad"`` also a
window in which more than half the values are equal).

The rolling and expanding medians, MADs and ranks run on the order-statistics
engine of :mod:`capcycle.rolling` (a Fenwick tree over ranks): an expanding
window costs O(log n) per row (O(log² n) for the MAD), 2-D input runs its
columns in parallel and is bit-identical whatever the thread count.

Examples
--------
>>> import pandas as pd
>>> from capcycle import valuation
>>> pe = pd.Series([14.0, 15.0, 16.0, 15.0, 11.0])
>>> valuation.zscore(pe).round(3).tolist()
[-0.52, 0.0, 0.52, 0.0, -2.08]
>>> valuation.zscore(pe, window="expanding", center="mean").round(3).tolist()
[nan, 0.707, 1.0, 0.0, -1.664]
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np
import numpy.typing as npt
import pandas as pd

from capcycle import _core, _lazy
from capcycle._adapt import Adapted, _is_polars, as_float_array, cap_count, check_int, check_time_order

if TYPE_CHECKING:
    import polars as pl

__all__ = ["bands", "percentile_rank", "relative_multiple", "zscore"]

WindowArg = int | Literal["expanding"] | None
CenterArg = Literal["median", "mean"]
ScaleArg = Literal["std", "mad"]


def _choice(value: Any, name: str, options: tuple[str, ...]) -> str:
    allowed = " or ".join(repr(o) for o in options)
    if not isinstance(value, str):
        raise TypeError(f"{name}: must be {allowed}, got {type(value).__name__}")
    if value not in options:
        raise ValueError(f"{name}: must be {allowed}, got {value!r}")
    return value


def _span(window: Any, min_periods: Any, adapted: Adapted) -> tuple[str, int, int | None]:
    """(kind, rows, min_periods) for the kernels; errors name the argument.

    A rolling or expanding window depends on time order: a DatetimeIndex must be
    sorted and free of duplicates (the rule rolling and events share).
    """
    if window is None:
        kind, rows = "full", 0
    elif isinstance(window, str):
        if window != "expanding":
            raise ValueError(
                f"window: must be None (full sample), an int >= 1 (rolling) or 'expanding', got {window!r}"
            )
        kind, rows = "expanding", 0
    else:
        if isinstance(window, (bool, np.bool_)) or not isinstance(window, numbers.Integral):
            raise TypeError(f"window: must be None, an int >= 1 or 'expanding', got {type(window).__name__}")
        kind, rows = "rolling", check_int(window, "window", minimum=1)
    periods = None if min_periods is None else check_int(min_periods, "min_periods", minimum=0)
    if kind != "full" and adapted.index is not None:
        check_time_order(adapted.index, "x.index")
    if kind == "rolling":
        if periods is not None and periods > rows:
            raise ValueError(f"min_periods: {periods} is larger than the window ({rows})")
        periods = rows if periods is None else periods
    length = adapted.values.shape[0]
    return kind, cap_count(rows, length), None if periods is None else cap_count(periods, length)


def _ddof(ddof: Any, scale: str, adapted: Adapted) -> int:
    value = check_int(ddof, "ddof", minimum=0)
    if scale == "mad" and value != 1:
        raise ValueError(f"ddof: scale='mad' does not use ddof; leave it at 1, got {value}")
    return cap_count(value, adapted.values.shape[0])


@overload
def zscore(
    x: pd.Series[Any],
    *,
    center: CenterArg = ...,
    window: WindowArg = ...,
    min_periods: int | None = ...,
    ddof: int = ...,
    scale: ScaleArg = ...,
) -> pd.Series[float]: ...
@overload
def zscore(
    x: pd.DataFrame,
    *,
    center: CenterArg = ...,
    window: WindowArg = ...,
    min_periods: int | None = ...,
    ddof: int = ...,
    scale: ScaleArg = ...,
) -> pd.DataFrame: ...
@overload
def zscore(
    x: pl.Series,
    *,
    center: CenterArg = ...,
    window: WindowArg = ...,
    min_periods: int | None = ...,
    ddof: int = ...,
    scale: ScaleArg = ...,
) -> pl.Series: ...
@overload
def zscore(
    x: pl.DataFrame,
    *,
    center: CenterArg = ...,
    window: WindowArg = ...,
    min_periods: int | None = ...,
    ddof: int = ...,
    scale: ScaleArg = ...,
) -> pl.DataFrame: ...
@overload
def zscore(
    x: npt.ArrayLike,
    *,
    center: CenterArg = ...,
    window: WindowArg = ...,
    min_periods: int | None = ...,
    ddof: int = ...,
    scale: ScaleArg = ...,
) -> npt.NDArray[np.float64]: ...
@overload
def zscore(  # dask arrays and DataFrames, xarray DataArrays: the same lazy type
    x: Any,
    *,
    center: CenterArg = ...,
    window: WindowArg = ...,
    min_periods: int | None = ...,
    ddof: int = ...,
    scale: ScaleArg = ...,
    dim: str | None = ...,
    rechunk: bool = ...,
) -> Any: ...
def zscore(
    x: Any,
    *,
    center: CenterArg = "median",
    window: WindowArg = None,
    min_periods: int | None = None,
    ddof: int = 1,
    scale: ScaleArg = "std",
    dim: str | None = None,
    rechunk: bool = False,
) -> Any:
    """Z-score around the history's MEDIAN (default) over the FULL SAMPLE (default).

    ``(x_t - centre) / scale``, the centre and scale taken over the full sample,
    a rolling window or an expanding one (see the module docs). Unlike
    :func:`capcycle.rolling.zscore` (rolling mean and std, a window required), the
    default centre is the median and the default history is every row.

    Parameters
    ----------
    x : array-like, Series, DataFrame or polars Series/DataFrame
        Values with time along axis 0; 2-D input runs every column, in parallel.
    center : {"median", "mean"}, default "median"
        The centre the distance is measured from.
    window : None, int or "expanding", default None
        None: the full sample; an int >= 1: the last ``window`` rows; "expanding":
        every row up to and including this one (no look-ahead).
    min_periods : int, optional
        Fewest non-NaN values in the window for a result; default ``window`` for an
        int window, else 1.
    ddof : int, default 1
        Delta degrees of freedom of the standard deviation (``scale="std"``).
    scale : {"std", "mad"}, default "std"
        The standard deviation, or the median absolute deviation times 1.4826.
    dim : str, optional
        The time dimension of an xarray DataArray (default: its first).
    rechunk : bool, default False
        For a dask input chunked along time with ``window=None`` or ``"expanding"``:
        rechunk time into one chunk instead of raising ``ValueError``. A finite
        window runs chunk by chunk, bit-identical to the in-memory result.

    Returns
    -------
    Same type as ``x``
        float64 z-scores; a Series or DataFrame keeps its index, name and columns.

    Raises
    ------
    ValueError
        Unknown ``center``, ``window`` or ``scale``; ``window`` < 1; ``min_periods``
        < 0 or larger than the window; ``ddof`` < 0; empty or all-NaN ``x``.
    TypeError
        Non-numeric ``x`` or non-integer ``window``/``min_periods``/``ddof``.

    Examples
    --------
    >>> from capcycle import valuation
    >>> valuation.zscore([1.0, 2.0, 3.0, 4.0, 10.0]).round(3).tolist()
    [-0.566, -0.283, 0.0, 0.283, 1.98]
    >>> valuation.zscore([1.0, 2.0, 3.0, 4.0, 10.0], window=3).round(3).tolist()
    [nan, nan, 1.0, 1.0, 1.585]
    """
    center = _choice(center, "center", ("median", "mean"))  # type: ignore[assignment]
    scale = _choice(scale, "scale", ("std", "mad"))  # type: ignore[assignment]
    if _lazy.wants(x, dim, rechunk):
        return _lazy.valuation(
            "zscore", x, window, min_periods, dim=dim, rechunk=rechunk, center=center, scale=scale, ddof=ddof
        )
    adapted = as_float_array(x, "x")
    kind, rows, periods = _span(window, min_periods, adapted)
    ddof = _ddof(ddof, scale, adapted)
    kernel = _core.valuation_zscore
    out = kernel(adapted.values, kind, rows, center=center, scale=scale, min_periods=periods, ddof=ddof)
    return adapted.wrap(out)


def _band_levels(k: Any) -> list[float]:
    levels = [k] if isinstance(k, numbers.Real) and not isinstance(k, (bool, np.bool_)) else k
    if isinstance(levels, (str, bytes)) or not isinstance(levels, (Sequence, np.ndarray)):
        raise TypeError(f"k: must be a positive number or a sequence of them, got {type(k).__name__}")
    result: list[float] = []
    for level in levels:
        if isinstance(level, (bool, np.bool_)) or not isinstance(level, numbers.Real):
            raise TypeError(f"k: every level must be a number, got {type(level).__name__}")
        value = float(level)
        if not (np.isfinite(value) and value > 0):
            raise ValueError(f"k: every level must be a finite number > 0, got {level!r}")
        if value in result:
            raise ValueError(f"k: the level {level!r} is given twice")
        result.append(value)
    if not result:
        raise ValueError("k: give at least one level, such as (1, 2)")
    return result


@overload
def bands(
    x: pl.Series,
    *,
    center: CenterArg = ...,
    k: float | Sequence[float] = ...,
    window: WindowArg = ...,
    scale: ScaleArg = ...,
    min_periods: int | None = ...,
    ddof: int = ...,
) -> pl.DataFrame: ...
@overload
def bands(
    x: pd.Series[Any] | npt.ArrayLike,
    *,
    center: CenterArg = ...,
    k: float | Sequence[float] = ...,
    window: WindowArg = ...,
    scale: ScaleArg = ...,
    min_periods: int | None = ...,
    ddof: int = ...,
) -> pd.DataFrame: ...
@overload
def bands(  # a dask DataFrame for dask input, an xarray Dataset for a DataArray
    x: Any,
    *,
    center: CenterArg = ...,
    k: float | Sequence[float] = ...,
    window: WindowArg = ...,
    scale: ScaleArg = ...,
    min_periods: int | None = ...,
    ddof: int = ...,
    dim: str | None = ...,
    rechunk: bool = ...,
) -> Any: ...
def bands(
    x: Any,
    *,
    center: CenterArg = "median",
    k: float | Sequence[float] = (1, 2),
    window: WindowArg = None,
    scale: ScaleArg = "std",
    min_periods: int | None = None,
    ddof: int = 1,
    dim: str | None = None,
    rechunk: bool = False,
) -> Any:
    """The value with its centre and ``centre ± k · scale`` lines, ready to plot.

    Parameters
    ----------
    x : 1-D array-like, Series or polars Series
        One valuation series (call it per column for a panel).
    center : {"median", "mean"}, default "median"
        The middle line.
    k : number or sequence of numbers, default (1, 2)
        How many scales away each pair of lines lies; each > 0, no repeats.
    window : None, int or "expanding", default None
        As in :func:`zscore`.
    scale : {"std", "mad"}, default "std"
        As in :func:`zscore`.
    min_periods : int, optional
        As in :func:`zscore`; rows below it have NaN lines.
    ddof : int, default 1
        Delta degrees of freedom of the standard deviation.
    dim, rechunk : optional
        As in :func:`zscore`.

    Returns
    -------
    pandas.DataFrame (polars.DataFrame for polars input)
        Columns ``value, center, +1sd, -1sd, +2sd, -2sd`` (one ``+{k}sd, -{k}sd``
        pair per level, in the order given; ``k=1.5`` gives ``+1.5sd``); with
        ``scale="mad"`` they are ``+1mad, -1mad, ...``. The index is ``x``'s for a
        Series, else a RangeIndex. A dask input gives a dask DataFrame, a DataArray an
        xarray Dataset of those lines.

    Raises
    ------
    ValueError
        As :func:`zscore`, a 2-D ``x``, or a ``k`` that is not > 0 or repeats.
    TypeError
        Non-numeric ``x`` or ``k``.

    Examples
    --------
    >>> from capcycle import valuation
    >>> valuation.bands([1.0, 2.0, 3.0, 4.0, 5.0], k=(1,))
       value  center      +1sd      -1sd
    0    1.0     3.0  4.581139  1.418861
    1    2.0     3.0  4.581139  1.418861
    2    3.0     3.0  4.581139  1.418861
    3    4.0     3.0  4.581139  1.418861
    4    5.0     3.0  4.581139  1.418861
    """
    center = _choice(center, "center", ("median", "mean"))  # type: ignore[assignment]
    scale = _choice(scale, "scale", ("std", "mad"))  # type: ignore[assignment]
    levels = _band_levels(k)
    if _lazy.wants(x, dim, rechunk):
        return _lazy.bands(
            x, levels, window, min_periods, dim=dim, rechunk=rechunk, center=center, scale=scale, ddof=ddof
        )
    adapted = as_float_array(x, "x", max_ndim=1)
    kind, rows, periods = _span(window, min_periods, adapted)
    ddof = _ddof(ddof, scale, adapted)
    middle, spread = _core.valuation_center_scale_1d(
        adapted.values, kind, rows, center=center, scale=scale, min_periods=periods, ddof=ddof
    )
    columns: dict[str, np.ndarray] = {"value": adapted.values.copy(), "center": middle}
    unit = "sd" if scale == "std" else "mad"  # the column names say which scale
    for level in levels:
        columns[f"+{level:g}{unit}"] = middle + level * spread
        columns[f"-{level:g}{unit}"] = middle - level * spread
    if _is_polars(x):
        import polars as pl

        return pl.DataFrame(columns)
    return pd.DataFrame(columns, index=adapted.index)


@overload
def percentile_rank(
    x: pd.Series[Any], *, window: WindowArg = ..., min_periods: int | None = ...
) -> pd.Series[float]: ...
@overload
def percentile_rank(
    x: pd.DataFrame, *, window: WindowArg = ..., min_periods: int | None = ...
) -> pd.DataFrame: ...
@overload
def percentile_rank(x: pl.Series, *, window: WindowArg = ..., min_periods: int | None = ...) -> pl.Series: ...
@overload
def percentile_rank(
    x: pl.DataFrame, *, window: WindowArg = ..., min_periods: int | None = ...
) -> pl.DataFrame: ...
@overload
def percentile_rank(
    x: npt.ArrayLike, *, window: WindowArg = ..., min_periods: int | None = ...
) -> npt.NDArray[np.float64]: ...
@overload
def percentile_rank(
    x: Any,
    *,
    window: WindowArg = ...,
    min_periods: int | None = ...,
    dim: str | None = ...,
    rechunk: bool = ...,
) -> Any: ...
def percentile_rank(
    x: Any,
    *,
    window: WindowArg = None,
    min_periods: int | None = None,
    dim: str | None = None,
    rechunk: bool = False,
) -> Any:
    """Share of the window's observations at or below each value, in [0, 1].

    Ties count as "at or below", so the largest value of a window ranks 1 and the
    smallest ``1 / count``. NaN where the value is NaN or the window holds fewer
    than ``min_periods`` non-NaN values.

    Parameters
    ----------
    x : array-like, Series, DataFrame or polars Series/DataFrame
        Values with time along axis 0; 2-D input runs every column, in parallel.
    window : None, int or "expanding", default None
        As in :func:`zscore`.
    min_periods : int, optional
        As in :func:`zscore`.
    dim, rechunk : optional
        As in :func:`zscore`.

    Returns
    -------
    Same type as ``x``

    Raises
    ------
    ValueError
        Unknown ``window``, ``window`` < 1, bad ``min_periods``, empty or all-NaN ``x``.
    TypeError
        Non-numeric ``x``.

    Examples
    --------
    >>> from capcycle import valuation
    >>> valuation.percentile_rank([3.0, 1.0, 2.0, 2.0]).tolist()
    [1.0, 0.25, 0.75, 0.75]
    >>> valuation.percentile_rank([3.0, 1.0, 2.0, 2.0], window="expanding").tolist()
    [1.0, 0.5, 0.6666666666666666, 0.75]
    """
    if _lazy.wants(x, dim, rechunk):
        return _lazy.valuation("percentile_rank", x, window, min_periods, dim=dim, rechunk=rechunk)
    adapted = as_float_array(x, "x")
    kind, rows, periods = _span(window, min_periods, adapted)
    return adapted.wrap(_core.valuation_percentile_rank(adapted.values, kind, rows, min_periods=periods))


def _ratio(small: np.ndarray, large: np.ndarray) -> np.ndarray:
    valid = np.isfinite(small) & np.isfinite(large) & (small > 0) & (large > 0)
    out = np.full(np.broadcast_shapes(small.shape, large.shape), np.nan)
    np.divide(small, large, out=out, where=valid)
    return out


@overload
def relative_multiple(
    small: pd.DataFrame, large: pd.Series[Any] | pd.DataFrame | npt.ArrayLike
) -> pd.DataFrame: ...
@overload
def relative_multiple(
    small: pd.Series[Any], large: pd.Series[Any] | npt.NDArray[Any] | Sequence[float]
) -> pd.Series[float]: ...
@overload
def relative_multiple(
    small: pl.DataFrame, large: pl.Series | pl.DataFrame | npt.NDArray[Any]
) -> pl.DataFrame: ...
@overload
def relative_multiple(
    small: pl.Series, large: pl.Series | npt.NDArray[Any] | Sequence[float]
) -> pl.Series: ...
@overload
def relative_multiple(
    small: npt.NDArray[Any] | Sequence[float], large: npt.NDArray[Any] | Sequence[float]
) -> npt.NDArray[np.float64]: ...
@overload
def relative_multiple(small: Any, large: Any) -> Any: ...  # mixed: pandas dates, other rows
def relative_multiple(small: Any, large: Any) -> Any:
    """The ratio of two valuation multiples, ``small / large``, aligned on dates.

    Rules (a multiple such as P/E or P/B means something only when positive):

    - two pandas inputs are aligned on the intersection of their indexes (dates
      present in both), in ``small``'s order; a DataFrame and a Series divide every
      column by the Series; two DataFrames also intersect their columns;
    - other inputs (ndarray, list, polars) are positional and must have the same
      number of rows; a 1-D ``large`` is broadcast against a 2-D ``small``;
    - the ratio is NaN where either value is missing, infinite, zero or negative
      (a negative P/E is a loss, not a cheap valuation).

    Parameters
    ----------
    small, large : array-like, Series, DataFrame or polars Series/DataFrame
        Valuation multiples of the small-cap and the large-cap universe.

    Returns
    -------
    Series, DataFrame or the type of ``small``
        For pandas input, indexed by the common dates; a Series is named
        ``"small/large"`` after its inputs' names when both have one.

    Raises
    ------
    ValueError
        No date in common, a row-count mismatch, or a 2-D ``large`` with a 1-D
        ``small``.
    TypeError
        Non-numeric input.

    Examples
    --------
    >>> import pandas as pd
    >>> from capcycle import valuation
    >>> small = pd.Series([15.0, 16.0, -3.0, 12.0], index=pd.date_range("2024-01-01", periods=4))
    >>> large = pd.Series([20.0, 20.0, 24.0], index=pd.date_range("2024-01-02", periods=3))
    >>> valuation.relative_multiple(small, large).tolist()
    [0.8, nan, 0.5]
    """
    frames = (pd.Series, pd.DataFrame)
    if isinstance(small, frames) and isinstance(large, frames):
        return _relative_pandas(small, large)
    s = as_float_array(small, "small")
    if isinstance(large, frames):
        # Only small is positional: take large's dates, matched by position.
        wrap_from = as_float_array(large, "large")
        if s.values.ndim == 2 and isinstance(large, pd.Series):
            wrap_from = Adapted(s.values, large.index, lambda out: pd.DataFrame(out, index=large.index))
    else:
        wrap_from = s
    l_ = as_float_array(large, "large")
    if s.values.shape[0] != l_.values.shape[0]:
        raise ValueError(
            f"large: has {l_.values.shape[0]} rows but small has {s.values.shape[0]}; "
            "pass pandas objects with dates to align them"
        )
    a, b = s.values, l_.values
    if a.ndim == 1 and b.ndim == 2:
        raise ValueError("large: a 2-D large needs a 2-D small")
    if a.ndim == 2 and b.ndim == 1:
        b = b[:, None]
    elif a.ndim == 2 and a.shape != b.shape:
        raise ValueError(f"large: shape {b.shape} does not match small's {a.shape}")
    return wrap_from.wrap(_ratio(a, b))


def _relative_pandas(small: pd.Series | pd.DataFrame, large: pd.Series | pd.DataFrame) -> Any:
    if isinstance(small, pd.Series) and isinstance(large, pd.DataFrame):
        raise ValueError("large: a DataFrame large needs a DataFrame small")
    # Check dtypes (and the all-NaN-free contract of the adapter) before aligning.
    as_float_array(small, "small")
    as_float_array(large, "large")
    common = small.index.intersection(large.index, sort=False)
    if len(common) == 0:
        raise ValueError("large: has no dates in common with small")
    # Keep small's order; duplicates in either index would make the ratio ambiguous.
    if not (small.index.is_unique and large.index.is_unique):
        raise ValueError("small: both indexes must be unique to align them on dates")
    order = small.index[small.index.isin(common)]
    s = small.loc[order]
    lg = large.loc[order]
    if isinstance(s, pd.DataFrame) and isinstance(lg, pd.DataFrame):
        columns = s.columns.intersection(lg.columns, sort=False)
        if len(columns) == 0:
            raise ValueError("large: has no columns in common with small")
        s, lg = s[columns], lg[columns]
    a = s.to_numpy(dtype=np.float64, na_value=np.nan)
    b = lg.to_numpy(dtype=np.float64, na_value=np.nan)
    if a.ndim == 2 and b.ndim == 1:
        b = b[:, None]
    out = _ratio(a, b)
    if isinstance(s, pd.DataFrame):
        return pd.DataFrame(out, index=order, columns=s.columns)
    name = f"{small.name}/{large.name}" if small.name is not None and large.name is not None else None
    return pd.Series(out, index=order, name=name)
