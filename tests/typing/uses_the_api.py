"""Calls the public API as an analyst would; `mypy --strict` must accept it (tests/test_typing.py)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
import polars as pl

from capcycle import rolling, valuation

prices = pd.Series([1.0, 2.0, 4.0], index=pd.date_range("2024-01-01", periods=3))
panel = pd.DataFrame({"a": [1.0, 2.0, 4.0], "b": [1.0, 0.0, 1.0]}, index=prices.index)

vol: pd.Series[float] = rolling.std(prices, 63)
vol_by_time: pd.Series[float] = rolling.std(prices, "90D", min_periods=2)
spread: pd.DataFrame = rolling.mean(panel, pd.Timedelta(days=30))
median: npt.NDArray[np.float64] = rolling.median([1.0, 2.0, 3.0], 2)
upper: pl.Series = rolling.quantile(pl.Series("x", [1.0, 2.0]), 2, q=0.9)
by_date: pl.DataFrame = rolling.sum(pl.DataFrame({"date": [1, 2], "x": [1.0, 2.0]}), "2D", on="date")
link: pd.Series[float] = rolling.corr(prices, prices * 2, "90D", join="inner")
links: pd.DataFrame = rolling.cov(panel, prices, 2)
slope: pd.DataFrame = rolling.beta(panel, prices, 2, min_periods=2)
z: pd.Series[float] = valuation.zscore(prices, window="expanding")
zs: npt.NDArray[np.float64] = valuation.zscore([1.0, 2.0, 3.0])
rank: pd.DataFrame = valuation.percentile_rank(panel, window=2)
lines: pd.DataFrame = valuation.bands(prices, k=(1, 2))
polar_lines: pl.DataFrame = valuation.bands(pl.Series("pe", [1.0, 2.0]))
ratio: pd.Series[float] = valuation.relative_multiple(prices, prices * 2)
ratios: pd.DataFrame = valuation.relative_multiple(panel, prices)
plain: npt.NDArray[np.float64] = valuation.relative_multiple([15.0, 16.0], [20.0, 20.0])
