"""The summary rows of `capcycle reproduce` against independent computations.

Each reference below reads the shared CSV files with plain pandas (no capcycle
loader, no capcycle kernel) and recomputes the number the way the research note
defines it; the package's figure pipeline must agree. Nothing is compared with a
constant except the sign/size facts the note itself states.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import capcycle.figures as cf

ASOF = pd.Timestamp("2024-08-20")


# ------------------------------------------------------------------ plain-pandas readers


def _yahoo(path: Path) -> pd.Series:
    frame = pd.read_csv(path, index_col="Date", parse_dates=True)
    col = "Adj Close" if "Adj Close" in frame.columns else "Close"
    return frame[col].astype(float)


def _dgs2(path: Path) -> pd.Series:
    frame = pd.read_csv(path, index_col=0, parse_dates=True)
    return pd.to_numeric(frame.iloc[:, 0], errors="coerce")


def _french_block(path: Path, title: str | None) -> pd.DataFrame:
    """The block after the line containing `title` (None: the first block)."""
    lines = path.read_text().splitlines()
    start = 0
    if title is not None:
        start = next(i for i, line in enumerate(lines) if title in line)
        while not lines[start].startswith(","):
            start += 1
    header = [h.strip() for h in lines[start].split(",")]
    rows = []
    for line in lines[start + 1 :]:
        cells = [c.strip() for c in line.split(",")]
        if not cells[0].isdigit() or len(cells[0]) != 6:
            break
        rows.append(cells)
    frame = pd.DataFrame([r[1:] for r in rows], columns=header[1:]).astype(float)
    frame.index = pd.to_datetime([r[0] for r in rows], format="%Y%m") + pd.offsets.MonthEnd(0)
    return frame.replace(-99.99, np.nan)


# ------------------------------------------------------------------ pipeline under test


@pytest.fixture(scope="module")
def inputs(data_dir: Path) -> cf.Inputs:
    got = cf.load_inputs(data_dir)
    assert got.reasons == {}, got.reasons
    return got


def _close(a: float, b: float, tol: float = 1e-9) -> bool:
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


# ------------------------------------------------------------------ figure 1


def test_fig1_rows(inputs: cf.Inputs, data_dir: Path) -> None:
    got = cf.figure1_summary(cf.figure1_data(**inputs.fig1))
    ijr = _yahoo(data_dir / "prices" / "IJR.csv")
    spy = _yahoo(data_dir / "prices" / "SPY.csv")
    both = pd.concat({"s": ijr, "l": spy}, axis=1, join="inner").loc[:ASOF]
    window = both.loc["2022-01-01":]
    ratio = window["s"] / window["l"]
    assert _close(got["rel_perf_change_2022_to_asof"], ratio.iloc[-1] / ratio.iloc[0] - 1)

    rets = both.pct_change()
    excess = (rets["s"] - rets["l"]).dropna()
    dy = _dgs2(data_dir / "fred" / "DGS2.csv").loc[:ASOF].dropna().diff()
    pair = pd.concat({"e": excess, "dy": dy}, axis=1, join="inner").dropna()
    ref = pair["e"].rolling(63).corr(pair["dy"]).dropna().iloc[-1]
    assert _close(got["rolling_corr_latest"], ref, 1e-7)
    assert -1 <= got["rolling_corr_latest"] <= 1
    # the note: small caps lagged while the 2-year yield rose from under 1 % to about 4 %
    assert got["rel_perf_change_2022_to_asof"] < 0


# ------------------------------------------------------------------ figure 2


def test_fig2_rows(inputs: cf.Inputs, data_dir: Path) -> None:
    got = cf.figure2_summary(cf.figure2_data(**inputs.fig2))
    iwm = _yahoo(data_dir / "prices" / "IWM.csv")
    iwb = _yahoo(data_dir / "prices" / "IWB.csv")
    both = pd.concat({"s": iwm, "l": iwb}, axis=1, join="inner")
    rets = both.pct_change()
    excess = (rets["s"] - rets["l"]).loc["2024-07-01":"2024-08-26"]
    assert _close(got["excess_return_2024-07-11"], excess.loc["2024-07-11"])
    assert got["excess_return_2024-07-11"] > 0.04  # the note: small beat large by > 4 pp that day
    assert got["max_excess_day"] == excess.idxmax()  # a Timestamp; YYYYMMDD only in summary.csv
    assert _close(got["max_excess_return"], excess.max())
    june_end = both.loc[:"2024-06-30"].iloc[-1]
    july_end = both.loc[:"2024-07-31"].iloc[-1]
    ref_july = (july_end["s"] / june_end["s"]) / (july_end["l"] / june_end["l"]) - 1
    assert _close(got["excess_return_july_2024"], ref_july)


# ------------------------------------------------------------------ figure 3


def test_fig3_rows(inputs: cf.Inputs, data_dir: Path) -> None:
    got = cf.figure3_summary(cf.figure3_data(**inputs.fig3, n_boot=0, n_placebo=0))
    vw = _french_block(data_dir / "french" / "Portfolios_Formed_on_ME.csv", None) / 100
    rel = (1 + vw["Lo 30"]).cumprod() / (1 + vw["Hi 30"]).cumprod()
    afters, befores = [], []
    for cut in ["2001-01-03", "2007-09-18", "2019-07-31"]:
        base = rel.index[rel.index <= pd.Timestamp(cut)][-1]
        t0 = rel.index.get_loc(base)
        after = rel.iloc[t0 + 12] / rel.iloc[t0] - 1
        before = rel.iloc[t0] / rel.iloc[t0 - 12] - 1
        assert _close(got[f"after_12m_{cut[:4]}"], after), cut
        afters.append(after)
        befores.append(before)
    assert _close(got["after_12m_mean"], float(np.mean(afters)))
    assert _close(got["before_12m_mean"], float(np.mean(befores)))


def test_fig3_etf_cross_check(inputs: cf.Inputs, data_dir: Path) -> None:
    got = cf.figure3_summary(cf.figure3_data(**inputs.fig3, n_boot=0, n_placebo=0))
    iwm = _yahoo(data_dir / "prices" / "IWM.csv")
    iwb = _yahoo(data_dir / "prices" / "IWB.csv")
    both = pd.concat({"s": iwm, "l": iwb}, axis=1, join="inner")
    month_end = both.groupby(both.index.to_period("M")).last()
    ratio = month_end["s"] / month_end["l"]
    # the ETFs start in May 2000: the 2001 cycle has no look-back but does have its +12 months
    for cut in ["2001-01-03", "2007-09-18", "2019-07-31"]:
        p = pd.Timestamp(cut).to_period("M")
        if pd.Timestamp(cut) != pd.Timestamp(cut) + pd.offsets.MonthEnd(0):
            p = p - 1  # base: the last month-end on or before the cut
        ref = ratio.loc[p + 12] / ratio.loc[p] - 1
        assert _close(got[f"etf_after_12m_{cut[:4]}"], ref), cut


# ------------------------------------------------------------------ figure 4


def test_fig4_rows(inputs: cf.Inputs, data_dir: Path) -> None:
    got = cf.figure4_summary(cf.figure4_data(**inputs.fig4))
    path = data_dir / "french" / "25_Portfolios_5x5.csv"
    n = _french_block(path, "Number of Firms in Portfolios")
    cap = _french_block(path, "Average Market Cap")
    bm = _french_block(path, "Value Weight Average of BE/ME")
    me = n * cap
    pb = {}
    for name, cols in (("small", list(range(5))), ("big", list(range(20, 25)))):
        m, b = me.iloc[:, cols], bm.iloc[:, cols].where(bm.iloc[:, cols] > 0)
        pb[name] = m.sum(axis=1, skipna=False) / (m.to_numpy() * b.to_numpy()).sum(axis=1)
    ratio = (pb["small"] / pb["big"]).loc["1963-07-01":].dropna()
    median = ratio.median()
    assert _close(got["ratio_latest"], ratio.iloc[-1])
    assert _close(got["ratio_median"], median)
    assert _close(got["zscore_latest"], (ratio.iloc[-1] - median) / ratio.std(ddof=1), 1e-8)
