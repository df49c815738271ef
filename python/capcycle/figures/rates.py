"""Figure 1: small vs large caps against the 2-year yield, and their rolling correlation."""

from __future__ import annotations

import math

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

import capcycle
from capcycle._dates import to_timestamp
from capcycle import rolling
from capcycle.figures._style import GREY, NAVY, ORANGE, as_series, day_label, footnote, last_valid, new_figure, percent_axis


FIG1_SOURCE = (
    "iShares Core S&P Small-Cap ETF (IJR) and SPDR S&P 500 ETF (SPY) dividend-adjusted "
    "closes standing for the S&P 600 and S&P 500 (Yahoo); 2-year Treasury yield, FRED DGS2"
)


def figure1_data(
    small: pd.Series,
    large: pd.Series,
    yield_2y: pd.Series,
    *,
    start: str | pd.Timestamp = "2022-01-01",
    asof: str | pd.Timestamp = "2024-08-20",
    window: int = 63,
) -> pd.DataFrame:
    """Relative performance, the 2-year yield and their rolling correlation.

    Parameters
    ----------
    small, large : Series
        Daily total-return levels (adjusted closes) of the small- and large-cap index.
    yield_2y : Series
        Daily 2-year Treasury yield in percent (FRED DGS2; missing days may be NaN).
    start, asof : date-like
        The chart window; the relative performance is rebased to 1 at the first common
        date on or after ``start``.
    window : int
        Rolling window of the correlation, in observations (63 trading days: a quarter).
        It is computed on the whole history up to ``asof`` so the chart's first days
        already have a value.

    Returns
    -------
    DataFrame
        Indexed by the trading days of the window, columns ``relative`` (small/large,
        1 at the start), ``yield_2y`` (percent), ``excess`` (daily r_small - r_large),
        ``yield_change`` (daily change, percentage points) and ``corr`` (the rolling
        correlation of ``excess`` and ``yield_change``).
    """
    small = as_series(small, "small")
    large = as_series(large, "large")
    yld = as_series(yield_2y, "yield_2y")
    start, asof = to_timestamp(start, "start"), to_timestamp(asof, "asof")
    if window < 2:
        raise ValueError(f"window must be at least 2 observations, got {window}")
    excess = capcycle.excess_returns(small.loc[:asof], large.loc[:asof])
    # Yield changes between consecutive published days (holidays dropped, not zeroed).
    yld_obs = yld.loc[:asof].dropna()
    pair = pd.concat({"excess": excess, "yield_change": yld_obs.diff()}, axis=1, join="inner").dropna()
    corr = rolling.corr(pair["excess"], pair["yield_change"], window)
    rel = capcycle.relative_performance(small.loc[start:asof], large.loc[start:asof])
    out = pd.DataFrame({"relative": rel})
    out["yield_2y"] = yld_obs.reindex(out.index)
    out["excess"] = pair["excess"].reindex(out.index)
    out["yield_change"] = pair["yield_change"].reindex(out.index)
    out["corr"] = pd.Series(corr, index=pair.index).reindex(out.index)
    out.attrs.update(window=window, start=start, asof=asof)
    return out


def figure1_summary(data: pd.DataFrame) -> dict[str, float]:
    """``rolling_corr_latest`` (last correlation up to as-of), ``rel_perf_change_2022_to_asof``
    (small/large relative change from the first day of the window to as-of),
    the 2-year yield at both ends (decimal: 0.0473 is 4.73 %) and its change."""
    rel = data["relative"].dropna()
    _, corr_last = last_valid(data["corr"])
    y = data["yield_2y"].dropna()
    return {
        "rolling_corr_latest": corr_last,
        "rel_perf_change_2022_to_asof": float(rel.iloc[-1] / rel.iloc[0] - 1) if len(rel) else math.nan,
        "yield_2y_start": float(y.iloc[0]) / 100 if len(y) else math.nan,
        "yield_2y_asof": float(y.iloc[-1]) / 100 if len(y) else math.nan,
        "yield_2y_change": float(y.iloc[-1] - y.iloc[0]) / 100 if len(y) else math.nan,
    }


def figure1(
    small: pd.Series,
    large: pd.Series,
    yield_2y: pd.Series,
    *,
    start: str | pd.Timestamp = "2022-01-01",
    asof: str | pd.Timestamp = "2024-08-20",
    window: int = 63,
    labels: tuple[str, str] = ("S&P 600", "S&P 500"),
    source: str = FIG1_SOURCE,
) -> Figure:
    """Figure 1: small vs large relative performance against the 2-year yield (inverted
    right axis), and their rolling correlation below. See ``figure1_data``."""
    data = figure1_data(small, large, yield_2y, start=start, asof=asof, window=window)
    s = figure1_summary(data)
    fig = new_figure(9.0, 6.0)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(2.2, 1))
    rel = data["relative"] - 1
    top.plot(rel.index, rel.to_numpy(), color=NAVY, lw=1.6, label=f"{labels[0]} / {labels[1]} (left)")
    top.axhline(0, color=GREY, lw=0.6)
    top.yaxis.set_major_formatter(percent_axis())
    top.set_ylabel(f"{labels[0]} vs {labels[1]},\ncumulative relative return")
    right = top.twinx()
    right.plot(data.index, data["yield_2y"].to_numpy(), color=ORANGE, lw=1.3, label="2-year Treasury yield (right, inverted)")
    right.invert_yaxis()
    right.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.1f}%"))
    right.set_ylabel("2-year Treasury yield, % (inverted)")
    handles = top.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    top.legend(handles, [str(h.get_label()) for h in handles], loc="lower left", fontsize=8, frameon=False)
    top.set_title(
        f"Small vs large caps and the 2-year yield: {labels[0]}/{labels[1]} "
        f"{s['rel_perf_change_2022_to_asof']:+.1%} since {day_label(data.index[0])}",
        fontsize=11,
        loc="left",
    )
    bottom.plot(data.index, data["corr"].to_numpy(), color=NAVY, lw=1.2)
    bottom.axhline(0, color=GREY, lw=0.6)
    bottom.set_ylim(-1, 1)
    bottom.set_ylabel(f"Rolling {window}-day\ncorrelation")
    bottom.set_xlabel("Date")
    bottom.set_title(
        f"Correlation of daily excess returns ({labels[0]} - {labels[1]}) with daily 2-year "
        f"yield changes, {window} trading days (latest {s['rolling_corr_latest']:+.2f})",
        fontsize=9,
        loc="left",
    )
    footnote(fig, source, data.index[-1])
    return fig


