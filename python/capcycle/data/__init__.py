"""capcycle.data: real data in, offline first.

Loaders
-------
``fred(series_id)``
    A FRED series (live, cached), e.g. ``fred("DFEDTARU")``.
``french(dataset)``
    Every table of a Ken French data-library file (live, cached), decimal returns.
``prices(ticker)``
    Daily prices of ``prices/<TICKER>.csv`` from the data folder.
``valuation(name)``, ``calendar(name)``
    ``valuation/<name>.csv`` (Shiller) and ``calendar/<name>.csv`` from the data folder.
``read_prices(path)``
    Any supported price file by path (Yahoo, FRED, Ken French, date,value).
``sample()``
    Embedded real data (from the ``arch`` package) for work without any file.

Where files come from
---------------------
One layout for every folder: ``fred/<ID>.csv``, ``french/<dataset>.csv``,
``prices/<TICKER>.csv``, ``valuation/<name>.csv``, ``calendar/<name>.csv``. Lookup
order: the ``data_dir=`` argument, the folder in ``CAPCYCLE_DATA``, the cache
(``CAPCYCLE_CACHE`` or ``platformdirs.user_cache_dir("capcycle")``), then the network
(FRED and Ken French only). Offline (``offline=True`` or ``CAPCYCLE_OFFLINE=1``) a
missing file raises :class:`DataNotFoundError` listing every place looked at.

Environment: ``CAPCYCLE_DATA``, ``CAPCYCLE_CACHE``, ``CAPCYCLE_OFFLINE``,
``CAPCYCLE_FRED_URL`` and ``CAPCYCLE_FRENCH_URL`` (base URLs, e.g. a mirror),
``CAPCYCLE_PROGRESS=0/1`` (force the download progress bar off or on).
"""

from __future__ import annotations

import os
import urllib.error
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pandas as pd

from capcycle.data._fetch import (
    CacheWriteError,
    DownloadError,
    UnsafeArchiveError,
    download,
    read_zip_member,
    write_atomic,
)
from capcycle.data._layout import (
    DataNotFoundError,
    cache_dir,
    candidates,
    check_name,
    first_existing,
    is_offline,
    not_found,
)
from capcycle.data._parse import (
    FRENCH_FIRST_TITLES,
    ParseError,
    decode,
    looks_french,
    parse_calendar,
    parse_fred,
    parse_french,
    parse_prices,
    parse_valuation,
)
from capcycle.data._sample import Sample, sample

__all__ = [
    "FRED_URL",
    "FRENCH_FIRST_TITLES",
    "FRENCH_URL",
    "CacheWriteError",
    "DataNotFoundError",
    "DownloadError",
    "ParseError",
    "Sample",
    "UnsafeArchiveError",
    "cache_dir",
    "calendar",
    "fred",
    "french",
    "prices",
    "read_prices",
    "sample",
    "valuation",
]

#: FRED's public CSV download; the series ID is appended. ``CAPCYCLE_FRED_URL`` overrides.
FRED_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv?id="
#: Ken French's ftp folder; ``<dataset>_CSV.zip`` is appended. ``CAPCYCLE_FRENCH_URL`` overrides.
FRENCH_URL = "https://mba.tuck.dartmouth.edu/pages/faculty/ken.french/ftp/"

PathLike = str | os.PathLike[str]
T = TypeVar("T")


def _read_text(path: Path) -> str:
    return decode(path.read_bytes())


def _fred_url(series_id: str) -> str:
    return (os.environ.get("CAPCYCLE_FRED_URL") or FRED_URL) + urllib.parse.quote(series_id)


def _french_url(dataset: str) -> str:
    base = os.environ.get("CAPCYCLE_FRENCH_URL") or FRENCH_URL
    if not base.endswith("/"):
        base += "/"
    return base + urllib.parse.quote(f"{dataset}_CSV.zip")


def _network_note(offline: bool) -> str:
    if offline:
        return "not asked (offline: offline=True or CAPCYCLE_OFFLINE=1)"
    return "not asked"


