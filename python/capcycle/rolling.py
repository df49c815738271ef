"""Rolling statistics: exact, NaN-skipping, 1-D and 2-D, columns in parallel.

Semantics follow ``pandas.Series.rolling(window, min_periods=...)``: each output
counts the non-NaN values of its window (pairs where both are non-NaN for
``cov``/``corr``/``beta``) and is NaN below ``min_periods``; ``min_periods``
defaults to ``window`` for row windows and to 1 for durations (``"90D"``), whose
window ends at and includes each row. Differences from bottleneck: its
``min_count`` is our ``min_periods`` and its ``ddof`` defaults to 0, ours to 1.

Unlike pandas, sums are exact to the last digits: a window of identical values has
a standard deviation of exactly 0 (and a correlation of NaN), and data offset by
1e9 keep a relative error below 1e-9 (pandas is off by about 1e-6 there).

Infinities keep their IEEE meaning (pandas turns them into NaN first): ``+inf``
and ``-inf`` are values, they count toward ``min_periods``, and they change only
the windows that hold them. A window with ``+inf`` has a sum and mean of ``+inf``
(``-inf`` likewise; both together give NaN); its var, std, zscore, cov, corr and
beta are NaN; min, max, median and quantile order it like any number and
interpolate in IEEE arithmetic (see each docstring).

Every result depends on time order, so an input with a DatetimeIndex must have it
sorted, without duplicates or NaT (a ValueError otherwise). Two pandas inputs of
``cov``/``corr``/``beta`` align as pandas does: rows by index (``join="outer"``,
or ``"inner"``/``"left"``), DataFrame columns by label.

Examples
--------
>>> import pandas as pd
>>> from capcycle import rolling
>>> s = pd.Series([1.0, 2.0, None, 4.0, 5.0])
>>> rolling.mean(s, 2, min_periods=1).tolist()
[1.0, 1.5, 2.0, 4.0, 4.5]
>>> rolling.sum([1.0, float("inf"), 2.0, 3.0], 2).tolist()
[nan, inf, inf, 5.0]
"""

from __future__ import annotations

import datetime
import numbers
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, Protocol, cast, overload

import numpy as np
import numpy.typing as npt
import pandas as pd

from capcycle import _core, _lazy
from capcycle._adapt import _is_polars, as_float_array, cap_count, check_int, check_time_order, nanoseconds

if TYPE_CHECKING:
    import polars as pl

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

#: A fixed duration: a string with a unit ("90D", "52W", "12h"), a timedelta
#: (``pd.Timedelta`` is one) or a ``np.timedelta64`` with a unit.
Duration = str | datetime.timedelta | np.timedelta64
Window = int | Duration
Join = Literal["outer", "inner", "left"]
_JOINS = ("outer", "inner", "left")
#: The statistics whose value depends on ddof; the others take only its default.
_USES_DDOF = frozenset({"var", "std", "zscore", "cov"})


def _is_duration(window: object) -> bool:
    return isinstance(window, (str, datetime.timedelta, np.timedelta64, pd.offsets.BaseOffset))


def _duration_ns(window: Any) -> int:
    """A duration window in nanoseconds; errors name ``window``."""
    if isinstance(window, str) and not any(c.isalpha() for c in window):
        # pandas reads "63" as 63 nanoseconds: almost surely meant as 63 rows.
        raise ValueError(
            f"window: {window!r} has no unit; write a duration such as '90D', '52W' or "
            "'12h', or pass an int for a number of rows"
        )
    if isinstance(window, np.timedelta64) and np.datetime_data(window.dtype)[0] == "generic":
        raise ValueError(f"window: {window!r} has no unit; use np.timedelta64(90, 'D')")
    try:
        with warnings.catch_warnings():
            # pandas reads "3MS" as 3 ms with a deprecation warning, not as month starts:
            # a spelling it only tolerates is refused, with its words.
            warnings.simplefilter("error")
            span = pd.Timedelta(window)
    except (ValueError, TypeError, Warning) as err:
        raise ValueError(
            f"window: {window!r} is not a fixed duration (months and years vary in length; "
            f"use days or weeks such as '90D' or '52W'): {err}"
        ) from None
    if pd.isna(span) or span <= pd.Timedelta(0):
        raise ValueError(f"window: the duration must be positive, got {window!r}")
    return int(span.value)


