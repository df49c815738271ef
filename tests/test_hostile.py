"""The hostile-input catalogue (issue 7): every public function of API.md, every input
a data vendor or a notebook can hand it.

Each row of ``VALUES`` (values) and ``INDEXES`` (DatetimeIndexes) is one hostile input;
each entry of ``FUNCTIONS`` is one public function with an oracle (tests/reference*.py,
or a plain loop here). For every (input, function) the function either gives the
oracle's answer or raises ValueError/TypeError whose message starts with the
argument's name. pytest runs with ``filterwarnings = error``, so a stray warning
fails too. Every call is also checked to leave its inputs exactly as they were
(values, NaN positions, dtype, writeable flag, index). Adding a case is one line.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import reference
import reference_events
from capcycle import data, events, excess_returns, fed, relative_performance, rolling, valuation

NAN, INF = np.nan, np.inf
WINDOW = 3


# --------------------------------------------------------------------------- catalogue


@dataclass(frozen=True)
class Case:
    """A hostile 1-D input: ``make()`` builds a fresh one, ``floats`` is what it means
    in float64 (None when the input is invalid), ``error`` the exception every
    function must raise (type, argument-name pattern) when it is refused."""

    id: str
    make: Callable[[], Any]
    floats: np.ndarray | None = None
    error: type[Exception] | None = None
    tags: frozenset[str] = field(default_factory=frozenset)


def _f(values: list[float]) -> np.ndarray:
    return np.array(values, dtype=np.float64)


_BASE = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0]
_STRIDE_SOURCE = np.arange(16, dtype=np.float64) ** 1.5


def _readonly(values: list[float]) -> np.ndarray:
    a = _f(values)
    a.flags.writeable = False
    return a


VALUES: list[Case] = [
    Case("nan_both_ends", lambda: _f([NAN, NAN, *_BASE, NAN]), _f([NAN, NAN, *_BASE, NAN])),
    Case("all_nan", lambda: np.full(6, NAN), np.full(6, NAN), tags=frozenset({"no_values"})),
    Case(
        "plus_minus_inf",
        lambda: _f([1.0, INF, 2.0, 3.0, -INF, 4.0, 5.0, 6.0]),
        _f([1.0, INF, 2.0, 3.0, -INF, 4.0, 5.0, 6.0]),
        tags=frozenset({"inf"}),
    ),
    Case(
        "empty", lambda: np.array([], dtype=np.float64), np.array([]), tags=frozenset({"no_values", "empty"})
    ),
    Case("length_1", lambda: _f([2.5]), _f([2.5])),
    Case("shorter_than_window", lambda: _f([2.5, 3.5]), _f([2.5, 3.5])),
    Case("constant", lambda: np.full(8, 7.25), np.full(8, 7.25)),
    Case("offset_1e9", lambda: 1e9 + _f(_BASE), 1e9 + _f(_BASE)),
    Case("magnitude_1e-300", lambda: 1e-300 * _f(_BASE), 1e-300 * _f(_BASE)),
    Case("magnitude_1e300", lambda: 1e300 * _f(_BASE), 1e300 * _f(_BASE)),
    Case(
        "float32",
        lambda: np.array([*_BASE, NAN], dtype=np.float32),
        np.array([*_BASE, NAN], dtype=np.float32).astype(np.float64),
    ),
    Case("int64", lambda: np.array(_BASE, dtype=np.int64), _f(_BASE)),
    Case("uint8", lambda: np.array(_BASE, dtype=np.uint8), _f(_BASE)),
    Case(
        "bool",
        lambda: np.array([True, False, True, True, False, False]),
        _f([1, 0, 1, 1, 0, 0]),
        tags=frozenset({"bool"}),
    ),
    Case("big_endian", lambda: _f(_BASE).astype(">f8"), _f(_BASE)),
    Case("strided_view", lambda: _STRIDE_SOURCE[::2], _STRIDE_SOURCE[::2].copy()),
    Case("reversed_view", lambda: _STRIDE_SOURCE[::-1], _STRIDE_SOURCE[::-1].copy()),
    Case("read_only", lambda: _readonly(_BASE), _f(_BASE)),
    Case("list", lambda: [*_BASE], _f(_BASE)),
    Case("series_float", lambda: pd.Series(_BASE, name="pe"), _f(_BASE)),
    Case(
        "series_Int64_NA",
        lambda: pd.Series([3, pd.NA, 4, 1, 5, 9, pd.NA], dtype="Int64"),
        _f([3, NAN, 4, 1, 5, 9, NAN]),
    ),
    Case(
        "series_Float64_NA",
        lambda: pd.Series([3.5, pd.NA, 4.0, 1.0, 5.0, NAN, 2.0], dtype="Float64"),
        _f([3.5, NAN, 4, 1, 5, NAN, 2]),
    ),
    Case(
        "series_boolean_NA",
        lambda: pd.Series([True, pd.NA, False, True, True], dtype="boolean"),
        _f([1, NAN, 0, 1, 1]),
        tags=frozenset({"bool"}),
    ),
    # refused, naming the argument
    Case("object_numbers", lambda: np.array(_BASE, dtype=object), error=TypeError),
    Case("list_with_None", lambda: [1.0, None, 3.0, 4.0], error=TypeError),
    Case("strings", lambda: np.array(["3", "1", "4"]), error=TypeError),
    Case("series_string", lambda: pd.Series(["3", "1", "4"], dtype="string"), error=TypeError),
    Case("series_object", lambda: pd.Series(["3", 1.0, None], dtype=object), error=TypeError),
    Case("datetime64", lambda: np.arange(5).astype("datetime64[D]"), error=TypeError),
    Case("complex", lambda: np.arange(5) + 1j, error=TypeError),
    Case("0d", lambda: np.array(3.0), error=ValueError, tags=frozenset({"not_1d"})),
    Case("3d", lambda: np.zeros((2, 3, 2)), error=ValueError, tags=frozenset({"not_1d"})),
    Case("scalar", lambda: 3.0, error=TypeError, tags=frozenset({"not_1d"})),
    Case("none", lambda: None, error=TypeError, tags=frozenset({"not_1d"})),
]
VALUE_IDS = [c.id for c in VALUES]


# ------------------------------------------------------------------ input integrity


def snapshot(x: Any) -> Any:
    """A deep copy plus, for arrays, the flags a call must not change."""
    if isinstance(x, np.ndarray):
        return (x.copy(), x.dtype, x.flags.writeable, x.strides)
    return copy.deepcopy(x)


def assert_unchanged(before: Any, x: Any) -> None:
    if isinstance(x, np.ndarray):
        values, dtype, writeable, strides = before
        assert x.dtype == dtype and x.flags.writeable == writeable and x.strides == strides
        np.testing.assert_array_equal(x, values, strict=True)
    elif isinstance(x, pd.Series):
        pd.testing.assert_series_equal(x, before, check_exact=True)
    elif isinstance(x, pd.DataFrame):
        pd.testing.assert_frame_equal(x, before, check_exact=True)
    else:
        assert type(x) is type(before)
        if isinstance(x, list):
            assert len(x) == len(before) and all(
                (a is b) or a == b or (isinstance(a, float) and math.isnan(a) and math.isnan(b))
                for a, b in zip(x, before, strict=False)
            )


def guarded(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call, then check that no positional argument was modified."""
    saved = [snapshot(a) for a in args]
    try:
        return function(*args, **kwargs)
    finally:
        for before, a in zip(saved, args, strict=False):
            assert_unchanged(before, a)


