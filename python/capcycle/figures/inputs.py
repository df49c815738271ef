"""Every figure's inputs, found by the lookup rule of ``capcycle.data``, and which
proxy feeds each figure.

Each file is looked up in the ``data_dir`` argument, ``CAPCYCLE_DATA``, the cache,
the network (unless offline) and last the snapshot shipped in the package, so the
four figures can always be drawn. Figures 1 and 2 use ETF prices (IJR/SPY, IWM/IWB)
when a folder, the cache or Yahoo (the ``yahoo`` extra) has them, else Ken French's
daily size portfolios: the bottom 30 % against the top 30 % of NYSE market cap, the
same split as figure 3's monthly portfolios.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

import capcycle
from capcycle.figures.first_cuts import FIG3_SOURCE, size_relative_index
from capcycle.figures.quality import figure5_inputs
from capcycle.figures.relative_valuation import FIG4_SOURCE, read_multiples, size_pb_proxy

PathLike = str | os.PathLike[str]

#: The daily size portfolios (Ken French's ``Portfolios_Formed_on_ME_Daily``).
DAILY_SIZE = "Portfolios_Formed_on_ME_Daily"
#: The monthly size portfolios of figure 3.
MONTHLY_SIZE = "Portfolios_Formed_on_ME"
#: The 25 size x book-to-market portfolios of figure 4's price-to-book proxy.
SIZE_BM = "25_Portfolios_5x5"

#: The 25 size x operating-profitability portfolios of figure 5.
SIZE_OP = "25_Portfolios_ME_OP_5x5"

#: Every file the figures and notebooks read: (folder, name, what for).
FILES: tuple[tuple[str, str, str], ...] = (
    ("prices", "IJR", "figure 1, small caps (without it: the daily size portfolios)"),
    ("prices", "SPY", "figure 1, large caps; notebook 00's market (without it: the daily size portfolios)"),
    ("prices", "IWM", "figure 2, small caps; figure 3 cross-check (without it: the daily size portfolios)"),
    ("prices", "IWB", "figure 2, large caps; figure 3 cross-check (without it: the daily size portfolios)"),
    ("fred", "DGS2", "figure 1, 2-year Treasury yield"),
    ("fred", "DFEDTAR", "Fed funds target to 2008 (capcycle.fed)"),
    ("fred", "DFEDTARU", "Fed funds target range, upper bound, since 2008 (capcycle.fed)"),
    ("french", DAILY_SIZE, "figures 1 and 2 without ETF prices: daily size portfolios"),
    ("french", "F-F_Research_Data_Factors_daily", "daily market and SMB factors (notebooks)"),
    ("french", MONTHLY_SIZE, "figure 3, monthly size portfolios"),
    ("french", SIZE_BM, "figure 4, price-to-book proxy (BE/ME, number of firms, average size)"),
    ("french", SIZE_OP, "figure 5, size x operating-profitability portfolios"),
)

#: The formats of the files in a data folder, for messages about a wrong folder.
FORMATS: dict[str, str] = {
    "prices": "daily prices, Yahoo's layout Date,Open,High,Low,Close,Adj Close,Volume (or Date,Close, or date,value)",
    "fred": "a FRED CSV as fredgraph.csv serves it (observation_date,<ID> or date,value)",
    "french": "the CSV inside Ken French's <name>_CSV.zip (a dated copy <name>_YYYYMM.csv works too)",
}

SIZE_LABELS = ("Small (bottom 30%)", "large (top 30%)")
_DAILY_SIZE_SOURCE = (
    "Kenneth R. French data library, Portfolios Formed on Size, daily value-weighted returns: "
    "bottom 30% vs top 30% of NYSE market cap standing for small and large caps"
)
_ETF = {
    ("IJR", "SPY"): (
        ("S&P 600", "S&P 500"),
        "iShares Core S&P Small-Cap ETF (IJR) and SPDR S&P 500 ETF (SPY) dividend-adjusted "
        "closes standing for the S&P 600 and S&P 500",
    ),
    ("IWM", "IWB"): (
        ("Russell 2000", "Russell 1000"),
        "iShares Russell 2000 ETF (IWM) and Russell 1000 ETF (IWB) dividend-adjusted closes "
        "standing for the Russell 2000 and 1000",
    ),
}


@dataclass
class Inputs:
    """What each figure is drawn from.

    ``fig1`` .. ``fig5``: the data keyword arguments of ``figureN_data`` and ``figureN``
    (None when the data cannot give them); ``text``: per figure, the keyword arguments
    only ``figureN`` takes (``labels``, ``source``: the proxy's names and sources), so
    ``figureN(**inputs.figN, **inputs.text["figN"])`` draws it; ``sources``: one line
    per figure, the proxy and where each file came from; ``reasons``: why a figure is
    missing."""

    fig1: dict[str, Any] | None = None
    fig2: dict[str, Any] | None = None
    fig3: dict[str, Any] | None = None
    fig4: dict[str, Any] | None = None
    fig5: dict[str, Any] | None = None
    text: dict[str, dict[str, Any]] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)


def _french_table(
    tables: dict[str, pd.DataFrame], *needles: str, avoid: tuple[str, ...] = ()
) -> pd.DataFrame:
    for key, frame in tables.items():
        low = key.lower()
        if all(n.lower() in low for n in needles) and not any(a.lower() in low for a in avoid):
            return frame
    raise KeyError(f"no table with {needles} among {list(tables)}")


def _monthly(level: pd.Series) -> pd.Series:
    """Month-end values of a daily level (the last row of each month)."""
    out = level.dropna().groupby(level.dropna().index.to_period("M")).last()
    out.index = out.index.to_timestamp(how="end").normalize()
    return out


def _level(returns: pd.Series, name: str) -> pd.Series:
    """A total-return level (1 before the first return) from decimal daily returns."""
    level = (1.0 + returns.dropna()).cumprod()
    level.name = name
    return level


def _origin(x: pd.Series | pd.DataFrame | dict[str, pd.DataFrame]) -> str:
    """Where a loaded file came from, in brackets (``attrs["origin"]`` of ``capcycle.data``)."""
    first = next(iter(x.values())) if isinstance(x, dict) else x
    return f"[{first.attrs.get('origin', 'given')}]"


class _Loader:
    """The files of one ``load_inputs`` call, each read once."""

    def __init__(self, data_dir: PathLike | None, offline: bool | None) -> None:
        self.data_dir, self.offline = data_dir, offline
        self._cache: dict[tuple[str, str], Any] = {}

    def get(self, folder: str, name: str) -> Any:
        from capcycle import data as cd

        key = (folder, name)
        if key not in self._cache:
            load = {"fred": cd.fred, "french": cd.french, "prices": cd.prices}[folder]
            self._cache[key] = load(name, data_dir=self.data_dir, offline=self.offline)
        return self._cache[key]

    def size_daily(self) -> pd.DataFrame:
        return _french_table(self.get("french", DAILY_SIZE), "value weight")

    def pair(self, small: str, large: str) -> tuple[pd.Series, pd.Series, tuple[str, str], str, str]:
        """Small and large daily levels, their labels, the figure's source line and the
        files' origins: the ETFs when found, else the daily size portfolios."""
        from capcycle.data import DataNotFoundError

        try:
            s, lg = self.get("prices", small), self.get("prices", large)
        except DataNotFoundError:
            size = self.size_daily()
            return (
                _level(size["Lo 30"], "Lo 30"),
                _level(size["Hi 30"], "Hi 30"),
                SIZE_LABELS,
                _DAILY_SIZE_SOURCE,
                f"Ken French daily size portfolios, VW Lo 30 vs Hi 30 {_origin(size)}",
            )
        labels, source = _ETF[(small, large)]
        return s, lg, labels, source, f"ETFs {small} {_origin(s)} vs {large} {_origin(lg)}"


def _fig1(load: _Loader, inputs: Inputs) -> None:
    small, large, labels, source, origin = load.pair("IJR", "SPY")
    yld = load.get("fred", "DGS2")
    inputs.fig1 = {"small": small, "large": large, "yield_2y": yld}
    inputs.text["fig1"] = {"labels": labels, "source": f"{source}; 2-year Treasury yield, FRED DGS2"}
    inputs.sources["fig1"] = f"{origin}; 2-year yield FRED DGS2 {_origin(yld)}"


def _fig2(load: _Loader, inputs: Inputs) -> None:
    small, large, labels, source, origin = load.pair("IWM", "IWB")
    inputs.fig2 = {"small": small, "large": large}
    inputs.text["fig2"] = {
        "labels": labels,
        "source": source,
    }  # the figure names the release calendar it marks
    inputs.sources["fig2"] = origin


def _fig3(load: _Loader, inputs: Inputs) -> None:
    from capcycle.data import DataNotFoundError

    size = _french_table(load.get("french", MONTHLY_SIZE), "value weight", "monthly")
    rel = size_relative_index(size, "Lo 30", "Hi 30")
    try:
        iwm, iwb = load.get("prices", "IWM"), load.get("prices", "IWB")
    except DataNotFoundError:
        cross = None
    else:
        cross = capcycle.relative_performance(_monthly(iwm), _monthly(iwb))
    inputs.fig3 = {"relative": rel, "cross_check": cross}
    inputs.text["fig3"] = {"labels": SIZE_LABELS, "source": FIG3_SOURCE}
    inputs.sources["fig3"] = f"Ken French monthly size portfolios, VW Lo 30 vs Hi 30 {_origin(size)}" + (
        "; cross-check IWM vs IWB month-ends" if cross is not None else ""
    )


def _fig4(load: _Loader, inputs: Inputs, multiples: PathLike | None) -> None:
    if multiples is not None:
        inputs.fig4 = {"ratio": read_multiples(multiples)}
        inputs.text["fig4"] = {
            "measure": "Forward P/E",
            "labels": ("small caps", "large caps"),
            "source": f"user file {os.fspath(multiples)}",
        }
        inputs.sources["fig4"] = f"user multiples {os.fspath(multiples)}"
        return
    t = load.get("french", SIZE_BM)
    proxy = size_pb_proxy(
        _french_table(t, "of be/me"),
        _french_table(t, "number of firms"),
        _french_table(t, "average market cap"),
    )
    inputs.fig4 = {"ratio": proxy["ratio"], "start": "1963-07-01"}
    inputs.text["fig4"] = {
        "measure": "Price-to-book",
        "labels": ("smallest size quintile", "biggest size quintile"),
        "source": FIG4_SOURCE,
    }
    inputs.sources["fig4"] = (
        "price-to-book PROXY, smallest vs biggest size quintile since 1963-07, from BE/ME, number of "
        f"firms and average market cap {_origin(t)}"
    )


def _fig5(load: _Loader, inputs: Inputs) -> None:
    tables = load.get("french", SIZE_OP)
    inputs.fig5 = figure5_inputs(tables)
    inputs.sources["fig5"] = (
        f"Ken French 25 size x operating-profitability portfolios (VW monthly returns, number of firms, "
        f"average market cap, VW average OP) {_origin(tables)}"
    )


def load_inputs(
    data_dir: PathLike | None = None,
    *,
    multiples: PathLike | None = None,
    offline: bool | None = None,
) -> Inputs:
    """Every figure's inputs, each file found by the lookup rule of ``capcycle.data``.

    Parameters
    ----------
    data_dir : path, optional
        A data folder (the ``capcycle.data`` layout), searched first; None: only
        ``CAPCYCLE_DATA``, the cache, the network and the snapshot.
    multiples : path, optional
        A user's CSV of forward P/Es (see ``read_multiples``) that replaces the
        price-to-book proxy of figure 4.
    offline : bool, optional
        Never use the network (default from ``CAPCYCLE_OFFLINE``).

    Returns
    -------
    Inputs
        A figure whose inputs fail to load (a damaged file, say) is None, with the
        reason in ``reasons``.

    Examples
    --------
    >>> import capcycle.figures as cf
    >>> inputs = cf.load_inputs(offline=True)   # with no data folder: the snapshot
    >>> sorted(k for k in ("fig1", "fig2", "fig3", "fig4", "fig5") if getattr(inputs, k) is not None)
    ['fig1', 'fig2', 'fig3', 'fig4', 'fig5']
    """
    load = _Loader(data_dir, offline)
    inputs = Inputs()
    steps = {
        "fig1": lambda: _fig1(load, inputs),
        "fig2": lambda: _fig2(load, inputs),
        "fig3": lambda: _fig3(load, inputs),
        "fig4": lambda: _fig4(load, inputs, multiples),
        "fig5": lambda: _fig5(load, inputs),
    }
    for key, step in steps.items():
        try:
            step()
        except Exception as exc:
            inputs.reasons[key] = f"{type(exc).__name__}: {exc}"
    return inputs


def daily_levels(data_dir: PathLike | None = None, *, offline: bool | None = None) -> pd.DataFrame:
    """Daily total-return levels ``small``, ``large`` and ``market`` on common dates.

    The ETFs IWM, IWB and SPY (adjusted closes) when a folder, the cache or Yahoo has
    them; else Ken French's daily value-weighted size portfolios (bottom 30 %, top
    30 %) and the market (``Mkt-RF + RF`` of the daily factors), each compounded from
    1. ``attrs["source"]`` says which.

    Examples
    --------
    >>> import capcycle.figures as cf
    >>> levels = cf.daily_levels(offline=True)   # doctest: +SKIP
    >>> list(levels.columns)                      # doctest: +SKIP
    ['small', 'large', 'market']
    """
    from capcycle.data import DataNotFoundError

    load = _Loader(data_dir, offline)
    try:
        frame = pd.DataFrame(
            {k: load.get("prices", t) for k, t in (("small", "IWM"), ("large", "IWB"), ("market", "SPY"))}
        )
        source = "ETFs IWM (small), IWB (large), SPY (market), adjusted closes"
    except DataNotFoundError:
        size = load.size_daily()
        factors = load.get("french", "F-F_Research_Data_Factors_daily")["main"]
        frame = pd.DataFrame(
            {
                "small": _level(size["Lo 30"], "small"),
                "large": _level(size["Hi 30"], "large"),
                "market": _level(factors["Mkt-RF"] + factors["RF"], "market"),
            }
        )
        source = (
            "Ken French daily size portfolios (small: bottom 30%, large: top 30% of NYSE market cap, "
            f"value-weighted) {_origin(size)} and market factor Mkt-RF + RF {_origin(factors)}"
        )
    frame = frame.dropna()
    frame.index.name = "date"
    frame.attrs["source"] = source
    return frame


def where(data_dir: PathLike | None = None, *, offline: bool | None = None) -> pd.DataFrame:
    """Where each file of ``FILES`` would come from now (nothing is read or downloaded):
    a DataFrame with columns ``file``, ``used_for`` and ``source``."""
    from capcycle import data as cd

    rows = [
        (f"{folder}/{name}.csv", used_for, cd.where(folder, name, data_dir=data_dir, offline=offline))
        for folder, name, used_for in FILES
    ]
    return pd.DataFrame(rows, columns=["file", "used_for", "source"])


def folder_problem(data_dir: PathLike) -> str | None:
    """Why ``data_dir`` is not a data folder (missing, or none of ``prices/``,
    ``fred/``, ``french/`` in it), with the files it may hold and their formats; None
    when it is one."""
    root = Path(data_dir)
    if root.is_dir() and any((root / sub).is_dir() for sub in FORMATS):
        return None
    what = (
        "does not exist"
        if not root.exists()
        else ("is not a folder" if not root.is_dir() else "has none of the folders prices/, fred/, french/")
    )
    lines = [
        f"{os.fspath(data_dir)!r} {what}. A data folder holds some of these files (the rest come "
        "from the cache, the network or the snapshot shipped with capcycle):"
    ]
    for folder, name, used_for in FILES:
        lines.append(f"  {folder}/{name}.csv  - {used_for}")
    lines.append("Formats:")
    lines += [f"  {folder}/: {text}" for folder, text in FORMATS.items()]
    return "\n".join(lines)
