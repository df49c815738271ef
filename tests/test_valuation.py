"""capcycle.valuation against tests/reference_valuation.py (plain loops) and pandas."""

from __future__ import annotations

import doctest
import os
import subprocess
import sys

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings

import reference_valuation as ref
from capcycle import valuation

WINDOWS = [None, 1, 2, 5, 17, "expanding"]
COMBOS = [(c, s) for c in ("median", "mean") for s in ("std", "mad")]


def random_series(n: int, nan_share: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = np.round(rng.normal(15.0, 3.0, n), 2)
    x[rng.random(n) < nan_share] = np.nan
    return x


def assert_close(got, want):
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)


# --- against the slow reference: every window kind, NaN gaps, min_periods


@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize(("center", "scale"), COMBOS)
@pytest.mark.parametrize("nan_share", [0.0, 0.2, 0.8])
def test_zscore_matches_reference(window, center, scale, nan_share):
    x = random_series(120, nan_share, seed=len(str(window)) + int(nan_share * 10))
    for min_periods in (None, 0, 1, 3):
        if isinstance(window, int) and min_periods is not None and min_periods > window:
            continue
        kw = dict(center=center, window=window, min_periods=min_periods, scale=scale)
        assert_close(valuation.zscore(x, **kw), ref.zscore(x, **kw))


@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("ddof", [0, 1, 2])
def test_ddof(window, ddof):
    x = random_series(60, 0.1, seed=3)
    assert_close(valuation.zscore(x, window=window, ddof=ddof), ref.zscore(x, window=window, ddof=ddof))


@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("nan_share", [0.0, 0.3])
def test_percentile_rank_matches_reference(window, nan_share):
    x = np.round(random_series(150, nan_share, seed=5), 0)  # rounded: plenty of ties
    got = valuation.percentile_rank(x, window=window)
    np.testing.assert_array_equal(got, ref.percentile_rank(x, window=window))
    seen = got[~np.isnan(got)]
    assert ((seen > 0) & (seen <= 1)).all()


@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize(("center", "scale"), COMBOS)
def test_bands_match_reference(window, center, scale):
    x = random_series(80, 0.1, seed=8)
    got = valuation.bands(x, center=center, window=window, scale=scale, k=(1, 2, 0.5))
    unit = "sd" if scale == "std" else "mad"  # a MAD band does not say "sd"
    assert list(got.columns) == ["value", "center"] + [
        f"{sign}{k}{unit}" for k in (1, 2, 0.5) for sign in "+-"
    ]
    c, s = ref.center_scale(x, center=center, window=window, scale=scale)
    np.testing.assert_array_equal(got["value"], x)
    assert_close(got["center"], c)
    for k in (1, 2, 0.5):
        assert_close(got[f"+{k:g}{unit}"], c + k * s)
        assert_close(got[f"-{k:g}{unit}"], c - k * s)


def test_fewer_than_min_periods_is_nan_not_an_error():
    x = [1.0, np.nan, 2.0]
    for window in (None, "expanding", 3):
        assert np.isnan(valuation.zscore(x, window=window, min_periods=3)).all()
        assert np.isnan(valuation.percentile_rank(x, window=window, min_periods=3)).all()
        assert valuation.bands(x, window=window, min_periods=3)["center"].isna().all()
    # A window longer than the series: min_periods defaults to the window.
    assert np.isnan(valuation.zscore(x, window=10)).all()
    assert np.isnan(valuation.zscore([5.0], window="expanding")).all()  # std of one value


def test_constant_series_has_exactly_zero_std_so_nan_zscore():
    # hypothesis found it: fsum([119.59] * 3) / 3 is not 119.59, so a naive two-pass
    # std is 1e-14, not 0, and the z-scores were 0 instead of NaN.
    for window in (None, 3, "expanding"):
        assert np.isnan(valuation.zscore([119.59] * 3, window=window)).all()


def test_constant_and_mostly_equal_windows_give_nan_not_inf():
    x = np.array([3.0, 3.0, 3.0, 3.0, 9.0])
    assert np.isnan(valuation.zscore(x, window=3)[2:4]).all()
    # More than half equal: the MAD is 0, so the robust z-score is undefined.
    assert np.isnan(valuation.zscore(x, scale="mad")).all()
    assert np.isfinite(valuation.zscore(x, scale="std")).all()


def test_large_offset_keeps_digits():
    x = random_series(300, 0.0, seed=11)
    for window in (None, 20, "expanding"):
        for center in ("median", "mean"):
            np.testing.assert_allclose(
                valuation.zscore(x + 1e9, window=window, center=center),
                valuation.zscore(x, window=window, center=center),
                rtol=1e-6,
                atol=1e-6,
            )


