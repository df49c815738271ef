"""The four figures of the research note, and the numbers each one reports.

"Positioning for a Small-Cap Market Rotation in Our Model Portfolios" (WisdomTree,
12 September 2024) makes its case with four exhibits. Each has three functions here:

- ``figureN_data(...)``: the computation (through capcycle's kernels: the relative
  performance and excess returns of ``capcycle``, ``capcycle.rolling.corr``,
  ``capcycle.events.event_study``, ``capcycle.valuation``), returning plain pandas
  objects a notebook can show;
- ``figureN_summary(data)``: the numbers the figure reports, ``{metric: float}`` in
  decimal units (0.04 is 4 %); ``capcycle reproduce`` writes them to ``summary.csv``;
- ``figureN(...)``: the matplotlib ``Figure`` (title, axis labels with units,
  source and "as of" date in a footnote). It takes the raw inputs (Series or
  DataFrames), so users can pass their own data.

``load_inputs(data_dir)`` gathers every input from a data folder (the layout of
``capcycle.data``), ``sample_inputs()`` from the embedded sample; both say which
source feeds each figure and why a figure cannot be drawn.

Examples
--------
>>> import capcycle.figures as cf
>>> inputs = cf.load_inputs("/path/to/data")          # doctest: +SKIP
>>> fig = cf.figure2(**inputs.fig2)                     # doctest: +SKIP
>>> cf.figure2_summary(cf.figure2_data(**inputs.fig2))  # doctest: +SKIP
"""

from __future__ import annotations

import math
import os
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

import capcycle
from capcycle import rolling, valuation
from capcycle.calendar import releases

__all__ = [
    "CYCLE_CUTS",
    "Inputs",
    "Figure3Data",
    "figure1",
    "figure1_data",
    "figure1_summary",
    "figure2",
    "figure2_data",
    "figure2_summary",
    "figure3",
    "figure3_data",
    "figure3_summary",
    "figure4",
    "figure4_data",
    "figure4_summary",
    "load_inputs",
    "placeholder",
    "read_multiples",
    "sample_inputs",
    "size_pb_proxy",
    "size_relative_index",
]

#: The first cuts of the three easing cycles the note studies (figure 3). Sources:
#: FRED DFEDTAR (2001-01-03: 6.50 -> 6.00, an intermeeting cut; 2007-09-18: 5.25 ->
#: 4.75) and the FOMC statement of 2019-07-31 (FRED DFEDTARU dates it 2019-08-01).
CYCLE_CUTS: pd.DatetimeIndex = pd.DatetimeIndex(["2001-01-03", "2007-09-18", "2019-07-31"])

_NAVY = "#1f3b63"
_ORANGE = "#e07b00"
_GREEN = "#2e7d32"
_RED = "#c62828"
_GREY = "#7f7f7f"


# ----------------------------------------------------------------------------- helpers


def _series(x: Any, name: str) -> pd.Series:
    if isinstance(x, pd.DataFrame) and x.shape[1] == 1:
        x = x.iloc[:, 0]
    if not isinstance(x, pd.Series):
        raise TypeError(f"{name} must be a pandas Series with a DatetimeIndex, got {type(x).__name__}")
    if not isinstance(x.index, pd.DatetimeIndex):
        raise TypeError(f"{name} must have a DatetimeIndex, got {type(x.index).__name__}")
    if not x.index.is_monotonic_increasing:
        raise ValueError(f"{name} must be sorted by date (its index is not increasing)")
    return x.astype("float64")


