"""capcycle.events against the slow references in tests/reference_events.py."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reference_events as ref
from capcycle import _core
from capcycle.events import EventStudy, Placebo, event_study
from capcycle.fed import FIRST_CUTS

UNITS = ["trading_days", "days", "months"]
KINDS = ["level", "returns"]
ALIGNS = ["next", "previous"]


def business_days_with_holidays(start: str, periods: int, seed: int) -> pd.DatetimeIndex:
    """Business days with ~4% of them dropped as holidays."""
    idx = pd.bdate_range(start, periods=int(periods * 1.05) + 5)
    keep = np.random.default_rng(seed).random(len(idx)) > 0.04
    return idx[keep][:periods]


def random_frame(
    index: pd.DatetimeIndex, n_series: int, kind: str, seed: int, nan_share: float = 0.02
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    r = rng.normal(0.0, 0.01, size=(len(index), n_series))
    x = r if kind == "returns" else 100.0 * np.exp(np.cumsum(r, axis=0))
    x[rng.random(x.shape) < nan_share] = np.nan
    return pd.DataFrame(x, index=index, columns=[f"s{j}" for j in range(n_series)])


def assert_paths_equal(got: np.ndarray, want: np.ndarray) -> None:
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(np.nan_to_num(got), np.nan_to_num(want), rtol=1e-12, atol=1e-14)


# ---------------------------------------------------------------- paths and summary


@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("align", ALIGNS)
def test_paths_match_reference(unit: str, kind: str, align: str) -> None:
    index = business_days_with_holidays("2019-01-01", 400, seed=1)
    frame = random_frame(index, 3, kind, seed=2)
    # first row, last row, a Saturday, a holiday-ish gap, near both ends
    events = [
        index[0],
        index[-1],
        pd.Timestamp("2019-06-01"),
        index[200] + pd.Timedelta(days=1),
        index[5],
        index[-4],
    ]
    before, after = (3, 2) if unit == "months" else (12, 30)
    st_ = event_study(frame, events, before=before, after=after, unit=unit, kind=kind, align=align)
    want = ref.paths(frame, events, before, after, unit, kind, align)
    assert_paths_equal(st_.paths.to_numpy(), want)
    # summary per series against pandas
    m = len(events)
    for s, name in enumerate(frame.columns):
        got = st_.summary[name].to_numpy()
        want_s = ref.summary(want[:, s * m : (s + 1) * m]).to_numpy()
        np.testing.assert_allclose(got, want_s, rtol=1e-12, atol=1e-15, equal_nan=True)


def test_paths_are_built_on_first_access_and_kept() -> None:
    index = business_days_with_holidays("2019-01-01", 300, seed=3)
    frame = random_frame(index, 2, "level", seed=4)
    events = [index[20], index[150], index[290]]
    st_ = event_study(frame, events, before=10, after=15)
    # the summary and what needs no paths come first, without them
    summary = st_.summary.copy()
    assert list(st_.offsets) == list(range(-10, 16))
    st_._repr_html_()
    assert st_._paths is None
    paths = st_.paths
    assert st_.paths is paths
    assert paths.columns.names == ["series", "event"] and paths.shape == (26, 6)
    want = ref.paths(frame, events, 10, 15, "trading_days", "level", "next")
    assert_paths_equal(paths.to_numpy(), want)
    pd.testing.assert_frame_equal(st_.summary, summary)
    # everything built on the paths works on a fresh study as on one that has them
    fresh = event_study(frame, events, before=10, after=15)
    pd.testing.assert_frame_equal(fresh.intervals([(-10, 15)]), st_.intervals([(-10, 15)]))
    pd.testing.assert_frame_equal(fresh.bootstrap(n=50, seed=1), st_.bootstrap(n=50, seed=1))
    pd.testing.assert_frame_equal(
        event_study(frame, events, before=10, after=15).placebo(n=20, seed=2).means,
        st_.placebo(n=20, seed=2).means,
    )


def test_windows_past_the_data_are_nan_padded() -> None:
    x = pd.Series(np.arange(1.0, 11.0), index=pd.bdate_range("2024-01-01", periods=10))
    st_ = event_study(x, [x.index[0], x.index[-1]], before=3, after=3)
    first, last = st_.paths.iloc[:, 0], st_.paths.iloc[:, 1]
    assert first.loc[-3:-1].isna().all() and first.loc[0] == 0.0 and first.loc[3] == 3.0
    assert last.loc[1:3].isna().all() and last.loc[-3] == pytest.approx(7 / 10 - 1)
    assert st_.summary.loc[-3, "count"] == 1.0
    assert st_.summary.loc[0, "std"] == 0.0  # exactly
    assert np.isnan(st_.summary.loc[3, "std"])  # one value: std needs two


def test_weekend_event_aligns_next_or_previous() -> None:
    x = pd.Series(np.arange(1.0, 11.0), index=pd.bdate_range("2024-01-01", periods=10))
    nxt = event_study(x, "2024-01-06", before=0, after=1)
    prev = event_study(x, "2024-01-06", before=0, after=1, align="previous")
    assert nxt.events[0] == pd.Timestamp("2024-01-08")
    assert prev.events[0] == pd.Timestamp("2024-01-05")
    assert nxt.requested[0] == pd.Timestamp("2024-01-06")


def test_months_clamp_to_month_end() -> None:
    idx = pd.date_range("2023-12-01", "2024-04-30", freq="D")
    x = pd.Series(np.arange(1.0, len(idx) + 1), index=idx)
    st_ = event_study(x, "2024-01-31", before=1, after=2, unit="months")
    # Jan 31 + 1 month = Feb 29 (leap year), + 2 = Mar 31, - 1 = Dec 31
    row = {d: i for i, d in enumerate(idx)}
    base = row[pd.Timestamp("2024-01-31")] + 1.0
    expect = [row[pd.Timestamp(d)] + 1.0 for d in ("2023-12-31", "2024-01-31", "2024-02-29", "2024-03-31")]
    np.testing.assert_allclose(st_.paths.iloc[:, 0].to_numpy(), np.array(expect) / base - 1.0)


def test_returns_kind_equals_level_of_compounded_index() -> None:
    index = business_days_with_holidays("2020-01-01", 300, seed=3)
    r = random_frame(index, 2, "returns", seed=4, nan_share=0.0)
    level = (1.0 + r).cumprod()
    events = [index[50], index[150], index[290]]
    a = event_study(r, events, before=40, after=40, kind="returns").paths.to_numpy()
    b = event_study(level, events, before=40, after=40, kind="level").paths.to_numpy()
    assert_paths_equal(a, b)
    # offset -1 is 1 / (1 + r_event) - 1: the event row's own return is pre-event
    st_ = event_study(r["s0"], [index[50]], before=1, after=1, kind="returns")
    assert st_.paths.iloc[0, 0] == pytest.approx(1.0 / (1.0 + r["s0"].iloc[50]) - 1.0, rel=1e-14)
    assert st_.paths.iloc[2, 0] == pytest.approx(r["s0"].iloc[51], rel=1e-14)


def test_dataframe_studies_every_column_like_series() -> None:
    index = business_days_with_holidays("2018-01-01", 500, seed=5)
    frame = random_frame(index, 4, "level", seed=6)
    events = ["2018-05-01", "2019-01-02", "2019-09-30"]
    study = event_study(frame, events, before=10, after=40, unit="days")
    assert study.paths.columns.names == ["series", "event"]
    assert study.summary.columns.names == ["series", "stat"]
    for name in frame.columns:
        one = event_study(frame[name], events, before=10, after=40, unit="days")
        np.testing.assert_array_equal(study.paths[name].to_numpy(), one.paths.to_numpy())
        np.testing.assert_array_equal(study.summary[name].to_numpy(), one.summary.to_numpy())


def test_inputs_are_not_modified_and_readonly_input_works() -> None:
    index = business_days_with_holidays("2018-01-01", 200, seed=7)
    frame = random_frame(index, 2, "level", seed=8)
    arr = frame.to_numpy().copy()
    arr.flags.writeable = False
    ro = pd.DataFrame(arr, index=index, columns=frame.columns)
    before = ro.copy()
    events = pd.Series(pd.to_datetime(["2018-03-01", "2018-06-01"]))
    ev_before = events.copy()
    event_study(ro, events, before=5, after=5).bootstrap(n=50, seed=0)
    pd.testing.assert_frame_equal(ro, before)
    pd.testing.assert_series_equal(events, ev_before)


def test_paths_index_and_columns() -> None:
    x = pd.Series(np.arange(1.0, 101.0), index=pd.bdate_range("2024-01-01", periods=100), name="rel")
    study = event_study(x, ["2024-02-01", "2024-03-01"], before=5, after=10)
    assert list(study.paths.index) == list(range(-5, 11))
    assert study.paths.index.name == "offset"
    assert list(study.paths.columns) == [pd.Timestamp("2024-02-01"), pd.Timestamp("2024-03-01")]
    assert list(study.summary.columns) == ["mean", "median", "min", "max", "std", "count"]


def test_one_thread_equals_many() -> None:
    code = (
        "import numpy as np, hashlib; from capcycle import _core;"
        "t=np.arange(20000, dtype=np.int64)*1; v=np.asfortranarray(np.random.default_rng(0).random((20000, 8)));"
        "p=_core.event_paths(t, v, np.arange(300, 19000, 97, dtype=np.int64), 100, 400, 'days', 'returns');"
        "print(hashlib.sha256(p.tobytes()).hexdigest())"
    )
    out = []
    for threads in ("1", "2"):
        env = {**os.environ, "RAYON_NUM_THREADS": threads}
        out.append(
            subprocess.run(
                [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
            ).stdout
        )
    assert out[0] == out[1]


# ------------------------------------------------------------------ properties


@st.composite
def studies(draw: st.DrawFn) -> tuple:
    n = draw(st.integers(3, 45))
    spacing = draw(st.sampled_from(["B", "D", "gaps", "ME"]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    if spacing == "gaps":
        steps = rng.integers(1, 5, size=n)
        index = pd.DatetimeIndex(pd.Timestamp("2020-01-28") + pd.to_timedelta(np.cumsum(steps), unit="D"))
    else:
        index = pd.date_range("2020-01-31", periods=n, freq=spacing)
    kind = draw(st.sampled_from(KINDS))
    frame = random_frame(
        index, draw(st.integers(1, 3)), kind, seed, nan_share=draw(st.sampled_from([0.0, 0.1]))
    )
    span = (index[-1] - index[0]).days
    n_events = draw(st.integers(1, 4))
    offsets = sorted(set(draw(st.lists(st.integers(0, span), min_size=n_events, max_size=n_events))))
    events = [index[0] + pd.Timedelta(days=d) for d in offsets]
    unit = draw(st.sampled_from(UNITS))
    align = draw(st.sampled_from(ALIGNS))
    limit = 4 if unit == "months" else 12
    before, after = draw(st.integers(0, limit)), draw(st.integers(0, limit))
    return frame, events, before, after, unit, kind, align


def check_study(case: tuple) -> None:
    frame, events, before, after, unit, kind, align = case
    per_column = [
        [r for r in ref.align(frame.index, events, align, frame[c].to_numpy()) if r is not None]
        for c in frame.columns
    ]
    if any(len(set(rows)) < len(rows) for rows in per_column):
        with pytest.raises(ValueError, match="events:.*align to"):
            event_study(frame, events, before=before, after=after, unit=unit, kind=kind, align=align)
        return
    got = event_study(frame, events, before=before, after=after, unit=unit, kind=kind, align=align)
    assert_paths_equal(got.paths.to_numpy(), ref.paths(frame, events, before, after, unit, kind, align))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(studies())
def test_property_kernel_matches_reference(case: tuple) -> None:
    check_study(case)


@pytest.mark.slow
def test_property_kernel_matches_reference_slow(pytestconfig: pytest.Config) -> None:
    # pyproject marks slow tests but does not deselect them: run only under `-m slow`.
    if "slow" not in (pytestconfig.getoption("markexpr") or "") or "not slow" in pytestconfig.getoption(
        "markexpr"
    ):
        pytest.skip("10,000 cases: run with pytest -m slow")

    @settings(max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(studies())
    def run(case: tuple) -> None:
        check_study(case)

    run()


# ------------------------------------------------------------ intervals, bootstrap, placebo


def small_study(kind: str = "level", frame: bool = False, **kw) -> tuple[EventStudy, pd.DataFrame]:
    index = business_days_with_holidays("2015-01-01", 900, seed=11)
    data = random_frame(index, 2, kind, seed=12, nan_share=0.01)
    events = ["2015-06-01", "2016-02-01", "2016-11-15", "2017-07-03", "2018-05-01"]
    obj = data if frame else data["s0"]
    return event_study(obj, events, before=10, after=25, kind=kind, **kw), data


def test_intervals_are_compounded_changes() -> None:
    study, _ = small_study()
    out = study.intervals([(-10, 0), (0, 25), (5, 20)])
    p = study.paths
    want = (1 + p.loc[20]) / (1 + p.loc[5]) - 1
    np.testing.assert_allclose(out["5..20"].iloc[:-1].to_numpy(), want.to_numpy())
    assert out.index[-1] == "mean"
    assert out.loc["mean", "0..25"] == pytest.approx(np.nanmean(out["0..25"].iloc[:-1]))
    with pytest.raises(ValueError, match="pairs: offset 26"):
        study.intervals([(0, 26)])
    with pytest.raises(TypeError, match="pairs:"):
        study.intervals([(0, 1.5)])


def test_intervals_single_pair_and_frame() -> None:
    study, _data = small_study(frame=True)
    out = study.intervals((0, 25))
    assert out.columns.names == ["series", "interval"]
    assert list(out.columns) == [("s0", "0..25"), ("s1", "0..25")]


def test_bootstrap_matches_plain_numpy_reference_and_is_reproducible() -> None:
    study, _ = small_study()
    a = study.bootstrap(n=400, seed=7, level=0.8)
    b = study.bootstrap(n=400, seed=7, level=0.8)
    pd.testing.assert_frame_equal(a, b)
    lo, hi = ref.bootstrap(study.paths.to_numpy(), n=400, seed=7, level=0.8)
    np.testing.assert_allclose(a["lower"].to_numpy(), lo, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(a["upper"].to_numpy(), hi, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(a["mean"].to_numpy(), study.summary["mean"].to_numpy(), rtol=1e-12)
    assert (a["lower"] <= a["upper"]).all()
    assert not a.equals(study.bootstrap(n=400, seed=8, level=0.8))


def test_bootstrap_frame_columns_and_errors() -> None:
    study, _ = small_study(frame=True)
    band = study.bootstrap(n=100, seed=0)
    assert band.columns.names == ["series", "stat"]
    assert list(band["s1"].columns) == ["mean", "lower", "upper", "se"]
    with pytest.raises(ValueError, match="level:"):
        study.bootstrap(n=10, level=1.0)
    with pytest.raises(ValueError, match="n:"):
        study.bootstrap(n=0)
    with pytest.raises(TypeError, match="n:"):
        study.bootstrap(n=10.5)


@pytest.mark.parametrize("dates", ["full", "all"])
def test_placebo_matches_plain_reference_and_is_reproducible(dates: str) -> None:
    study, data = small_study()
    pl = study.placebo(n=40, seed=3, dates=dates)
    again = study.placebo(n=40, seed=3, dates=dates)
    pd.testing.assert_frame_equal(pl.means, again.means)
    means, pct = ref.placebo(
        data[["s0"]], 5, study.paths.to_numpy(), 10, 25, "trading_days", "level", n=40, seed=3, dates=dates
    )
    assert_paths_equal(pl.means.to_numpy(), means)
    np.testing.assert_allclose(pl.percentile.to_numpy(), pct, rtol=1e-12)
    assert pl.percentile.loc[0] == 1.0  # offset 0 is 0 for every draw
    assert 0.0 <= pl.at(25) <= 1.0
    assert "percentile of 40 placebo means of 5 random dates" in pl.describe(25)
    if dates == "full":
        drawn = pd.DatetimeIndex(pl.draws.to_numpy().ravel())
        rows = data.index.get_indexer(drawn)
        assert rows.min() >= 10 and rows.max() <= len(data) - 26


def test_placebo_months_and_frame() -> None:
    index = business_days_with_holidays("2000-01-01", 2600, seed=21)
    data = random_frame(index, 2, "level", seed=22)
    study = event_study(data, ["2001-01-03", "2003-06-25", "2007-09-18"], before=2, after=6, unit="months")
    pl = study.placebo(n=30, seed=1)
    assert isinstance(pl, Placebo)
    assert pl.percentile.columns.tolist() == ["s0", "s1"]
    assert pl.means.columns.names == ["series", "offset"]
    means, pct = ref.placebo(
        data[["s1"]], 3, study.paths["s1"].to_numpy(), 2, 6, "months", "level", n=30, seed=1
    )
    assert_paths_equal(pl.means["s1"].to_numpy(), means)
    np.testing.assert_allclose(pl.percentile["s1"].to_numpy(), pct, rtol=1e-12)
    assert isinstance(pl.at(6), pd.Series)
    with pytest.raises(ValueError, match="offset:"):
        pl.at(7)


def test_placebo_without_full_windows_says_so() -> None:
    x = pd.Series(np.arange(1.0, 11.0), index=pd.bdate_range("2024-01-01", periods=10))
    study = event_study(x, ["2024-01-03"], before=6, after=6)
    with pytest.raises(ValueError, match="dates:"):
        study.placebo(n=10, seed=0)
    assert study.placebo(n=10, seed=0, dates="all").n == 10


# ------------------------------------------------------------------- display


def test_plot_and_html() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    study, _ = small_study(frame=True)
    ax = study.plot()
    assert ax.get_xlabel() == "offset (trading days)"
    assert len(ax.lines) == 2 * (5 + 1) + 2
    _fig, ax2 = plt.subplots()
    assert study.plot(ax=ax2) is ax2
    plt.close("all")
    page = study._repr_html_()
    assert "<table" in page and "2016-11-15" in page and "EventStudy(5 events" in page
    assert "EventStudy(5 events, offsets -10..25 trading_days" in repr(study)


# -------------------------------------------------------------------- errors


@pytest.fixture()
def x() -> pd.Series:
    return pd.Series(np.arange(1.0, 21.0), index=pd.bdate_range("2024-01-01", periods=20))


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"before": -1, "after": 2}, ValueError, "before:"),
        ({"before": 1, "after": -2}, ValueError, "after:"),
        ({"before": 1.5, "after": 2}, TypeError, "before:"),
        ({"before": 1, "after": 2, "unit": "weeks"}, ValueError, "unit:"),
        ({"before": 1, "after": 2, "kind": "log"}, ValueError, "kind:"),
        ({"before": 1, "after": 2, "align": "nearest"}, ValueError, "align:"),
    ],
)
def test_bad_arguments(x: pd.Series, kwargs: dict, exc: type, match: str) -> None:
    with pytest.raises(exc, match=match):
        event_study(x, "2024-01-10", **kwargs)


def test_bad_series(x: pd.Series) -> None:
    with pytest.raises(TypeError, match="series: must be a pandas"):
        event_study(x.to_numpy(), "2024-01-10", before=1, after=1)
    with pytest.raises(TypeError, match="series: the index must be a DatetimeIndex"):
        event_study(x.reset_index(drop=True), "2024-01-10", before=1, after=1)
    with pytest.raises(ValueError, match="series: the index must be sorted"):
        event_study(x.iloc[::-1], "2024-01-10", before=1, after=1)
    dup = pd.concat([x, x.iloc[:1]]).sort_index()
    with pytest.raises(ValueError, match="series: the index has duplicate dates"):
        event_study(dup, "2024-01-10", before=1, after=1)
    with pytest.raises(TypeError, match="series: must be numeric"):
        event_study(x.astype(str), "2024-01-10", before=1, after=1)
    frame = pd.DataFrame({"a": x, "b": "z"})
    with pytest.raises(TypeError, match="series\\['b'\\]: must be numeric"):
        event_study(frame, "2024-01-10", before=1, after=1)
    intraday = pd.Series([1.0, 2.0], index=pd.to_datetime(["2024-01-02 10:00", "2024-01-02 16:00"]))
    with pytest.raises(ValueError, match="series: several rows fall on one day"):
        event_study(intraday, "2024-01-02", before=0, after=1)


def test_bad_events(x: pd.Series) -> None:
    with pytest.raises(ValueError, match="events: 'not a date' is not a full ISO date"):
        event_study(x, ["2024-01-10", "not a date"], before=1, after=1)
    with pytest.raises(ValueError, match="events: 2023-12-29 outside the data"):
        event_study(x, ["2023-12-29"], before=1, after=1)
    with pytest.raises(ValueError, match="events: 2024-02-01 outside the data"):
        event_study(x, ["2024-02-01"], before=1, after=1, align="previous")
    with pytest.raises(ValueError, match="events: no dates"):
        event_study(x, [], before=1, after=1)
    with pytest.raises(ValueError, match="events: got a missing date"):
        event_study(x, [pd.NaT, "2024-01-10"], before=1, after=1)
    with pytest.raises(TypeError, match="events: must be a date .* got int"):
        event_study(x, [20240110], before=1, after=1)
    with pytest.raises(ValueError, match="events: 2024-01-06 and 2024-01-08 all align to 2024-01-08"):
        event_study(x, ["2024-01-06", "2024-01-08"], before=1, after=1)


def test_event_forms_are_equivalent(x: pd.Series) -> None:
    forms = [
        "2024-01-10",
        pd.Timestamp("2024-01-10"),
        np.datetime64("2024-01-10"),
        pd.DatetimeIndex(["2024-01-10"]),
        pd.Series(pd.to_datetime(["2024-01-10"])),
        [pd.Timestamp("2024-01-10").to_pydatetime()],
        [datetime.date(2024, 1, 10)],
        np.array(["2024-01-10"], dtype="datetime64[D]"),
        "2024-01-10T00:00:00",
    ]
    want = event_study(x, "2024-01-10", before=2, after=2).paths
    for form in forms:
        pd.testing.assert_frame_equal(event_study(x, form, before=2, after=2).paths, want)


def test_native_errors_name_the_argument() -> None:
    t = np.arange(5, dtype=np.int64)
    v = np.ones((5, 1))
    with pytest.raises(ValueError, match="time: must be strictly increasing"):
        _core.event_paths(t[::-1].copy(), v, np.array([0]), 1, 1)
    with pytest.raises(ValueError, match="event_rows: row 9"):
        _core.event_paths(t, v, np.array([9]), 1, 1)
    with pytest.raises(ValueError, match="values: has 4 rows"):
        _core.event_paths(t, v[:4], np.array([0]), 1, 1)
    with pytest.raises(MemoryError, match="values:|events:|after:"):
        _core.event_paths(t, v, np.array([0]), 2**61, 2**61)
    for native in (_core.event_paths, _core.event_summary):
        with pytest.raises(ValueError, match="time: must be strictly increasing"):
            native(t[::-1].copy(), v, np.array([0]), 1, 1)
        with pytest.raises(ValueError, match="event_rows: no events"):
            native(t, v, np.array([], dtype=np.int64), 1, 1)
        with pytest.raises(ValueError, match="unit: unknown unit"):
            native(t, v, np.array([0]), 1, 1, "weeks")
        with pytest.raises(MemoryError, match="values:|events:|after:"):
            native(t, v, np.array([0]), 2**61, 2**61)


# ------------------------------------------------------------------ real data


def test_real_data_russell_vs_sp500_around_first_cuts(data_dir) -> None:
    def close(name: str) -> pd.Series:
        df = pd.read_csv(data_dir / "prices" / f"{name}.csv", index_col="Date", parse_dates=True)
        return df["Close"].astype(float).sort_index()

    rut, spx = close("RUT"), close("GSPC")
    assert rut.loc["2001-01-03"] == pytest.approx(484.39)
    rel = (rut / spx).dropna()
    rel = rel[~rel.index.duplicated()]
    cuts = FIRST_CUTS[FIRST_CUTS >= rel.index[0]]
    study = event_study(rel, cuts, before=60, after=250)
    assert list(study.events.strftime("%Y-%m-%d")) == [d.strftime("%Y-%m-%d") for d in cuts]
    assert study.summary.loc[0, "count"] == len(cuts)
    # the 2024 window runs past the data for neither, every earlier one is complete
    assert study.paths.iloc[:, :-1].notna().all().all()
    monthly = event_study(rel, cuts, before=3, after=12, unit="months")
    assert monthly.summary["count"].min() >= len(cuts) - 1


# ------------------------------------ issue 12: outside="drop", NaN rows, fractions


def test_outside_drop_drops_the_events_outside_and_says_which_12() -> None:
    x = pd.Series(np.arange(1.0, 21.0), index=pd.bdate_range("2024-01-01", periods=20))
    events = ["2023-06-30", "2024-01-10", "2024-03-01", "2024-01-17"]
    with pytest.raises(ValueError, match="events: 2023-06-30, 2024-03-01 outside the data .*outside='drop'"):
        event_study(x, events, before=2, after=2)
    with pytest.warns(
        UserWarning,
        match=r"dropped 2 event\(s\) outside the data \(2024-01-01 to 2024-01-26\): "
        "2023-06-30, 2024-03-01",
    ):
        st_ = event_study(x, events, before=2, after=2, outside="drop")
    assert list(st_.dropped) == [pd.Timestamp("2023-06-30"), pd.Timestamp("2024-03-01")]
    assert list(st_.requested) == [pd.Timestamp("2024-01-10"), pd.Timestamp("2024-01-17")]
    pd.testing.assert_frame_equal(st_.paths, event_study(x, events[1::2], before=2, after=2).paths)
    pd.testing.assert_frame_equal(st_.summary, event_study(x, events[1::2], before=2, after=2).summary)
    assert len(event_study(x, events[1::2], before=2, after=2, outside="drop").dropped) == 0
    with pytest.raises(ValueError, match="events: every event .* is outside the data"):
        event_study(x, ["2023-06-30"], before=2, after=2, outside="drop")
    with pytest.raises(ValueError, match="outside: must be one of 'raise', 'drop'"):
        event_study(x, events, before=2, after=2, outside="ignore")


def test_first_cuts_on_iwm_over_iwb_drop_the_cuts_before_the_etfs_12(data_dir) -> None:
    from capcycle import data, relative_performance

    rel = relative_performance(data.prices("IWM", data_dir=data_dir), data.prices("IWB", data_dir=data_dir))
    with pytest.raises(ValueError, match="events: 1989-06-06, 1995-07-06, 1998-09-29 outside the data"):
        event_study(rel, FIRST_CUTS, before=21, after=63)
    with pytest.warns(UserWarning, match="1989-06-06, 1995-07-06, 1998-09-29"):
        st_ = event_study(rel, FIRST_CUTS, before=21, after=63, outside="drop")
    assert list(st_.dropped.strftime("%Y-%m-%d")) == ["1989-06-06", "1995-07-06", "1998-09-29"]
    assert list(st_.events.strftime("%Y-%m-%d")) == ["2001-01-03", "2007-09-18", "2019-07-31", "2024-09-18"]
    # the 2001 path, by pandas: the level 63 rows after the event over the event's
    at = rel.index.get_loc(pd.Timestamp("2001-01-03"))
    assert st_.paths.iloc[-1, 0] == pytest.approx(rel.iloc[at + 63] / rel.iloc[at] - 1.0, rel=1e-14)


def test_an_event_on_a_nan_row_aligns_to_the_nearest_valid_row_12() -> None:
    idx = pd.bdate_range("2024-07-01", periods=8)  # Mon 1 .. Wed 10 July
    x = pd.Series([1.0, 2.0, 3.0, np.nan, 5.0, 6.0, 7.0, 8.0], index=idx)  # NaN on Thu 4 July
    nxt = event_study(x, "2024-07-04", before=1, after=2)
    prev = event_study(x, "2024-07-04", before=1, after=2, align="previous")
    assert nxt.events[0] == pd.Timestamp("2024-07-05") and prev.events[0] == pd.Timestamp("2024-07-03")
    # offsets still count rows of the series (the NaN row is a row)
    np.testing.assert_array_equal(nxt.paths.iloc[:, 0].to_numpy(), [np.nan, 0.0, 6 / 5 - 1, 7 / 5 - 1])
    np.testing.assert_array_equal(prev.paths.iloc[:, 0].to_numpy(), [2 / 3 - 1, 0.0, np.nan, 5 / 3 - 1])
    # a run of NaN at the start: "next" finds the first value, "previous" has none (NaN path)
    lead = pd.Series([np.nan, np.nan, 3.0, 4.0], index=idx[:4])
    assert event_study(lead, "2024-07-01", before=0, after=1).paths.iloc[:, 0].tolist() == [0.0, 4 / 3 - 1]
    none = event_study(lead, "2024-07-01", before=0, after=1, align="previous")
    assert none.paths.isna().all().all() and none.summary["count"].tolist() == [0.0, 0.0]
    assert none.events[0] == pd.Timestamp("2024-07-01") and none.aligned.isna().all().all()
    # kind="returns" aligns the same way: the event row is the first valid return on or after the date
    r = pd.Series([0.01, 0.02, np.nan, 0.03, 0.04], index=idx[:5])
    st_ = event_study(r, "2024-07-03", before=1, after=1, kind="returns")
    assert st_.events[0] == pd.Timestamp("2024-07-04")
    np.testing.assert_allclose(st_.paths.iloc[:, 0].to_numpy(), [1 / 1.03 - 1, 0.0, 0.04], rtol=1e-15)


def test_dgs2_on_independence_day_2024_12(data_dir) -> None:
    from capcycle import data

    dgs2 = data.fred("DGS2", data_dir=data_dir)
    assert np.isnan(dgs2.loc["2024-07-04"])
    st_ = event_study(dgs2, "2024-07-04", before=5, after=5)
    assert st_.events[0] == pd.Timestamp("2024-07-05")
    # main: all NaN; now only offset -1, the holiday row itself, is NaN
    assert st_.paths.iloc[:, 0].isna().tolist() == [False] * 4 + [True] + [False] * 6
    valid = dgs2.dropna()
    at = dgs2.index.get_loc(pd.Timestamp("2024-07-05"))
    want = dgs2.iloc[at - 5 : at + 6] / valid.loc["2024-07-05"] - 1.0
    np.testing.assert_allclose(st_.paths.iloc[:, 0].to_numpy(), want.to_numpy(), rtol=1e-15)


def test_dataframe_columns_align_each_on_their_own_valid_rows_12() -> None:
    idx = pd.bdate_range("2024-07-01", periods=8)
    frame = pd.DataFrame(
        {
            "a": [1.0, 2.0, 3.0, np.nan, 5.0, 6.0, 7.0, 8.0],
            "b": [10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0],
        },
        index=idx,
    )
    events = ["2024-07-04", "2024-07-08"]
    st_ = event_study(frame, events, before=1, after=1)
    assert st_.aligned.loc["2024-07-04"].tolist() == [pd.Timestamp("2024-07-05"), pd.Timestamp("2024-07-04")]
    # the columns disagree on the first event: it is labelled by its requested date
    assert list(st_.events) == [pd.Timestamp("2024-07-04"), pd.Timestamp("2024-07-08")]
    for name in frame.columns:  # each column as its own Series study
        alone = event_study(frame[name], events, before=1, after=1)
        np.testing.assert_array_equal(st_.paths[name].to_numpy(), alone.paths.to_numpy())
        pd.testing.assert_frame_equal(st_.summary[name], alone.summary, check_names=False)
    assert st_.paths["a"].loc[0:].notna().all().all()  # main: the 4 July path of "a" was all NaN


def test_placebo_percentiles_are_fractions_like_figure3_12() -> None:
    from capcycle.figures import first_cuts as cf

    idx = pd.date_range("1995-01-31", periods=360, freq="ME")
    rel = pd.Series(np.exp(np.random.default_rng(12).normal(0.0, 0.03, 360).cumsum()), index=idx, name="rel")
    data = cf.figure3_data(rel, n_boot=0, n_placebo=200)
    study = event_study(rel, cf.CYCLE_CUTS, before=12, after=12, unit="months", align="previous")
    pl = study.placebo(n=200, seed=2024)
    assert pl.at(12) == data.placebo and 0.0 <= data.placebo <= 1.0
    assert pl.percentile.between(0.0, 1.0).all() and pl.at(0) == 1.0
    assert f"at the {round(100 * pl.at(12))}" in pl.describe(12)


def test_columns_aligned_apart_still_refuse_an_absurd_window_12() -> None:
    idx = pd.bdate_range("2024-07-01", periods=4)
    frame = pd.DataFrame({"a": [1.0, np.nan, 3.0, 4.0], "b": [1.0, 2.0, 3.0, 4.0]}, index=idx)
    for call in (
        lambda: event_study(frame, "2024-07-02", before=2**40, after=2**40).summary,
        lambda: (
            event_study(
                frame["a"].iloc[1:], "2024-07-02", before=2**62, after=2**62, align="previous"
            ).summary
        ),
    ):
        with pytest.raises(MemoryError, match="after:"):
            call()


def test_months_from_a_30_day_month_end_reach_the_next_month_end() -> None:
    # Monthly data dated at month-ends: an event on 30 April must find 31 May at +1
    # month, not 30 April again (the last row on or before 30 May), which silently
    # repeated offset 0 and shifted every later offset by a month.
    index = pd.date_range("2023-01-31", periods=24, freq="ME")
    level = pd.Series(np.arange(1.0, 25.0), index=index)
    study = event_study(level, ["2023-04-30", "2023-09-30"], before=3, after=3, unit="months")
    for event in (pd.Timestamp("2023-04-30"), pd.Timestamp("2023-09-30")):
        base = index.get_loc(event)
        expected = [level.iloc[base + k] / level.iloc[base] - 1 for k in range(-3, 4)]
        np.testing.assert_allclose(study.paths[event].to_numpy(), expected, rtol=0, atol=1e-15)
