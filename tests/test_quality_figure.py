"""Figure 5 (issue 15): quality within small caps around first cuts, and the
profitability gap, against independent plain-pandas computations on the same file."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import capcycle.figures as cf
from capcycle.figures.quality import figure5_inputs
from test_summary import _french_block

FILE = "25_Portfolios_ME_OP_5x5.csv"


def toy_tables(months: int = 400) -> dict[str, pd.DataFrame]:
    """25 portfolios where SMALL HiOP gains 1 % a month on SMALL LoOP from 2000 on."""
    index = pd.date_range("1990-01-31", periods=months, freq="ME")
    columns = [f"ME{s} OP{o}" for s in range(1, 6) for o in range(1, 6)]
    returns = pd.DataFrame(0.005, index=index, columns=columns)
    returns.loc["2000-01-31":, "ME1 OP5"] = (1.005 * 1.01) - 1
    op = pd.DataFrame(
        np.tile(np.linspace(-0.2, 0.6, 5), 5)[None, :].repeat(months, 0), index=index, columns=columns
    )
    firms = pd.DataFrame(100.0, index=index, columns=columns)
    size = pd.DataFrame(
        np.repeat([1.0, 5.0, 20.0, 80.0, 500.0], 5)[None, :].repeat(months, 0), index=index, columns=columns
    )
    # the small quintile holds most of its equity in the weakest fifth, the big one in the best
    size.iloc[:, 0] *= 4
    size.iloc[:, 24] *= 4
    return {"returns": returns, "op": op, "firms": firms, "size": size}


def test_figure5_on_a_toy_panel() -> None:
    tables = toy_tables()
    data = cf.figure5_data(**tables, robust="ME1 OP5", weak="ME1 OP1", n_boot=200, n_placebo=100)
    s = cf.figure5_summary(data)
    for year in ("2001", "2007", "2019"):
        assert s[f"after_12m_{year}"] == pytest.approx(1.01**12 - 1, rel=1e-12)
    assert s["after_12m_mean"] == pytest.approx(1.01**12 - 1, rel=1e-12)
    assert 0.0 <= s["placebo_percentile_12m"] <= 1.0
    # every OP column is the same at every size, so the typical OP is the column's
    typical = np.linspace(-0.2, 0.6, 5)
    w_small = np.array([4.0, 1, 1, 1, 1])
    w_big = np.array([1.0, 1, 1, 1, 4])
    want = (w_small @ typical) / w_small.sum() - (w_big @ typical) / w_big.sum()
    assert s["op_gap_latest"] == pytest.approx(want, rel=1e-12)
    assert list(s) == [
        "after_12m_2001",
        "after_12m_2007",
        "after_12m_2019",
        "after_12m_mean",
        "placebo_percentile_12m",
        "op_gap_latest",
    ]
    fig = cf.figure5(**tables, robust="ME1 OP5", weak="ME1 OP1", n_boot=100, n_placebo=50)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert "+12.7% on average" in fig.axes[0].get_title(loc="left")
    assert "3 of 3 cycles" in fig.axes[0].get_title(loc="left")
    assert all(ax.get_ylabel() and ax.get_title(loc="left") for ax in fig.axes)


def test_figure5_refuses_bad_tables_by_name() -> None:
    tables = toy_tables()
    with pytest.raises(ValueError, match="op must have the 25 portfolio columns"):
        cf.figure5_data(
            **{**tables, "op": tables["op"].iloc[:, :5]},
            robust="ME1 OP5",
            weak="ME1 OP1",
            n_boot=0,
            n_placebo=0,
        )
    with pytest.raises(ValueError, match="robust='nope' is not a column of returns"):
        cf.figure5_data(**tables, robust="nope", n_boot=0, n_placebo=0)
    with pytest.raises(TypeError, match="returns must be a pandas DataFrame"):
        cf.figure5_data(tables["returns"].to_numpy(), tables["op"], tables["firms"], tables["size"])


# ------------------------------------------------------------------ the real file


@pytest.fixture(scope="module")
def real(data_dir: Path) -> dict[str, pd.DataFrame]:
    from capcycle import data as cd

    return figure5_inputs(cd.french(FILE[:-4], data_dir=data_dir))


@pytest.fixture(scope="module")
def blocks(data_dir: Path) -> dict[str, pd.DataFrame]:
    path = data_dir / "french" / FILE
    return {
        "returns": _french_block(path, None) / 100.0,
        "op": _french_block(path, "Value Weight Average of OP"),
        "firms": _french_block(path, "Number of Firms in Portfolios"),
        "size": _french_block(path, "Average Market Cap"),
    }


def test_fig5_rows_against_plain_pandas(
    real: dict[str, pd.DataFrame], blocks: dict[str, pd.DataFrame]
) -> None:
    got = cf.figure5_summary(cf.figure5_data(**real))
    r = blocks["returns"]
    ratio = (1 + r["SMALL HiOP"]) / (1 + r["SMALL LoOP"])
    afters = []
    for cut in ("2001-01-03", "2007-09-18", "2019-07-31"):
        base = r.index[r.index <= pd.Timestamp(cut)][-1]  # last month-end on or before the cut
        window = ratio[(ratio.index > base) & (ratio.index <= base + pd.offsets.MonthEnd(12))]
        assert len(window) == 12
        want = float(window.prod()) - 1
        afters.append(want)
        assert math.isclose(got[f"after_12m_{cut[:4]}"], want, rel_tol=1e-9), cut
    assert math.isclose(got["after_12m_mean"], float(np.mean(afters)), rel_tol=1e-9)
    assert 0.0 <= got["placebo_percentile_12m"] <= 1.0
    # the story the data tell: quality won in 2001 and 2007, lost in the 2020 junk rally
    assert got["after_12m_2001"] > 0 and got["after_12m_2007"] > 0 and got["after_12m_2019"] < -0.2


def test_profitability_gap_against_plain_pandas(
    real: dict[str, pd.DataFrame], blocks: dict[str, pd.DataFrame]
) -> None:
    got = cf.profitability_gap(real["op"], real["firms"], real["size"])
    op, firms, size = blocks["op"], blocks["firms"], blocks["size"]
    cols = list(op.columns)
    small, big = cols[:5], cols[20:]
    for date in got.index[::37]:
        me = firms.loc[date] * size.loc[date]
        typical = [float(np.median([op.loc[date, cols[5 * s + o]] for s in range(5)])) for o in range(5)]
        want_small = sum(me[c] * typical[o] for o, c in enumerate(small)) / me[small].sum()
        want_big = sum(me[c] * typical[o] for o, c in enumerate(big)) / me[big].sum()
        vw_small = (me[small] * op.loc[date, small]).sum() / me[small].sum()
        vw_big = (me[big] * op.loc[date, big]).sum() / me[big].sum()
        row = got.loc[date]
        assert math.isclose(row["gap"], want_small - want_big, rel_tol=1e-9, abs_tol=1e-12), date
        assert math.isclose(row["gap_vw"], vw_small - vw_big, rel_tol=1e-9, abs_tol=1e-12), date
    assert got["gap"].notna().all() and len(got) == len(op)


def test_every_cycle_since_1989(real: dict[str, pd.DataFrame]) -> None:
    from capcycle.fed import FIRST_CUTS

    data = cf.figure5_data(**real, cuts=FIRST_CUTS, n_boot=200, n_placebo=100)
    assert list(data.events.paths.columns) == [f"{c:%Y-%m-%d}" for c in FIRST_CUTS]
    # the 2024 cut has only four months of data after it in this vintage (rebased at 2024-08, data to 2024-12)
    assert np.isnan(data.events.paths.loc[12, "2024-09-18"])
    assert data.events.paths.loc[12].notna().sum() == len(FIRST_CUTS) - 1


def test_readme_quotes_the_fig5_rows(real: dict[str, pd.DataFrame]) -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    got = cf.figure5_summary(cf.figure5_data(**real))
    for metric in (
        "after_12m_2001",
        "after_12m_2007",
        "after_12m_2019",
        "after_12m_mean",
        "placebo_percentile_12m",
    ):
        assert f"| fig5 | {metric} | {got[metric]:.4f} |" in readme, metric
    gap = cf.profitability_gap(real["op"], real["firms"], real["size"])
    text = readme.replace(" %", "%")
    assert f"from {gap['gap_vw'].min():,.0%} to {gap['gap_vw'].max():+,.0%}" in text
    assert f"to {gap['gap'].iloc[-1] * 100:.0f} at the end of" in text


def test_figure5_inputs_take_ken_frenchs_own_titles(data_dir: Path) -> None:
    from capcycle import data as cd

    tables = cd.french(FILE[:-4], data_dir=data_dir)
    titled = {
        ("Average Value Weighted Returns -- Monthly" if k == "main" else k): v for k, v in tables.items()
    }
    a, b = figure5_inputs(tables), figure5_inputs(titled)
    assert all(a[k].equals(b[k]) for k in a) and a["returns"].attrs["units"] == "decimal"
    with pytest.raises(KeyError, match="average of op"):
        figure5_inputs({k: v for k, v in tables.items() if "OP" not in k})