def _frame(x: Any, name: str) -> pd.DataFrame:
    if not isinstance(x, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame with a DatetimeIndex, got {type(x).__name__}")
    if not isinstance(x.index, pd.DatetimeIndex):
        raise TypeError(f"{name} must have a DatetimeIndex, got {type(x.index).__name__}")
    return x.astype("float64")


def _day(ts: pd.Timestamp) -> str:
    return f"{ts:%d %b %Y}".lstrip("0")


def _footnote(fig: Figure, source: str, asof: pd.Timestamp, extra: str = "") -> None:
    text = f"Source: {source}. Data as of {_day(asof)}."
    if extra:
        text += f" {extra}"
    width = int(fig.get_figwidth() * 17)  # characters per line at 7 pt
    lines = textwrap.wrap(text, width)
    fig.text(0.01, 0.005, "\n".join(lines), ha="left", va="bottom", fontsize=7, color=_GREY)
    # keep the axes above the footnote, however many lines it takes
    height = (len(lines) * 7 * 1.25 + 6) / 72 / fig.get_figheight()
    fig.get_layout_engine().set(rect=(0, height, 1, 1 - height))


def _new_figure(width: float = 9.0, height: float = 5.5) -> Figure:
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    fig.get_layout_engine().set(h_pad=0.06)
    return fig


def _pct(decimals: int = 0) -> PercentFormatter:
    return PercentFormatter(xmax=1.0, decimals=decimals)


def _last_valid(x: pd.Series) -> tuple[pd.Timestamp | None, float]:
    x = x.dropna()
    if x.empty:
        return None, math.nan
    return x.index[-1], float(x.iloc[-1])


# ----------------------------------------------------------------------------- figure 1

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
    small = _series(small, "small")
    large = _series(large, "large")
    yld = _series(yield_2y, "yield_2y")
    start, asof = pd.Timestamp(start), pd.Timestamp(asof)
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
    _, corr_last = _last_valid(data["corr"])
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
    fig = _new_figure(9.0, 6.0)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(2.2, 1))
    rel = data["relative"] - 1
    top.plot(rel.index, rel.to_numpy(), color=_NAVY, lw=1.6, label=f"{labels[0]} / {labels[1]} (left)")
    top.axhline(0, color=_GREY, lw=0.6)
    top.yaxis.set_major_formatter(_pct())
    top.set_ylabel(f"{labels[0]} vs {labels[1]},\ncumulative relative return")
    right = top.twinx()
    right.plot(data.index, data["yield_2y"].to_numpy(), color=_ORANGE, lw=1.3, label="2-year Treasury yield (right, inverted)")
    right.invert_yaxis()
    right.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.1f}%"))
    right.set_ylabel("2-year Treasury yield, % (inverted)")
    handles = top.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    top.legend(handles, [str(h.get_label()) for h in handles], loc="lower left", fontsize=8, frameon=False)
    top.set_title(
        f"Small vs large caps and the 2-year yield: {labels[0]}/{labels[1]} "
        f"{s['rel_perf_change_2022_to_asof']:+.1%} since {_day(data.index[0])}",
        fontsize=11,
        loc="left",
    )
    bottom.plot(data.index, data["corr"].to_numpy(), color=_NAVY, lw=1.2)
    bottom.axhline(0, color=_GREY, lw=0.6)
    bottom.set_ylim(-1, 1)
    bottom.set_ylabel(f"Rolling {window}-day\ncorrelation")
    bottom.set_xlabel("Date")
    bottom.set_title(
        f"Correlation of daily excess returns ({labels[0]} - {labels[1]}) with daily 2-year "
        f"yield changes, {window} trading days (latest {s['rolling_corr_latest']:+.2f})",
        fontsize=9,
        loc="left",
    )
    _footnote(fig, source, data.index[-1])
    return fig


# ----------------------------------------------------------------------------- figure 2

FIG2_SOURCE = (
    "iShares Russell 2000 ETF (IWM) and Russell 1000 ETF (IWB) dividend-adjusted closes "
    "standing for the Russell 2000 and 1000 (Yahoo); release days from the BLS, ISM and "
    "Federal Reserve calendars (capcycle.calendar)"
)


def figure2_data(
    small: pd.Series,
    large: pd.Series,
    *,
    start: str | pd.Timestamp = "2024-07-01",
    end: str | pd.Timestamp = "2024-08-26",
) -> pd.Series:
    """Daily excess return r_small - r_large over the chart window (decimal).

    The returns are computed on the whole series first, so the first day of the
    window has its return from the previous close.
    """
    small = _series(small, "small")
    large = _series(large, "large")
    excess = capcycle.excess_returns(small, large)
    out = excess.loc[pd.Timestamp(start) : pd.Timestamp(end)].dropna()
    out.name = "excess_return"
    out.attrs.update(
        start=pd.Timestamp(start),
        end=pd.Timestamp(end),
        july=_month_relative(small, large, 2024, 7),
    )
    return out


