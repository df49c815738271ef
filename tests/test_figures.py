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
import capcycle.figures.daily_excess
import capcycle.figures.first_cuts
import capcycle.figures.rates
import capcycle.figures.relative_valuation
from capcycle import valuation
from capcycle.calendar import RELEASES, releases


def _texts(fig: Figure) -> str:
    """The figure's own texts (footnote), with line wrapping undone."""
    return " ".join(" ".join(t.get_text() for t in fig.texts).split())


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
    assert july["date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2024-07-01",
        "2024-07-03",
        "2024-07-11",
        "2024-07-31",
    ]
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
    assert s["max_excess_day"] == pd.Timestamp("2024-07-11")
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
    assert "2019 first Fed rate cut not shown" in _texts(fig)


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


# ------------------------------------------------------------------ the text comes from the inputs
# Each figure on data other than the note's: other dates, frequencies and names. What the
# figure says (titles, axis labels, legends, annotations, footnotes) must come from those
# inputs, and nothing may name the note's dates, tickers or sources.

NOTE_WORDS = (
    "2022",
    "2024",
    "July",
    "IJR",
    "SPY",
    "IWM",
    "IWB",
    "S&P",
    "Russell",
    "DGS2",
    "French",
    "CPI",
    "ISM",
    "FOMC",
    "quintile",
    "Price-to-book",
    "small vs large caps",
)


def _all_text(fig: Figure) -> str:
    """Every word a reader sees except the tick labels."""
    parts = [t.get_text() for t in fig.texts]
    for ax in fig.get_axes():
        parts += [ax.get_title(loc=loc) for loc in ("left", "center", "right")]
        parts += [ax.get_xlabel(), ax.get_ylabel()] + [t.get_text() for t in ax.texts]
        legend = ax.get_legend()
        if legend is not None:
            parts += [t.get_text() for t in legend.get_texts()]
    return " ".join(" | ".join(parts).split())


def _title(ax: object) -> str:
    """The left title with its wrapping undone."""
    return " ".join(ax.get_title(loc="left").split())  # type: ignore[attr-defined]


def _none_of_the_note(fig: Figure, allowed: tuple[str, ...] = ()) -> None:
    text = _all_text(fig)
    for word in NOTE_WORDS:
        if word not in allowed:
            assert word not in text, f"{word!r} in a figure of other data: {text}"


def _tick_labels(ax: object) -> list[str]:
    fig = ax.get_figure()  # type: ignore[attr-defined]
    fig.canvas.draw()
    return [t.get_text() for t in ax.get_yticklabels() if t.get_text()]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "module",
    [
        capcycle.figures.rates,
        capcycle.figures.daily_excess,
        capcycle.figures.first_cuts,
        capcycle.figures.relative_valuation,
    ],
)
def test_figure_docstring_examples(module: object) -> None:
    import doctest

    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)  # type: ignore[arg-type]
    assert result.attempted > 0 and result.failed == 0


def test_percent_ticks_never_repeat() -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from capcycle.figures._style import PercentTicks, new_figure

    for top in (0.004, 0.012, 0.03, 0.25, 2.0):
        fig = new_figure()
        FigureCanvasAgg(fig)
        ax = fig.subplots()
        ax.plot([0, 1], [-top / 3, top])
        ax.yaxis.set_major_formatter(PercentTicks())
        labels = _tick_labels(ax)
        assert len(labels) == len(set(labels)) >= 3, labels
        # exact: each label is its tick's value, in percent
        for tick, label in zip(ax.get_yticks(), [t.get_text() for t in ax.get_yticklabels()], strict=True):
            assert math.isclose(float(label.rstrip("%")), tick * 100, abs_tol=1e-9 + 1e-9 * abs(tick) * 100)


