"""Scale-out: rolling and valuation statistics on dask arrays, dask DataFrames and
xarray give the in-memory result bit for bit, whatever the chunking (ragged chunks,
chunks shorter than the window, one row per chunk), on the threaded scheduler and on
a 2-process distributed cluster (tests/test_scale.py::test_distributed_*)."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

import capcycle.xarray  # noqa: F401  (the .capcycle accessor)
from capcycle import _core, _lazy, rolling, valuation

ROWS = 120
WINDOW = 20
STATS = ["sum", "mean", "var", "std", "min", "max", "median", "quantile", "zscore"]
PAIRS = ["cov", "corr", "beta"]
# Time chunks: even, ragged, shorter than the window (merged), one row each, one chunk.
CHUNKINGS = {
    "even": 40,
    "ragged": (1, 7, 30, 2, 45, 35),
    "short": 6,
    "rows": 1,
    "whole": ROWS,
}


def _panel(columns: int = 5, seed: int = 0) -> np.ndarray:
    """Values built to make rounding depend on where an accumulator starts: a 1e9
    offset, level shifts, tiny and huge magnitudes, NaN runs and scattered NaN."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(ROWS, columns)) * 10.0 ** rng.integers(-3, 4, size=(ROWS, columns))
    x[:, 0] += 1e9
    x[60:, 1] += 1e6
    x[rng.random(x.shape) < 0.15] = np.nan
    x[10:40, 2] = np.nan
    x[:, 3] = np.round(x[:, 3])  # ties for the order statistics
    return x


def assert_same_bits(actual: np.ndarray, expected: np.ndarray) -> None:
    """Same NaN cells and, elsewhere, the same 64 bits (so 0.0 and -0.0 differ)."""
    actual, expected = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape
    nan = np.isnan(expected)
    assert np.array_equal(np.isnan(actual), nan), "NaN cells differ"
    diff = actual.view(np.int64) != expected.view(np.int64)
    assert not (diff & ~nan).any(), f"{int((diff & ~nan).sum())} cells differ in their bits"


def _call(stat: str, x: object, **options: object) -> object:
    if stat == "quantile":
        options["q"] = 0.3
    return getattr(rolling, stat)(x, WINDOW, **options)


# ------------------------------------------------------------------ dask arrays


@pytest.mark.parametrize("chunking", list(CHUNKINGS))
@pytest.mark.parametrize("stat", STATS)
@pytest.mark.parametrize("min_periods", [None, 3])
def test_every_statistic_bit_for_bit_on_dask_arrays(
    stat: str, chunking: str, min_periods: int | None
) -> None:
    x = _panel()
    expected = _call(stat, x, min_periods=min_periods)
    chunks = CHUNKINGS[chunking]
    lazy2 = _call(stat, da.from_array(x, chunks=(chunks, 2)), min_periods=min_periods)
    lazy1 = _call(stat, da.from_array(x[:, 0], chunks=(chunks,)), min_periods=min_periods)
    assert isinstance(lazy2, da.Array) and isinstance(lazy1, da.Array)
    with dask.config.set(scheduler="threads"):
        assert_same_bits(lazy2.compute(), expected)
        assert_same_bits(lazy1.compute(), _call(stat, x[:, 0], min_periods=min_periods))


@pytest.mark.parametrize("chunking", ["ragged", "short", "rows"])
@pytest.mark.parametrize("stat", PAIRS)
def test_pair_statistics_bit_for_bit_on_dask_arrays(stat: str, chunking: str) -> None:
    y, x = _panel(), _panel(seed=1)
    chunks = CHUNKINGS[chunking]
    function = getattr(rolling, stat)
    with dask.config.set(scheduler="threads"):
        both_2d = function(da.from_array(y, chunks=(chunks, 2)), da.from_array(x, chunks=(chunks, 3)), WINDOW)
        assert_same_bits(both_2d.compute(), function(y, x, WINDOW))
        broadcast = function(
            da.from_array(y, chunks=(chunks, 2)), da.from_array(x[:, 1], chunks=7), WINDOW, min_periods=2
        )
        assert_same_bits(broadcast.compute(), function(y, x[:, 1], WINDOW, min_periods=2))