def _month_relative(small: pd.Series, large: pd.Series, year: int, month: int) -> float:
    """(1 + r_small) / (1 + r_large) - 1 over one calendar month, from the last close of
    the previous month to the last close of the month (both series' common dates)."""
    first = pd.Timestamp(year=year, month=month, day=1)
    last = first + pd.offsets.MonthEnd(0)
    common = small.dropna().index.intersection(large.dropna().index)
    before = common[common < first]
    inside = common[(common >= first) & (common <= last)]
    if before.empty or inside.empty or inside[-1] < last - pd.Timedelta(days=5):
        return math.nan
    rel = capcycle.relative_performance(small.loc[before[-1] : inside[-1]], large.loc[before[-1] : inside[-1]])
    return float(rel.iloc[-1] / rel.iloc[0] - 1)


def figure2_summary(data: pd.Series) -> dict[str, float]:
    """``excess_return_2024-07-11``, ``excess_return_july_2024`` (compounded month),
    ``max_excess_day`` (YYYYMMDD as a number) and ``max_excess_return``."""
    data = data.dropna()
    day = pd.Timestamp("2024-07-11")
    out = {
        "excess_return_2024-07-11": float(data.loc[day]) if day in data.index else math.nan,
        "excess_return_july_2024": float(data.attrs.get("july", math.nan)),
        "max_excess_day": math.nan,
        "max_excess_return": math.nan,
    }
    if len(data):
        top = data.idxmax()
        out["max_excess_day"] = float(top.strftime("%Y%m%d"))
        out["max_excess_return"] = float(data.loc[top])
    return out


def figure2(
    small: pd.Series,
    large: pd.Series,
    *,
    start: str | pd.Timestamp = "2024-07-01",
    end: str | pd.Timestamp = "2024-08-26",
    events: pd.DataFrame | None = None,
    labels: tuple[str, str] = ("Russell 2000", "Russell 1000"),
    source: str = FIG2_SOURCE,
) -> Figure:
    """Figure 2: daily excess return of small over large caps as bars, macro release
    days marked. ``events``: a frame with ``date`` and ``label`` columns (default: the
    shipped ``capcycle.calendar.releases`` of the window)."""
    data = figure2_data(small, large, start=start, end=end)
    s = figure2_summary(data)
    if events is None:
        events = releases(start, end)
    fig = _new_figure(9.0, 5.0)
    ax = fig.subplots()
    x = np.arange(len(data))
    values = data.to_numpy()
    colors = np.where(values >= 0, _GREEN, _RED)
    ax.bar(x, values, color=colors, width=0.75)
    ax.axhline(0, color=_GREY, lw=0.6)
    ax.yaxis.set_major_formatter(_pct(0))
    ax.set_ylabel(f"Daily return, {labels[0]} minus {labels[1]} (%)")
    # one tick per week: the first trading day of each ISO week
    weeks = data.index.isocalendar().week.to_numpy()
    ticks = x[np.r_[True, weeks[1:] != weeks[:-1]]] if len(x) else x
    ax.set_xticks(ticks, [f"{d:%d %b}".lstrip("0") for d in data.index[ticks]], fontsize=8)
    ax.set_xlabel("Trading day, 2024")
    hi = float(np.nanmax(values)) if len(values) else 0.01
    lo = float(np.nanmin(values)) if len(values) else -0.01
    span = max(hi, 0.0) - min(lo, 0.0) or 0.01
    top = max(hi, 0.0) + 0.22 * span
    ax.set_ylim(min(lo, 0.0) - 0.05 * span, top)
    by_day: dict[int, list[str]] = {}
    for _, row in events.iterrows():
        pos = int(data.index.searchsorted(pd.Timestamp(row["date"])))
        if pos < len(data):
            by_day.setdefault(pos, []).append(str(row["label"]))
    last_pos, level = -10, 0
    for pos, names in sorted(by_day.items()):
        # release days a few sessions apart get their labels on alternating rows
        level = 1 - level if pos - last_pos < 4 else 0
        last_pos = pos
        ax.axvline(pos, color=_ORANGE, lw=0.8, ls="--", zorder=0)
        ax.text(pos, top - (0.02 + 0.07 * level) * span, " / ".join(names), ha="center", va="top",
                fontsize=7, color=_ORANGE, bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5})
    key = pd.Timestamp("2024-07-11")
    if key in data.index:
        pos = int(data.index.get_loc(key))
        ax.annotate(
            f"{data.loc[key]:+.1%}",
            (pos, float(data.loc[key])),
            xytext=(8, -4),
            textcoords="offset points",
            fontsize=8,
            color=_NAVY,
        )
    july = s["excess_return_july_2024"]
    july_text = f"; July 2024: {july:+.1%} compounded" if not math.isnan(july) else ""
    ax.set_title(
        f"Daily excess return of the {labels[0]} over the {labels[1]}, "
        f"{_day(data.index[0])} to {_day(data.index[-1])}{july_text}",
        fontsize=11,
        loc="left",
    )
    _footnote(fig, source, data.index[-1], "Dashed lines: CPI, ISM and FOMC release days.")
    return fig