def _window_args(
    window: Any, min_periods: Any, index: pd.Index | None, length: int, name: str
) -> tuple[int, int, np.ndarray | None]:
    """(window in rows or nanoseconds, min_periods, int64 times or None)."""
    if _is_duration(window):
        span = _duration_ns(window)
        if not isinstance(index, pd.DatetimeIndex):
            raise ValueError(
                f"window: a duration window ({window!r}) needs a Series or DataFrame with a "
                "DatetimeIndex, or a DataFrame and on= naming its date column; pass an int "
                "number of rows otherwise"
            )
        times = nanoseconds(index, f"{name}.index")
        periods = 1 if min_periods is None else check_int(min_periods, "min_periods", minimum=0)
        return span, cap_count(periods, length), times
    if isinstance(window, (bool, np.bool_)) or not isinstance(window, numbers.Integral):
        raise TypeError(
            "window: must be an int number of rows or a duration such as '90D' or a "
            f"pd.Timedelta, got {type(window).__name__}"
        )
    rows = check_int(window, "window", minimum=1)
    periods = rows if min_periods is None else check_int(min_periods, "min_periods", minimum=0)
    if periods > rows:
        raise ValueError(f"min_periods: {periods} is larger than the window ({rows})")
    if index is not None:
        check_time_order(index, f"{name}.index")
    return cap_count(rows, length), cap_count(periods, length), None


def _ddof(stat: str, ddof: Any) -> int:
    value = check_int(ddof, "ddof", minimum=0)
    if value != 1 and stat not in _USES_DDOF:
        raise ValueError(
            f"ddof: rolling.{stat} does not depend on ddof (var, std, zscore and cov do); "
            f"leave it at 1, got {value}"
        )
    return value


def _axis(axis: Any, ndim: int) -> int:
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"axis: must be an int, got {type(axis).__name__}")
    if not -ndim <= int(axis) < ndim:
        raise ValueError(f"axis: {axis} is out of range for a {ndim}-D input")
    return int(axis) % ndim


def _is_frame(x: object) -> bool:
    """A pandas or a polars DataFrame: columns with labels."""
    return isinstance(x, pd.DataFrame) or (_is_polars(x) and type(x).__name__ == "DataFrame")


def _by_column(frame: Any, on: Any, name: str) -> tuple[pd.DataFrame, Callable[[Any], Any]]:
    """Split a DataFrame at its date column ``on``: the other columns indexed by those
    dates, and a function that gives a result back in ``frame``'s type, ``on`` included."""
    if not isinstance(on, str):
        raise TypeError(f"on: must be a column name (str), got {type(on).__name__}")
    polars = _is_polars(frame)
    if not _is_frame(frame):
        raise TypeError(
            f"on: names a date column of a pandas or polars DataFrame, but {name} is a {type(frame).__name__}"
        )
    if on not in frame.columns:
        raise ValueError(f"on: {name} has no column {on!r}")
    dates = frame[on]
    if polars:
        import polars as pl

        if not (dates.dtype == pl.Date or isinstance(dates.dtype, pl.Datetime)):
            raise TypeError(f"on: {name}[{on!r}] has polars dtype {dates.dtype}, not Date or Datetime")
        index = pd.DatetimeIndex(dates.to_numpy())
    else:
        if not pd.api.types.is_datetime64_any_dtype(dates.dtype):
            raise TypeError(f"on: {name}[{on!r}] has dtype {dates.dtype}, not datetime64")
        index = pd.DatetimeIndex(dates)
    others = [c for c in frame.columns if c != on]
    adapted = as_float_array(frame[others] if polars else frame.drop(columns=on), name)
    values = pd.DataFrame(adapted.values, index=index, columns=pd.Index(others))

    def restore(out: pd.DataFrame) -> Any:
        same_rows = out.index.equals(index)
        if polars:
            import polars as pl

            on_column = (
                dates
                if same_rows
                else pl.Series(on, pd.DatetimeIndex(out.index).as_unit("ns").to_numpy()).cast(dates.dtype)
            )
            return pl.DataFrame(
                [on_column if c == on else pl.Series(c, out[c].to_numpy()) for c in frame.columns]
            )
        result = out.reset_index(drop=True)
        result.insert(frame.columns.get_loc(on), on, (dates.array if same_rows else out.index.array))
        return result.set_axis(frame.index if same_rows else result.index, axis=0)

    return values, restore


