"""Rolling statistics: capcycle against pandas, bottleneck, numbagg and polars.

Same data, one process, best of `--repeat` runs; prints a Markdown table of seconds
and of each peer's time divided by capcycle's (above 1: capcycle is faster), plus
the time of a plain `np.copyto` of the same data (the memory-bandwidth floor for a
rolling mean or sum). Needs `pip install ".[bench]"` and a release build.

    python benchmarks/bench_rolling.py                  # issue sizes: 1e7 and 5000 x 2000
    python benchmarks/bench_rolling.py --scale 0.1      # a quicker look
    python benchmarks/bench_rolling.py --threads 1      # everyone on one thread

The panel runs twice: Fortran-ordered (columns contiguous) and C-ordered.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

# --threads must reach rayon and numba before they start their pools.
if "--threads" in sys.argv[:-1]:
    _threads = sys.argv[sys.argv.index("--threads") + 1]
    os.environ["RAYON_NUM_THREADS"] = os.environ["NUMBA_NUM_THREADS"] = _threads

import numpy as np
import pandas as pd

from capcycle import rolling
from timing import best_of, machine

WINDOW = 252


def peers(stat: str, data: np.ndarray, other: np.ndarray) -> dict[str, Callable[[], object]]:
    """Each library's own call for `stat` over axis 0 (None where it has none)."""
    import bottleneck as bn
    import numbagg
    import polars as pl

    frame = pd.DataFrame(data) if data.ndim == 2 else pd.Series(data)
    other_frame = pd.Series(other)
    calls: dict[str, Callable[[], object]] = {}
    if stat == "corr":
        calls["capcycle"] = lambda: rolling.corr(data, other, WINDOW)
        calls["pandas"] = lambda: frame.rolling(WINDOW).corr(other_frame)
        calls["numbagg"] = lambda: numbagg.move_corr(
            data, other[:, None] if data.ndim == 2 else other, window=WINDOW, axis=0
        )
        if data.ndim == 1:
            calls["polars"] = lambda: pl.DataFrame({"a": data, "b": other}).select(
                pl.rolling_corr("a", "b", window_size=WINDOW)
            )
        return calls
    calls["capcycle"] = lambda: getattr(rolling, stat)(data, WINDOW)
    calls["pandas"] = lambda: getattr(frame.rolling(WINDOW), stat)()
    calls["bottleneck"] = lambda: getattr(bn, f"move_{stat}")(
        data, WINDOW, axis=0, **({"ddof": 1} if stat == "std" else {})
    )
    if stat != "median":
        calls["numbagg"] = lambda: getattr(numbagg, f"move_{stat}")(data, window=WINDOW, axis=0)
    polars_frame = pl.DataFrame(data) if data.ndim == 2 else pl.DataFrame({"a": data})
    calls["polars"] = lambda: polars_frame.select(getattr(pl.all(), f"rolling_{stat}")(window_size=WINDOW))
    return calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the issue's sizes")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="threads for capcycle and numbagg")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    n = int(10_000_000 * args.scale)
    rows, cols = 5_000, max(2, int(2_000 * args.scale))
    panel = np.asfortranarray(rng.normal(size=(rows, cols)))
    other = rng.normal(size=rows)
    cases = {
        f"1-D n={n:,}": (rng.normal(size=n), rng.normal(size=n)),
        f"2-D {rows:,} x {cols:,} F": (panel, other),
        f"2-D {rows:,} x {cols:,} C": (np.ascontiguousarray(panel), other),
    }
    import bottleneck
    import numbagg
    import polars

    print(f"machine: {machine()}")
    print(
        f"numpy {np.__version__}, pandas {pd.__version__}, bottleneck {bottleneck.__version__}, "
        f"numbagg {numbagg.__version__}, polars {polars.__version__}; window {WINDOW}, best of {args.repeat}\n"
    )
    print("| data | NaN | stat | capcycle s | pandas | bottleneck | numbagg | polars |")
    print("|---|---|---|---|---|---|---|---|")
    for label, (clean, other) in cases.items():
        for nan_share in (0.0, 0.01):
            data = clean.copy(order="K")  # keep the panel's order
            if nan_share:
                data[rng.random(data.shape) < nan_share] = np.nan
            for stat in ("mean", "std", "corr", "median"):
                timings = {
                    name: best_of(args.repeat, call) for name, call in peers(stat, data, other).items()
                }
                ours = timings["capcycle"]
                ratios = [
                    f"{timings[p] / ours:.1f}x" if p in timings else "-"
                    for p in ("pandas", "bottleneck", "numbagg", "polars")
                ]
                print(f"| {label} | {nan_share:.0%} | {stat} | {ours:.3f} | " + " | ".join(ratios) + " |")
        target = np.empty_like(clean)
        copy = best_of(args.repeat, lambda target=target, clean=clean: np.copyto(target, clean))
        print(f"| {label} | | np.copyto | {copy:.3f} | | | | |")


if __name__ == "__main__":
    main()