# ----------------------------------------------------------------------------- figure 3

FIG3_SOURCE = (
    "Kenneth R. French data library, Portfolios Formed on Size (value-weighted monthly "
    "returns, bottom 30% vs top 30% of NYSE market cap); cuts from FRED DFEDTAR/DFEDTARU"
)


def size_relative_index(
    returns: pd.DataFrame, small: str = "Lo 30", large: str = "Hi 30"
) -> pd.Series:
    """Relative performance of two size portfolios from their (decimal) returns.

    ``returns`` is a table of Ken French's ``Portfolios_Formed_on_ME`` (any frequency);
    ``small`` and ``large`` name its columns (``"Lo 30"``/``"Hi 30"``, or deciles
    ``"Lo 10"``/``"Hi 10"``). The result is 1 at the first date.
    """
    returns = _frame(returns, "returns")
    for col, arg in ((small, "small"), (large, "large")):
        if col not in returns.columns:
            raise ValueError(f"{arg}={col!r} is not a column of returns: {list(returns.columns)}")
    rel = capcycle.relative_performance(returns[small], returns[large], kind="returns")
    rel.name = f"{small} / {large}"
    return rel


@dataclass
class Figure3Data:
    """What figure 3 shows: ``paths`` (offsets x cycles, NaN for a cycle the data do not
    cover), ``summary`` (mean etc. per offset), optional ``band`` (bootstrap band of the
    mean: columns ``lower, upper``), ``placebo`` (percentile of the real mean after 12
    months among random dates, in [0, 1]), optional ``cross_check`` paths and the reasons
    for missing cycles."""

    paths: pd.DataFrame
    summary: pd.DataFrame
    band: pd.DataFrame | None = None
    placebo: float = math.nan
    cross_check: pd.DataFrame | None = None
    missing: dict[str, str] = field(default_factory=dict)
    before: int = 12
    after: int = 12


def _covered_cuts(series: pd.Series, cuts: pd.DatetimeIndex, name: str) -> tuple[pd.DatetimeIndex, dict[str, str]]:
    valid = series.dropna().index
    keep, missing = [], {}
    for cut in cuts:
        if len(valid) and valid[0] <= cut <= valid[-1]:
            keep.append(cut)
        else:
            span = f"{valid[0]:%Y-%m} to {valid[-1]:%Y-%m}" if len(valid) else "no data"
            missing[f"{cut:%Y}"] = f"{name} covers {span}, not the cut of {cut:%Y-%m-%d}"
    return pd.DatetimeIndex(keep), missing


def _study(series: pd.Series, cuts: pd.DatetimeIndex, before: int, after: int) -> Any:
    from capcycle.events import event_study

    # Monthly data are dated month-end: the path is rebased at the last month-end on or
    # before the cut (align="previous"), the last value known before the cut.
    return event_study(series, cuts, before=before, after=after, unit="months", kind="level", align="previous")


