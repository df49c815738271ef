"""Rolling statistics: exact, NaN-skipping, 1-D and 2-D, columns in parallel.

Semantics follow ``pandas.Series.rolling(window, min_periods=...)``: each output
counts the non-NaN values of its window (pairs where both are non-NaN for
``cov``/``corr``/``beta``) and is NaN below ``min_periods``; ``min_periods``
defaults to ``window`` for row windows and to 1 for durations (``"90D"``), whose
window ends at and includes each row. Differences from bottleneck: its
``min_count`` is our ``min_periods`` and its ``ddof`` defaults to 0, ours to 1.

Unlike pandas, moments are exact to the last digits: a window of identical values
has a standard deviation of exactly 0 (and a correlation of NaN), data offset by 1e9
or after a level shift keep a relative error below 1e-12 (pandas is off by about
1e-6 there), and a window's result depends only on its own rows: a value changes
only the windows that hold it, and appending rows never changes earlier results.

Examples
--------
>>> import pandas as pd
>>> from capcycle import rolling
>>> s = pd.Series([1.0, 2.0, None, 4.0, 5.0])
>>> rolling.mean(s, 2, min_periods=1).tolist()
[1.0, 1.5, 2.0, 4.0, 4.5]
"""

from __future__ import annotations

import numbers
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from capcycle import _core, _lazy
from capcycle._adapt import Adapted, as_float_array, check_int, nanoseconds

__all__ = [
    "beta",
    "corr",
    "cov",
    "max",
    "mean",
    "median",
    "min",
    "quantile",
    "std",
    "sum",
    "var",
    "zscore",
]

ArrayLike = TypeVar("ArrayLike")
Window = int | str


def _window_args(
    window: Any, min_periods: Any, adapted: Adapted, name: str
) -> tuple[int, int, np.ndarray | None]:
    """(window in rows or nanoseconds, min_periods, int64 times or None)."""
    if isinstance(window, str):
        index = adapted.datetime_index
        if index is None:
            raise ValueError(
                f"window: a duration window ({window!r}) needs a Series or DataFrame "
                "with a DatetimeIndex; pass an int number of rows otherwise"
            )
        try:
            span = pd.Timedelta(window)
        except (ValueError, TypeError) as err:
            raise ValueError(
                f"window: {window!r} is not a fixed duration such as '90D', '52W' or '6h' ({err})"
            ) from None
        if pd.isna(span) or span <= pd.Timedelta(0):
            raise ValueError(f"window: the duration must be positive, got {window!r}")
        times = nanoseconds(index, f"{name}.index")
        periods = 1 if min_periods is None else check_int(min_periods, "min_periods", minimum=0)
        return int(span.value), periods, times
    rows = check_int(window, "window", minimum=1)
    periods = rows if min_periods is None else check_int(min_periods, "min_periods", minimum=0)
    if periods > rows:
        raise ValueError(f"min_periods: {periods} is larger than the window ({rows})")
    # Beyond 2**62 rows every window is expanding: clamp so it fits the kernel's int64.
    return rows if rows < 2**62 else 2**62, periods if periods < 2**62 else 2**62, None


def _axis(axis: Any, ndim: int) -> int:
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"axis: must be an int, got {type(axis).__name__}")
    if not -ndim <= int(axis) < ndim:
        raise ValueError(f"axis: {axis} is out of range for a {ndim}-D input")
    return int(axis) % ndim


def _rolling(
    stat: str, x: Any, window: Window, min_periods: int | None, ddof: int, q: float | None, axis: int,
    dim: str | None = None, times: Any = None,
) -> Any:
    # One signature for every statistic (the contract's): ddof is checked everywhere
    # and used by var/std/zscore; q belongs to quantile alone.
    if stat != "quantile" and q is not None:
        raise ValueError(f"q: only rolling.quantile takes q, not rolling.{stat}")
    if _lazy.wants(x, dim, times):
        return _lazy.rolling(stat, x, window, min_periods, ddof, q, axis, dim=dim, times=times)
    adapted = as_float_array(x, "x")
    values = adapted.values
    along = _axis(axis, values.ndim)
    if along == 1:
        if isinstance(window, str):
            raise ValueError("axis: a duration window runs along the index (axis=0)")
        values = values.T
    span, periods, times = _window_args(window, min_periods, Adapted(values, adapted.index, adapted.wrap), "x")
    ddof = check_int(ddof, "ddof", minimum=0)
    out = _core.rolling(values, stat, span, periods, ddof=ddof, q=0.5 if q is None else q, times=times)
    return adapted.wrap(out.T if along == 1 else out)


