"""Scale-out: the kernels on Dask arrays, Dask DataFrames and xarray DataArrays.

:mod:`capcycle.rolling` and :mod:`capcycle.valuation` hand an input here when it is
a ``dask.array.Array``, a ``dask.dataframe`` Series/DataFrame or an
``xarray.DataArray``; the result is the same lazy type. Nothing of dask or xarray
is imported unless the input is one of their types (``type(x).__module__`` is
checked first).

How a rolling statistic is cut into blocks (dask's own machinery, no scheduler of
ours): ``dask.array.map_overlap`` with depth ``window - 1`` rows before each block
along time (for a duration window, the most rows any window spans, read from the
times), nothing after, ``boundary="none"`` and an explicit ``meta``; each block is
one kernel call, told the global row of its first row (``first_row``) so that every
value is a function of its window's data and of a grid counted from row 0 of the
whole array: bit-identical to the in-memory result whatever the chunking.

- Chunks along time shorter than the overlap are merged with the chunks after them
  (never split), so every block holds its whole window; the output has the merged
  chunks (a dask DataFrame gets its own partitions back).
- A dask DataFrame goes through the array path (``to_dask_array(lengths=True)``,
  which counts the rows of every partition once): dask.dataframe's own overlap
  cannot tell a partition the global row it starts at. A duration window reads the
  index once to size the overlap.
- What needs the whole history (valuation's ``window=None`` and ``"expanding"``)
  needs time in one chunk: a ValueError says so, or ``rechunk=True`` rechunks time
  into one chunk. Chunking across series (columns) always works.

Worker hygiene: the block functions are module-level functions and ``functools``
partials of plain values, and the kernels are functions of the extension module,
so tasks pickle as references. In a ``distributed`` worker the first block sets
``RAYON_NUM_THREADS`` (if unset) to the worker's thread count before the kernels'
thread pool starts, so that workers x threads stays the machine's cores instead of
every worker process starting one kernel thread per core.
"""

from __future__ import annotations

import functools
import math
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from capcycle import _core
from capcycle._adapt import Adapted, _check_dtype, cap_count, nanoseconds

if TYPE_CHECKING:  # pragma: no cover
    from capcycle.events import Kind, Unit

Kernel = Callable[..., np.ndarray]


def kind_of(x: Any) -> str | None:
    """``"array"``, ``"frame"`` (a dask Series/DataFrame), ``"xarray"`` or None."""
    # The type's module first: import only the library (and the part of it) x comes from.
    module = type(x).__module__
    if module.startswith("xarray."):
        import xarray as xr

        return "xarray" if isinstance(x, xr.DataArray) else None
    if module.startswith("dask.array"):
        import dask.array as da

        return "array" if isinstance(x, da.Array) else None
    if module.startswith("dask.dataframe"):
        import dask.dataframe as dd

        return "frame" if isinstance(x, (dd.Series, dd.DataFrame)) else None
    return None


def wants(x: Any, *options: Any) -> bool:
    """True when ``x`` is lazy or a scale-out option was given (checked in here)."""
    return kind_of(x) is not None or any(option is not None and option is not False for option in options)


# ------------------------------------------------------------------ worker hygiene


def _pin_worker_threads() -> None:
    """In a distributed worker, size the kernels' thread pool to the worker's threads."""
    distributed = sys.modules.get("distributed")  # a worker process has it loaded
    if "RAYON_NUM_THREADS" in os.environ or distributed is None:
        return
    try:
        threads = distributed.get_worker().state.nthreads
    except (ValueError, AttributeError):
        return  # not in a distributed worker: threads share this process's one pool
    os.environ["RAYON_NUM_THREADS"] = str(max(1, int(threads)))


# ----------------------------------------------------------------- block plumbing


def merged_chunks(chunks: Sequence[int], overlap: int) -> tuple[int, ...]:
    """Time chunks with every chunk at least ``overlap`` rows: a short chunk is merged
    with the ones after it (a short tail with the one before). Never splits a chunk.

    >>> merged_chunks((3, 3, 3, 3, 8), 4)
    (6, 6, 8)
    >>> merged_chunks((5, 1), 4)
    (6,)
    >>> merged_chunks((0,), 4)
    (0,)
    """
    out: list[int] = []
    pending = 0
    for size in chunks:
        pending += size
        if pending >= max(overlap, 1):
            out.append(pending)
            pending = 0
    if pending or not out:  # a short tail joins the chunk before it; no rows: one empty chunk
        if out:
            out[-1] += pending
        else:
            out.append(pending)
    return tuple(out)


