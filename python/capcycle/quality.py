"""Quality screens: which firms are more profitable, and improving faster, than the rest?

The research note ends by tilting toward *high-quality* small and mid caps, chosen by
"static and trend-based observations of return on equity (ROE) and return on assets
(ROA)". This module is that screen, on a panel per metric: dates along the rows (time
along axis 0, as everywhere in capcycle), firms along the columns, ragged (firms enter
and leave, values are missing).

- :func:`rank`: each firm's cross-sectional rank on each date (NaN skipped, ties
  averaged), pandas' ``DataFrame.rank(axis=1, pct=True)``, rows in parallel in Rust.
- :func:`trend`: each firm's rolling least-squares slope against time, per row (a
  quarterly ROE gives its change per quarter), from the rolling-moment window engine.
- :func:`screen`: a composite score from the level and trend ranks of every metric,
  and the top fraction's membership on each date.
- :func:`read_fundamentals`: a long or wide CSV of fundamentals into those panels.

Examples
--------
>>> import pandas as pd
>>> from capcycle import quality
>>> roe = pd.DataFrame({"A": [0.10, 0.12, 0.14], "B": [0.20, 0.16, 0.12],
...                     "C": [0.05, 0.07, 0.08]})
>>> quality.rank(roe).iloc[-1].tolist()
[1.0, 0.6666666666666666, 0.3333333333333333]
>>> quality.trend(roe, 3).iloc[-1].round(3).tolist()
[0.02, -0.04, 0.015]
>>> quality.screen({"roe": roe}, window=3, top=0.3).members.iloc[-1].tolist()
[True, False, False]
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import reduce
from typing import Any

import numpy as np
import pandas as pd

from capcycle import _core
from capcycle._adapt import as_float_array, check_int

__all__ = ["Screen", "rank", "read_fundamentals", "screen", "trend"]


def rank(x: Any, *, pct: bool = True) -> Any:
    """Cross-sectional rank of each firm on each date: pandas' ``rank(axis=1, pct=True)``.

    Each row (a date) is ranked on its own along the columns (firms): NaN is skipped
    and stays NaN, ties share the average of the ranks they span, ``-0.0`` ties with
    ``0.0`` and infinities rank as the extremes. With ``pct=True`` a rank is divided by
    the row's count of non-NaN values, so the best firm gets 1.0 and the worst ``1/n``.
    Rows run in parallel (Rust, rayon); results are bit-identical to pandas'.

    Parameters
    ----------
    x : array-like, DataFrame or Series
        2-D: dates x firms. 1-D: a single cross-section (one date), like
        ``Series.rank(pct=True)``.
    pct : bool, default True
        Percentile ranks in (0, 1]; ``False`` gives the average ranks 1..n.

    Returns
    -------
    Same type as ``x``
        float64; an all-NaN row stays all NaN.

    Raises
    ------
    TypeError
        Non-numeric ``x``, ``pct`` not a bool.
    ValueError
        0-D or 3-D ``x``.

    Examples
    --------
    >>> from capcycle import quality
    >>> quality.rank([[3.0, 1.0, 3.0, float("nan")]], pct=False).tolist()
    [[2.5, 1.0, 2.5, nan]]
    """
    if not isinstance(pct, (bool, np.bool_)):
        raise TypeError(f"pct: must be True or False, got {type(pct).__name__}")
    adapted = as_float_array(x, "x")
    values = adapted.values
    if values.ndim == 1:
        return adapted.wrap(_core.quality_rank(values[np.newaxis, :], pct=bool(pct))[0])
    return adapted.wrap(_core.quality_rank(values, pct=bool(pct)))


def _trend_window(window: Any, min_periods: Any) -> tuple[int, int]:
    if isinstance(window, str):
        raise ValueError(f"window: trend takes an int number of rows (the slope is per row), got {window!r}")
    rows = check_int(window, "window", minimum=2)
    periods = rows if min_periods is None else check_int(min_periods, "min_periods", minimum=0)
    if periods > rows:
        raise ValueError(f"min_periods: {periods} is larger than the window ({rows})")
    return rows, periods


def _slopes(values: np.ndarray, window: int, min_periods: int) -> np.ndarray:
    # The slope of x on t is the rolling beta of x on t = 0, 1, 2, ...: the moment
    # engine of capcycle.rolling, with its exact sums and its NaN rule (a row counts
    # where x is not NaN; t never is).
    time = np.arange(values.shape[0], dtype=np.float64)
    return _core.rolling_pair(values, time, "beta", window, min_periods)


def trend(x: Any, window: int, *, min_periods: int | None = None) -> Any:
    """Rolling least-squares slope of each column against time, per row.

    For each row ``i`` and column, the slope of the line fitted to the column's
    non-NaN values in rows ``i - window + 1 .. i`` against their row numbers:
    ``cov(t, x) / var(t)``, which is ``numpy.polyfit(t, x, 1)[0]`` on those points. A
    quarterly ROE gives its change per quarter. It is the rolling beta of ``x`` on
    ``t = 0, 1, 2, ...`` (:func:`capcycle.rolling.beta`), so it runs on the same
    window engine and is exact in the same sense: a constant window gives exactly 0,
    and values offset by 1e9 keep a relative error below 1e-12.

    Parameters
    ----------
    x : array-like, Series or DataFrame
        Values with time along axis 0 (rows evenly spaced: the slope is per row).
    window : int
        Rows per window, at least 2.
    min_periods : int, optional
        Fewest non-NaN values for a slope (default ``window``); a window with fewer,
        or with a single value, gives NaN; so does a window holding an infinity.

    Returns
    -------
    Same type as ``x``
        float64 slopes, NaN where there are too few values.

    Raises
    ------
    ValueError
        ``window`` < 2 or a duration string, ``min_periods`` > ``window`` or < 0,
        0-D or 3-D ``x``.
    TypeError
        Non-numeric ``x``, non-integer ``window``/``min_periods``.

    Examples
    --------
    >>> from capcycle import quality
    >>> quality.trend([1.0, 3.0, float("nan"), 7.0], 3, min_periods=2).tolist()
    [nan, 2.0, 2.0, 2.0]
    """
    rows, periods = _trend_window(window, min_periods)
    adapted = as_float_array(x, "x")
    return adapted.wrap(_slopes(adapted.values, rows, periods))


@dataclass(frozen=True)
class Screen:
    """What :func:`screen` returns; it also unpacks as ``scores, members, eligible``.

    Attributes
    ----------
    scores : DataFrame or ndarray
        The composite score of each eligible firm on each date, in (0, 1]; NaN for a
        firm without enough data on that date.
    members : DataFrame or ndarray of bool
        The firms in the top fraction on each date.
    eligible : Series or ndarray of int64
        How many firms had enough data (a score) on each date.
    """

    scores: Any
    members: Any
    eligible: Any

    def __iter__(self) -> Iterator[Any]:
        return iter((self.scores, self.members, self.eligible))


def _fraction(value: Any, name: str, *, low: float, high: float, open_low: bool) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: must be a number, got {type(value).__name__}")
    value = float(value)
    bound = "(" if open_low else "["
    if not ((low < value) if open_low else (low <= value)) or not value <= high:
        raise ValueError(f"{name}: must be in {bound}{low:g}, {high:g}], got {value}")
    return value


def _panels(metrics: Any) -> tuple[list[str], list[np.ndarray], pd.Index | None, pd.Index | None, Any]:
    """The metrics' names and float64 panels on common rows and columns: pandas
    DataFrames are aligned on the union of their dates and of their firms; arrays must
    share a shape. Returns the dates and firms of the DataFrames (None for arrays), and
    for arrays how to give a result the first panel's type (ndarray, polars)."""
    if not isinstance(metrics, Mapping):
        raise TypeError(
            f"metrics: must be a dict of panels such as {{'roe': df, 'roa': df}}, got {type(metrics).__name__}"
        )
    if not metrics:
        raise ValueError("metrics: is empty; give at least one panel, e.g. {'roe': df}")
    names = [str(k) for k in metrics]
    frames = [isinstance(v, pd.DataFrame) for v in metrics.values()]
    if any(frames) and not all(frames):
        raise TypeError(
            "metrics: mixes DataFrames and arrays; give all panels as DataFrames or all as arrays"
        )
    if all(frames):
        for name, frame in zip(names, metrics.values(), strict=True):
            label = f"metrics[{name!r}]"
            if not frame.index.is_unique or not frame.columns.is_unique:
                raise ValueError(f"{label}: has duplicate dates or firms (index and columns must be unique)")
            if not frame.index.is_monotonic_increasing:
                raise ValueError(f"{label}: dates must be sorted ascending (use .sort_index())")
        dates = reduce(lambda a, b: a.union(b), [f.index for f in metrics.values()])
        firms = reduce(lambda a, b: a.union(b), [f.columns for f in metrics.values()])
        panels = []
        for name, frame in zip(names, metrics.values(), strict=True):
            if not (frame.index.equals(dates) and frame.columns.equals(firms)):
                frame = frame.reindex(index=dates, columns=firms)
            panels.append(as_float_array(frame, f"metrics[{name!r}]").values)
        return names, panels, dates, firms, None
    panels, wrap = [], None
    for name, value in zip(names, metrics.values(), strict=True):
        adapted = as_float_array(value, f"metrics[{name!r}]")
        values, wrap = adapted.values, wrap or adapted.wrap
        if values.ndim != 2:
            raise ValueError(f"metrics[{name!r}]: must be 2-D (dates x firms), got {values.ndim}-D")
        if panels and values.shape != panels[0].shape:
            raise ValueError(
                f"metrics[{name!r}]: has shape {values.shape} but metrics[{names[0]!r}] has {panels[0].shape}"
            )
        panels.append(values)
    return names, panels, None, None, wrap