def _named_paths(study: Any, cuts: pd.DatetimeIndex, all_cuts: pd.DatetimeIndex, before: int, after: int) -> pd.DataFrame:
    offsets = pd.RangeIndex(-before, after + 1, name="offset")
    paths = pd.DataFrame(index=offsets, dtype="float64")
    got = study.paths if study is not None else None
    for cut in all_cuts:
        col = f"{cut:%Y-%m-%d}"
        if got is not None and cut in cuts:
            paths[col] = got.iloc[:, list(cuts).index(cut)].to_numpy()
        else:
            paths[col] = np.nan
    return paths


def figure3_data(
    relative: pd.Series,
    cuts: Any = None,
    *,
    before: int = 12,
    after: int = 12,
    cross_check: pd.Series | None = None,
    n_boot: int = 2000,
    n_placebo: int = 500,
    seed: int = 2024,
) -> Figure3Data:
    """Event study of a monthly relative-performance index around Fed first cuts.

    Parameters
    ----------
    relative : Series
        Small/large relative performance level (monthly, month-end dates), e.g. from
        ``size_relative_index``.
    cuts : dates, optional
        The first cuts (default ``CYCLE_CUTS``: 2001-01-03, 2007-09-18, 2019-07-31).
        Cuts the data do not cover give NaN paths and a reason in ``missing``.
    before, after : int
        Months before and after the cut.
    cross_check : Series, optional
        A second relative index (e.g. IWM/IWB monthly) studied on the same cuts.
    n_boot, n_placebo, seed : int
        Resamples of the bootstrap band of the mean path (resampling cycles) and
        random event dates of the placebo test; 0 skips them.
    """
    relative = _series(relative, "relative")
    all_cuts = pd.DatetimeIndex(CYCLE_CUTS if cuts is None else pd.to_datetime(cuts))
    cuts_in, missing = _covered_cuts(relative, all_cuts, str(relative.name or "relative"))
    study = _study(relative, cuts_in, before, after) if len(cuts_in) else None
    paths = _named_paths(study, cuts_in, all_cuts, before, after)
    summary = study.summary if study is not None else pd.DataFrame(index=paths.index, dtype="float64")
    band, placebo = None, math.nan
    if study is not None and len(cuts_in) >= 2 and n_boot:
        band = _bootstrap_band(study, n_boot, seed)
    if study is not None and n_placebo:
        placebo = _placebo_percentile(study, n_placebo, seed, after)
    cross = None
    if cross_check is not None:
        cross_check = _series(cross_check, "cross_check")
        cc_in, _ = _covered_cuts(cross_check, all_cuts, "cross_check")
        cc_study = _study(cross_check, cc_in, before, after) if len(cc_in) else None
        cross = _named_paths(cc_study, cc_in, all_cuts, before, after)
    return Figure3Data(paths, summary, band, placebo, cross, missing, before, after)


def _bootstrap_band(study: Any, n: int, seed: int) -> pd.DataFrame:
    """The 90 % band of the mean path when cycles are resampled (``EventStudy.bootstrap``)."""
    band = study.bootstrap(n=n, seed=seed, level=0.9)
    return band[["lower", "upper"]]


def _placebo_percentile(study: Any, n: int, seed: int, after: int) -> float:
    """Where the real mean +after-month change ranks among the same windows around
    random month-ends (``EventStudy.placebo``), as a fraction in [0, 1]."""
    return float(study.placebo(n=n, seed=seed).at(after)) / 100.0


