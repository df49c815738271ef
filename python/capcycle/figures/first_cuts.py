"""Figure 3: small vs large caps from before to after the first Fed cut of each easing cycle."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

import capcycle
from capcycle._dates import to_timestamps
from capcycle.figures._style import (
    GREY,
    NAVY,
    PercentTicks,
    as_frame,
    as_series,
    footnote,
    name_of,
    new_figure,
    set_title,
    stated,
    unstated_source,
)

#: The first cuts of the three easing cycles the note studies (figure 3). Sources:
#: FRED DFEDTAR (2001-01-03: 6.50 -> 6.00, an intermeeting cut; 2007-09-18: 5.25 ->
#: 4.75) and the FOMC statement of 2019-07-31 (FRED DFEDTARU dates it 2019-08-01).
CYCLE_CUTS: pd.DatetimeIndex = pd.DatetimeIndex(["2001-01-03", "2007-09-18", "2019-07-31"])


FIG3_SOURCE = (
    "Kenneth R. French data library, Portfolios Formed on Size (value-weighted monthly "
    "returns, bottom 30% vs top 30% of NYSE market cap)"
)
#: The name ``size_relative_index`` gives the note's input: only it gets the note's
#: labels and ``FIG3_SOURCE`` by default.
_NOTE_NAME = "Lo 30 / Hi 30"


def size_relative_index(returns: pd.DataFrame, small: str = "Lo 30", large: str = "Hi 30") -> pd.Series:
    """Relative performance of two size portfolios from their (decimal) returns.

    ``returns`` is a table of Ken French's ``Portfolios_Formed_on_ME`` (any frequency);
    ``small`` and ``large`` name its columns (``"Lo 30"``/``"Hi 30"``, or deciles
    ``"Lo 10"``/``"Hi 10"``). The result is 1 at the first date.
    """
    returns = as_frame(returns, "returns")
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
    month_ends: tuple[str, ...] = ()


def _monthly(x: pd.Series, name: str) -> tuple[pd.Series, bool]:
    """``x`` on a complete grid of month-ends, and whether it had to be resampled.

    A series with more than one value in some calendar month (daily, weekly) is taken
    at each month's last valid value; a monthly value counts as of its month's end (as
    in Ken French's files). Months without a value are NaN rows, so that row k from a
    month-end is k months later. Data sparser than monthly: ValueError.
    """
    valid = x.dropna()
    if valid.empty:
        return x, False
    months = valid.index.to_period("M")
    resampled = bool(months.has_duplicates)
    steps = np.diff(months.asi8)
    if not resampled and len(steps) and np.median(steps) > 1:
        raise ValueError(
            f"{name} has one value every {int(np.median(steps))} months: the event study needs "
            "monthly (or more frequent) data"
        )
    out = valid.groupby(months).last()
    out = out.reindex(pd.period_range(out.index[0], out.index[-1], freq="M"))
    out.index = out.index.to_timestamp(how="end").normalize()
    out.name = x.name
    return out, resampled


def _covered_cuts(
    series: pd.Series, cuts: pd.DatetimeIndex, name: str
) -> tuple[pd.DatetimeIndex, dict[str, str]]:
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

    # The path is rebased at the last month-end on or before the cut (align="previous"),
    # the last value known before it; offset k is k month-ends later (a month-end stays
    # a month-end in unit="months").
    return event_study(
        series, cuts, before=before, after=after, unit="months", kind="level", align="previous"
    )


def _named_paths(
    study: Any, cuts: pd.DatetimeIndex, all_cuts: pd.DatetimeIndex, before: int, after: int
) -> pd.DataFrame:
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
        Small/large relative performance level, e.g. from ``size_relative_index``.
        Monthly data are read as dated at month-ends; daily or weekly data are taken
        at each month's last value (``month_ends`` says which inputs were); data
        sparser than monthly are a ValueError.
    cuts : dates, optional
        The first cuts (default ``CYCLE_CUTS``: 2001-01-03, 2007-09-18, 2019-07-31).
        Cuts the data do not cover give NaN paths and a reason in ``missing``.
    before, after : int
        Months before and after the cut.
    cross_check : Series, optional
        A second relative index (e.g. IWM/IWB) studied on the same cuts, read as
        ``relative``.
    n_boot, n_placebo, seed : int
        Resamples of the bootstrap band of the mean path (resampling cycles) and
        random event dates of the placebo test; 0 skips them.
    """
    relative, resampled = _monthly(as_series(relative, "relative"), "relative")
    month_ends: tuple[str, ...] = ("relative",) if resampled else ()
    all_cuts = pd.DatetimeIndex(CYCLE_CUTS if cuts is None else to_timestamps(cuts, "cuts"))
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
        cross_check, resampled = _monthly(as_series(cross_check, "cross_check"), "cross_check")
        month_ends += ("cross_check",) if resampled else ()
        cc_in, _ = _covered_cuts(cross_check, all_cuts, "cross_check")
        cc_study = _study(cross_check, cc_in, before, after) if len(cc_in) else None
        cross = _named_paths(cc_study, cc_in, all_cuts, before, after)
    return Figure3Data(paths, summary, band, placebo, cross, missing, before, after, month_ends)


def _bootstrap_band(study: Any, n: int, seed: int) -> pd.DataFrame:
    """The 90 % band of the mean path when cycles are resampled (``EventStudy.bootstrap``)."""
    band = study.bootstrap(n=n, seed=seed, level=0.9)
    return band[["lower", "upper"]]


def _placebo_percentile(study: Any, n: int, seed: int, after: int) -> float:
    """Where the real mean +after-month change ranks among the same windows around
    random month-ends (``EventStudy.placebo``), as a fraction in [0, 1]."""
    return float(study.placebo(n=n, seed=seed).at(after))


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
    labels: tuple[str, str] | None = None,
    event_name: str | None = None,
    source: str | None = None,
    n_boot: int = 2000,
    n_placebo: int = 500,
    seed: int = 2024,
) -> Figure:
    r"""Figure 3: small vs large relative performance from ``before`` months before to
    ``after`` months after each event (the first cut of each easing cycle), rebased at
    the event; one line per event, their mean, the bootstrap band of the mean and the
    cross-check (dotted). See ``figure3_data``.

    The text comes from the inputs: ``labels`` (small, large) default to the two halves
    of the series' name ("A / B"), or its whole name; ``event_name`` to "first Fed rate
    cut" for the default ``cuts`` and "event" for yours; ``source`` to "not stated".
    Only the note's input (named "Lo 30 / Hi 30" by ``size_relative_index``) gets the
    note's labels and ``FIG3_SOURCE``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import capcycle.figures as cf
    >>> days = pd.bdate_range("2010-01-01", "2016-12-31")
    >>> rel = pd.Series(np.linspace(1.0, 1.5, len(days)), index=days, name="Small / Big")
    >>> fig = cf.figure3(rel, ["2012-06-15", "2014-03-03"], n_boot=0, n_placebo=0)
    >>> fig.axes[0].get_xlabel()
    'Months from the event (0 = last month-end on or before it)'
    >>> fig.axes[0].get_ylabel()
    'Small vs Big,\nrelative return since the event'
    """
    data = figure3_data(
        relative,
        cuts,
        before=before,
        after=after,
        cross_check=cross_check,
        n_boot=n_boot,
        n_placebo=n_placebo,
        seed=seed,
    )
    s = figure3_summary(data)
    relative = as_series(relative, "relative")
    name = name_of(relative, "relative")
    halves = tuple(part.strip() for part in name.split("/")) if name.count("/") == 1 else (name,)
    pair = stated(labels, (name,), (_NOTE_NAME,), ("Small caps", "large caps"), halves)
    pair_text = " vs ".join(pair)
    event = event_name if event_name is not None else ("first Fed rate cut" if cuts is None else "event")
    note = stated(source, (name,), (_NOTE_NAME,), FIG3_SOURCE, unstated_source([name]))
    fig = new_figure(9.0, 5.5)
    ax = fig.subplots()
    x = data.paths.index.to_numpy()
    palette = ["#4e79a7", "#59a14f", "#b07aa1", "#9c755f", "#76b7b2"]
    for i, col in enumerate(data.paths.columns):
        color = palette[i % len(palette)]
        y = data.paths[col].to_numpy()
        if np.isnan(y).all():
            continue
        ax.plot(x, y, color=color, lw=1.4, label=f"{event[0].upper()}{event[1:]} {col}")
        if data.cross_check is not None and data.cross_check[col].notna().any():
            ax.plot(x, data.cross_check[col].to_numpy(), color=color, lw=1.0, ls=":")
    if data.band is not None:
        ax.fill_between(
            x,
            data.band["lower"].to_numpy(),
            data.band["upper"].to_numpy(),
            color=NAVY,
            alpha=0.12,
            lw=0,
            label="Bootstrap 90% band of the mean",
        )
    mean = data.paths.mean(axis=1)
    ax.plot(
        x, mean.to_numpy(), color=NAVY, lw=2.6, label=f"Mean of the {data.paths.notna().any().sum()} paths"
    )
    ax.axvline(0, color=GREY, lw=0.8)
    ax.axhline(0, color=GREY, lw=0.6)
    ax.yaxis.set_major_formatter(PercentTicks())
    ax.set_xlim(-before, after)
    ax.set_xlabel(f"Months from the {event} (0 = last month-end on or before it)")
    ax.set_ylabel(f"{pair_text},\nrelative return since the {event}")
    mean_after = s[f"after_{after}m_mean"]
    title = f"{pair_text} around the {event}: {mean_after:+.1%} on average {after} months after"
    set_title(ax, title)
    handles, names = ax.get_legend_handles_labels()
    if data.cross_check is not None and cross_check is not None:
        from matplotlib.lines import Line2D

        handles.append(Line2D([], [], color=GREY, ls=":", lw=1.0))
        names.append(f"Cross-check: {name_of(cross_check, 'cross_check')} (dotted, same colours)")
    ax.legend(handles, names, loc="upper left", fontsize=8, frameon=False)
    extra = []
    if cuts is None:
        extra.append("Cuts: FRED DFEDTAR (2001, 2007) and the FOMC statement of 31 Jul 2019.")
    if data.month_ends:
        extra.append(f"{' and '.join(data.month_ends)}: daily data taken at month-ends.")
    if not math.isnan(data.placebo):
        extra.append(
            f"Placebo: the mean +{after}-month change ranks at the {data.placebo:.0%} percentile "
            "of the same windows around random dates."
        )
    for year, why in data.missing.items():
        extra.append(f"{year} {event} not shown: {why}.")
    footnote(fig, note, relative.dropna().index[-1], " ".join(extra))
    return fig
