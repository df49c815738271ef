"""Figure 5: does quality help small caps after a first Fed cut?

The note recommends *high-quality* small caps for the easing cycle. Ken French's 25
portfolios formed on size and operating profitability (``25_Portfolios_ME_OP_5x5``)
test it on public data: within the smallest size quintile, the robust-profitability
portfolio (``SMALL HiOP``) against the weak one (``SMALL LoOP``), value-weighted,
around each first cut, with figure 3's event machinery (``figure3_data``: paths
rebased at the last month-end on or before the cut, the bootstrap band of the mean,
the placebo percentile). A second panel shows how far small caps trail big caps in
profitability: the average OP of the smallest minus the biggest size quintile over
time (robust to the few firms with near-zero book equity: :func:`profitability_gap`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from capcycle.figures._style import (
    GREY,
    NAVY,
    ORANGE,
    PercentTicks,
    as_frame,
    footnote,
    last_valid,
    new_figure,
)
from capcycle.figures.first_cuts import Figure3Data, figure3_data, figure3_summary, size_relative_index

FIG5_SOURCE = (
    "Kenneth R. French data library, 25 Portfolios Formed on Size and Operating "
    "Profitability (5x5): value-weighted monthly returns, number of firms, average market "
    "cap and value-weighted average OP; cuts from FRED DFEDTAR/DFEDTARU"
)


@dataclass
class Figure5Data:
    """What figure 5 shows: ``events`` (figure 3's event study of ``robust`` over
    ``weak``: paths, summary, band, placebo, missing cycles) and ``profitability``
    (:func:`profitability_gap`: ``small``, ``big``, ``gap`` and their value-weighted
    twins ``small_vw``, ``big_vw``, ``gap_vw``)."""

    events: Figure3Data
    profitability: pd.DataFrame
    robust: str = "SMALL HiOP"
    weak: str = "SMALL LoOP"


def figure5_inputs(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Figure 5's keyword arguments from the tables of ``25_Portfolios_ME_OP_5x5``
    (``capcycle.data.french``): the value-weighted monthly returns (the file's first,
    untitled table), the VW average OP, the number of firms and the average market cap."""

    def find(*needles: str) -> pd.DataFrame:
        for key, frame in tables.items():
            if all(n in key.lower() for n in needles):
                return frame
        raise KeyError(f"25_Portfolios_ME_OP_5x5: no table with {needles} among {list(tables)}")

    # The first table, untitled in the shared copy ("main"), is titled "Average Value
    # Weighted Returns -- Monthly" in Ken French's own file.
    returns = [
        f
        for k, f in tables.items()
        if k == "main" or all(n in k.lower() for n in ("value weight", "monthly"))
    ]
    if not returns:
        raise KeyError(
            f"25_Portfolios_ME_OP_5x5: no value-weighted monthly return table among {list(tables)}"
        )
    return {
        "returns": returns[0],
        "op": find("average of op"),
        "firms": find("number of firms"),
        "size": find("average market cap"),
    }


def profitability_gap(op: pd.DataFrame, firms: pd.DataFrame, size: pd.DataFrame) -> pd.DataFrame:
    """Average operating profitability of the smallest and biggest size quintiles.

    ``op``, ``firms`` and ``size`` are the VW average OP, number of firms and average
    market cap tables of ``25_Portfolios_ME_OP_5x5`` (25 columns in Ken French's order:
    ME1 OP1 .. ME1 OP5, ..., ME5 OP1 .. ME5 OP5). OP is operating profit over book
    equity of the prior fiscal year; a portfolio's market equity is its number of
    firms times its average market cap.

    Two averages per quintile, each weighting the quintile's five OP portfolios by
    their market equity:

    - ``small_vw``, ``big_vw``: of the portfolios' own VW average OP, the literal
      value-weighted average. A few firms with book equity near zero make it explode
      in some years (the smallest quintile's falls below -2,000 % in 2019-2020, the
      biggest's passes +100 %), so it says more about those firms than about the rest.
    - ``small``, ``big`` (robust, the one the figure shows): each OP portfolio counts
      at the median OP of its column across the five size quintiles that month (the
      typical OP of, say, the weakest-profitability fifth), so the average moves with
      where the quintile's market equity sits on the profitability scale, not with
      the extreme firms. The OP breakpoints are NYSE quintiles, the same for every size.

    ``gap`` = ``small - big`` and ``gap_vw`` = ``small_vw - big_vw``. Months where an
    input is missing are NaN.
    """
    op, firms, size = as_frame(op, "op"), as_frame(firms, "firms"), as_frame(size, "size")
    for name, frame in (("op", op), ("firms", firms), ("size", size)):
        if frame.shape[1] != 25:
            raise ValueError(
                f"{name} must have the 25 portfolio columns of 25_Portfolios_ME_OP_5x5, got {frame.shape[1]}"
            )
    index = op.index.intersection(firms.index).intersection(size.index)
    grid = (len(index), 5, 5)  # month, size quintile, OP quintile
    ratio = op.loc[index].to_numpy().reshape(grid)
    weight = (firms.loc[index].to_numpy() * size.loc[index].to_numpy()).reshape(grid)
    typical = np.median(ratio, axis=1)  # NaN if any size quintile lacks it

    def average(values: np.ndarray, quintile: int) -> np.ndarray:
        w = weight[:, quintile, :]
        return (w * values).sum(axis=1) / w.sum(axis=1)

    out = pd.DataFrame(
        {
            "small": average(typical, 0),
            "big": average(typical, 4),
            "small_vw": average(ratio[:, 0, :], 0),
            "big_vw": average(ratio[:, 4, :], 4),
        },
        index=index,
    )
    out["gap"] = out["small"] - out["big"]
    out["gap_vw"] = out["small_vw"] - out["big_vw"]
    return out[["small", "big", "gap", "small_vw", "big_vw", "gap_vw"]]