def _align(first: Any, second: Any) -> tuple[Any, Any]:
    """Align two pandas inputs on their index (outer join, as pandas' rolling does)."""
    if isinstance(first, (pd.Series, pd.DataFrame)) and isinstance(second, (pd.Series, pd.DataFrame)):
        if not first.index.equals(second.index):
            if isinstance(first, pd.DataFrame) and isinstance(second, pd.DataFrame):
                return first.align(second, join="outer")
            return first.align(second, join="outer", axis=0)
    return first, second


def _rolling_pair(
    stat: str,
    first: Any,
    second: Any,
    names: tuple[str, str],
    window: Window,
    min_periods: int | None,
    ddof: int,
    dim: str | None = None,
    times: Any = None,
) -> Any:
    if _lazy.wants(first, dim, times):
        return _lazy.rolling_pair(stat, first, second, names, window, min_periods, ddof, dim=dim, times=times)
    first, second = _align(first, second)
    a = as_float_array(first, names[0])
    b = as_float_array(second, names[1])
    if a.values.shape[0] != b.values.shape[0]:
        raise ValueError(
            f"{names[1]}: has {b.values.shape[0]} rows but {names[0]} has {a.values.shape[0]}"
        )
    if a.values.ndim == 1 and b.values.ndim == 2:
        raise ValueError(
            f"{names[1]}: a 2-D {names[1]} needs a 2-D {names[0]}; "
            f"a 1-D {names[1]} is broadcast against a 2-D {names[0]}, not the other way"
        )
    span, periods, times = _window_args(window, min_periods, a, names[0])
    ddof = check_int(ddof, "ddof", minimum=0)
    return a.wrap(_core.rolling_pair(a.values, b.values, stat, span, periods, ddof=ddof, times=times))


_PARAMETERS = """
    Parameters
    ----------
    x : array-like, Series or DataFrame
        Values with time along axis 0; 2-D input runs every column, in parallel.
    window : int or str
        Rows per window (>= 1), or a fixed duration such as ``"90D"`` or ``"52W"``
        when ``x`` has a DatetimeIndex (the window ends at and includes each row).
    min_periods : int, optional
        Fewest non-NaN values for a result; default ``window`` (rows) or 1 (duration).
    ddof : int, default 1
        Delta degrees of freedom of var, std and zscore (divisor ``count - ddof``);
        every statistic takes it, as every statistic shares one signature.
    q : float, optional
        The quantile, in [0, 1]: required by ``quantile``, refused by the others.
    axis : int, default 0
        The time axis of a 2-D ndarray (or dask array).
    dim : str, optional
        The time dimension of an xarray DataArray (default: its first).
    times : datetimes, optional
        The dates of a dask array's rows, for a duration window.

    Dask arrays and DataFrames and xarray DataArrays give the same lazy type back,
    computed block by block and bit-identical to the in-memory result (see
    ``capcycle._lazy`` and the README's "Scale-out").

    Returns
    -------
    Same type as ``x``
        float64 values; a Series or DataFrame keeps its index, name and columns.

    Raises
    ------
    ValueError
        ``window`` < 1 or not a fixed duration, ``min_periods`` > ``window`` or < 0,{raises}
        a duration without a sorted DatetimeIndex, 0-D or 3-D input.
    TypeError
        Non-numeric ``x`` or non-integer arguments.
"""

def _document(summary: str, example: str, *, raises: str = "") -> Any:
    def decorate(function: Any) -> Any:
        function.__doc__ = (
            f"{summary}\n"
            + _PARAMETERS.format(raises=raises)
            + f"\n    Examples\n    --------\n{example}"
        )
        return function

    return decorate


@_document(
    "Rolling sum of the non-NaN values (0 for a window with none when min_periods=0).",
    "    >>> from capcycle import rolling\n"
    "    >>> rolling.sum([1.0, 2.0, 3.0], 2).tolist()\n    [nan, 3.0, 5.0]\n",
)
def sum(
    x: Any, window: Window, *, min_periods: int | None = None, ddof: int = 1, q: float | None = None, axis: int = 0,
    dim: str | None = None, times: Any = None,
) -> Any:  # noqa: A001
    return _rolling("sum", x, window, min_periods, ddof, q, axis, dim, times)


