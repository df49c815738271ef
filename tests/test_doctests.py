"""The examples in the docstrings run and give what they show (every public module)."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

import capcycle.data
import capcycle.data._layout
import capcycle.data._sample
import capcycle._lazy
import capcycle.events
import capcycle.fed
import capcycle.performance
import capcycle.rolling
import capcycle.valuation
import capcycle.xarray


@pytest.mark.parametrize(
    "module",
    [
        capcycle.data,
        capcycle.data._layout,
        capcycle.data._sample,
        capcycle.performance,
        capcycle.rolling,
        capcycle.valuation,
        capcycle.events,
        capcycle.fed,
        capcycle._lazy,
        capcycle.xarray,
    ],
    ids=lambda m: m.__name__,
)
def test_docstring_examples(module: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAPCYCLE_DATA", raising=False)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