def _top_members(scores: np.ndarray, eligible: np.ndarray, top: float) -> np.ndarray:
    """Firms whose score is at least the k-th best of their date, k = ceil(top * n)."""
    if scores.shape[1] == 0:
        return np.zeros(scores.shape, dtype=bool)
    n = eligible.sum(axis=1)
    # round first: 0.1 * 30 is 3.0000000000000004 in binary, and must give 3, not 4
    k = np.ceil(np.round(top * n, 9)).astype(np.int64)
    ordered = np.sort(np.where(eligible, scores, -np.inf), axis=1)
    kth = ordered[np.arange(len(k)), np.clip(scores.shape[1] - k, 0, scores.shape[1] - 1)]
    return eligible & (k[:, np.newaxis] >= 1) & (scores >= kth[:, np.newaxis])


def screen(
    metrics: Mapping[str, Any],
    *,
    window: int = 8,
    top: float = 0.2,
    static_weight: float = 0.5,
    min_periods: int | None = None,
) -> Screen:
    """Score firms on the level and the trend of each metric; keep the top fraction.

    On each date, for every metric ``m`` (``{"roe": df, "roa": df}``), each eligible
    firm gets its level rank ``L_m`` (:func:`rank` of the metric, pct) and its trend
    rank ``T_m`` (:func:`rank` of :func:`trend` over ``window`` rows). Its score is

        ``sum over m of (static_weight * L_m + (1 - static_weight) * T_m) / M``

    accumulated in the metrics' order (M metrics), in (0, 1]. The members are the
    ``ceil(top * n)`` best-scored of the ``n`` eligible firms of the date.

    The choices, written down:

    - **Eligible firms.** A firm is scored on a date only if it has every component
      that carries weight, for every metric: a level (the value is not NaN) when
      ``static_weight > 0``, and a trend (at least ``min_periods`` values in the
      trend window) when ``static_weight < 1``. A firm with a level but no trend yet
      (a new listing, a gap in its history) is not scored and not a member until
      its trend exists; ``eligible`` counts the scored firms per date.
    - **One universe per date.** Levels and trends are ranked among the eligible
      firms only, so every percentile of a date is over the same ``n`` firms and the
      metrics weigh the same (1/M each), however many firms report each one: a
      metric that few firms report shrinks the universe instead of being re-weighted.
    - **Ties.** Equal values share their average rank (pandas' ``method="average"``),
      and a firm tied with the k-th best score is a member too, so a date can have
      more than ``ceil(top * n)`` members when scores tie at the cut.
    - **Alignment.** DataFrames are aligned on the union of their dates and firms
      (NaN where a metric lacks a date or firm); the trend window counts rows of that
      union, so give panels with the same dates (quarter-ends) unless you mean it.

    Parameters
    ----------
    metrics : dict of str to DataFrame or 2-D array-like
        One panel per metric, dates x firms (time along axis 0, sorted ascending);
        higher is better. All pandas DataFrames, or all arrays (numpy, lists, polars
        DataFrames) of one shape; the results take the first panel's type.
    window : int, default 8
        Rows of the trend window (8 quarters: two years of quarterly reports).
    top : float, default 0.2
        The fraction kept on each date, in (0, 1].
    static_weight : float, default 0.5
        Weight of the level ranks against the trend ranks, in [0, 1]: 1 screens on
        levels alone (no trend needed), 0 on trends alone.
    min_periods : int, optional
        Fewest values in the trend window for a trend (default ``window``).

    Returns
    -------
    Screen
        ``scores`` and ``members`` (DataFrames on the aligned dates and firms, or the
        first panel's array type), ``eligible`` (a Series named ``"eligible"`` on the dates, or an
        int64 array). Unpacks as ``scores, members, eligible = screen(...)``.

    Raises
    ------
    ValueError
        Empty ``metrics``, panels of different shapes, unsorted or duplicate dates,
        ``top``/``static_weight``/``window``/``min_periods`` out of range.
    TypeError
        ``metrics`` not a dict, non-numeric panels, arrays mixed with DataFrames.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from capcycle import quality
    >>> dates = pd.period_range("2020Q1", periods=6, freq="Q").to_timestamp(how="end").normalize()
    >>> roe = pd.DataFrame({"A": [.10, .11, .12, .13, .14, .15], "B": [.20, .18, .16, .14, .12, .10],
    ...                     "C": [.05, .05, .06, .06, .07, .07]}, index=dates)
    >>> result = quality.screen({"roe": roe, "roa": roe / 2}, window=4, top=0.3)
    >>> result.members.iloc[-1].tolist(), int(result.eligible.iloc[-1])
    ([True, False, False], 3)
    """
    _names, panels, dates, firms, wrap = _panels(metrics)
    rows, periods = _trend_window(window, min_periods)
    top = _fraction(top, "top", low=0.0, high=1.0, open_low=True)
    weight = _fraction(static_weight, "static_weight", low=0.0, high=1.0, open_low=False)
    use_level, use_trend = weight > 0.0, weight < 1.0
    slopes = [_slopes(p, rows, periods) for p in panels] if use_trend else []
    eligible = np.ones(panels[0].shape, dtype=bool)
    for i, panel in enumerate(panels):
        if use_level:
            eligible &= ~np.isnan(panel)
        if use_trend:
            eligible &= ~np.isnan(slopes[i])
    scores = np.zeros(panels[0].shape)
    for i, panel in enumerate(panels):
        part: float | np.ndarray = 0.0
        if use_level:
            part = weight * _core.quality_rank(np.where(eligible, panel, np.nan))
        if use_trend:
            part = part + (1.0 - weight) * _core.quality_rank(np.where(eligible, slopes[i], np.nan))
        scores += part
    scores = np.where(eligible, scores / len(panels), np.nan)
    members = _top_members(scores, eligible, top)
    count = eligible.sum(axis=1).astype(np.int64)
    if dates is None:
        return Screen(wrap(scores), wrap(members), count)
    return Screen(
        pd.DataFrame(scores, index=dates, columns=firms),
        pd.DataFrame(members, index=dates, columns=firms),
        pd.Series(count, index=dates, name="eligible"),
    )


