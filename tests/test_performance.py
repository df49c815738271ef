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
        (lambda: relative_performance(pd.Series([1.0, 0.0]), pd.Series([1.0, 1.0])), ValueError, "small has a non-positive"),
        (lambda: relative_performance(pd.Series([1.0]), pd.Series([1.0]), kind="lvl"), ValueError, "kind must be"),
        (lambda: relative_performance(np.ones((2, 2)), pd.Series([1.0, 1.0])), TypeError, "small must be one-dimensional"),
        (lambda: excess_returns(pd.Series([1.0]), pd.DataFrame({"a": [1.0], "b": [2.0]})), TypeError, "large must be a Series"),
        (lambda: relative_performance(pd.Series([1.0], [0]), pd.Series([1.0], [5])), ValueError, "no date in common"),
        (lambda: relative_performance(pd.Series([0.0, np.nan, 0.1]), pd.Series([0.0] * 3), kind="returns"), ValueError, "small has a missing return"),
        (lambda: relative_performance(pd.Series([0.0, -1.0]), pd.Series([0.0] * 2), kind="returns"), ValueError, "-100%"),
        (lambda: relative_performance(pd.Series([1.0, 2.0], [0, 0]), pd.Series([1.0, 1.0])), ValueError, "small has duplicated dates"),
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