def test_axis_1_and_integer_input() -> None:
    x = _panel()
    lazy = rolling.std(da.from_array(x.T, chunks=(2, 11)), WINDOW, axis=1)
    assert lazy.chunks[0] == (2, 2, 1)
    assert_same_bits(lazy.compute(), rolling.std(x.T, WINDOW, axis=1))
    ints = np.arange(50, dtype=np.int64)
    assert_same_bits(rolling.mean(da.from_array(ints, chunks=9), 5).compute(), rolling.mean(ints, 5))


def test_duration_window_on_dask_arrays_takes_times() -> None:
    x = _panel()
    dates = pd.bdate_range("2021-01-01", periods=ROWS)
    frame = pd.DataFrame(x, index=dates)
    for window in ["30D", "3D", "400D"]:
        lazy = rolling.mean(da.from_array(x, chunks=(CHUNKINGS["ragged"], 3)), window, times=dates)
        assert_same_bits(lazy.compute(), rolling.mean(frame, window).to_numpy())
    with pytest.raises(ValueError, match="times"):
        rolling.mean(da.from_array(x, chunks=10), "30D", times=dates[:-1])
    with pytest.raises(ValueError, match="times: only with a duration"):
        rolling.mean(da.from_array(x, chunks=10), 5, times=dates)
    with pytest.raises(ValueError, match="window: a duration window .* needs dates: times="):
        rolling.mean(da.from_array(x, chunks=10), "30D")
    with pytest.raises(ValueError, match="datetime coordinate"):
        rolling.mean(xr.DataArray(x, dims=("time", "id")), "30D")


def test_chunks_shorter_than_the_window_are_merged_never_split() -> None:
    assert _lazy.merged_chunks((3, 3, 3, 3, 8), 4) == (6, 6, 8)
    assert _lazy.merged_chunks((1, 1, 1), 0) == (1, 1, 1)
    assert _lazy.merged_chunks((2, 9, 1), 5) == (12,)
    assert _lazy.merged_chunks((5, 5, 5), 100) == (15,)
    out = rolling.max(da.from_array(np.arange(30.0), chunks=4), 6)
    assert out.chunks == ((8, 8, 8, 6),)  # 4 + 2 rows: enough for the overlap of 5


# --------------------------------------------------------------- dask DataFrames


def test_dask_dataframes_bit_for_bit_and_keep_their_partitions() -> None:
    x = _panel()
    frame = pd.DataFrame(x, index=pd.bdate_range("2021-01-01", periods=ROWS), columns=list("abcde"))
    lazy_frame = dd.from_pandas(frame, npartitions=9)
    with dask.config.set(scheduler="threads"):
        for stat in STATS:
            for window in [WINDOW, "45D"]:
                options = {"q": 0.3} if stat == "quantile" else {}
                out = getattr(rolling, stat)(lazy_frame, window, **options)
                assert isinstance(out, dd.DataFrame) and out.npartitions == 9
                expected = getattr(rolling, stat)(frame, window, **options)
                computed = out.compute()
                pd.testing.assert_index_equal(computed.index, frame.index)
                assert list(computed.columns) == list("abcde")
                assert_same_bits(computed.to_numpy(), expected.to_numpy())
        series = rolling.std(lazy_frame["a"], WINDOW).compute()
        assert series.name == "a"
        assert_same_bits(series.to_numpy(), rolling.std(frame["a"], WINDOW).to_numpy())
        beta = rolling.beta(lazy_frame, lazy_frame["e"], "30D").compute()
        assert_same_bits(beta.to_numpy(), rolling.beta(frame, frame["e"], "30D").to_numpy())


