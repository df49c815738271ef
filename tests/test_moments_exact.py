"""The block engine of the moments (sum, mean, var, std, zscore, cov, corr, beta):
exact against tests/reference.py on hostile data, and a function of each window's
rows alone, bit for bit (appended rows, chunks with `first_row`, threads, layouts)."""

from __future__ import annotations

import os
import subprocess
import sys
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import reference
from capcycle import _core, rolling

MOMENTS = ["sum", "mean", "var", "std", "zscore"]
PAIRS = ["cov", "corr", "beta"]


def same_bits(a, b):
    """Equal bit for bit (every NaN counts as one NaN)."""
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape
    both_nan = np.isnan(a) & np.isnan(b)
    return bool(np.all(both_nan | (a.view(np.int64) == b.view(np.int64))))


def family(name: str, n: int = 160) -> np.ndarray:
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    noise = rng.normal(size=n)
    x = {
        "offset_1e9": 1e9 + noise,
        "shift_down": np.where(np.arange(n) < n // 2, 1e9 + noise, noise),
        "shift_up": np.where(np.arange(n) < n // 2, noise, 1e9 + noise),
        "large_first": np.concatenate([[1e15], noise[1:]]),
        "outliers_1e12": np.where(np.arange(n) % 37 == 5, 1e12, noise),
        "tiny_1e-300": noise * 1e-300,
        "huge_1e300": noise * 1e300,
        "constant_runs": np.repeat(rng.normal(size=n // 8) * 1e6, 8)[:n],
        "ints": rng.integers(-50, 50, size=n).astype(float),
    }[name]
    x = x.copy()
    x[rng.random(n) < 0.05] = np.nan
    return x


FAMILIES = [
    "offset_1e9",
    "shift_down",
    "shift_up",
    "large_first",
    "outliers_1e12",
    "tiny_1e-300",
    "huge_1e300",
    "constant_runs",
    "ints",
]


def window_scale(x, window):
    """The largest |x| of each row's window: what a sum's rounding is relative to."""
    return np.array(
        [np.nanmax(np.abs(x[max(0, i + 1 - window) : i + 1]), initial=0.0) for i in range(len(x))]
    )


@pytest.mark.parametrize("name", FAMILIES)
@pytest.mark.parametrize("stat", MOMENTS)
@pytest.mark.parametrize("window", [2, 7, 30])
def test_moments_are_exact_on_hostile_families(name, stat, window):
    x = family(name)
    got = getattr(rolling, stat)(x, window, min_periods=1)
    want = reference.rolling(stat, x, window, 1)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=f"{stat} NaN positions")
    if stat in ("sum", "mean"):
        # A sum is exact to rounding relative to its terms (its condition number).
        atol = 1e-15 * window * window_scale(x, window)
        ok = np.isnan(want) | (np.abs(got - want) <= 1e-12 * np.abs(want) + atol)
        assert ok.all(), f"{name} {stat}: rows {np.nonzero(~ok)[0]}"
    else:
        # A z-score near 0 is a difference of x and the mean: exact in units of std.
        atol = 1e-14 if stat == "zscore" else 0.0
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=atol, err_msg=f"{name} {stat}")
    if name == "constant_runs" and stat in ("var", "std") and window == 7:
        held = [x[max(0, i + 1 - window) : i + 1] for i in range(len(x))]
        flat = [i for i, v in enumerate(held) if np.isfinite(v).sum() >= 2 and np.nanstd(v) == 0]
        assert flat and np.all(got[flat] == 0.0)


@pytest.mark.parametrize("name", FAMILIES)
@pytest.mark.parametrize("stat", PAIRS)
def test_pairs_are_exact_on_hostile_families(name, stat):
    y = family(name)
    x = (
        0.5 * family(name)[::-1].copy()
        + np.random.default_rng(3).normal(size=len(y)) * np.nanmax(np.abs(y)) * 1e-3
    )
    got = (
        getattr(rolling, stat)(y, x, 10, min_periods=2)
        if stat != "beta"
        else rolling.beta(y, x, 10, min_periods=2)
    )
    want = reference.rolling_pair(stat, y, x, 10, 2)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    # Exact in the units of the statistic (a covariance near 0 of two spread-out
    # series is a cancellation of its own): relative to std(y)·std(x), std(y)/std(x).
    with np.errstate(over="ignore", invalid="ignore"):
        sy, sx = (reference.rolling("std", v, 10, 2) for v in (y, x))
        unit = {"cov": sy * sx, "corr": np.ones_like(sy), "beta": sy / sx}[stat]
        ok = np.isnan(want) | (got == want) | (np.abs(got - want) <= 1e-12 * (np.abs(want) + unit))
    assert ok.all(), f"{name} {stat}: rows {np.nonzero(~ok)[0]}"


def test_the_issue_examples():
    assert same_bits(rolling.sum(np.array([1e17, 1.0, 2.0, 3.0]), 2), [np.nan, 1e17, 3.0, 5.0])
    assert same_bits(rolling.var(np.array([1.0, 2.0, 1e200]), 2), [np.nan, 0.5, np.inf])
    assert rolling.mean(np.array([1e9, 1.1, 2.2]), 2)[-1] == (1.1 + 2.2) / 2
    # pandas' test_rolling_cov_corr_extreme_range_recovers: a huge value elsewhere in the
    # column leaves the other windows' correlation alone.
    y = np.array([1.0, 2.0, 3.0, 4.0, 1e200, 6.0, 7.0, 8.0])
    x = np.array([2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0, 16.0])
    corr = rolling.corr(y, x, 3)
    assert np.all(corr[[2, 3, 7]] == 1.0)


def test_infinities_follow_ieee_and_count():
    x = np.array([1.0, np.inf, 2.0, 3.0, -np.inf, np.inf])
    assert same_bits(rolling.sum(x, 2, min_periods=2), [np.nan, np.inf, np.inf, 5.0, -np.inf, np.nan])
    assert same_bits(rolling.mean(x, 2, min_periods=2), [np.nan, np.inf, np.inf, 2.5, -np.inf, np.nan])
    std = rolling.std(x, 2, min_periods=2)
    assert np.isnan(std[[1, 2, 4, 5]]).all() and std[3] == 0.5**0.5


def test_huge_windows_are_expanding_and_do_not_panic():
    x = np.arange(6.0)
    assert same_bits(_core.rolling(x, "mean", 2**62, 1), rolling.mean(x, 6, min_periods=1))
    assert same_bits(_core.rolling(x, "std", 2**63 - 1, 2, first_row=2**62), rolling.std(x, 6, min_periods=2))
    with pytest.raises(ValueError, match="first_row"):
        _core.rolling(x, "mean", 3, 1, first_row=-1)


def _panel(rows=700, cols=9, seed=5):
    rng = np.random.default_rng(seed)
    panel = rng.normal(size=(rows, cols)) * 10 + np.arange(cols) * 1e8
    panel[rng.random(panel.shape) < 0.03] = np.nan
    panel[100:140, 2] = 3.25
    panel[300, 4] = np.inf
    return panel


@pytest.mark.parametrize("stat", [*MOMENTS, "count"])
@pytest.mark.parametrize("window", [1, 3, 50, 256, 2000])
def test_appended_rows_chunks_and_layouts_keep_the_bits(stat, window):
    panel = _panel()
    whole = _core.rolling(panel, stat, window, 1)
    assert same_bits(_core.rolling(panel[:450], stat, window, 1), whole[:450]), "appended rows"
    assert same_bits(_core.rolling(np.ascontiguousarray(panel), stat, window, 1), whole), "C order"
    assert same_bits(_core.rolling(np.asfortranarray(panel), stat, window, 1), whole), "F order"
    for j in range(panel.shape[1]):
        assert same_bits(_core.rolling(panel[:, j].copy(), stat, window, 1), whole[:, j]), "1-D"
    # Chunks of 97 rows, each with window - 1 rows of overlap, as dask.map_overlap does.
    for first in range(0, len(panel), 97):
        start = max(0, first - (window - 1))
        chunk = _core.rolling(panel[start : first + 97], stat, window, 1, first_row=start)
        assert same_bits(chunk[first - start :], whole[first : first + 97]), f"chunk at {first}"


@pytest.mark.parametrize("stat", PAIRS)
@pytest.mark.parametrize("window", [2, 50, 2000])
def test_pairs_keep_the_bits_when_chunked_or_appended(stat, window):
    panel = _panel()
    x = panel[:, ::-1].copy()
    whole = _core.rolling_pair(panel, x, stat, window, 2)
    assert same_bits(_core.rolling_pair(panel[:450], x[:450], stat, window, 2), whole[:450])
    shared = _core.rolling_pair(panel, x[:, 0].copy(), stat, window, 2)
    assert same_bits(_core.rolling_pair(panel[:, 3].copy(), x[:, 0].copy(), stat, window, 2), shared[:, 3])
    for first in range(0, len(panel), 131):
        start = max(0, first - (window - 1))
        chunk = _core.rolling_pair(
            panel[start : first + 131], x[start : first + 131], stat, window, 2, first_row=start
        )
        assert same_bits(chunk[first - start :], whole[first : first + 131])


@pytest.mark.parametrize("stat", ["std", "corr"])
def test_wide_c_ordered_panels_keep_each_columns_bits(stat):
    # 71 columns: C order is gathered a group of columns at a time (groups of 32,
    # then 7 columns, 3 of them past the last 4x4 tile), 501 rows past the tiles too.
    panel = np.hstack([_panel(rows=501, seed=s) for s in range(8)])[:, :71]
    x = panel[:, 5].copy()

    def run(values):
        if stat == "corr":
            return _core.rolling_pair(values, x, stat, 40, 2)
        return _core.rolling(values, stat, 40, 2)

    whole = run(np.ascontiguousarray(panel))
    for j in range(panel.shape[1]):
        assert same_bits(run(panel[:, j].copy()), whole[:, j]), f"column {j}"


def _digests(script, **environments):
    """The distinct outputs of `script` run once under each environment (name=value)."""
    digests = set()
    for name, values in environments.items():
        for value in values:
            env = dict(os.environ, **{name: value})
            run = subprocess.run(
                [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
            )
            digests.add(run.stdout)
    return digests


def test_thread_counts_give_the_same_bits():
    # A long lane is shared out in blocks over the cores; a panel by columns.
    script = (
        "import numpy as np, hashlib; from capcycle import _core;"
        "rng = np.random.default_rng(1); x = rng.normal(size=300_000) + 1e6; x[::97] = np.nan;"
        "p = rng.normal(size=(3000, 40));"
        "out = [_core.rolling(x, s, w, 1) for s in ['sum', 'mean', 'std', 'zscore'] for w in (3, 252, 100_000)];"
        "out += [_core.rolling(p, 'std', 60, 1), _core.rolling_pair(x, x[::-1].copy(), 'corr', 252, 2)];"
        "print(hashlib.sha256(b''.join(o.tobytes() for o in out)).hexdigest())"
    )
    assert len(_digests(script, RAYON_NUM_THREADS=["1", "2", "3"])) == 1


def test_the_avx2_kernels_give_the_baseline_bits():
    # CAPCYCLE_SIMD=baseline runs the scalar kernels; on a CPU with AVX2 the default
    # runs the AVX2 ones (four block pairs side by side). Same bits, with and without
    # NaN rows.
    script = (
        "import numpy as np, hashlib; from capcycle import _core;"
        "rng = np.random.default_rng(2); x = rng.normal(size=20_000) + 1e9; x[5000:5100] = 3.0;"
        "x[9000] = 1e200; y = rng.normal(size=20_000); z = x.copy(); z[rng.random(20_000) < 0.01] = np.nan;"
        "out = [_core.rolling(v, s, w, m, ddof=d) for v in (x, z) for s in ['sum', 'mean', 'var', 'std', 'zscore']"
        " for w in (2, 5, 252) for d in (0, 1) for m in (1, w)];"
        "out += [_core.rolling_pair(y, v, s, w, m) for v in (x, z) for s in ['cov', 'corr', 'beta']"
        " for w in (2, 7, 252) for m in (2, w)];"
        "print(hashlib.sha256(b''.join(o.tobytes() for o in out)).hexdigest())"
    )
    assert len(_digests(script, CAPCYCLE_SIMD=["baseline", "default"])) == 1


def test_duration_windows_are_exact_and_independent_of_where_they_start():
    rng = np.random.default_rng(8)
    times = np.cumsum(rng.integers(1, 4, size=400)).astype(np.int64)
    x = np.where(np.arange(400) < 200, 1e9, 0.0) + rng.normal(size=400)
    for stat in MOMENTS:
        whole = _core.rolling(x, stat, 10, 1, times=times)
        want = reference.rolling(stat, x, None, 1, times=list(times), span=10)
        scale = 1e9 if stat in ("sum", "mean") else 0.0
        np.testing.assert_allclose(whole, want, rtol=1e-12, atol=1e-15 * 10 * scale, err_msg=stat)
        # A slice that starts anywhere gets the same bits for its complete windows.
        for start in (1, 57, 133, 250):
            part = _core.rolling(x[start:], stat, 10, 1, times=times[start:])
            complete = times[start:] - 10 >= times[start] - 1
            assert same_bits(part[complete], whole[start:][complete]), stat


finite_or_not = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.floats(min_value=-10, max_value=10),
    st.sampled_from([np.nan, np.inf, -np.inf, 0.0, 1e9]),
)


@pytest.mark.property
@settings(deadline=None)
@given(
    x=hnp.arrays(np.float64, st.integers(1, 60), elements=finite_or_not),
    window=st.integers(1, 20),
    data=st.data(),
)
def test_a_row_changes_only_the_windows_that_hold_it(x, window, data):
    row = data.draw(st.integers(0, len(x) - 1))
    new = data.draw(finite_or_not)
    changed = x.copy()
    changed[row] = new
    holds = (np.arange(len(x)) >= row) & (np.arange(len(x)) < row + window)
    y = np.linspace(-3.0, 5.0, len(x))
    for stat in MOMENTS:
        before = _core.rolling(x, stat, window, 0)
        after = _core.rolling(changed, stat, window, 0)
        assert same_bits(before[~holds], after[~holds]), stat
    for stat in PAIRS:
        before = _core.rolling_pair(x, y, stat, window, 0)
        after = _core.rolling_pair(changed, y, stat, window, 0)
        assert same_bits(before[~holds], after[~holds]), stat
