"""relative_performance and excess_returns (top level)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import capcycle
from capcycle import excess_returns, relative_performance

IDX = pd.to_datetime(["2024-07-10", "2024-07-11", "2024-07-12", "2024-07-15"])


def test_levels_rebased_to_one() -> None:
    small = pd.Series([100.0, 105.0, 106.0, 110.0], IDX, name="IWM")
    large = pd.Series([200.0, 198.0, 200.0, 201.0], IDX, name="IWB")
    rp = relative_performance(small, large)
    expected = (small / large) / (100 / 200)
    pd.testing.assert_series_equal(rp, expected.rename("IWM/IWB"))
    assert rp.iloc[0] == 1.0


def test_dates_aligned_by_intersection() -> None:
    small = pd.Series([100.0, 105.0, 106.0], IDX[[0, 1, 3]])
    large = pd.Series([50.0, 51.0, 52.0, 53.0], IDX)[::-1]  # unsorted input
    rp = relative_performance(small, large)
    assert list(rp.index) == list(IDX[[0, 1, 3]])
    assert rp.iloc[-1] == pytest.approx((106 / 53) / (100 / 50))


def test_nan_levels_dropped() -> None:
    small = pd.Series([100.0, np.nan, 106.0, 110.0], IDX)
    large = pd.Series([100.0, 100.0, 100.0, 100.0], IDX)
    rp = relative_performance(small, large)
    assert len(rp) == 3 and rp.iloc[-1] == pytest.approx(1.10)


def test_returns_match_levels() -> None:
    small = pd.Series([100.0, 105.0, 106.0, 110.0], IDX)
    large = pd.Series([200.0, 198.0, 200.0, 201.0], IDX)
    by_level = relative_performance(small, large)
    by_returns = relative_performance(small.pct_change(), large.pct_change(), kind="returns")
    np.testing.assert_allclose(by_returns.to_numpy(), by_level.to_numpy(), rtol=1e-14)
    ex_l = excess_returns(small, large)
    ex_r = excess_returns(small.pct_change(), large.pct_change(), kind="returns")
    np.testing.assert_allclose(ex_l.to_numpy(), ex_r.iloc[1:].to_numpy(), rtol=1e-14)
    assert list(ex_l.index) == list(IDX[1:])
    assert ex_l.iloc[0] == pytest.approx(0.05 - (-0.01))


def test_returns_first_row_is_the_base() -> None:
    r = pd.Series([0.5, 0.1, 0.0, 0.0], IDX)
    zero = pd.Series(0.0, IDX)
    rp = relative_performance(r, zero, kind="returns")
    assert rp.tolist() == pytest.approx([1.0, 1.1, 1.1, 1.1])


def test_arrays_and_lists() -> None:
    rp = relative_performance(np.array([1.0, 2.0]), [1.0, 1.0])
    assert rp.tolist() == [1.0, 2.0] and rp.name is None


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (
            lambda: relative_performance(pd.Series([1.0, 0.0]), pd.Series([1.0, 1.0])),
            ValueError,
            "small has a non-positive",
        ),
        (
            lambda: relative_performance(pd.Series([1.0]), pd.Series([1.0]), kind="lvl"),
            ValueError,
            "kind must be",
        ),
        (
            lambda: relative_performance(np.ones((2, 2)), pd.Series([1.0, 1.0])),
            TypeError,
            "small must be one-dimensional",
        ),
        (
            lambda: excess_returns(pd.Series([1.0]), pd.DataFrame({"a": [1.0], "b": [2.0]})),
            TypeError,
            "large must be a Series",
        ),
        (
            lambda: relative_performance(pd.Series([1.0], [0]), pd.Series([1.0], [5])),
            ValueError,
            "no date in common",
        ),
        (
            lambda: relative_performance(pd.Series([0.0, np.nan, 0.1]), pd.Series([0.0] * 3), kind="returns"),
            ValueError,
            "small has a missing return",
        ),
        (
            lambda: relative_performance(pd.Series([0.0, -1.0]), pd.Series([0.0] * 2), kind="returns"),
            ValueError,
            "-100%",
        ),
        (
            lambda: relative_performance(pd.Series([1.0, 2.0], [0, 0]), pd.Series([1.0, 1.0])),
            ValueError,
            "small has duplicated dates",
        ),
    ],
)
def test_errors_name_the_argument(call, exc, match) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(exc, match=match):
        call()


def test_inputs_not_modified() -> None:
    small = pd.Series([100.0, 105.0, 106.0, 110.0], IDX)
    large = pd.Series([200.0, 198.0, 200.0, 201.0], IDX)
    before = small.copy(), large.copy()
    relative_performance(small, large)
    excess_returns(small, large)
    pd.testing.assert_series_equal(small, before[0])
    pd.testing.assert_series_equal(large, before[1])


def test_real_iwm_vs_iwb(data_dir: Path) -> None:
    iwm = capcycle.data.prices("IWM", data_dir=data_dir)
    iwb = capcycle.data.prices("IWB", data_dir=data_dir)
    rp = relative_performance(iwm, iwb)
    assert rp.name == "IWM/IWB" and rp.index[0] == pd.Timestamp("2000-05-26") and rp.iloc[0] == 1.0
    # 11 July 2024: the CPI-day rotation, small caps beat large caps by more than 3 %
    assert excess_returns(iwm, iwb)["2024-07-11"] > 0.03


# ------------------------------------------------------- issue 12: polars, positions

import datetime as _dt  # noqa: E402

import polars as pl  # noqa: E402

from capcycle.events import event_study  # noqa: E402


def _two_calendars() -> tuple[pd.Series, pd.Series]:
    rng = np.random.default_rng(12)
    days = pd.bdate_range("2024-01-01", periods=60)
    small = pd.Series(100 * np.exp(rng.normal(0, 0.01, 60).cumsum()), index=days, name="IWM").drop(
        days[[3, 17]]
    )
    large = pd.Series(100 * np.exp(rng.normal(0, 0.01, 60).cumsum()), index=days, name="IWB").drop(
        days[[5, 40]]
    )
    return small, large


def _polars(s: pd.Series, dtype: pl.DataType) -> pl.DataFrame:
    dates = pl.Series("day", s.index.as_unit("us").to_numpy()).cast(dtype)
    return pl.DataFrame([dates, pl.Series(str(s.name), s.to_numpy())])


@pytest.mark.parametrize("function", [relative_performance, excess_returns])
@pytest.mark.parametrize("kind", ["level", "returns"])
@pytest.mark.parametrize(
    "dtype",
    [pl.Date(), pl.Datetime("us"), pl.Datetime("ns", "America/New_York")],
    ids=["Date", "Datetime-us", "Datetime-ns-tz"],
)
def test_polars_in_polars_out_matches_pandas_12(function, kind: str, dtype: pl.DataType) -> None:
    small, large = _two_calendars()
    if kind == "returns":
        small, large = small.pct_change().iloc[1:], large.pct_change().iloc[1:]
    want = function(small, large, kind=kind)
    got = function(_polars(small, dtype), _polars(large, dtype), kind=kind)
    assert isinstance(got, pl.DataFrame)  # main: TypeError "must be one-dimensional"
    assert got.columns == ["day", str(want.name)] and got.schema["day"] == dtype
    np.testing.assert_array_equal(got[str(want.name)].to_numpy(), want.to_numpy())
    # the same instants (polars gives UTC wall time to numpy; the inputs were UTC midnights)
    back = pd.DatetimeIndex(got["day"].to_numpy())
    pd.testing.assert_index_equal(back, pd.DatetimeIndex(want.index), check_names=False, exact=False)


def test_polars_series_are_matched_by_position_12() -> None:
    a, b = pl.Series("IWM", [100.0, 101.0, 103.0]), pl.Series("IWB", [50.0, 50.0, 51.0])
    got = relative_performance(a, b)
    assert isinstance(got, pl.Series) and got.name == "IWM/IWB"
    np.testing.assert_array_equal(got.to_numpy(), relative_performance(a.to_numpy(), b.to_numpy()).to_numpy())
    assert isinstance(excess_returns(a, b), pl.Series)


def test_inputs_without_dates_must_have_the_same_length_12() -> None:
    # main: cut silently to the first 3 values of each, pairing different days
    with pytest.raises(ValueError, match="small, large: 4 and 3 values without dates"):
        relative_performance(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="small, large: 3 and 2 values without dates"):
        excess_returns(pl.Series([1.0, 2.0, 3.0]), pl.Series([1.0, 2.0]))


def test_polars_refusals_name_polars_12() -> None:
    small, large = _two_calendars()
    frame = _polars(small, pl.Date())
    with pytest.raises(TypeError, match="small, large: got polars DataFrame and pandas Series.*to_pandas"):
        relative_performance(frame, large)
    with pytest.raises(
        TypeError, match="small: a polars DataFrame must have one Date/Datetime column and one value"
    ):
        relative_performance(frame.with_columns(other=pl.lit(1.0)), _polars(large, pl.Date()))
    with pytest.raises(TypeError, match="large: a polars DataFrame must have one Date/Datetime column"):
        excess_returns(frame, _polars(large, pl.Date()).with_columns(pl.col("day").cast(pl.String)))
    with pytest.raises(TypeError, match=r"series: got a polars DataFrame; .*\.to_pandas\(\)\.set_index"):
        event_study(frame, [_dt.date(2024, 2, 1)], before=1, after=1)
    # the events may be polars dates
    by_polars = event_study(small, pl.Series([_dt.date(2024, 2, 1)]), before=1, after=1)
    pd.testing.assert_frame_equal(by_polars.paths, event_study(small, "2024-02-01", before=1, after=1).paths)


def test_no_common_date_is_an_error_for_excess_returns_too() -> None:
    # excess_returns gave an empty Series (relative_performance already raised)
    disjoint = pd.Series([1.0, 2.0], IDX[:2]), pd.Series([1.0, 2.0], IDX[2:])
    for kind in ("level", "returns"):
        with pytest.raises(ValueError, match="no date in common"):
            excess_returns(*disjoint, kind=kind)
    nothing_known = pd.Series([1.0, np.nan], IDX[:2]), pd.Series([np.nan, 2.0], IDX[:2])
    with pytest.raises(ValueError, match="no date where both levels are known"):
        excess_returns(*nothing_known)
    with pytest.raises(ValueError, match="no date where both levels are known"):
        relative_performance(*nothing_known)


@pytest.mark.parametrize("function", [relative_performance, excess_returns])
def test_a_series_and_an_array_are_matched_by_position(function) -> None:  # type: ignore[no-untyped-def]
    # An array has no dates: it pairs by position with the Series (as in pandas'
    # Series / ndarray) and the result keeps the Series' dates. It used to match the
    # array's row numbers against the Series' labels: no date in common with a
    # DatetimeIndex (and an empty excess_returns), the wrong rows with an integer index.
    small = pd.Series([100.0, 105.0, 106.0, 110.0], IDX)
    large = [200.0, 198.0, 200.0, 201.0]
    want = function(small, pd.Series(large, IDX))
    pd.testing.assert_series_equal(function(small, large), want)
    pd.testing.assert_series_equal(function(np.array(small), pd.Series(large, IDX)), want)
    reversed_labels = pd.Series([4.0, 3.0, 2.0, 1.0], index=[3, 2, 1, 0])
    levels = [1.0, 1.0, 2.0, 2.0]
    pd.testing.assert_series_equal(
        function(reversed_labels, levels),
        function(reversed_labels, pd.Series(levels, reversed_labels.index)),
    )
    with pytest.raises(ValueError, match="small, large: 4 and 3 values"):
        function(small, large[:3])