def test_dask_dataframe_pairs_align_on_the_index() -> None:
    dates = pd.bdate_range("2021-01-01", periods=ROWS)
    y = pd.Series(_panel()[:, 4], index=dates, name="y")
    x = pd.Series(_panel(seed=3)[:, 4], index=dates, name="x").iloc[5:]
    out = rolling.corr(dd.from_pandas(y, npartitions=4), dd.from_pandas(x, npartitions=3), 10).compute()
    expected = rolling.corr(y, x, 10)
    pd.testing.assert_index_equal(out.index, expected.index)
    assert_same_bits(out.to_numpy(), expected.to_numpy())


# ----------------------------------------------------------------------- xarray


def test_dataarrays_with_dim_and_the_accessor() -> None:
    x = _panel()
    dates = pd.bdate_range("2021-01-01", periods=ROWS)
    array = xr.DataArray(x.T, dims=("id", "time"), coords={"time": dates, "id": list("abcde")}, name="pe")
    for data in [array, array.chunk({"time": 7, "id": 2})]:
        out = rolling.var(data, WINDOW, dim="time", min_periods=4)
        assert out.dims == ("id", "time") and out.name == "pe"
        assert_same_bits(out.values.T, rolling.var(x, WINDOW, min_periods=4))
        assert_same_bits(data.capcycle.rolling(time=WINDOW).std().values.T, rolling.std(x, WINDOW))
        assert_same_bits(
            data.capcycle.rolling(time="30D").median().values.T,
            rolling.median(pd.DataFrame(x, index=dates), "30D").to_numpy(),
        )
        beta = data.capcycle.rolling(time=WINDOW).beta(data.isel(id=0))
        assert_same_bits(beta.values.T, rolling.beta(x, x[:, 0], WINDOW))
    assert isinstance(array.chunk({"time": 7}).capcycle.rolling(time=5).mean().data, da.Array)
    # One argument on dask, the other in memory: lazy, same bits.
    mixed = array.chunk({"time": 9}).capcycle.rolling(time=WINDOW).corr(array.isel(id=4))
    assert isinstance(mixed.data, da.Array)
    assert_same_bits(mixed.values.T, rolling.corr(x, x[:, 4], WINDOW))


def test_nd_dataarray_and_dataset() -> None:
    rng = np.random.default_rng(5)
    cube = rng.normal(size=(ROWS, 3, 4)) + 1e6
    cube[rng.random(cube.shape) < 0.1] = np.nan
    array = xr.DataArray(cube, dims=("time", "lat", "lon")).chunk({"time": 13, "lat": 2})
    out = array.capcycle.rolling(time=WINDOW).zscore()
    expected = rolling.zscore(cube.reshape(ROWS, -1), WINDOW).reshape(cube.shape)
    assert_same_bits(out.values, expected)
    dataset = xr.Dataset({"cube": array, "static": ("lat", [1.0, 2.0, 3.0])})
    result = dataset.capcycle.rolling(time=WINDOW).mean()
    assert_same_bits(result["cube"].values, rolling.mean(cube.reshape(ROWS, -1), WINDOW).reshape(cube.shape))
    assert result["static"].values.tolist() == [1.0, 2.0, 3.0]


def test_accessor_and_dim_errors_name_the_argument() -> None:
    array = xr.DataArray(np.arange(10.0), dims="time")
    with pytest.raises(ValueError, match="dim"):
        rolling.mean(array, 3, dim="date")
    with pytest.raises(ValueError, match="window"):
        array.capcycle.rolling(time=3, id=2)
    with pytest.raises(ValueError, match="dim"):
        array.capcycle.rolling(date=3)
    with pytest.raises(TypeError, match="dim"):
        rolling.mean(np.arange(10.0), 3, dim="time")
    with pytest.raises(TypeError, match="times"):
        rolling.mean(np.arange(10.0), "3D", times=pd.date_range("2020", periods=10))
    with pytest.raises(TypeError, match="y"):
        rolling.cov(da.ones(10, chunks=3), np.ones(10), 3)


# -------------------------------------------------------------------- valuation


