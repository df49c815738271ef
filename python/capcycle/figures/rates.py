"""Figure 1: small vs large caps against the 2-year yield, and their rolling correlation."""

from __future__ import annotations

import math

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

import capcycle
from capcycle import rolling
from capcycle._dates import to_timestamp
from capcycle.figures._style import (
    GREY,
    NAVY,
    ORANGE,
    PercentTicks,
    as_series,
    day_label,
    footnote,
    last_valid,
    name_of,
    new_figure,
    set_title,
    stated,
    unstated_source,
)

FIG1_SOURCE = (
    "iShares Core S&P Small-Cap ETF (IJR) and SPDR S&P 500 ETF (SPY) dividend-adjusted "
    "closes standing for the S&P 600 and S&P 500 (Yahoo); 2-year Treasury yield, FRED DGS2"
)
#: The names of the note's inputs (``capcycle.data`` names each series by its file):
#: only these get the note's labels and ``FIG1_SOURCE`` by default.
_NOTE_NAMES = ("IJR", "SPY", "DGS2")


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


def _since(start: pd.Timestamp) -> str:
    """``2022`` for a window from 1 January, else the ISO date: the summary key's start."""
    return f"{start:%Y}" if (start.month, start.day) == (1, 1) else f"{start:%Y-%m-%d}"


def figure1_summary(data: pd.DataFrame) -> dict[str, float]:
    """``rolling_corr_latest`` (last correlation up to as-of), ``rel_perf_change_<start>_to_asof``
    (small/large relative change from the first day of the window to as-of; ``<start>`` is
    the year of a window from 1 January, as ``2022`` for the note's, else the ISO date),
    the 2-year yield at both ends (decimal: 0.0473 is 4.73 %) and its change."""
    rel = data["relative"].dropna()
    _, corr_last = last_valid(data["corr"])
    y = data["yield_2y"].dropna()
    return {
        "rolling_corr_latest": corr_last,
        f"rel_perf_change_{_since(data.attrs['start'])}_to_asof": (
            float(rel.iloc[-1] / rel.iloc[0] - 1) if len(rel) else math.nan
        ),
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
    labels: tuple[str, str] | None = None,
    yield_label: str | None = None,
    source: str | None = None,
) -> Figure:
    """Figure 1: small vs large relative performance against the 2-year yield (inverted
    right axis), and their rolling correlation below. See ``figure1_data``.

    The text comes from the inputs: ``labels`` (small, large) default to the series'
    names, ``yield_label`` to "2-year yield (<name>)" and ``source`` to "not stated".
    Only the note's inputs (series named IJR, SPY and DGS2, as ``capcycle.data`` names
    them) get the note's labels (S&P 600, S&P 500), "2-year Treasury yield" and
    ``FIG1_SOURCE``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import capcycle.figures as cf
    >>> days = pd.bdate_range("2019-01-01", "2020-12-31")
    >>> up = pd.Series(np.linspace(100, 130, len(days)), index=days, name="Small fund")
    >>> flat = pd.Series(100.0, index=days, name="Large fund")
    >>> yld = pd.Series(np.linspace(2.5, 0.2, len(days)), index=days)
    >>> fig = cf.figure1(up, flat, yld, start="2020-01-01", asof="2020-12-31", source="my files")
    >>> fig.axes[0].get_title(loc="left")
    'Small fund vs Large fund and the 2-year yield: +13.0% since 1 Jan 2020'
    """
    data = figure1_data(small, large, yield_2y, start=start, asof=asof, window=window)
    s = figure1_summary(data)
    names = (name_of(small, "small-cap series"), name_of(large, "large-cap series"), name_of(yield_2y, ""))
    small_label, large_label = stated(labels, names, _NOTE_NAMES, ("S&P 600", "S&P 500"), names[:2])
    yield_text = stated(
        yield_label,
        names,
        _NOTE_NAMES,
        "2-year Treasury yield",
        f"2-year yield ({names[2]})" if names[2] else "2-year yield",
    )
    note = stated(source, names, _NOTE_NAMES, FIG1_SOURCE, unstated_source([n for n in names if n]))
    fig = new_figure(9.0, 6.0)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(2.2, 1))
    rel = data["relative"] - 1
    top.plot(rel.index, rel.to_numpy(), color=NAVY, lw=1.6, label=f"{small_label} / {large_label} (left)")
    top.axhline(0, color=GREY, lw=0.6)
    top.yaxis.set_major_formatter(PercentTicks())
    top.set_ylabel(f"{small_label} vs {large_label},\ncumulative relative return")
    right = top.twinx()
    right.plot(
        data.index, data["yield_2y"].to_numpy(), color=ORANGE, lw=1.3, label=f"{yield_text} (right, inverted)"
    )
    right.invert_yaxis()
    right.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.1f}%"))
    right.set_ylabel(f"{yield_text}, % (inverted)")
    handles = top.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    top.legend(handles, [str(h.get_label()) for h in handles], loc="lower left", fontsize=8, frameon=False)
    change = s[f"rel_perf_change_{_since(data.attrs['start'])}_to_asof"]
    set_title(
        top,
        f"{small_label} vs {large_label} and the {yield_text}: {change:+.1%} since {day_label(data.index[0])}",
        11,
    )
    bottom.plot(data.index, data["corr"].to_numpy(), color=NAVY, lw=1.2)
    bottom.axhline(0, color=GREY, lw=0.6)
    bottom.set_ylim(-1, 1)
    bottom.set_ylabel(f"Rolling {window}-day\ncorrelation")
    bottom.set_xlabel("Date")
    set_title(
        bottom,
        f"Correlation of daily excess returns ({small_label} - {large_label}) with daily changes "
        f"of the {yield_text}, {window} trading days (latest {s['rolling_corr_latest']:+.2f})",
        9,
    )
    footnote(fig, note, data.index[-1])
    return fig