def assert_same(got: Any, want: np.ndarray, rtol: float = 1e-9, atol: float = 0.0) -> None:
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape, (got.shape, want.shape)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg="NaN positions")
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


def _names_argument(err: BaseException, names: tuple[str, ...]) -> bool:
    return any(str(err).startswith(n) for n in names)


# ------------------------------------------------------------------------ oracles

SINGLE = ["sum", "mean", "var", "std", "zscore", "min", "max", "median", "quantile"]
PAIRS = ["cov", "corr", "beta"]
_OTHER = np.resize([2.0, 7.0, 1.0, 8.0, 2.0, 8.0, 1.0, 8.0, 2.0, 8.0, 4.0, 5.0, 9.0], 40)


def _atol(stat: str, x: np.ndarray) -> float:
    finite = x[np.isfinite(x)]
    spread = float(np.ptp(finite)) if finite.size else 0.0
    big = float(np.abs(finite).max()) if finite.size else 0.0
    # 1e9 offsets: the two-pass reference holds to 1e-9 of the spread (API.md).
    # (products, not powers: 1e300 squared is inf, not an OverflowError)
    return {"sum": 1e-15 * big * len(x), "mean": 1e-15 * big, "var": 1e-12 * spread * spread}.get(
        stat, 1e-12 * spread
    )


def check_rolling(case: Case) -> None:
    for stat in SINGLE:
        kw: dict[str, Any] = {"q": 0.25} if stat == "quantile" else {}
        for min_periods in (None, 1):
            got = guarded(getattr(rolling, stat), case.make(), WINDOW, min_periods=min_periods, **kw)
            if case.floats is None:
                continue
            want = reference.rolling(stat, case.floats, WINDOW, min_periods, q=kw.get("q", 0.5))
            assert_same(got, want, atol=_atol(stat, case.floats))
            if isinstance(case.make(), pd.Series):
                pd.testing.assert_index_equal(got.index, case.make().index)


def _exact_beta(ys: list[float], xs: list[float]) -> float:
    """cov / var in exact rationals: reference.pair_beta rounds var(x) first, which
    under- or overflows for 1e-300 and 1e300 regressors."""
    if len(ys) < 2 or any(math.isinf(v) for v in ys + xs):
        return NAN
    my, mx = sum(map(Fraction, ys)) / len(ys), sum(map(Fraction, xs)) / len(xs)
    sxx = sum((Fraction(v) - mx) ** 2 for v in xs)
    if sxx == 0:
        return NAN
    try:
        return float(sum((Fraction(a) - my) * (Fraction(b) - mx) for a, b in zip(ys, xs, strict=False)) / sxx)
    except OverflowError:
        return INF


def _pair_reference(stat: str, y: np.ndarray, x: np.ndarray) -> np.ndarray:
    if stat == "beta":
        return reference.move_pair(_exact_beta, y, x, WINDOW, 2)
    return reference.rolling_pair(stat, y, x, WINDOW, 2)


def check_rolling_pairs(case: Case) -> None:
    for stat in PAIRS:
        made = case.make()
        n = len(case.floats) if case.floats is not None else 4
        other = _OTHER[:n].copy()
        got = guarded(getattr(rolling, stat), made, other, WINDOW, min_periods=2)
        if case.floats is not None:
            assert_same(
                got,
                _pair_reference(stat, case.floats, other),
                rtol=1e-8,
                atol=_pair_atol(stat, case.floats, other),
            )
        # the hostile input second: the error names the second argument
        got = guarded(getattr(rolling, stat), other, case.make(), WINDOW, min_periods=2)
        if case.floats is not None:
            assert_same(
                got,
                _pair_reference(stat, other, case.floats),
                rtol=1e-8,
                atol=_pair_atol(stat, other, case.floats),
            )


