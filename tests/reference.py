"""Slow, obviously correct references for the kernels (bottleneck's `slow/` idea).

Every statistic is computed from scratch for every window with exact sums
(`math.fsum`, and exact rationals for the two-pass moments), so the kernels can be checked against
something with no running state at all. One generic driver, `move_func`, defines
the window and NaN/min_periods rules once; each statistic is a plain function of
the list of values in a window.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from decimal import Decimal, localcontext
from fractions import Fraction

import numpy as np


def window_rows(n: int, window: int | None, times: Sequence[int] | None = None, span: int | None = None):
    """For each row i, the rows of its window: the last `window` rows, or with
    `times`, rows whose time lies in (t_i - span, t_i]."""
    for i in range(n):
        if times is None:
            yield range(max(0, i + 1 - window), i + 1)
        else:
            yield [j for j in range(i + 1) if times[i] - span < times[j] <= times[i]]


def move_func(
    stat: Callable[[list[float], float], float],
    x: Sequence[float],
    window: int | None = None,
    min_periods: int | None = None,
    *,
    times: Sequence[int] | None = None,
    span: int | None = None,
) -> np.ndarray:
    """Apply `stat(values, newest)` to the non-NaN values of each window."""
    x = [float(v) for v in x]
    if min_periods is None:
        min_periods = 1 if times is not None else window
    out = np.full(len(x), np.nan)
    for i, rows in enumerate(window_rows(len(x), window, times, span)):
        values = [x[j] for j in rows if not math.isnan(x[j])]
        if len(values) >= min_periods:
            out[i] = stat(values, x[i])
    return out


def move_pair(
    stat: Callable[[list[float], list[float]], float],
    y: Sequence[float],
    x: Sequence[float],
    window: int | None = None,
    min_periods: int | None = None,
    *,
    times: Sequence[int] | None = None,
    span: int | None = None,
) -> np.ndarray:
    """Apply `stat(ys, xs)` to the complete pairs of each window."""
    if min_periods is None:
        min_periods = 1 if times is not None else window
    out = np.full(len(y), np.nan)
    for i, rows in enumerate(window_rows(len(y), window, times, span)):
        pairs = [(float(y[j]), float(x[j])) for j in rows if not (math.isnan(y[j]) or math.isnan(x[j]))]
        if len(pairs) >= min_periods:
            out[i] = stat([p[0] for p in pairs], [p[1] for p in pairs])
    return out


def _infinite(values: list[float]) -> tuple[bool, bool]:
    return any(v == math.inf for v in values), any(v == -math.inf for v in values)


def stat_sum(values: list[float], newest: float = math.nan) -> float:
    pos, neg = _infinite(values)
    if pos and neg:
        return math.nan
    if pos or neg:
        return math.inf if pos else -math.inf
    return math.fsum(values)


def stat_count(values: list[float], newest: float = math.nan) -> float:
    return float(len(values))


def stat_mean(values: list[float], newest: float = math.nan) -> float:
    return stat_sum(values) / len(values) if values else math.nan


def exact_var(values: list[float], ddof: int = 1) -> Fraction | None:
    """The two-pass variance in exact rationals (None where it is undefined)."""
    n = len(values)
    if n <= ddof or any(math.isinf(v) for v in values):
        return None
    exact = [Fraction(v) for v in values]
    mean = sum(exact) / n
    return sum((v - mean) ** 2 for v in exact) / (n - ddof)


def sqrt_fraction(value: Fraction) -> float:
    """sqrt of an exact rational to 60 digits, rounded once (no under- or overflow)."""
    with localcontext() as context:
        context.prec, context.Emax, context.Emin = 60, 10**6, -(10**6)
        return float((Decimal(value.numerator) / Decimal(value.denominator)).sqrt())


def stat_var(values: list[float], newest: float = math.nan, ddof: int = 1) -> float:
    var = exact_var(values, ddof)
    if var is None:
        return math.nan
    try:
        return float(var)
    except OverflowError:  # a variance beyond f64, e.g. of values near 1e300
        return math.inf


def stat_std(values: list[float], newest: float = math.nan, ddof: int = 1) -> float:
    var = exact_var(values, ddof)
    return math.nan if var is None else sqrt_fraction(var)


def stat_zscore(values: list[float], newest: float, ddof: int = 1) -> float:
    std = stat_std(values, newest, ddof)
    if math.isnan(newest) or math.isinf(newest) or not std > 0:
        return math.nan
    # Exact rationals: newest - mean without the rounding of a mean near a big offset.
    deviation = Fraction(newest) - sum(map(Fraction, values)) / len(values)
    return float(deviation) / std


def stat_min(values: list[float], newest: float = math.nan) -> float:
    return min(values) if values else math.nan


def stat_max(values: list[float], newest: float = math.nan) -> float:
    return max(values) if values else math.nan


def stat_quantile(values: list[float], newest: float = math.nan, q: float = 0.5) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    fraction = position - low
    if fraction == 0:
        return ordered[low]
    return ordered[low] + (ordered[low + 1] - ordered[low]) * fraction


def stat_median(values: list[float], newest: float = math.nan) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    n = len(ordered)
    if n % 2:
        return ordered[n // 2]
    return ordered[n // 2 - 1] / 2 + ordered[n // 2] / 2


def _rounded(value: Fraction) -> float:
    """The float nearest an exact value; +-inf beyond f64's range."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def pair_cov(ys: list[float], xs: list[float], ddof: int = 1) -> float:
    n = len(ys)
    if n <= ddof or any(math.isinf(v) for v in ys + xs):
        return math.nan
    ey, ex = [Fraction(v) for v in ys], [Fraction(v) for v in xs]
    my, mx = sum(ey) / n, sum(ex) / n
    return _rounded(sum((a - my) * (b - mx) for a, b in zip(ey, ex, strict=False)) / (n - ddof))


