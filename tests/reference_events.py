"""Slow, obvious references for capcycle.events: plain loops over events and offsets,
pandas date arithmetic. The fast code must agree with these; they define the contract."""

from __future__ import annotations

import bisect
import math

import numpy as np
import pandas as pd


def align(
    index: pd.DatetimeIndex, events: list[pd.Timestamp], how: str, x: np.ndarray | None = None
) -> list[int | None]:
    """Row of each event: the first row on or after it ("next") or the last on or before,
    among the rows where ``x`` is not NaN (every row without ``x``); None if there is none."""
    rows: list[int | None] = []
    days = [d.normalize() for d in index]
    valid = [x is None or not math.isnan(x[i]) for i in range(len(days))]
    for ev in events:
        ev = pd.Timestamp(ev).normalize()
        if how == "next":
            rows.append(next((i for i, d in enumerate(days) if d >= ev and valid[i]), None))
        else:
            rows.append(max((i for i, d in enumerate(days) if d <= ev and valid[i]), default=None))
    return rows


def source_row(index: pd.DatetimeIndex, r: int, k: int, unit: str, days: list | None = None) -> int | None:
    """Row of offset k from event row r, None before or past the data (``days``:
    ``list(index.normalize())``, precomputed by callers that loop)."""
    n = len(index)
    if unit == "trading_days":
        j = r + k
        return j if 0 <= j < n else None
    days = list(index.normalize()) if days is None else days
    base = days[r]
    if unit == "days":
        target = base + pd.Timedelta(days=k)
    elif base.is_month_end:  # the end-of-month rule: a month-end stays a month-end
        target = base + pd.offsets.MonthEnd(k) if k else base
    else:
        target = base + pd.DateOffset(months=k)
    if target < days[0] or target > days[-1]:
        return None
    # the last row on or before the target
    return bisect.bisect_right(days, target) - 1


def path_value(x: np.ndarray, r: int, j: int | None, kind: str) -> float:
    if j is None:
        return math.nan
    if kind == "level":
        return x[j] / x[r] - 1.0
    if j >= r:
        return math.prod(1.0 + x[s] for s in range(r + 1, j + 1)) - 1.0
    return 1.0 / math.prod(1.0 + x[s] for s in range(j + 1, r + 1)) - 1.0


def paths(
    frame: pd.DataFrame, events: list, before: int, after: int, unit: str, kind: str, align_how: str
) -> np.ndarray:
    """(offsets, series * events) like capcycle._core.event_paths."""
    cols = []
    for name in frame.columns:
        x = frame[name].to_numpy(dtype=float)
        for r in align(frame.index, events, align_how, x):  # each column on its own valid rows
            cols.append(
                [
                    math.nan if r is None else path_value(x, r, source_row(frame.index, r, k, unit), kind)
                    for k in range(-before, after + 1)
                ]
            )
    return np.array(cols, dtype=float).T


def summary(block: np.ndarray) -> pd.DataFrame:
    """Cross-event statistics of one series' (offsets, events) paths, by pandas."""
    df = pd.DataFrame(block)
    return pd.DataFrame(
        {
            "mean": df.mean(axis=1),
            "median": df.median(axis=1),
            "min": df.min(axis=1),
            "max": df.max(axis=1),
            "std": df.std(axis=1, ddof=1),
            "count": df.count(axis=1).astype(float),
        }
    )


def mean_path(block: np.ndarray) -> np.ndarray:
    """NaN-skipping mean over events (columns), by pandas."""
    return pd.DataFrame(block).mean(axis=1).to_numpy()


def nanquantile(values: list[float], q: float) -> float:
    v = sorted(x for x in values if not math.isnan(x))
    if not v:
        return math.nan
    pos = (len(v) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


def bootstrap(block: np.ndarray, n: int, seed: int, level: float) -> tuple[np.ndarray, np.ndarray]:
    """(lower, upper) per offset: the draws are rng.integers(0, m, size=(n, m))."""
    rng = np.random.default_rng(seed)
    m = block.shape[1]
    draws = rng.integers(0, m, size=(n, m))
    means = np.array([mean_path(block[:, d]) for d in draws])  # (n, offsets)
    lo = [nanquantile(list(means[:, i]), (1 - level) / 2) for i in range(block.shape[0])]
    hi = [nanquantile(list(means[:, i]), (1 + level) / 2) for i in range(block.shape[0])]
    return np.array(lo), np.array(hi)


def placebo(
    frame: pd.DataFrame,
    n_events: int,
    real_block: np.ndarray,
    before: int,
    after: int,
    unit: str,
    kind: str,
    n: int,
    seed: int,
    dates: str = "full",
) -> tuple[np.ndarray, np.ndarray]:
    """(means (n, offsets), percentile per offset as a fraction in [0, 1]) for the first column of ``frame``."""
    index = frame.index
    days = list(index.normalize())
    if dates == "full":
        cands = [
            r
            for r in range(len(index))
            if source_row(index, r, -before, unit, days) is not None
            and source_row(index, r, after, unit, days) is not None
        ]
    else:
        cands = list(range(len(index)))
    cands = np.array(cands)
    rng = np.random.default_rng(seed)
    draws = cands[rng.integers(0, len(cands), size=(n, n_events))]
    x = frame.iloc[:, 0].to_numpy(dtype=float)
    offsets = range(-before, after + 1)
    means = []
    for d in draws:
        block = np.array(
            [[path_value(x, r, source_row(index, r, k, unit, days), kind) for r in d] for k in offsets]
        )
        means.append(mean_path(block))
    means = np.array(means)
    real = mean_path(real_block)
    pct = []
    for i in range(len(offsets)):
        col = means[:, i][~np.isnan(means[:, i])]
        pct.append(math.nan if math.isnan(real[i]) or len(col) == 0 else float(np.mean(col <= real[i])))
    return means, np.array(pct)