@pytest.mark.parametrize(
    "options",
    [
        {"window": WINDOW},
        {"window": WINDOW, "center": "mean"},
        {"window": WINDOW, "scale": "mad"},
        {"window": 7, "min_periods": 2, "ddof": 0},
    ],
)
@pytest.mark.parametrize("chunking", ["ragged", "short", "rows"])
def test_valuation_bit_for_bit_with_finite_windows(options: dict, chunking: str) -> None:
    x = _panel()
    lazy = da.from_array(x, chunks=(CHUNKINGS[chunking], 2))
    with dask.config.set(scheduler="threads"):
        assert_same_bits(valuation.zscore(lazy, **options).compute(), valuation.zscore(x, **options))
        ranks = valuation.percentile_rank(lazy, window=options["window"]).compute()
        assert_same_bits(ranks, valuation.percentile_rank(x, window=options["window"]))
        series = pd.Series(x[:, 0], index=pd.bdate_range("2021-01-01", periods=ROWS))
        lazy_bands = valuation.bands(dd.from_pandas(series, npartitions=7), k=(1, 1.5), **options)
        pd.testing.assert_frame_equal(
            lazy_bands.compute(), valuation.bands(series, k=(1, 1.5), **options), check_exact=True
        )


def test_whole_history_statistics_need_time_in_one_chunk() -> None:
    x = _panel()
    by_time = da.from_array(x, chunks=(50, 5))
    for window in [None, "expanding"]:
        with pytest.raises(ValueError, match=r"x: window=.* needs all of time in one chunk.*rechunk=True"):
            valuation.zscore(by_time, window=window)
        with pytest.raises(ValueError, match="rechunk=True"):
            valuation.percentile_rank(by_time, window=window)
        expected = valuation.zscore(x, window=window)
        assert_same_bits(valuation.zscore(by_time, window=window, rechunk=True).compute(), expected)
        by_series = da.from_array(x, chunks=(ROWS, 2))  # chunking across series always works
        assert_same_bits(valuation.zscore(by_series, window=window).compute(), expected)
        assert_same_bits(
            valuation.percentile_rank(by_series, window=window).compute(),
            valuation.percentile_rank(x, window=window),
        )
    with pytest.raises(TypeError, match="rechunk"):
        valuation.zscore(x, rechunk=True)


def test_an_all_nan_block_is_nan_not_an_error() -> None:
    x = _panel()[:, 0]
    x[:50] = np.nan
    out = valuation.zscore(da.from_array(x, chunks=25), window=10).compute()
    assert_same_bits(out, valuation.zscore(x, window=10))


# ---------------------------------------------------------- laziness and workers


