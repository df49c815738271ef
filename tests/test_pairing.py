"""cov/corr/beta pair two inputs as pandas does (issue 12): rows by index per `join=`,
DataFrame columns by label, a DataFrame against a Series on the DataFrame's rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from capcycle import rolling

DAYS = pd.bdate_range("2024-01-01", periods=40)
LABELS = ["a", "b", "c", "d"]


def pandas_pair(stat, first, second, window, min_periods=None, join="outer"):
    """What pandas gives, rows joined first as plain pandas for "inner"/"left".

    pandas refuses a duration window on two different indexes ("align 'other' ...
    using reindex_like"): for those, the outer join is done first, as pandas does for
    row windows, and a DataFrame against a Series keeps the DataFrame's rows.
    """
    rows = first.index
    if join == "outer" and isinstance(window, str) and not first.index.equals(second.index):
        first, second = first.align(second, join="outer", axis=0)
        keep = rows if isinstance(first, pd.DataFrame) and isinstance(second, pd.Series) else first.index
        return pandas_pair(stat, first, second, window, min_periods).reindex(keep)
    if join == "inner":
        first, second = first.align(second, join="inner", axis=0)
    elif join == "left":
        second = second.reindex(first.index)
    roll = first.rolling(window, min_periods=min_periods)
    if stat != "beta":
        return getattr(roll, stat)(second)
    # beta = cov(y, x) / var(x over the complete pairs), pandas' masking (x + 0 * y).
    masked = (
        second + 0 * first if isinstance(first, pd.DataFrame) or isinstance(second, pd.Series) else second
    )
    if isinstance(first, pd.DataFrame) and isinstance(second, pd.Series):
        masked = first.mul(0).add(second, axis=0)
    variance = masked.rolling(window, min_periods=min_periods).var()
    return (roll.cov(second) / variance).reindex(roll.cov(second).index)


def assert_same_frame(got, want):
    assert type(got) is type(want)
    if isinstance(want, pd.DataFrame):
        assert list(got.columns) == list(want.columns)
    assert got.index.equals(want.index), (got.index, want.index)
    got_values, want_values = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    np.testing.assert_array_equal(np.isnan(got_values), np.isnan(want_values), err_msg="NaN positions")
    np.testing.assert_allclose(got_values, want_values, rtol=1e-7, atol=1e-9)


def test_two_dataframes_pair_columns_by_label_not_position():
    # The case: main paired a with b and gave 0.189 / -0.115 in both columns.
    a = pd.DataFrame({"a": [1.0, 2, 4, 7], "b": [1.0, 0, 1, 0]})
    for stat in ("cov", "corr", "beta"):
        got = getattr(rolling, stat)(a, a[["b", "a"]], 3)
        assert_same_frame(got, pandas_pair(stat, a, a[["b", "a"]], 3))
    assert rolling.corr(a, a[["b", "a"]], 3).iloc[2:].to_numpy().tolist() == [[1.0, 1.0], [1.0, 1.0]]


def test_different_labels_give_the_union_with_nan_columns():
    a = pd.DataFrame({"b": [1.0, 2, 4, 7, 3], "a": [1.0, 0, 1, 0, 2]})
    c = pd.DataFrame({"c": [1.0, 2, 3, 4, 5], "a": [1.0, 3, 2, 5, 4]})
    for stat in ("cov", "corr", "beta"):
        got = getattr(rolling, stat)(a, c, 3)
        assert list(got.columns) == ["a", "b", "c"]
        assert got[["b", "c"]].isna().all().all()
        assert_same_frame(got, pandas_pair(stat, a, c, 3))


def test_dataframe_against_series_gives_pandas_rows_and_columns():
    panel = pd.DataFrame(
        {"x": [1.0, 2, 4, 7, 3, 5], "y": [1.0, 0, 1, 0, 2, 2]}, index=DAYS[[0, 1, 2, 3, 5, 6]]
    )
    market = pd.Series([1.0, 2, 3, 5, 8, 13], index=DAYS[[0, 1, 2, 4, 5, 7]])
    for stat in ("cov", "corr", "beta"):
        got = getattr(rolling, stat)(panel, market, 2, min_periods=1)
        want = pandas_pair(stat, panel, market, 2, min_periods=1)
        assert got.index.equals(panel.index)
        assert_same_frame(got, want)


def test_one_dimensional_second_argument_still_broadcasts():
    panel = np.arange(20.0).reshape(10, 2) ** 1.5
    market = np.arange(10.0)
    got = rolling.corr(panel, market, 4)
    for j in range(2):
        np.testing.assert_allclose(got[:, j], rolling.corr(panel[:, j], market, 4), rtol=0, atol=0)


@pytest.mark.parametrize("join", ["outer", "inner", "left"])
def test_join_on_different_calendars(join):
    rng = np.random.default_rng(4)
    stocks = pd.Series(rng.normal(size=30), index=DAYS[:30])
    rates = pd.Series(rng.normal(size=30), index=pd.date_range(DAYS[0], periods=30))  # every day
    for stat in ("cov", "corr", "beta"):
        for window in (5, "9D"):
            got = getattr(rolling, stat)(stocks, rates, window, join=join)
            assert_same_frame(got, pandas_pair(stat, stocks, rates, window, join=join))
    inner = rolling.corr(stocks, rates, 5, join="inner")
    assert inner.index.equals(stocks.index.intersection(rates.index))
    assert inner.iloc[4:].notna().all()  # weekends of the rates no longer break windows
    outer = rolling.corr(stocks, rates, 5)  # pandas: a weekend is a row, 5 rows hold < 5 pairs
    assert outer.notna().sum() < inner.notna().sum() / 2


def test_join_is_checked():
    with pytest.raises(ValueError, match="join"):
        rolling.corr([1.0, 2.0], [1.0, 2.0], 2, join="right")
    with pytest.raises(ValueError, match="join"):
        rolling.beta([1.0, 2.0], [1.0, 2.0], 2, join=None)  # type: ignore[arg-type]


def test_duplicate_labels_cannot_be_paired():
    a = pd.DataFrame([[1.0, 2.0], [3.0, 4.0]], columns=["a", "a"])
    b = pd.DataFrame([[1.0, 2.0], [3.0, 5.0]], columns=["a", "b"])
    with pytest.raises(ValueError, match="^x: column labels must be unique"):
        rolling.corr(a, b, 2)
    same = rolling.cov(a, a, 2)  # the same labels in the same order pair by position
    assert same.iloc[1].tolist() == [2.0, 2.0]
    s = pd.Series([1.0, 2.0], index=[0, 0])
    with pytest.raises(ValueError, match="^y.index: has duplicate labels"):
        rolling.corr(pd.Series([1.0, 2.0, 3.0]), s, 2)


def test_polars_dataframes_pair_columns_by_label():
    a = pl.DataFrame({"a": [1.0, 2, 4, 7], "b": [1.0, 0, 1, 0]})
    got = rolling.corr(a, a.select("b", "a"), 3)
    assert isinstance(got, pl.DataFrame)
    assert got.columns == ["a", "b"]
    assert got.to_numpy()[2:].tolist() == [[1.0, 1.0], [1.0, 1.0]]
    c = pl.DataFrame({"c": [1.0, 2, 3, 4], "a": [1.0, 3, 2, 5]})
    got = rolling.cov(a, c, 3)
    want = rolling.cov(pd.DataFrame(a.to_dict(as_series=False)), pd.DataFrame(c.to_dict(as_series=False)), 3)
    assert got.columns == list(want.columns)
    np.testing.assert_array_equal(got.to_numpy(), want.to_numpy())


# --- the property: any two DataFrames, shuffled, missing and extra columns, two calendars


@st.composite
def frame(draw, seed_offset):
    rows = sorted(draw(st.sets(st.integers(0, len(DAYS) - 1), min_size=1, max_size=25)))
    labels = draw(st.lists(st.sampled_from(LABELS), min_size=1, max_size=4, unique=True))  # any order
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed + seed_offset)
    values = rng.normal(size=(len(rows), len(labels))) * 10
    values[rng.random(values.shape) < draw(st.sampled_from([0.0, 0.2, 0.6]))] = np.nan
    return pd.DataFrame(values, index=DAYS[rows], columns=labels)


@pytest.mark.property
@pytest.mark.parametrize("stat", ["cov", "corr", "beta"])
@given(
    first=frame(0),
    second=frame(1),
    window=st.one_of(st.integers(1, 8), st.sampled_from(["3D", "10D", "14D"])),
    data=st.data(),
)
def test_property_two_dataframes_against_pandas(stat, first, second, window, data):
    limit = window if isinstance(window, int) else 10
    min_periods = data.draw(st.one_of(st.none(), st.integers(0, limit)), label="min_periods")
    join = data.draw(st.sampled_from(["outer", "inner", "left"]), label="join")
    as_series = data.draw(st.sampled_from(["frames", "frame_and_series", "series"]), label="shape")
    if as_series != "frames":
        second = second.iloc[:, 0]
    if as_series == "series":
        first = first.iloc[:, 0]
    got = getattr(rolling, stat)(first, second, window, min_periods=min_periods, join=join)
    assert_same_frame(got, pandas_pair(stat, first, second, window, min_periods, join))


def test_a_shape_mismatch_names_the_second_argument_and_its_shape():
    # The kernel's message said "x: shape [5, 2] does not match y's [5, 3]" for an x
    # of shape (5, 3) and a y of (5, 2): the wrong argument, with the shapes swapped.
    x, y = np.ones((5, 3)), np.ones((5, 2))
    for stat, names in (("cov", ("x", "y")), ("corr", ("x", "y")), ("beta", ("y", "x"))):
        with pytest.raises(
            ValueError, match=rf"^{names[1]}: shape \(5, 2\) does not match {names[0]}'s \(5, 3\)"
        ):
            getattr(rolling, stat)(x, y, 2)