def _flat(block: np.ndarray) -> np.ndarray:
    """Rows x columns for the kernels (N-D blocks: every trailing cell is a column)."""
    return block if block.ndim <= 2 else block.reshape(block.shape[0], -1)


def _run_block(
    *blocks: np.ndarray,
    kernel: Kernel,
    starts: tuple[int, ...],
    overlap: int,
    with_times: bool,
    block_id: tuple[int, ...] | None = None,
) -> np.ndarray:
    """One kernel call on one (overlapped) block, told the global row of its first row."""
    _pin_worker_threads()
    index = 0 if block_id is None else block_id[0]
    first_row = starts[index] - (overlap if index > 0 else 0)
    arrays = list(blocks)
    times = arrays.pop().reshape(-1) if with_times else None
    shape = arrays[0].shape
    if shape[0] == 0:
        return np.empty(shape)
    out = kernel(*[_flat(a) for a in arrays], times=times, first_row=first_row)
    return out.reshape(shape)


def map_along_time(
    kernel: Kernel,
    arrays: Sequence[Any],
    overlap: int,
    times: np.ndarray | None = None,
) -> Any:
    """Run ``kernel`` on dask arrays (time along axis 0) block by block with
    ``map_overlap``: ``overlap`` rows before each block, none after, no boundary.

    ``arrays[1:]`` broadcast against ``arrays[0]`` (same rows). ``kernel(*blocks,
    times=, first_row=)`` gets 1-D or 2-D float64 blocks and returns the first one's
    shape.
    """
    import dask.array as da

    first = arrays[0]
    chunks = merged_chunks(first.chunks[0], overlap)
    overlap = min(overlap, min(chunks))  # smaller only for one block, which has no neighbour
    aligned = [a.rechunk({0: chunks}) for a in arrays]
    if times is not None:
        shape = (first.shape[0],) + (1,) * (first.ndim - 1)
        aligned.append(da.from_array(times.reshape(shape), chunks=(chunks,) + (1,) * (first.ndim - 1)))
    depth = [{axis: ((overlap, 0) if axis == 0 else 0) for axis in range(a.ndim)} for a in aligned]
    starts = tuple(int(s) for s in np.concatenate([[0], np.cumsum(chunks)[:-1]]))
    block = functools.partial(
        _run_block, kernel=kernel, starts=starts, overlap=overlap, with_times=times is not None
    )
    return da.map_overlap(
        block,
        *aligned,
        depth=depth if len(aligned) > 1 else depth[0],
        boundary="none",
        trim=True,
        allow_rechunk=False,
        dtype=np.float64,
        meta=np.empty((0,) * first.ndim, dtype=np.float64),
    )


def map_whole_time(kernel: Kernel, x: Any, *, rechunk: bool, what: str) -> Any:
    """Run ``kernel`` on each column chunk of a dask array with all of time in one
    block (``what`` names the statistic for the error when time is chunked)."""
    import dask.array as da

    if len(x.chunks[0]) > 1:
        if not rechunk:
            raise ValueError(
                f"x: {what} needs all of time in one chunk, but x has {len(x.chunks[0])} chunks "
                "along time; rechunk it (x.rechunk({0: -1})) or pass rechunk=True "
                "(chunking across series always works)"
            )
        x = x.rechunk({0: -1})
    block = functools.partial(_run_block, kernel=kernel, starts=(0,), overlap=0, with_times=False)
    return da.map_blocks(block, x, dtype=np.float64, meta=np.empty((0,) * x.ndim, dtype=np.float64))


# --------------------------------------------------------------- inputs and outputs


def _datetime_times(times: Any, rows: int, name: str) -> np.ndarray:
    """int64 nanoseconds of ``times`` (datetime-like, one per row, sorted)."""
    if kind_of(times) is not None:
        times = times.compute() if hasattr(times, "compute") else times
    try:
        index = pd.DatetimeIndex(np.asarray(times))
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name}: must be datetimes, one per row ({err})") from None
    if len(index) != rows:
        raise ValueError(f"{name}: has {len(index)} dates but x has {rows} rows")
    return nanoseconds(index, name)