def test_nothing_of_dask_or_xarray_is_imported_unless_used() -> None:
    code = (
        "import sys, numpy as np, pandas as pd, capcycle\n"
        "from capcycle import rolling, valuation\n"
        "rolling.std(pd.Series(np.arange(30.0)), 5); valuation.zscore(np.arange(30.0), window=5)\n"
        "print(sorted(m for m in ('dask', 'distributed', 'xarray') if m in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "[]"


def test_tasks_pickle_the_kernels_as_references() -> None:
    assert pickle.loads(pickle.dumps(_core.rolling)) is _core.rolling
    lazy = rolling.std(da.from_array(_panel(), chunks=(30, 5)), WINDOW)
    # Every task of the graph pickles with plain pickle, and small: no kernel code or data copied in.
    graph = dict(lazy.__dask_graph__())
    computations = [v for k, v in graph.items() if "run_block" in str(k) or "_run_block" in repr(v)]
    assert computations
    for task in computations:
        assert len(pickle.dumps(task)) < 4_000


@pytest.fixture(scope="module")
def cluster_client():
    import distributed

    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=40
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def test_distributed_cluster_bit_for_bit(cluster_client) -> None:
    x = _panel()
    dates = pd.bdate_range("2021-01-01", periods=ROWS)
    lazy = da.from_array(x, chunks=(CHUNKINGS["ragged"], 2))
    results = {stat: _call(stat, lazy, min_periods=3) for stat in STATS}
    results["beta"] = rolling.beta(lazy, da.from_array(x[:, 4], chunks=11), WINDOW)
    results["zscore_median"] = valuation.zscore(lazy, window=WINDOW)
    results["days"] = rolling.std(lazy, "30D", times=dates)
    computed = dict(zip(results, cluster_client.compute(list(results.values()), sync=True), strict=True))
    for stat in STATS:
        assert_same_bits(computed[stat], _call(stat, x, min_periods=3))
    assert_same_bits(computed["beta"], rolling.beta(x, x[:, 4], WINDOW))
    assert_same_bits(computed["zscore_median"], valuation.zscore(x, window=WINDOW))
    assert_same_bits(computed["days"], rolling.std(pd.DataFrame(x, index=dates), "30D").to_numpy())
    # Each worker process sized the kernels' thread pool to its one thread (unless set already).
    expected = os.environ.get("RAYON_NUM_THREADS", "1")
    assert set(cluster_client.run(lambda: os.environ.get("RAYON_NUM_THREADS")).values()) == {expected}


# ------------------------------------------------------------------ event study


@pytest.mark.parametrize(
    ("unit", "before", "after"), [("trading_days", 20, 60), ("months", 2, 6), ("days", 10, 45)]
)
@pytest.mark.parametrize("partitions", [1, 7, 60])
def test_event_study_on_a_dask_dataframe_pools_the_blocks_exactly(
    unit: str, before: int, after: int, partitions: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from capcycle.events import event_study

    monkeypatch.setattr(_lazy, "EVENT_SERIES_PER_TASK", 3)  # 4 series: two column chunks

    rng = np.random.default_rng(0)
    index = pd.bdate_range("2010-01-01", periods=600)
    frame = pd.DataFrame(
        np.exp(rng.normal(0, 0.01, (600, 4)).cumsum(axis=0)), index=index, columns=list("abcd")
    )
    frame.iloc[100:110, 1] = np.nan
    frame.iloc[:, 2] += 1e6  # large levels: a naive pooled variance would lose its digits
    events = ["2011-03-05", "2010-02-01", "2010-07-15", "2011-06-01", "2012-01-02", "2010-01-04"]  # unsorted
    expected = event_study(frame, events, before=before, after=after, unit=unit)
    with dask.config.set(scheduler="threads"):
        study = event_study(
            dd.from_pandas(frame, npartitions=partitions), events, before=before, after=after, unit=unit
        )
    pd.testing.assert_frame_equal(study.paths, expected.paths, check_exact=True)
    exact = ["min", "max", "count"]
    pd.testing.assert_frame_equal(
        study.summary.loc[:, (slice(None), exact)],
        expected.summary.loc[:, (slice(None), exact)],
        check_exact=True,
    )
    # Mean and std pool counts/means/M2 (Chan et al.), the median the paths per offset:
    # the same numbers up to rounding, never a mean of means or a median of medians.
    pd.testing.assert_frame_equal(study.summary, expected.summary, rtol=1e-12, atol=1e-15)


def test_event_study_on_a_dask_series_keeps_the_whole_api() -> None:
    from capcycle.events import EventStudy, event_study

    index = pd.bdate_range("2015-01-01", periods=400)
    series = pd.Series(
        np.exp(np.random.default_rng(2).normal(0, 0.01, 400).cumsum()), index=index, name="rel"
    )
    events = ["2015-03-02", "2015-09-01", "2016-02-01"]
    expected = event_study(series, events, before=15, after=30)
    study = event_study(dd.from_pandas(series, npartitions=6), events, before=15, after=30)
    assert isinstance(study, EventStudy)
    pd.testing.assert_frame_equal(study.paths, expected.paths, check_exact=True)
    pd.testing.assert_frame_equal(study.intervals([(0, 30)]), expected.intervals([(0, 30)]), rtol=1e-12)
    pd.testing.assert_frame_equal(study.bootstrap(n=200, seed=1), expected.bootstrap(n=200, seed=1))
    pd.testing.assert_series_equal(
        study.placebo(n=100, seed=3).percentile, expected.placebo(n=100, seed=3).percentile
    )
    with pytest.raises(ValueError, match="events"):
        event_study(dd.from_pandas(series, npartitions=3), ["2030-01-01"], before=1, after=1)
    # Windows longer than the whole series: one block, padded with NaN as in memory.
    short = series.iloc[:40]
    wide = event_study(dd.from_pandas(short, npartitions=4), ["2015-01-20"], before=100, after=300)
    pd.testing.assert_frame_equal(wide.paths, event_study(short, ["2015-01-20"], before=100, after=300).paths)


def test_pooled_moments_against_the_whole() -> None:
    rng = np.random.default_rng(4)
    data = rng.normal(1e6, 1.0, size=1000)
    groups = np.split(data, [3, 4, 500, 501])
    parts = [(np.float64(len(g)), g.mean(), ((g - g.mean()) ** 2).sum()) for g in groups]
    count, mean, m2 = _lazy.pooled_moments(parts)
    assert count == 1000
    np.testing.assert_allclose(mean, data.mean(), rtol=1e-15)
    np.testing.assert_allclose(m2 / 999, data.var(ddof=1), rtol=1e-9)


def test_hostile_lazy_inputs_get_clear_errors_or_empty_results() -> None:
    empty = rolling.mean(da.zeros((0, 3), chunks=(1, 3)), 5).compute()
    assert empty.shape == (0, 3)
    longer = rolling.std(da.from_array(_panel()[:30], chunks=4), 50, min_periods=2)  # window > rows
    assert_same_bits(longer.compute(), rolling.std(_panel()[:30], 50, min_periods=2))
    unknown = da.from_array(np.arange(10.0), chunks=5)
    unknown = unknown[unknown > 2]  # chunk sizes unknown until computed
    with pytest.raises(ValueError, match=r"x: has unknown chunk sizes.*compute_chunk_sizes"):
        rolling.mean(unknown, 3)
    text = dd.from_pandas(pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]}), npartitions=1)
    with pytest.raises(TypeError, match=r"x\['b'\]"):
        rolling.mean(text, 2)
    with pytest.raises(ValueError, match="x: expected a 1-D or 2-D"):
        rolling.mean(da.zeros((4, 2, 2), chunks=2), 2)
    with pytest.raises(ValueError, match="window"):
        rolling.mean(da.zeros(10, chunks=3), 0)