# ------------------------------------------------------------------------- reader

#: Cells read as missing values (case-insensitive), besides an empty cell.
MISSING = frozenset({"na", "n/a", "nan", "null", "none", "-"})


def _fail(path: str, message: str) -> ValueError:
    return ValueError(f"path: {path}: {message}")


def _numbers(cells: pd.Series, column: str, path: str) -> np.ndarray:
    text = cells.str.strip()
    missing = (text == "") | text.str.lower().isin(MISSING)
    values = pd.to_numeric(text.where(~missing, "nan"), errors="coerce").to_numpy(dtype=np.float64)
    bad = np.isnan(values) & ~missing.to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise _fail(
            path,
            f"line {row + 2}: {cells.iloc[row]!r} in column {column!r} is not a number "
            "(write decimals such as 0.12, no % signs or thousands separators; leave missing values empty)",
        )
    return values


def read_fundamentals(path: str | os.PathLike[str]) -> dict[str, pd.DataFrame]:
    """Read a CSV of fundamentals into one dates x firms panel per metric.

    Two layouts (header names are case-insensitive):

    - long: ``date, ticker, metric, value``, one row per firm, date and metric;
    - wide: ``date, ticker, <metric>, <metric>...`` (e.g. ``date, ticker, roe, roa``).

    Dates are ISO (``2024-03-31``); values are decimals (0.12 for 12 %), empty (or
    NA, N/A, NaN, null, none, ``-``) when missing. Each firm's rows must come in date
    order (the file may be grouped by firm or by date). Every panel has the same
    dates (all dates of the file, sorted) and firms (sorted), NaN where a firm has
    no value, ready for :func:`screen`.

    Parameters
    ----------
    path : str or path-like
        The CSV file.

    Returns
    -------
    dict of str to DataFrame
        Metric name (as in the file) -> DataFrame (DatetimeIndex ``"date"``, columns
        ``"ticker"``), in the file's order of metrics.

    Raises
    ------
    ValueError
        Naming the file and line: a missing ``date``/``ticker`` column or no metric,
        a date that is not ISO, an empty ticker or metric, a non-numeric value, a
        duplicate (the same firm, date and metric twice), or a firm whose dates go
        backwards.
    FileNotFoundError
        No such file.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from capcycle import quality
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "fundamentals.csv"
    >>> _ = f.write_text("date,ticker,roe,roa\\n2024-03-31,A,0.12,0.05\\n2024-03-31,B,0.08,\\n")
    >>> panels = quality.read_fundamentals(f)
    >>> panels["roe"].loc["2024-03-31"].tolist(), panels["roa"].loc["2024-03-31"].tolist()
    ([0.12, 0.08], [0.05, nan])
    """
    where = os.fspath(path)
    try:
        raw = pd.read_csv(where, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise _fail(where, f"cannot be read as CSV ({err})") from None
    except pd.errors.EmptyDataError:
        raise _fail(where, "is empty; expected a header such as date,ticker,roe,roa") from None
    raw.columns = [str(c).strip() for c in raw.columns]
    lower = [c.lower() for c in raw.columns]
    for needed in ("date", "ticker"):
        if lower.count(needed) != 1:
            raise _fail(where, f"needs one {needed!r} column, found columns {list(raw.columns)}")
    date_col, ticker_col = raw.columns[lower.index("date")], raw.columns[lower.index("ticker")]
    long = {"metric", "value"} <= set(lower) and len(raw.columns) == 4
    if len(raw) == 0:
        raise _fail(where, "has a header but no rows")
    dates = pd.to_datetime(raw[date_col].str.strip(), format="ISO8601", errors="coerce")
    if dates.isna().any():
        row = int(np.flatnonzero(dates.isna().to_numpy())[0])
        raise _fail(
            where, f"line {row + 2}: date {raw[date_col].iloc[row]!r} is not an ISO date such as 2024-03-31"
        )
    tickers = raw[ticker_col].str.strip()
    if (tickers == "").any():
        row = int(np.flatnonzero((tickers == "").to_numpy())[0])
        raise _fail(where, f"line {row + 2}: empty ticker")
    if long:
        metric_col, value_col = raw.columns[lower.index("metric")], raw.columns[lower.index("value")]
        metric = raw[metric_col].str.strip()
        if (metric == "").any():
            row = int(np.flatnonzero((metric == "").to_numpy())[0])
            raise _fail(where, f"line {row + 2}: empty metric")
        table = pd.DataFrame(
            {
                "date": dates,
                "ticker": tickers,
                "metric": metric,
                "value": _numbers(raw[value_col], value_col, where),
            }
        )
        keys = ["ticker", "metric"]
        names = list(dict.fromkeys(metric))
    else:
        names = [c for c in raw.columns if c not in (date_col, ticker_col)]
        if not names:
            raise _fail(
                where, "has no metric column; expected date,ticker,roe,roa or date,ticker,metric,value"
            )
        table = pd.DataFrame({"date": dates, "ticker": tickers})
        for name in names:
            table[name] = _numbers(raw[name], name, where)
        keys = ["ticker"]
    _check_order(table, keys, where)
    all_dates = pd.DatetimeIndex(sorted(dates.unique()), name="date")
    all_tickers = pd.Index(sorted(tickers.unique()), name="ticker")
    panels = {}
    for name in names:
        if long:
            part = table[table["metric"] == name]
            wide = part.pivot(index="date", columns="ticker", values="value")
        else:
            wide = table.pivot(index="date", columns="ticker", values=name)
        wide = wide.reindex(index=all_dates, columns=all_tickers).astype(np.float64)
        wide.columns.name = "ticker"
        panels[str(name)] = wide
    return panels


def _check_order(table: pd.DataFrame, keys: list[str], path: str) -> None:
    """A duplicate (firm, metric, date) or a firm's date going backwards: ValueError."""
    lines = table.index.to_numpy() + 2
    duplicate = table.duplicated([*keys, "date"], keep="first").to_numpy()
    if duplicate.any():
        row = int(np.flatnonzero(duplicate)[0])
        twins = table.duplicated([*keys, "date"], keep=False).to_numpy()
        same = (table[[*keys, "date"]] == table.loc[row, [*keys, "date"]]).all(axis=1).to_numpy()
        first = lines[np.flatnonzero(twins & same)[0]]
        what = ", ".join(f"{k} {table.loc[row, k]!r}" for k in keys)
        raise _fail(
            path,
            f"line {lines[row]}: duplicate of line {first} ({what}, date {pd.Timestamp(table['date'].iloc[row]):%Y-%m-%d}); "
            "keep one row per firm, date and metric",
        )
    previous = table.groupby(keys, sort=False)["date"].shift(1)
    back = (table["date"] < previous).to_numpy()
    if back.any():
        row = int(np.flatnonzero(back)[0])
        what = ", ".join(f"{k} {table.loc[row, k]!r}" for k in keys)
        raise _fail(
            path,
            f"line {lines[row]}: dates are not sorted ({what}: {pd.Timestamp(table['date'].iloc[row]):%Y-%m-%d} "
            f"after {pd.Timestamp(previous.iloc[row]):%Y-%m-%d}); sort the file by date",
        )
