"""The ``.capcycle`` accessor on xarray DataArrays and Datasets.

``import capcycle.xarray`` registers it (``import capcycle`` does too when xarray is
already imported); then ``da.capcycle.rolling(time=252).std()`` runs
:func:`capcycle.rolling.std` along ``time``, lazily block by block when the data
are dask arrays (bit-identical to the in-memory result whatever the chunking), and
returns a DataArray with the same dimensions, coordinates and name. On a Dataset
every data variable with that dimension is computed; the others are kept as they
are.

Examples
--------
>>> import numpy as np, xarray as xr
>>> import capcycle.xarray
>>> da = xr.DataArray(np.arange(6.0), dims="time")
>>> da.capcycle.rolling(time=3).mean().values.tolist()
[nan, nan, 1.0, 2.0, 3.0, 4.0]
>>> ds = xr.Dataset({"a": da, "b": 2 * da})
>>> ds.capcycle.rolling(time=2).max()["b"].values.tolist()
[nan, 2.0, 4.0, 6.0, 8.0, 10.0]
"""

from __future__ import annotations

from typing import Any

import xarray as xr

from capcycle import rolling as _rolling
from capcycle import valuation as _valuation

__all__ = ["CapcycleAccessor", "Rolling"]


class Rolling:
    """A rolling window along one dimension; each method is the statistic of
    :mod:`capcycle.rolling` with the same name and arguments."""

    def __init__(
        self, obj: xr.DataArray | xr.Dataset, dim: str, window: Any, min_periods: int | None
    ) -> None:
        if dim not in obj.dims:
            raise ValueError(f"dim: {dim!r} is not a dimension of the {type(obj).__name__} {tuple(obj.dims)}")
        self.obj, self.dim, self.window, self.min_periods = obj, dim, window, min_periods

    def _apply(self, stat: str, **options: Any) -> xr.DataArray | xr.Dataset:
        function = getattr(_rolling, stat)

        def one(array: xr.DataArray) -> xr.DataArray:
            return function(array, self.window, min_periods=self.min_periods, dim=self.dim, **options)

        if isinstance(self.obj, xr.DataArray):
            return one(self.obj)
        return self.obj.map(lambda v: one(v) if self.dim in v.dims else v, keep_attrs=True)

    def _pair(self, stat: str, other: xr.DataArray, **options: Any) -> xr.DataArray:
        if not isinstance(self.obj, xr.DataArray):
            raise TypeError(f"{stat}: needs a DataArray, not a Dataset")
        function = getattr(_rolling, stat)
        return function(self.obj, other, self.window, min_periods=self.min_periods, dim=self.dim, **options)

    def sum(self) -> Any:
        return self._apply("sum")

    def mean(self) -> Any:
        return self._apply("mean")

    def var(self, ddof: int = 1) -> Any:
        return self._apply("var", ddof=ddof)

    def std(self, ddof: int = 1) -> Any:
        return self._apply("std", ddof=ddof)

    def min(self) -> Any:
        return self._apply("min")

    def max(self) -> Any:
        return self._apply("max")

    def median(self) -> Any:
        return self._apply("median")

    def quantile(self, q: float) -> Any:
        return self._apply("quantile", q=q)

    def zscore(self, ddof: int = 1) -> Any:
        return self._apply("zscore", ddof=ddof)

    def cov(self, other: xr.DataArray, ddof: int = 1) -> Any:
        """Rolling covariance with ``other`` (same ``dim`` length; 1-D broadcast)."""
        return self._pair("cov", other, ddof=ddof)

    def corr(self, other: xr.DataArray) -> Any:
        """Rolling correlation with ``other``."""
        return self._pair("corr", other)

    def beta(self, other: xr.DataArray) -> Any:
        """Rolling slope of this array regressed on ``other``."""
        return self._pair("beta", other)


@xr.register_dataset_accessor("capcycle")
@xr.register_dataarray_accessor("capcycle")
class CapcycleAccessor:
    """``obj.capcycle``: capcycle's rolling and valuation statistics along a dimension."""

    def __init__(self, obj: xr.DataArray | xr.Dataset) -> None:
        self._obj = obj

    def rolling(self, min_periods: int | None = None, **window: Any) -> Rolling:
        """``rolling(time=252)``: one dimension and its window (rows, or a duration
        such as ``"90D"`` along a datetime coordinate)."""
        if len(window) != 1:
            raise ValueError(
                f"window: give exactly one dimension and its window, e.g. time=252; got {window}"
            )
        ((dim, size),) = window.items()
        return Rolling(self._obj, dim, size, min_periods)

    def zscore(self, dim: str, **options: Any) -> Any:
        """:func:`capcycle.valuation.zscore` along ``dim`` (same options)."""
        return self._each(lambda v: _valuation.zscore(v, dim=dim, **options), dim)

    def percentile_rank(self, dim: str, **options: Any) -> Any:
        """:func:`capcycle.valuation.percentile_rank` along ``dim`` (same options)."""
        return self._each(lambda v: _valuation.percentile_rank(v, dim=dim, **options), dim)

    def _each(self, function: Any, dim: str) -> Any:
        if isinstance(self._obj, xr.DataArray):
            return function(self._obj)
        return self._obj.map(lambda v: function(v) if dim in v.dims else v, keep_attrs=True)
