"""Event studies: how series move around a list of dates (e.g. the Fed's first cuts).

:func:`event_study` aligns the events to the series' rows, computes the cross-event
statistics per offset straight from the series (Rust kernel
``capcycle._core.event_summary``, which never holds more than one series' paths)
and returns an :class:`EventStudy`; its ``.paths``, the path of every series
around every event (``capcycle._core.event_paths``), are built when first read.
Beyond the average path, :meth:`EventStudy.bootstrap` gives a confidence band for
the mean by resampling events and :meth:`EventStudy.placebo` says how unusual the
mean is against the same windows around random dates of the sample.

Definitions (see also ``src/kernels/events.rs``):

- Alignment: an event moves to the first row on or after its date whose value is not
  NaN (``align="next"``) or the last on or before it (``"previous"``), each column
  of a DataFrame on its own rows (``EventStudy.aligned``). Events before the first or
  after the last date of the series raise, or are dropped with a warning
  (``outside="drop"``, ``EventStudy.dropped``). Dates follow ``capcycle._dates``
  (ISO strings, Timestamps, dates; ``"03/07/2019"`` is refused as ambiguous).
- ``unit="trading_days"``: offset k is k rows from the event row;
  ``"days"``/``"months"``: offset k is the last row on or before the aligned event
  date plus k calendar days/months (the day of month clamped to the month's end:
  Jan 31 + 1 month = Feb 28/29). Offsets before the first or after the last date of
  the series are NaN.
- ``kind="level"``: ``x[k] / x[0] - 1``. ``kind="returns"``: the input holds simple
  returns and the path is the compounded index relative to the event row,
  ``I[k] / I[0] - 1`` with ``I = cumprod(1 + x)``: after the event it compounds the
  returns of the rows after the event row up to k; before it, it is
  ``1 / prod(1 + x over rows k+1..0) - 1`` (the event row's own return counts
  before the event). So ``kind="returns"`` on ``x`` equals ``kind="level"`` on
  ``(1 + x).cumprod()``. A missing return makes the path NaN beyond it.
"""

from __future__ import annotations

import html
import numbers
import warnings
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np
import pandas as pd

from capcycle import _core, _lazy
from capcycle._dates import DateLike, to_timestamps

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["EventStudy", "Placebo", "event_study"]

Unit = Literal["trading_days", "days", "months"]
Kind = Literal["level", "returns"]
Align = Literal["next", "previous"]
Outside = Literal["raise", "drop"]

_UNITS = ("trading_days", "days", "months")
_KINDS = ("level", "returns")
_ALIGNS = ("next", "previous")
_OUTSIDE = ("raise", "drop")
_STATS: tuple[str, ...] = tuple(_core.EVENT_SUMMARY_STATS)
# Resampling works on blocks of at most this many cells (offsets x draws x events).
_BLOCK_CELLS = 1 << 21


# --------------------------------------------------------------------------- checks


def _choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name}: must be one of {', '.join(repr(c) for c in choices)}; got {value!r}")
    return value


