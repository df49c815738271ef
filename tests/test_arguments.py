"""Issue 12, "no silent wrong answers": windows, time order, arguments that mean
nothing, windows longer than any data, infinities and polars' date column."""

from __future__ import annotations

import datetime
import math

import numpy as np
import pandas as pd
import polars as pl
import pytest

from capcycle import rolling, valuation

SINGLE = ["sum", "mean", "var", "std", "zscore", "min", "max", "median", "quantile"]
PAIRS = ["cov", "corr", "beta"]
DAYS = pd.bdate_range("2024-01-01", periods=12)
SERIES = pd.Series(np.arange(12.0) ** 1.3, index=DAYS, name="px")


def call(stat, x, window, **kwargs):
    if stat == "quantile":
        kwargs.setdefault("q", 0.3)
    if stat in PAIRS:
        return getattr(rolling, stat)(x, x * 2.0 + 1.0, window, **kwargs)
    return getattr(rolling, stat)(x, window, **kwargs)


# --- windows: a duration has a unit; "63" is not 63 nanoseconds


@pytest.mark.parametrize("window", ["63", "63 ", "-5", "1e3", "nan", "NaT", "", "0D", "-3D"])
@pytest.mark.parametrize("stat", SINGLE + PAIRS)
def test_a_string_without_a_positive_unit_is_refused(stat, window):
    with pytest.raises(ValueError, match="^window: "):
        call(stat, SERIES, window)


@pytest.mark.parametrize(
    "window", ["1M", "1Y", "1ME", "3MS", "1QE", "2YE", np.timedelta64(1, "M"), pd.offsets.MonthEnd(1)]
)
def test_calendar_spans_are_not_fixed_durations(window):
    with pytest.raises(ValueError, match="^window: .*not a fixed duration"):
        rolling.mean(SERIES, window)


def test_unitless_timedelta64_is_refused():
    with pytest.raises(ValueError, match="^window: .*no unit"):
        rolling.mean(SERIES, np.timedelta64(5))


@pytest.mark.parametrize(
    "window",
    [
        "3D",
        "72h",
        "3 days",
        pd.Timedelta(days=3),
        datetime.timedelta(days=3),
        np.timedelta64(3, "D"),
        pd.offsets.Day(3),
    ],
)
@pytest.mark.parametrize("stat", ["mean", "std", "max", "corr"])
def test_every_spelling_of_a_duration_gives_pandas_answer(window, stat):
    got = call(stat, SERIES, window)
    roll = SERIES.rolling("3D")
    want = roll.corr(SERIES * 2.0 + 1.0) if stat == "corr" else getattr(roll, stat)()
    pd.testing.assert_series_equal(got, want, rtol=1e-12)


def test_weeks_are_seven_days():
    pd.testing.assert_series_equal(rolling.sum(SERIES, "2W"), rolling.sum(SERIES, "14D"))


def test_a_float_window_is_a_type_error():
    with pytest.raises(TypeError, match="^window: must be an int number of rows or a duration"):
        rolling.mean(SERIES, 3.0)


# --- time order: one check, one message, everywhere it matters


UNSORTED = SERIES.iloc[::-1]
DUPLICATED = pd.Series(SERIES.to_numpy(), index=DAYS[[0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]])


@pytest.mark.parametrize(
    ("bad", "word"),
    [(UNSORTED, "sorted ascending"), (DUPLICATED, "duplicate dates")],
    ids=["descending", "duplicated"],
)
@pytest.mark.parametrize(
    "run",
    [
        lambda s: rolling.mean(s, 3),
        lambda s: rolling.median(s, "5D"),
        lambda s: rolling.corr(s, s * 2.0, 3),
        lambda s: rolling.beta(s.to_frame(), s, "5D"),
        lambda s: valuation.zscore(s, window="expanding"),
        lambda s: valuation.zscore(s, window=5),
        lambda s: valuation.bands(s, window="expanding"),
        lambda s: valuation.percentile_rank(s, window=4),
    ],
    ids=[
        "rolling_rows",
        "rolling_duration",
        "corr",
        "beta",
        "zscore_expanding",
        "zscore_rolling",
        "bands",
        "percentile_rank",
    ],
)
def test_time_order_is_refused_the_same_way_everywhere(run, bad, word):
    with pytest.raises(ValueError, match=f"^[xy].index: the DatetimeIndex .*{word}"):  # y: beta(y, x)
        run(bad)


