"""Slow, obviously correct references for capcycle.quality, in plain pandas and loops.

- `trend_polyfit`: numpy.polyfit on every window's non-NaN points;
- `trend_exact`: the same least-squares slope in exact rational arithmetic, rounded
  once (for ties: equal true slopes give equal floats);
- `screen_pandas`: the screen written with pandas' own rank, one metric at a time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from fractions import Fraction

import numpy as np
import pandas as pd


def _windows(x: np.ndarray, window: int, min_periods: int):
    """(row, column, times, values) of every window with enough non-NaN points."""
    rows, cols = x.shape
    for i in range(rows):
        lo = max(0, i + 1 - window)
        t = np.arange(lo, i + 1, dtype=np.float64)
        for j in range(cols):
            v = x[lo : i + 1, j]
            keep = ~np.isnan(v)
            if keep.sum() >= max(min_periods, 2):
                yield i, j, t[keep], v[keep]


def trend_polyfit(x: np.ndarray, window: int, min_periods: int | None = None) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    out = np.full(x.shape, np.nan)
    for i, j, t, v in _windows(x, window, window if min_periods is None else min_periods):
        out[i, j] = np.polyfit(t, v, 1)[0]
    return out


def exact_slope(t: np.ndarray, v: np.ndarray) -> float:
    tf = [Fraction(float(a)) for a in t]
    vf = [Fraction(float(b)) for b in v]
    n = len(tf)
    mt, mv = sum(tf) / n, sum(vf) / n
    stt = sum((a - mt) ** 2 for a in tf)
    stv = sum((a - mt) * (b - mv) for a, b in zip(tf, vf, strict=True))
    return float(stv / stt)


def trend_exact(x: np.ndarray, window: int, min_periods: int | None = None) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    out = np.full(x.shape, np.nan)
    for i, j, t, v in _windows(x, window, window if min_periods is None else min_periods):
        out[i, j] = exact_slope(t, v)
    return out


def screen_pandas(
    metrics: Mapping[str, pd.DataFrame],
    *,
    window: int = 8,
    top: float = 0.2,
    static_weight: float = 0.5,
    min_periods: int | None = None,
    trend: Callable[..., np.ndarray] = trend_polyfit,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """The screen as its docstring says, one pandas step at a time."""
    frames = list(metrics.values())
    dates = frames[0].index
    firms = frames[0].columns
    for f in frames[1:]:
        dates = dates.union(f.index)
        firms = firms.union(f.columns)
    frames = [f.reindex(index=dates, columns=firms).astype(float) for f in frames]
    slopes = [
        pd.DataFrame(trend(f.to_numpy(), window, min_periods), index=dates, columns=firms) for f in frames
    ]
    eligible = pd.DataFrame(True, index=dates, columns=firms)
    for f, s in zip(frames, slopes, strict=True):
        if static_weight > 0:
            eligible &= f.notna()
        if static_weight < 1:
            eligible &= s.notna()
    score = pd.DataFrame(0.0, index=dates, columns=firms)
    for f, s in zip(frames, slopes, strict=True):
        part = 0.0
        if static_weight > 0:
            part = static_weight * f.where(eligible).rank(axis=1, pct=True)
        if static_weight < 1:
            part = part + (1 - static_weight) * s.where(eligible).rank(axis=1, pct=True)
        score = score + part
    score = (score / len(frames)).where(eligible)
    n = eligible.sum(axis=1)
    k = n.map(lambda m: math.ceil(round(top * m, 9)))
    place = score.rank(axis=1, ascending=False, method="min")
    members = place.le(k, axis=0) & eligible
    return score, members, n.rename("eligible")
