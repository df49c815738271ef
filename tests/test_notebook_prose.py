"""The notebooks' static text states method and caveats only: a number that depends on
the data (a return, a yield, a z-score, a percentile) is printed by the code that
computes it, because the notebooks run on two sources (CAPCYCLE_DATA or the embedded
snapshot) and a sentence typed in by hand is true of at most one."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))

# a percentage, a multiple, percentage points, a count of standard deviations or a
# correlation-like decimal
RESULT = re.compile(r"[-+]?\d+(?:\.\d+)?\s?(?:%|x\b|pp\b|percent|standard dev|sd\b)|[-+]?0\.\d+")
# what the method defines, not what the data say: the size breakpoints and the band level
DEFINITIONS = {"30 %", "90 %"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_markdown_cites_no_result(path: Path) -> None:
    book = nbformat.read(path, as_version=4)
    for i, cell in enumerate(book.cells):
        if cell.cell_type == "markdown":
            cited = [m for m in RESULT.findall(cell.source) if m not in DEFINITIONS]
            assert not cited, f"{path.name} cell {i} types in {cited}: print it from the numbers instead"


def test_the_rule_catches_a_typed_number() -> None:
    assert RESULT.findall("small caps fell about 17 % while the yield rose 3.6 pp, z -1.7 sd") == [
        "17 %",
        "3.6 pp",
        "-1.7 sd",
    ]
    assert RESULT.findall("correlate at about 0.01") == ["0.01"]