def test_expanding_zscore_of_a_descending_series_is_refused_not_reversed():
    # main ran it on reversed time: the first (latest) row saw the whole future.
    with pytest.raises(ValueError, match="^x.index: the DatetimeIndex must be sorted ascending"):
        valuation.zscore(UNSORTED, window="expanding")
    sorted_back = valuation.zscore(UNSORTED.sort_index(), window="expanding")
    pd.testing.assert_series_equal(sorted_back, valuation.zscore(SERIES, window="expanding"))


def test_full_sample_valuation_does_not_depend_on_order():
    z = valuation.zscore(UNSORTED)
    pd.testing.assert_series_equal(z.sort_index(), valuation.zscore(SERIES))


# --- arguments that mean nothing are refused


@pytest.mark.parametrize("stat", ["sum", "mean", "min", "max", "median", "quantile"])
def test_ddof_is_refused_where_it_means_nothing(stat):
    with pytest.raises(ValueError, match=f"^ddof: rolling.{stat} does not depend on ddof"):
        call(stat, SERIES, 3, ddof=5)
    call(stat, SERIES, 3, ddof=1)  # the default is accepted, as the contract lists it


def test_ddof_of_corr_and_a_mad_scale_is_refused():
    with pytest.raises(ValueError, match="^ddof: rolling.corr"):
        rolling.corr(SERIES, SERIES, 3, ddof=0)
    with pytest.raises(ValueError, match="^ddof: scale='mad'"):
        valuation.zscore(SERIES, scale="mad", ddof=0)
    with pytest.raises(ValueError, match="^ddof: scale='mad'"):
        valuation.bands(SERIES, scale="mad", ddof=2)


@pytest.mark.parametrize("stat", ["var", "std", "zscore", "cov"])
def test_ddof_is_used_where_it_means_something(stat):
    got = call(stat, SERIES, 4, ddof=0)
    roll = SERIES.rolling(4)
    want = {
        "var": roll.var(ddof=0),
        "std": roll.std(ddof=0),
        "zscore": (SERIES - roll.mean()) / roll.std(ddof=0),
        "cov": roll.cov(SERIES * 2.0 + 1.0, ddof=0),
    }[stat]
    pd.testing.assert_series_equal(got, want, rtol=1e-12, check_names=False)


def test_q_and_on_only_where_they_mean_something():
    with pytest.raises(ValueError, match="^q: only rolling.quantile"):
        rolling.mean(SERIES, 3, q=0.5)
    with pytest.raises(TypeError, match="^on: names a date column of a pandas or polars DataFrame"):
        rolling.mean(SERIES, 3, on="date")
    with pytest.raises(ValueError, match="^min_periods: 4 is larger than the window"):
        rolling.mean(SERIES, 3, min_periods=4)


# --- no value a user can pass reaches a panic

HUGE = [2**62, 2**62 + 7, 2**63 - 1, 2**63, 2**64 + 1, 10**30]


@pytest.mark.parametrize("window", HUGE)
@pytest.mark.parametrize("stat", SINGLE + PAIRS)
@pytest.mark.parametrize("ndim", [1, 2])
def test_huge_windows_give_pandas_answer_never_a_panic(stat, window, ndim):
    x = (
        np.arange(12.0) ** 1.3
        if ndim == 1
        else np.column_stack([np.arange(12.0) ** 1.3, np.arange(12.0) % 5])
    )
    for min_periods in (None, 0, 1, 5, 12, 13, window):
        try:
            got = call(stat, x, window, min_periods=min_periods)
        except BaseException as err:  # PanicException derives from BaseException
            pytest.fail(f"{stat} window={window} min_periods={min_periods}: {type(err).__name__}: {err}")
        # A window longer than the data is every row so far: the same as a window of
        # len + 1 rows, with min_periods counted as given (pandas' rule).
        same = call(
            stat, x, len(x) + 1, min_periods=None if min_periods is None else min(min_periods, len(x) + 1)
        )
        if min_periods is None:
            assert np.isnan(got).all()
        np.testing.assert_array_equal(got, same)
    frame = pd.DataFrame(x.reshape(12, -1))
    expected = frame.rolling(12, min_periods=3)
    if stat in ("mean", "sum", "std", "max", "median"):
        pd.testing.assert_frame_equal(
            call(stat, frame, window, min_periods=3), getattr(expected, stat)(), rtol=1e-12
        )