class _Lazy:
    """A lazy input as a dask (or numpy) array with time along axis 0, and how to give
    results back its type."""

    def __init__(self, x: Any, name: str, axis: int, dim: str | None, times: Any) -> None:
        self.kind = kind_of(x)
        self.name = name
        if self.kind is None:
            used = "dim" if dim is not None else "times" if times is not None else "rechunk"
            raise TypeError(
                f"{used}: only for a dask array, a dask DataFrame or an xarray DataArray; "
                f"{name} is a {type(x).__name__}"
            )
        if dim is not None and self.kind != "xarray":
            raise TypeError(f"dim: only for an xarray DataArray; {name} is a {type(x).__name__}")
        if self.kind == "frame":
            # dask-expr: a frame fresh from align() gives from_dask_array(index=) a graph
            # with a missing key unless its expression is optimized first.
            x = x.optimize()
        self.source = x
        self.index: pd.DatetimeIndex | None = None
        self.times_given = times
        if self.kind == "array":
            from capcycle.rolling import _axis

            if not 1 <= x.ndim <= 2:
                raise ValueError(f"{name}: expected a 1-D or 2-D array, got {x.ndim}-D")
            _check_dtype(x.dtype, name)
            if any(math.isnan(size) for sizes in x.chunks for size in sizes):
                raise ValueError(f"{name}: has unknown chunk sizes; call {name}.compute_chunk_sizes() first")
            self.axis = _axis(axis, x.ndim)
            self.data = (x if self.axis == 0 else x.T).astype(np.float64)
        elif self.kind == "frame":
            if axis != 0:
                raise ValueError("axis: a dask DataFrame runs along its index (axis=0)")
            for column, dtype in x.dtypes.items() if x.ndim == 2 else [(x.name, x.dtype)]:
                _check_dtype(dtype, f"{name}[{column!r}]" if x.ndim == 2 else name)
            array = x.to_dask_array(lengths=True)
            self.lengths: tuple[int, ...] = array.chunks[0]
            self.data = array.astype(np.float64)
        else:
            self.dim = x.dims[0] if dim is None else dim
            if self.dim not in x.dims:
                raise ValueError(f"dim: {self.dim!r} is not a dimension of {name} {tuple(x.dims)}")
            if axis != 0:
                raise ValueError("axis: a DataArray runs along dim=, not axis")
            _check_dtype(x.dtype, name)
            moved = x.transpose(self.dim, ...)
            self.dims = moved.dims
            self.data = moved.data.astype(np.float64)
            coordinate = x.coords.get(self.dim)
            if coordinate is not None and np.issubdtype(coordinate.dtype, np.datetime64):
                self.index = pd.DatetimeIndex(coordinate.values)

    @property
    def rows(self) -> int:
        return int(self.data.shape[0])

    def datetime_index(self) -> pd.DatetimeIndex | None:
        """The dates of the rows, read when a duration window needs them."""
        if self.times_given is not None:
            return pd.DatetimeIndex(pd.to_datetime(_datetime_times(self.times_given, self.rows, "times")))
        if self.kind == "frame":
            index = self.source.index.compute()
            return index if isinstance(index, pd.DatetimeIndex) else None
        return self.index

    def is_dask(self) -> bool:
        return type(self.data).__module__.split(".")[0] == "dask"

    def wrap(self, out: Any) -> Any:
        if self.kind == "array":
            return out if self.axis == 0 else out.T
        if self.kind == "frame":
            import dask.dataframe as dd

            out = out.rechunk({0: self.lengths})
            columns = self.source.columns if self.source.ndim == 2 else self.source.name
            return dd.from_dask_array(out, columns=columns, index=self.source.index)
        return self.source.transpose(*self.dims).copy(data=out).transpose(*self.source.dims)