@_document(
    "Rolling mean.",
    "    >>> from capcycle import rolling\n"
    "    >>> rolling.mean([1.0, 2.0, 3.0], 2).tolist()\n    [nan, 1.5, 2.5]\n",
)
def mean(
    x: Any, window: Window, *, min_periods: int | None = None, ddof: int = 1, q: float | None = None, axis: int = 0,
    dim: str | None = None, times: Any = None,
) -> Any:
    return _rolling("mean", x, window, min_periods, ddof, q, axis, dim, times)


@_document(
    "Rolling variance; exactly 0 for a window of identical values.",
    "    >>> from capcycle import rolling\n"
    "    >>> rolling.var([1.0, 2.0, 4.0], 2).tolist()\n    [nan, 0.5, 2.0]\n",
    raises=" ``ddof`` < 0,",
)
def var(
    x: Any, window: Window, *, min_periods: int | None = None, ddof: int = 1, q: float | None = None, axis: int = 0,
    dim: str | None = None, times: Any = None,
) -> Any:
    return _rolling("var", x, window, min_periods, ddof, q, axis, dim, times)


@_document(
    "Rolling standard deviation; exactly 0 for a window of identical values.",
    "    >>> from capcycle import rolling\n"
    "    >>> rolling.std([1e9, 1e9, 1e9 + 2.0], 2).tolist()\n    [nan, 0.0, 1.4142135623730951]\n",
    raises=" ``ddof`` < 0,",
)
def std(
    x: Any, window: Window, *, min_periods: int | None = None, ddof: int = 1, q: float | None = None, axis: int = 0,
    dim: str | None = None, times: Any = None,
) -> Any:
    return _rolling("std", x, window, min_periods, ddof, q, axis, dim, times)


@_document(
    "Rolling minimum (a monotonic deque: O(1) per row whatever the window).",
    "    >>> from capcycle import rolling\n"
    "    >>> rolling.min([3.0, 1.0, 2.0], 2).tolist()\n    [nan, 1.0, 1.0]\n",
)
def min(
    x: Any, window: Window, *, min_periods: int | None = None, ddof: int = 1, q: float | None = None, axis: int = 0,
    dim: str | None = None, times: Any = None,
) -> Any:  # noqa: A001
    return _rolling("min", x, window, min_periods, ddof, q, axis, dim, times)


@_document(
    "Rolling maximum (a monotonic deque: O(1) per row whatever the window).",
    "    >>> from capcycle import rolling\n"
    "    >>> rolling.max([3.0, 1.0, 2.0], 2).tolist()\n    [nan, 3.0, 2.0]\n",
)
def max(
    x: Any, window: Window, *, min_periods: int | None = None, ddof: int = 1, q: float | None = None, axis: int = 0,
    dim: str | None = None, times: Any = None,
) -> Any:  # noqa: A001
    return _rolling("max", x, window, min_periods, ddof, q, axis, dim, times)


@_document(
    "Rolling median (order statistics in a Fenwick tree: O(log window) per row).",
    "    >>> from capcycle import rolling\n"
    "    >>> rolling.median([3.0, 1.0, 2.0, 8.0], 3).tolist()\n    [nan, nan, 2.0, 2.0]\n",
)
def median(
    x: Any, window: Window, *, min_periods: int | None = None, ddof: int = 1, q: float | None = None, axis: int = 0,
    dim: str | None = None, times: Any = None,
) -> Any:
    return _rolling("median", x, window, min_periods, ddof, q, axis, dim, times)


@_document(
    "Rolling quantile ``q`` with linear interpolation, as pandas.",
    "    >>> from capcycle import rolling\n"
    "    >>> rolling.quantile([1.0, 2.0, 3.0, 4.0], 4, q=0.25).tolist()\n    [nan, nan, nan, 1.75]\n",
    raises=" ``q`` missing or outside [0, 1],",
)
def quantile(
    x: Any, window: Window, *, min_periods: int | None = None, ddof: int = 1, q: float | None = None, axis: int = 0,
    dim: str | None = None, times: Any = None,
) -> Any:
    if q is None:
        raise ValueError("q: quantile needs q, a number in [0, 1]")
    if isinstance(q, (bool, np.bool_)) or not isinstance(q, numbers.Real):
        raise TypeError(f"q: must be a number in [0, 1], got {type(q).__name__}")
    if not 0.0 <= float(q) <= 1.0:
        raise ValueError(f"q: must be in [0, 1], got {q}")
    return _rolling("quantile", x, window, min_periods, ddof, float(q), axis, dim, times)