def _rolling(
    stat: str,
    x: Any,
    window: Window,
    min_periods: int | None,
    ddof: int,
    q: float | None,
    axis: int,
    on: str | None = None,
    dim: str | None = None,
    times: Any = None,
) -> Any:
    # One signature for every statistic (the contract's): ddof means something to
    # var/std/zscore only, q to quantile only; elsewhere only their defaults pass.
    if on is not None:
        by_date, restore = _by_column(x, on, "x")
        return restore(_rolling(stat, by_date, window, min_periods, ddof, q, axis))
    if stat != "quantile" and q is not None:
        raise ValueError(f"q: only rolling.quantile takes q, not rolling.{stat}")
    ddof = _ddof(stat, ddof)
    if _lazy.wants(x, dim, times):
        return _lazy.rolling(stat, x, window, min_periods, ddof, q, axis, dim=dim, times=times)
    adapted = as_float_array(x, "x")
    values, index = adapted.values, adapted.index
    along = _axis(axis, values.ndim)
    if along == 1:
        if _is_duration(window):
            raise ValueError("axis: a duration window runs along the index (axis=0)")
        values, index = values.T, None
    span, periods, times = _window_args(window, min_periods, index, values.shape[0], "x")
    ddof = cap_count(ddof, values.shape[0])
    out = _core.rolling(values, stat, span, periods, ddof=ddof, q=0.5 if q is None else q, times=times)
    return adapted.wrap(out.T if along == 1 else out)


def _paired_labels(first: Any, second: Any, names: tuple[str, str]) -> pd.Index | None:
    """The columns of a result of two DataFrames, or None when they already pair up.

    pandas' rule (``DataFrame.rolling(w).corr(other)``): columns pair by label, the
    result has the union of both sets (sorted, as ``Index.union`` does), and a label
    on one side only gives a column of NaN.
    """
    labels = (pd.Index(first.columns), pd.Index(second.columns))
    if labels[0].equals(labels[1]):
        return None
    for columns, name in zip(labels, names, strict=False):
        if not columns.is_unique:
            raise ValueError(f"{name}: column labels must be unique to pair two DataFrames by label")
    union: pd.Index = labels[0].union(labels[1])
    return union


def _with_columns(frame: Any, columns: pd.Index) -> Any:
    """``frame`` with exactly ``columns`` (in that order), NaN where it lacks one."""
    if isinstance(frame, pd.DataFrame):
        return frame.reindex(columns=columns)
    import polars as pl

    return frame.select(
        [pl.col(c) if c in frame.columns else pl.lit(None, dtype=pl.Float64).alias(c) for c in columns]
    )


def _align(
    first: Any, second: Any, join: Join, names: tuple[str, str]
) -> tuple[Any, Any, Callable[[Any], Any]]:
    """Pair two inputs as pandas does; returns them and how to finish the result."""
    if _is_frame(first) and _is_frame(second) and _is_polars(first) == _is_polars(second):
        columns = _paired_labels(first, second, names)
        if columns is not None:
            first, second = _with_columns(first, columns), _with_columns(second, columns)
    finish: Callable[[Any], Any] = lambda out: out  # noqa: E731
    labelled = (pd.Series, pd.DataFrame)
    if isinstance(first, labelled) and isinstance(second, labelled) and not first.index.equals(second.index):
        for frame, name in ((first, names[0]), (second, names[1])):
            if not frame.index.is_unique:
                raise ValueError(f"{name}.index: has duplicate labels, so the rows cannot be aligned")
        if isinstance(first, pd.DataFrame) and isinstance(second, pd.Series) and join == "outer":
            # pandas computes on the union of rows and returns the DataFrame's rows.
            rows = first.index
            finish = lambda out: out.reindex(rows)  # noqa: E731
        first, second = first.align(second, join=join, axis=0)
    return first, second, finish


