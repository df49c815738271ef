"""Threads and processes (issue 7): many Python threads at once, any rayon thread
count, a fork after a parallel call, and Ctrl-C during a long kernel.

RAYON_NUM_THREADS=1 against several threads for rolling lives in test_rolling.py
(test_one_rayon_thread_gives_the_same_bits); events and valuation have 1-vs-2 checks
in their own files; here they run against the *default* pool and an oversubscribed one.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import warnings

import numpy as np
import pandas as pd

from capcycle import events, rolling, valuation

_RNG = np.random.default_rng(2024)
PANEL = np.asfortranarray(np.round(_RNG.normal(100.0, 3.0, size=(2_000, 24)), 3))
PANEL[_RNG.random(PANEL.shape) < 0.02] = np.nan
PANEL.flags.writeable = False  # shared by every thread: nobody may write into it
SERIES = PANEL[:, 0]
INDEX = pd.bdate_range("2000-01-03", periods=PANEL.shape[0])
FRAME = pd.DataFrame(PANEL, index=INDEX, columns=[f"s{j}" for j in range(PANEL.shape[1])])
EVENTS = list(INDEX[100:1_900:60])


def workload() -> list[np.ndarray]:
    """Parallel 2-D kernels of every module, and a few 1-D ones."""
    study = events.event_study(FRAME, EVENTS, before=40, after=120, unit="days", kind="level")
    return [
        rolling.std(PANEL, 60),
        rolling.median(PANEL, 90, min_periods=10),
        rolling.corr(PANEL, SERIES, 40),
        rolling.zscore(SERIES, 30),
        study.paths.to_numpy(),
        study.summary.to_numpy(),
        valuation.zscore(PANEL, window="expanding", scale="mad"),
        valuation.percentile_rank(PANEL, window=250),
        valuation.zscore(SERIES, window=120, center="mean"),
    ]


def digest(arrays: list[np.ndarray]) -> str:
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def test_eight_threads_at_once_give_the_serial_bits() -> None:
    serial = workload()
    barrier = threading.Barrier(8)
    results: dict[int, list[list[np.ndarray]]] = {}
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            barrier.wait()
            results[k] = [workload() for _ in range(3)]
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert sorted(results) == list(range(8))
    for runs in results.values():
        for run in runs:
            for got, want in zip(run, serial, strict=False):
                assert got.tobytes() == want.tobytes()  # bit for bit, NaN included
    assert not PANEL.flags.writeable


_DIGEST_SCRIPT = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {tests!r})
    import test_concurrency as t
    print(t.digest(t.workload()))
    """
)


def _digest_with(threads: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "RAYON_NUM_THREADS"}
    if threads is not None:
        env["RAYON_NUM_THREADS"] = threads
    code = _DIGEST_SCRIPT.format(tests=os.path.dirname(__file__))
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return run.stdout.strip()


def test_one_rayon_thread_default_and_oversubscribed_give_the_same_bits() -> None:
    # events (paths and summary) and valuation too; default = one thread per core
    digests = {threads: _digest_with(threads) for threads in ("1", None, "7")}
    assert len(set(digests.values())) == 1, digests
    assert digests["1"] == digest(workload())


def _child(_: int) -> str:
    return digest(workload())


def test_fork_after_a_parallel_call_completes_in_the_child() -> None:
    parent = digest(workload())  # rayon's pool now has live threads
    # Python warns that forking a multi-threaded process may deadlock: that is exactly
    # the case under test (capcycle registers an at-fork hook for its own pool).
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*fork.*", category=DeprecationWarning)
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(2) as pool:
            pending = pool.map_async(_child, range(2))
            children = pending.get(timeout=120)  # a hang fails here instead of blocking CI
    assert children == [parent, parent]


def test_a_forked_grandchild_too() -> None:
    code = textwrap.dedent(
        f"""
        import os, sys, warnings
        warnings.simplefilter("ignore", DeprecationWarning)
        sys.path.insert(0, {os.path.dirname(__file__)!r})
        import test_concurrency as t
        want = t.digest(t.workload())
        pid = os.fork()
        if pid == 0:
            ok = t.digest(t.workload()) == want
            pid2 = os.fork()
            if pid2 == 0:
                os._exit(0 if t.digest(t.workload()) == want else 3)
            _, status = os.waitpid(pid2, 0)
            os._exit(0 if ok and os.waitstatus_to_exitcode(status) == 0 else 2)
        _, status = os.waitpid(pid, 0)
        sys.exit(os.waitstatus_to_exitcode(status))
        """
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr


_LONG = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    from capcycle import rolling
    x = np.random.default_rng(0).normal(size=(20_000, 4_000))
    print("ready", flush=True)
    started = time.monotonic()
    try:
        for _ in range(1000):
            rolling.median(x, 5_000)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        sys.exit(42)
    print("finished", time.monotonic() - started, flush=True)
    """
)


def test_ctrl_c_during_a_long_kernel_returns_promptly() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", _LONG], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(1.0)  # well inside the first call (minutes of work)
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        waited = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 42, (out, err)
    assert "interrupted" in out
    assert waited < 2.0, f"Ctrl-C took {waited:.2f} s"
