"""What every benchmark script shares: best-of timing and the machine line."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable


def best_of(repeat: int, function: Callable[[], object]) -> float:
    """The fastest of `repeat` runs, in seconds (the least disturbed by other load)."""
    times = []
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def machine() -> str:
    threads = os.environ.get("RAYON_NUM_THREADS", "unset")
    return f"{platform.machine()}, {os.cpu_count()} cpus (RAYON_NUM_THREADS={threads}), python {platform.python_version()}"