# --- against pandas where it has the same thing


@pytest.fixture
def series():
    x = random_series(400, 0.15, seed=21)
    return pd.Series(x, index=pd.date_range("2000-01-31", periods=len(x), freq="ME"), name="pe")


@pytest.mark.parametrize("window", [5, 36, "expanding", None])
def test_median_zscore_matches_pandas(series, window):
    if window is None:
        want = (series - series.median()) / series.std()
    else:
        roll = series.expanding() if window == "expanding" else series.rolling(window)
        want = (series - roll.median()) / roll.std()
    got = valuation.zscore(series, window=window)
    pd.testing.assert_index_equal(got.index, series.index)
    assert got.name == "pe"
    assert_close(got, want)


@pytest.mark.parametrize("window", [5, 36, "expanding", None])
def test_mean_zscore_matches_pandas(series, window):
    if window is None:
        want = (series - series.mean()) / series.std()
    else:
        roll = series.expanding() if window == "expanding" else series.rolling(window)
        want = (series - roll.mean()) / roll.std()
    assert_close(valuation.zscore(series, window=window, center="mean"), want)


@pytest.mark.parametrize("window", [5, 36, "expanding", None])
def test_percentile_rank_matches_pandas(series, window):
    s = series.round(0)
    if window is None:
        want = s.rank(pct=True, method="max")
    else:
        roll = s.expanding() if window == "expanding" else s.rolling(window)
        want = roll.rank(pct=True, method="max")
    assert_close(valuation.percentile_rank(s, window=window), want)


# --- no look-ahead: a future value never changes a past expanding result


def check_no_look_ahead(x, k, new, center, scale):
    changed = x.copy()
    changed[k] = new
    if np.isnan(x).all() or np.isnan(changed).all():
        return  # all-NaN input is an error, tested below
    before = valuation.zscore(x, window="expanding", center=center, scale=scale)
    ranks_before = valuation.percentile_rank(x, window="expanding")
    after = valuation.zscore(changed, window="expanding", center=center, scale=scale)
    np.testing.assert_array_equal(after[:k], before[:k])
    np.testing.assert_array_equal(
        valuation.percentile_rank(changed, window="expanding")[:k], ranks_before[:k]
    )


def test_no_look_ahead_example():
    x = random_series(500, 0.1, seed=2)
    for center, scale in COMBOS:
        check_no_look_ahead(x, 250, 1e6, center, scale)


finite = st.integers(-100_000, 100_000).map(lambda v: v / 100)
values = st.one_of(finite, finite, finite, st.just(np.nan), st.sampled_from([0.0, 1.0, 1.0]))
series_st = hnp.arrays(np.float64, st.integers(1, 60), elements=values)
combos = st.sampled_from(COMBOS)


@st.composite
def look_ahead_case(draw):
    x = draw(series_st)
    k = draw(st.integers(0, len(x) - 1))
    return x, k, draw(values), draw(combos)


def _no_look_ahead(case):
    x, k, new, (center, scale) = case
    check_no_look_ahead(x, k, new, center, scale)


def _matches_reference(x, window, data):
    center, scale = data.draw(combos)
    if isinstance(window, int):
        min_periods = data.draw(st.one_of(st.none(), st.integers(0, window)))
    else:
        min_periods = data.draw(st.one_of(st.none(), st.integers(0, 5)))
    kw = dict(window=window, min_periods=min_periods)
    if np.isnan(x).all():
        with pytest.raises(ValueError, match="^x: "):
            valuation.zscore(x, center=center, scale=scale, **kw)
        return
    assert_close(
        valuation.zscore(x, center=center, scale=scale, **kw), ref.zscore(x, center=center, scale=scale, **kw)
    )
    np.testing.assert_array_equal(valuation.percentile_rank(x, **kw), ref.percentile_rank(x, **kw))


window_st = st.one_of(st.none(), st.just("expanding"), st.integers(1, 70))


@settings(max_examples=300)
@given(case=look_ahead_case())
def test_property_no_look_ahead(case):
    _no_look_ahead(case)


@settings(max_examples=300)
@given(x=series_st, window=window_st, data=st.data())
def test_property_matches_reference(x, window, data):
    _matches_reference(x, window, data)


@pytest.mark.slow
def test_property_no_look_ahead_slow():
    settings(max_examples=10_000)(given(case=look_ahead_case())(_no_look_ahead))()


@pytest.mark.slow
def test_property_matches_reference_slow():
    settings(max_examples=10_000)(given(x=series_st, window=window_st, data=st.data())(_matches_reference))()