def test_figure1_other_data_other_text() -> None:
    days = pd.bdate_range("2017-01-02", "2020-12-31")
    small = _level(days, 0.0002, 11).rename("AAA")
    large = _level(days, 0.0, 12).rename("BBB")
    yld = pd.Series(np.linspace(2.5, 0.2, len(days)), index=days)  # unnamed: no claim about it
    data = cf.figure1_data(small, large, yld, start="2019-06-03", asof="2020-12-31")
    s = cf.figure1_summary(data)
    ref = (small.iloc[-1] / large.iloc[-1]) / (small["2019-06-03"] / large["2019-06-03"]) - 1
    assert math.isclose(s["rel_perf_change_2019-06-03_to_asof"], ref, rel_tol=1e-12)
    fig = cf.figure1(small, large, yld, start="2019-06-03", asof="2020-12-31")
    _check_dressed(fig)
    top = fig.axes[0]
    assert _title(top) == f"AAA vs BBB and the 2-year yield: {ref:+.1%} since 3 Jun 2019"
    assert top.get_ylabel() == "AAA vs BBB,\ncumulative relative return"
    assert "Source: AAA, BBB; source not stated" in _texts(fig)
    assert "Data as of 31 Dec 2020" in _texts(fig)
    _none_of_the_note(fig)
    # a stated source and labels are used as given
    fig = cf.figure1(
        small,
        large,
        yld.rename("GS2"),
        start="2019-06-03",
        asof="2020-12-31",
        labels=("Mid", "Mega"),
        source="my vendor",
    )
    assert _title(fig.axes[0]).startswith("Mid vs Mega and the 2-year yield (GS2): ")
    assert "Source: my vendor." in _texts(fig)
    # the note's inputs, named as capcycle.data names them, get the note's text
    fig = cf.figure1(small.rename("IJR"), large.rename("SPY"), yld.rename("DGS2"), start="2019-06-03")
    assert _title(fig.axes[0]).startswith("S&P 600 vs S&P 500 and the 2-year Treasury yield")
    assert cf.FIG1_SOURCE in _texts(fig)


def _ramp(index: pd.DatetimeIndex, r_small: pd.Series) -> tuple[pd.Series, pd.Series]:
    small = 100 * (1 + r_small).cumprod()
    return small.rename("SML"), pd.Series(50.0, index=index, name="BIG")


def test_figure2_other_window_other_text() -> None:
    days = pd.bdate_range("2025-02-03", "2025-05-30")
    r = pd.Series(0.001 * np.sin(np.arange(len(days))), index=days)  # under 0.1 % a day
    r.loc["2025-04-09"] = 0.004
    small, large = _ramp(days, r)
    data = cf.figure2_data(small, large, start="2025-03-25", end="2025-04-30")
    s = cf.figure2_summary(data)
    assert s["max_excess_day"] == pd.Timestamp("2025-04-09")
    assert isinstance(s["max_excess_day"], pd.Timestamp)
    assert math.isclose(s["excess_return_2025-04-09"], 0.004, rel_tol=1e-9)
    april = (small["2025-04-30"] / small["2025-03-31"]) - 1  # large is flat
    window = (small["2025-04-30"] / small["2025-03-24"]) - 1
    assert math.isclose(s["excess_return_april_2025"], april, rel_tol=1e-9)
    assert math.isclose(s["excess_return_window"], window, rel_tol=1e-9)
    assert "excess_return_march_2025" not in s  # March is not wholly in the window
    fig = cf.figure2(small, large, start="2025-03-25", end="2025-04-30")
    _check_dressed(fig)
    ax = fig.axes[0]
    assert _title(ax) == (
        f"Daily excess return of SML over BIG, 25 Mar 2025 to 30 Apr 2025; April 2025: {april:+.1%} compounded"
    )
    assert ax.get_xlabel() == "Trading day, 2025"
    assert ax.get_ylabel() == "Daily return, SML minus BIG (%)"
    assert [t.get_text() for t in ax.texts] == ["9 Apr 2025: +0.4%"]  # the largest day, nothing else
    assert "No release days marked" in _texts(fig) and "Source: SML, BIG; source not stated" in _texts(fig)
    labels = _tick_labels(ax)
    assert len(labels) == len(set(labels)), labels
    _none_of_the_note(fig)