def _fetch_text(
    what: str,
    folder: str,
    filename: str,
    url: str,
    *,
    data_dir: PathLike | None,
    offline: bool | None,
    refresh: bool,
    unpack: str | None = None,
    parse: Callable[[str, str], T],
) -> T:
    """Look up ``folder/filename`` locally, else download ``url`` into the cache.

    ``parse(text, source)`` is run on the downloaded text before it is cached, so a
    body that does not parse (an HTML error page, a damaged file) is never cached.
    """
    off = is_offline(offline)
    places = candidates(folder, filename, data_dir)
    if not refresh:
        found = first_existing(places)
        if found is not None:
            return parse(_read_text(found), str(found))
    how = f"download {url}" + (f", unzip it, take {unpack}" if unpack else "")
    if off:
        if refresh:
            raise ValueError("refresh=True needs the network, but offline mode is on")
        raise not_found(what, folder, filename, places, _network_note(True), how)
    try:
        raw = download(url, desc=filename)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise not_found(what, folder, filename, places, f"{url}: HTTP 404 Not Found", how) from exc
        raise DownloadError(f"could not download {url}: HTTP {exc.code} {exc.reason}") from exc
    if unpack is not None:
        raw = read_zip_member(raw, unpack, source=url)
    result = parse(decode(raw), url)
    write_atomic(cache_dir() / folder / filename, raw)
    return result


def fred(
    series_id: str,
    *,
    data_dir: PathLike | None = None,
    offline: bool | None = None,
    refresh: bool = False,
) -> pd.Series:
    r"""A FRED series as a float Series with a DatetimeIndex named ``"date"``.

    Reads ``fred/<series_id>.csv`` from ``data_dir``, ``CAPCYCLE_DATA`` or the cache,
    else downloads ``https://fred.stlouisfed.org/graph/fredgraph.csv?id=<series_id>``
    (no API key) and caches it. Both FRED header styles are read
    (``observation_date,<ID>`` and ``date,value``); "." and empty values are NaN.

    Parameters
    ----------
    series_id : str
        FRED series ID, e.g. ``"DFF"``, ``"DGS2"``, ``"DFEDTAR"``, ``"DFEDTARU"``.
    data_dir : path, optional
        A folder with the layout ``fred/<ID>.csv``, searched first.
    offline : bool, optional
        Never use the network; default from ``CAPCYCLE_OFFLINE``.
    refresh : bool
        Ignore local copies, download again and replace the cached file.

    Returns
    -------
    pandas.Series
        Named by the series ID, values as published (percent for rates).

    Raises
    ------
    DataNotFoundError
        Offline (or HTTP 404) and in none of the folders; the message lists them.
    DownloadError
        The network failed after retries.
    ParseError
        The file is damaged (the message names it and the line).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from capcycle.data import fred
    >>> folder = pathlib.Path(tempfile.mkdtemp())  # a data folder with one FRED file
    >>> (folder / "fred").mkdir()
    >>> _ = (folder / "fred" / "DFEDTAR.csv").write_text(
    ...     "observation_date,DFEDTAR\n2001-01-02,6.50\n2001-01-03,6.00\n")
    >>> float(fred("DFEDTAR", data_dir=folder, offline=True)["2001-01-03"])
    6.0

    With ``CAPCYCLE_DATA`` pointing at the shared folder, ``fred("DFEDTARU")``
    needs no argument and no network.
    """
    check_name(series_id, "series_id")
    result = _fetch_text(
        f"FRED series {series_id!r}",
        "fred",
        f"{series_id}.csv",
        _fred_url(series_id),
        data_dir=data_dir,
        offline=offline,
        refresh=refresh,
        parse=lambda text, source: parse_fred(text, source, series_id),
    )
    return result


