"""The examples in the docstrings and the README run and give what they show."""

from __future__ import annotations

import doctest
import re
from pathlib import Path
from types import ModuleType

import pytest

import capcycle._dates
import capcycle._lazy
import capcycle.data
import capcycle.data._layout
import capcycle.data._snapshot
import capcycle.events
import capcycle.fed
import capcycle.figures.inputs
import capcycle.performance
import capcycle.quality
import capcycle.rolling
import capcycle.valuation
import capcycle.xarray


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
        capcycle._lazy,
        capcycle.xarray,
    ],
    ids=lambda m: m.__name__,
)
def test_docstring_examples(module: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAPCYCLE_DATA", raising=False)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_examples_run_on_the_real_data(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every ```python block of the README with >>> prompts, in order, sharing names."""
    monkeypatch.setenv("CAPCYCLE_DATA", str(data_dir))
    blocks = [b for b in re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S) if ">>>" in b]
    assert len(blocks) >= 3
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    names: dict[str, object] = {}
    for number, block in enumerate(blocks):
        test = parser.get_doctest(block, names, f"README.md block {number}", str(README), 0)
        runner.run(test, clear_globs=False)
        names = test.globs  # a block uses the names the blocks before it defined
    result = runner.summarize(verbose=False)
    assert result.attempted > 0 and result.failed == 0
