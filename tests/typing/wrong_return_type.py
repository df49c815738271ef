"""A wrong return type that `mypy --strict` must catch (tests/test_typing.py)."""

from __future__ import annotations

import pandas as pd

from capcycle import rolling, valuation

prices = pd.Series([1.0, 2.0, 4.0])
x: float = rolling.std(prices, 63)
lines: pd.Series[float] = valuation.bands(prices)