def french(
    dataset: str,
    *,
    data_dir: PathLike | None = None,
    offline: bool | None = None,
    refresh: bool = False,
) -> dict[str, pd.DataFrame]:
    r"""Every table of a Ken French data-library file, keyed by title.

    Reads ``french/<dataset>.csv`` from ``data_dir``, ``CAPCYCLE_DATA`` or the cache,
    else downloads ``<FRENCH_URL><dataset>_CSV.zip``, reads the CSV member in memory
    (refusing ``..``/absolute member paths and archives over 200 MB) and caches it.

    Each DataFrame has a DatetimeIndex named ``"date"``: daily dates, month-end for
    monthly tables, 31 December for annual ones. -99.99 and -999 are NaN. Return
    tables are in decimal units (0.0296 is 2.96 %); number of firms, average firm
    size / market cap, BE/ME, OP and investment keep Ken French's units.
    ``frame.attrs`` holds ``title`` (the full title), ``units`` and ``source``.
    Excel-mangled headers ("2-Dec") are restored ("Dec 2").

    Table names (keys) for the files in the shared data folder:

    - ``F-F_Research_Data_Factors``: ``"main"`` (monthly, untitled in Ken French's
      file too), ``"Annual Factors: January-December"``.
    - ``F-F_Research_Data_Factors_daily``: ``"main"``.
    - ``Portfolios_Formed_on_ME``: ``"Value Weight Returns -- Monthly"``,
      ``"Equal Weight Returns -- Monthly"``, ``"Value Weight Returns -- Annual from
      January to December"``, ``"Equal Weight Returns -- Annual from January to
      December"``, ``"Number of Firms in Portfolios"``, ``"Average Firm Size"``.
    - ``Portfolios_Formed_on_ME_daily``: ``"Value Weight Returns -- Daily"`` (and
      ``"Equal Weight Returns -- Daily"`` in Ken French's full file).
    - ``25_Portfolios_5x5``: ``"Average Value Weighted Returns -- Monthly"``,
      ``"Average Equal Weighted Returns -- Monthly"``, ``"Average Value Weighted
      Returns -- Annual"``, ``"Average Equal Weighted Returns -- Annual"``,
      ``"Number of Firms in Portfolios"``, ``"Average Market Cap"``, ``"Value Weight
      Average of BE/ME"``, ``"Value Weight Average of BE_FYt-1/ME_June t"``,
      ``"Value Weight Average of OP"``, ``"Value Weight Average of investment (rate
      of growth of assets)"``.

    A first table without a title line gets the title it has in Ken French's own
    file (``FRENCH_FIRST_TITLES``), else ``"main"``.

    Parameters
    ----------
    dataset : str
        The file name without ``_CSV.zip``, e.g. ``"F-F_Research_Data_Factors_daily"``.
    data_dir, offline, refresh
        As in :func:`fred`.

    Returns
    -------
    dict[str, pandas.DataFrame]
        In file order.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from capcycle.data import french
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> (folder / "french").mkdir()
    >>> _ = (folder / "french" / "F-F_Research_Data_Factors_daily.csv").write_text(
    ...     ",Mkt-RF,SMB,HML,RF\n19260701,    0.10,   -0.25,   -0.27,   0.009\n")
    >>> ff = french("F-F_Research_Data_Factors_daily", data_dir=folder, offline=True)
    >>> list(ff), float(ff["main"].loc["1926-07-01", "SMB"])
    (['main'], -0.0025)
    """
    check_name(dataset, "dataset")
    result = _fetch_text(
        f"Ken French dataset {dataset!r}",
        "french",
        f"{dataset}.csv",
        _french_url(dataset),
        data_dir=data_dir,
        offline=offline,
        refresh=refresh,
        unpack=f"{dataset}.csv",
        parse=lambda text, source: parse_french(text, source, dataset),
    )
    return result


def read_prices(path: PathLike, *, validate: bool = True) -> pd.Series | pd.DataFrame:
    """Read a price (or rate, or Ken French) CSV file by path.

    Layouts, told apart by the header:

    - Yahoo ``Date,Open,High,Low,Close,Adj Close,Volume``: the ``Adj Close`` column
      (dividend-adjusted; ``Close`` is only split-adjusted).
    - ``Date,Close`` (e.g. IJR) and ``Date,Close,High,Low,Open,Volume`` (e.g. RUT),
      or any ``Date,...,Close,...`` without ``Adj Close``: the ``Close`` column.
    - FRED ``observation_date,<ID>``: that column, named by the ID; zero and
      negative values are allowed (rates).
    - Generic two columns ``date,value`` (Bloomberg/FactSet exports), with or
      without a header line: the second column.
    - Ken French data-library CSV: a DataFrame, the first table of
      :func:`capcycle.data._parse.parse_french` (decimal returns). Use
      :func:`french` for every table.

    Dates must be ISO ``YYYY-MM-DD`` (a time part is ignored). Missing values
    (empty, ``.``, ``null``) are NaN.

    Parameters
    ----------
    path : path
        The file.
    validate : bool, default True
        Check that dates strictly increase (no duplicates) and that prices are
        positive; ``False`` skips these checks (the layout is always checked).

    Returns
    -------
    pandas.Series or pandas.DataFrame
        A float Series named after the file stem (the ticker) or the FRED ID, with
        a DatetimeIndex named ``"date"``; ``attrs`` gives ``column`` and ``layout``.
        A DataFrame for a Ken French file.

    Raises
    ------
    ParseError
        Unknown layout, truncated rows, non-dates, duplicated or unsorted dates,
        non-positive prices; the message names the file and the line.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from capcycle.data import read_prices
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "XYZ.csv"
    >>> _ = p.write_text("date,value\\n2024-07-10,100\\n2024-07-11,103.5\\n")
    >>> float(read_prices(p).iloc[-1])
    103.5
    """
    path = Path(path)
    text = _read_text(path)
    if looks_french(text):
        tables = parse_french(text, str(path), path.stem)
        return next(iter(tables.values()))
    return parse_prices(text, str(path), path.stem, validate=validate)