def figure3_summary(data: Figure3Data) -> dict[str, float]:
    """``after_12m_<year>`` per cycle (change from the cut to +after months),
    ``after_12m_mean``, ``before_12m_mean`` (change from -before months to the cut,
    mean over cycles), cross-check rows ``etf_after_12m_<year>``, and the placebo
    percentile."""
    b, a = data.before, data.after
    out: dict[str, float] = {}
    after = data.paths.loc[a]
    start = data.paths.loc[-b]
    for col in data.paths.columns:
        out[f"after_{a}m_{col[:4]}"] = float(after[col])
    out[f"after_{a}m_mean"] = float(after.mean()) if after.notna().any() else math.nan
    # change from -b to 0: path is 0 at the cut, so 1 / (1 + path[-b]) - 1
    before = 1.0 / (1.0 + start) - 1.0
    out[f"before_{a}m_mean"] = float(before.mean()) if before.notna().any() else math.nan
    if data.cross_check is not None:
        for col in data.cross_check.columns:
            out[f"etf_after_{a}m_{col[:4]}"] = float(data.cross_check.loc[a, col])
    out[f"placebo_percentile_{a}m"] = float(data.placebo)
    return out


def figure3(
    relative: pd.Series,
    cuts: Any = None,
    *,
    before: int = 12,
    after: int = 12,
    cross_check: pd.Series | None = None,
    labels: tuple[str, str] = ("Small caps (bottom 30%)", "large caps (top 30%)"),
    source: str = FIG3_SOURCE,
    n_boot: int = 2000,
    n_placebo: int = 500,
    seed: int = 2024,
) -> Figure:
    """Figure 3: small vs large relative performance from 12 months before to 12 months
    after the first cut of each easing cycle, rebased at the cut; one line per cycle,
    their mean, the bootstrap band of the mean and the ETF cross-check (dotted)."""
    data = figure3_data(
        relative, cuts, before=before, after=after, cross_check=cross_check,
        n_boot=n_boot, n_placebo=n_placebo, seed=seed,
    )
    s = figure3_summary(data)
    fig = _new_figure(9.0, 5.5)
    ax = fig.subplots()
    x = data.paths.index.to_numpy()
    palette = ["#4e79a7", "#59a14f", "#b07aa1", "#9c755f", "#76b7b2"]
    for i, col in enumerate(data.paths.columns):
        color = palette[i % len(palette)]
        y = data.paths[col].to_numpy()
        if np.isnan(y).all():
            continue
        ax.plot(x, y, color=color, lw=1.4, label=f"First cut {col}")
        if data.cross_check is not None and data.cross_check[col].notna().any():
            ax.plot(x, data.cross_check[col].to_numpy(), color=color, lw=1.0, ls=":")
    if data.band is not None:
        ax.fill_between(
            x, data.band["lower"].to_numpy(), data.band["upper"].to_numpy(),
            color=_NAVY, alpha=0.12, lw=0, label="Bootstrap 90% band of the mean",
        )
    mean = data.paths.mean(axis=1)
    ax.plot(x, mean.to_numpy(), color=_NAVY, lw=2.6, label="Mean of the cycles")
    ax.axvline(0, color=_GREY, lw=0.8)
    ax.axhline(0, color=_GREY, lw=0.6)
    ax.yaxis.set_major_formatter(_pct())
    ax.set_xlim(-before, after)
    ax.set_xlabel("Months from the first Fed rate cut (0 = last month-end on or before the cut)")
    ax.set_ylabel(f"{labels[0]} vs {labels[1]},\nrelative return since the cut")
    mean_after = s[f"after_{after}m_mean"]
    title = f"Small vs large caps around the first Fed cut: {mean_after:+.1%} on average {after} months after"
    ax.set_title(title, fontsize=11, loc="left")
    handles, names = ax.get_legend_handles_labels()
    if data.cross_check is not None:
        from matplotlib.lines import Line2D

        handles.append(Line2D([], [], color=_GREY, ls=":", lw=1.0))
        names.append("ETF cross-check: IWM / IWB (same colours)")
    ax.legend(handles, names, loc="upper left", fontsize=8, frameon=False)
    extra = []
    if not math.isnan(data.placebo):
        extra.append(
            f"Placebo: the mean +{after}-month change ranks at the {data.placebo:.0%} percentile "
            "of the same windows around random dates."
        )
    for year, why in data.missing.items():
        extra.append(f"{year} cycle not shown: {why}.")
    asof = relative.dropna().index[-1]
    _footnote(fig, source, asof, " ".join(extra))
    return fig


