"""Figure 4: relative valuation of small vs large caps with its median and sd bands."""

from __future__ import annotations

import os
import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from capcycle import valuation
from capcycle._dates import to_timestamp
from capcycle.figures._style import (
    NAVY,
    ORANGE,
    as_frame,
    as_series,
    footnote,
    name_of,
    new_figure,
    set_title,
    unstated_source,
)

FIG4_SOURCE = (
    "Kenneth R. French data library, 25 Portfolios Formed on Size and Book-to-Market "
    "(VW average BE/ME, number of firms, average market cap). PROXY: cap-weighted "
    "price-to-book of the smallest vs the biggest size quintile, not the note's forward P/E"
)
#: The tag ``size_pb_proxy`` puts in its frame's ``attrs``: its ``ratio`` column (the
#: note's input) is the only series that gets the note's text by default.
_PROXY_TAG = ("capcycle", "size_pb_proxy")


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
        where any input of a quintile is missing are NaN. Its ``attrs`` tell ``figure4``
        that the ``ratio`` column is this proxy (its labels and ``FIG4_SOURCE``).
    """
    be_me = as_frame(be_me, "be_me")
    n_firms = as_frame(n_firms, "n_firms")
    avg_cap = as_frame(avg_cap, "avg_cap")
    for name, frame in (("be_me", be_me), ("n_firms", n_firms), ("avg_cap", avg_cap)):
        if frame.shape[1] != 25:
            raise ValueError(
                f"{name} must have the 25 portfolio columns of 25_Portfolios_5x5, got {frame.shape[1]}"
            )
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
    out.attrs[_PROXY_TAG[0]] = _PROXY_TAG[1]
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
        ratio = valuation.relative_multiple(frame.iloc[:, 0], frame.iloc[:, 1])
    else:
        raise ValueError(
            f"path {os.fspath(path)!r}: expected date plus one column (the ratio) or two "
            f"columns (small, large multiple), found {frame.shape[1]} value columns"
        )
    ratio = pd.Series(ratio, index=frame.index, name="ratio").dropna()
    return ratio


def figure4_data(
    ratio: pd.Series, *, start: str | pd.Timestamp | None = None, center: str = "median"
) -> pd.DataFrame:
    """Bands of a small/large valuation ratio: ``valuation.bands`` (value, center,
    +-1 and +-2 sd) plus ``zscore`` (``valuation.zscore`` over the full shown sample)
    and ``percentile`` (``valuation.percentile_rank``)."""
    ratio = as_series(ratio, "ratio")
    if start is not None:
        ratio = ratio.loc[to_timestamp(start, "start") :]
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
    measure: str | None = None,
    labels: tuple[str, str] | None = None,
    source: str | None = None,
) -> Figure:
    """Figure 4: a valuation series (the small/large ratio) with its centre and
    +-1/+-2 sd bands. See ``figure4_data``.

    The text comes from the inputs: ``measure`` (what the values are) defaults to the
    series' name, ``labels`` (small, large: what the ratio divides) to none (a single
    valuation series, no "small vs large" text) and ``source`` to "not stated". Only the
    ``ratio`` column of ``size_pb_proxy`` gets the note's proxy text and ``FIG4_SOURCE``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import capcycle.figures as cf
    >>> months = pd.date_range("2000-01-31", periods=120, freq="ME")
    >>> cape = pd.Series(20 + np.sin(np.arange(120) / 9), index=months, name="CAPE")
    >>> cf.figure4(cape).axes[0].get_title(loc="left")
    'CAPE: 20.61, +0.8 sd from its median (20.07)'
    """
    data = figure4_data(ratio, start=start, center=center)
    s = figure4_summary(data)
    ratio = as_series(ratio, "ratio")
    name = name_of(ratio, "value")
    if ratio.name == "ratio" and ratio.attrs.get(_PROXY_TAG[0]) == _PROXY_TAG[1]:
        measure = measure if measure is not None else "Price-to-book"
        labels = labels if labels is not None else ("smallest size quintile", "biggest size quintile")
        source = source if source is not None else FIG4_SOURCE
    measure = measure if measure is not None else name
    note = source if source is not None else unstated_source([name])
    what, x = (f"{measure}, {labels[0]} / {labels[1]}", "x") if labels is not None else (measure, "")
    fig = new_figure(9.0, 5.0)
    ax = fig.subplots()
    idx = data.index
    ax.plot(idx, data["value"].to_numpy(), color=NAVY, lw=1.5, label=what)
    ax.plot(idx, data["center"].to_numpy(), color="black", lw=1.0, label=center.capitalize())
    for k, style in ((1, "--"), (2, ":")):
        for sign in "+-":
            ax.plot(
                idx,
                data[f"{sign}{k}sd"].to_numpy(),
                color=ORANGE,
                lw=1.0,
                ls=style,
                label=f"{center.capitalize()} +/- {k} sd" if sign == "+" else None,
            )
    ax.set_ylabel(textwrap.fill(f"{what} ({x})" if x else what, 45))
    ax.set_xlabel("Date")
    ax.legend(loc="upper right", fontsize=8, frameon=False)
    set_title(
        ax,
        f"{what}: {s['ratio_latest']:.2f}{x}, {s['zscore_latest']:+.1f} sd from its {center} "
        f"({s['ratio_median']:.2f}{x})",
    )
    footnote(fig, note, idx[-1])
    return fig
