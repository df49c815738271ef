"""What the exhibits share: colours, input checks, the footnote and the figure frame."""

from __future__ import annotations

import math
import textwrap
from typing import Any

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

NAVY = "#1f3b63"
ORANGE = "#e07b00"
GREEN = "#2e7d32"
RED = "#c62828"
GREY = "#7f7f7f"


def as_series(x: Any, name: str) -> pd.Series:
    if isinstance(x, pd.DataFrame) and x.shape[1] == 1:
        x = x.iloc[:, 0]
    if not isinstance(x, pd.Series):
        raise TypeError(f"{name} must be a pandas Series with a DatetimeIndex, got {type(x).__name__}")
    if not isinstance(x.index, pd.DatetimeIndex):
        raise TypeError(f"{name} must have a DatetimeIndex, got {type(x.index).__name__}")
    if not x.index.is_monotonic_increasing:
        raise ValueError(f"{name} must be sorted by date (its index is not increasing)")
    return x.astype("float64")


def as_frame(x: Any, name: str) -> pd.DataFrame:
    if not isinstance(x, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame with a DatetimeIndex, got {type(x).__name__}")
    if not isinstance(x.index, pd.DatetimeIndex):
        raise TypeError(f"{name} must have a DatetimeIndex, got {type(x.index).__name__}")
    return x.astype("float64")


def day_label(ts: pd.Timestamp) -> str:
    return f"{ts:%d %b %Y}".lstrip("0")


def footnote(fig: Figure, source: str, asof: pd.Timestamp, extra: str = "") -> None:
    text = f"Source: {source}. Data as of {day_label(asof)}."
    if extra:
        text += f" {extra}"
    width = int(fig.get_figwidth() * 17)  # characters per line at 7 pt
    lines = textwrap.wrap(text, width)
    fig.text(0.01, 0.005, "\n".join(lines), ha="left", va="bottom", fontsize=7, color=GREY)
    # keep the axes above the footnote, however many lines it takes
    height = (len(lines) * 7 * 1.25 + 6) / 72 / fig.get_figheight()
    fig.get_layout_engine().set(rect=(0, height, 1, 1 - height))


def new_figure(width: float = 9.0, height: float = 5.5) -> Figure:
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    fig.get_layout_engine().set(h_pad=0.06)
    return fig


def percent_axis(decimals: int = 0) -> PercentFormatter:
    return PercentFormatter(xmax=1.0, decimals=decimals)


def last_valid(x: pd.Series) -> tuple[pd.Timestamp | None, float]:
    x = x.dropna()
    if x.empty:
        return None, math.nan
    return x.index[-1], float(x.iloc[-1])



def placeholder(number: int, reason: str) -> Figure:
    """A figure that says figure ``number`` could not be drawn, and why."""
    fig = Figure(figsize=(9.0, 3.0), dpi=100)
    fig.text(0.5, 0.62, f"Figure {number} could not be drawn", ha="center", va="center", fontsize=16, color=NAVY)
    fig.text(0.5, 0.35, "\n".join(textwrap.wrap(reason, 110)), ha="center", va="center", fontsize=9, color=GREY)
    return fig