def _pair_atol(stat: str, y: np.ndarray, x: np.ndarray) -> float:
    """cov in y's units times x's, beta in y's over x's, corr unitless; 1e-12 of that
    (a cancellation to a subnormal may come out as 0)."""
    sy, sx = (float(np.nanmax(np.abs(v[np.isfinite(v)]), initial=0.0)) for v in (y, x))
    return {"cov": 1e-12 * sy * sx, "corr": 1e-12, "beta": 1e-12 * sy / sx if sx else 0.0}[stat]


def _exact_center_scale(values: list[float], center: str, scale: str) -> tuple[float, float]:
    c = reference.stat_median(values) if center == "median" else reference.stat_mean(values)
    if scale == "std":
        s = reference.stat_std(values, ddof=1)
    else:
        m = reference.stat_median(values)
        s = 1.4826 * reference.stat_median([abs(v - m) for v in values]) if math.isfinite(m) else NAN
    return c, s


def valuation_oracle(x: np.ndarray, center: str, scale: str, window: Any) -> np.ndarray:
    """tests/reference_valuation.py's rules with reference.py's exact moments (no
    overflow of squares for 1e300 values)."""
    mp = window if isinstance(window, int) else 1
    out = np.full(len(x), NAN)
    for i in range(len(x)):
        values = [
            float(v)
            for v in (
                x
                if window is None
                else x[: i + 1]
                if window == "expanding"
                else x[max(0, i + 1 - window) : i + 1]
            )
            if not math.isnan(v)
        ]
        if len(values) < max(mp, 1):
            continue
        c, s = _exact_center_scale(values, center, scale)
        if math.isfinite(x[i]) and s > 0 and math.isfinite(s):
            if center == "mean":  # exact: x - mean loses digits next to a 1e9 offset
                deviation = float(Fraction(float(x[i])) - sum(map(Fraction, values)) / len(values))
            else:
                deviation = float(x[i]) - c
            out[i] = deviation / s
    return out


def check_valuation(case: Case) -> None:
    for window in (None, WINDOW, "expanding"):
        for center, scale in (("median", "std"), ("mean", "std"), ("median", "mad")):
            made = case.make()
            if case.floats is not None and "no_values" in case.tags:
                with pytest.raises(ValueError, match="^x: "):
                    guarded(valuation.zscore, made, center=center, scale=scale, window=window)
                continue
            got = guarded(valuation.zscore, made, center=center, scale=scale, window=window)
            if case.floats is None:
                continue
            want = valuation_oracle(case.floats, center, scale, window)
            assert_same(got, want, rtol=1e-9, atol=1e-9)
        made = case.make()
        if case.floats is not None and "no_values" in case.tags:
            with pytest.raises(ValueError, match="^x: "):
                guarded(valuation.percentile_rank, made, window=window)
            with pytest.raises(ValueError, match="^x: "):
                guarded(valuation.bands, made, window=window)
            continue
        got = guarded(valuation.percentile_rank, made, window=window)
        bands = guarded(valuation.bands, case.make(), window=window, k=(1, 2))
        if case.floats is None:
            continue
        np.testing.assert_array_equal(got, _rank_oracle(case.floats, window))
        assert list(bands.columns) == ["value", "center", "+1sd", "-1sd", "+2sd", "-2sd"]
        np.testing.assert_array_equal(bands["value"].to_numpy(), case.floats)


def _rank_oracle(x: np.ndarray, window: Any) -> np.ndarray:
    import reference_valuation

    return reference_valuation.percentile_rank(list(x), window=window)


def _series(case: Case, index: pd.DatetimeIndex | None = None) -> Any:
    """The case as a Series on business days (keeping its dtype); ndarray cases of
    the wrong shape stay as they are (to be refused)."""
    made = case.make()
    if isinstance(made, pd.Series):
        n = len(made)
        return made.set_axis(index if index is not None else pd.bdate_range("2024-01-01", periods=n))
    try:
        arr = np.asarray(made)
    except Exception:
        return made
    if arr.ndim != 1:
        return made
    return pd.Series(
        arr, index=index if index is not None else pd.bdate_range("2024-01-01", periods=len(arr))
    )


