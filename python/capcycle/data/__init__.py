"""capcycle.data: real data in, offline first.

Loaders
-------
``fred(series_id)``
    A FRED series, e.g. ``fred("DFEDTARU")``.
``french(dataset)``
    Every table of a Ken French data-library file, decimal returns.
``prices(ticker)``
    Daily prices of ``prices/<TICKER>.csv``; with the ``yahoo`` extra
    (``pip install "capcycle[yahoo]"``) downloaded from Yahoo Finance when no file is found.
``valuation(name)``, ``calendar(name)``
    ``valuation/<name>.csv`` (Shiller) and ``calendar/<name>.csv`` from the data folder.
``read_prices(path)``
    Any supported price file by path (Yahoo, FRED, Ken French, date,value).
``where(...)``, ``snapshot_manifest()``
    Where each input would come from; what the shipped snapshot holds.

Where files come from
---------------------
One layout for every folder: ``fred/<ID>.csv``, ``french/<dataset>.csv``,
``prices/<TICKER>.csv``, ``valuation/<name>.csv``, ``calendar/<name>.csv``. One
lookup order, file by file, for the API, the ``capcycle`` command and the notebooks:

1. the ``data_dir=`` argument (``--data DIR``);
2. the folder in ``CAPCYCLE_DATA``;
3. the user cache (``CAPCYCLE_CACHE`` or ``platformdirs.user_cache_dir("capcycle")``);
4. the network, unless offline: FRED and Ken French (no key needed), Yahoo Finance
   for prices with the ``yahoo`` extra; a download is cached;
5. the snapshot shipped in the package (FRED DGS2, DFEDTAR, DFEDTARU and Ken French
   size portfolios, factors and 5x5 portfolios, trimmed to what the figures use; see
   ``snapshot_manifest()``).

In a folder a Ken French file may also be a copy dated by its vintage,
``french/<dataset>_YYYYMM.csv``: the newest dated copy wins. Offline
(``offline=True`` or ``CAPCYCLE_OFFLINE=1``) and in none of these places, a loader
raises :class:`DataNotFoundError` listing every place looked at. Each result says
where it came from in ``attrs["origin"]``.

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
from capcycle.data._snapshot import manifest as snapshot_manifest
from capcycle.data._snapshot import snapshot_entry, snapshot_text

__all__ = [
    "FRED_URL",
    "FRENCH_FIRST_TITLES",
    "FRENCH_URL",
    "PRICES_HOW",
    "CacheWriteError",
    "DataNotFoundError",
    "DownloadError",
    "ParseError",
    "UnsafeArchiveError",
    "cache_dir",
    "calendar",
    "fred",
    "french",
    "is_offline",
    "prices",
    "read_prices",
    "snapshot_manifest",
    "valuation",
    "where",
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


def _label(places: list[tuple[str, Path | None]], found: Path) -> str:
    return next(f"{label} {found}" for label, path in places if path == found)


def _snapshot_origin(folder: str, filename: str) -> str | None:
    entry = snapshot_entry(folder, filename)
    if entry is None:
        return None
    return f"capcycle snapshot {folder}/{filename}, vintage: data to {entry['last']}"


def _with_origin(result: T, origin: str) -> T:
    """Record where ``result`` (a Series, or a dict of Ken French tables) came from."""
    frames: list[pd.Series | pd.DataFrame] = list(result.values()) if isinstance(result, dict) else [result]  # type: ignore[list-item]
    for frame in frames:
        frame.attrs["origin"] = origin
    return result


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
    """Look up ``folder/filename`` locally, else download ``url`` into the cache, else
    read the snapshot.

    ``parse(text, source)`` is run on the downloaded text before it is cached, so a
    body that does not parse (an HTML error page, a damaged file) is never cached.
    ``refresh=True`` skips the local copies and the snapshot: the download must work.
    """
    off = is_offline(offline)
    places = candidates(folder, filename, data_dir)
    if not refresh:
        found = first_existing(places)
        if found is not None:
            return _with_origin(parse(_read_text(found), str(found)), _label(places, found))
    how = f"download {url}" + (f", unzip it, take {unpack}" if unpack else "")
    if off and refresh:
        raise ValueError("refresh=True needs the network, but offline mode is on")
    network = _network_note(True)
    if not off:
        try:
            raw = download(url, desc=filename)
        except urllib.error.HTTPError as exc:
            if exc.code != 404:
                raise DownloadError(f"could not download {url}: HTTP {exc.code} {exc.reason}") from exc
            if refresh:
                raise not_found(what, folder, filename, places, f"{url}: HTTP 404 Not Found", how) from exc
            network = f"{url}: HTTP 404 Not Found"
        except DownloadError as exc:
            if refresh or snapshot_entry(folder, filename) is None:
                raise
            network = f"failed ({exc})"
        else:
            if unpack is not None:
                raw = read_zip_member(raw, unpack, source=url)
            result = parse(decode(raw), url)
            write_atomic(cache_dir() / folder / filename, raw)
            return _with_origin(result, f"downloaded {url}")
    origin = _snapshot_origin(folder, filename)
    if origin is None:
        raise not_found(what, folder, filename, places, network, how, snapshot="not in the snapshot")
    text = decode(snapshot_text(folder, filename))
    return _with_origin(parse(text, f"capcycle snapshot {folder}/{filename}"), origin)


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
    (no API key) and caches it, else (offline, or the download failed) reads the
    shipped snapshot (DGS2, DFEDTAR, DFEDTARU). ``attrs["origin"]`` says which one.
    Both FRED header styles are read
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
        Offline (or HTTP 404) and in none of the folders nor the snapshot; the message
        lists them.
    DownloadError
        The network failed after retries and the snapshot does not have the series
        (or ``refresh=True``).
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

    Reads ``french/<dataset>.csv`` from ``data_dir``, ``CAPCYCLE_DATA`` or the cache
    (or a dated copy ``<dataset>_YYYYMM.csv``, the newest first), else downloads
    ``<FRENCH_URL><dataset>_CSV.zip``, reads the CSV member in memory (refusing
    ``..``/absolute member paths and archives over 200 MB) and caches it, else reads
    the shipped snapshot, which holds only the tables and columns the figures use
    (``snapshot_manifest()`` lists them). ``attrs["origin"]`` says which one.

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
    - ``Portfolios_Formed_on_ME_Daily``: ``"Value Weight Returns -- Daily"`` (and
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


def _local(what: str, folder: str, name: str, data_dir: PathLike | None, how: str) -> Path:
    check_name(name, "name")
    places = candidates(folder, f"{name}.csv", data_dir)
    found = first_existing(places)
    if found is None:
        raise not_found(what, folder, f"{name}.csv", places, "no online source for this folder", how)
    return found


#: How to provide a price file, in every "not found" message.
PRICES_HOW = (
    "export daily prices in Yahoo's layout (Date,Open,High,Low,Close,Adj Close,Volume; "
    "Adj Close is used), as Date,Close, or as two columns date,value (ISO dates),"
)

_URLS: dict[str, Callable[[str], str]] = {"fred": lambda n: _fred_url(n), "french": lambda n: _french_url(n)}


def where(folder: str, name: str, *, data_dir: PathLike | None = None, offline: bool | None = None) -> str:
    """Where ``folder/<name>.csv`` would be read from now, without reading or downloading.

    ``folder`` is ``"fred"``, ``"french"``, ``"prices"``, ``"valuation"`` or
    ``"calendar"``. The answer is one line: the local file (and which place of the
    lookup order it is in), the URL that would be downloaded, the snapshot (with its
    vintage), or ``"not found"`` with the places looked at.

    Examples
    --------
    >>> from capcycle.data import where
    >>> where("fred", "DGS2", data_dir="/nowhere", offline=True).startswith("capcycle snapshot fred/DGS2.csv")
    True
    """
    from capcycle.data import _yahoo

    check_name(name, "name")
    filename = f"{name}.csv"
    places = candidates(folder, filename, data_dir)
    found = first_existing(places)
    if found is not None:
        return _label(places, found)
    fallback = _snapshot_origin(folder, filename)
    if not is_offline(offline):
        if folder in _URLS:
            return f"download {_URLS[folder](name)}" + (f"; if that fails, {fallback}" if fallback else "")
        if folder == "prices" and _yahoo.yfinance_module() is not None:
            return "download from Yahoo Finance (yfinance)"
    if fallback is not None:
        return fallback
    looked = ", ".join(str(path) for _, path in places if path is not None)
    return f"not found (looked in {looked})"


def prices(
    ticker: str,
    *,
    data_dir: PathLike | None = None,
    offline: bool | None = None,
    refresh: bool = False,
    validate: bool = True,
) -> pd.Series:
    r"""Daily prices of a ticker (Adj Close where there is one).

    Reads ``prices/<TICKER>.csv`` from ``data_dir``, ``CAPCYCLE_DATA`` or the cache;
    else, with the ``yahoo`` extra installed (``pip install "capcycle[yahoo]"``, the
    ``yfinance`` package) and online, downloads the whole daily history from Yahoo
    Finance and caches it as ``prices/<TICKER>.csv``. There is no snapshot of prices.
    See :func:`read_prices` for the layouts. The shared folder holds IWM, IWB, SPY,
    IJR (adjusted closes), RUT and GSPC (price indexes).

    Parameters
    ----------
    ticker : str
        File stem, e.g. ``"IWM"``.
    data_dir : path, optional
        A folder with the layout ``prices/<TICKER>.csv``.
    offline, refresh
        As in :func:`fred` (``refresh=True`` downloads again through ``yfinance``).
    validate : bool, default True
        As in :func:`read_prices`.

    Returns
    -------
    pandas.Series
        Named by the ticker, DatetimeIndex named ``"date"``; ``attrs["origin"]`` says
        where it came from.

    Raises
    ------
    DataNotFoundError
        In no folder, and no download possible (offline, no ``yfinance``, or Yahoo
        gave nothing); the message says how to provide the CSV.

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
    from capcycle.data import _yahoo

    check_name(ticker, "ticker")
    places = candidates("prices", f"{ticker}.csv", data_dir)
    found = None if refresh else first_existing(places)
    if found is not None:
        return _with_origin(_read_price_file(found, validate), _label(places, found))
    yf = _yahoo.yfinance_module()
    if is_offline(offline):
        if refresh:
            raise ValueError("refresh=True needs the network, but offline mode is on")
        network = _network_note(True)
    elif yf is None:
        network = 'not asked: Yahoo Finance needs the yahoo extra, pip install "capcycle[yahoo]"'
    else:
        try:
            raw = _yahoo.download_csv(yf, ticker)
        except DownloadError as exc:
            network = f"failed ({exc})"
        else:
            series = parse_prices(decode(raw), f"Yahoo Finance {ticker}", ticker, validate=validate)
            write_atomic(cache_dir() / "prices" / f"{ticker}.csv", raw)
            return _with_origin(
                series, f"downloaded from Yahoo Finance (yfinance), cached as prices/{ticker}.csv"
            )
    raise not_found(f"prices for {ticker!r}", "prices", f"{ticker}.csv", places, network, PRICES_HOW)


def _read_price_file(path: Path, validate: bool) -> pd.Series:
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
        f"valuation table {name!r}",
        "valuation",
        name,
        data_dir,
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
        f"calendar {name!r}",
        "calendar",
        name,
        data_dir,
        "write a CSV with columns Date,Event,Type,Country",
    )
    return parse_calendar(_read_text(path), str(path))