@_document(
    "Rolling z-score: (x_t - rolling mean) / rolling std, the window including x_t.\n\n"
    "    NaN where the window's standard deviation is 0 or x_t is NaN.",
    "    >>> from capcycle import rolling\n"
    "    >>> rolling.zscore([1.0, 2.0, 3.0], 3).tolist()\n    [nan, nan, 1.0]\n",
    raises=" ``ddof`` < 0,",
)
def zscore(
    x: Any, window: Window, *, min_periods: int | None = None, ddof: int = 1, q: float | None = None, axis: int = 0,
    dim: str | None = None, times: Any = None,
) -> Any:
    return _rolling("zscore", x, window, min_periods, ddof, q, axis, dim, times)


_PAIR_DOC = """{summary}

    Rows count only where both series are non-NaN. Two pandas inputs are aligned on
    their index (outer join) first; a 1-D second argument is broadcast against every
    column of a 2-D first one. The result has the type of the first argument.

    Parameters
    ----------
    {first} : array-like, Series or DataFrame
        {first_role}
    {second} : array-like or Series
        Same rows as ``{first}``; 1-D, or of ``{first}``'s shape.
    window : int or str
        Rows per window, or a fixed duration with a DatetimeIndex.
    min_periods : int, optional
        Fewest complete pairs for a result; default ``window`` (rows) or 1 (duration).{ddof}
    dim, times : optional
        As for the single-series statistics (lazy inputs: both arguments of one kind).

    Returns
    -------
    Same type as ``{first}``{returns}

    Raises
    ------
    ValueError
        Length or shape mismatch, bad ``window``/``min_periods``/``ddof``.
    TypeError
        Non-numeric input.

    Examples
    --------
    >>> from capcycle import rolling
{example}
"""


def _document_pair(summary: str, example: str, *, first: str = "x", second: str = "y", **parts: str) -> Any:
    def decorate(function: Any) -> Any:
        function.__doc__ = _PAIR_DOC.format(
            summary=summary,
            example=example,
            first=first,
            second=second,
            first_role=parts.get("first_role", "The first series (2-D: one result per column)."),
            ddof=parts.get("ddof", ""),
            returns=parts.get("returns", ""),
        )
        return function

    return decorate


@_document_pair(
    "Rolling covariance of ``x`` and ``y``.",
    "    >>> rolling.cov([1.0, 2.0, 3.0], [2.0, 4.0, 7.0], 3).tolist()\n    [nan, nan, 2.5]",
    ddof="\n    ddof : int, default 1\n        The divisor is ``pairs - ddof``.",
)
def cov(
    x: Any, y: Any, window: Window, *, min_periods: int | None = None, ddof: int = 1,
    dim: str | None = None, times: Any = None,
) -> Any:
    return _rolling_pair("cov", x, y, ("x", "y"), window, min_periods, ddof, dim, times)


@_document_pair(
    "Rolling Pearson correlation of ``x`` and ``y``; NaN when either is constant.",
    "    >>> rolling.corr([1.0, 2.0, 3.0], [2.0, 4.0, 6.0], 3).tolist()\n    [nan, nan, 1.0]",
    ddof="\n    ddof : int, default 1\n        Accepted for symmetry with pandas; it cancels out of a correlation.",
)
def corr(
    x: Any, y: Any, window: Window, *, min_periods: int | None = None, ddof: int = 1,
    dim: str | None = None, times: Any = None,
) -> Any:
    return _rolling_pair("corr", x, y, ("x", "y"), window, min_periods, ddof, dim, times)


@_document_pair(
    "Rolling slope of ``y`` regressed on ``x``: cov(y, x) / var(x).",
    "    >>> rolling.beta([2.0, 4.0, 7.0], [1.0, 2.0, 3.0], 3).tolist()\n    [nan, nan, 2.5]",
    first="y",
    second="x",
    first_role="The dependent series (2-D: one beta per column).",
    returns="; NaN where ``x`` is constant in the window.",
)
def beta(
    y: Any, x: Any, window: Window, *, min_periods: int | None = None, dim: str | None = None, times: Any = None
) -> Any:
    return _rolling_pair("beta", y, x, ("y", "x"), window, min_periods, 1, dim, times)
