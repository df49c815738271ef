"""Scale-out: capcycle directly, on dask threads and on a LocalCluster, against
numbagg and bottleneck run the same way through ``dask.array.map_overlap``.

A 20,000 x 2,000 panel (1% NaN), chunks 5,000 x 500, window 250, best of
`--repeat` runs. Prints a Markdown table of seconds: the direct call on the whole
in-memory array, the dask threaded scheduler (all cores, one process), and a
``distributed.LocalCluster`` of one worker process per core (one thread each), the
data made on the workers and results kept there, so no transfer is timed; the "overhead" column
is dask threads over direct, the peer columns are the peer's time over capcycle's
under the same scheduler (above 1: capcycle is faster). Needs ``pip install
".[bench,dask]"`` and a release build.

    python benchmarks/bench_scale.py                 # the issue's sizes
    python benchmarks/bench_scale.py --scale 0.1     # a quicker look (rows and columns / 10)
"""

from __future__ import annotations

import argparse
import os
import uuid
from collections.abc import Callable
from typing import Any

import dask
import dask.array as da
import numpy as np

from capcycle import rolling
from timing import best_of, machine

WINDOW = 250


def _peer_block(block: np.ndarray, *, library: str, stat: str) -> np.ndarray:
    import bottleneck as bn
    import numbagg

    if library == "bottleneck":
        options = {"ddof": 1} if stat == "std" else {}
        return getattr(bn, f"move_{stat}")(block, WINDOW, axis=0, **options)
    return getattr(numbagg, f"move_{stat}")(block, window=WINDOW, axis=0)


def calls(stat: str, data: np.ndarray, lazy: da.Array) -> dict[str, Callable[[], da.Array | np.ndarray]]:
    """What each contender runs: capcycle's own dask path, and the peers the way
    xarray runs them on dask (map_overlap, depth window - 1 before, no boundary)."""
    import functools

    out: dict[str, Callable[[], da.Array | np.ndarray]] = {
        "direct": lambda: getattr(rolling, stat)(data, WINDOW),
        "capcycle": lambda: getattr(rolling, stat)(lazy, WINDOW),
    }
    for library in ("numbagg", "bottleneck"):
        if library == "numbagg" and stat == "median":
            continue  # numbagg has no moving median
        block = functools.partial(_peer_block, library=library, stat=stat)
        out[library] = functools.partial(
            da.map_overlap,
            block,
            lazy,
            depth={0: (WINDOW - 1, 0), 1: 0},
            boundary="none",
            dtype=np.float64,
            meta=np.empty((0, 0)),
        )
    return out


def _same_block(block: np.ndarray) -> np.ndarray:
    return block


def _on_cluster(client: Any, make: Callable[[da.Array], da.Array], data: da.Array) -> None:
    """Compute on the workers and keep the result there (its transfer back is not the
    kernels' cost). The input is renamed first (a no-copy task per block under a new
    key): the same graph twice has the same keys, and a second run would find the
    first one's result still in memory."""
    import distributed

    fresh = data.map_blocks(_same_block, dtype=data.dtype, name=f"fresh-{uuid.uuid4().hex}")
    distributed.wait(client.persist(make(fresh)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the issue's rows and columns")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import bottleneck
    import distributed
    import numbagg

    rows, cols = int(20_000 * args.scale), max(4, int(2_000 * args.scale))
    chunks = (max(1, int(5_000 * args.scale)), max(1, int(500 * args.scale)))
    cores = os.cpu_count() or 1
    print(f"machine: {machine()}")
    print(
        f"numpy {np.__version__}, dask {dask.__version__}, distributed {distributed.__version__}, "
        f"bottleneck {bottleneck.__version__}, numbagg {numbagg.__version__}; {rows:,} x {cols:,}, "
        f"chunks {chunks[0]:,} x {chunks[1]:,}, window {WINDOW}, 1% NaN, best of {args.repeat}; "
        f"LocalCluster: {cores} workers x 1 thread\n"
    )
    print(
        "| stat | direct s | dask threads s | overhead | numbagg | bottleneck | LocalCluster s | numbagg | bottleneck |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    with (
        distributed.LocalCluster(
            n_workers=cores, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=40
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        # The panel is made on the workers (as a real one would be read there), then
        # fetched once for the in-process runs.
        draws = da.random.default_rng(0)
        panel = draws.normal(size=(rows, cols), chunks=chunks)
        on_workers = client.persist(da.where(draws.random((rows, cols), chunks=chunks) < 0.01, np.nan, panel))
        distributed.wait(on_workers)
        data = on_workers.compute()
        lazy = da.from_array(data, chunks=chunks)
        for stat in ("mean", "std", "median"):
            threaded = calls(stat, data, lazy)
            direct = best_of(args.repeat, threaded.pop("direct"))
            with dask.config.set(scheduler="threads"):
                local = {
                    name: best_of(args.repeat, lambda f=f: f().compute()) for name, f in threaded.items()
                }
            remote = {
                name: best_of(
                    args.repeat,
                    lambda name=name, stat=stat: _on_cluster(
                        client, lambda x, stat=stat, name=name: calls(stat, data, x)[name](), on_workers
                    ),
                )
                for name in threaded
            }

            def ratio(times: dict[str, float], peer: str) -> str:
                return f"{times[peer] / times['capcycle']:.1f}x" if peer in times else "-"

            print(
                f"| {stat} | {direct:.2f} | {local['capcycle']:.2f} | {local['capcycle'] / direct:.2f}x | "
                f"{ratio(local, 'numbagg')} | {ratio(local, 'bottleneck')} | {remote['capcycle']:.2f} | "
                f"{ratio(remote, 'numbagg')} | {ratio(remote, 'bottleneck')} |"
            )


if __name__ == "__main__":
    main()