def test_the_accessor_runs_valuation_on_arrays_and_datasets() -> None:
    x = _panel()
    array = xr.DataArray(x, dims=("time", "id")).chunk({"time": 11})
    dataset = xr.Dataset({"pe": array, "label": ("id", list("abcde"))})
    z = dataset.capcycle.zscore("time", window=WINDOW, center="mean")
    assert_same_bits(z["pe"].values, valuation.zscore(x, window=WINDOW, center="mean"))
    assert z["label"].values.tolist() == list("abcde")
    ranks = array.capcycle.percentile_rank("time", window=WINDOW)
    assert_same_bits(ranks.values, valuation.percentile_rank(x, window=WINDOW))


@settings(max_examples=60, deadline=None)
@given(
    cuts=st.lists(st.integers(1, 25), min_size=1, max_size=12),
    window=st.integers(1, 40),
    share=st.floats(0.0, 1.0),
    stat=st.sampled_from(STATS),
    seed=st.integers(0, 2**16),
)
def test_any_chunking_gives_the_in_memory_bits(
    cuts: list[int], window: int, share: float, stat: str, seed: int
) -> None:
    x = np.vstack([_panel(seed=seed)] * 3)[: sum(cuts)]  # up to 300 rows
    periods = int(share * window)
    options = {"q": 0.7} if stat == "quantile" else {}
    expected = getattr(rolling, stat)(x, window, min_periods=periods, **options)
    lazy = getattr(rolling, stat)(
        da.from_array(x, chunks=(tuple(cuts), 2)), window, min_periods=periods, **options
    )
    assert_same_bits(lazy.compute(scheduler="sync"), expected)


