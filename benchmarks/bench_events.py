"""capcycle.events against a straightforward pandas event study (target >= 20x).

Run against a release build (``maturin develop --release``)::

    python benchmarks/bench_events.py            # the issue's sizes
    python benchmarks/bench_events.py --quick    # 1/10 of the series, a smoke run

Case: 500 series x 30 years of business days x 200 events x 505 offsets
(before = after = 252 trading days), ``kind="level"``. Both sides produce the paths
of every (series, event) and the cross-event mean, median, min, max, std and count
per (series, offset). pandas loops over events (``iloc`` window, ``reindex`` to the
offsets, divide by the event row), concatenates, then aggregates across events with
a groupby. The outputs are checked for agreement before timing. Prints the best of a
few runs and the ratio pandas / capcycle, with the machine and versions. Not a timed
test: nothing here fails on speed.

``event_study`` computes the summary straight from the series and builds
``.paths`` only when they are first read, so the script times both
``event_study(...)`` alone and ``event_study(...).paths`` (the paths DataFrame, the
whole of what pandas produces), plus each native kernel on its own.

Last run (x86_64, 2 cores, idle; best of 3; python 3.11.7, numpy 2.4.6, pandas
3.1.1, release build, main):

    pandas (loop over events + groupby):    1.483 s
    capcycle event_study (summary):          0.298 s   ratio    5.0x   <- target 20x NOT met
    capcycle event_study(...).paths too:     0.369 s   ratio    4.0x
    capcycle kernel summary only:            0.311 s
    capcycle kernel paths only:              0.051 s

The summary kernel is the whole cost: per (series, offset), the anchored
moments over the events (`rolling::reduce_lanes`, every offset per step)
and one median selection over about 200 values (`rolling::select_quantile`, on a
lane-major copy of the series' paths). The target (about 75 ms) needs it several
times faster.
"""

from __future__ import annotations

import argparse
import os
import platform

import numpy as np
import pandas as pd

import capcycle
from capcycle.events import event_study
from timing import best_of


def pandas_event_study(frame: pd.DataFrame, events: pd.DatetimeIndex, before: int, after: int):
    """The obvious pandas version: one window per event, then a groupby across events."""
    offsets = pd.RangeIndex(-before, after + 1, name="offset")
    windows = []
    for event in events:
        r = frame.index.get_indexer([event])[0]
        lo, hi = max(0, r - before), min(len(frame), r + after + 1)
        window = frame.iloc[lo:hi] / frame.iloc[r] - 1.0
        window.index = pd.RangeIndex(lo - r, hi - r)
        windows.append(window.reindex(offsets))
    paths = pd.concat(windows, axis=1, keys=events, names=["event", "series"])
    grouped = paths.T.groupby(level="series", sort=False)
    summary = pd.concat(
        {
            "mean": grouped.mean().T,
            "median": grouped.median().T,
            "min": grouped.min().T,
            "max": grouped.max().T,
            "std": grouped.std(ddof=1).T,
            "count": grouped.count().T.astype(float),
        },
        axis=1,
        names=["stat", "series"],
    )
    return paths, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1/10 of the series")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    n_series = 50 if args.quick else 500
    n_events, before, after = 200, 252, 252
    index = pd.bdate_range("1995-01-02", periods=30 * 252)
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        100.0 * np.exp(np.cumsum(rng.normal(0, 0.01, size=(len(index), n_series)), axis=0)),
        index=index,
        columns=[f"s{j}" for j in range(n_series)],
    )
    frame.iloc[rng.integers(0, len(index), 500), rng.integers(0, n_series, 500)] = np.nan
    events = pd.DatetimeIndex(np.sort(rng.choice(index[100:-100], n_events, replace=False)))

    # agreement first
    study = event_study(frame, events, before=before, after=after)
    paths, summary = pandas_event_study(frame, events, before, after)
    ours = study.paths.T.swaplevel().sort_index().T  # (event, series) like pandas
    theirs = paths.sort_index(axis=1)
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), rtol=1e-12, atol=1e-15, equal_nan=True)
    for stat in ("mean", "median", "std", "count"):
        np.testing.assert_allclose(
            study.summary.xs(stat, axis=1, level="stat").to_numpy(),
            summary[stat].to_numpy(),
            rtol=1e-9,
            atol=1e-12,
            equal_nan=True,
        )
    del study, paths, summary, ours, theirs

    t_pandas = best_of(max(1, args.repeat - 1), lambda: pandas_event_study(frame, events, before, after))
    t_ours = best_of(args.repeat, lambda: event_study(frame, events, before=before, after=after))
    t_with_paths = best_of(args.repeat, lambda: event_study(frame, events, before=before, after=after).paths)
    native = (
        frame.index.to_numpy().astype("datetime64[D]").astype(np.int64),
        np.asfortranarray(frame.to_numpy()),
        frame.index.get_indexer(events).astype(np.int64),
        before,
        after,
        "trading_days",
        "level",
    )
    t_paths = best_of(args.repeat, lambda: capcycle._core.event_paths(*native))
    t_summary = best_of(args.repeat, lambda: capcycle._core.event_summary(*native))

    print(
        f"machine: {platform.machine()} {platform.processor() or ''} cpus={os.cpu_count()} "
        f"RAYON_NUM_THREADS={os.environ.get('RAYON_NUM_THREADS', 'default')}"
    )
    print(
        f"versions: python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
        f"capcycle {capcycle.__version__}"
    )
    print(f"case: {n_series} series x {len(index)} rows x {n_events} events x {before + after + 1} offsets")
    print(f"pandas (loop over events + groupby): {t_pandas:8.3f} s")
    print(f"capcycle event_study (summary):       {t_ours:8.3f} s   ratio {t_pandas / t_ours:6.1f}x")
    print(
        f"capcycle event_study(...).paths too:  {t_with_paths:8.3f} s   ratio {t_pandas / t_with_paths:6.1f}x"
    )
    print(f"capcycle kernel summary only:         {t_summary:8.3f} s")
    print(f"capcycle kernel paths only:           {t_paths:8.3f} s")


if __name__ == "__main__":
    main()