def test_figure2_window_across_years_without_full_month() -> None:
    days = pd.bdate_range("2023-11-01", "2024-02-28")
    small, large = _ramp(days, pd.Series(0.002, index=days))
    fig = cf.figure2(small, large, start="2023-12-20", end="2024-01-10", events=[])
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Trading day, 2023-2024"
    window = small["2024-01-10"] / small["2023-12-19"] - 1
    assert _title(ax).endswith(f"; {window:+.1%} compounded")
    assert "No event of events falls in the window" in _texts(fig)


def test_figure2_events_from_data_calendar(tmp_path: Path) -> None:
    from capcycle.data import calendar

    (tmp_path / "calendar").mkdir()
    (tmp_path / "calendar" / "us.csv").write_text(
        "Date,Event,Type,Country\n2025-03-07,Nonfarm Payrolls,NFP,US\n2025-04-10,CPI,CPI,US\n"
        "2025-04-12,Made-up Saturday,SAT,US\n2025-06-18,FOMC Decision,FOMC,US\n"
    )
    cal = calendar("us", data_dir=tmp_path)
    days = pd.bdate_range("2025-02-03", "2025-05-30")
    small, large = _ramp(days, pd.Series(0.001, index=days))
    fig = cf.figure2(small, large, start="2025-03-25", end="2025-04-30", events=cal)
    marks = [t.get_text() for t in fig.axes[0].texts][:-1]  # the last text is the annotation
    assert marks == ["CPI", "SAT"]  # in the window only; the Saturday on the next trading day
    assert [ln.get_xdata()[0] for ln in fig.axes[0].lines if ln.get_linestyle() == "--"] == [12, 14]
    assert "Dashed lines: CPI, SAT days given as events." in _texts(fig)
    # the same days as a Series, a frame indexed by date, a list of dates
    by_day = cal.set_index("Date")["Type"]
    for events in (by_day, cal.set_index("Date"), list(cal["Date"])):
        fig = cf.figure2(small, large, start="2025-03-25", end="2025-04-30", events=events)
        assert len([ln for ln in fig.axes[0].lines if ln.get_linestyle() == "--"]) == 2
    with pytest.raises(ValueError, match="events"):
        cf.figure2(small, large, events=pd.DataFrame({"when": ["x"], "what": ["y"]}))
    with pytest.raises(TypeError, match="events"):
        cf.figure2(small, large, events=42)


def test_figure2_empty_window_says_so() -> None:
    days = pd.bdate_range("2025-02-03", "2025-05-30")
    small, large = _ramp(days, pd.Series(0.001, index=days))
    with pytest.raises(ValueError, match="start"):
        cf.figure2(small, large)  # the note's window is not in these data


def test_figure3_daily_data_are_taken_at_month_ends() -> None:
    monthly = _monthly_relative()
    days = pd.bdate_range(monthly.index[0], monthly.index[-1])
    # a daily level whose last value each month is the monthly level
    daily = monthly.reindex(days, method="bfill").rename("toy")
    month_last = daily.groupby(days.to_period("M")).tail(1)
    daily[month_last.index] = monthly.to_numpy()[: len(month_last)]
    got = cf.figure3_data(daily, n_boot=0, n_placebo=0)
    want = cf.figure3_data(monthly, n_boot=0, n_placebo=0)
    pd.testing.assert_frame_equal(got.paths, want.paths)
    assert got.month_ends == ("relative",) and want.month_ends == ()
    fig = cf.figure3(daily, n_boot=0, n_placebo=0)
    assert "relative: daily data taken at month-ends" in _texts(fig)
    quarterly = monthly.iloc[::3]
    with pytest.raises(ValueError, match="relative"):
        cf.figure3_data(quarterly, n_boot=0, n_placebo=0)
    with pytest.raises(ValueError, match="cross_check"):
        cf.figure3_data(monthly, n_boot=0, n_placebo=0, cross_check=quarterly)


