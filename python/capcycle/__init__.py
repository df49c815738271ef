"""capcycle: small caps vs large caps through the Fed rate cycle.

Exact, parallel Rust kernels (``capcycle.rolling``, ``capcycle.events``,
``capcycle.valuation``, ``capcycle.quality``) under a pandas-friendly API, real-data loaders
(``capcycle.data``) and the figures of the research (``capcycle.figures``).
"""

from __future__ import annotations

import os as _os
from typing import Any

from capcycle import data, events, fed, quality, rolling, valuation
from capcycle._core import __version__, _after_fork_in_child
from capcycle.performance import excess_returns, relative_performance

# A child made by os.fork() (multiprocessing's "fork" start method, the default on
# Linux before Python 3.14) inherits rayon's pool without its threads; this hook makes
# the child's parallel kernels run on a pool of its own (src/python/common.rs).
# tests/test_concurrency.py::test_fork_after_a_parallel_call_completes_in_the_child
_os.register_at_fork(after_in_child=_after_fork_in_child)

if "xarray" in __import__("sys").modules:
    # The .capcycle accessor, when xarray is already loaded (else: import capcycle.xarray).
    import capcycle.xarray  # noqa: F401  (registers the accessor)

__all__ = [
    "__version__",
    "data",
    "events",
    "excess_returns",
    "fed",
    "figures",
    "quality",
    "relative_performance",
    "rolling",
    "valuation",
]


def __getattr__(name: str) -> Any:
    # matplotlib is slow to import: load the figures only when asked for.
    if name == "figures":
        import importlib

        return importlib.import_module("capcycle.figures")
    raise AttributeError(f"module 'capcycle' has no attribute {name!r}")
