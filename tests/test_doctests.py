"""The examples in the docstrings run and give what they show (every public module)."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

import capcycle._dates
import capcycle.data
import capcycle.data._layout
import capcycle.data._snapshot
import capcycle.figures.inputs
import capcycle.events
import capcycle.fed
import capcycle.performance
import capcycle.quality
import capcycle.rolling
import capcycle.valuation


@pytest.mark.parametrize(
    "module",
    [
        capcycle._dates,
        capcycle.data,
        capcycle.data._layout,
        capcycle.data._snapshot,
        capcycle.figures.inputs,
        capcycle.performance,
        capcycle.rolling,
        capcycle.valuation,
        capcycle.events,
        capcycle.fed,
        capcycle.quality,
    ],
    ids=lambda m: m.__name__,
)
def test_docstring_examples(module: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAPCYCLE_DATA", raising=False)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