def test_event_study_on_dask_aligns_each_series_and_drops_outside_events() -> None:
    import warnings

    from capcycle.events import event_study

    rng = np.random.default_rng(9)
    index = pd.bdate_range("2018-01-01", periods=300)
    frame = pd.DataFrame(
        np.exp(rng.normal(0, 0.01, (300, 3)).cumsum(axis=0)), index=index, columns=["x", "y", "z"]
    )
    frame.iloc[50:53, 1] = np.nan  # y has no value on the first event: it aligns two rows later
    frame.iloc[:, 2] = np.nan  # z has no value at all: NaN paths, count 0
    events = [index[50], index[200], "2030-01-01"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the dropped event is said once per call
        expected = event_study(frame, events, before=5, after=20, outside="drop")
        study = event_study(dd.from_pandas(frame, npartitions=6), events, before=5, after=20, outside="drop")
    pd.testing.assert_frame_equal(study.paths, expected.paths, check_exact=True)
    pd.testing.assert_frame_equal(study.aligned, expected.aligned)
    pd.testing.assert_index_equal(study.events, expected.events)
    pd.testing.assert_index_equal(study.dropped, expected.dropped)
    pd.testing.assert_frame_equal(study.summary, expected.summary, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("join", ["outer", "inner", "left"])
def test_dask_dataframe_pairs_pair_columns_and_rows_as_in_memory(join: str) -> None:
    # The lazy path applied join= to the columns too (dask's align joins both axes):
    # 'inner'/'left' lost the labels one side lacks and kept them unsorted, where
    # pandas (and the in-memory path) take the sorted union of labels, NaN where one
    # side lacks one. A DataFrame against a Series (outer) kept the union of rows
    # instead of the DataFrame's rows.
    dates = pd.bdate_range("2021-01-01", periods=ROWS)
    x = pd.DataFrame(_panel()[:, :3], index=dates, columns=["d", "c", "a"]).iloc[3:]
    y = pd.DataFrame(_panel(seed=5)[:, 2:], index=dates, columns=["b", "c", "z"]).iloc[:-4]
    for stat in PAIRS:
        for window in (10, "15D"):
            for other in (y, y["c"]):
                expected = getattr(rolling, stat)(x, other, window, join=join)
                out = getattr(rolling, stat)(
                    dd.from_pandas(x, npartitions=3), dd.from_pandas(other, npartitions=4), window, join=join
                ).compute()
                pd.testing.assert_index_equal(out.columns, expected.columns)
                pd.testing.assert_index_equal(out.index, expected.index, exact=False)
                assert_same_bits(out.to_numpy(), expected.to_numpy())


@pytest.mark.parametrize("join", ["outer", "inner", "left"])
def test_dataarray_pairs_align_on_their_coordinates(join: str) -> None:
    # Two DataArrays were paired by position: a time coordinate shifted by two days, or
    # ids in another order, silently paired the wrong values. They align on their
    # coordinates as two pandas inputs align on their labels.
    dates = pd.bdate_range("2021-01-01", periods=ROWS)
    x = pd.DataFrame(_panel()[:, :2], index=dates, columns=["a", "b"]).iloc[3:]
    y = pd.DataFrame(_panel(seed=5)[:, :2], index=dates, columns=["b", "a"]).iloc[:-4]

    def as_array(frame):
        return xr.DataArray(
            frame.to_numpy(),
            dims=("time", "id"),
            coords={"time": frame.index, "id": list(frame.columns)},
        )

    for stat in PAIRS:
        for other, other_array in ((y, as_array(y)), (y["a"], as_array(y).sel(id="a", drop=True))):
            expected = getattr(rolling, stat)(x, other, 10, join=join)
            for first in (as_array(x), as_array(x).chunk({"time": 30})):
                out = getattr(rolling, stat)(first, other_array, 10, join=join, dim="time")
                got = out.transpose("time", "id").to_pandas()
                assert list(got.index) == list(expected.index)
                assert list(got.columns) == list(expected.columns)
                assert_same_bits(got.to_numpy(), expected.to_numpy())
    with pytest.raises(ValueError, match="^y: "):
        rolling.corr(xr.DataArray(np.ones(5), dims="time"), xr.DataArray(np.ones(4), dims="time"), 2)