def _rolling_pair(
    stat: str,
    first: Any,
    second: Any,
    names: tuple[str, str],
    window: Window,
    min_periods: int | None,
    ddof: int,
    join: Join,
    on: str | None = None,
    dim: str | None = None,
    times: Any = None,
) -> Any:
    if not isinstance(join, str) or join not in _JOINS:
        raise ValueError(f"join: must be 'outer', 'inner' or 'left', got {join!r}")
    if on is not None:
        first_values, restore = _by_column(first, on, names[0])
        second_values, _ = _by_column(second, on, names[1])
        # One value column is one series for every column of first: repeated under
        # first's labels, so the rows still align per join as for two frames (a
        # Series would keep only first's rows under join="outer", pandas' rule).
        other = second_values
        if second_values.shape[1] == 1:
            other = second_values.iloc[:, [0] * first_values.shape[1]].set_axis(first_values.columns, axis=1)
        return restore(_rolling_pair(stat, first_values, other, names, window, min_periods, ddof, join))
    ddof = _ddof(stat, ddof)
    if _lazy.wants(first, dim, times):
        return _lazy.rolling_pair(
            stat, first, second, names, window, min_periods, ddof, join=join, dim=dim, times=times
        )
    first, second, finish = _align(first, second, join, names)
    a = as_float_array(first, names[0])
    b = as_float_array(second, names[1])
    if a.values.shape[0] != b.values.shape[0]:
        raise ValueError(f"{names[1]}: has {b.values.shape[0]} rows but {names[0]} has {a.values.shape[0]}")
    if a.values.ndim == 1 and b.values.ndim == 2:
        raise ValueError(
            f"{names[1]}: a 2-D {names[1]} needs a 2-D {names[0]}; "
            f"a 1-D {names[1]} is broadcast against a 2-D {names[0]}, not the other way"
        )
    if b.values.ndim == 2 and b.values.shape != a.values.shape:
        raise ValueError(
            f"{names[1]}: shape {b.values.shape} does not match {names[0]}'s {a.values.shape}; "
            f"a 1-D {names[1]} is broadcast against every column of {names[0]}"
        )
    span, periods, times = _window_args(window, min_periods, a.index, a.values.shape[0], names[0])
    ddof = cap_count(ddof, a.values.shape[0])
    out = _core.rolling_pair(a.values, b.values, stat, span, periods, ddof=ddof, times=times)
    return finish(a.wrap(out))


class Statistic(Protocol):
    """The signature of every one-input rolling statistic: the result has x's type."""

    @overload
    def __call__(
        self,
        x: pd.Series[Any],
        window: Window,
        *,
        min_periods: int | None = None,
        ddof: int = 1,
        q: float | None = None,
        axis: int = 0,
        on: None = None,
    ) -> pd.Series[float]: ...
    @overload
    def __call__(
        self,
        x: pd.DataFrame,
        window: Window,
        *,
        min_periods: int | None = None,
        ddof: int = 1,
        q: float | None = None,
        axis: int = 0,
        on: str | None = None,
    ) -> pd.DataFrame: ...
    @overload
    def __call__(
        self,
        x: pl.Series,
        window: Window,
        *,
        min_periods: int | None = None,
        ddof: int = 1,
        q: float | None = None,
        axis: int = 0,
        on: None = None,
    ) -> pl.Series: ...
    @overload
    def __call__(
        self,
        x: pl.DataFrame,
        window: Window,
        *,
        min_periods: int | None = None,
        ddof: int = 1,
        q: float | None = None,
        axis: int = 0,
        on: str | None = None,
    ) -> pl.DataFrame: ...
    @overload
    def __call__(
        self,
        x: npt.ArrayLike,
        window: Window,
        *,
        min_periods: int | None = None,
        ddof: int = 1,
        q: float | None = None,
        axis: int = 0,
        on: None = None,
    ) -> npt.NDArray[np.float64]: ...
    @overload
    def __call__(  # dask arrays and DataFrames, xarray DataArrays: the same lazy type
        self,
        x: Any,
        window: Window,
        *,
        min_periods: int | None = None,
        ddof: int = 1,
        q: float | None = None,
        axis: int = 0,
        on: None = None,
        dim: str | None = None,
        times: Any = None,
    ) -> Any: ...


class PairStatistic(Protocol):
    """The signature of ``cov`` and ``corr``: the result has x's type."""

    @overload
    def __call__(
        self,
        x: pd.Series[Any],
        y: pd.Series[Any] | npt.ArrayLike,
        window: Window,
        *,
        min_periods: int | None = None,
        ddof: int = 1,
        join: Join = "outer",
        on: None = None,
    ) -> pd.Series[float]: ...
    @overload
    def __call__(
        self,
        x: pd.DataFrame,
        y: pd.Series[Any] | pd.DataFrame | npt.ArrayLike,
        window: Window,
        *,
        min_periods: int | None = None,
        ddof: int = 1,
        join: Join = "outer",
        on: str | None = None,
    ) -> pd.DataFrame: ...
    @overload
    def __call__(
        self,
        x: pl.Series,
        y: pl.Series | npt.ArrayLike,
        window: Window,
        *,
        min_periods: int | None = None,
        ddof: int = 1,
        join: Join = "outer",
        on: None = None,
    ) -> pl.Series: ...
    @overload
    def __call__(
        self,
        x: pl.DataFrame,
        y: pl.Series | pl.DataFrame | npt.ArrayLike,
        window: Window,
        *,
        min_periods: int | None = None,
        ddof: int = 1,
        join: Join = "outer",
        on: str | None = None,
    ) -> pl.DataFrame: ...
    @overload
    def __call__(
        self,
        x: npt.ArrayLike,
        y: npt.ArrayLike,
        window: Window,
        *,
        min_periods: int | None = None,
        ddof: int = 1,
        join: Join = "outer",
        on: None = None,
    ) -> npt.NDArray[np.float64]: ...
    @overload
    def __call__(  # lazy inputs (see Statistic)
        self,
        x: Any,
        y: Any,
        window: Window,
        *,
        min_periods: int | None = None,
        ddof: int = 1,
        join: Join = "outer",
        on: None = None,
        dim: str | None = None,
        times: Any = None,
    ) -> Any: ...