def figure5_data(
    returns: pd.DataFrame,
    op: pd.DataFrame,
    firms: pd.DataFrame,
    size: pd.DataFrame,
    cuts: Any = None,
    *,
    robust: str = "SMALL HiOP",
    weak: str = "SMALL LoOP",
    before: int = 12,
    after: int = 12,
    n_boot: int = 2000,
    n_placebo: int = 500,
    seed: int = 2024,
) -> Figure5Data:
    """Robust over weak profitability within small caps around first cuts, and the
    profitability gap between the smallest and biggest size quintiles.

    Parameters
    ----------
    returns : DataFrame
        Value-weighted monthly returns (decimal) of the 25 size x OP portfolios.
    op, firms, size : DataFrame
        Their VW average OP, number of firms and average market cap (see
        :func:`profitability_gap`).
    cuts : dates, optional
        First cuts (default ``CYCLE_CUTS``: 2001, 2007, 2019; ``capcycle.fed.FIRST_CUTS``
        for every cycle since 1989).
    robust, weak : str
        The columns compared (``robust`` over ``weak``).
    before, after, n_boot, n_placebo, seed
        As in :func:`capcycle.figures.figure3_data`.
    """
    returns = as_frame(returns, "returns")
    for column, arg in ((robust, "robust"), (weak, "weak")):
        if column not in returns.columns:
            raise ValueError(f"{arg}={column!r} is not a column of returns: {list(returns.columns)}")
    relative = size_relative_index(returns, robust, weak)
    events = figure3_data(
        relative, cuts, before=before, after=after, n_boot=n_boot, n_placebo=n_placebo, seed=seed
    )
    return Figure5Data(events, profitability_gap(op, firms, size), robust, weak)


def figure5_summary(data: Figure5Data) -> dict[str, float]:
    """``after_12m_<year>`` (robust over weak, from the cut to +12 months) per cycle,
    ``after_12m_mean``, ``placebo_percentile_12m`` (figure 3's definitions) and
    ``op_gap_latest`` (the last robust OP gap, small minus big: :func:`profitability_gap`)."""
    rows = figure3_summary(data.events)
    a = data.events.after
    keep = {k: v for k, v in rows.items() if k.startswith(f"after_{a}m_") or k == f"placebo_percentile_{a}m"}
    keep["op_gap_latest"] = last_valid(data.profitability["gap"])[1]
    return keep


