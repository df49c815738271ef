"""Every figure's inputs, from a data folder or the embedded sample, and why one is missing."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

import capcycle
from capcycle.figures.first_cuts import size_relative_index
from capcycle.figures.quality import figure5_inputs
from capcycle.figures.relative_valuation import read_multiples, size_pb_proxy


@dataclass
class Inputs:
    """Keyword arguments for each figure (``fig1`` .. ``fig5``; None when the data cannot
    give it), the source that feeds each figure, and the reason for each missing one."""

    fig1: dict[str, Any] | None = None
    fig2: dict[str, Any] | None = None
    fig3: dict[str, Any] | None = None
    fig4: dict[str, Any] | None = None
    fig5: dict[str, Any] | None = None
    sources: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)


def _french_table(tables: dict[str, pd.DataFrame], *needles: str, avoid: tuple[str, ...] = ()) -> pd.DataFrame:
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


def load_inputs(data_dir: str | os.PathLike[str], *, multiples: str | os.PathLike[str] | None = None) -> Inputs:
    """Every figure's inputs from a data folder in the ``capcycle.data`` layout.

    ``multiples``: a user's CSV of forward P/Es (see ``read_multiples``) that replaces
    the price-to-book proxy of figure 4.
    """
    from capcycle import data as cd

    root = Path(data_dir)
    inputs = Inputs()

    def prices(ticker: str) -> pd.Series:
        return cd.read_prices(root / "prices" / f"{ticker}.csv")

    try:
        inputs.fig1 = {"small": prices("IJR"), "large": prices("SPY"), "yield_2y": cd.fred("DGS2", data_dir=root)}
        inputs.sources["fig1"] = "prices/IJR.csv, prices/SPY.csv (adjusted closes), fred/DGS2.csv"
    except Exception as exc:  # noqa: BLE001 - any failure becomes a reason, not a crash
        inputs.reasons["fig1"] = f"{type(exc).__name__}: {exc}"
    try:
        iwm, iwb = prices("IWM"), prices("IWB")
        inputs.fig2 = {"small": iwm, "large": iwb}
        inputs.sources["fig2"] = "prices/IWM.csv, prices/IWB.csv (adjusted closes), capcycle.calendar"
    except Exception as exc:  # noqa: BLE001
        iwm = iwb = None
        inputs.reasons["fig2"] = f"{type(exc).__name__}: {exc}"
    try:
        size = _french_table(cd.french("Portfolios_Formed_on_ME", data_dir=root), "value weight", "monthly")
        rel = size_relative_index(size, "Lo 30", "Hi 30")
        cross = None
        if iwm is not None and iwb is not None:
            cross = capcycle.relative_performance(_monthly(iwm), _monthly(iwb))
        inputs.fig3 = {"relative": rel, "cross_check": cross}
        inputs.sources["fig3"] = (
            "french/Portfolios_Formed_on_ME.csv (VW monthly, Lo 30 vs Hi 30)"
            + ("; cross-check prices/IWM.csv vs IWB.csv month-ends" if cross is not None else "")
        )
    except Exception as exc:  # noqa: BLE001
        inputs.reasons["fig3"] = f"{type(exc).__name__}: {exc}"
    try:
        if multiples is not None:
            inputs.fig4 = {"ratio": read_multiples(multiples), "measure": "Forward P/E", "labels": ("small caps", "large caps"),
                           "source": f"user file {os.fspath(multiples)}"}
            inputs.sources["fig4"] = f"user multiples {os.fspath(multiples)}"
        else:
            t = cd.french("25_Portfolios_5x5", data_dir=root)
            proxy = size_pb_proxy(
                _french_table(t, "of be/me"),
                _french_table(t, "number of firms"),
                _french_table(t, "average market cap"),
            )
            inputs.fig4 = {"ratio": proxy["ratio"], "start": "1963-07-01"}
            inputs.sources["fig4"] = (
                "french/25_Portfolios_5x5.csv (BE/ME, number of firms, average market cap): "
                "price-to-book PROXY, smallest vs biggest size quintile, since 1963-07"
            )
    except Exception as exc:  # noqa: BLE001
        inputs.reasons["fig4"] = f"{type(exc).__name__}: {exc}"
    try:
        inputs.fig5 = figure5_inputs(cd.french("25_Portfolios_ME_OP_5x5", data_dir=root))
        inputs.sources["fig5"] = (
            "french/25_Portfolios_ME_OP_5x5.csv (VW monthly returns, number of firms, average market cap, VW average OP)"
        )
    except Exception as exc:  # noqa: BLE001
        inputs.reasons["fig5"] = f"{type(exc).__name__}: {exc}"
    return inputs


SAMPLE_FIG3_SOURCE = (
    "Kenneth R. French data library via the arch package (capcycle.data.sample): "
    "cumulated monthly SMB factor (small minus big), a PROXY for small vs large caps"
)


def sample_inputs() -> Inputs:
    """The inputs the embedded sample (``capcycle.data.sample()``) can give.

    It holds monthly Fama-French factors to 2018-11, the daily S&P 500 (a price index)
    and Moody's corporate yields: enough for figure 3 on the 2001 and 2007 cycles
    through the SMB factor, not for figures 1, 2 and 4.
    """
    from capcycle.data import sample

    s = sample()
    inputs = Inputs()
    end = s.factors.index[-1]
    why_daily = (
        f"the embedded sample has no small-cap index levels (only the S&P 500 price index "
        f"and monthly factors, to {end:%Y-%m})"
    )
    inputs.reasons["fig1"] = f"{why_daily} and no 2-year Treasury yield; run with --data DIR"
    inputs.reasons["fig2"] = f"{why_daily}, and it ends before July 2024; run with --data DIR"
    inputs.reasons["fig4"] = "the embedded sample has no valuation data (BE/ME or P/E); run with --data DIR"
    inputs.reasons["fig5"] = "the embedded sample has no size x profitability portfolios; run with --data DIR"
    smb = s.factors["SMB"]
    rel = capcycle.relative_performance(smb, pd.Series(0.0, index=smb.index), kind="returns")
    rel.name = "SMB (sample)"
    inputs.fig3 = {
        "relative": rel,
        "labels": ("Small caps (SMB factor)", "large caps"),
        "source": SAMPLE_FIG3_SOURCE,
    }
    inputs.sources["fig3"] = f"embedded sample (arch): monthly SMB factor to {end:%Y-%m}"
    return inputs


