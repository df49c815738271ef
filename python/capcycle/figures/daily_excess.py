"""Figure 2: the daily excess return of small over large caps, macro release days marked."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

import capcycle
from capcycle._dates import to_timestamp
from capcycle.calendar import releases
from capcycle.figures._style import (
    GREEN,
    GREY,
    NAVY,
    ORANGE,
    RED,
    PercentTicks,
    as_series,
    day_label,
    footnote,
    name_of,
    new_figure,
    set_title,
    stated,
    unstated_source,
    year_span,
)

FIG2_SOURCE = (
    "iShares Russell 2000 ETF (IWM) and Russell 1000 ETF (IWB) dividend-adjusted closes "
    "standing for the Russell 2000 and 1000 (Yahoo)"
)
#: The names of the note's inputs: only these get the note's labels and ``FIG2_SOURCE``.
_NOTE_NAMES = ("IWM", "IWB")


def figure2_data(
    small: pd.Series,
    large: pd.Series,
    *,
    start: str | pd.Timestamp = "2024-07-01",
    end: str | pd.Timestamp = "2024-08-26",
) -> pd.Series:
    """Daily excess return r_small - r_large over the chart window (decimal).

    The returns are computed on the whole series first, so the first day of the
    window has its return from the previous close. ``attrs`` holds the window
    (``start``, ``end``), the compounded relative return over it (``window``) and over
    each calendar month that lies wholly inside it (``months``: month start ->
    (1 + r_small) / (1 + r_large) - 1 from the last close of the previous month to the
    last close of the month; NaN when the data stop more than 5 days before its end).
    """
    small = as_series(small, "small")
    large = as_series(large, "large")
    excess = capcycle.excess_returns(small, large)
    first, last = to_timestamp(start, "start"), to_timestamp(end, "end")
    out = excess.loc[first:last].dropna()
    out.name = "excess_return"
    months = pd.date_range(first, last, freq="MS")
    out.attrs.update(
        start=first,
        end=last,
        window=_relative_change(small, large, first, last, min_last=first),
        months={
            m: _relative_change(small, large, m, m + pd.offsets.MonthEnd(0))
            for m in months
            if m + pd.offsets.MonthEnd(0) <= last
        },
    )
    return out


def _relative_change(
    small: pd.Series,
    large: pd.Series,
    first: pd.Timestamp,
    last: pd.Timestamp,
    min_last: pd.Timestamp | None = None,
) -> float:
    """(1 + r_small) / (1 + r_large) - 1 from the last common close before ``first`` to
    the last common close on or before ``last``; NaN without a close before ``first`` or
    when the data stop before ``min_last`` (default: 5 days before ``last``)."""
    common = small.dropna().index.intersection(large.dropna().index)
    before = common[common < first]
    inside = common[(common >= first) & (common <= last)]
    floor = last - pd.Timedelta(days=5) if min_last is None else min_last
    if before.empty or inside.empty or inside[-1] < floor:
        return math.nan
    rel = capcycle.relative_performance(
        small.loc[before[-1] : inside[-1]], large.loc[before[-1] : inside[-1]]
    )
    return float(rel.iloc[-1] / rel.iloc[0] - 1)


def _month_key(month: pd.Timestamp) -> str:
    return f"excess_return_{month:%B}_{month:%Y}".lower()


def figure2_summary(data: pd.Series) -> dict[str, Any]:
    """The numbers of figure 2, decimal except the day.

    ``excess_return_<YYYY-MM-DD>``: the excess return of the window's largest day (the
    day the figure annotates; 11 July 2024, the June CPI release, on the note's data);
    ``excess_return_<month>_<year>`` (compounded) for each calendar month inside the
    window (``excess_return_july_2024`` for the note's); ``excess_return_window``
    (compounded over the window); ``max_excess_day`` (a ``pd.Timestamp``; NaT for an
    empty window) and ``max_excess_return``.
    """
    data = data.dropna()
    out: dict[str, Any] = {}
    top = data.idxmax() if len(data) else pd.NaT
    if len(data):
        out[f"excess_return_{top:%Y-%m-%d}"] = float(data.loc[top])
    for month, change in data.attrs.get("months", {}).items():
        out[_month_key(month)] = change
    out["excess_return_window"] = float(data.attrs.get("window", math.nan))
    out["max_excess_day"] = top
    out["max_excess_return"] = float(data.loc[top]) if len(data) else math.nan
    return out


def _marks(events: Any) -> pd.DataFrame:
    """Event days as a frame of ``date`` and ``label``, from the shapes analysts have:
    ``capcycle.calendar.releases`` (date, label), ``capcycle.data.calendar`` (Date, Type),
    any frame with a date column or a DatetimeIndex, a Series of labels indexed by date,
    or a list of dates."""
    if isinstance(events, pd.Series):
        if isinstance(events.index, pd.DatetimeIndex):
            return pd.DataFrame({"date": events.index, "label": events.astype(str).to_numpy()})
        events = events.to_frame()
    if not isinstance(events, pd.DataFrame):
        try:
            dates = pd.DatetimeIndex(pd.to_datetime(list(events)))
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"events must be a DataFrame, a Series or a list of dates, got {type(events).__name__}"
            ) from exc
        return pd.DataFrame({"date": dates, "label": ""})
    by_name = {str(c).lower(): c for c in events.columns}
    stamps = [c for c in events.columns if pd.api.types.is_datetime64_any_dtype(events[c])]
    if "date" in by_name:
        dates = pd.DatetimeIndex(pd.to_datetime(events[by_name["date"]]))
    elif isinstance(events.index, pd.DatetimeIndex):
        dates = events.index
    elif len(stamps) == 1:
        dates = pd.DatetimeIndex(events[stamps[0]])
    else:
        raise ValueError(
            f"events needs its dates in a column named 'date', its only datetime column or a "
            f"DatetimeIndex; it has columns {list(events.columns)} and a {type(events.index).__name__}"
        )
    label_col = next((by_name[n] for n in ("label", "type", "event", "name") if n in by_name), None)
    labels = events[label_col].astype(str).to_numpy() if label_col is not None else np.full(len(events), "")
    return pd.DataFrame({"date": dates.to_numpy(), "label": labels})


def figure2(
    small: pd.Series,
    large: pd.Series,
    *,
    start: str | pd.Timestamp = "2024-07-01",
    end: str | pd.Timestamp = "2024-08-26",
    events: Any = None,
    labels: tuple[str, str] | None = None,
    source: str | None = None,
) -> Figure:
    """Figure 2: daily excess return of small over large caps as bars, event days marked
    and the window's largest day annotated.

    ``events``: the days to mark, as ``capcycle.calendar.releases`` or
    ``capcycle.data.calendar`` return them, any frame with a date column (or a
    DatetimeIndex) and a label column (``label``, ``type``, ``event`` or ``name``), a
    Series of labels indexed by date, or a list of dates; default: the release days
    shipped in ``capcycle.calendar`` (July-August 2024 only). ``labels`` (small, large)
    default to the series' names and ``source`` to "not stated"; only the note's inputs
    (series named IWM and IWB) get "Russell 2000", "Russell 1000" and ``FIG2_SOURCE``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import capcycle.figures as cf
    >>> days = pd.bdate_range("2025-03-03", "2025-04-30")
    >>> small = pd.Series(np.linspace(100, 110, len(days)), index=days, name="SML")
    >>> large = pd.Series(100.0, index=days, name="BIG")
    >>> fig = cf.figure2(small, large, start="2025-04-01", end="2025-04-30", events=["2025-04-10"])
    >>> fig.axes[0].get_xlabel()
    'Trading day, 2025'
    >>> print(fig.axes[0].get_title(loc="left"))  # wrapped to the figure's width
    Daily excess return of SML over BIG, 1 Apr 2025 to 30 Apr 2025; April 2025: +5.0%
    compounded
    """
    given = None if events is None else _marks(events)
    data = figure2_data(small, large, start=start, end=end)
    if data.empty:
        raise ValueError(f"small and large have no common returns between start={start!r} and end={end!r}")
    s = figure2_summary(data)
    names = (name_of(small, "small-cap series"), name_of(large, "large-cap series"))
    small_label, large_label = stated(labels, names, _NOTE_NAMES, ("Russell 2000", "Russell 1000"), names)
    note = stated(source, names, _NOTE_NAMES, FIG2_SOURCE, unstated_source(names))
    first, last = data.attrs["start"], data.attrs["end"]
    shipped = given is None
    marks = _marks(releases(first, last)) if given is None else given
    marks = marks[(marks["date"] >= first) & (marks["date"] <= last)]
    fig = new_figure(9.0, 5.0)
    ax = fig.subplots()
    x = np.arange(len(data))
    values = data.to_numpy()
    colors = np.where(values >= 0, GREEN, RED)
    ax.bar(x, values, color=colors, width=0.75)
    ax.axhline(0, color=GREY, lw=0.6)
    ax.yaxis.set_major_formatter(PercentTicks())
    ax.set_ylabel(f"Daily return, {small_label} minus {large_label} (%)")
    # one tick per week: the first trading day of each ISO week
    weeks = data.index.isocalendar().week.to_numpy()
    ticks = x[np.r_[True, weeks[1:] != weeks[:-1]]]
    ax.set_xticks(ticks, [f"{d:%d %b}".lstrip("0") for d in data.index[ticks]], fontsize=8)
    ax.set_xlabel(f"Trading day, {year_span(data.index)}")
    hi, lo = float(np.nanmax(values)), float(np.nanmin(values))
    span = max(hi, 0.0) - min(lo, 0.0) or 0.01
    top = max(hi, 0.0) + 0.22 * span
    ax.set_ylim(min(lo, 0.0) - 0.05 * span, top)
    by_day: dict[int, list[str]] = {}
    for day, label in zip(marks["date"], marks["label"], strict=True):
        # an event on a non-trading day is marked on the next trading day
        pos = int(data.index.searchsorted(day))
        if pos < len(data):
            by_day.setdefault(pos, [])
            if label and label not in by_day[pos]:
                by_day[pos].append(label)
    last_pos, level = -10, 0
    for pos, names_here in sorted(by_day.items()):
        # event days a few sessions apart get their labels on alternating rows
        level = 1 - level if pos - last_pos < 4 else 0
        last_pos = pos
        ax.axvline(pos, color=ORANGE, lw=0.8, ls="--", zorder=0)
        ax.text(
            pos,
            top - (0.02 + 0.07 * level) * span,
            " / ".join(names_here),
            ha="center",
            va="top",
            fontsize=7,
            color=ORANGE,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5},
        )
    key = s["max_excess_day"]
    pos = int(data.index.get_loc(key))
    ax.annotate(
        f"{day_label(key)}: {s['max_excess_return']:+.1%}",
        (pos, s["max_excess_return"]),
        xytext=(8, -4),
        textcoords="offset points",
        fontsize=8,
        color=NAVY,
    )
    months = [
        f"{m:%B %Y}: {s[_month_key(m)]:+.1%} compounded"
        for m in data.attrs["months"]
        if not math.isnan(s[_month_key(m)])
    ]
    if not months and not math.isnan(s["excess_return_window"]):
        months = [f"{s['excess_return_window']:+.1%} compounded"]
    set_title(
        ax,
        f"Daily excess return of {small_label} over {large_label}, "
        f"{day_label(data.index[0])} to {day_label(data.index[-1])}" + "".join(f"; {m}" for m in months),
        11,
    )
    kinds = list(dict.fromkeys(label for names_here in by_day.values() for label in names_here))
    if not by_day:
        marked = (
            "No release days marked: the shipped calendar (capcycle.calendar) has none in this window (pass events=)."
            if shipped
            else "No event of events falls in the window."
        )
    elif shipped:
        marked = (
            f"Dashed lines: {', '.join(kinds)} release days, from the BLS, ISM and Federal "
            "Reserve calendars (capcycle.calendar)."
        )
    else:
        marked = f"Dashed lines: {', '.join(kinds) or 'the'} days given as events."
    footnote(fig, note, data.index[-1], marked)
    return fig
