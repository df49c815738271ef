"""The embedded sample: real data from the arch package, no network, no folder."""

from __future__ import annotations

import pandas as pd
import pytest

from capcycle import data


@pytest.fixture(scope="module")
def s() -> data.Sample:
    return data.sample()


def test_factors_are_decimal_month_end(s: data.Sample) -> None:
    f = s.factors
    assert list(f.columns) == ["Mkt-RF", "SMB", "HML", "RF"]
    assert f.index[0] == pd.Timestamp("1926-07-31") and f.index[-1] == pd.Timestamp("2018-11-30")
    assert f.index.is_month_end.all() and f.index.is_unique and f.index.name == "date"
    assert f.loc["1926-07-31", "Mkt-RF"] == pytest.approx(0.0296)
    assert f.loc["2018-11-30", "SMB"] == pytest.approx(-0.0075)
    assert f.abs().max().max() < 1  # decimal units


def test_sp500_daily(s: data.Sample) -> None:
    assert s.sp500.index[0] == pd.Timestamp("1999-01-04")
    assert s.sp500.index[-1] == pd.Timestamp("2018-12-31")
    assert s.sp500.loc["2018-12-31", "Adj Close"] == pytest.approx(2506.850098)
    assert s.sp500.index.is_monotonic_increasing


def test_yields_decimal(s: data.Sample) -> None:
    y = s.yields
    assert list(y.columns) == ["AAA", "BAA"] and y.index.is_month_end.all()
    assert y.loc["1919-01-31", "AAA"] == pytest.approx(0.0535)
    assert (y["BAA"] >= y["AAA"]).all()


def test_sample_covers_the_figure_3_cycles(s: data.Sample) -> None:
    smb = (1 + s.factors["SMB"]).cumprod()
    for cut in ("1989-06", "1995-07", "1998-09", "2001-01", "2007-09"):
        assert not smb.loc[cut].empty
    assert s.factors.index.max() < pd.Timestamp("2019-01-01")  # no 2019 or 2024 cycle


def test_each_call_returns_new_frames(s: data.Sample) -> None:
    other = data.sample()
    other.factors.iloc[0, 0] = 99.0
    assert s.factors.iloc[0, 0] != 99.0
