"""One adapter between what users pass and what the kernels take.

Every public function turns its array-like arguments into float64 numpy arrays
(time along axis 0) with :func:`as_float_array`, runs a kernel, and hands the
result back in the input's own type with :meth:`Adapted.wrap`: ndarray in,
ndarray out; Series in, Series out (index and name kept); DataFrame in, DataFrame
out (index and columns kept); list in, ndarray out; polars in, polars out.
Nothing here writes into an input.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

#: numpy dtype kinds the kernels accept: bool, signed, unsigned, float.
_NUMERIC_KINDS = frozenset("biuf")


@dataclass(frozen=True)
class Adapted:
    """A float64 view of a user's input, and how to give results back its type.

    ``wrap`` takes a fresh result array (a kernel's output, referenced nowhere else)
    and builds the Series or DataFrame around it without copying it (pandas 3
    copies an ndarray by default: 80 MB for a 5,000 x 2,000 panel).
    """

    values: np.ndarray
    index: pd.Index | None
    wrap: Callable[[np.ndarray], Any]

    @property
    def datetime_index(self) -> pd.DatetimeIndex | None:
        return self.index if isinstance(self.index, pd.DatetimeIndex) else None


def _is_polars(x: object) -> bool:
    return type(x).__module__.split(".")[0] == "polars"


def _check_dtype(dtype: Any, name: str) -> None:
    if isinstance(dtype, pd.api.extensions.ExtensionDtype):
        # Nullable Int64/Float64/boolean convert with pd.NA -> NaN; others do not.
        if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)):
            raise TypeError(f"{name}: dtype {dtype} is not numeric")
        return
    if np.dtype(dtype).kind not in _NUMERIC_KINDS:
        raise TypeError(
            f"{name}: dtype {dtype} is not numeric; convert it first (for example with pandas.to_numeric)"
        )


def _to_float64(values: Any, name: str) -> np.ndarray:
    """float64, native byte order, no copy when it already is."""
    array = values if isinstance(values, np.ndarray) else np.asarray(values)
    _check_dtype(array.dtype, name)
    out = np.asarray(array, dtype=np.float64)
    if out.size > 1 and 0 in out.strides:
        # A broadcast view (np.broadcast_to(1.0, 10**12)) has no memory behind it; the
        # kernels would copy it. Copy it here, where numpy says MemoryError when it
        # cannot (tests/test_memory.py).
        out = np.array(out, dtype=np.float64)
    return out


def _check_ndim(values: np.ndarray, name: str, max_ndim: int) -> None:
    if not 1 <= values.ndim <= max_ndim:
        expected = "1-D" if max_ndim == 1 else "1-D or 2-D"
        raise ValueError(f"{name}: expected a {expected} array, got {values.ndim}-D")


def as_float_array(x: Any, name: str, *, max_ndim: int = 2) -> Adapted:
    """Convert ``x`` to float64 (time along axis 0) and remember how to wrap results.

    Raises
    ------
    TypeError
        ``x`` is not numeric (strings, objects, dates, complex).
    ValueError
        ``x`` is 0-D or has more than ``max_ndim`` dimensions.
    """
    adapted = _adapt(x, name)
    _check_ndim(adapted.values, name, max_ndim)
    return adapted


def _adapt(x: Any, name: str) -> Adapted:
    if isinstance(x, pd.Series):
        _check_dtype(x.dtype, name)
        index, series_name = x.index, x.name
        return Adapted(
            x.to_numpy(dtype=np.float64, na_value=np.nan),
            index,
            lambda out: pd.Series(out, index=index, name=series_name, copy=False),
        )
    if isinstance(x, pd.DataFrame):
        for column, dtype in x.dtypes.items():
            _check_dtype(dtype, f"{name}[{column!r}]")
        index, labels = x.index, x.columns
        return Adapted(
            x.to_numpy(dtype=np.float64, na_value=np.nan),
            index,
            lambda out: pd.DataFrame(out, index=index, columns=labels, copy=False),
        )
    if _is_polars(x):
        import polars as pl

        if isinstance(x, pl.Series):
            if not (x.dtype.is_numeric() or x.dtype == pl.Boolean):
                raise TypeError(f"{name}: polars dtype {x.dtype} is not numeric")
            values = x.cast(pl.Float64).fill_null(np.nan).to_numpy()
            series_name = x.name
            return Adapted(
                np.asarray(values, dtype=np.float64), None, lambda out: pl.Series(series_name, out)
            )
        if isinstance(x, pl.DataFrame):
            for column, dtype in x.schema.items():
                if not (dtype.is_numeric() or dtype == pl.Boolean):
                    raise TypeError(f"{name}[{column!r}]: polars dtype {dtype} is not numeric")
            values = x.select(pl.all().cast(pl.Float64).fill_null(np.nan)).to_numpy()
            columns = x.columns
            return Adapted(
                np.asarray(values, dtype=np.float64),
                None,
                lambda out: pl.DataFrame({c: out[:, j] for j, c in enumerate(columns)}),
            )
        raise TypeError(f"{name}: unsupported polars type {type(x).__name__}")
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{name}: expected an array-like of numbers, got {type(x).__name__}")
    if not isinstance(x, np.ndarray) and not hasattr(x, "__len__") and not hasattr(x, "__array__"):
        raise TypeError(f"{name}: expected an array-like of numbers, got {type(x).__name__}")
    try:
        raw = x if isinstance(x, np.ndarray) else np.asarray(x)
    except (ValueError, TypeError) as err:  # ragged nested lists
        raise ValueError(f"{name}: cannot be read as an array ({err})") from None
    return Adapted(_to_float64(raw, name), None, lambda out: out)


def check_int(value: Any, name: str, *, minimum: int) -> int:
    """An integer argument (numpy integers too, bool refused) of at least ``minimum``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: must be an int, got {type(value).__name__}")
    number = int(value)
    if number < minimum:
        raise ValueError(f"{name}: must be >= {minimum}, got {number}")
    return number


def check_time_order(index: pd.Index, name: str) -> None:
    """Refuse a DatetimeIndex that is not strictly increasing: one rule, one message.

    Every result that depends on time order (rolling windows, expanding and rolling
    valuation windows, event windows) calls this, so an unsorted, duplicated or NaT
    index is refused the same way everywhere instead of running on the wrong order.
    """
    if not isinstance(index, pd.DatetimeIndex):
        return
    if index.hasnans:
        raise ValueError(f"{name}: the DatetimeIndex contains NaT; drop those rows first")
    if not index.is_monotonic_increasing:
        raise ValueError(f"{name}: the DatetimeIndex must be sorted ascending (use .sort_index())")
    if not index.is_unique:
        repeated = index[index.duplicated()][0]
        raise ValueError(
            f"{name}: the DatetimeIndex has duplicate dates ({repeated}); time order is "
            "ambiguous, so drop or aggregate them first"
        )


def nanoseconds(index: pd.DatetimeIndex, name: str) -> np.ndarray:
    """The index as int64 nanoseconds (UTC for tz-aware), checked by :func:`check_time_order`."""
    check_time_order(index, name)
    try:
        in_ns = index.as_unit("ns")
    except pd.errors.OutOfBoundsDatetime as err:
        raise ValueError(
            f"{name}: a duration window measures time in nanoseconds, which reach from "
            f"1677-09-21 to 2262-04-11 only ({err}); use an int number of rows"
        ) from None
    return np.ascontiguousarray(in_ns.asi8, dtype=np.int64)


def cap_count(count: int, length: int) -> int:
    """A row count (window, min_periods, ddof) capped at what ``length`` rows can hold.

    Any count above ``length`` acts as ``length + 1`` (no window can hold more
    rows): capping keeps user values such as 2**62 or 10**30 inside the kernels'
    int64 indexes without changing a result (a window of 2**62 rows once overflowed
    them; min_periods or ddof above the data still leave every output NaN, as in
    pandas).
    """
    return count if count <= length else length + 1