@pytest.mark.parametrize("window", HUGE)
@pytest.mark.parametrize("kind", ["zscore", "bands", "percentile_rank"])
def test_huge_valuation_windows_are_expanding_never_a_panic(kind, window):
    x = np.arange(12.0) ** 1.3
    try:
        got = getattr(valuation, kind)(x, window=window, min_periods=1)
    except BaseException as err:
        pytest.fail(f"{kind} window={window}: {type(err).__name__}: {err}")
    want = getattr(valuation, kind)(x, window="expanding", min_periods=1)
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
    default = getattr(valuation, kind)(x, window=window)  # min_periods = window: more than the data
    lines = default.drop(columns="value") if kind == "bands" else default
    assert np.isnan(np.asarray(lines, dtype=float)).all()


@pytest.mark.parametrize("value", [-(2**63), -(2**70), 2**70])
def test_huge_min_periods_and_negative_windows_are_errors(value):
    for run in (
        lambda: rolling.mean(SERIES, value),
        lambda: rolling.mean(SERIES, "3D", min_periods=value),
        lambda: rolling.std(SERIES, 3, ddof=value),
        lambda: valuation.zscore(SERIES, window=value),
    ):
        try:
            run()
        except (ValueError, TypeError, OverflowError) as err:
            assert isinstance(err, (ValueError, TypeError)), err
        except BaseException as err:
            pytest.fail(f"{type(err).__name__}: {err}")


# --- infinities: IEEE semantics, only the windows that hold them


def window_reference(stat, values, q=0.3):
    """Plain Python over one window's non-NaN values (infinities included)."""
    finite = all(math.isfinite(v) for v in values)
    n = len(values)
    if stat == "sum":
        return sum(values) if n else 0.0
    if stat == "mean":
        return sum(values) / n
    if stat in ("min", "max"):
        return min(values) if stat == "min" else max(values)
    if stat in ("median", "quantile"):
        ordered = sorted(values)
        if stat == "median":  # the middle value, or the mean of the middle two (numpy's rule)
            middle = n // 2
            return ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2
        position = q * (n - 1)
        below = math.floor(position)
        fraction = position - below
        if fraction == 0:
            return ordered[below]
        return ordered[below] + (ordered[below + 1] - ordered[below]) * fraction
    if not finite:
        return math.nan
    mean = sum(values) / n
    var = sum((v - mean) ** 2 for v in values) / (n - 1) if n > 1 else math.nan
    if stat == "var":
        return var
    if stat == "std":
        return math.sqrt(var)
    raise AssertionError(stat)


