"""Prices online through the optional yfinance package (the `yahoo` extra), tested on a
recorded response: a fake `yfinance` module whose `download` returns what yfinance
0.2.x returns (columns Price x Ticker, or flat with multi_level_index=False)."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from capcycle import data

# IWM, 2024-07-09..12, as yfinance.download(..., auto_adjust=False) gave it (rounded)
RECORDED = pd.DataFrame(
    {
        "Adj Close": [198.41, 199.25, 209.68, 211.91],
        "Close": [201.38, 202.23, 212.82, 215.08],
        "High": [202.77, 202.98, 213.37, 216.27],
        "Low": [200.51, 200.67, 206.35, 212.47],
        "Open": [201.91, 202.30, 206.59, 212.84],
        "Volume": [25430500, 29263700, 65443600, 41823200],
    },
    index=pd.DatetimeIndex(["2024-07-09", "2024-07-10", "2024-07-11", "2024-07-12"], name="Date"),
)


def fake_yfinance(frame: pd.DataFrame | None, calls: list[dict]) -> types.ModuleType:
    module = types.ModuleType("yfinance")

    def download(tickers: str, **kwargs: object) -> pd.DataFrame | None:
        calls.append({"tickers": tickers, **kwargs})
        if frame is None:
            return None
        if kwargs.get("multi_level_index", True):
            out = frame.copy()
            out.columns = pd.MultiIndex.from_product([frame.columns, [tickers]], names=["Price", "Ticker"])
            return out
        return frame.copy()

    module.download = download  # type: ignore[attr-defined]
    return module


@pytest.fixture
def clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.delenv("CAPCYCLE_DATA", raising=False)
    monkeypatch.delenv("CAPCYCLE_OFFLINE", raising=False)
    monkeypatch.setenv("CAPCYCLE_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_download_caches_and_reads_back(clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict] = []
    monkeypatch.setitem(sys.modules, "yfinance", fake_yfinance(RECORDED, calls))
    iwm = data.prices("IWM")
    assert calls[0]["tickers"] == "IWM" and calls[0]["auto_adjust"] is False and calls[0]["period"] == "max"
    np.testing.assert_array_equal(
        iwm.to_numpy(), RECORDED["Adj Close"].to_numpy()
    )  # the dividend-adjusted close
    assert iwm.name == "IWM" and "Yahoo Finance" in iwm.attrs["origin"]
    cached = clean / "prices" / "IWM.csv"
    assert cached.read_text().splitlines()[0] == "Date,Open,High,Low,Close,Adj Close,Volume"
    again = data.prices("IWM")  # from the cache, not downloaded again
    assert len(calls) == 1 and again.attrs["origin"].startswith("cache")
    assert again.equals(iwm)
    data.prices("IWM", refresh=True)
    assert len(calls) == 2


def test_multi_level_columns_of_older_yfinance(clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict] = []
    module = fake_yfinance(RECORDED, calls)
    plain = module.download

    def old_download(tickers: str, **kwargs: object) -> pd.DataFrame | None:
        kwargs.pop("multi_level_index")  # yfinance before 0.2.48 always returned two levels
        return plain(tickers, multi_level_index=True, **kwargs)

    module.download = old_download  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "yfinance", module)
    assert data.prices("IWM").loc["2024-07-11"] == 209.68


def test_a_data_folder_comes_first(clean: Path, monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> None:
    calls: list[dict] = []
    monkeypatch.setitem(sys.modules, "yfinance", fake_yfinance(RECORDED, calls))
    assert data.prices("IWM", data_dir=data_dir).attrs["origin"].startswith("data_dir argument")
    assert calls == []


def test_nothing_from_yahoo_is_not_found(clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "yfinance", fake_yfinance(RECORDED.iloc[:0], []))
    with pytest.raises(data.DataNotFoundError, match="Yahoo Finance returned no prices for 'NOPE'"):
        data.prices("NOPE")
    assert not (clean / "prices" / "NOPE.csv").exists()


def test_offline_never_asks_yahoo(clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict] = []
    monkeypatch.setitem(sys.modules, "yfinance", fake_yfinance(RECORDED, calls))
    with pytest.raises(data.DataNotFoundError, match="offline"):
        data.prices("IWM", offline=True)
    assert calls == []


def test_without_the_extra_the_error_says_how_to_provide_the_csv(
    clean: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "yfinance", None)  # import yfinance raises ImportError
    with pytest.raises(data.DataNotFoundError) as info:
        data.prices("IWM")
    msg = str(info.value)
    assert 'pip install "capcycle[yahoo]"' in msg
    assert "Date,Open,High,Low,Close,Adj Close,Volume" in msg and "prices/IWM.csv" in msg
