"""Slow, obviously correct references for capcycle.valuation (plain loops over numpy).

One driver, `window_values`, defines which non-NaN values each row sees for every
window kind (None: the whole series; int n: the last n rows; "expanding": rows
0..i); each statistic is then a plain function of that list. min_periods defaults
to the window for an int window and to 1 otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

MAD_TO_SIGMA = 1.4826


def default_min_periods(window: int | str | None) -> int:
    return window if isinstance(window, int) else 1


def window_values(x: Sequence[float], i: int, window: int | str | None) -> list[float]:
    """The non-NaN values row ``i`` is measured against."""
    if window is None:
        rows = x
    elif window == "expanding":
        rows = x[: i + 1]
    else:
        rows = x[max(0, i + 1 - window) : i + 1]
    return [float(v) for v in rows if not math.isnan(v)]


def median(values: list[float]) -> float:
    v = sorted(values)
    n = len(v)
    return v[n // 2] if n % 2 else v[n // 2 - 1] / 2 + v[n // 2] / 2


def mean(values: list[float]) -> float:
    return math.fsum(values) / len(values)


def std(values: list[float], ddof: int) -> float:
    n = len(values)
    if n <= ddof:
        return math.nan
    if min(values) == max(values):
        return 0.0  # exactly, as the kernels (fsum(x)/n of equal values can be off by an ulp)
    m = mean(values)
    return math.sqrt(math.fsum((v - m) ** 2 for v in values) / (n - ddof))


def mad(values: list[float]) -> float:
    m = median(values)
    return MAD_TO_SIGMA * median([abs(v - m) for v in values])


def center_scale(
    x: Sequence[float],
    *,
    center: str = "median",
    window: int | str | None = None,
    min_periods: int | None = None,
    ddof: int = 1,
    scale: str = "std",
) -> tuple[np.ndarray, np.ndarray]:
    x = [float(v) for v in x]
    mp = default_min_periods(window) if min_periods is None else min_periods
    c = np.full(len(x), np.nan)
    s = np.full(len(x), np.nan)
    for i in range(len(x)):
        values = window_values(x, i, window)
        if not values or len(values) < mp:
            continue
        c[i] = median(values) if center == "median" else mean(values)
        s[i] = std(values, ddof) if scale == "std" else mad(values)
    return c, s


def zscore(x: Sequence[float], **kwargs) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    c, s = center_scale(x, **kwargs)
    out = np.full(len(x), np.nan)
    for i in range(len(x)):
        if math.isfinite(x[i]) and s[i] > 0 and math.isfinite(s[i]):
            out[i] = (x[i] - c[i]) / s[i]
    return out


def percentile_rank(
    x: Sequence[float], *, window: int | str | None = None, min_periods: int | None = None
) -> np.ndarray:
    x = [float(v) for v in x]
    mp = default_min_periods(window) if min_periods is None else min_periods
    out = np.full(len(x), np.nan)
    for i, v in enumerate(x):
        values = window_values(x, i, window)
        if math.isnan(v) or not values or len(values) < mp:
            continue
        out[i] = sum(1 for w in values if w <= v) / len(values)
    return out


def relative_multiple(small: Sequence[float], large: Sequence[float]) -> np.ndarray:
    out = np.full(len(small), np.nan)
    for i, (a, b) in enumerate(zip(small, large, strict=False)):
        if math.isfinite(a) and math.isfinite(b) and a > 0 and b > 0:
            out[i] = a / b
    return out