# ----------------------------------------------------------------------------- figure 4

FIG4_SOURCE = (
    "Kenneth R. French data library, 25 Portfolios Formed on Size and Book-to-Market "
    "(VW average BE/ME, number of firms, average market cap). PROXY: cap-weighted "
    "price-to-book of the smallest vs the biggest size quintile, not the note's forward P/E"
)


def size_pb_proxy(
    be_me: pd.DataFrame,
    n_firms: pd.DataFrame,
    avg_cap: pd.DataFrame,
    *,
    small: slice | list[int] = slice(0, 5),
    big: slice | list[int] = slice(20, 25),
) -> pd.DataFrame:
    """Cap-weighted price-to-book of the smallest and biggest size quintile, and their ratio.

    From three tables of Ken French's ``25_Portfolios_5x5`` (the 25 columns in his
    order: ME1 BM1 .. ME1 BM5, ..., ME5 BM1 .. ME5 BM5): the value-weighted average
    BE/ME of each portfolio, its number of firms and its average market cap. For a
    portfolio j, market equity ME_j = firms_j * avg_cap_j and book equity
    BE_j = (BE/ME)_j * ME_j (the value-weighted BE/ME is aggregate BE over aggregate
    ME); a quintile's P/B is sum ME_j / sum BE_j. The BE/ME table divides by the
    December market cap, so the proxy moves mostly with the yearly rebalancing and
    the drift of weights within the year: a slow-moving valuation measure.

    Returns
    -------
    DataFrame
        ``small_pb``, ``big_pb`` and ``ratio`` (small/big), dated as the inputs; months
        where any input of a quintile is missing are NaN.
    """
    be_me = _frame(be_me, "be_me")
    n_firms = _frame(n_firms, "n_firms")
    avg_cap = _frame(avg_cap, "avg_cap")
    for name, frame in (("be_me", be_me), ("n_firms", n_firms), ("avg_cap", avg_cap)):
        if frame.shape[1] != 25:
            raise ValueError(f"{name} must have the 25 portfolio columns of 25_Portfolios_5x5, got {frame.shape[1]}")
    index = be_me.index.intersection(n_firms.index).intersection(avg_cap.index)
    bm = be_me.loc[index].to_numpy()
    me = n_firms.loc[index].to_numpy() * avg_cap.loc[index].to_numpy()
    bm = np.where(bm > 0, bm, np.nan)

    def quintile(cols: slice | list[int]) -> np.ndarray:
        m, b = me[:, cols], bm[:, cols]
        ok = ~np.isnan(m).any(axis=1) & ~np.isnan(b).any(axis=1)
        pb = m.sum(axis=1) / (m * b).sum(axis=1)
        return np.where(ok, pb, np.nan)

    out = pd.DataFrame({"small_pb": quintile(small), "big_pb": quintile(big)}, index=index)
    out["ratio"] = out["small_pb"] / out["big_pb"]
    return out


def read_multiples(path: str | os.PathLike[str]) -> pd.Series:
    """A user's CSV of valuation multiples (e.g. forward P/E) to a small/large ratio.

    The file has a date column first, then either two columns (small-cap multiple,
    large-cap multiple, in that order) or one column (the ratio already). Empty cells
    are missing values.
    """
    frame = pd.read_csv(path, index_col=0)
    frame.index = pd.DatetimeIndex(pd.to_datetime(frame.index), name="date")
    frame = frame.sort_index().astype("float64")
    if frame.shape[1] == 1:
        ratio = frame.iloc[:, 0]
    elif frame.shape[1] == 2:
        rel = getattr(valuation, "relative_multiple", None)
        if rel is not None:
            ratio = rel(frame.iloc[:, 0], frame.iloc[:, 1])
        else:  # TODO(valuation): relative_multiple not landed yet
            ratio = frame.iloc[:, 0] / frame.iloc[:, 1]
    else:
        raise ValueError(
            f"path {os.fspath(path)!r}: expected date plus one column (the ratio) or two "
            f"columns (small, large multiple), found {frame.shape[1]} value columns"
        )
    ratio = pd.Series(ratio, index=frame.index, name="ratio").dropna()
    return ratio


