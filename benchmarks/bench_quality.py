"""capcycle.quality.screen against the same screen in pandas (target >= 10x).

Run against a release build (``maturin develop --release``)::

    python benchmarks/bench_quality.py            # the issue's size
    python benchmarks/bench_quality.py --quick    # 1/10 of the firms, a smoke run

Case: 5,000 firms x 120 quarters, two metrics (ROE and ROA, ragged: firms enter and
leave, 5 % of values missing), window 8, top 20 %, static weight 0.5. The pandas
twin ranks with ``DataFrame.rank(axis=1, pct=True)`` and takes the slope as
``x.rolling(8).cov(t) / t.rolling(8).var()`` (t masked where x is NaN, so both count
the same rows). The two are checked for agreement before they are timed. Prints the
best of a few runs and the ratio pandas / capcycle, with the machine and versions.
Not a timed test: nothing here fails on speed.

Measured on the project's shared 2-core machine, other jobs running (best of 5)::

    see the README ("Quality screen") for the numbers of the last run
"""

from __future__ import annotations

import argparse
import math
import os
import platform

import numpy as np
import pandas as pd

import capcycle
from capcycle import quality
from timing import best_of


def ragged(rng: np.random.Generator, rows: int, cols: int, level: float) -> pd.DataFrame:
    x = level + rng.normal(0.0, 0.05, (rows, cols)).cumsum(axis=0) / 4
    enter = rng.integers(0, rows // 2, cols)
    leave = rng.integers(rows // 2, rows + 1, cols)
    t = np.arange(rows)[:, None]
    x[(t < enter) | (t >= leave) | (rng.random((rows, cols)) < 0.05)] = np.nan
    dates = pd.period_range("1995Q1", periods=rows, freq="Q").to_timestamp(how="end").normalize()
    return pd.DataFrame(x, index=dates, columns=[f"F{j:05d}" for j in range(cols)])


def pandas_screen(metrics: dict[str, pd.DataFrame], window: int, top: float, weight: float):
    frames = list(metrics.values())
    time = np.arange(len(frames[0]), dtype=float)[:, None]
    slopes = []
    for x in frames:
        t = pd.DataFrame(np.where(x.notna(), time, np.nan), index=x.index, columns=x.columns)
        slopes.append(x.rolling(window).cov(t) / t.rolling(window).var())
    eligible = pd.DataFrame(True, index=frames[0].index, columns=frames[0].columns)
    for x, s in zip(frames, slopes, strict=True):
        eligible &= x.notna() & s.notna()
    score = 0.0
    for x, s in zip(frames, slopes, strict=True):
        score = (
            score
            + weight * x.where(eligible).rank(axis=1, pct=True)
            + (1 - weight) * s.where(eligible).rank(axis=1, pct=True)
        )
    score = (score / len(frames)).where(eligible)
    k = eligible.sum(axis=1).map(lambda n: math.ceil(round(top * n, 9)))
    members = score.rank(axis=1, ascending=False, method="min").le(k, axis=0) & eligible
    return score, members, eligible.sum(axis=1)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a tenth of the firms (smoke run)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    firms, quarters = 5_000 // (10 if args.quick else 1), 120
    print(
        f"machine: {platform.machine()} {platform.processor() or ''}, {os.cpu_count()} cpus "
        f"(RAYON_NUM_THREADS={os.environ.get('RAYON_NUM_THREADS', 'unset')}); "
        f"python {platform.python_version()}, capcycle {capcycle.__version__}, "
        f"numpy {np.__version__}, pandas {pd.__version__}"
    )
    rng = np.random.default_rng(15)
    metrics = {"roe": ragged(rng, quarters, firms, 0.12), "roa": ragged(rng, quarters, firms, 0.05)}
    ours = quality.screen(metrics, window=8, top=0.2, static_weight=0.5)
    score, members, eligible = pandas_screen(metrics, 8, 0.2, 0.5)
    assert (ours.eligible == eligible).all()
    np.testing.assert_allclose(ours.scores.to_numpy(), score.to_numpy(), rtol=1e-9, atol=1e-12)
    # pandas' rolling cov/var is off in the last digits: a near-tie may fall either side
    agree = (ours.members.to_numpy() == members.to_numpy()).mean()
    assert agree > 0.9999, agree
    t_ours = best_of(args.repeat, lambda: quality.screen(metrics, window=8, top=0.2, static_weight=0.5))
    t_pandas = best_of(max(1, args.repeat // 2), lambda: pandas_screen(metrics, 8, 0.2, 0.5))
    name = f"screen, {firms:,} firms x {quarters} quarters, 2 metrics, window 8"
    print(
        f"{name:<58} capcycle {t_ours * 1e3:8.1f} ms   pandas {t_pandas * 1e3:8.1f} ms   ratio {t_pandas / t_ours:5.1f}x"
    )
    print(f"members agreeing with pandas: {agree:.6%}")


if __name__ == "__main__":
    main()
