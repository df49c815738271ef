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
from capcycle.figures._style import GREY, NAVY, as_frame, as_series, footnote, new_figure, percent_axis

#: The first cuts of the three easing cycles the note studies (figure 3). Sources:
#: FRED DFEDTAR (2001-01-03: 6.50 -> 6.00, an intermeeting cut; 2007-09-18: 5.25 ->
#: 4.75) and the FOMC statement of 2019-07-31 (FRED DFEDTARU dates it 2019-08-01).
CYCLE_CUTS: pd.DatetimeIndex = pd.DatetimeIndex(["2001-01-03", "2007-09-18", "2019-07-31"])


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
    relative = as_series(relative, "relative")
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
        cross_check = as_series(cross_check, "cross_check")
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
    fig = new_figure(9.0, 5.5)
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
            color=NAVY, alpha=0.12, lw=0, label="Bootstrap 90% band of the mean",
        )
    mean = data.paths.mean(axis=1)
    ax.plot(x, mean.to_numpy(), color=NAVY, lw=2.6, label="Mean of the cycles")
    ax.axvline(0, color=GREY, lw=0.8)
    ax.axhline(0, color=GREY, lw=0.6)
    ax.yaxis.set_major_formatter(percent_axis())
    ax.set_xlim(-before, after)
    ax.set_xlabel("Months from the first Fed rate cut (0 = last month-end on or before the cut)")
    ax.set_ylabel(f"{labels[0]} vs {labels[1]},\nrelative return since the cut")
    mean_after = s[f"after_{after}m_mean"]
    title = f"Small vs large caps around the first Fed cut: {mean_after:+.1%} on average {after} months after"
    ax.set_title(title, fontsize=11, loc="left")
    handles, names = ax.get_legend_handles_labels()
    if data.cross_check is not None:
        from matplotlib.lines import Line2D

        handles.append(Line2D([], [], color=GREY, ls=":", lw=1.0))
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
    footnote(fig, source, asof, " ".join(extra))
    return fig


