"""capcycle.quality against its pandas and numpy twins (issue 15).

rank == pandas ``DataFrame.rank(axis=1)`` bit for bit; trend == numpy.polyfit on
every window (and an exact rational slope); screen == a slow screen in plain pandas
(tests/reference_quality.py), on ragged random panels with NaN, then hypothesis.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from hypothesis import given

from capcycle import quality, rolling
from reference_quality import exact_slope, screen_pandas, trend_exact, trend_polyfit


def ragged_panel(seed: int, rows: int = 40, cols: int = 25, *, ints: bool = False) -> pd.DataFrame:
    """Dates x firms with late entries, early exits, holes, an all-NaN date and firm."""
    rng = np.random.default_rng(seed)
    x = rng.integers(-3, 4, (rows, cols)).astype(float) if ints else rng.normal(0.1, 0.05, (rows, cols))
    x[rng.random((rows, cols)) < 0.15] = np.nan
    for j in range(cols):
        enter, leave = rng.integers(0, rows // 2), rng.integers(rows // 2, rows + 1)
        x[:enter, j] = np.nan
        x[leave:, j] = np.nan
    x[rows // 3] = np.nan
    x[:, cols // 2] = np.nan
    dates = pd.period_range("2000Q1", periods=rows, freq="Q").to_timestamp(how="end").normalize()
    return pd.DataFrame(x, index=dates, columns=[f"F{j:03d}" for j in range(cols)])


def same(a: object, b: object) -> bool:
    return np.array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float), equal_nan=True)


# ----------------------------------------------------------------------------- rank


@pytest.mark.parametrize("pct", [True, False])
@pytest.mark.parametrize("ints", [False, True], ids=["continuous", "ties"])
def test_rank_equals_pandas_bit_for_bit(pct: bool, ints: bool) -> None:
    x = ragged_panel(1, 60, 300, ints=ints)  # 18,000 cells: the parallel path
    got = quality.rank(x, pct=pct)
    pd.testing.assert_frame_equal(got, x.rank(axis=1, pct=pct), check_exact=True)


def test_rank_of_all_nan_rows_empty_rows_and_odd_values() -> None:
    x = np.array(
        [
            [np.nan, np.nan, np.nan],
            [0.0, -0.0, 1.0],
            [np.inf, -np.inf, np.nan],
            [5.0, 5.0, 5.0],
            [1e300, -1e-300, 1e-300],
        ]
    )
    for pct in (True, False):
        assert same(quality.rank(x, pct=pct), pd.DataFrame(x).rank(axis=1, pct=pct))
    assert quality.rank(np.empty((0, 4))).shape == (0, 4)
    assert quality.rank(np.empty((3, 0))).shape == (3, 0)


def test_rank_keeps_the_input_type_and_leaves_it_alone() -> None:
    frame = ragged_panel(2, 8, 6)
    before = frame.copy()
    out = quality.rank(frame)
    assert (
        isinstance(out, pd.DataFrame) and out.index.equals(frame.index) and out.columns.equals(frame.columns)
    )
    pd.testing.assert_frame_equal(frame, before)
    series = pd.Series([3.0, 1.0, np.nan, 2.0], index=list("abcd"), name="roe")
    got = quality.rank(series)
    pd.testing.assert_series_equal(got, series.rank(pct=True))
    assert quality.rank([[2, 1, 1]]).tolist() == [[1.0, 0.5, 0.5]]
    values = frame.to_numpy()
    values.flags.writeable = False
    assert same(quality.rank(values), frame.rank(axis=1, pct=True))


@pytest.mark.parametrize(
    "layout",
    ["C", "F", "float32", "int64", "bool", "strided", "reversed", "big-endian"],
)
def test_rank_takes_any_layout(layout: str) -> None:
    base = ragged_panel(3, 30, 40, ints=True).to_numpy()
    if layout == "F":
        x = np.asfortranarray(base)
    elif layout == "float32":
        x = base.astype(np.float32)
    elif layout == "int64":
        x = np.nan_to_num(base).astype(np.int64)
    elif layout == "bool":
        x = np.nan_to_num(base) > 0
    elif layout == "strided":
        x = np.repeat(base, 2, axis=1)[::2, ::2]
    elif layout == "reversed":
        x = base[::-1, ::-1]
    elif layout == "big-endian":
        x = base.astype(">f8")
    else:
        x = base
    assert same(quality.rank(x), pd.DataFrame(np.asarray(x, dtype=float)).rank(axis=1, pct=True))


def test_rank_polars_in_polars_out() -> None:
    pl = pytest.importorskip("polars")
    frame = pl.DataFrame({"a": [1.0, 3.0], "b": [2.0, None], "c": [2.0, 1.0]})
    out = quality.rank(frame)
    assert isinstance(out, pl.DataFrame) and out.columns == ["a", "b", "c"]
    assert same(out.to_numpy(), [[1 / 3, 5 / 6, 5 / 6], [1.0, np.nan, 0.5]])


def test_rank_is_the_same_on_one_thread() -> None:
    code = (
        "import numpy as np, sys; from capcycle import quality; "
        "x = np.random.default_rng(5).integers(0, 50, (400, 500)).astype(float); "
        "sys.stdout.buffer.write(quality.rank(x).tobytes())"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    one = subprocess.run(
        [sys.executable, "-c", code], env={**env, "RAYON_NUM_THREADS": "1"}, capture_output=True, check=True
    )
    many = subprocess.run(
        [sys.executable, "-c", code], env={**env, "RAYON_NUM_THREADS": "4"}, capture_output=True, check=True
    )
    assert one.stdout == many.stdout and len(one.stdout) == 400 * 500 * 8


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: quality.rank("abc"), TypeError, "x:"),
        (lambda: quality.rank(np.array([["a", "b"]])), TypeError, "x:"),
        (lambda: quality.rank(np.zeros((2, 2, 2))), ValueError, "x:"),
        (lambda: quality.rank(np.float64(1.0)), ValueError, "x:"),
        (lambda: quality.rank([[1.0]], pct="yes"), TypeError, "pct:"),
        (lambda: quality.rank(pd.DataFrame({"a": ["x"]})), TypeError, "x\\['a'\\]"),
    ],
)
def test_rank_refuses_bad_input_by_name(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call()


# ---------------------------------------------------------------------------- trend


@pytest.mark.parametrize(("window", "min_periods"), [(8, None), (8, 3), (4, 2), (2, None), (12, 12)])
def test_trend_equals_polyfit_on_every_window(window: int, min_periods: int | None) -> None:
    x = ragged_panel(4, 50, 20)
    got = quality.trend(x, window, min_periods=min_periods)
    want = trend_polyfit(x.to_numpy(), window, min_periods)
    assert isinstance(got, pd.DataFrame) and got.index.equals(x.index)
    assert np.array_equal(np.isnan(got.to_numpy()), np.isnan(want))
    np.testing.assert_allclose(got.to_numpy(), want, rtol=1e-9, atol=1e-15)


def test_trend_is_exact_where_polyfit_is_not() -> None:
    # A constant firm: slope exactly 0. A level of 1e9 with a small trend: rel. error < 1e-12.
    t = np.arange(12.0)
    x = np.column_stack([np.full(12, 0.17), 1e9 + 0.01 * t + np.sin(t) * 1e-3, 3.0 - 0.25 * t])
    got = quality.trend(x, 6)
    assert (got[5:, 0] == 0.0).all()
    want = trend_exact(x, 6)
    np.testing.assert_allclose(got[5:, 1], want[5:, 1], rtol=1e-12)
    assert (got[5:, 2] == -0.25).all()


def test_trend_is_the_rolling_beta_on_time() -> None:
    x = ragged_panel(6, 30, 5)
    t = np.arange(len(x), dtype=float)
    assert same(quality.trend(x, 5, min_periods=3), rolling.beta(x, t, 5, min_periods=3))


def test_trend_types_and_one_dimensional_input() -> None:
    s = pd.Series(
        [1.0, 2.0, np.nan, 4.5, 5.0], index=pd.date_range("2020-03-31", periods=5, freq="QE"), name="roe"
    )
    got = quality.trend(s, 3, min_periods=2)
    assert isinstance(got, pd.Series) and got.name == "roe" and got.index.equals(s.index)
    np.testing.assert_allclose(got.to_numpy(), trend_polyfit(s.to_numpy()[:, None], 3, 2)[:, 0], rtol=1e-12)
    assert isinstance(quality.trend([1.0, 2.0, 4.0], 2), np.ndarray)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"window": 1}, ValueError, "window: must be >= 2"),
        ({"window": 0}, ValueError, "window:"),
        ({"window": "8Q"}, ValueError, "window: trend takes an int"),
        ({"window": 2.5}, TypeError, "window:"),
        ({"window": 4, "min_periods": 5}, ValueError, "min_periods:"),
        ({"window": 4, "min_periods": -1}, ValueError, "min_periods:"),
        ({"window": True}, TypeError, "window:"),
    ],
)
def test_trend_refuses_bad_arguments_by_name(kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        quality.trend(np.zeros((5, 2)), **kwargs)


# --------------------------------------------------------------------------- screen


@pytest.mark.parametrize("static_weight", [0.5, 0.0, 1.0, 0.8])
@pytest.mark.parametrize("top", [0.2, 0.1, 0.5, 1.0])
def test_screen_equals_the_pandas_screen_on_ragged_panels(static_weight: float, top: float) -> None:
    roe, roa = ragged_panel(7, 36, 40), ragged_panel(8, 30, 45).iloc[3:]  # different dates and firms
    metrics = {"roe": roe, "roa": roa}
    got = quality.screen(metrics, window=8, top=top, static_weight=static_weight, min_periods=5)
    scores, members, eligible = screen_pandas(
        metrics, window=8, top=top, static_weight=static_weight, min_periods=5
    )
    pd.testing.assert_frame_equal(got.scores, scores, check_exact=False, rtol=1e-12, atol=0)
    pd.testing.assert_frame_equal(got.members, members)
    pd.testing.assert_series_equal(got.eligible, eligible.astype(np.int64))
    assert (got.members.sum(axis=1) >= np.ceil(np.round(top * got.eligible, 9))).all()


def test_screen_choices_are_what_the_docstring_says() -> None:
    dates = pd.date_range("2020-03-31", periods=4, freq="QE")
    roe = pd.DataFrame(
        {
            "old": [0.10, 0.11, 0.12, 0.13],  # level and trend
            "new": [np.nan, np.nan, np.nan, 0.30],  # a level but no trend yet
            "flat": [0.05, 0.05, 0.05, 0.05],
        },
        index=dates,
    )
    s = quality.screen({"roe": roe}, window=3, top=0.5)
    assert np.isnan(s.scores.at[dates[-1], "new"]) and not s.members.at[dates[-1], "new"]
    assert s.eligible.tolist() == [0, 0, 2, 2]
    assert s.members.iloc[-1].tolist() == [True, False, False]
    # levels alone: no trend needed, the new firm is scored and best
    levels = quality.screen({"roe": roe}, window=3, top=0.3, static_weight=1.0)
    assert levels.eligible.tolist() == [2, 2, 2, 3]
    assert levels.members.iloc[-1].tolist() == [False, True, False]
    # one universe per date: a metric only two firms report narrows it to them
    roa = roe.copy()
    roa["flat"] = np.nan
    both = quality.screen({"roe": roe, "roa": roa}, window=3, top=0.5, static_weight=1.0)
    assert both.eligible.tolist() == [1, 1, 1, 2]
    assert both.scores.iloc[-1].tolist()[:2] == [0.5, 1.0]
    # a tie at the cut keeps both
    tied = pd.DataFrame({"a": [1.0], "b": [1.0], "c": [0.0]})
    assert quality.screen({"roe": tied}, window=2, top=0.34, static_weight=1.0).members.iloc[0].tolist() == [
        True,
        True,
        False,
    ]


def test_screen_on_arrays_returns_arrays_and_unpacks() -> None:
    roe = ragged_panel(9, 20, 10).to_numpy()
    scores, members, eligible = quality.screen({"roe": roe, "roa": roe * 0.4 + 0.01}, window=4)
    assert isinstance(scores, np.ndarray) and members.dtype == bool and eligible.dtype == np.int64
    want = screen_pandas({"roe": pd.DataFrame(roe), "roa": pd.DataFrame(roe * 0.4 + 0.01)}, window=4)
    np.testing.assert_allclose(scores, want[0].to_numpy(), rtol=1e-12)
    assert (members == want[1].to_numpy()).all()


def test_screen_leaves_its_inputs_alone() -> None:
    roe = ragged_panel(10, 20, 10)
    roa = ragged_panel(11, 20, 10)
    copies = roe.copy(), roa.copy()
    quality.screen({"roe": roe, "roa": roa})
    pd.testing.assert_frame_equal(roe, copies[0])
    pd.testing.assert_frame_equal(roa, copies[1])


@pytest.mark.parametrize(
    ("metrics", "kwargs", "error", "match"),
    [
        ([np.zeros((3, 2))], {}, TypeError, "metrics: must be a dict"),
        ({}, {}, ValueError, "metrics: is empty"),
        ({"roe": np.zeros((3, 2)), "roa": np.zeros((3, 3))}, {}, ValueError, "metrics\\['roa'\\]: has shape"),
        ({"roe": np.zeros((3, 2)), "roa": pd.DataFrame(np.zeros((3, 2)))}, {}, TypeError, "metrics: mixes"),
        ({"roe": np.zeros(3)}, {}, ValueError, "metrics\\['roe'\\]: must be 2-D"),
        ({"roe": pd.DataFrame({"a": ["x", "y"]})}, {}, TypeError, "metrics\\['roe'\\]"),
        (
            {"roe": pd.DataFrame({"a": [1.0, 2.0]}, index=[2, 1])},
            {},
            ValueError,
            "metrics\\['roe'\\]: dates must be sorted",
        ),
        (
            {"roe": pd.DataFrame({"a": [1.0, 2.0]}, index=[1, 1])},
            {},
            ValueError,
            "metrics\\['roe'\\]: has duplicate",
        ),
        ({"roe": np.zeros((3, 2))}, {"top": 0.0}, ValueError, "top: must be in"),
        ({"roe": np.zeros((3, 2))}, {"top": 1.5}, ValueError, "top: must be in"),
        ({"roe": np.zeros((3, 2))}, {"top": "20%"}, TypeError, "top:"),
        ({"roe": np.zeros((3, 2))}, {"static_weight": -0.1}, ValueError, "static_weight: must be in"),
        ({"roe": np.zeros((3, 2))}, {"static_weight": float("nan")}, ValueError, "static_weight:"),
        ({"roe": np.zeros((3, 2))}, {"window": 1}, ValueError, "window:"),
        ({"roe": np.zeros((3, 2))}, {"window": 4, "min_periods": 9}, ValueError, "min_periods:"),
    ],
)
def test_screen_refuses_bad_input_by_name(metrics, kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        quality.screen(metrics, **kwargs)


# ------------------------------------------------------------------- hypothesis

values_st = st.sampled_from([-2.0, -1.0, 0.0, 0.5, 1.0, 3.0, np.nan])


@st.composite
def panels(draw: st.DrawFn) -> tuple[dict[str, pd.DataFrame], int, int | None]:
    rows = draw(st.integers(1, 10))
    cols = draw(st.integers(1, 7))
    n_metrics = draw(st.integers(1, 3))
    metrics = {}
    for m in range(n_metrics):
        cells = draw(st.lists(values_st, min_size=rows * cols, max_size=rows * cols))
        metrics[f"m{m}"] = pd.DataFrame(np.array(cells).reshape(rows, cols))
    window = draw(st.integers(2, 5))
    min_periods = draw(st.one_of(st.none(), st.integers(0, window)))
    return metrics, window, min_periods


@given(
    case=panels(),
    top=st.sampled_from([0.1, 0.2, 1 / 3, 0.5, 1.0]),
    static_weight=st.sampled_from([0.0, 0.25, 0.5, 1.0]),
)
def test_screen_matches_an_exact_pandas_screen_with_ties(case, top: float, static_weight: float) -> None:
    # Values on a coarse grid tie often, in levels and in slopes; the reference's
    # slopes are exact rationals, so a tie in truth must be a tie in the screen.
    metrics, window, min_periods = case
    got = quality.screen(
        metrics, window=window, top=top, static_weight=static_weight, min_periods=min_periods
    )
    scores, members, eligible = screen_pandas(
        metrics,
        window=window,
        top=top,
        static_weight=static_weight,
        min_periods=min_periods,
        trend=trend_exact,
    )
    pd.testing.assert_frame_equal(got.scores, scores, check_exact=True)
    pd.testing.assert_frame_equal(got.members, members)
    assert got.eligible.tolist() == eligible.tolist()


@given(
    x=st.lists(
        st.lists(st.one_of(st.floats(-1e6, 1e6), st.just(np.nan)), min_size=1, max_size=9),
        min_size=1,
        max_size=9,
    ).filter(lambda rows: len({len(r) for r in rows}) == 1),
    pct=st.booleans(),
)
def test_rank_matches_pandas_on_any_floats(x, pct: bool) -> None:
    frame = pd.DataFrame(x, dtype=float)
    assert same(quality.rank(frame, pct=pct), frame.rank(axis=1, pct=pct))


@given(
    v=st.lists(st.one_of(st.floats(-1e3, 1e3), st.just(np.nan)), min_size=2, max_size=12),
    window=st.integers(2, 6),
)
def test_trend_matches_the_exact_slope(v: list[float], window: int) -> None:
    x = np.array(v)[:, None]
    got = quality.trend(x, window, min_periods=2)[:, 0]
    want = trend_exact(x, window, 2)[:, 0]
    assert np.array_equal(np.isnan(got), np.isnan(want))
    scale = np.nanmax(np.abs(x)) if np.isfinite(x).any() else 1.0
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12 * max(scale, 1.0))


def test_exact_slope_reference_agrees_with_polyfit() -> None:
    t, v = np.arange(5.0), np.array([0.1, 0.3, 0.2, 0.5, 0.4])
    assert exact_slope(t, v) == pytest.approx(np.polyfit(t, v, 1)[0], rel=1e-14)


# ----------------------------------------------------------------------- reader


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "fundamentals.csv"
    path.write_text(text)
    return path


def test_read_long_and_wide_give_the_same_panels(tmp_path: Path) -> None:
    wide = write(
        tmp_path, "date,ticker,roe,roa\n2024-03-31,B,0.10,0.04\n2024-03-31,A,0.12,\n2024-06-30,A,0.13,NA\n"
    )
    long = tmp_path / "long.csv"
    long.write_text(
        "Date,Ticker,Metric,Value\n"
        "2024-03-31,B,roe,0.10\n2024-03-31,B,roa,0.04\n2024-03-31,A,roe,0.12\n2024-06-30,A,roe,0.13\n"
    )
    a, b = quality.read_fundamentals(wide), quality.read_fundamentals(long)
    assert list(a) == ["roe", "roa"] and list(b) == ["roe", "roa"]
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])
    roe = a["roe"]
    assert roe.columns.tolist() == ["A", "B"] and roe.index.name == "date"
    assert same(roe.to_numpy(), [[0.12, 0.10], [0.13, np.nan]])
    assert same(a["roa"].to_numpy(), [[np.nan, 0.04], [np.nan, np.nan]])
    # ready for the screen
    quality.screen(a, window=2)


def test_read_accepts_a_file_grouped_by_firm(tmp_path: Path) -> None:
    path = write(
        tmp_path, "date,ticker,roe\n2024-03-31,A,1\n2024-06-30,A,2\n2024-03-31,B,3\n2024-06-30,B,4\n"
    )
    assert same(quality.read_fundamentals(path)["roe"].to_numpy(), [[1, 3], [2, 4]])


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("date,ticker,roe\n2024-03-31,A,0.1\n2024-03-31,A,0.2\n", "line 3: duplicate of line 2"),
        (
            "date,ticker,metric,value\n2024-03-31,A,roe,1\n2024-06-30,A,roe,2\n2024-03-31,A,roe,3\n",
            "line 4: duplicate of line 2",
        ),
        ("date,ticker,roe\n2024-06-30,A,0.1\n2024-03-31,A,0.2\n", "line 3: dates are not sorted"),
        ("date,ticker,roe\n2024-03-31,A,12%\n", "line 2: '12%' in column 'roe' is not a number"),
        ("date,ticker,roe\n2024-03-31,A,0.1\n2024-06-30,A,abc\n", "line 3: 'abc'"),
        ("date,ticker,metric,value\n2024-03-31,A,roe,x\n", "line 2: 'x' in column 'value'"),
        ("date,ticker,roe\n31/03/2024,A,0.1\n", "line 2: date '31/03/2024' is not an ISO date"),
        ("date,ticker,roe\n2024-03-31,,0.1\n", "line 2: empty ticker"),
        ("date,roe\n2024-03-31,0.1\n", "needs one 'ticker' column"),
        ("date,ticker\n2024-03-31,A\n", "has no metric column"),
        ("date,ticker,roe\n", "has a header but no rows"),
        ("", "is empty"),
    ],
)
def test_read_errors_name_the_file_and_line(tmp_path: Path, text: str, match: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ValueError, match=match) as info:
        quality.read_fundamentals(path)
    assert str(path) in str(info.value)


def test_read_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        quality.read_fundamentals(tmp_path / "nope.csv")


def test_screen_of_empty_panels_and_polars() -> None:
    for shape in [(5, 0), (0, 5), (0, 0), (1, 1)]:
        s = quality.screen({"roe": np.zeros(shape)}, window=2)
        assert s.scores.shape == s.members.shape == shape and s.eligible.shape == (shape[0],)
        assert not s.members.any()
    pl = pytest.importorskip("polars")
    roe = ragged_panel(12, 12, 6)
    s = quality.screen({"roe": pl.from_pandas(roe), "roa": pl.from_pandas(roe * 0.3)}, window=4)
    want = quality.screen(
        {"roe": roe.reset_index(drop=True), "roa": roe.reset_index(drop=True) * 0.3}, window=4
    )
    assert isinstance(s.scores, pl.DataFrame) and s.scores.columns == list(roe.columns)
    assert same(s.scores.to_numpy(), want.scores.to_numpy())
    assert (s.members.to_numpy() == want.members.to_numpy()).all()


def test_infinities_rank_as_extremes_and_have_no_trend() -> None:
    x = np.array([[1, np.inf, -np.inf, 2], [2, np.inf, 0, 3], [3, 4, 5, 4.0]])
    assert same(quality.trend(x, 2)[1:], [[1.0, np.nan, np.nan, 1.0], [1.0, np.nan, 5.0, 1.0]])
    assert same(quality.rank(x), pd.DataFrame(x).rank(axis=1, pct=True))