def _run(
    lazy: _Lazy,
    kernel: Kernel,
    overlap: int | None,
    times: np.ndarray | None = None,
    others: Sequence[Any] = (),
    *,
    rechunk: bool = False,
    what: str = "",
) -> Any:
    """The kernel over the whole input: block by block for dask (``overlap=None``: all
    of time in one block), at once for numpy."""
    if lazy.is_dask():
        if overlap is None:
            return map_whole_time(kernel, lazy.data, rechunk=rechunk, what=what)
        return map_along_time(kernel, [lazy.data, *others], overlap, times)
    return _run_block(
        lazy.data,
        *others,
        *(() if times is None else (times,)),
        kernel=kernel,
        starts=(0,),
        overlap=0,
        with_times=times is not None,
    )


def _overlap_rows(span: int, times: np.ndarray | None) -> int:
    """Rows before a row that its window can reach (``span`` rows, or ns with times)."""
    if times is None:
        return max(span - 1, 0)
    if len(times) == 0:
        return 0
    lowest = np.iinfo(np.int64).min
    reach = np.maximum(times, lowest + span) - span
    starts = np.searchsorted(times, reach, side="right")
    return int(np.max(np.arange(len(times)) - starts))


# ----------------------------------------------------------------------- rolling


def _rolling_kernel(
    values: np.ndarray,
    *,
    times: np.ndarray | None,
    first_row: int,
    stat: str,
    span: int,
    periods: int,
    ddof: int,
    q: float,
) -> np.ndarray:
    return _core.rolling(values, stat, span, periods, ddof=ddof, q=q, times=times, first_row=first_row)


def _pair_kernel(
    first: np.ndarray,
    second: np.ndarray,
    *,
    times: np.ndarray | None,
    first_row: int,
    stat: str,
    span: int,
    periods: int,
    ddof: int,
) -> np.ndarray:
    if second.ndim == 2 and second.shape[1] == 1 and first.ndim == 2 and first.shape[1] != 1:
        second = second[:, 0]
    return _core.rolling_pair(first, second, stat, span, periods, ddof=ddof, times=times, first_row=first_row)


def _window(lazy: _Lazy, window: Any, min_periods: Any) -> tuple[int, int, np.ndarray | None]:
    from capcycle.rolling import _is_duration, _window_args

    duration = _is_duration(window)
    index = lazy.datetime_index() if duration or lazy.times_given is not None else None
    if lazy.times_given is not None and not duration:
        raise ValueError("times: only with a duration window such as '90D'")
    if duration and index is None:
        raise ValueError(
            f"window: a duration window ({window!r}) needs dates: times= for a dask array, a "
            "DatetimeIndex for a dask DataFrame, a datetime coordinate along dim for a DataArray"
        )
    return _window_args(window, min_periods, index, lazy.rows, lazy.name)


def rolling(
    stat: str,
    x: Any,
    window: Any,
    min_periods: Any,
    ddof: int,
    q: float | None,
    axis: Any,
    *,
    dim: str | None,
    times: Any,
) -> Any:
    """:func:`capcycle.rolling` on a lazy input (see the module docs); ``ddof`` and
    ``q`` as checked by the caller."""
    lazy = _Lazy(x, "x", axis, dim, times)
    span, periods, stamps = _window(lazy, window, min_periods)
    kernel = functools.partial(
        _rolling_kernel,
        stat=stat,
        span=span,
        periods=periods,
        ddof=cap_count(ddof, lazy.rows),
        q=0.5 if q is None else q,
    )
    return lazy.wrap(_run(lazy, kernel, _overlap_rows(span, stamps), stamps))


