"""Figure 2: the daily excess return of small over large caps, macro release days marked."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

import capcycle
from capcycle._dates import to_timestamp
from capcycle.calendar import releases
from capcycle.figures._style import GREEN, GREY, NAVY, ORANGE, RED, as_series, day_label, footnote, new_figure, percent_axis


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
    small = as_series(small, "small")
    large = as_series(large, "large")
    excess = capcycle.excess_returns(small, large)
    out = excess.loc[to_timestamp(start, "start") : to_timestamp(end, "end")].dropna()
    out.name = "excess_return"
    out.attrs.update(
        start=to_timestamp(start, "start"),
        end=to_timestamp(end, "end"),
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
    fig = new_figure(9.0, 5.0)
    ax = fig.subplots()
    x = np.arange(len(data))
    values = data.to_numpy()
    colors = np.where(values >= 0, GREEN, RED)
    ax.bar(x, values, color=colors, width=0.75)
    ax.axhline(0, color=GREY, lw=0.6)
    ax.yaxis.set_major_formatter(percent_axis(0))
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
        ax.axvline(pos, color=ORANGE, lw=0.8, ls="--", zorder=0)
        ax.text(pos, top - (0.02 + 0.07 * level) * span, " / ".join(names), ha="center", va="top",
                fontsize=7, color=ORANGE, bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5})
    key = pd.Timestamp("2024-07-11")
    if key in data.index:
        pos = int(data.index.get_loc(key))
        ax.annotate(
            f"{data.loc[key]:+.1%}",
            (pos, float(data.loc[key])),
            xytext=(8, -4),
            textcoords="offset points",
            fontsize=8,
            color=NAVY,
        )
    july = s["excess_return_july_2024"]
    july_text = f"; July 2024: {july:+.1%} compounded" if not math.isnan(july) else ""
    ax.set_title(
        f"Daily excess return of the {labels[0]} over the {labels[1]}, "
        f"{day_label(data.index[0])} to {day_label(data.index[-1])}{july_text}",
        fontsize=11,
        loc="left",
    )
    footnote(fig, source, data.index[-1], "Dashed lines: CPI, ISM and FOMC release days.")
    return fig