class Slope(Protocol):
    """The signature of ``beta(y, x)``: the result has y's type."""

    @overload
    def __call__(
        self,
        y: pd.Series[Any],
        x: pd.Series[Any] | npt.ArrayLike,
        window: Window,
        *,
        min_periods: int | None = None,
        join: Join = "outer",
        on: None = None,
    ) -> pd.Series[float]: ...
    @overload
    def __call__(
        self,
        y: pd.DataFrame,
        x: pd.Series[Any] | pd.DataFrame | npt.ArrayLike,
        window: Window,
        *,
        min_periods: int | None = None,
        join: Join = "outer",
        on: str | None = None,
    ) -> pd.DataFrame: ...
    @overload
    def __call__(
        self,
        y: pl.Series,
        x: pl.Series | npt.ArrayLike,
        window: Window,
        *,
        min_periods: int | None = None,
        join: Join = "outer",
        on: None = None,
    ) -> pl.Series: ...
    @overload
    def __call__(
        self,
        y: pl.DataFrame,
        x: pl.Series | pl.DataFrame | npt.ArrayLike,
        window: Window,
        *,
        min_periods: int | None = None,
        join: Join = "outer",
        on: str | None = None,
    ) -> pl.DataFrame: ...
    @overload
    def __call__(
        self,
        y: npt.ArrayLike,
        x: npt.ArrayLike,
        window: Window,
        *,
        min_periods: int | None = None,
        join: Join = "outer",
        on: None = None,
    ) -> npt.NDArray[np.float64]: ...
    @overload
    def __call__(  # lazy inputs (see Statistic)
        self,
        y: Any,
        x: Any,
        window: Window,
        *,
        min_periods: int | None = None,
        join: Join = "outer",
        on: None = None,
        dim: str | None = None,
        times: Any = None,
    ) -> Any: ...


_PARAMETERS = """
    Parameters
    ----------
    x : array-like, Series, DataFrame, polars Series or DataFrame
        Values with time along axis 0; 2-D input runs every column, in parallel.
    window : int, str, pd.Timedelta, datetime.timedelta or np.timedelta64
        Rows per window (>= 1), or a fixed duration with a unit (``"90D"``, ``"52W"``,
        ``"12h"``) when ``x`` has a DatetimeIndex or ``on`` names its date column (the
        window ends at and includes each row). A string without a unit (``"63"``) and
        calendar spans (``"1M"``, ``"1Y"``) are refused.
    min_periods : int, optional
        Fewest non-NaN values for a result; default ``window`` (rows) or 1 (duration).
        A row window longer than the data gives NaN everywhere unless ``min_periods``
        allows fewer values, as in pandas.
    ddof : int, default 1
        Delta degrees of freedom of var, std and zscore (divisor ``count - ddof``). The
        other statistics do not use it and accept only the default.
    q : float, optional
        The quantile, in [0, 1]: required by ``quantile``, refused by the others.
    axis : int, default 0
        The time axis of a 2-D ndarray.
    on : str, optional
        For a pandas or polars DataFrame: the Date/Datetime column that holds the
        time (as polars' ``rolling_*_by`` and pandas' ``rolling(on=...)``); the other
        columns are the values, and the result keeps ``on`` as it was.
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
        Infinities are values, as in IEEE arithmetic (not NaN, as in pandas):
        they count toward ``min_periods`` and change only the windows that hold them.

    Raises
    ------
    ValueError
        ``window`` < 1 or not a fixed duration, ``min_periods`` > ``window`` or < 0,
        ``ddof`` other than 1 where it means nothing,{raises} a DatetimeIndex that is
        unsorted, duplicated or has NaT, 0-D or 3-D input.
    TypeError
        Non-numeric ``x`` or non-integer arguments.
"""


def _document(summary: str, example: str, *, raises: str = "") -> Callable[[Callable[..., Any]], Statistic]:
    def decorate(function: Callable[..., Any]) -> Statistic:
        function.__doc__ = (
            f"{summary}\n" + _PARAMETERS.format(raises=raises) + f"\n    Examples\n    --------\n{example}"
        )
        return cast(Statistic, function)

    return decorate