def _local(
    what: str, folder: str, name: str, data_dir: PathLike | None, how: str
) -> Path:
    check_name(name, "name")
    places = candidates(folder, f"{name}.csv", data_dir)
    found = first_existing(places)
    if found is None:
        raise not_found(
            what, folder, f"{name}.csv", places, "no online source for this folder", how
        )
    return found


def prices(ticker: str, *, data_dir: PathLike | None = None, validate: bool = True) -> pd.Series:
    r"""Daily prices of ``prices/<TICKER>.csv`` (Adj Close where there is one).

    Looks in ``data_dir``, ``CAPCYCLE_DATA``, then the cache; there is no download.
    See :func:`read_prices` for the layouts. The shared folder holds IWM, IWB, SPY,
    IJR (adjusted closes), RUT and GSPC (price indexes).

    Parameters
    ----------
    ticker : str
        File stem, e.g. ``"IWM"``.
    data_dir : path, optional
        A folder with the layout ``prices/<TICKER>.csv``.
    validate : bool, default True
        As in :func:`read_prices`.

    Returns
    -------
    pandas.Series
        Named by the ticker, DatetimeIndex named ``"date"``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from capcycle.data import prices
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> (folder / "prices").mkdir()
    >>> _ = (folder / "prices" / "IWM.csv").write_text(
    ...     "Date,Open,High,Low,Close,Adj Close,Volume\n"
    ...     "2024-07-11,208.0,211.2,206.9,210.68,207.71,65443600\n")
    >>> float(prices("IWM", data_dir=folder)["2024-07-11"])
    207.71
    """
    path = _local(
        f"prices for {ticker!r}", "prices", ticker, data_dir,
        "export daily prices (e.g. Yahoo Finance: Date,Open,High,Low,Close,Adj Close,Volume)",
    )
    out = read_prices(path, validate=validate)
    if not isinstance(out, pd.Series):
        raise ParseError(str(path), None, "holds Ken French tables, not prices: use french()")
    return out


def valuation(name: str, *, data_dir: PathLike | None = None) -> pd.DataFrame:
    r"""A monthly valuation table from ``valuation/<name>.csv`` (e.g. ``"shiller_sp500"``).

    The first column is the month, either Shiller's ``YYYY.MM`` (a float printed
    short: ``"2024.1"`` is October 2024, ``"2024.01"`` January) or ISO dates; months
    are dated month-end. Numbers may carry thousands separators (``"4,084,025.82"``);
    percent strings (``"13.06%"``) become decimals (0.1306); other columns keep their
    units (``Rate_GS10`` stays in percent, ``CAPE`` is a ratio). Empty cells are NaN.

    Looks in ``data_dir``, ``CAPCYCLE_DATA``, then the cache; there is no download.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from capcycle.data import valuation
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> (folder / "valuation").mkdir()
    >>> _ = (folder / "valuation" / "shiller_sp500.csv").write_text(
    ...     'Date,P,CAPE,Excess_CAPE_Yield\n2024.09,5621.26,35.66,1.30%\n'
    ...     '2024.1,"5,792.32",36.59,1.28%\n')
    >>> v = valuation("shiller_sp500", data_dir=folder)
    >>> v.index.month.tolist(), float(v["P"].iloc[-1]), float(v["Excess_CAPE_Yield"].iloc[0])
    ([9, 10], 5792.32, 0.013)
    """
    path = _local(
        f"valuation table {name!r}", "valuation", name, data_dir,
        "download Robert Shiller's ie_data.xls, export it to CSV with one header row",
    )
    return parse_valuation(_read_text(path), str(path))


def calendar(name: str, *, data_dir: PathLike | None = None) -> pd.DataFrame:
    r"""A release calendar from ``calendar/<name>.csv`` (e.g. ``"us_releases_2018_2026"``).

    Columns as in the file (``Date, Event, Type, Country``), ``Date`` parsed to
    datetime64; rows in date order (several events may share a date).

    Looks in ``data_dir``, ``CAPCYCLE_DATA``, then the cache; there is no download.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from capcycle.data import calendar
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> (folder / "calendar").mkdir()
    >>> _ = (folder / "calendar" / "us_releases.csv").write_text(
    ...     "Date,Event,Type,Country\n2024-09-11,CPI,CPI,US\n2024-09-18,FOMC Decision,FOMC,US\n")
    >>> cal = calendar("us_releases", data_dir=folder)
    >>> str(cal.loc[cal["Type"] == "FOMC", "Date"].iloc[0].date())
    '2024-09-18'
    """
    path = _local(
        f"calendar {name!r}", "calendar", name, data_dir,
        "write a CSV with columns Date,Event,Type,Country",
    )
    return parse_calendar(_read_text(path), str(path))