def figure4_data(ratio: pd.Series, *, start: str | pd.Timestamp | None = None, center: str = "median") -> pd.DataFrame:
    """Bands of a small/large valuation ratio: ``valuation.bands`` (value, center,
    +-1 and +-2 sd) plus ``zscore`` (``valuation.zscore`` over the full shown sample)
    and ``percentile`` (``valuation.percentile_rank``)."""
    ratio = _series(ratio, "ratio")
    if start is not None:
        ratio = ratio.loc[pd.Timestamp(start) :]
    ratio = ratio.dropna()
    if len(ratio) < 3:
        raise ValueError(f"ratio has {len(ratio)} values after start={start!r}: need at least 3")
    out = valuation.bands(ratio, center=center, k=(1, 2))
    out["zscore"] = valuation.zscore(ratio, center=center)
    out["percentile"] = valuation.percentile_rank(ratio)
    return out


def figure4_summary(data: pd.DataFrame) -> dict[str, float]:
    """``zscore_latest``, ``ratio_latest``, ``ratio_median`` (the center line) and
    ``percentile_latest``."""
    last = data.dropna(subset=["value"]).iloc[-1]
    return {
        "zscore_latest": float(last["zscore"]),
        "ratio_latest": float(last["value"]),
        "ratio_median": float(last["center"]),
        "percentile_latest": float(last["percentile"]),
    }


def figure4(
    ratio: pd.Series,
    *,
    start: str | pd.Timestamp | None = None,
    center: str = "median",
    measure: str = "Price-to-book",
    labels: tuple[str, str] = ("smallest size quintile", "biggest size quintile"),
    source: str = FIG4_SOURCE,
) -> Figure:
    """Figure 4: relative valuation small/large with its median and +-1/+-2 sd bands."""
    data = figure4_data(ratio, start=start, center=center)
    s = figure4_summary(data)
    fig = _new_figure(9.0, 5.0)
    ax = fig.subplots()
    idx = data.index
    ax.plot(idx, data["value"].to_numpy(), color=_NAVY, lw=1.5, label=f"{measure}: {labels[0]} / {labels[1]}")
    ax.plot(idx, data["center"].to_numpy(), color="black", lw=1.0, label=center.capitalize())
    for k, style in ((1, "--"), (2, ":")):
        for sign in "+-":
            ax.plot(idx, data[f"{sign}{k}sd"].to_numpy(), color=_ORANGE, lw=1.0, ls=style,
                    label=f"{center.capitalize()} +/- {k} sd" if sign == "+" else None)
    ax.set_ylabel(f"Relative {measure.lower()} (small / large, x)")
    ax.set_xlabel("Date")
    ax.legend(loc="upper right", fontsize=8, frameon=False)
    ax.set_title(
        f"Relative valuation, small vs large caps: {s['ratio_latest']:.2f}x, "
        f"{s['zscore_latest']:+.1f} sd from its {center} ({s['ratio_median']:.2f}x)",
        fontsize=11,
        loc="left",
    )
    _footnote(fig, source, idx[-1])
    return fig


# ----------------------------------------------------------------------------- inputs


@dataclass
class Inputs:
    """Keyword arguments for each figure (``fig1`` .. ``fig4``; None when the data cannot
    give it), the source that feeds each figure, and the reason for each missing one."""

    fig1: dict[str, Any] | None = None
    fig2: dict[str, Any] | None = None
    fig3: dict[str, Any] | None = None
    fig4: dict[str, Any] | None = None
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


def placeholder(number: int, reason: str) -> Figure:
    """A figure that says figure ``number`` could not be drawn, and why."""
    fig = Figure(figsize=(9.0, 3.0), dpi=100)
    fig.text(0.5, 0.62, f"Figure {number} could not be drawn", ha="center", va="center", fontsize=16, color=_NAVY)
    fig.text(0.5, 0.35, "\n".join(textwrap.wrap(reason, 110)), ha="center", va="center", fontsize=9, color=_GREY)
    return fig