def _centred(values: list[float]) -> list[Fraction]:
    exact = [Fraction(v) for v in values]
    mean = sum(exact) / len(exact)
    return [v - mean for v in exact]


def pair_corr(ys: list[float], xs: list[float]) -> float:
    if len(ys) < 2 or any(math.isinf(v) for v in ys + xs):
        return math.nan
    dy, dx = _centred(ys), _centred(xs)
    syy, sxx = sum(d * d for d in dy), sum(d * d for d in dx)
    if syy == 0 or sxx == 0:
        return math.nan
    sxy = sum(a * b for a, b in zip(dy, dx, strict=False))
    # r^2 exactly, one rounding, then the sign: no underflow of tiny variances.
    return sqrt_fraction(sxy * sxy / (syy * sxx)) * (1.0 if sxy >= 0 else -1.0)


def pair_beta(ys: list[float], xs: list[float]) -> float:
    if len(ys) < 2 or any(math.isinf(v) for v in ys + xs):
        return math.nan
    dy, dx = _centred(ys), _centred(xs)
    sxx = sum(d * d for d in dx)
    if sxx == 0:
        return math.nan
    # One rounding of the exact ratio: no underflow of tiny variances.
    return _rounded(sum(a * b for a, b in zip(dy, dx, strict=False)) / sxx)


#: name -> reference statistic taking (values, newest, **params)
STATS: dict[str, Callable[..., float]] = {
    "sum": stat_sum,
    "mean": stat_mean,
    "var": stat_var,
    "std": stat_std,
    "zscore": stat_zscore,
    "min": stat_min,
    "max": stat_max,
    "median": stat_median,
    "quantile": stat_quantile,
}

#: name -> reference pair statistic taking (ys, xs, **params)
PAIR_STATS: dict[str, Callable[..., float]] = {"cov": pair_cov, "corr": pair_corr, "beta": pair_beta}


def rolling(stat: str, x, window, min_periods=None, *, ddof: int = 1, q: float = 0.5, times=None, span=None):
    """The reference for `capcycle.rolling.<stat>` on a 1-D array."""
    function = STATS[stat]
    params = {"ddof": ddof} if stat in ("var", "std", "zscore") else {"q": q} if stat == "quantile" else {}
    return move_func(
        lambda v, new: function(v, new, **params), x, window, min_periods, times=times, span=span
    )


def rolling_pair(stat: str, y, x, window, min_periods=None, *, ddof: int = 1, times=None, span=None):
    """The reference for `capcycle.rolling.<cov|corr|beta>` on 1-D arrays (y, x)."""
    function = PAIR_STATS[stat]
    params = {"ddof": ddof} if stat == "cov" else {}
    return move_pair(
        lambda ys, xs: function(ys, xs, **params), y, x, window, min_periods, times=times, span=span
    )
