"""Every loader on the real files of the shared data folder (CAPCYCLE_DATA)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from capcycle import data


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Never touch the network or the user's cache from these tests.
    monkeypatch.setenv("CAPCYCLE_OFFLINE", "1")
    monkeypatch.setenv("CAPCYCLE_CACHE", str(tmp_path / "cache"))


def test_fred_target_rates(data_dir: Path) -> None:
    tar = data.fred("DFEDTAR", data_dir=data_dir)
    assert tar.name == "DFEDTAR" and tar.index.name == "date"
    assert tar["2001-01-03"] == 6.00 and tar["2007-09-18"] == 4.75
    taru = data.fred("DFEDTARU", data_dir=data_dir)
    assert taru["2019-07-31"] == 2.50 and taru["2019-08-01"] == 2.25
    assert taru["2024-09-18"] == 5.50 and taru["2024-09-19"] == 5.00
    assert taru.index[0] == pd.Timestamp("2008-12-16")


def test_fred_effective_and_two_year(data_dir: Path) -> None:
    dff = data.fred("DFF", data_dir=data_dir)
    assert len(dff) == 25832 and not dff.isna().any()
    assert dff["2024-09-18"] == 5.33 and dff["2024-09-19"] == 4.83
    dgs2 = data.fred("DGS2", data_dir=data_dir)  # date,value header style
    assert dgs2.name == "DGS2" and dgs2.dtype == np.float64
    assert dgs2.isna().sum() == 502 and np.isnan(dgs2["1980-01-01"])
    assert dgs2["1980-01-02"] == 11.39
    ff = data.fred("FEDFUNDS", data_dir=data_dir)
    assert len(ff) == 551 and (ff.index.day == 1).all()


def test_fred_through_env(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAPCYCLE_DATA", str(data_dir))
    assert data.fred("DFEDTAR")["2001-01-03"] == 6.00


def test_prices_yahoo_adjusted(data_dir: Path) -> None:
    iwm = data.prices("IWM", data_dir=data_dir)
    iwb = data.prices("IWB", data_dir=data_dir)
    assert iwm.attrs["column"] == "Adj Close" and iwm.name == "IWM"
    assert iwm["2024-07-11"] == pytest.approx(207.708160)
    assert iwb["2024-07-11"] == pytest.approx(300.081146)
    assert iwm.index[-1] == pd.Timestamp("2025-09-26")
    spy = data.read_prices(data_dir / "prices" / "SPY.csv")
    assert spy.index[0] == pd.Timestamp("1993-01-29") and len(spy) == 8222
    gspc = data.prices("GSPC", data_dir=data_dir)
    assert len(gspc) == 24551


def test_prices_close_layouts(data_dir: Path) -> None:
    ijr = data.prices("IJR", data_dir=data_dir)
    assert ijr.attrs["layout"] == "close" and len(ijr) == 6584
    rut = data.prices("RUT", data_dir=data_dir)
    assert rut.attrs["column"] == "Close"
    assert rut["2001-01-03"] == pytest.approx(484.39, abs=0.01)
    assert rut["2007-09-18"] == pytest.approx(806.63, abs=0.01)
    assert rut["2024-09-18"] == pytest.approx(2206.34, abs=0.01)
    assert pd.Timestamp("2001-09-12") not in rut.index


def test_read_prices_on_fred_file(data_dir: Path) -> None:
    s = data.read_prices(data_dir / "fred" / "DFF.csv")
    assert s.name == "DFF" and s.attrs["layout"] == "fred"
    g = data.read_prices(data_dir / "fred" / "DGS2.csv", validate=False)
    assert g.name == "DGS2" and g.isna().sum() == 502


def test_french_daily_factors(data_dir: Path) -> None:
    ff = data.french("F-F_Research_Data_Factors_daily", data_dir=data_dir)
    assert list(ff) == ["main"]
    t = ff["main"]
    assert list(t.columns) == ["Mkt-RF", "SMB", "HML", "RF"] and len(t) == 25901
    assert t.loc["1926-07-01", "SMB"] == pytest.approx(-0.0025)
    assert t.loc["2024-12-31", "HML"] == pytest.approx(0.0071)
    assert t.attrs["units"] == "decimal"


def test_french_monthly_factors(data_dir: Path) -> None:
    ff = data.french("F-F_Research_Data_Factors", data_dir=data_dir)
    assert list(ff) == ["main", "Annual Factors: January-December"]
    assert ff["main"].loc["1926-07-31", "Mkt-RF"] == pytest.approx(0.0296)
    annual = ff["Annual Factors: January-December"]
    assert len(annual) == 98 and annual.loc["2024-12-31", "SMB"] == pytest.approx(-0.1113)


def test_french_size_portfolios(data_dir: Path) -> None:
    me = data.french("Portfolios_Formed_on_ME", data_dir=data_dir)
    assert list(me) == [
        "Value Weight Returns -- Monthly",
        "Equal Weight Returns -- Monthly",
        "Value Weight Returns -- Annual from January to December",
        "Equal Weight Returns -- Annual from January to December",
        "Number of Firms in Portfolios",
        "Average Firm Size",
    ]
    vw = me["Value Weight Returns -- Monthly"]
    assert vw["<= 0"].isna().all()  # -99.99 everywhere
    assert vw.loc["1926-07-31", "Lo 10"] == pytest.approx(-0.0012)
    size = me["Average Firm Size"]
    assert size.attrs["units"] == "as published"
    assert size.loc["2024-12-31", "Hi 10"] == pytest.approx(244794.31)
    assert (me["Number of Firms in Portfolios"]["Lo 10"].dropna() >= 1).all()


def test_french_daily_size_excel_mangled(data_dir: Path) -> None:
    old = data.read_prices(
        data_dir / "french" / "Portfolios_Formed_on_ME_daily.csv"
    )  # the 2019 copy, by path
    assert [c for c in old.columns if c.startswith("Dec")] == [f"Dec {k}" for k in range(2, 10)]
    assert len(old) == 14075 and old.index[-1] == pd.Timestamp("2019-05-31")
    assert old.loc["2019-05-31", "Hi 10"] == pytest.approx(-0.0148)
    # by dataset name the folder's newest dated copy is read: ..._daily_202505.csv
    me = data.french("Portfolios_Formed_on_ME_Daily", data_dir=data_dir)
    assert list(me) == ["Value Weight Returns -- Daily"]
    t = me["Value Weight Returns -- Daily"]
    assert [c for c in t.columns if c.startswith("Dec")] == [f"Dec {k}" for k in range(2, 10)]
    assert len(t) == 26003 and t.index[-1] == pd.Timestamp("2025-05-30")
    assert t["<= 0"].isna().all()
    assert t.loc["2024-07-11", "Lo 30"] - t.loc["2024-07-11", "Hi 30"] == pytest.approx(0.054)


def test_french_25_portfolios_units(data_dir: Path) -> None:
    p = data.french("25_Portfolios_5x5", data_dir=data_dir)
    assert next(iter(p)) == "Average Value Weighted Returns -- Monthly"
    assert "Value Weight Average of BE/ME" in p and "Value Weight Average of OP" in p
    assert len(p) == 10
    assert p["Average Value Weighted Returns -- Monthly"].loc["1926-07-31", "SMALL LoBM"] == pytest.approx(
        0.058248
    )
    beme = p["Value Weight Average of BE/ME"]
    assert beme.attrs["units"] == "as published"
    assert 0.05 < beme["BIG LoBM"].median() < 5  # a ratio, not divided by 100
    assert p["Value Weight Average of OP"].index[0] == pd.Timestamp("1963-07-31")
    assert "BE(Fiscal Year t-1)" in beme.attrs["title"]


def test_valuation_shiller(data_dir: Path) -> None:
    v = data.valuation("shiller_sp500", data_dir=data_dir)
    assert v.loc["2024-07-31", "CAPE"] == 35.44 and v.loc["2024-09-30", "CAPE"] == 35.66
    assert v.loc["2007-09-30", "CAPE"] == 26.73 and v.loc["2001-01-31", "CAPE"] == 36.98
    assert v.loc["2024-10-31", "P"] == 5792.32  # "2024.1" is October
    assert v.loc["2024-12-31", "Real_Total_Return_Price"] == 4084025.82
    assert v.loc["1871-01-31", "Annualized_Stock_Real_Return_10Y"] == pytest.approx(0.1306)
    assert len(v) == 1848 and v.index.is_monotonic_increasing


def test_calendar(data_dir: Path) -> None:
    cal = data.calendar("us_releases_2018_2026", data_dir=data_dir)
    assert list(cal.columns) == ["Date", "Event", "Type", "Country"] and len(cal) == 323
    fomc = set(cal.loc[cal["Type"] == "FOMC", "Date"])
    assert pd.Timestamp("2024-09-18") in fomc and pd.Timestamp("2024-07-31") in fomc