INF_CASES = [
    [1.0, math.inf, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
    [1.0, 2.0, -math.inf, 3.0, math.nan, 4.0, 5.0, 6.0],
    [math.inf, -math.inf, 1.0, 2.0, 3.0, math.inf, math.inf, 4.0, 5.0, 6.0, 7.0],
    [math.nan, math.inf, math.nan, 1.0, 2.0, 3.0, -math.inf, -math.inf, 8.0, 9.0],
]


@pytest.mark.parametrize("stat", ["sum", "mean", "var", "std", "min", "max", "median", "quantile"])
@pytest.mark.parametrize("case", INF_CASES)
@pytest.mark.parametrize("window", [1, 2, 3, 5])
def test_infinities_are_values_that_change_only_their_windows(stat, case, window):
    x = np.array(case)
    columns = np.column_stack([x, x[::-1], np.where(np.isinf(x), 0.0, x)])  # 2-D: each column alone
    for min_periods in (0, 1, window):
        got = call(stat, columns, window, min_periods=min_periods)
        for j in range(columns.shape[1]):
            want = []
            for t in range(len(x)):
                values = [float(v) for v in columns[max(0, t + 1 - window) : t + 1, j] if not math.isnan(v)]
                enough = len(values) >= min_periods and (values or stat == "sum")
                want.append(window_reference(stat, values) if enough else math.nan)
            np.testing.assert_allclose(got[:, j], want, rtol=1e-12, atol=0, err_msg=f"{stat} column {j}")
            np.testing.assert_array_equal(
                call(stat, columns[:, j], window, min_periods=min_periods), got[:, j]
            )


def test_infinities_in_zscore_and_pairs():
    x = np.array([1.0, 2.0, 4.0, math.inf, 5.0, 6.0, 7.0, 8.0])
    y = np.array([2.0, 1.0, 3.0, 4.0, 6.0, 5.0, 8.0, 7.0])
    inside = np.array([False, False, False, True, True, True, False, False])  # windows of 3 holding inf
    z = rolling.zscore(x, 3)
    assert np.isnan(z[inside]).all() and np.isfinite(z[~inside][2:]).all()
    clean = np.where(np.isinf(x), 0.0, x)
    for stat in PAIRS:
        got = getattr(rolling, stat)(x, y, 3)
        assert np.isnan(got[inside]).all(), stat
        np.testing.assert_allclose(got[~inside], getattr(rolling, stat)(clean, y, 3)[~inside], rtol=1e-14)
    # An infinity counts toward min_periods: one value and an inf are two values.
    assert rolling.sum([1.0, math.inf], 2)[1] == math.inf
    assert np.isnan(rolling.sum([math.nan, math.inf], 2, min_periods=2)[1])


# --- polars: a Date/Datetime column carries the time (on=)


def polars_frame():
    rng = np.random.default_rng(2)
    days = sorted(rng.choice(np.arange(60), size=30, replace=False))
    dates = [datetime.date(2024, 1, 1) + datetime.timedelta(days=int(d)) for d in days]
    frame = pl.DataFrame({"a": rng.normal(size=30), "date": dates, "b": rng.normal(size=30)})
    return frame.with_columns(pl.when(pl.int_range(30) % 7 == 3).then(None).otherwise(pl.col("a")).alias("a"))


@pytest.mark.parametrize(
    ("stat", "by"),
    [
        ("sum", "rolling_sum_by"),
        ("mean", "rolling_mean_by"),
        ("max", "rolling_max_by"),
        ("min", "rolling_min_by"),
        ("median", "rolling_median_by"),
        ("std", "rolling_std_by"),
    ],
)
def test_polars_on_matches_rolling_by(stat, by):
    frame = polars_frame()
    got = getattr(rolling, stat)(frame, "10D", on="date")
    assert isinstance(got, pl.DataFrame) and got.columns == frame.columns
    assert got["date"].equals(frame["date"])
    want = frame.select(getattr(pl.col("a", "b"), by)("date", window_size="10d"))
    for column in ("a", "b"):
        np.testing.assert_allclose(
            got[column].to_numpy(), want[column].fill_null(np.nan).to_numpy(), rtol=1e-12
        )


def test_polars_on_datetime_and_pairs_match_pandas():
    frame = polars_frame().with_columns(pl.col("date").cast(pl.Datetime("us")))
    pandas = pd.DataFrame(
        {"a": frame["a"].fill_null(np.nan).to_numpy(), "b": frame["b"].to_numpy()},
        index=pd.DatetimeIndex(frame["date"].to_numpy()),
    )
    got = rolling.corr(frame, frame.select("date", "b"), "15D", on="date")
    assert got.columns == ["a", "date", "b"]
    want = pandas.rolling("15D").corr(pandas["b"])
    np.testing.assert_allclose(got.select("a", "b").to_numpy(), want.to_numpy(), rtol=1e-9)
    other = frame.select("date", "b").head(20).with_columns(pl.col("date") + pl.duration(hours=12))
    outer = rolling.beta(frame, other, 6, on="date", join="inner")
    assert outer.height == 0 or outer["date"].dtype == frame["date"].dtype


@pytest.mark.parametrize("dtype", [pl.Date, pl.Datetime("ms"), pl.Datetime("us", "America/New_York")])
def test_polars_on_with_an_outer_join_rebuilds_the_date_column(dtype):
    days = [datetime.date(2024, 3, 8) + datetime.timedelta(days=d) for d in range(6)]
    first = pl.DataFrame({"t": days, "v": [1.0, 2, 4, 7, 3, 5], "w": [1.0, 0, 1, 0, 2, 2]}).with_columns(
        pl.col("t").cast(dtype)
    )
    second = first.gather([0, 2, 3, 5]).with_columns(pl.col("t") + pl.duration(days=1), pl.col("v") * 2)
    got = rolling.cov(first, second, 3, on="t", min_periods=2)
    assert got["t"].dtype == first["t"].dtype and got.columns == ["t", "v", "w"]
    assert got["t"].to_list() == sorted(set(first["t"].to_list()) | set(second["t"].to_list()))
    as_pandas = [
        pd.DataFrame(
            {"v": f["v"].to_numpy(), "w": f["w"].to_numpy()},
            index=pd.DatetimeIndex(f["t"].cast(pl.Datetime("us")).to_numpy()),
        )
        for f in (first, second)
    ]
    want = as_pandas[0].rolling(3, min_periods=2).cov(as_pandas[1])
    np.testing.assert_allclose(got.select("v", "w").to_numpy(), want.to_numpy(), rtol=1e-12)


def test_pandas_on_keeps_the_column_in_place():
    frame = polars_frame()
    pandas = pd.DataFrame(
        {
            "a": frame["a"].fill_null(np.nan).to_numpy(),
            "date": pd.DatetimeIndex(frame["date"].to_numpy()),
            "b": frame["b"].to_numpy(),
        }
    )
    got = rolling.mean(pandas, "10D", on="date")
    want = pandas.rolling("10D", on="date").mean()
    pd.testing.assert_frame_equal(got, want, rtol=1e-12)
    aware = pandas.assign(date=pandas["date"].dt.tz_localize("America/New_York")).set_axis(
        list("abcdefghijklmnopqrstuvwxyz0123")
    )
    got = rolling.sum(aware, "2D", on="date")
    pd.testing.assert_frame_equal(got, aware.rolling("2D", on="date").sum(), rtol=1e-12)


def test_on_is_checked():
    frame = polars_frame()
    with pytest.raises(ValueError, match="^on: x has no column 'day'"):
        rolling.mean(frame, "3D", on="day")
    with pytest.raises(TypeError, match=r"^on: x\['a'\] has polars dtype Float64"):
        rolling.mean(frame, "3D", on="a")
    with pytest.raises(ValueError, match="^x.index: the DatetimeIndex must be sorted"):
        rolling.mean(frame.reverse(), "3D", on="date")
    with pytest.raises(ValueError, match="^window: a duration window"):
        rolling.mean(frame.drop("date"), "3D")


def test_dates_beyond_nanoseconds_are_refused_naming_the_index():
    # A seconds-unit index may hold 1500 or 3000; a duration window measures in
    # nanoseconds (1677..2262), and pandas' bare OutOfBoundsDatetime named no argument.
    index = pd.DatetimeIndex(np.array(["1500-01-01", "2000-01-01", "3000-01-01"], dtype="datetime64[s]"))
    x = pd.Series([1.0, 2.0, 3.0], index=index)
    with pytest.raises(ValueError, match=r"^x\.index: .*1677-09-21.*2262-04-11"):
        rolling.sum(x, "1D")
    with pytest.raises(ValueError, match=r"^x\.index: "):
        rolling.corr(x, x, "1D")
    # a row window does not measure time: pandas' answer
    pd.testing.assert_series_equal(rolling.sum(x, 2), x.rolling(2).sum())


@pytest.mark.parametrize("join", ["outer", "inner", "left"])
def test_on_with_one_value_column_aligns_rows_per_join(join):
    # A second frame with one value column is broadcast like a Series, and pandas'
    # DataFrame-vs-Series rule (outer: the DataFrame's rows) used to drop the dates
    # only the second frame has, while two value columns gave the union of dates.
    first = pd.DataFrame(
        {"date": pd.date_range("2020-01-01", periods=6), "v": [1.0, 3, 2, 5, 4, 6], "w": [2.0, 2, 1, 0, 4, 3]}
    )
    second = pd.DataFrame({"date": pd.date_range("2020-01-03", periods=6), "u": [2.0, 1, 4, 3, 6, 5]})
    a, b = first.set_index("date"), second.set_index("date")["u"]
    rows = a.index.join(b.index, how=join)
    a, b = a.reindex(rows), b.reindex(rows)
    for stat in PAIRS:
        got = getattr(rolling, stat)(first, second, 3, on="date", join=join, min_periods=2)
        assert list(got.columns) == ["date", "v", "w"]
        assert list(got["date"]) == list(rows)
        for column in ("v", "w"):
            want = getattr(rolling, stat)(a[column], b, 3, min_periods=2)
            np.testing.assert_array_equal(got[column].to_numpy(), want.to_numpy())
    polars = [pl.from_pandas(f) for f in (first, second)]
    got = rolling.corr(*polars, 3, on="date", join=join, min_periods=2)
    assert got["date"].to_list() == list(rows.to_pydatetime())