def rolling_pair(
    stat: str,
    first: Any,
    second: Any,
    names: tuple[str, str],
    window: Any,
    min_periods: Any,
    ddof: int,
    *,
    join: str,
    dim: str | None,
    times: Any,
) -> Any:
    """:func:`capcycle.rolling.cov`/``corr``/``beta`` on lazy inputs: two of one kind
    (dask frames aligned on their index by dask's ``align`` with ``join``, DataArrays
    on their coordinates by ``xarray.align``, arrays by position); ``ddof`` as checked
    by the caller."""
    rows_of_first = None
    if kind_of(first) == "frame" and kind_of(second) == "frame":
        if first.ndim == 2 and second.ndim == 2:
            # pandas' rule (rolling._paired_labels): the union of labels, whatever join
            # says about the rows.
            first, second = first.align(second, join="outer", axis=1)
        elif first.ndim == 2 and join == "outer":
            # pandas computes on the union of rows and returns the DataFrame's rows.
            rows_of_first = first.index.to_series().align(second, join=join)[0].notnull()
        first, second = first.align(second, join=join, axis=0)
    elif kind_of(first) == "xarray" and kind_of(second) == "xarray":
        import xarray as xr

        time = first.dims[0] if dim is None else dim
        if first.ndim == 2 and second.ndim == 1 and join == "outer" and time in first.indexes:
            rows_of_first = {time: first.indexes[time]}  # pandas' DataFrame-vs-Series rule
        try:  # on their coordinates, as pandas inputs on their labels: the ids always by union
            how: Any = join  # checked by the caller: "outer", "inner" or "left"
            first, second = xr.align(first, second, join=how, exclude=set(first.dims) - {time})
            first, second = xr.align(first, second, join="outer", exclude={time})
        except ValueError as err:
            raise ValueError(f"{names[1]}: does not align with {names[0]} ({err})") from None
    lazy = _Lazy(first, names[0], 0, dim, times)
    other = _Lazy(second, names[1], 0, dim, None) if kind_of(second) is not None else None
    if other is None or other.kind != lazy.kind:
        raise TypeError(
            f"{names[1]}: must be of {names[0]}'s kind ({type(first).__name__}), got {type(second).__name__}"
        )
    if other.is_dask() != lazy.is_dask():  # one DataArray on dask, one in memory: both on dask
        import dask.array as da

        lazy.data, other.data = da.asarray(lazy.data), da.asarray(other.data)
    partner = other.data
    if partner.shape[0] != lazy.rows:
        raise ValueError(f"{names[1]}: has {partner.shape[0]} rows but {names[0]} has {lazy.rows}")
    if partner.ndim > lazy.data.ndim or (partner.ndim == lazy.data.ndim and partner.shape != lazy.data.shape):
        raise ValueError(
            f"{names[1]}: shape {partner.shape} does not fit {names[0]}'s {lazy.data.shape}; "
            f"a 1-D {names[1]} is broadcast against every column of {names[0]}"
        )
    if partner.ndim < lazy.data.ndim:
        partner = partner.reshape((partner.shape[0],) + (1,) * (lazy.data.ndim - 1))
        if lazy.is_dask():
            partner = partner.rechunk({axis: -1 for axis in range(1, partner.ndim)})
    span, periods, stamps = _window(lazy, window, min_periods)
    kernel = functools.partial(
        _pair_kernel, stat=stat, span=span, periods=periods, ddof=cap_count(ddof, lazy.rows)
    )
    out = lazy.wrap(_run(lazy, kernel, _overlap_rows(span, stamps), stamps, [partner]))
    if rows_of_first is None:
        return out
    return out.sel(rows_of_first) if lazy.kind == "xarray" else out[rows_of_first]


# --------------------------------------------------------------------- valuation


def _valuation_kernel(
    values: np.ndarray,
    *,
    times: np.ndarray | None,
    first_row: int,
    statistic: str,
    kind: str,
    rows: int,
    options: dict[str, Any],
) -> np.ndarray:
    if np.isnan(values).all():
        # The in-memory call refuses an all-NaN input; a block of one is simply NaN.
        return np.full(values.shape, np.nan)
    if statistic == "percentile_rank":  # order statistics: position-independent
        return _core.valuation_percentile_rank(values, kind, rows, **options)
    if statistic == "zscore":
        return _core.valuation_zscore(values, kind, rows, first_row=first_row, **options)
    # bands: column 0 holds the series; the block returns its centre and scale.
    middle, spread = _core.valuation_center_scale_1d(
        np.ascontiguousarray(values[:, 0]), kind, rows, first_row=first_row, **options
    )
    return np.column_stack([middle, spread])


def _valuation_args(
    lazy: _Lazy, window: Any, min_periods: Any, options: dict[str, Any]
) -> tuple[str, int, Any]:
    """(kind, rows, min_periods) as :mod:`capcycle.valuation` checks them; ``ddof``
    in ``options`` checked too."""
    from capcycle.valuation import _ddof, _span

    shape = Adapted(np.empty((lazy.rows, 0)), None, lambda out: out)  # the length is what counts
    if "ddof" in options:
        options["ddof"] = _ddof(options["ddof"], options["scale"], shape)
    return _span(window, min_periods, shape)


