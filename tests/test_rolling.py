"""capcycle.rolling against tests/reference.py (exact, slow) and pandas."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import reference
from capcycle import rolling

SINGLE = ["sum", "mean", "var", "std", "zscore", "min", "max", "median", "quantile"]
PAIRS = ["cov", "corr", "beta"]
ORDER = {"min", "max", "median", "quantile"}


def call(stat, x, window, **kwargs):
    if stat == "quantile":
        kwargs.setdefault("q", 0.3)
    return getattr(rolling, stat)(x, window, **kwargs)


def expected(stat, x, window, min_periods=None, **kwargs):
    if stat == "quantile":
        kwargs.setdefault("q", 0.3)
    return reference.rolling(stat, x, window, min_periods, **kwargs)


def assert_matches(actual, wanted, stat, scale=1.0):
    actual, wanted = np.asarray(actual, dtype=float), np.asarray(wanted, dtype=float)
    assert actual.shape == wanted.shape
    np.testing.assert_array_equal(np.isnan(actual), np.isnan(wanted), err_msg=f"{stat}: NaN positions")
    if stat in ORDER:
        np.testing.assert_array_equal(actual, wanted, err_msg=stat)
    else:
        np.testing.assert_allclose(actual, wanted, rtol=1e-9, atol=1e-11 * scale, err_msg=stat)


def random_series(n, nan_share, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n) * 10
    x[rng.random(n) < nan_share] = np.nan
    return x


@pytest.mark.parametrize("stat", SINGLE)
@pytest.mark.parametrize("nan_share", [0.0, 0.1, 0.5, 0.9, 1.0])
def test_every_window_and_min_periods_matches_reference(stat, nan_share):
    x = random_series(24, nan_share, seed=len(stat) * 31 + int(nan_share * 10))
    for window in range(1, 27):
        for min_periods in sorted({0, 1, window // 2, window}):
            got = call(stat, x, window, min_periods=min_periods)
            assert_matches(
                got, expected(stat, x, window, min_periods), f"{stat} w={window} mp={min_periods}", 10
            )


@pytest.mark.parametrize("stat", PAIRS)
@pytest.mark.parametrize("nan_share", [0.0, 0.2, 0.7, 1.0])
def test_pairs_match_reference(stat, nan_share):
    y = random_series(30, nan_share, seed=1)
    x = 0.5 * np.nan_to_num(y) + random_series(30, nan_share, seed=2)
    for window in range(1, 32, 3):
        for min_periods in sorted({0, min(2, window), window}):
            got = getattr(rolling, stat)(y, x, window, min_periods=min_periods)
            want = reference.rolling_pair(stat, y, x, window, min_periods)
            assert_matches(got, want, stat, 10)


@pytest.mark.parametrize("stat", SINGLE)
def test_matches_pandas(stat):
    s = pd.Series(random_series(500, 0.1, seed=7))
    for window, min_periods in [(1, 1), (5, 3), (30, 30), (252, 10)]:
        r = s.rolling(window, min_periods=min_periods)
        if stat == "zscore":
            want = (s - r.mean()) / r.std()
            want[r.std() == 0] = np.nan
        elif stat == "quantile":
            want = r.quantile(0.3)
        else:
            want = getattr(r, stat)()
        got = call(stat, s, window, min_periods=min_periods)
        pd.testing.assert_series_equal(got, want, rtol=1e-8, check_names=False)


@pytest.mark.parametrize("stat", PAIRS)
def test_pairs_match_pandas(stat):
    rng = np.random.default_rng(3)
    y = pd.Series(rng.normal(size=400))
    x = pd.Series(rng.normal(size=400) + 0.3 * y)
    y[::17] = np.nan
    got = getattr(rolling, stat)(y, x, 40)
    if stat == "beta":
        want = y.rolling(40).cov(x) / x.where(y.notna()).rolling(40).var()
    else:
        want = getattr(y.rolling(40), stat)(x)
    pd.testing.assert_series_equal(got, want, rtol=1e-8, check_names=False)


# --- exactness (the reasons for anchored block sums; see src/kernels/moments.rs)


def test_constant_window_std_is_exactly_zero():
    x = np.r_[np.linspace(0, 7, 13), np.full(40, 0.1 + 0.2), [np.nan] * 3, np.full(10, 0.3)]
    for stat in ("std", "var"):
        got = call(stat, x, 8)
        assert np.all(got[21:53] == 0.0), stat
    assert np.all(np.isnan(rolling.corr(x, np.arange(x.size, dtype=float), 8)[21:53]))
    assert np.all(rolling.mean(x, 8)[21:53] == 0.1 + 0.2)


@pytest.mark.parametrize("stat", ["std", "var", "zscore", "mean"])
def test_std_offset_1e9(stat):
    base = np.random.default_rng(11).normal(size=2000)
    x = base + 1e9
    got = call(stat, x, 50)
    want = expected(stat, x, 50)
    if stat == "mean":
        np.testing.assert_allclose(got, want, rtol=1e-15)
    else:
        rel = np.nanmax(np.abs(got - want) / np.abs(want))
        assert rel < 1e-9, rel
    if stat == "std":  # pandas is visibly worse here: the reason this project exists
        pandas_rel = np.nanmax(np.abs(pd.Series(x).rolling(50).std() - want) / want)
        assert pandas_rel > rel


def test_level_shift_1e9():
    rng = np.random.default_rng(5)
    x = rng.normal(size=1200)
    x[400:800] += 1e9  # up, then back down: windows past each shift must not feel it
    other = 2 * x + rng.normal(size=1200)
    for stat in ("std", "zscore"):
        got, want = call(stat, x, 60), expected(stat, x, 60)
        assert np.nanmax(np.abs(got - want) / np.abs(want)) < 1e-9, stat
    got, want = rolling.corr(x, other, 60), reference.rolling_pair("corr", x, other, 60)
    assert np.nanmax(np.abs(got - want)) < 1e-9


@pytest.mark.parametrize("magnitude", [1e-300, 1e300])
def test_extreme_magnitudes(magnitude):
    x = np.random.default_rng(12).random(60) * magnitude
    for stat in ("std", "var", "zscore"):
        got, want = call(stat, x, 7), expected(stat, x, 7)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=0, err_msg=stat)
    y = x[::-1].copy()
    np.testing.assert_allclose(rolling.corr(x, y, 7), reference.rolling_pair("corr", x, y, 7), rtol=1e-12)


# --- types, shapes and layouts


def test_series_and_dataframe_keep_index_name_and_columns():
    index = pd.date_range("2024-01-01", periods=6, name="date")
    s = pd.Series(np.arange(6.0), index=index, name="iwm")
    out = rolling.mean(s, 2)
    assert isinstance(out, pd.Series) and out.name == "iwm" and out.index.equals(index)
    df = pd.DataFrame({"a": np.arange(6.0), "b": np.arange(6.0) ** 2}, index=index)
    out = rolling.std(df, 3)
    assert isinstance(out, pd.DataFrame) and list(out.columns) == ["a", "b"] and out.index.equals(index)
    np.testing.assert_array_equal(out["b"].to_numpy(), rolling.std(df["b"].to_numpy(), 3))


def test_list_and_polars_inputs():
    assert isinstance(rolling.sum([1, 2, 3], 2), np.ndarray)
    out = rolling.max(pl.Series("p", [1.0, None, 3.0]), 2, min_periods=1)
    assert isinstance(out, pl.Series) and out.name == "p" and out.to_list() == [1.0, 1.0, 3.0]


@pytest.mark.parametrize(
    "make",
    [
        lambda x: x.astype(np.float32),
        lambda x: x.astype(">f8"),
        lambda x: np.repeat(x, 2)[::2],
        lambda x: x[::-1].copy()[::-1],
        lambda x: np.round(x * 100).astype(np.int64),
        lambda x: x > 0,
    ],
    ids=["float32", "big-endian", "strided", "reversed", "int64", "bool"],
)
def test_dtypes_and_layouts_match_float64(make):
    x = np.random.default_rng(2).normal(size=200)
    variant = make(x)
    as_float = np.asarray(variant, dtype=np.float64)
    for stat in ("mean", "std", "median"):
        np.testing.assert_array_equal(call(stat, variant, 20), call(stat, as_float.copy(), 20))


def test_2d_is_column_by_column_in_c_and_f_order_and_inputs_stay_untouched():
    rng = np.random.default_rng(4)
    c = rng.normal(size=(300, 40))
    c[rng.random(c.shape) < 0.05] = np.nan
    f = np.asfortranarray(c)
    before = c.copy()
    for stat in SINGLE:
        from_c, from_f = call(stat, c, 30, min_periods=5), call(stat, f, 30, min_periods=5)
        np.testing.assert_array_equal(from_c, from_f)
        for j in (0, 17, 39):
            np.testing.assert_array_equal(from_c[:, j], call(stat, c[:, j], 30, min_periods=5))
    y = rng.normal(size=300)
    for stat in PAIRS:
        panel = getattr(rolling, stat)(c, y, 30, min_periods=5)
        np.testing.assert_array_equal(panel[:, 3], getattr(rolling, stat)(c[:, 3], y, 30, min_periods=5))
    np.testing.assert_array_equal(c, before)
    assert c.flags.writeable


def test_axis_1_rolls_along_rows():
    x = np.random.default_rng(8).normal(size=(5, 30))
    np.testing.assert_array_equal(rolling.mean(x, 4, axis=1), rolling.mean(x.T, 4).T)


def test_long_lanes_run_in_chunks_with_the_same_answers():
    # >= 2 x 65,536 rows: the lane is cut into fixed chunks run in parallel, each
    # warm-started from its first row's window (src/kernels/rolling.rs `chunked`).
    rng = np.random.default_rng(13)
    index = pd.date_range("1900-01-01", periods=200_000, freq="h")
    s = pd.Series(rng.normal(size=200_000) + 1e6, index=index)
    s.iloc[rng.random(200_000) < 0.02] = np.nan
    pd.testing.assert_series_equal(rolling.median(s, 100), s.rolling(100).median())
    pd.testing.assert_series_equal(rolling.max(s, "3D"), s.rolling("3D").max())
    pd.testing.assert_series_equal(rolling.std(s, 100), s.rolling(100).std(), rtol=1e-8)
    pd.testing.assert_series_equal(rolling.quantile(s, "2D", q=0.9), s.rolling("2D").quantile(0.9))


def test_empty_and_short_input():
    assert rolling.mean(np.array([]), 3).shape == (0,)
    assert rolling.std(np.empty((0, 3)), 2).shape == (0, 3)
    assert np.isnan(rolling.mean([1.0, 2.0], 5)).all()
    assert rolling.mean([1.0, 2.0], 5, min_periods=1).tolist() == [1.0, 1.5]


def test_duration_windows_match_pandas():
    rng = np.random.default_rng(6)
    days = np.sort(rng.choice(np.arange(400), size=150, replace=False))
    index = pd.DatetimeIndex(pd.Timestamp("2020-01-01") + pd.to_timedelta(days, unit="D"))
    s = pd.Series(rng.normal(size=150), index=index)
    s.iloc[::9] = np.nan
    for stat in ("sum", "mean", "std", "min", "max", "median"):
        got = call(stat, s, "10D")
        want = getattr(s.rolling("10D"), stat)()
        pd.testing.assert_series_equal(got, want, rtol=1e-9)
    times = index.as_unit("ns").asi8
    for stat in ("var", "quantile"):
        want = expected(stat, s.to_numpy(), None, 2, times=times, span=pd.Timedelta("3W").value)
        assert_matches(call(stat, s, "3W", min_periods=2), want, stat, 10)
    other = pd.Series(rng.normal(size=150), index=index)
    pd.testing.assert_series_equal(rolling.corr(s, other, "30D"), s.rolling("30D").corr(other), rtol=1e-9)


# --- bad input: a clear exception naming the argument


@pytest.mark.parametrize(
    "call_, error, pattern",
    [
        (lambda: rolling.mean([1.0, 2.0], 0), ValueError, "window"),
        (lambda: rolling.mean([1.0, 2.0], -3), ValueError, "window"),
        (lambda: rolling.mean([1.0, 2.0], 2.5), TypeError, "window"),
        (lambda: rolling.mean([1.0, 2.0], True), TypeError, "window"),
        (lambda: rolling.mean([1.0, 2.0], 2, min_periods=3), ValueError, "min_periods"),
        (lambda: rolling.mean([1.0, 2.0], 2, min_periods=-1), ValueError, "min_periods"),
        (lambda: rolling.std([1.0, 2.0], 2, ddof=-1), ValueError, "ddof"),
        (lambda: rolling.quantile([1.0, 2.0], 2), ValueError, "q"),
        (lambda: rolling.mean([1.0, 2.0], 2, q=0.5), ValueError, "q: only rolling.quantile"),
        (lambda: rolling.median([1.0, 2.0], 2, ddof=-1), ValueError, "ddof"),
        (lambda: rolling.quantile([1.0, 2.0], 2, q=1.5), ValueError, "q"),
        (lambda: rolling.corr([1.0, 2.0], [1.0], 2), ValueError, "y"),
        (lambda: rolling.beta([1.0, 2.0], np.ones((2, 2)), 2), ValueError, "x"),
        (lambda: rolling.mean(np.ones((2, 2, 2)), 2), ValueError, "x: expected a 1-D or 2-D"),
        (lambda: rolling.mean(np.float64(3.0), 2), ValueError, "x: expected"),
        (lambda: rolling.mean(np.array(["a", "b"]), 2), TypeError, "x: dtype"),
        (lambda: rolling.mean(pd.Series(["a", "b"]), 2), TypeError, "x: dtype"),
        (lambda: rolling.mean(np.array([1 + 2j]), 1), TypeError, "x: dtype"),
        (lambda: rolling.mean("abc", 2), TypeError, "x"),
        (lambda: rolling.mean([1.0, 2.0], "90D"), ValueError, "window: a duration"),
        (
            lambda: rolling.mean(
                pd.Series([1.0, 2.0], index=pd.to_datetime(["2024-01-02", "2024-01-01"])), "2D"
            ),
            ValueError,
            "x.index: the DatetimeIndex must be sorted",
        ),
        (
            lambda: rolling.mean(pd.Series([1.0], index=pd.to_datetime(["2024-01-01"])), "3M"),
            ValueError,
            "window",
        ),
        (lambda: rolling.mean([1.0], 1, axis=2), ValueError, "axis"),
    ],
)
def test_bad_input_raises_naming_the_argument(call_, error, pattern):
    with pytest.raises(error, match=pattern):
        call_()


def test_native_module_validates_too():
    from capcycle import _core

    with pytest.raises(ValueError, match="window"):
        _core.rolling(np.ones(3), "mean", 0, 0)
    with pytest.raises(ValueError, match="stat"):
        _core.rolling(np.ones(3), "mode", 2, 1)
    with pytest.raises(ValueError, match="times"):
        _core.rolling(np.ones(3), "mean", 2, 1, times=np.array([3, 2, 1]))
    with pytest.raises(ValueError, match="min_periods"):
        _core.rolling(np.ones((3, 2)), "mean", 2, -1)
    with pytest.raises(TypeError, match="x: must be a 1-D or 2-D float64 array"):
        _core.rolling(np.ones((2, 2, 2)), "mean", 2, 1)
    with pytest.raises(ValueError, match="x: a 2-D x needs a 2-D y"):
        _core.rolling_pair(np.ones(3), np.ones((3, 2)), "corr", 2, 2)


# --- threads: bit-identical whatever the parallelism


def test_threads_give_bit_identical_results():
    rng = np.random.default_rng(9)
    panel = rng.normal(size=(2000, 64))
    serial = {stat: call(stat, panel, 100) for stat in ("std", "median", "max")}
    results: list[tuple[str, np.ndarray]] = []

    def work(stat):
        for _ in range(3):
            results.append((stat, call(stat, panel, 100)))

    threads = [threading.Thread(target=work, args=(s,)) for s in ["std", "median", "max"] * 3][:8]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 24
    for stat, out in results:
        np.testing.assert_array_equal(out, serial[stat])


def test_one_rayon_thread_gives_the_same_bits():
    script = (
        "import numpy as np, hashlib; from capcycle import rolling;"
        "x = np.random.default_rng(1).normal(size=(3000, 50));"
        "print(hashlib.sha256(b''.join(rolling.__dict__[s](x, 60).tobytes() for s in ['std','median','mean'])).hexdigest())"
    )
    digests = set()
    for threads in ("1", "4"):
        env = dict(os.environ, RAYON_NUM_THREADS=threads)
        digests.add(
            subprocess.run(
                [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
            ).stdout
        )
    assert len(digests) == 1


# --- property tests: every kernel against the reference (CI: the default profile;
# `pytest -m property --hypothesis-profile=thorough` runs 10,000 cases each)

# Squares of values 1e150 times smaller than a window's largest leave f64's range
# (documented in src/kernels/moments.rs); extreme windows are tested apart.
finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False).filter(
    lambda v: v == 0 or abs(v) >= 1e-100
)
values = st.one_of(finite, st.just(np.nan), st.sampled_from([0.0, 1.0, -1.0]))
series = hnp.arrays(np.float64, st.integers(0, 40), elements=values)
# Pairs on a grid of eighths: a regression of y on a nearly constant x is
# ill-conditioned for any float algorithm, and a lane mixing 1 and 1e-270 has
# squares below f64's range; the grid keeps the property about the kernel, not that.
grid = st.one_of(st.integers(-8000, 8000).map(lambda k: k / 8), st.just(np.nan))
grid_series = hnp.arrays(np.float64, st.integers(0, 40), elements=grid)


@pytest.mark.property
@pytest.mark.parametrize("stat", SINGLE)
@given(x=series, window=st.integers(1, 45), data=st.data())
def test_property_single(stat, x, window, data):
    min_periods = data.draw(st.integers(0, window))
    offset = data.draw(st.sampled_from([0.0, 0.0, 1e9]))
    shifted = x + offset
    got = call(stat, shifted, window, min_periods=min_periods)
    want = expected(stat, shifted, window, min_periods)
    if offset and stat not in ORDER:
        # With a 1e9 offset the inputs themselves carry ~1e-7 of rounding: compare in
        # the units of the spread, as the two-pass reference does.
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        spread = np.nanmax(np.abs(x)) if np.isfinite(x).any() else 1.0
        scale = {"sum": 1e9 * 45, "mean": 1e9}.get(stat, 1.0)
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12 * scale + 1e-9 * (spread + 1))
    else:
        assert_matches(got, want, stat, np.nanmax(np.abs(shifted)) if np.isfinite(shifted).any() else 1.0)


@pytest.mark.property
@pytest.mark.parametrize("stat", PAIRS)
@given(y=grid_series, window=st.integers(1, 45), data=st.data())
def test_property_pairs(stat, y, window, data):
    x = data.draw(hnp.arrays(np.float64, y.shape, elements=grid))
    min_periods = data.draw(st.integers(0, window))
    got = getattr(rolling, stat)(y, x, window, min_periods=min_periods)
    want = reference.rolling_pair(stat, y, x, window, min_periods)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    scale = max(np.nanmax(np.abs(y), initial=1.0), np.nanmax(np.abs(x), initial=1.0))
    tolerance = {"cov": 1e-9 * scale**2, "corr": 1e-7, "beta": 1e-6 * scale}[stat]
    np.testing.assert_allclose(got, want, rtol=1e-7, atol=tolerance)
