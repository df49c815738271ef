"""The examples in the data layer's docstrings run and give what they show."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

import capcycle.data
import capcycle.data._layout
import capcycle.data._sample
import capcycle.performance


@pytest.mark.parametrize(
    "module",
    [capcycle.data, capcycle.data._layout, capcycle.data._sample, capcycle.performance],
    ids=lambda m: m.__name__,
)
def test_docstring_examples(module: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAPCYCLE_DATA", raising=False)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