def figure5(
    returns: pd.DataFrame,
    op: pd.DataFrame,
    firms: pd.DataFrame,
    size: pd.DataFrame,
    cuts: Any = None,
    *,
    robust: str = "SMALL HiOP",
    weak: str = "SMALL LoOP",
    before: int = 12,
    after: int = 12,
    source: str = FIG5_SOURCE,
    n_boot: int = 2000,
    n_placebo: int = 500,
    seed: int = 2024,
) -> Figure:
    """Figure 5: robust over weak profitability within small caps around each first cut
    (one line per cycle, their mean and its bootstrap band), above the profitability
    gap between the smallest and biggest size quintiles over time."""
    data = figure5_data(
        returns,
        op,
        firms,
        size,
        cuts,
        robust=robust,
        weak=weak,
        before=before,
        after=after,
        n_boot=n_boot,
        n_placebo=n_placebo,
        seed=seed,
    )
    s = figure5_summary(data)
    ev = data.events
    fig = new_figure(9.0, 8.0)
    top, bottom = fig.subplots(2, 1, height_ratios=[3, 2])
    x = ev.paths.index.to_numpy()
    palette = ["#4e79a7", "#59a14f", "#b07aa1", "#9c755f", "#76b7b2", "#edc948", "#ff9da7"]
    for color, col in zip(palette * 2, ev.paths.columns, strict=False):
        if ev.paths[col].notna().any():
            top.plot(x, ev.paths[col].to_numpy(), color=color, lw=1.3, label=f"First cut {col}")
    if ev.band is not None:
        top.fill_between(
            x,
            ev.band["lower"].to_numpy(),
            ev.band["upper"].to_numpy(),
            color=NAVY,
            alpha=0.12,
            lw=0,
            label="Bootstrap 90% band of the mean",
        )
    top.plot(x, ev.paths.mean(axis=1).to_numpy(), color=NAVY, lw=2.6, label="Mean of the cycles")
    top.axvline(0, color=GREY, lw=0.8)
    top.axhline(0, color=GREY, lw=0.6)
    top.yaxis.set_major_formatter(PercentTicks())
    top.set_xlim(-before, after)
    top.set_xlabel("Months from the first Fed rate cut (0 = last month-end on or before the cut)")
    top.set_ylabel(f"{robust} vs {weak} (value-weighted),\nrelative return since the cut")
    after_rows = ev.paths.loc[after].dropna()
    wins = int(np.count_nonzero(after_rows.to_numpy() > 0))
    mean_after = s[f"after_{after}m_mean"]
    top.set_title(
        f"Robust vs weak profitability within small caps: {mean_after:+.1%} on average\n{after} months "
        f"after the first Fed cut; robust ahead in {wins} of {len(after_rows)} cycles",
        fontsize=10.5,
        loc="left",
    )
    top.legend(loc="best", fontsize=8, frameon=False)

    prof = data.profitability
    bottom.plot(
        prof.index,
        prof["gap_vw"].to_numpy(),
        color=ORANGE,
        lw=0.7,
        alpha=0.7,
        label="Literal value-weighted average (dominated by firms with near-zero book equity)",
    )
    bottom.plot(
        prof.index,
        prof["gap"].to_numpy(),
        color=NAVY,
        lw=2.0,
        label="Each profitability fifth at its typical OP (median across sizes)",
    )
    bottom.axhline(0, color=GREY, lw=0.6)
    # The literal average leaves any sensible scale in several years: the axis is the
    # robust gap's, and the footnote counts the literal months it cannot show.
    low, high = min(np.nanmin(prof["gap"]), 0.0), max(np.nanmax(prof["gap"]), 0.0)
    pad = 0.25 * (high - low)
    bottom.set_ylim(low - pad, high + pad)
    outside = prof["gap_vw"][(prof["gap_vw"] < low - pad) | (prof["gap_vw"] > high + pad)]
    bottom.yaxis.set_major_formatter(PercentTicks())
    bottom.set_ylabel("Average OP, smallest minus\nbiggest size quintile (pts)")
    gap = prof["gap"].dropna()
    span = (
        f"{gap.iloc[0]:+.0%} in {gap.index[0]:%Y} to {gap.iloc[-1]:+.0%} in {gap.index[-1]:%b %Y}"
        if len(gap)
        else "no data"
    )
    bottom.set_title(
        f"Small caps' profitability gap (OP = operating profit / book equity): {span}",
        fontsize=10.5,
        loc="left",
    )
    bottom.legend(loc="lower left", fontsize=8, frameon=False)
    extra = []
    placebo = s[f"placebo_percentile_{after}m"]
    if not math.isnan(placebo):
        extra.append(
            f"Placebo: the mean +{after}-month change ranks at the {placebo:.0%} percentile of the same windows "
            "around random dates."
        )
    for year, why in ev.missing.items():
        extra.append(f"{year} cycle not shown: {why}.")
    if len(outside):
        extra.append(
            f"Lower panel: the literal average is off the scale in {len(outside)} months "
            f"(from {outside.min():+.0%} to {outside.max():+.0%})."
        )
    asof = as_frame(returns, "returns").dropna(how="all").index[-1]
    footnote(fig, source, asof, " ".join(extra))
    return fig
