"""Daily prices from Yahoo Finance through the optional ``yfinance`` package.

``pip install "capcycle[yahoo]"`` installs it; without it (or offline) ``prices()``
reads files only. The download is turned into the Yahoo CSV layout
(``Date,Open,High,Low,Close,Adj Close,Volume``) that ``read_prices`` reads and the
cache keeps, so a downloaded ticker and a user's own export are the same file.
"""

from __future__ import annotations

import importlib
import io
from types import ModuleType

import pandas as pd

from capcycle.data._fetch import DownloadError

__all__ = ["YAHOO_COLUMNS", "download_csv", "yfinance_module"]

YAHOO_COLUMNS = ("Open", "High", "Low", "Close", "Adj Close", "Volume")


def yfinance_module() -> ModuleType | None:
    """The ``yfinance`` module, or None when the ``yahoo`` extra is not installed."""
    try:
        return importlib.import_module("yfinance")
    except ImportError:
        return None


def download_csv(yf: ModuleType, ticker: str) -> bytes:
    """The whole daily history of ``ticker`` as Yahoo CSV bytes, dividend-adjusted
    closes in ``Adj Close``. Raises :class:`DownloadError` when Yahoo gives nothing."""
    try:
        frame = yf.download(
            ticker,
            period="max",
            interval="1d",
            auto_adjust=False,
            actions=False,
            progress=False,
            threads=False,
            multi_level_index=False,
        )
    except Exception as exc:
        raise DownloadError(
            f"Yahoo Finance download of {ticker!r} failed: {type(exc).__name__}: {exc}"
        ) from exc
    if frame is None or len(frame) == 0:
        raise DownloadError(
            f"Yahoo Finance returned no prices for {ticker!r} (unknown ticker, or no network)"
        )
    if isinstance(frame.columns, pd.MultiIndex):  # older yfinance: (field, ticker) columns
        frame = (
            frame.xs(ticker, axis=1, level=-1)
            if ticker in frame.columns.get_level_values(-1)
            else frame.droplevel(-1, axis=1)
        )
    missing = [c for c in YAHOO_COLUMNS if c not in frame.columns]
    if missing:
        raise DownloadError(f"Yahoo Finance data for {ticker!r} lacks columns {missing}")
    out = frame.loc[:, list(YAHOO_COLUMNS)].copy()
    out.index = pd.DatetimeIndex(out.index).tz_localize(None).normalize()
    out = out[~out.index.duplicated(keep="last")].sort_index()
    buffer = io.StringIO()
    out.to_csv(buffer, index_label="Date", date_format="%Y-%m-%d", float_format="%.10g")
    return buffer.getvalue().encode()