@_document(
    "Rolling sum of the non-NaN values (0 for a window with none when min_periods=0).\n\n"
    "    ``+inf`` in a window makes its sum ``+inf``; ``+inf`` and ``-inf`` together, NaN.",
    "    >>> from capcycle import rolling\n"
    "    >>> rolling.sum([1.0, 2.0, 3.0], 2).tolist()\n    [nan, 3.0, 5.0]\n",
)
def sum(
    x: Any,
    window: Window,
    *,
    min_periods: int | None = None,
    ddof: int = 1,
    q: float | None = None,
    axis: int = 0,
    on: str | None = None,
    dim: str | None = None,
    times: Any = None,
) -> Any:
    return _rolling("sum", x, window, min_periods, ddof, q, axis, on, dim, times)


@_document(
    "Rolling mean.\n\n    ``+inf`` in a window makes its mean ``+inf``; ``+inf`` and ``-inf`` together, NaN.",
    "    >>> from capcycle import rolling\n"
    "    >>> rolling.mean([1.0, 2.0, 3.0], 2).tolist()\n    [nan, 1.5, 2.5]\n",
)
def mean(
    x: Any,
    window: Window,
    *,
    min_periods: int | None = None,
    ddof: int = 1,
    q: float | None = None,
    axis: int = 0,
    on: str | None = None,
    dim: str | None = None,
    times: Any = None,
) -> Any:
    return _rolling("mean", x, window, min_periods, ddof, q, axis, on, dim, times)


@_document(
    "Rolling variance; exactly 0 for a window of identical values.\n\n"
    "    NaN for a window that holds an infinity.",
    "    >>> from capcycle import rolling\n"
    "    >>> rolling.var([1.0, 2.0, 4.0], 2).tolist()\n    [nan, 0.5, 2.0]\n",
    raises=" ``ddof`` < 0,",
)
def var(
    x: Any,
    window: Window,
    *,
    min_periods: int | None = None,
    ddof: int = 1,
    q: float | None = None,
    axis: int = 0,
    on: str | None = None,
    dim: str | None = None,
    times: Any = None,
) -> Any:
    return _rolling("var", x, window, min_periods, ddof, q, axis, on, dim, times)


@_document(
    "Rolling standard deviation; exactly 0 for a window of identical values.\n\n"
    "    NaN for a window that holds an infinity.",
    "    >>> from capcycle import rolling\n"
    "    >>> rolling.std([1e9, 1e9, 1e9 + 2.0], 2).tolist()\n    [nan, 0.0, 1.4142135623730951]\n",
    raises=" ``ddof`` < 0,",
)
def std(
    x: Any,
    window: Window,
    *,
    min_periods: int | None = None,
    ddof: int = 1,
    q: float | None = None,
    axis: int = 0,
    on: str | None = None,
    dim: str | None = None,
    times: Any = None,
) -> Any:
    return _rolling("std", x, window, min_periods, ddof, q, axis, on, dim, times)


@_document(
    "Rolling minimum (a monotonic deque: O(1) per row whatever the window).\n\n"
    "    ``-inf`` is the smallest value, ``+inf`` the largest.",
    "    >>> from capcycle import rolling\n"
    "    >>> rolling.min([3.0, 1.0, 2.0], 2).tolist()\n    [nan, 1.0, 1.0]\n",
)
def min(
    x: Any,
    window: Window,
    *,
    min_periods: int | None = None,
    ddof: int = 1,
    q: float | None = None,
    axis: int = 0,
    on: str | None = None,
    dim: str | None = None,
    times: Any = None,
) -> Any:
    return _rolling("min", x, window, min_periods, ddof, q, axis, on, dim, times)


@_document(
    "Rolling maximum (a monotonic deque: O(1) per row whatever the window).\n\n"
    "    ``-inf`` is the smallest value, ``+inf`` the largest.",
    "    >>> from capcycle import rolling\n"
    "    >>> rolling.max([3.0, 1.0, 2.0], 2).tolist()\n    [nan, 3.0, 2.0]\n",
)
def max(
    x: Any,
    window: Window,
    *,
    min_periods: int | None = None,
    ddof: int = 1,
    q: float | None = None,
    axis: int = 0,
    on: str | None = None,
    dim: str | None = None,
    times: Any = None,
) -> Any:
    return _rolling("max", x, window, min_periods, ddof, q, axis, on, dim, times)