def check_events(case: Case) -> None:
    series = _series(case)
    if not isinstance(series, pd.Series):
        with pytest.raises(TypeError, match="^series"):
            guarded(events.event_study, series, ["2024-01-03"], before=1, after=1)
        return
    n = len(series)
    if case.floats is None or "bool" in case.tags:  # True/False is no price level
        with pytest.raises((TypeError, ValueError), match="^series"):
            guarded(events.event_study, series, [series.index[0]], before=1, after=1)
        return
    if n == 0:
        with pytest.raises(ValueError, match="^series"):
            guarded(events.event_study, series, ["2024-01-03"], before=1, after=1)
        return
    rows = sorted({0, n // 2, n - 1})
    dates = [series.index[r] for r in rows]
    frame = pd.DataFrame({"x": case.floats}, index=series.index)
    for kind in ("level", "returns"):
        for unit in ("trading_days", "days"):
            study = guarded(events.event_study, series, dates, before=2, after=2, kind=kind, unit=unit)
            with np.errstate(all="ignore"):
                want = reference_events.paths(frame, dates, 2, 2, unit, kind, "next")
            assert_same(study.paths.to_numpy(), want, rtol=1e-12)
            # the methods on a hostile study: no warning, no exception, the right shape
            study.intervals([(-1, 1)])
            assert study.summary.shape == (5, 6)
            band = study.bootstrap(n=20, seed=1)
            assert band.shape == (5, 4)
            placebo = study.placebo(n=10, seed=1, dates="all")
            assert placebo.percentile.shape == (5,)


def _first_cuts_oracle(rate: pd.Series, gap: pd.Timedelta) -> list[pd.Timestamp]:
    rate = rate.dropna()
    found, previous = [], None
    values, dates = list(rate.to_numpy(dtype=float)), list(rate.index)
    for i in range(1, len(values)):
        if values[i] < values[i - 1] - 1e-9:  # smaller differences are float noise, not cuts
            start = dates[i] - (dates[0] if previous is None else previous) >= gap
            if start:
                found.append(dates[i])
            previous = dates[i]
    return found


def check_first_cuts(case: Case) -> None:
    series = _series(case, None)
    if not isinstance(series, pd.Series):
        with pytest.raises(TypeError, match="^target_rate"):
            guarded(fed.first_cuts, series)
        return
    if case.floats is None or "bool" in case.tags:  # True/False is no rate
        with pytest.raises(TypeError, match="^target_rate"):
            guarded(fed.first_cuts, series)
        return
    if "no_values" in case.tags or "inf" in case.tags:
        with pytest.raises(ValueError, match="^target_rate"):
            guarded(fed.first_cuts, series, min_gap="2D")
        return
    steps = np.abs(np.diff(pd.Series(case.floats).dropna().to_numpy(dtype=float)))
    if ((steps > 1e-9) & (steps < 0.0625 - 1e-9)).any():  # a market rate, not a policy target (issue 12)
        with pytest.raises(ValueError, match="^target_rate: .* smaller than 1/16 percentage point"):
            guarded(fed.first_cuts, series, min_gap="2D")
        return
    got = guarded(fed.first_cuts, series, min_gap="2D")
    assert list(got) == _first_cuts_oracle(pd.Series(case.floats, series.index), pd.Timedelta("2D"))


def _positive(n: int) -> pd.Series:
    return pd.Series(100.0 + np.arange(n) * 0.5, index=pd.bdate_range("2024-01-01", periods=n), name="large")


def performance_oracle(small: np.ndarray, large: np.ndarray, kind: str, what: str) -> np.ndarray | str:
    """A loop: the answer, or the name of the argument that must be refused."""
    if kind == "level":
        rows = [i for i in range(len(small)) if not (math.isnan(small[i]) or math.isnan(large[i]))]
        for name, x in (("small", small), ("large", large)):
            if any(not (x[i] > 0 and math.isfinite(x[i])) for i in rows):
                return name
        if not rows:  # no date where both are known: refused, never an empty result
            return "small"
        if what == "relative":
            return np.array([(small[i] / large[i]) / (small[rows[0]] / large[rows[0]]) for i in rows])
        return np.array(
            [(small[b] / small[a] - 1) - (large[b] / large[a] - 1) for a, b in itertools.pairwise(rows)]
        )
    for name, x in (("small", small), ("large", large)):
        tail = x[1:] if what == "relative" else x
        if what == "relative" and (np.isnan(tail).any() or (tail <= -1).any()):
            return name
        if np.isinf(tail).any():
            return name
    if len(small) == 0:
        return "small"
    if what == "excess":
        return small - large
    with np.errstate(over="ignore"):
        gs = np.cumprod(np.concatenate([[1.0], 1 + small[1:]]))
        gl = np.cumprod(np.concatenate([[1.0], 1 + large[1:]]))
    for name, g in (("small", gs), ("large", gl)):
        if not np.isfinite(g).all():
            return name  # compounding overflows: refused, not carried as inf
    return gs / gl


def check_performance(case: Case) -> None:
    for kind in ("level", "returns"):
        for what, function in (("relative", relative_performance), ("excess", excess_returns)):
            made = _series(case)
            n = len(case.floats) if case.floats is not None else 4
            large = _positive(n) if kind == "level" else _positive(n) / 1000.0
            for order in ("small", "large"):
                args = (made, large) if order == "small" else (large, made)
                if case.floats is None:
                    with pytest.raises((TypeError, ValueError), match=f"^{order}"):
                        guarded(function, *args, kind=kind)
                    continue
                floats = (
                    (case.floats, large.to_numpy()) if order == "small" else (large.to_numpy(), case.floats)
                )
                want = performance_oracle(*floats, kind, what)
                if isinstance(want, str):
                    with pytest.raises(ValueError, match=f"^{want}"):
                        guarded(function, *args, kind=kind)
                    continue
                got = guarded(function, *args, kind=kind)
                assert_same(got.to_numpy(), want, rtol=1e-12)
                made = _series(case)


FUNCTIONS: dict[str, Callable[[Case], None]] = {
    "rolling": check_rolling,
    "rolling_pairs": check_rolling_pairs,
    "valuation": check_valuation,
    "event_study": check_events,
    "first_cuts": check_first_cuts,
    "performance": check_performance,
}

# Which argument each function names when it refuses a bad input.
_ARG = {
    "rolling": ("x",),
    "rolling_pairs": ("x", "y"),
    "valuation": ("x",),
    "event_study": ("series",),
    "first_cuts": ("target_rate",),
    "performance": ("small", "large"),
}


@pytest.mark.parametrize("function", list(FUNCTIONS))
@pytest.mark.parametrize("case", VALUES, ids=VALUE_IDS)
def test_hostile_values(case: Case, function: str) -> None:
    """Right answer, or the case's error naming the argument; never anything else."""
    check = FUNCTIONS[function]
    if case.error is None or function in ("event_study", "first_cuts", "performance"):
        check(case)  # these check refusals themselves (they wrap values into Series first)
        return
    with pytest.raises(case.error) as info:
        check(case)
    assert _names_argument(info.value, _ARG[function]), f"{function}: {info.value}"


# ------------------------------------------------------------------------ indexes

_DAYS = pd.bdate_range("2024-01-01", periods=8)


@dataclass(frozen=True)
class IndexCase:
    id: str
    index: pd.Index
    #: None when valid, else the substring the error must contain.
    refused_by_time: str | None


INDEXES: list[IndexCase] = [
    IndexCase("tz_aware", _DAYS.tz_localize("America/New_York"), None),
    IndexCase("tz_utc_crossing_midnight", (_DAYS + pd.Timedelta(hours=23)).tz_localize("UTC"), None),
    IndexCase("unsorted", _DAYS[[0, 2, 1, 3, 4, 5, 7, 6]], "sorted"),
    IndexCase("duplicated_dates", _DAYS[[0, 1, 1, 2, 3, 4, 5, 6]], "duplicate"),
    IndexCase("NaT", pd.DatetimeIndex([_DAYS[0], pd.NaT, *_DAYS[2:]]), "NaT"),
    IndexCase(
        "intraday_two_per_day",
        pd.DatetimeIndex([d + pd.Timedelta(hours=h) for d in _DAYS[:4] for h in (9, 16)]),
        "day",
    ),
    IndexCase("second_resolution", _DAYS.as_unit("s"), None),
]
INDEX_IDS = [c.id for c in INDEXES]
_VALUES8 = np.array([100.0, 101.0, 99.0, 102.0, 104.0, 103.0, 105.0, 106.0])


def _pandas_rolling(s: pd.Series, window: Any, stat: str) -> np.ndarray:
    return getattr(s.rolling(window, min_periods=1), stat)().to_numpy()


@pytest.mark.parametrize("case", INDEXES, ids=INDEX_IDS)
def test_hostile_index_rolling(case: IndexCase) -> None:
    s = pd.Series(_VALUES8, index=case.index, name="px")
    # Every window depends on time order (issue 12): an unsorted, duplicated or NaT
    # DatetimeIndex is refused by row windows and durations alike, naming x.index.
    refused = case.refused_by_time in ("sorted", "NaT", "duplicate")
    if refused:
        for window in (3, "3D"):
            for stat in ("mean", "std", "max"):
                with pytest.raises(ValueError, match=f"^x.index: .*{case.refused_by_time}"):
                    guarded(getattr(rolling, stat), s, window)
        with pytest.raises(ValueError, match=f"^x.index: .*{case.refused_by_time}"):
            guarded(rolling.corr, s, s * 2.0, "3D")
        return
    got = guarded(rolling.mean, s, 3)
    pd.testing.assert_index_equal(got.index, s.index)
    assert_same(got.to_numpy(), reference.rolling("mean", _VALUES8, 3))
    for stat in ("mean", "std", "max"):
        got = guarded(getattr(rolling, stat), s, "3D")
        utc = s.tz_convert("UTC") if s.index.tz is not None else s
        assert_same(got.to_numpy(), _pandas_rolling(utc, "3D", stat), rtol=1e-12, atol=1e-12)
    got = guarded(rolling.corr, s, s.rename("other") * -2.0, "3D", min_periods=2)
    want = s.rolling("3D", min_periods=2).corr(s * -2.0).to_numpy() if s.index.tz is None else got.to_numpy()
    assert_same(got.to_numpy(), want, rtol=1e-9)


@pytest.mark.parametrize("case", INDEXES, ids=INDEX_IDS)
def test_hostile_index_events_and_fed(case: IndexCase) -> None:
    s = pd.Series(_VALUES8, index=case.index, name="rel")
    event = s.index[3]
    if case.refused_by_time is not None:
        with pytest.raises(ValueError, match=f"^series: .*{case.refused_by_time}"):
            guarded(events.event_study, s, [event], before=2, after=2)
    else:
        study = guarded(events.event_study, s, [event], before=2, after=2)
        want = _VALUES8[1:6] / _VALUES8[3] - 1.0
        assert_same(study.paths.iloc[:, 0].to_numpy(), want, rtol=1e-15)
        # an event given as a tz-aware Timestamp in another zone lands on the same row
        other = pd.Timestamp(event).tz_convert("Asia/Tokyo") if event.tz is not None else event
        again = guarded(events.event_study, s, [other], before=2, after=2)
        assert_same(again.paths.to_numpy(), study.paths.to_numpy())
    rate = pd.Series([5.0, 5.0, 4.75, 4.5, 4.5, 4.5, 4.25, 4.0], index=case.index)
    if case.refused_by_time in ("sorted", "NaT", "duplicate"):
        with pytest.raises(ValueError, match="^target_rate"):
            guarded(fed.first_cuts, rate, min_gap="1D")
    else:
        got = guarded(fed.first_cuts, rate, min_gap="1D")
        assert list(got) == _first_cuts_oracle(rate, pd.Timedelta("1D"))


@pytest.mark.parametrize("case", INDEXES, ids=INDEX_IDS)
def test_hostile_index_performance_and_valuation(case: IndexCase) -> None:
    small = pd.Series(_VALUES8, index=case.index, name="IWM")
    large = pd.Series(_VALUES8[::-1].copy(), index=case.index, name="IWB")
    if case.refused_by_time == "duplicate" or case.id == "NaT":
        # pandas cannot align on a duplicated or NaT label without guessing
        exc = ValueError
        if case.id == "NaT":
            got = guarded(relative_performance, small, large)
            assert got.index.hasnans is False or got.index.isna().sum() <= 1
        else:
            with pytest.raises(exc, match="^small"):
                guarded(relative_performance, small, large)
            with pytest.raises(exc, match="^small"):
                guarded(excess_returns, small, large)
    else:
        got = guarded(relative_performance, small, large)
        order = np.argsort(case.index.to_numpy(), kind="stable")
        s, l_ = _VALUES8[order], _VALUES8[::-1][order]
        assert_same(got.to_numpy(), (s / l_) / (s[0] / l_[0]), rtol=1e-14)
        assert got.index.is_monotonic_increasing
        got = guarded(excess_returns, small, large)
        assert_same(got.to_numpy(), (s[1:] / s[:-1] - 1) - (l_[1:] / l_[:-1] - 1), rtol=1e-12, atol=1e-15)
    # An expanding window depends on time order: refused on the same indexes as rolling.
    if case.refused_by_time in ("sorted", "NaT", "duplicate"):
        with pytest.raises(ValueError, match=f"^x.index: .*{case.refused_by_time}"):
            guarded(valuation.zscore, small, window="expanding", center="mean")
        z = guarded(valuation.zscore, small, center="mean")  # the full sample has no order
        assert_same(z.to_numpy(), valuation_oracle(_VALUES8, "mean", "std", None))
        return
    z = guarded(valuation.zscore, small, window="expanding", center="mean")
    pd.testing.assert_index_equal(z.index, small.index)
    assert_same(z.to_numpy(), valuation_oracle(_VALUES8, "mean", "std", "expanding"))


# ------------------------------------------------------------------ 2-D layouts

_PANEL = np.random.default_rng(7).normal(100.0, 5.0, size=(40, 5))
_PANEL[[0, 3, 39], [0, 2, 4]] = NAN

LAYOUTS: dict[str, Callable[[], Any]] = {
    "C_order": lambda: _PANEL.copy(),
    "Fortran_order": lambda: np.asfortranarray(_PANEL),
    "big_endian": lambda: _PANEL.astype(">f8"),
    "float32": lambda: _PANEL.astype(np.float32),
    "strided_rows": lambda: np.repeat(_PANEL, 2, axis=0)[::2],
    "strided_columns": lambda: np.repeat(_PANEL, 3, axis=1)[:, ::3],
    "reversed_rows": lambda: _PANEL[::-1][::-1],
    "negative_strides": lambda: _PANEL[::-1, ::-1][::-1, ::-1],
    "read_only": lambda: _readonly_2d(),
    "dataframe": lambda: pd.DataFrame(_PANEL, columns=list("abcde")),
    "dataframe_mixed_dtypes": lambda: pd.DataFrame(
        {c: _PANEL[:, j].astype(np.float32 if j % 2 else np.float64) for j, c in enumerate("abcde")}
    ),
    "dataframe_Float64_NA": lambda: pd.DataFrame(_PANEL, columns=list("abcde")).astype("Float64"),
    "transposed_axis1": lambda: _PANEL.T.copy(),
}


def _readonly_2d() -> np.ndarray:
    a = _PANEL.copy()
    a.flags.writeable = False
    return a


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_2d_layouts_give_each_columns_answer(layout: str) -> None:
    panel = LAYOUTS[layout]()
    axis = 1 if layout == "transposed_axis1" else 0
    floats = _PANEL.astype(np.float32).astype(np.float64) if "float32" in layout else _PANEL
    if layout == "dataframe_mixed_dtypes":
        floats = np.column_stack(
            [_PANEL[:, j].astype(np.float32 if j % 2 else np.float64).astype(np.float64) for j in range(5)]
        )
    for stat in ("mean", "std", "median", "zscore"):
        got = np.asarray(
            guarded(getattr(rolling, stat), panel, 7, min_periods=2, axis=axis), dtype=np.float64
        )
        got = got.T if axis == 1 else got
        for j in range(5):
            assert_same(got[:, j], reference.rolling(stat, floats[:, j], 7, 2), atol=1e-9)
    if axis == 0:
        got = np.asarray(
            guarded(rolling.beta, panel, floats[:, 0].copy(), 7, min_periods=3), dtype=np.float64
        )
        for j in range(5):
            assert_same(
                got[:, j], reference.rolling_pair("beta", floats[:, j], floats[:, 0], 7, 3), rtol=1e-8
            )
        z = np.asarray(guarded(valuation.zscore, panel, window=10), dtype=np.float64)
        r = np.asarray(guarded(valuation.percentile_rank, panel, window="expanding"), dtype=np.float64)
        for j in range(5):
            assert_same(z[:, j], valuation_oracle(floats[:, j], "median", "std", 10), atol=1e-9)
            np.testing.assert_array_equal(r[:, j], _rank_oracle(floats[:, j], "expanding"))


def test_dataframe_event_study_with_nullable_and_mixed_columns() -> None:
    index = pd.bdate_range("2024-01-01", periods=40)
    frame = pd.DataFrame({"a": _PANEL[:, 0], "b": _PANEL[:, 1].astype(np.float32)}, index=index)
    frame["c"] = pd.array(np.where(np.arange(40) % 7 == 0, None, _PANEL[:, 2]), dtype="Float64")
    saved = frame.copy(deep=True)
    study = events.event_study(frame, [index[5], index[20]], before=3, after=4)
    pd.testing.assert_frame_equal(frame, saved)
    floats = pd.DataFrame(
        {c: frame[c].to_numpy(dtype=np.float64, na_value=np.nan) for c in frame}, index=index
    )
    with np.errstate(all="ignore"):
        want = reference_events.paths(floats, [index[5], index[20]], 3, 4, "trading_days", "level", "next")
    assert_same(study.paths.to_numpy(), want, rtol=1e-12)


def test_events_refuse_bool_and_object_columns_by_name() -> None:
    index = pd.bdate_range("2024-01-01", periods=6)
    frame = pd.DataFrame({"ok": np.arange(1.0, 7.0), "flag": [True] * 6}, index=index)
    with pytest.raises(TypeError, match=r"^series\['flag'\]"):
        events.event_study(frame, [index[2]], before=1, after=1)
    with pytest.raises(TypeError, match="^series"):
        events.event_study(np.arange(6.0), [index[2]], before=1, after=1)


# ------------------------------------------------------------ hostile arguments

_X = np.arange(1.0, 11.0)


@pytest.mark.parametrize(
    ("call", "exc", "argument"),
    [
        (lambda: rolling.mean(_X, 0), ValueError, "window"),
        (lambda: rolling.mean(_X, -3), ValueError, "window"),
        (lambda: rolling.mean(_X, 2.5), TypeError, "window"),
        (lambda: rolling.mean(_X, True), TypeError, "window"),
        (lambda: rolling.mean(_X, np.nan), TypeError, "window"),
        (lambda: rolling.mean(_X, "90D"), ValueError, "window"),
        (
            lambda: rolling.mean(pd.Series(_X, index=pd.bdate_range("2024", periods=10)), "-3D"),
            ValueError,
            "window",
        ),
        (
            lambda: rolling.mean(pd.Series(_X, index=pd.bdate_range("2024", periods=10)), "1M"),
            ValueError,
            "window",
        ),
        (lambda: rolling.mean(_X, 3, min_periods=4), ValueError, "min_periods"),
        (lambda: rolling.mean(_X, 3, min_periods=-1), ValueError, "min_periods"),
        (lambda: rolling.mean(_X, 3, min_periods=1.0), TypeError, "min_periods"),
        (lambda: rolling.std(_X, 3, ddof=-1), ValueError, "ddof"),
        (lambda: rolling.quantile(_X, 3), ValueError, "q"),
        (lambda: rolling.quantile(_X, 3, q=np.nan), ValueError, "q"),
        (lambda: rolling.quantile(_X, 3, q=1.5), ValueError, "q"),
        (lambda: rolling.quantile(_X, 3, q="0.5"), TypeError, "q"),
        (lambda: rolling.mean(_X, 3, axis=1), ValueError, "axis"),
        (lambda: rolling.mean(_X, 3, axis=1.0), TypeError, "axis"),
        (lambda: rolling.cov(_X, _X[:-1], 3), ValueError, "y"),
        (lambda: rolling.cov(_X, np.ones((10, 2)), 3), ValueError, "y"),
        (
            lambda: rolling.cov(np.ones((10, 2)), np.ones((10, 3)), 3),
            ValueError,
            "y",
        ),  # the second argument, with its own shape
        (lambda: rolling.beta(_X, _X[:4], 3), ValueError, "x"),
        (lambda: valuation.zscore(_X, window=0), ValueError, "window"),
        (lambda: valuation.zscore(_X, window="rolling"), ValueError, "window"),
        (lambda: valuation.zscore(_X, window=2.0), TypeError, "window"),
        (lambda: valuation.zscore(_X, center="mode"), ValueError, "center"),
        (lambda: valuation.zscore(_X, center=None), TypeError, "center"),
        (lambda: valuation.zscore(_X, scale="iqr"), ValueError, "scale"),
        (lambda: valuation.zscore(_X, ddof=-1), ValueError, "ddof"),
        (lambda: valuation.zscore(_X, window=3, min_periods=5), ValueError, "min_periods"),
        (lambda: valuation.bands(_X, k=0), ValueError, "k"),
        (lambda: valuation.bands(_X, k=(1, np.inf)), ValueError, "k"),
        (lambda: valuation.bands(_X, k="2"), TypeError, "k"),
        (lambda: valuation.bands(np.ones((10, 2))), ValueError, "x"),
        (lambda: valuation.percentile_rank(_X, window=-1), ValueError, "window"),
        (lambda: events.event_study(_S(), ["2024-01-05"], before=-1, after=2), ValueError, "before"),
        (lambda: events.event_study(_S(), ["2024-01-05"], before=1.5, after=2), TypeError, "before"),
        (lambda: events.event_study(_S(), ["2024-01-05"], before=1, after=None), TypeError, "after"),
        (
            lambda: events.event_study(_S(), ["2024-01-05"], before=1, after=2, unit="weeks"),
            ValueError,
            "unit",
        ),
        (lambda: events.event_study(_S(), ["2024-01-05"], before=1, after=2, kind="log"), ValueError, "kind"),
        (
            lambda: events.event_study(_S(), ["2024-01-05"], before=1, after=2, align="nearest"),
            ValueError,
            "align",
        ),
        (lambda: events.event_study(_S(), [], before=1, after=2), ValueError, "events"),
        (lambda: events.event_study(_S(), [20240105], before=1, after=2), TypeError, "events"),
        (lambda: events.event_study(_S(), ["not a date"], before=1, after=2), ValueError, "events"),
        (lambda: events.event_study(_S(), ["1999-01-01"], before=1, after=2), ValueError, "events"),
        (lambda: events.event_study(_S(), ["2099-01-01"], before=1, after=2), ValueError, "events"),
        (lambda: events.event_study(_S(), [pd.NaT], before=1, after=2), ValueError, "events"),
        (
            lambda: events.event_study(_S(), ["2024-01-06", "2024-01-08"], before=1, after=2),
            ValueError,
            "events",
        ),
        (lambda: _study().intervals([(0, 99)]), ValueError, "pairs"),
        (lambda: _study().intervals([]), ValueError, "pairs"),
        (lambda: _study().intervals([(0.5, 1)]), TypeError, "pairs"),
        (lambda: _study().intervals(3), TypeError, "pairs"),
        (lambda: _study().bootstrap(n=0), ValueError, "n"),
        (lambda: _study().bootstrap(n=10, level=1.0), ValueError, "level"),
        (lambda: _study().bootstrap(n=10, seed="x"), TypeError, "seed"),
        (lambda: _study().placebo(n=-1), ValueError, "n"),
        (lambda: _study().placebo(n=5, dates="some"), ValueError, "dates"),
        (lambda: fed.first_cuts(_S(), min_gap="soon"), ValueError, "min_gap"),
        (lambda: fed.first_cuts(_S(), min_gap="-1D"), ValueError, "min_gap"),
        (lambda: fed.first_cuts(_S(), lag="-1D"), ValueError, "lag"),
        (lambda: fed.first_cuts(_S().to_numpy()), TypeError, "target_rate"),
        (lambda: fed.first_cuts(_S().reset_index(drop=True)), TypeError, "target_rate"),
        (lambda: relative_performance(_S(), _S(), kind="log"), ValueError, "kind"),
        (lambda: excess_returns(_S(), np.ones((10, 2))), TypeError, "large"),
        (lambda: relative_performance(_S().to_frame().assign(b=1.0), _S()), TypeError, "small"),
    ],
)
def test_hostile_arguments_are_refused_by_name(
    call: Callable[[], Any], exc: type[Exception], argument: str
) -> None:
    with pytest.raises(exc) as info:
        call()
    assert str(info.value).startswith(argument) or f"{argument}:" in str(info.value).split(" ")[0], str(
        info.value
    )
    assert type(info.value).__name__ != "PanicException"


def _S() -> pd.Series:
    return pd.Series(np.arange(1.0, 11.0), index=pd.bdate_range("2024-01-01", periods=10), name="s")


def _study() -> events.EventStudy:
    return events.event_study(_S(), ["2024-01-05"], before=2, after=3)


def test_an_event_study_leaves_the_study_inputs_alone() -> None:
    s = _S()
    s.index.name = "date"
    ev = pd.Series(pd.to_datetime(["2024-01-05", "2024-01-09"]))
    saved_s, saved_ev = s.copy(deep=True), ev.copy(deep=True)
    study = events.event_study(s, ev, before=2, after=2)
    study.intervals([(-2, 2)])
    study.bootstrap(n=10, seed=0)
    study.placebo(n=5, seed=0)
    pd.testing.assert_series_equal(s, saved_s)
    pd.testing.assert_series_equal(ev, saved_ev)
    # the study's frames are its own: writing into them does not reach the input
    study.paths.iloc[:, 0] = 0.0
    pd.testing.assert_series_equal(s, saved_s)


# ----------------------------------------------------------- read_prices on files

HOSTILE_FILES: list[Any] = [
    ("nul_bytes", b"Date,Close\n2024-01-02,1\x00\n", "X.csv"),
    ("binary_garbage", bytes(range(256)) * 4, "X.csv"),
    # refused with the file's name (an Excel "Unicode text" export): ParseError, a ValueError
    ("utf16_bom", "Date,Close\n2024-01-02,100\n2024-01-03,101\n".encode("utf-16"), "X.csv"),
    ("utf8_bom_crlf", b"\xef\xbb\xbfDate,Close\r\n2024-01-02,100\r\n2024-01-03,101\r\n", None),
    ("inf_price", b"Date,Close\n2024-01-02,100\n2024-01-03,inf\n", "X.csv"),
    ("nan_word_price", b"Date,Close\n2024-01-02,100\n2024-01-03,nan\n2024-01-04,101\n", None),
    ("overflowing_number", b"Date,Close\n2024-01-02,100\n2024-01-03,1e400\n", "X.csv"),
    ("huge_date", b"Date,Close\n2024-01-02,100\n99999-01-03,101\n", "X.csv"),
    ("only_header_and_blank_lines", b"Date,Close\n\n\n", "X.csv"),
]


@pytest.mark.parametrize(("name", "raw", "refused"), HOSTILE_FILES)
def test_read_prices_on_hostile_files(tmp_path: Path, name: str, raw: bytes, refused: str | None) -> None:
    path = tmp_path / "X.csv"
    path.write_bytes(raw)
    if refused is not None:
        with pytest.raises(ValueError) as info:
            data.read_prices(path)
        assert str(path) in str(info.value) or refused in str(info.value), str(info.value)
        assert path.read_bytes() == raw
        return
    got = data.read_prices(path)
    assert path.read_bytes() == raw
    assert isinstance(got.index, pd.DatetimeIndex) and got.index.is_monotonic_increasing
    assert got.dropna().gt(0).all()
    assert np.isfinite(got.dropna().to_numpy()).all()


def test_read_prices_on_a_folder_or_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises((ValueError, OSError)) as info:
        data.read_prices(tmp_path)
    assert str(tmp_path) in str(info.value)
    missing = tmp_path / "missing.csv"
    with pytest.raises((ValueError, OSError)) as info:
        data.read_prices(missing)
    assert str(missing) in str(info.value) or "missing.csv" in str(info.value)