def valuation(
    statistic: str, x: Any, window: Any, min_periods: Any, *, dim: str | None, rechunk: bool, **options: Any
) -> Any:
    """:mod:`capcycle.valuation`'s zscore/percentile_rank on a lazy input."""
    lazy = _Lazy(x, "x", 0, dim, None)
    kind, rows, periods = _valuation_args(lazy, window, min_periods, options)
    kernel = functools.partial(
        _valuation_kernel,
        statistic=statistic,
        kind=kind,
        rows=rows,
        options={"min_periods": periods, **options},
    )
    overlap = rows - 1 if kind == "rolling" else None
    return lazy.wrap(_run(lazy, kernel, overlap, rechunk=rechunk, what=f"window={window!r}"))


def bands(
    x: Any,
    levels: Sequence[float],
    window: Any,
    min_periods: Any,
    *,
    dim: str | None,
    rechunk: bool,
    **options: Any,
) -> Any:
    """:func:`capcycle.valuation.bands` on a lazy 1-D input: a dask DataFrame for dask
    input, an xarray Dataset for a DataArray."""
    lazy = _Lazy(x, "x", 0, dim, None)
    if lazy.data.ndim != 1:
        raise ValueError(f"x: expected a 1-D series, got {lazy.data.ndim}-D (call bands per column)")
    kind, rows, periods = _valuation_args(lazy, window, min_periods, options)
    kernel = functools.partial(
        _valuation_kernel,
        statistic="bands",
        kind=kind,
        rows=rows,
        options={"min_periods": periods, **options},
    )
    lazy.data = _stack([lazy.data, lazy.data])  # two columns in: centre and scale out
    overlap = rows - 1 if kind == "rolling" else None
    lines = _run(lazy, kernel, overlap, rechunk=rechunk, what=f"window={window!r}")
    value, middle, spread = lazy.data[:, 0], lines[:, 0], lines[:, 1]
    columns = {"value": value, "center": middle}
    unit = "sd" if options["scale"] == "std" else "mad"  # as valuation.bands names them
    for level in levels:
        columns[f"+{level:g}{unit}"] = middle + level * spread
        columns[f"-{level:g}{unit}"] = middle - level * spread
    if lazy.kind == "xarray":
        import xarray as xr

        coords = {lazy.dim: x.coords[lazy.dim]} if lazy.dim in x.coords else None
        return xr.Dataset({name: (lazy.dim, line) for name, line in columns.items()}, coords=coords)
    import dask.dataframe as dd

    table = _stack(list(columns.values()))
    if lazy.kind == "frame":
        return dd.from_dask_array(table.rechunk({0: lazy.lengths}), columns=list(columns), index=x.index)
    return dd.from_dask_array(table, columns=list(columns))


def _stack(columns: list[Any]) -> Any:
    if type(columns[0]).__module__.split(".")[0] == "dask":
        import dask.array as da

        return da.stack(columns, axis=1).rechunk({1: -1})
    return np.column_stack(columns)


# ------------------------------------------------------------------- event study


#: Series per event-study task (a DataFrame's columns are split into chunks this wide).
EVENT_SERIES_PER_TASK = 500


class _ColumnsOnDemand:
    """A dask array's columns read when sliced (``values[:, s:s + 1]``): what
    :meth:`capcycle.events.EventStudy.placebo` needs, one series at a time."""

    def __init__(self, array: Any) -> None:
        self.array = array
        self.shape = array.shape

    def __getitem__(self, key: Any) -> np.ndarray:
        return np.asarray(self.array[key].compute(), dtype=np.float64, order="F")


class _Presence:
    """Where each series has a value, read as ``events._align`` reads values (NaN
    where missing): the bits of the mask, not the data."""

    def __init__(self, valid: np.ndarray) -> None:
        self.valid = valid
        self.shape = valid.shape

    def __getitem__(self, key: Any) -> np.ndarray:
        return np.where(self.valid[key], 0.0, np.nan)