def test_figure3_other_events_other_text() -> None:
    rel = _monthly_relative().rename("Mid / Mega")
    fig = cf.figure3(rel, ["2010-05-14", "2015-12-16"], before=6, after=9, n_boot=0, n_placebo=0)
    _check_dressed(fig)
    ax = fig.axes[0]
    assert _title(ax) == f"Mid vs Mega around the event: {1.01**9 - 1:+.1%} on average 9 months after"
    assert ax.get_xlabel() == "Months from the event (0 = last month-end on or before it)"
    assert ax.get_ylabel() == "Mid vs Mega,\nrelative return since the event"
    assert ax.get_legend_handles_labels()[1] == [
        "Event 2010-05-14",
        "Event 2015-12-16",
        "Mean of the 2 paths",
    ]
    assert "Source: Mid / Mega; source not stated" in _texts(fig)
    _none_of_the_note(fig)
    assert "Fed" not in _all_text(fig) and "2001" not in _all_text(fig)
    # the note's input (as size_relative_index names it) gets the note's text
    fig = cf.figure3(rel.rename("Lo 30 / Hi 30"), n_boot=0, n_placebo=0)
    assert _title(fig.axes[0]).startswith("Small caps vs large caps around the first Fed rate cut")
    assert cf.FIG3_SOURCE in _texts(fig)


def test_figure4_single_series_gets_neutral_text() -> None:
    months = pd.date_range("1950-01-31", periods=600, freq="ME")
    cape = pd.Series(18 + 4 * np.sin(np.arange(600) / 40), index=months, name="CAPE")
    fig = cf.figure4(cape)
    _check_dressed(fig)
    ax = fig.axes[0]
    s = cf.figure4_summary(cf.figure4_data(cape))
    assert _title(ax) == (
        f"CAPE: {s['ratio_latest']:.2f}, {s['zscore_latest']:+.1f} sd from its median ({s['ratio_median']:.2f})"
    )
    assert ax.get_ylabel() == "CAPE"
    assert "Source: CAPE; source not stated" in _texts(fig)
    _none_of_the_note(fig)
    for word in ("small", "large", "x)"):
        assert word not in _all_text(fig)
    fig = cf.figure4(cape, measure="Forward P/E", labels=("Small caps", "large caps"), source="my vendor")
    assert _title(fig.axes[0]).startswith("Forward P/E, Small caps / large caps: ")
    assert fig.axes[0].get_ylabel() == "Forward P/E, Small caps / large caps (x)"


def test_figure4_proxy_keeps_the_note_text() -> None:
    months = pd.date_range("2000-01-31", periods=24, freq="ME")
    bm, n, cap = _tables(months)
    bm.iloc[:, :5] = np.linspace(1.5, 2.5, 24)[:, None]
    fig = cf.figure4(cf.size_pb_proxy(bm, n, cap)["ratio"])
    assert _title(fig.axes[0]).startswith("Price-to-book, smallest size quintile / biggest size quintile: ")
    assert cf.FIG4_SOURCE in _texts(fig)
    # another column of the same frame is not the ratio: neutral text
    fig = cf.figure4(cf.size_pb_proxy(bm, n, cap)["small_pb"])
    assert "quintile" not in _all_text(fig)


def test_mad_bands_do_not_say_sd() -> None:
    x = pd.Series([1.0, 2.0, 4.0, 7.0, 11.0])
    mad = valuation.bands(x, scale="mad", k=(1, 2.5))
    assert list(mad.columns) == ["value", "center", "+1mad", "-1mad", "+2.5mad", "-2.5mad"]
    spread = 1.4826 * float((x - x.median()).abs().median())
    np.testing.assert_allclose(mad["+2.5mad"], x.median() + 2.5 * spread)
    assert list(valuation.bands(x, k=1).columns) == ["value", "center", "+1sd", "-1sd"]


def test_max_excess_day_is_a_timestamp_and_yyyymmdd_only_in_the_csv(tmp_path: Path) -> None:
    from capcycle.cli import _csv_value

    days = pd.bdate_range("2025-02-03", "2025-05-30")
    small, large = _ramp(days, pd.Series(0.001, index=days))
    empty = cf.figure2_summary(cf.figure2_data(small, large))  # the note's window: no data here
    assert empty["max_excess_day"] is pd.NaT and math.isnan(empty["max_excess_return"])
    assert math.isnan(_csv_value(empty["max_excess_day"]))
    assert _csv_value(pd.Timestamp("2024-07-11")) == 20240711.0
    assert _csv_value(0.25) == 0.25
