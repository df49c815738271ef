"""capcycle.valuation against pandas: the speed the issue asks for (target >= 10x).

Run against a release build (``maturin develop --release``)::

    python benchmarks/bench_valuation.py            # the issue's sizes
    python benchmarks/bench_valuation.py --quick    # 1/10 of them, a smoke run

Cases: the expanding median z-score of 1,000,000 points, and the rolling (252-row)
median z-score of a 5,000 x 2,000 panel, each checked against pandas for agreement
before it is timed. Prints the best of a few runs and the ratio pandas / capcycle,
with the machine and versions the numbers belong to. Not a timed test: nothing
here fails on speed.

Measured on the project's shared 2-core machine while it was idle (best of 9; with
another job on one core the ratios fall to about 9x and 6x)::

    machine: x86_64 , 2 cpus (RAYON_NUM_THREADS=unset); python 3.11.7, capcycle 0.1.0, numpy 2.4.6, pandas 3.1.1
    expanding median z-score, 1,000,000 points     capcycle      32.3 ms   pandas     400.8 ms   ratio   12.4x
    rolling(252) median z-score, 5,000 x 2,000     capcycle     271.2 ms   pandas    3094.7 ms   ratio   11.4x

(the run before gave 12.1x and 12.3x; the VM's neighbours move single runs by up to
30%, and a run under that noise gave 7.4x for the panel.)
"""

from __future__ import annotations

import argparse
import os
import platform

import numpy as np
import pandas as pd

import capcycle
from capcycle import valuation
from timing import best_of


def pandas_median_zscore(x: pd.Series | pd.DataFrame, window: int | str) -> pd.Series | pd.DataFrame:
    roll = x.expanding() if window == "expanding" else x.rolling(window)
    return (x - roll.median()) / roll.std()


def case(name: str, data: pd.Series | pd.DataFrame, window: int | str, repeat: int) -> None:
    ours = valuation.zscore(data, window=window)
    theirs = pandas_median_zscore(data, window)
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=1e-7, atol=1e-7)
    t_ours = best_of(repeat, lambda: valuation.zscore(data, window=window))
    t_pandas = best_of(max(1, repeat // 2), lambda: pandas_median_zscore(data, window))
    print(
        f"{name:<46} capcycle {t_ours * 1e3:9.1f} ms   pandas {t_pandas * 1e3:9.1f} ms   ratio {t_pandas / t_ours:6.1f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes (smoke run)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    scale = 10 if args.quick else 1

    print(
        f"machine: {platform.machine()} {platform.processor() or ''}, {os.cpu_count()} cpus "
        f"(RAYON_NUM_THREADS={os.environ.get('RAYON_NUM_THREADS', 'unset')}); "
        f"python {platform.python_version()}, capcycle {capcycle.__version__}, "
        f"numpy {np.__version__}, pandas {pd.__version__}"
    )
    rng = np.random.default_rng(0)
    n = 1_000_000 // scale
    series = pd.Series(np.cumsum(rng.normal(size=n)) + 15.0)
    series[rng.random(n) < 0.01] = np.nan
    case(f"expanding median z-score, {n:,} points", series, "expanding", args.repeat)

    rows, cols = 5_000, 2_000 // scale
    panel = pd.DataFrame(rng.normal(15.0, 3.0, size=(rows, cols)))
    case(f"rolling(252) median z-score, {rows:,} x {cols:,}", panel, 252, args.repeat)


if __name__ == "__main__":
    main()
