"""capcycle.figures on small synthetic inputs with known answers, and the drawing contract:
every figure has a title, labelled axes, and a footnote with its source and "as of" date."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import capcycle.figures as cf
from capcycle.calendar import RELEASES, releases


def _texts(fig: Figure) -> str:
    return " ".join(t.get_text() for t in fig.texts)


def _check_dressed(fig: Figure) -> None:
    assert isinstance(fig, Figure)
    axes = fig.get_axes()
    assert axes
    assert any(ax.get_title(loc="left") for ax in axes), "no title"
    assert all(ax.get_ylabel() for ax in axes), "an axis has no y label"
    assert any(ax.get_xlabel() for ax in axes), "no x label"
    note = _texts(fig)
    assert "Source:" in note and "as of" in note


@pytest.fixture
def days() -> pd.DatetimeIndex:
    return pd.bdate_range("2021-06-01", "2024-09-30")


def _level(index: pd.DatetimeIndex, daily: float, seed: int) -> pd.Series:
    rng = np.random.default_rng(seed)
    return pd.Series(100 * np.cumprod(1 + daily + 0.01 * rng.standard_normal(len(index))), index=index)


# ------------------------------------------------------------------ calendar


def test_calendar_table() -> None:
    assert list(RELEASES.columns) == ["date", "event", "label", "source"]
    july = releases("2024-07-01", "2024-07-31")
    assert july["date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-07-01", "2024-07-03", "2024-07-11", "2024-07-31"]
    assert set(releases()["event"]) == {"ISM Manufacturing", "ISM Services", "CPI", "FOMC"}
    copy = releases()
    copy.loc[0, "event"] = "changed"  # a copy: the shipped table stays intact
    assert RELEASES.loc[0, "event"] == "ISM Manufacturing"


# ------------------------------------------------------------------ figure 1


def test_figure1_known_relative(days: pd.DatetimeIndex) -> None:
    large = _level(days, 0.0, 1)
    small = large * np.exp(np.linspace(0, 0.1, len(days)))  # small gains steadily on large
    yld = pd.Series(np.linspace(1.0, 4.0, len(days)), index=days)
    yld.iloc[::17] = np.nan  # FRED holidays
    data = cf.figure1_data(small, large, yld)
    assert data.index[0] == pd.Timestamp("2022-01-03") and data.index[-1] == pd.Timestamp("2024-08-20")
    s = cf.figure1_summary(data)
    t0, t1 = data.index[0], data.index[-1]
    ref = (small[t1] / large[t1]) / (small[t0] / large[t0]) - 1
    assert math.isclose(s["rel_perf_change_2022_to_asof"], ref, rel_tol=1e-12)
    # filled from the first day on (the window reaches back before 2022); a day without
    # a published yield has no yield change, hence no correlation
    assert data["corr"].notna().equals(data["yield_2y"].notna())
    assert data["corr"].dropna().between(-1, 1).all()
    _check_dressed(cf.figure1(small, large, yld))


def test_figure1_rejects_bad_input(days: pd.DatetimeIndex) -> None:
    s = _level(days, 0.0, 2)
    with pytest.raises(TypeError, match="small"):
        cf.figure1_data(s.to_numpy(), s, s)
    with pytest.raises(TypeError, match="yield_2y"):
        cf.figure1_data(s, s, s.reset_index(drop=True))
    with pytest.raises(ValueError, match="window"):
        cf.figure1_data(s, s, s, window=1)


# ------------------------------------------------------------------ figure 2


def test_figure2_known_excess() -> None:
    days = pd.bdate_range("2024-06-20", "2024-08-30")
    r_small = pd.Series(0.001, index=days)
    r_large = pd.Series(0.0, index=days)
    r_small.loc["2024-07-11"] = 0.05
    small = 100 * (1 + r_small).cumprod()
    large = 100 * (1 + r_large).cumprod()
    data = cf.figure2_data(small, large)
    assert data.index[0] == pd.Timestamp("2024-07-01") and data.index[-1] == pd.Timestamp("2024-08-26")
    s = cf.figure2_summary(data)
    assert math.isclose(s["excess_return_2024-07-11"], 0.05, rel_tol=1e-9)
    assert s["max_excess_day"] == 20240711.0
    assert math.isclose(s["max_excess_return"], 0.05, rel_tol=1e-9)
    july_days = len(pd.bdate_range("2024-07-01", "2024-07-31"))
    assert math.isclose(s["excess_return_july_2024"], 1.001 ** (july_days - 1) * 1.05 - 1, rel_tol=1e-9)
    fig = cf.figure2(small, large)
    _check_dressed(fig)
    labels = " ".join(t.get_text() for t in fig.axes[0].texts)
    for name in ("CPI", "ISM Mfg", "ISM Svcs", "FOMC"):
        assert name in labels


# ------------------------------------------------------------------ figure 3


def _monthly_relative() -> pd.Series:
    months = pd.date_range("1995-01-31", "2021-12-31", freq="ME")
    # the relative index grows 1 % a month: every 12-month change is 1.01**12 - 1
    return pd.Series(1.01 ** np.arange(len(months)), index=months, name="toy")


def test_figure3_known_paths() -> None:
    rel = _monthly_relative()
    data = cf.figure3_data(rel, n_boot=0, n_placebo=0)
    assert list(data.paths.columns) == ["2001-01-03", "2007-09-18", "2019-07-31"]
    assert list(data.paths.index) == list(range(-12, 13))
    s = cf.figure3_summary(data)
    for key in ("after_12m_2001", "after_12m_2007", "after_12m_2019", "after_12m_mean"):
        assert math.isclose(s[key], 1.01**12 - 1, rel_tol=1e-9), key
    assert math.isclose(s["before_12m_mean"], 1.01**12 - 1, rel_tol=1e-9)
    np.testing.assert_allclose(data.paths.loc[0].to_numpy(), 0.0, atol=1e-12)


def test_figure3_cycle_outside_data_is_nan() -> None:
    rel = _monthly_relative().loc[:"2015-12-31"]
    data = cf.figure3_data(rel, n_boot=0, n_placebo=0)
    s = cf.figure3_summary(data)
    assert math.isnan(s["after_12m_2019"])
    assert "2019" in data.missing
    assert math.isclose(s["after_12m_mean"], 1.01**12 - 1, rel_tol=1e-9)
    fig = cf.figure3(rel, n_boot=0, n_placebo=0)
    _check_dressed(fig)
    assert "2019 cycle not shown" in _texts(fig)


# ------------------------------------------------------------------ figure 4


def _tables(months: pd.DatetimeIndex) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    cols = [f"p{i}" for i in range(25)]
    bm = pd.DataFrame(1.0, index=months, columns=cols)
    n = pd.DataFrame(10.0, index=months, columns=cols)
    cap = pd.DataFrame(100.0, index=months, columns=cols)
    return bm, n, cap


def test_size_pb_proxy_known_answer() -> None:
    months = pd.date_range("2000-01-31", periods=4, freq="ME")
    bm, n, cap = _tables(months)
    bm.iloc[:, :5] = 2.0  # small: book twice the market -> P/B 0.5
    bm.iloc[:, 20:] = 0.25  # big: P/B 4
    bm.iloc[1, 0] = np.nan
    cap.iloc[:, 0] = 300.0  # weights: portfolio 0 holds 3/7 of the small quintile's ME
    bm.iloc[2, 0] = 1.0
    out = cf.size_pb_proxy(bm, n, cap)
    assert math.isclose(out["small_pb"].iloc[0], 0.5) and math.isclose(out["big_pb"].iloc[0], 4.0)
    assert math.isclose(out["ratio"].iloc[0], 0.125)
    assert math.isnan(out["small_pb"].iloc[1])  # a missing BE/ME leaves the month out
    # row 2: ME = 3000 + 4 x 1000, BE = 3000 x 1 + 4000 x 2 -> P/B = 7000 / 11000
    assert math.isclose(out["small_pb"].iloc[2], 7000 / 11000)
    with pytest.raises(ValueError, match="be_me"):
        cf.size_pb_proxy(bm.iloc[:, :24], n, cap)


def test_figure4_bands_and_summary() -> None:
    months = pd.date_range("1990-01-31", periods=240, freq="ME")
    ratio = pd.Series(1.0 + 0.1 * np.sin(np.arange(240) / 7), index=months)
    data = cf.figure4_data(ratio)
    for col in ("value", "center", "+1sd", "-1sd", "+2sd", "-2sd", "zscore", "percentile"):
        assert col in data.columns
    s = cf.figure4_summary(data)
    assert math.isclose(s["ratio_latest"], ratio.iloc[-1])
    assert math.isclose(s["ratio_median"], ratio.median())
    assert math.isclose(s["zscore_latest"], (ratio.iloc[-1] - ratio.median()) / ratio.std(), rel_tol=1e-9)
    _check_dressed(cf.figure4(ratio))
    with pytest.raises(ValueError, match="ratio"):
        cf.figure4_data(ratio, start="2030-01-01")


def test_read_multiples(tmp_path: Path) -> None:
    path = tmp_path / "pe.csv"
    path.write_text("date,small,large\n2024-01-31,15,20\n2024-02-29,,21\n2024-03-31,16,20\n")
    ratio = cf.read_multiples(path)
    assert ratio.index.tolist() == [pd.Timestamp("2024-01-31"), pd.Timestamp("2024-03-31")]
    np.testing.assert_allclose(ratio.to_numpy(), [0.75, 0.8])
    one = tmp_path / "ratio.csv"
    one.write_text("date,ratio\n2024-01-31,0.7\n2024-02-29,0.71\n")
    assert cf.read_multiples(one).tolist() == [0.7, 0.71]
    bad = tmp_path / "bad.csv"
    bad.write_text("date,a,b,c\n2024-01-31,1,2,3\n")
    with pytest.raises(ValueError, match="path"):
        cf.read_multiples(bad)


def test_placeholder_says_why() -> None:
    fig = cf.placeholder(2, "no small-cap prices in the sample")
    assert "Figure 2 could not be drawn" in _texts(fig)
    assert "no small-cap prices" in _texts(fig)