@_document(
    "Rolling median (order statistics in a Fenwick tree: O(log window) per row).\n\n"
    "    Infinities are ordered like any value; the middle two of an even count are\n"
    "    averaged as ``numpy.median`` does (``[1, inf]`` gives inf, ``[-inf, inf]`` NaN).",
    "    >>> from capcycle import rolling\n"
    "    >>> rolling.median([3.0, 1.0, 2.0, 8.0], 3).tolist()\n    [nan, nan, 2.0, 2.0]\n",
)
def median(
    x: Any,
    window: Window,
    *,
    min_periods: int | None = None,
    ddof: int = 1,
    q: float | None = None,
    axis: int = 0,
    on: str | None = None,
    dim: str | None = None,
    times: Any = None,
) -> Any:
    return _rolling("median", x, window, min_periods, ddof, q, axis, on, dim, times)


@_document(
    "Rolling quantile ``q`` with linear interpolation, as pandas.\n\n"
    "    Infinities are ordered like any value; between two order statistics the\n"
    "    quantile is ``low + (high - low) * fraction`` in IEEE arithmetic (``[1, inf]``\n"
    "    at q=0.3 gives inf, ``[-inf, 1]`` and ``[inf, inf]`` NaN), and an exact position\n"
    "    gives its value (``[inf]`` gives inf).",
    "    >>> from capcycle import rolling\n"
    "    >>> rolling.quantile([1.0, 2.0, 3.0, 4.0], 4, q=0.25).tolist()\n    [nan, nan, nan, 1.75]\n",
    raises=" ``q`` missing or outside [0, 1],",
)
def quantile(
    x: Any,
    window: Window,
    *,
    min_periods: int | None = None,
    ddof: int = 1,
    q: float | None = None,
    axis: int = 0,
    on: str | None = None,
    dim: str | None = None,
    times: Any = None,
) -> Any:
    if q is None:
        raise ValueError("q: quantile needs q, a number in [0, 1]")
    if isinstance(q, (bool, np.bool_)) or not isinstance(q, numbers.Real):
        raise TypeError(f"q: must be a number in [0, 1], got {type(q).__name__}")
    if not 0.0 <= float(q) <= 1.0:
        raise ValueError(f"q: must be in [0, 1], got {q}")
    return _rolling("quantile", x, window, min_periods, ddof, float(q), axis, on, dim, times)


@_document(
    "Rolling z-score around the rolling MEAN: (x_t - mean) / std, the window including x_t.\n\n"
    "    NaN where the window's standard deviation is 0, where x_t is NaN and where the\n"
    "    window holds an infinity. :func:`capcycle.valuation.zscore` is the other\n"
    "    z-score: centred on the median by default, over the full sample by default.",
    "    >>> from capcycle import rolling\n"
    "    >>> rolling.zscore([1.0, 2.0, 3.0], 3).tolist()\n    [nan, nan, 1.0]\n",
    raises=" ``ddof`` < 0,",
)
def zscore(
    x: Any,
    window: Window,
    *,
    min_periods: int | None = None,
    ddof: int = 1,
    q: float | None = None,
    axis: int = 0,
    on: str | None = None,
    dim: str | None = None,
    times: Any = None,
) -> Any:
    return _rolling("zscore", x, window, min_periods, ddof, q, axis, on, dim, times)


_PAIR_DOC = """{summary}

    Rows count only where both series are non-NaN; NaN for a window whose pairs
    hold an infinity (an infinity still counts toward ``min_periods``).

    Two pandas inputs align as pandas' ``{first}.rolling(window).{pandas}({second})``
    does (pairwise=False): rows by index, per ``join``; two DataFrames pair their
    columns by label, the result having the union of labels (sorted when they
    differ, as ``Index.union``), NaN in a column only one side has; a DataFrame
    against a Series gives the DataFrame's rows (with ``join="outer"``) and columns.
    A 1-D ``{second}`` is broadcast against every column of a 2-D ``{first}``. Other
    inputs pair by position. The result has the type of ``{first}``.

    Parameters
    ----------
    {first} : array-like, Series, DataFrame, polars Series or DataFrame
        {first_role}
    {second} : array-like, Series, DataFrame, polars Series or DataFrame
        Pandas input aligns by index; other input has the rows of ``{first}``.
    window : int, str, pd.Timedelta, datetime.timedelta or np.timedelta64
        Rows per window, or a fixed duration with a unit (``"90D"``) with a
        DatetimeIndex or ``on``.
    min_periods : int, optional
        Fewest complete pairs for a result; default ``window`` (rows) or 1 (duration).{ddof}
    join : {{"outer", "inner", "left"}}, default "outer"
        Which rows two pandas inputs keep: ``"outer"`` every date of either (pandas'
        rule: a day when only one market traded is a row, and counts in a row
        window), ``"inner"`` only dates both have, ``"left"`` the dates of ``{first}``.
    on : str, optional
        The Date/Datetime column of two DataFrames (pandas or polars): their other
        columns are the values, rows align on it per ``join``. A ``{second}`` with one
        value column is one series, broadcast against every column of ``{first}``
        (the rows still align per ``join``).
    dim, times : optional
        As for the single-series statistics (lazy inputs: both arguments of one kind;
        two dask DataFrames align per ``join`` with dask's ``align``, two DataArrays on
        their coordinates with ``xarray.align``: ``join`` along time, the union of
        the other labels).

    Returns
    -------
    Same type as ``{first}``{returns}

    Raises
    ------
    ValueError
        Length or shape mismatch, unknown ``join``, duplicate labels where pairing
        needs them unique, a DatetimeIndex that is unsorted, duplicated or has NaT,
        bad ``window``/``min_periods``/``ddof``.
    TypeError
        Non-numeric input.

    Examples
    --------
    >>> from capcycle import rolling
{example}
"""