# --- types in, types out; 2-D; threads


def test_dataframe_is_column_by_column_and_inputs_stay_untouched():
    rng = np.random.default_rng(4)
    panel = np.round(rng.normal(10, 2, size=(300, 40)), 2)
    panel[rng.random(panel.shape) < 0.1] = np.nan
    panel[:, 3] = np.nan  # an all-NaN column is NaN out, not an error
    keep = panel.copy()
    frame = pd.DataFrame(
        panel, index=pd.date_range("2001", periods=300, freq="W"), columns=[f"c{j}" for j in range(40)]
    )
    for window in WINDOWS:
        for center, scale in COMBOS:
            z = valuation.zscore(frame, window=window, center=center, scale=scale)
            pd.testing.assert_index_equal(z.index, frame.index)
            pd.testing.assert_index_equal(z.columns, frame.columns)
            for order in ("C", "F"):
                arr = valuation.zscore(
                    np.asarray(panel, order=order), window=window, center=center, scale=scale
                )
                np.testing.assert_array_equal(arr, z.to_numpy())
            for j in (0, 3, 39):
                if j == 3:
                    assert z.iloc[:, j].isna().all()
                else:
                    np.testing.assert_array_equal(
                        z.iloc[:, j], valuation.zscore(panel[:, j], window=window, center=center, scale=scale)
                    )
        ranks = valuation.percentile_rank(frame, window=window)
        np.testing.assert_array_equal(ranks.iloc[:, 7], valuation.percentile_rank(panel[:, 7], window=window))
    np.testing.assert_array_equal(panel, keep)


def test_lists_polars_and_strided_inputs():
    x = [3.0, 1.0, 2.0, 5.0]
    assert isinstance(valuation.zscore(x), np.ndarray)
    s = pl.Series("pe", x)
    out = valuation.zscore(s, window="expanding")
    assert isinstance(out, pl.Series) and out.name == "pe"
    np.testing.assert_array_equal(out.to_numpy(), valuation.zscore(np.array(x), window="expanding"))
    frame = pl.DataFrame({"a": x, "b": x[::-1]})
    assert valuation.percentile_rank(frame).columns == ["a", "b"]
    big = np.arange(20.0)[::2]
    np.testing.assert_array_equal(valuation.zscore(big, window=3), valuation.zscore(big.copy(), window=3))
    np.testing.assert_array_equal(valuation.zscore(np.arange(5)), valuation.zscore(np.arange(5.0)))
    assert isinstance(valuation.bands(s), pl.DataFrame)


def test_bands_keep_the_series_index():
    s = pd.Series([1.0, 2.0, 4.0], index=pd.date_range("2020", periods=3), name="pe")
    b = valuation.bands(s, k=1)
    pd.testing.assert_index_equal(b.index, s.index)
    assert list(b.columns) == ["value", "center", "+1sd", "-1sd"]


def test_one_rayon_thread_gives_the_same_bits():
    script = (
        "import numpy as np, hashlib; from capcycle import valuation as v;"
        "x = np.random.default_rng(1).normal(size=(3000, 24));"
        "outs = [v.zscore(x, window=w, scale=s) for w in (None, 60, 'expanding') for s in ('std', 'mad')];"
        "outs.append(v.percentile_rank(x, window=60));"
        "print(hashlib.sha256(b''.join(o.tobytes() for o in outs)).hexdigest())"
    )
    digests = set()
    for threads in ("1", "2"):
        env = dict(os.environ, RAYON_NUM_THREADS=threads)
        run = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
        )
        digests.add(run.stdout)
    assert len(digests) == 1


# --- relative_multiple


def test_relative_multiple_aligns_on_common_dates_and_drops_non_positive():
    dates = pd.date_range("2020-01-31", periods=6, freq="ME")
    small = pd.Series([15.0, 16.0, -3.0, 0.0, np.nan, 12.0], index=dates, name="small_pe")
    large = pd.Series([20.0, 21.0, 22.0, 23.0, 24.0], index=dates[1:][::-1], name="large_pe")
    got = valuation.relative_multiple(small, large)
    pd.testing.assert_index_equal(got.index, dates[1:])
    assert got.name == "small_pe/large_pe"
    np.testing.assert_array_equal(got, [16.0 / 24.0, np.nan, np.nan, np.nan, 12.0 / 20.0])