def _event_block(
    values: np.ndarray, days: np.ndarray, *, rows: np.ndarray, before: int, after: int, unit: Unit, kind: Kind
) -> tuple[np.ndarray, ...]:
    """One overlapped block's paths of the (event, series) pairs it owns (``rows``:
    events x series, block-local rows, -1 elsewhere: NaN paths), and their partial
    summary: (paths (offsets, series, events), count, mean, M2 per offset and series)."""
    from capcycle.events import _paths_array

    _pin_worker_threads()
    n_off, (n_events, n_series) = before + after + 1, rows.shape
    flat = _paths_array(days.reshape(-1), np.asfortranarray(values), rows, before, after, unit, kind)
    cube = flat.reshape(n_off, n_series, n_events)  # column s * events + e
    valid = ~np.isnan(cube)
    count = valid.sum(axis=2).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):  # +-inf paths, empty offsets
        mean = np.where(count > 0, np.where(valid, cube, 0.0).sum(axis=2) / count, 0.0)
        m2 = np.where(valid, (cube - mean[:, :, None]) ** 2, 0.0).sum(axis=2)
    return cube, count, mean, m2


def pooled_moments(parts: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> tuple[np.ndarray, ...]:
    """(count, mean, M2) of the union of groups, from each group's (count, mean, M2):
    the pairwise update of Chan, Golub and LeVeque (1979), exact in real arithmetic.

    >>> a, b = np.array([1.0, 2.0, 4.0]), np.array([8.0, 16.0])
    >>> part = lambda v: (np.float64(len(v)), v.mean(), ((v - v.mean()) ** 2).sum())
    >>> [round(float(v), 9) for v in pooled_moments([part(a), part(b)])]  # all five values: 5, 6.2, 148.8
    [5.0, 6.2, 148.8]
    """
    count, mean, m2 = (np.asarray(v, dtype=np.float64) for v in parts[0])
    for other_count, other_mean, other_m2 in parts[1:]:
        total = count + other_count
        with np.errstate(invalid="ignore", divide="ignore"):
            delta = other_mean - mean
            share = np.where(total > 0, other_count / total, 0.0)
            mean = mean + delta * share
            m2 = m2 + other_m2 + delta * delta * count * share
        count = total
    return count, mean, m2


def event_study(
    series: Any, events: Any, *, before: Any, after: Any, unit: Any, kind: Any, align: Any, outside: Any
) -> Any:
    """:func:`capcycle.events.event_study` on a dask Series/DataFrame (see there).

    The index and where each series has a value (a boolean mask, to align the events
    per series) are read once; the values stay in dask. Each block of rows,
    overlapped by as many rows as an event's window reaches, builds the paths of the
    (event, series) pairs whose row it holds (one task per block and chunk of
    ``EVENT_SERIES_PER_TASK`` series); the summary pools the blocks: mean and std from
    each block's count, mean and M2 (:func:`pooled_moments`), median, min, max and
    count from the paths regrouped by offset.
    """
    import dask
    import dask.array as da

    from capcycle import events as ev

    series = series.optimize()
    before, after = ev._count("before", before), ev._count("after", after)
    unit = ev._choice("unit", unit, ev._UNITS)
    kind = ev._choice("kind", kind, ev._KINDS)
    align = ev._choice("align", align, ev._ALIGNS)
    outside = ev._choice("outside", outside, ev._OUTSIDE)
    index = series.index.compute()
    ev._prepare_series(
        series._meta_nonempty.iloc[:1].set_axis(index[:1])
    )  # dtypes, named as for pandas input
    _, days, _, _ = ev._prepare_series(pd.Series(np.zeros(len(index)), index=index))  # the index's checks
    is_frame = series.ndim == 2
    names = list(series.columns) if is_frame else [series.name]
    values = series.to_dask_array(lengths=True).astype(np.float64)
    if values.ndim == 1:
        values = values[:, None]
    naive = ev._naive(index)
    requested = ev._parse_events(events, index)
    inside = ev._outside(requested, naive, days, outside)
    dropped, requested = requested[~inside], requested[inside]
    presence = _Presence((~da.isnan(values)).compute())
    rows = ev._align(requested, naive, days, presence, names, is_frame, align)  # type: ignore[arg-type]
    n_off, n_events = before + after + 1, len(requested)
    used = np.unique(rows[rows >= 0])
    before_rows = after_rows = 0
    if len(used):
        reach = _core.event_source_rows(days, used, np.array([-before, after], dtype=np.int64), unit)
        reach = np.where(reach < 0, np.array([[0], [len(index) - 1]]), reach)
        # One row beyond each end, so a calendar offset sees the date after its target.
        before_rows = int(np.max(used - reach[0])) + 1
        after_rows = int(np.max(reach[1] - used)) + 1
    chunks = merged_chunks(values.chunks[0], max(before_rows, after_rows))
    # Smaller only for one block, which has no neighbour.
    before_rows, after_rows = min(before_rows, min(chunks)), min(after_rows, min(chunks))
    values = values.rechunk({0: chunks, 1: EVENT_SERIES_PER_TASK})
    day_array = da.from_array(days.reshape(-1, 1), chunks=(chunks, 1))
    depth = {0: (before_rows, after_rows), 1: 0}
    wide = da.overlap.overlap(values, depth=depth, boundary="none")
    wide_days = da.overlap.overlap(day_array, depth=depth, boundary="none")
    bounds = np.concatenate([[0], np.cumsum(chunks)])
    owner = np.where(rows >= 0, np.searchsorted(bounds, rows, side="right") - 1, -1)  # block of each pair
    column_bounds = np.concatenate([[0], np.cumsum(values.chunks[1])])
    blocks, day_blocks = wide.to_delayed(), wide_days.to_delayed()
    task = dask.delayed(_event_block, pure=True, nout=4)
    parts = []
    for j in range(blocks.shape[1]):
        columns = slice(int(column_bounds[j]), int(column_bounds[j + 1]))
        mine = [i for i in range(len(chunks)) if (owner[:, columns] == i).any()]
        parts.append(
            [
                (
                    i,
                    task(
                        blocks[i, j],
                        day_blocks[i, 0],
                        before=before,
                        after=after,
                        unit=unit,
                        kind=kind,
                        rows=np.where(
                            owner[:, columns] == i,
                            rows[:, columns] - (int(bounds[i]) - (before_rows if i else 0)),
                            -1,
                        ),
                    ),
                )
                for i in mine
            ]
        )
    (computed,) = dask.compute([[part for _, part in chunk] for chunk in parts])
    cubes, stats = [], []
    for j, chunk in enumerate(computed):
        columns = slice(int(column_bounds[j]), int(column_bounds[j + 1]))
        cube = np.full((n_off, columns.stop - columns.start, n_events), np.nan)
        for (i, _), part in zip(parts[j], chunk, strict=True):
            owned = (owner[:, columns] == i).T[None, :, :]  # (1, series, events)
            cube = np.where(owned, part[0], cube)
        if chunk:
            count, mean, m2 = pooled_moments([part[1:] for part in chunk])
        else:  # no event in these series
            count = mean = m2 = np.zeros((n_off, cube.shape[1]))
        with np.errstate(invalid="ignore", divide="ignore"):
            std = np.where(count > 1, np.sqrt(m2 / (count - 1)), np.nan)
        has = count > 0
        with np.errstate(invalid="ignore"):
            low = np.where(has, np.fmin.reduce(cube, axis=2, initial=np.inf), np.nan)
            high = np.where(has, np.fmax.reduce(cube, axis=2, initial=-np.inf), np.nan)
        median = np.stack([ev._nanquantile(cube[:, s, :].T, 0.5) for s in range(cube.shape[1])], axis=1)
        by_stat = {
            "mean": np.where(has, mean, np.nan),
            "median": median,
            "min": low,
            "max": high,
            "std": std,
            "count": count,
        }
        cubes.append(cube)
        stats.append(np.stack([by_stat[name] for name in ev._STATS], axis=2))  # (offsets, series, stats)
    cube = np.concatenate(cubes, axis=1)
    table = np.concatenate(stats, axis=1).reshape(n_off, -1)
    study = ev._study(
        table,
        index,
        requested,
        dropped,
        rows,
        days,
        _ColumnsOnDemand(values),  # type: ignore[arg-type]  # read per series by .placebo()
        names,
        is_frame,
        before,
        after,
        unit,
        kind,
        align,
    )
    columns_index = (
        pd.MultiIndex.from_product([names, study.events], names=["series", "event"])
        if is_frame
        else study.events
    )
    study._paths = pd.DataFrame(cube.reshape(n_off, -1), index=study.offsets, columns=columns_index)
    return study