@overload
def _document_pair(
    summary: str, example: str, *, pandas: str, first: Literal["x"] = "x", second: str = "y", **parts: str
) -> Callable[[Callable[..., Any]], PairStatistic]: ...
@overload
def _document_pair(
    summary: str, example: str, *, pandas: str, first: Literal["y"], second: str = "x", **parts: str
) -> Callable[[Callable[..., Any]], Slope]: ...
def _document_pair(
    summary: str, example: str, *, pandas: str, first: str = "x", second: str = "y", **parts: str
) -> Callable[[Callable[..., Any]], Any]:
    def decorate(function: Callable[..., Any]) -> Any:
        function.__doc__ = _PAIR_DOC.format(
            summary=summary,
            example=example,
            pandas=pandas,
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
    "    >>> rolling.cov([1.0, 2.0, 3.0], [2.0, 4.0, 7.0], 3).tolist()\n    [nan, nan, 2.5]\n"
    "    >>> import pandas as pd\n"
    '    >>> a = pd.DataFrame({"a": [1.0, 2.0, 4.0], "b": [1.0, 0.0, 1.0]})\n'
    '    >>> rolling.cov(a, a[["b"]], 3)  # by label: b with b, a has no partner\n'
    "        a         b\n    0 NaN       NaN\n    1 NaN       NaN\n    2 NaN  0.333333",
    pandas="cov",
    ddof="\n    ddof : int, default 1\n        The divisor is ``pairs - ddof``.",
)
def cov(
    x: Any,
    y: Any,
    window: Window,
    *,
    min_periods: int | None = None,
    ddof: int = 1,
    join: Join = "outer",
    on: str | None = None,
    dim: str | None = None,
    times: Any = None,
) -> Any:
    return _rolling_pair("cov", x, y, ("x", "y"), window, min_periods, ddof, join, on, dim, times)


@_document_pair(
    "Rolling Pearson correlation of ``x`` and ``y``; NaN when either is constant.",
    "    >>> rolling.corr([1.0, 2.0, 3.0], [2.0, 4.0, 6.0], 3).tolist()\n    [nan, nan, 1.0]",
    pandas="corr",
    ddof="\n    ddof : int, default 1\n        A correlation does not depend on it: only the default is accepted.",
)
def corr(
    x: Any,
    y: Any,
    window: Window,
    *,
    min_periods: int | None = None,
    ddof: int = 1,
    join: Join = "outer",
    on: str | None = None,
    dim: str | None = None,
    times: Any = None,
) -> Any:
    return _rolling_pair("corr", x, y, ("x", "y"), window, min_periods, ddof, join, on, dim, times)


@_document_pair(
    "Rolling slope of ``y`` regressed on ``x``: cov(y, x) / var(x).",
    "    >>> rolling.beta([2.0, 4.0, 7.0], [1.0, 2.0, 3.0], 3).tolist()\n    [nan, nan, 2.5]",
    pandas="cov",
    first="y",
    second="x",
    first_role="The dependent series (2-D: one beta per column).",
    returns="; NaN where ``x`` is constant in the window.",
)
def beta(
    y: Any,
    x: Any,
    window: Window,
    *,
    min_periods: int | None = None,
    join: Join = "outer",
    on: str | None = None,
    dim: str | None = None,
    times: Any = None,
) -> Any:
    return _rolling_pair("beta", y, x, ("y", "x"), window, min_periods, 1, join, on, dim, times)