def _count(name: str, value: Any, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: must be an integer, got {type(value).__name__}")
    number = int(value)
    if number < minimum:
        raise ValueError(f"{name}: must be at least {minimum}, got {number}")
    return number


def _day_numbers(index: pd.DatetimeIndex) -> np.ndarray:
    """Days since 1970-01-01 of each (tz-naive) timestamp, whatever the resolution."""
    return index.to_numpy().astype("datetime64[D]").astype(np.int64)


def _naive(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Wall-clock time: tz-aware indexes lose their zone (dates as seen locally)."""
    return index.tz_localize(None) if index.tz is not None else index


def _prepare_series(series: Any) -> tuple[np.ndarray, np.ndarray, list[Any], bool]:
    """(values (rows, series) float64 copy, days int64, names, is_frame)."""
    if isinstance(series, pd.Series):
        frame, is_frame = series.to_frame(), False
    elif isinstance(series, pd.DataFrame):
        frame, is_frame = series, True
    elif type(series).__module__.split(".")[0] == "polars":
        raise TypeError(
            f"series: got a polars {type(series).__name__}; event_study works on pandas: pass "
            "df.to_pandas().set_index('<date column>') (the study's tables are pandas, indexed by offset)"
        )
    else:
        raise TypeError(
            f"series: must be a pandas Series or DataFrame with a DatetimeIndex, got {type(series).__name__}"
        )
    index = frame.index
    if not isinstance(index, pd.DatetimeIndex):
        raise TypeError(
            f"series: the index must be a DatetimeIndex (got {type(index).__name__}); "
            "set one with pd.to_datetime(...)"
        )
    if len(index) == 0:
        raise ValueError("series: is empty")
    if frame.shape[1] == 0:
        raise ValueError("series: the DataFrame has no columns")
    if index.hasnans:
        raise ValueError("series: the index has missing dates (NaT)")
    if not index.is_monotonic_increasing:
        raise ValueError("series: the index must be sorted ascending; use .sort_index()")
    if not index.is_unique:
        dup = index[index.duplicated()][0]
        raise ValueError(f"series: the index has duplicate dates (first: {dup}); drop or aggregate them")
    days = _day_numbers(_naive(index))
    if np.any(np.diff(days) <= 0):
        raise ValueError(
            "series: several rows fall on one day; event studies work on daily or coarser data "
            "(resample to daily first)"
        )
    for name, dtype in frame.dtypes.items():
        if (
            pd.api.types.is_bool_dtype(dtype)
            or not pd.api.types.is_numeric_dtype(dtype)
            or pd.api.types.is_complex_dtype(dtype)
        ):
            label = "series" if not is_frame else f"series[{name!r}]"
            raise TypeError(f"{label}: must be numeric, got dtype {dtype}")
    values = np.array(
        frame.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64, order="F", copy=True
    )
    return values, days, list(frame.columns), is_frame


def _parse_events(events: Any, index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Event dates (capcycle._dates rules) as a naive DatetimeIndex, in the caller's order."""
    parsed = to_timestamps(events, "events")
    if parsed.tz is not None:
        parsed = (
            parsed.tz_convert(index.tz).tz_localize(None)
            if index.tz is not None
            else parsed.tz_localize(None)
        )
    return parsed


def _outside(events: pd.DatetimeIndex, index: pd.DatetimeIndex, days: np.ndarray, outside: str) -> np.ndarray:
    """Mask of the events inside the series' first..last date; raise or warn for the others."""
    ev_days = _day_numbers(events)
    out = (ev_days < days[0]) | (ev_days > days[-1])
    inside: np.ndarray = ~out
    if not out.any():
        return inside
    listed = ", ".join(d.strftime("%Y-%m-%d") for d in events[out][:10]) + (", ..." if out.sum() > 10 else "")
    span = f"{index[0]:%Y-%m-%d} to {index[-1]:%Y-%m-%d}"
    if outside == "raise":
        raise ValueError(
            f"events: {listed} outside the data ({span}); pass outside='drop' to drop them, "
            "or extend the series"
        )
    if out.all():
        raise ValueError(f"events: every event ({listed}) is outside the data ({span}); nothing to study")
    warnings.warn(
        f"event_study: dropped {out.sum()} event(s) outside the data ({span}): {listed}",
        UserWarning,
        stacklevel=3,
    )
    return inside


def _align(
    events: pd.DatetimeIndex,
    index: pd.DatetimeIndex,
    days: np.ndarray,
    values: np.ndarray,
    names: list[Any],
    is_frame: bool,
    align: str,
) -> np.ndarray:
    """Row of each (event, series): the first valid (non-NaN) row of that series on or
    after the event day (``"next"``) or the last on or before it; -1 where there is none."""
    ev_days = _day_numbers(events)
    rows = np.full((len(events), values.shape[1]), -1, dtype=np.int64)
    for s in range(values.shape[1]):
        valid = np.flatnonzero(~np.isnan(values[:, s]))
        vdays = days[valid]
        if align == "next":
            at = np.searchsorted(vdays, ev_days, side="left")
            found = at < len(valid)
        else:
            at = np.searchsorted(vdays, ev_days, side="right") - 1
            found = at >= 0
        rows[found, s] = valid[at[found]]
        taken = rows[found, s]
        uniq, counts = np.unique(taken, return_counts=True)
        if (counts > 1).any():
            row = uniq[counts > 1][0]
            which = [events[int(i)].strftime("%Y-%m-%d") for i in np.flatnonzero(rows[:, s] == row)]
            label = f" in series[{names[s]!r}]" if is_frame else ""
            raise ValueError(
                f"events: {' and '.join(which)} all align to {index[int(row)]:%Y-%m-%d}{label} (align={align!r}); "
                "drop the duplicates"
            )
    return rows


def _alignment_groups(rows: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """(series positions, their event rows) per distinct alignment: usually one group,
    all series; a series whose NaN differ at an event forms a group of its own."""
    patterns, inverse = np.unique(rows.T, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).ravel()
    return [(np.flatnonzero(inverse == g), patterns[g]) for g in range(len(patterns))]


def _columns_of(values: np.ndarray, cols: np.ndarray) -> np.ndarray:
    return values if len(cols) == values.shape[1] else np.asfortranarray(values[:, cols])


def _nan_block(n_offsets: int, n_columns: int) -> np.ndarray:
    """A NaN array for the assembled output, as the kernels say when it is too large."""
    try:
        return np.full((n_offsets, n_columns), np.nan)
    except (ValueError, MemoryError):
        raise MemoryError(f"after: {n_offsets} offsets x {n_columns} columns do not fit in memory") from None


def _summary_array(
    days: np.ndarray, values: np.ndarray, rows: np.ndarray, before: int, after: int, unit: str, kind: str
) -> np.ndarray:
    """``_core.event_summary`` with one event row per (event, series): the statistics
    skip NaN, so a (series, event) without a row (-1, its path all NaN) is left out."""
    groups = _alignment_groups(rows)
    if len(groups) == 1 and (groups[0][1] >= 0).all():  # the usual case: one call, no copy
        return cast(np.ndarray, _core.event_summary(days, values, groups[0][1], before, after, unit, kind))
    n_stats = len(_STATS)
    out = _nan_block(before + after + 1, values.shape[1] * n_stats)
    for cols, pattern in groups:
        target = (cols[:, None] * n_stats + np.arange(n_stats)[None, :]).ravel()
        have = pattern >= 0
        if have.any():
            out[:, target] = _core.event_summary(
                days, _columns_of(values, cols), pattern[have], before, after, unit, kind
            )
        else:  # no event in these series: every statistic NaN, count 0
            out[:, (cols * n_stats + _STATS.index("count"))] = 0.0
    return out


def _paths_array(
    days: np.ndarray, values: np.ndarray, rows: np.ndarray, before: int, after: int, unit: str, kind: str
) -> np.ndarray:
    """``_core.event_paths`` (offsets, series * events) with one event row per (event,
    series); NaN paths where a series has no row (-1)."""
    groups = _alignment_groups(rows)
    if len(groups) == 1 and (groups[0][1] >= 0).all():
        return cast(np.ndarray, _core.event_paths(days, values, groups[0][1], before, after, unit, kind))
    m = rows.shape[0]
    out = _nan_block(before + after + 1, values.shape[1] * m)
    for cols, pattern in groups:
        have = np.flatnonzero(pattern >= 0)
        if len(have):
            target = (cols[:, None] * m + have[None, :]).ravel()
            out[:, target] = _core.event_paths(
                days, _columns_of(values, cols), pattern[have], before, after, unit, kind
            )
    return out


# ---------------------------------------------------------------- numpy helpers


def _nanmean(a: np.ndarray, axis: int) -> np.ndarray:
    """Mean skipping NaN, NaN where nothing is left, without warnings."""
    valid = ~np.isnan(a)
    count = valid.sum(axis=axis)
    # Paths may hold +-inf (a zero level at the event): inf - inf is NaN, quietly.
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        total = np.where(valid, a, 0.0).sum(axis=axis)
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _nanquantile(a: np.ndarray, q: float) -> np.ndarray:
    """Quantile along axis 0 skipping NaN (linear interpolation, like np.nanquantile),
    NaN for columns with no value, without warnings."""
    s = np.sort(a, axis=0)  # NaN sorts last
    count = (~np.isnan(s)).sum(axis=0)
    pos = (np.maximum(count, 1) - 1) * q
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, np.maximum(count - 1, 0))
    frac = pos - lo
    v_lo = np.take_along_axis(s, lo[None, :], axis=0)[0]
    v_hi = np.take_along_axis(s, hi[None, :], axis=0)[0]
    with np.errstate(invalid="ignore", over="ignore"):  # +-inf paths (see _nanmean)
        out = v_lo + (v_hi - v_lo) * frac
    out = np.where(frac == 0, v_lo, out)
    return np.where(count > 0, out, np.nan)


def _resampled_means(paths: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """Mean path of each draw: ``paths`` (offsets, K), ``draws`` (n, m) column numbers
    into it; returns (n, offsets), NaN skipped. Works in blocks to bound memory."""
    n, m = draws.shape
    n_off = paths.shape[0]
    out = np.empty((n, n_off))
    step = max(1, _BLOCK_CELLS // max(1, n_off * m))
    for start in range(0, n, step):
        block = paths[:, draws[start : start + step]]  # (offsets, c, m)
        out[start : start + step] = _nanmean(block, axis=2).T
    return out


def _rng(seed: Any) -> np.random.Generator:
    try:
        return np.random.default_rng(seed)
    except (TypeError, ValueError) as err:
        raise TypeError(f"seed: must be None, an int or a numpy Generator ({err})") from None


# ----------------------------------------------------------------------- results


class Placebo:
    """Where the real mean path falls among mean paths around random dates.

    Returned by :meth:`EventStudy.placebo`. Each of ``n`` draws picks as many random
    dates as the study has events (rows of the sample, with replacement) and takes
    the mean of their paths, exactly as the study does for the real events; the
    ``percentile`` of an offset is the share of draws whose mean is at or below the
    real mean there, a fraction in [0, 1] (0.72, written "72nd percentile" by
    :meth:`describe`), like ``valuation.percentile_rank`` and pandas'
    ``rank(pct=True)``.

    Attributes
    ----------
    means : DataFrame
        One row per draw, one column per offset (a Series study) or per (series,
        offset).
    real : Series or DataFrame
        The real mean path (index = offsets; one column per series for a DataFrame
        study).
    percentile : Series or DataFrame
        Share of the draws at or below the real mean, in [0, 1], per offset (and
        series); NaN where the real mean or every draw is NaN.
    draws : DataFrame
        The random dates of each draw (``n`` x events).
    """

    def __init__(
        self,
        means: pd.DataFrame,
        real: pd.Series | pd.DataFrame,
        percentile: pd.Series | pd.DataFrame,
        draws: pd.DataFrame,
        unit: str,
        dates: str,
    ) -> None:
        self.means = means
        self.real = real
        self.percentile = percentile
        self.draws = draws
        self.unit = unit
        self.dates = dates

    @property
    def n(self) -> int:
        """Number of draws."""
        return len(self.means)

    def at(self, offset: int) -> float | pd.Series:
        """The percentile of the real mean at ``offset``, a fraction in [0, 1] (a
        float, or a Series with one per series for a DataFrame study).

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from capcycle.events import event_study
        >>> x = pd.Series(np.arange(1.0, 301.0), index=pd.bdate_range("2020-01-01", periods=300))
        >>> pl = event_study(x, ["2020-03-02"], before=0, after=20).placebo(n=200, seed=0)
        >>> pl.at(20)  # a straight line gains less from later dates: 84 % of random draws do no better
        0.84
        """
        if (
            isinstance(offset, bool)
            or not isinstance(offset, numbers.Integral)
            or offset not in self.percentile.index
        ):
            raise ValueError(
                f"offset: must be one of the study's offsets "
                f"({self.percentile.index[0]}..{self.percentile.index[-1]}), got {offset!r}"
            )
        row = self.percentile.loc[int(offset)]
        return float(row) if np.ndim(row) == 0 else row

    def describe(self, offset: int) -> str:
        """A sentence for a figure caption, e.g. "the mean at +12 months after the 3
        events is at the 91st percentile of 10,000 placebo means of 3 random dates"
        (the fraction :meth:`at` gives, in percent, rounded).

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from capcycle.events import event_study
        >>> x = pd.Series(np.arange(1.0, 301.0), index=pd.bdate_range("2020-01-01", periods=300))
        >>> event_study(x, ["2020-03-02"], before=0, after=20).placebo(n=200, seed=0).describe(20)
        'the mean at +20 trading days after the 1 event is at the 84th percentile of 200 placebo means of 1 random date'
        """
        pct = self.at(offset)
        m = self.draws.shape[1]
        unit = self.unit.replace("_", " ")
        tail = f"of {self.n:,} placebo means of {m} random date{'s' if m > 1 else ''}"

        def one(p: float, label: str) -> str:
            where = (
                "undefined (no value)" if np.isnan(p) else f"at the {_ordinal(round(100.0 * p))} percentile"
            )
            return f"{label}the mean at {offset:+d} {unit} after the {m} event{'s' if m > 1 else ''} is {where} {tail}"

        if isinstance(pct, pd.Series):
            return "\n".join(one(float(p), f"{name}: ") for name, p in pct.items())
        return one(pct, "")

    def __repr__(self) -> str:
        return f"Placebo(n={self.n}, events={self.draws.shape[1]}, dates={self.dates!r})"


def _ordinal(k: int) -> str:
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


class EventStudy:
    """The result of :func:`event_study`.

    Attributes
    ----------
    paths : DataFrame
        Index = offsets ``-before..after`` (named ``offset``); one column per event
        (its aligned date, named ``event``), or per (series, event) for a DataFrame
        input. Built on first access, then kept.
    summary : DataFrame
        Index = offsets; columns ``mean, median, min, max, std, count`` (NaN
        skipped, ``std`` with ddof=1), or (series, stat) for a DataFrame input.
    events : DatetimeIndex
        One label per event, used by ``paths`` and ``intervals``: the date of the
        row the event aligned to (the first valid row on or after it for
        ``align="next"``). When the columns of a DataFrame align one event to
        different rows (their NaN differ there), or a series has no valid row in
        that direction (its path is then NaN), the label is the requested date;
        ``aligned`` has each series' row.
    aligned : DataFrame
        The date each series aligned each event to (index = requested dates,
        columns = series; NaT where a series has no valid row in the ``align``
        direction).
    requested : DatetimeIndex
        The event dates as given (less any dropped).
    dropped : DatetimeIndex
        The event dates dropped by ``outside="drop"`` (empty otherwise).
    before, after, unit, kind, align
        The study's parameters.
    """

    def __init__(
        self,
        *,
        summary: pd.DataFrame,
        events: pd.DatetimeIndex,
        aligned: pd.DataFrame,
        requested: pd.DatetimeIndex,
        dropped: pd.DatetimeIndex,
        rows: np.ndarray,
        days: np.ndarray,
        values: np.ndarray,
        names: list[Any],
        is_frame: bool,
        before: int,
        after: int,
        unit: Unit,
        kind: Kind,
        align: Align,
        index: pd.DatetimeIndex,
    ) -> None:
        self.summary = summary
        self.events = events
        self.aligned = aligned
        self.requested = requested
        self.dropped = dropped
        self.before, self.after = before, after
        self.unit: Unit = unit
        self.kind: Kind = kind
        self.align: Align = align
        self._rows, self._days, self._values = rows, days, values
        self._names, self._is_frame = names, is_frame
        self._dates = index  # the series' dates, for the placebo's draws
        self._paths: pd.DataFrame | None = None

    # ------------------------------------------------------------------ helpers

    @property
    def offsets(self) -> pd.RangeIndex:
        """The offsets ``-before..after`` (named ``offset``)."""
        return pd.RangeIndex(-self.before, self.after + 1, name="offset")

    @property
    def paths(self) -> pd.DataFrame:
        """Index = offsets; one column per event (per (series, event) for a DataFrame).

        Built on first use and kept: the summary does not need it, and for many
        series it is by far the largest part of a study (offsets x series x events).
        """
        if self._paths is None:
            raw = _paths_array(
                self._days, self._values, self._rows, self.before, self.after, self.unit, self.kind
            )
            if self._is_frame:
                columns: pd.Index = pd.MultiIndex.from_product(
                    [self._names, self.events], names=["series", "event"]
                )
            else:
                columns = self.events
            self._paths = pd.DataFrame(
                raw, index=self.offsets, columns=columns, copy=False
            )  # fresh from Rust
        return self._paths

    def _blocks(self) -> list[np.ndarray]:
        """Each series' path matrix (offsets, events)."""
        arr = self.paths.to_numpy(dtype=np.float64)
        m = len(self.events)
        return [arr[:, s * m : (s + 1) * m] for s in range(len(self._names))]

    def _columns(self, inner: Iterable[Any], name: str) -> pd.Index:
        if self._is_frame:
            columns: pd.Index = pd.MultiIndex.from_product([self._names, list(inner)], names=["series", name])
            return columns
        flat: pd.Index = pd.Index(list(inner), name=name)
        return flat

    # ------------------------------------------------------------------ API

    def intervals(self, pairs: Sequence[tuple[int, int]] | tuple[int, int]) -> pd.DataFrame:
        """The change from offset ``a`` to offset ``b``, per event, plus a mean row.

        The change is ``(1 + path[b]) / (1 + path[a]) - 1``: the return of the
        (relative) index from ``a`` to ``b``, for both kinds.

        Parameters
        ----------
        pairs : list of (int, int)
            Offsets ``(a, b)`` within ``-before..after``; a single pair is accepted.

        Returns
        -------
        DataFrame
            Index = the aligned events then ``"mean"`` (NaN skipped); one column per
            pair, labelled ``"a..b"`` (per (series, pair) for a DataFrame study).

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from capcycle.events import event_study
        >>> x = pd.Series(np.arange(1.0, 11.0), index=pd.bdate_range("2024-01-01", periods=10))
        >>> st = event_study(x, ["2024-01-03"], before=2, after=3)
        >>> st.intervals([(-2, 0), (0, 3)])
        interval             -2..0  0..3
        event
        2024-01-03 00:00:00    2.0   1.0
        mean                   2.0   1.0
        """
        given: Any = pairs
        if (
            isinstance(given, tuple)
            and len(given) == 2
            and all(isinstance(v, numbers.Integral) for v in given)
        ):
            given = [given]
        try:
            pairs = [tuple(p) for p in given]
        except TypeError:
            raise TypeError("pairs: must be a list of (a, b) offset pairs") from None
        if not pairs:
            raise ValueError("pairs: pass at least one (a, b) pair")
        pos = []
        for p in pairs:
            if len(p) != 2 or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in p):
                raise TypeError(f"pairs: each pair must be two integer offsets, got {p!r}")
            for v in p:
                if not -self.before <= v <= self.after:
                    raise ValueError(
                        f"pairs: offset {v} is outside the study's window ({-self.before}..{self.after})"
                    )
            pos.append((int(p[0]) + self.before, int(p[1]) + self.before))
        labels = [f"{a}..{b}" for a, b in pairs]
        cols = []
        for block in self._blocks():
            for a, b in pos:
                # A path of -100% or +-inf (a zero or infinite level) gives NaN/inf
                # here, as the paths themselves do: no warning (tests/test_hostile.py).
                with np.errstate(invalid="ignore", divide="ignore"):
                    cols.append((1.0 + block[b]) / (1.0 + block[a]) - 1.0)
        values = np.column_stack(cols)  # (events, series * pairs)
        values = np.vstack([values, _nanmean(values, axis=0)[None, :]])
        index = pd.Index([*self.events, "mean"], name="event", dtype=object)
        return pd.DataFrame(values, index=index, columns=self._columns(labels, "interval"))

    def bootstrap(self, n: int = 10_000, seed: Any = None, level: float = 0.9) -> pd.DataFrame:
        """A confidence band for the mean path, resampling events with replacement.

        Each of ``n`` draws picks ``len(events)`` events with replacement (the same
        draws for every series, so series stay comparable) and takes their mean path,
        NaN skipped; the band is the ``(1 - level) / 2`` and ``(1 + level) / 2``
        quantiles of those means per offset (percentile bootstrap, linear
        interpolation, draws with no value at an offset skipped). With few events
        the band is coarse: three events have only ten distinct resamples.

        Parameters
        ----------
        n : int, default 10_000
            Number of resamples.
        seed : int, numpy Generator or None
            For ``np.random.default_rng``; the same seed gives the same band.
        level : float, default 0.9
            Coverage of the band, in (0, 1).

        Returns
        -------
        DataFrame
            Index = offsets; columns ``mean`` (the study's mean path), ``lower``,
            ``upper`` and ``se`` (the standard deviation of the resampled means,
            ddof=1); (series, stat) columns for a DataFrame study.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from capcycle.events import event_study
        >>> idx = pd.bdate_range("2020-01-01", periods=300)
        >>> x = pd.Series(np.exp(np.random.default_rng(0).normal(0, 0.01, 300).cumsum()), index=idx)
        >>> st = event_study(x, ["2020-03-02", "2020-06-01", "2020-09-01"], before=5, after=20)
        >>> band = st.bootstrap(n=1000, seed=1)
        >>> bool((band["lower"] <= band["upper"]).all())
        True
        """
        n = _count("n", n, minimum=1)
        if isinstance(level, bool) or not isinstance(level, numbers.Real) or not 0.0 < float(level) < 1.0:
            raise ValueError(f"level: must be a number in (0, 1), got {level!r}")
        rng = _rng(seed)
        m = len(self.events)
        draws = rng.integers(0, m, size=(n, m))
        lo_q, hi_q = (1.0 - float(level)) / 2.0, (1.0 + float(level)) / 2.0
        data = []
        for block in self._blocks():
            means = _resampled_means(block, draws)  # (n, offsets)
            mean = _nanmean(block, axis=1)
            valid = ~np.isnan(means)
            k = valid.sum(axis=0)
            with np.errstate(invalid="ignore", divide="ignore", over="ignore"):  # +-inf paths
                dev = np.where(valid, means - _nanmean(means, axis=0), 0.0)
                se = np.where(k > 1, np.sqrt((dev**2).sum(axis=0) / np.maximum(k - 1, 1)), np.nan)
            data += [mean, _nanquantile(means, lo_q), _nanquantile(means, hi_q), se]
        return pd.DataFrame(
            np.column_stack(data),
            index=self.offsets,
            columns=self._columns(["mean", "lower", "upper", "se"], "stat"),
        )

    def placebo(self, n: int = 1000, seed: Any = None, *, dates: Literal["full", "all"] = "full") -> Placebo:
        """The same windows around random dates: how unusual is the real mean path?

        Each of ``n`` draws picks as many dates as the study has events, at random
        (uniformly, with replacement) among the rows of the sample, builds their
        paths with the study's ``before``, ``after``, ``unit`` and ``kind``, and
        takes their mean path (NaN skipped) as the study does. The real mean's
        percentile among the draws, per offset, says how often random dates do at
        least as well ("the 12-month mean after first cuts is at the 93rd percentile
        of random dates", ``.at(12) == 0.93``: only 7% of random draws beat it).
        Percentiles are fractions in [0, 1]. Offset 0 is always 0, so its
        percentile is 1 and says nothing.

        Parameters
        ----------
        n : int, default 1000
            Number of draws.
        seed : int, numpy Generator or None
            For ``np.random.default_rng``; the same seed gives the same draws.
        dates : {"full", "all"}, default "full"
            ``"full"``: only rows whose whole window (``-before..after``) lies in the
            data; ``"all"``: every row (windows padded with NaN like the real ones).

        Returns
        -------
        Placebo
            ``.percentile`` per offset (fractions in [0, 1]), ``.at(offset)``, ``.describe(offset)``,
            ``.means`` (the draws' mean paths), ``.real`` and ``.draws``.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from capcycle.events import event_study
        >>> idx = pd.bdate_range("2015-01-01", periods=1500)
        >>> x = pd.Series(np.exp(np.random.default_rng(0).normal(0, 0.01, 1500).cumsum()), index=idx)
        >>> st = event_study(x, ["2016-03-01", "2017-06-01", "2018-09-03"], before=10, after=60)
        >>> pl = st.placebo(n=500, seed=42)
        >>> 0.0 <= pl.at(60) <= 1.0
        True
        """
        n = _count("n", n, minimum=1)
        dates = _choice("dates", dates, ("full", "all"))  # type: ignore[assignment]
        rng = _rng(seed)
        all_rows = np.arange(len(self._days), dtype=np.int64)
        if dates == "full":
            ends = _core.event_source_rows(
                self._days, all_rows, np.array([-self.before, self.after], dtype=np.int64), self.unit
            )
            candidates = all_rows[(ends >= 0).all(axis=0)]
            if len(candidates) == 0:
                raise ValueError(
                    "dates: no row of the sample has its whole window in the data; "
                    "use dates='all' or a shorter window"
                )
        else:
            candidates = all_rows
        m = len(self.events)
        draws = candidates[rng.integers(0, len(candidates), size=(n, m))]
        unique, inverse = np.unique(draws, return_inverse=True)
        inverse = inverse.reshape(draws.shape)
        offsets = self.offsets
        means_cols, real_cols, pct_cols = [], [], []
        for s, block in enumerate(self._blocks()):
            # Paths of the drawn rows only (one series at a time bounds memory).
            pp = _core.event_paths(
                self._days, self._values[:, s : s + 1], unique, self.before, self.after, self.unit, self.kind
            )
            means = _resampled_means(pp, inverse)  # (n, offsets)
            real = _resampled_means(block, np.arange(m)[None, :])[0]  # same arithmetic as the draws
            valid = ~np.isnan(means)
            k = valid.sum(axis=0)
            below = (valid & (means <= real[None, :])).sum(axis=0)
            with np.errstate(invalid="ignore", divide="ignore"):
                pct = np.where((k > 0) & ~np.isnan(real), below / np.maximum(k, 1), np.nan)
            means_cols.append(means)
            real_cols.append(real)
            pct_cols.append(pct)
        draw_index = pd.RangeIndex(n, name="draw")
        means_df = pd.DataFrame(
            np.hstack(means_cols), index=draw_index, columns=self._columns(offsets, "offset")
        )
        draws_df = pd.DataFrame(
            self._dates.to_numpy()[draws], index=draw_index, columns=pd.RangeIndex(m, name="event")
        )
        if self._is_frame:
            names = pd.Index(self._names, name="series")
            real_out: pd.Series | pd.DataFrame = pd.DataFrame(
                np.column_stack(real_cols), index=offsets, columns=names
            )
            pct_out: pd.Series | pd.DataFrame = pd.DataFrame(
                np.column_stack(pct_cols), index=offsets, columns=names
            )
        else:
            real_out = pd.Series(real_cols[0], index=offsets, name="mean")
            pct_out = pd.Series(pct_cols[0], index=offsets, name="percentile")
        return Placebo(means_df, real_out, pct_out, draws_df, self.unit, dates)

    def plot(self, ax: Axes | None = None) -> Axes:
        """Draw each event's path (thin) and the mean path (thick); return the Axes.

        A DataFrame study draws one colour per series. matplotlib is imported here,
        not with capcycle.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import matplotlib.pyplot as plt
        >>> import numpy as np, pandas as pd
        >>> from capcycle.events import event_study
        >>> x = pd.Series(np.arange(1.0, 41.0), index=pd.bdate_range("2024-01-01", periods=40))
        >>> ax = event_study(x, ["2024-01-10", "2024-02-01"], before=5, after=10).plot()
        >>> ax.get_xlabel()
        'offset (trading days)'
        >>> plt.close("all")
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(8, 4.5))
        x = self.offsets.to_numpy()
        colors = plt.rcParams["axes.prop_cycle"].by_key().get("color", ["C0"])
        m = len(self.events)
        for s, block in enumerate(self._blocks()):
            color = colors[s % len(colors)] if self._is_frame else None
            for e in range(m):
                label = None if self._is_frame else f"{self.events[e]:%Y-%m-%d}"
                ax.plot(
                    x, block[:, e], lw=0.9, alpha=0.35 if self._is_frame else 0.7, color=color, label=label
                )
            name = f"{self._names[s]} mean" if self._is_frame else "mean"
            ax.plot(x, _nanmean(block, axis=1), lw=2.4, color=color or "black", label=name)
        ax.axvline(0, color="grey", lw=0.8, ls="--")
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_xlabel(f"offset ({self.unit.replace('_', ' ')})")
        ax.set_ylabel(
            "change since the event" if self.kind == "level" else "compounded return since the event"
        )
        ax.legend(fontsize="small", ncol=2)
        return ax

    # ------------------------------------------------------------------ display

    def __repr__(self) -> str:
        names = ", ".join(repr(n) for n in self._names[:5]) + (", ..." if len(self._names) > 5 else "")
        return (
            f"EventStudy({len(self.events)} events, offsets {-self.before}..{self.after} {self.unit}, "
            f"kind={self.kind!r}, align={self.align!r}, series=[{names}])"
        )

    def _display_offsets(self) -> list[int]:
        idx = self.offsets
        picks = {idx[0], 0, idx[-1]}
        for frac in (0.25, 0.5, 0.75):
            picks.add(round(self.after * frac))
            picks.add(-round(self.before * frac))
        return sorted(p for p in picks if idx[0] <= p <= idx[-1])

    def _repr_html_(self) -> str:
        events = pd.DataFrame(
            {
                "requested": self.requested.strftime("%Y-%m-%d"),
                "aligned": pd.DatetimeIndex(self.events).strftime("%Y-%m-%d"),
            }
        )
        summary = self.summary.loc[self._display_offsets()]
        title = html.escape(repr(self))
        return (
            "<div class='capcycle-eventstudy'>"
            f"<p><b>{title}</b></p>"
            "<details open><summary>events</summary>"
            f"{events.to_html(index=False)}</details>"
            "<details open><summary>summary at selected offsets (.summary has all)</summary>"
            f"{summary.to_html(float_format=lambda v: f'{v:.4f}')}</details>"
            "</div>"
        )


# ------------------------------------------------------------------ entry point


def event_study(
    series: pd.Series | pd.DataFrame,
    events: DateLike | Iterable[DateLike],
    *,
    before: int,
    after: int,
    unit: Unit = "trading_days",
    kind: Kind = "level",
    align: Align = "next",
    outside: Outside = "raise",
) -> EventStudy:
    """Paths of a series (or every column of a DataFrame) around a list of events.

    Parameters
    ----------
    series : Series or DataFrame
        Indexed by a sorted DatetimeIndex with unique dates (daily or coarser);
        usually a relative-performance index (small over large caps). A DataFrame
        studies every column at once. Not modified. pandas only: a polars DataFrame
        is refused with a TypeError (convert it with ``.to_pandas()`` and set its
        date column as the index).
    events : date-like or list/Index/Series of them
        ISO strings (``"2019-07-31"``), Timestamps, ``datetime.date``/``datetime``,
        ``numpy.datetime64`` (see ``capcycle._dates``: ``"03/07/2019"`` is
        ambiguous and refused). Kept in the given order.
    before, after : int
        The window: offsets ``-before..after`` (both >= 0).
    unit : {"trading_days", "months", "days"}, default "trading_days"
        ``"trading_days"``: offset k is k rows from the event row. ``"months"`` /
        ``"days"``: offset k is the last row on or before the aligned event date plus
        k calendar months / days (month ends clamped: Jan 31 + 1 month = Feb 28/29).
    kind : {"level", "returns"}, default "level"
        ``"level"``: ``series[k] / series[0] - 1``. ``"returns"``: the input holds
        simple returns, compounded from the event (offset 0 is 0; see the module
        docstring for negative offsets).
    align : {"next", "previous"}, default "next"
        Where an event moves when its date is not a row of the series, or its row is
        NaN: to the first valid row on or after it (``"next"``) or the last valid
        row on or before it. A DataFrame aligns each column on its own valid rows
        (``EventStudy.aligned``); a column with no valid row in that direction gets
        a NaN path for that event (left out of the summary's ``count``).
    outside : {"raise", "drop"}, default "raise"
        An event before the first or after the last date of the series:
        ``"raise"`` a ValueError; ``"drop"`` drops it with a warning that lists it
        (``EventStudy.dropped`` keeps them).

    Returns
    -------
    EventStudy
        ``.paths``, ``.summary``, ``.intervals()``, ``.bootstrap()``,
        ``.placebo()``, ``.plot()``.

    Raises
    ------
    TypeError
        ``series`` not a pandas Series/DataFrame with a DatetimeIndex (polars
        included), non-numeric values, non-integer windows, events that are numbers.
    ValueError
        Unsorted or duplicate index, events outside the data (``outside="raise"``)
        or all of them outside (``"drop"``), ambiguous or unparseable dates, two
        events on one row, negative ``before``/``after``, unknown
        unit/kind/align/outside.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from capcycle.events import event_study
    >>> x = pd.Series(np.arange(1.0, 11.0), index=pd.bdate_range("2024-01-01", periods=10))
    >>> st = event_study(x, ["2024-01-06"], before=2, after=2)  # a Saturday: next row is Monday
    >>> st.paths
    event   2024-01-08
    offset
    -2       -0.333333
    -1       -0.166667
     0        0.000000
     1        0.166667
     2        0.333333
    >>> st.summary.loc[2, ["mean", "count"]].round(4).tolist()
    [0.3333, 1.0]

    Events outside the data are dropped when asked, and said:

    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     st = event_study(x, ["2023-06-30", "2024-01-08"], before=2, after=2, outside="drop")
    >>> print(caught[0].message)
    event_study: dropped 1 event(s) outside the data (2024-01-01 to 2024-01-12): 2023-06-30
    >>> list(st.dropped.strftime("%Y-%m-%d")), list(st.events.strftime("%Y-%m-%d"))
    (['2023-06-30'], ['2024-01-08'])
    """
    if _lazy.kind_of(series) == "frame":
        return _lazy.event_study(
            series, events, before=before, after=after, unit=unit, kind=kind, align=align, outside=outside
        )
    before = _count("before", before)
    after = _count("after", after)
    unit = _choice("unit", unit, _UNITS)  # type: ignore[assignment]
    kind = _choice("kind", kind, _KINDS)  # type: ignore[assignment]
    align = _choice("align", align, _ALIGNS)  # type: ignore[assignment]
    outside = _choice("outside", outside, _OUTSIDE)  # type: ignore[assignment]
    values, days, names, is_frame = _prepare_series(series)
    index = cast(pd.DatetimeIndex, series.index)  # checked by _prepare_series
    naive = _naive(index)
    requested = _parse_events(events, index)
    inside = _outside(requested, naive, days, outside)
    dropped, requested = requested[~inside], requested[inside]
    rows = _align(requested, naive, days, values, names, is_frame, align)
    raw_summary = _summary_array(days, values, rows, before, after, unit, kind)
    return _study(
        raw_summary,
        index,
        requested,
        dropped,
        rows,
        days,
        values,
        names,
        is_frame,
        before,
        after,
        unit,
        kind,
        align,
    )


def _study(
    raw_summary: np.ndarray,
    index: pd.DatetimeIndex,
    requested: pd.DatetimeIndex,
    dropped: pd.DatetimeIndex,
    rows: np.ndarray,
    days: np.ndarray,
    values: np.ndarray,
    names: list[Any],
    is_frame: bool,
    before: int,
    after: int,
    unit: Unit,
    kind: Kind,
    align: Align,
) -> EventStudy:
    """The EventStudy of a summary (offsets, series * stats) and the events' rows (also
    built by ``capcycle._lazy.event_study`` for dask input)."""
    found = np.where(rows >= 0, rows, 0)
    aligned = pd.DataFrame(
        {s: index.take(found[:, s]).where(rows[:, s] >= 0) for s in range(len(names))},
        index=pd.DatetimeIndex(requested, name="requested"),
    )
    aligned.columns = pd.Index(names, name="series")
    same = (rows >= 0).all(axis=1) & (rows == rows[:, :1]).all(axis=1)
    in_zone = (
        requested
        if index.tz is None
        else requested.tz_localize(index.tz, ambiguous="NaT", nonexistent="shift_forward")
    )
    labels = pd.DatetimeIndex(index.take(found[:, 0]).where(same, in_zone), name="event")
    offsets = pd.RangeIndex(-before, after + 1, name="offset")
    if is_frame:
        stat_cols: pd.Index = pd.MultiIndex.from_product([names, list(_STATS)], names=["series", "stat"])
    else:
        stat_cols = pd.Index(list(_STATS), name="stat")
    summary = pd.DataFrame(raw_summary, index=offsets, columns=stat_cols, copy=False)  # fresh array: no copy
    return EventStudy(
        summary=summary,
        events=labels,
        aligned=aligned,
        requested=requested,
        dropped=dropped,
        rows=rows,
        days=days,
        values=values,
        names=names,
        is_frame=is_frame,
        before=before,
        after=after,
        unit=unit,
        kind=kind,
        align=align,
        index=index,
    )
