"""What the exhibits share: colours, input checks, the footnote and the figure frame."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter

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


def set_title(ax: Axes, text: str, fontsize: float = 11) -> None:
    """A left-aligned title wrapped to the axes' figure width (text built from the
    inputs can be longer than the note's)."""
    fig = ax.get_figure(root=True)
    # characters per line: about 0.55 em each, over the axes' share of the width
    width = int((fig.get_figwidth() if fig is not None else 9.0) * 105 / fontsize)
    ax.set_title(textwrap.fill(text, width), fontsize=fontsize, loc="left")


class PercentTicks(Formatter):
    """Decimal values as percent tick labels with as few decimals as keep them exact,
    so that ticks 0.005 apart read 0.5 % and 1.0 %, never 0 % and 1 % twice."""

    def __init__(self) -> None:
        self.decimals = 0

    def set_locs(self, locs: list[float]) -> None:
        super().set_locs(locs)
        pct = np.asarray(locs, dtype="float64") * 100
        pct = pct[np.isfinite(pct)]
        scale = max(float(np.abs(pct).max()), 1.0) if len(pct) else 1.0
        self.decimals = next(
            (d for d in range(7) if np.all(np.abs(np.round(pct, d) - pct) <= 1e-9 * scale)), 6
        )

    def __call__(self, x: float, pos: int | None = None) -> str:
        return f"{x * 100:.{self.decimals}f}%"


#: What a footnote says when the caller did not state the data's source.
UNSTATED = "not stated (pass source=...)"


def name_of(x: pd.Series, fallback: str) -> str:
    """The series' own name, or ``fallback`` for an unnamed series."""
    return fallback if x.name is None or str(x.name) == "" else str(x.name)


def stated(
    given: Any, names: tuple[str, ...], note_names: tuple[str, ...], note_value: Any, fallback: Any
) -> Any:
    """A figure's text: the caller's (``given``), else the note's when the inputs are
    the note's (their names are ``note_names``), else a ``fallback`` built from the inputs."""
    if given is not None:
        return given
    return note_value if names == note_names else fallback


def unstated_source(names: Sequence[str]) -> str:
    return f"{', '.join(names)}; source {UNSTATED}"


def year_span(index: pd.DatetimeIndex) -> str:
    """ "2024" or "2024-2025": the calendar years a chart's dates cover."""
    first, last = index[0].year, index[-1].year
    return str(first) if first == last else f"{first}-{last}"


def last_valid(x: pd.Series) -> tuple[pd.Timestamp | None, float]:
    x = x.dropna()
    if x.empty:
        return None, math.nan
    return x.index[-1], float(x.iloc[-1])


def placeholder(number: int, reason: str) -> Figure:
    """A figure that says figure ``number`` could not be drawn, and why."""
    fig = Figure(figsize=(9.0, 3.0), dpi=100)
    fig.text(
        0.5, 0.62, f"Figure {number} could not be drawn", ha="center", va="center", fontsize=16, color=NAVY
    )
    fig.text(
        0.5, 0.35, "\n".join(textwrap.wrap(reason, 110)), ha="center", va="center", fontsize=9, color=GREY
    )
    return fig
