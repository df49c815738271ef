"""The four figures of the research note, and the numbers each one reports.

"Positioning for a Small-Cap Market Rotation in Our Model Portfolios" (WisdomTree,
12 September 2024) makes its case with four exhibits; a fifth (``quality``) tests its
closing advice, high-quality small caps, on public data. Each has three functions here:

- ``figureN_data(...)``: the computation (through capcycle's kernels: the relative
  performance and excess returns of ``capcycle``, ``capcycle.rolling.corr``,
  ``capcycle.events.event_study``, ``capcycle.valuation``), returning plain pandas
  objects a notebook can show;
- ``figureN_summary(data)``: the numbers the figure reports, ``{metric: value}`` in
  decimal units (0.04 is 4 %; a day is a ``pd.Timestamp``); ``capcycle reproduce``
  writes them to ``summary.csv`` (a day as a YYYYMMDD number);
- ``figureN(...)``: the matplotlib ``Figure`` (title, axis labels with units,
  source and "as of" date in a footnote). It takes the raw inputs (Series or
  DataFrames), so users can pass their own data: every text comes from them (labels
  from the series' names, dates and months from the window, the source from
  ``source=``, else "not stated"). Only the note's own inputs, recognised by their
  names, get the note's labels and source by default.

One module per exhibit (``rates``, ``daily_excess``, ``first_cuts``,
``relative_valuation``, ``quality``), their shared style (``_style``) and their inputs (``inputs``).
``load_inputs(data_dir=None)`` gathers every input by the lookup rule of
``capcycle.data`` (a data folder, ``CAPCYCLE_DATA``, the cache, the network, the
snapshot shipped in the package) and says which proxy and files feed each figure.

Examples
--------
>>> import capcycle.figures as cf
>>> inputs = cf.load_inputs()                          # doctest: +SKIP
>>> fig = cf.figure2(**inputs.fig2)                     # doctest: +SKIP
>>> cf.figure2_summary(cf.figure2_data(**inputs.fig2))  # doctest: +SKIP
"""

from capcycle.figures._style import placeholder
from capcycle.figures.daily_excess import FIG2_SOURCE, figure2, figure2_data, figure2_summary
from capcycle.figures.first_cuts import (
    CYCLE_CUTS,
    FIG3_SOURCE,
    Figure3Data,
    figure3,
    figure3_data,
    figure3_summary,
    size_relative_index,
)
from capcycle.figures.inputs import Inputs, daily_levels, load_inputs, where
from capcycle.figures.quality import (
    FIG5_SOURCE,
    Figure5Data,
    figure5,
    figure5_data,
    figure5_inputs,
    figure5_summary,
    profitability_gap,
)
from capcycle.figures.rates import FIG1_SOURCE, figure1, figure1_data, figure1_summary
from capcycle.figures.relative_valuation import (
    FIG4_SOURCE,
    figure4,
    figure4_data,
    figure4_summary,
    read_multiples,
    size_pb_proxy,
)

__all__ = [
    "CYCLE_CUTS",
    "FIG1_SOURCE",
    "FIG2_SOURCE",
    "FIG3_SOURCE",
    "FIG4_SOURCE",
    "FIG5_SOURCE",
    "Figure3Data",
    "Figure5Data",
    "Inputs",
    "daily_levels",
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
    "figure5",
    "figure5_data",
    "figure5_inputs",
    "figure5_summary",
    "load_inputs",
    "placeholder",
    "profitability_gap",
    "read_multiples",
    "size_pb_proxy",
    "size_relative_index",
    "where",
]
