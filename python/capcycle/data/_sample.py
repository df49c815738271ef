"""The embedded sample: real data shipped by the ``arch`` package (no network)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Sample", "sample"]


@dataclass(frozen=True)
class Sample:
    """Real market data that needs no network and no data folder.

    Attributes
    ----------
    factors : pandas.DataFrame
        Fama-French monthly factors ``Mkt-RF, SMB, HML, RF``, July 1926 to November
        2018, in decimal units (0.0296 is 2.96 %), dated month-end. ``SMB`` (small
        minus big) is the small-vs-large-cap return spread.
    sp500 : pandas.DataFrame
        Daily S&P 500 index ``Open, High, Low, Close, Adj Close, Volume``, 1999-01-04
        to 2018-12-31 (a price index: ``Adj Close`` equals ``Close``).
    yields : pandas.DataFrame
        Moody's seasoned ``AAA`` and ``BAA`` corporate bond yields, monthly 1919-01
        to 2018-12, in decimal units (0.0535 is 5.35 %), dated month-end.
    source : str
        Where the data come from.
    """

    factors: pd.DataFrame
    sp500: pd.DataFrame
    yields: pd.DataFrame
    source: str


def _month_end(index: pd.Index) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.DatetimeIndex(index) + pd.offsets.MonthEnd(0), name="date")


def _french_factors() -> pd.DataFrame:
    from arch.data import frenchdata

    raw = frenchdata.load()
    # arch stores the YYYYMM stamp as nanoseconds after 1970-01-01 (192607 ns).
    stamps = pd.DatetimeIndex(raw.index).as_unit("ns").asi8
    if stamps.min() < 190001 or stamps.max() > 299912:
        raise ValueError("arch.data.frenchdata: unexpected date stamps (expected YYYYMM integers)")
    years, months = stamps // 100, stamps % 100
    first = pd.to_datetime(pd.DataFrame({"year": years, "month": months, "day": np.ones_like(years)}))
    frame = raw.astype("float64").set_axis(_month_end(first), axis=0) / 100.0
    frame.columns = pd.Index([str(c) for c in frame.columns], dtype=object)
    return frame


def sample() -> Sample:
    """An embedded real dataset: monthly Fama-French factors, the daily S&P 500 and
    Moody's AAA/BAA yields, loaded from the ``arch`` package (no network).

    What it holds and where it comes from: ``arch.data.frenchdata`` (Ken French's
    data library, monthly ``Mkt-RF, SMB, HML, RF``, 1926-07 to 2018-11),
    ``arch.data.sp500`` (Yahoo ^GSPC daily, 1999 to 2018) and ``arch.data.default``
    (FRED's Moody's AAA and BAA yields, monthly 1919 to 2018). Returns and yields
    are converted from percent to decimal units; every frame has a DatetimeIndex
    named ``"date"``.

    What it can reproduce: figure 3 (small vs large caps after the first Fed cut)
    through the cumulative ``SMB`` spread around the cycles of 1989, 1995, 1998,
    2001 and 2007 (use ``capcycle.fed.FIRST_CUTS``), in monthly resolution.
    What it cannot: figures 1, 2 and 4. There is no data after 2018 (so no 2019 or
    2024 cycle and no July 2024 rotation), no 2-year Treasury yield or fed funds
    target, no small-cap index levels, and no valuation series. Use
    ``capcycle.data.fred``, ``french``, ``prices`` and ``valuation`` for those.

    Returns
    -------
    Sample
        A frozen dataclass with ``factors``, ``sp500``, ``yields`` and ``source``;
        each call returns new frames.

    Examples
    --------
    >>> from capcycle.data import sample
    >>> s = sample()
    >>> round(float(s.factors.loc["1926-07-31", "Mkt-RF"]), 4)
    0.0296
    >>> smb_index = (1 + s.factors["SMB"]).cumprod()
    """
    from arch.data import default, sp500

    spx = sp500.load().astype("float64")
    spx.index = pd.DatetimeIndex(spx.index, name="date")
    spx.columns = pd.Index([str(c) for c in spx.columns], dtype=object)
    moody = default.load().astype("float64") / 100.0
    moody = moody.set_axis(_month_end(moody.index), axis=0)
    moody.columns = pd.Index([str(c) for c in moody.columns], dtype=object)
    return Sample(
        factors=_french_factors(),
        sp500=spx,
        yields=moody,
        source=(
            "arch package data: Ken French data library (factors), Yahoo ^GSPC (sp500), "
            "FRED Moody's AAA/BAA (yields)"
        ),
    )
