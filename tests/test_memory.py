"""Memory (issue 7): no growth over many small calls; outputs that cannot fit in
memory are a MemoryError, never an abort or a PanicException."""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

from capcycle import _core, events, rolling, valuation


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    raise AssertionError("no VmRSS in /proc/self/status")


def test_100k_small_calls_do_not_grow_rss() -> None:
    x = np.random.default_rng(1).normal(size=50)
    x[::7] = np.nan
    panel = np.asfortranarray(np.random.default_rng(2).normal(size=(40, 3)))
    days = np.arange(60, dtype=np.int64)
    values = np.asfortranarray(np.random.default_rng(3).normal(1.0, 0.01, size=(60, 2)))
    rows = np.array([10, 30], dtype=np.int64)

    def calls(n: int) -> None:
        for i in range(n):
            k = i % 8
            if k == 0:
                rolling.mean(x, 5)
            elif k == 1:
                rolling.median(x, 7, min_periods=2)
            elif k == 2:
                rolling.corr(x, x[::-1], 6)
            elif k == 3:
                rolling.std(panel, 4)
            elif k == 4:
                valuation.zscore(x, window="expanding")
            elif k == 5:
                valuation.percentile_rank(panel, window=10)
            elif k == 6:
                _core.event_paths(days, values, rows, 5, 10, "days", "returns")
                _core.event_summary(days, values, rows, 5, 10, "days", "returns")
            else:
                try:  # the error path must not leak either
                    rolling.mean(x, 0)
                except ValueError:
                    pass

    calls(10_000)  # warm up: allocator pools, numpy caches
    gc.collect()
    before = rss_mb()
    calls(100_000)
    gc.collect()
    grown = rss_mb() - before
    assert grown < 10.0, f"RSS grew by {grown:.1f} MB over 100,000 calls"


_SERIES = pd.Series(np.arange(1.0, 11.0), index=pd.bdate_range("2024-01-01", periods=10))
_HUGE_1D = np.broadcast_to(np.float64(1.0), (10**12,))  # 8 TB of zero-stride view
_HUGE_2D = np.broadcast_to(np.float64(1.0), (10**6, 10**7))


@pytest.mark.parametrize(
    "call",
    [
        lambda: events.event_study(_SERIES, ["2024-01-03"], before=2**40, after=2**40),
        lambda: events.event_study(_SERIES, ["2024-01-03"], before=2**62, after=2**62),
        lambda: _core.event_paths(
            np.arange(10, dtype=np.int64),
            np.ones((10, 1)),
            np.array([3] * 10**6, dtype=np.int64),
            2**20,
            2**20,
        ),
        lambda: rolling.mean(_HUGE_1D, 3),
        lambda: rolling.std(_HUGE_2D, 3),
        lambda: rolling.corr(_HUGE_2D, _HUGE_2D[:, 0], 3),
        lambda: valuation.zscore(_HUGE_1D),
        lambda: valuation.percentile_rank(_HUGE_2D, window=5),
        lambda: _core.rolling(_HUGE_2D, "mean", 3, 3),
        lambda: _core.valuation_zscore(_HUGE_1D, "full", 0),
        lambda: _core.valuation_center_scale_1d(_HUGE_1D, "expanding", 0),
    ],
    ids=[
        "event_study_2^40_offsets",
        "event_study_2^62_offsets",
        "event_paths_10^6_events",
        "rolling_1d_broadcast",
        "rolling_2d_broadcast",
        "rolling_pair_2d_broadcast",
        "valuation_1d_broadcast",
        "valuation_2d_broadcast",
        "core_rolling_2d",
        "core_valuation_1d",
        "core_center_scale",
    ],
)
def test_an_output_larger_than_memory_is_a_memory_error(call) -> None:
    with pytest.raises(MemoryError):
        call()


def test_private_rolling_on_a_1d_broadcast_view_is_a_memory_error_not_an_abort() -> None:
    code = textwrap.dedent(
        """
        import numpy as np
        from capcycle import _core
        try:
            _core.rolling(np.broadcast_to(np.float64(1.0), (10**12,)), "mean", 3, 3)
        except MemoryError:
            print("MemoryError")
        """
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and "MemoryError" in run.stdout, run.stderr[-500:]