def test_relative_multiple_frames_arrays_and_polars():
    rng = np.random.default_rng(0)
    a, b = rng.normal(14, 5, 50), rng.normal(18, 5, 50)
    assert_close(valuation.relative_multiple(a, b), ref.relative_multiple(a, b))
    assert_close(valuation.relative_multiple(list(a), list(b)), ref.relative_multiple(a, b))
    out = valuation.relative_multiple(pl.Series("s", a), pl.Series("l", b))
    assert isinstance(out, pl.Series)
    frame = pd.DataFrame({"x": a, "y": b})
    got = valuation.relative_multiple(frame, pd.Series(b))
    assert_close(got["x"], ref.relative_multiple(a, b))
    assert_close(got["y"], ref.relative_multiple(b, b))
    got = valuation.relative_multiple(frame, pd.DataFrame({"y": a, "z": b}))
    assert list(got.columns) == ["y"]


# --- bad input: errors name the argument


@pytest.mark.parametrize(
    ("call", "error", "pattern"),
    [
        (lambda: valuation.zscore([1.0, 2.0], center="mode"), ValueError, "^center: "),
        (lambda: valuation.zscore([1.0, 2.0], center=None), TypeError, "^center: "),
        (lambda: valuation.zscore([1.0, 2.0], scale="iqr"), ValueError, "^scale: "),
        (lambda: valuation.bands([1.0, 2.0], scale="var"), ValueError, "^scale: "),
        (lambda: valuation.zscore([1.0, 2.0], window="weekly"), ValueError, "^window: "),
        (lambda: valuation.zscore([1.0, 2.0], window=0), ValueError, "^window: "),
        (lambda: valuation.percentile_rank([1.0, 2.0], window=-3), ValueError, "^window: "),
        (lambda: valuation.zscore([1.0, 2.0], window=2.5), TypeError, "^window: "),
        (lambda: valuation.zscore([1.0, 2.0], window=True), TypeError, "^window: "),
        (lambda: valuation.zscore([1.0, 2.0], window=2, min_periods=3), ValueError, "^min_periods: "),
        (lambda: valuation.zscore([1.0, 2.0], min_periods=-1), ValueError, "^min_periods: "),
        (lambda: valuation.zscore([1.0, 2.0], ddof=-1), ValueError, "^ddof: "),
        (lambda: valuation.zscore([np.nan, np.nan]), ValueError, "^x: .*all-NaN"),
        (lambda: valuation.zscore(np.full((3, 2), np.nan), window=2), ValueError, "^x: "),
        (lambda: valuation.percentile_rank([], window="expanding"), ValueError, "^x: "),
        (lambda: valuation.bands([np.nan]), ValueError, "^x: "),
        (lambda: valuation.zscore(["a", "b"]), TypeError, "^x: "),
        (lambda: valuation.zscore(pd.Series(["a", "b"])), TypeError, "^x: "),
        (lambda: valuation.zscore(np.ones((2, 2, 2))), ValueError, "^x: "),
        (lambda: valuation.bands(np.ones((3, 2))), ValueError, "^x: "),
        (lambda: valuation.bands([1.0, 2.0], k=(1, -2)), ValueError, "^k: "),
        (lambda: valuation.bands([1.0, 2.0], k=(1, 1)), ValueError, "^k: "),
        (lambda: valuation.bands([1.0, 2.0], k="2"), TypeError, "^k: "),
        (lambda: valuation.bands([1.0, 2.0], k=()), ValueError, "^k: "),
        (lambda: valuation.relative_multiple([1.0, 2.0], [1.0]), ValueError, "^large: "),
        (
            lambda: valuation.relative_multiple(pd.Series([1.0], index=[0]), pd.Series([1.0], index=[1])),
            ValueError,
            "^large: .*common",
        ),
        (lambda: valuation.relative_multiple(["a"], [1.0]), TypeError, "^small: "),
    ],
)
def test_bad_input_raises_naming_the_argument(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def test_native_module_validates_too():
    from capcycle import _core

    x = np.array([1.0, 2.0])
    with pytest.raises(ValueError, match="^window: "):
        _core.valuation_zscore(x, "rolling", 0)
    with pytest.raises(ValueError, match="^window: "):
        _core.valuation_zscore(x, "weekly", 0)
    with pytest.raises(ValueError, match="^center: "):
        _core.valuation_zscore(x, "full", 0, center="mode")
    with pytest.raises(ValueError, match="^min_periods: "):
        _core.valuation_percentile_rank(x, "rolling", 1, min_periods=2)
    with pytest.raises(ValueError, match="^x: "):
        _core.valuation_percentile_rank(np.full((2, 2), np.nan), "full", 0)


def test_docstring_examples_run():
    result = doctest.testmod(valuation, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 8 and result.failed == 0
