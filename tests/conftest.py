"""Shared fixtures. `data_dir` is the real-data folder (`CAPCYCLE_DATA`, as in CI):
when CI=true a test that needs it and does not find it fails; elsewhere it skips."""

from __future__ import annotations

import os
import socket
import urllib.error
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest


def _find_data_dir() -> Path | None:
    env = os.environ.get("CAPCYCLE_DATA")
    if env and Path(env).is_dir():
        return Path(env).resolve()
    return None


@pytest.fixture(scope="session")
def data_dir() -> Path:
    found = _find_data_dir()
    if found is None:
        msg = (
            "the real-data folder is missing: set CAPCYCLE_DATA to ../shared/data "
            f"(CAPCYCLE_DATA={os.environ.get('CAPCYCLE_DATA')!r})"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    return found


@pytest.fixture(autouse=True)
def no_internet(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Tests never reach the internet and never touch the user's cache: downloads go
    only to the loopback servers of tests/test_data_fetch.py (anything else fails
    as an unreachable host would), and the cache is a fresh folder per test."""
    from capcycle.data import _fetch

    real = _fetch._download_once

    def loopback_only(url: str, desc: str, max_bytes: int) -> bytes:
        host = urllib.parse.urlsplit(url).hostname or ""
        if host not in ("127.0.0.1", "localhost", "::1"):
            # a name that does not resolve: what an offline machine gives, not retried
            raise urllib.error.URLError(socket.gaierror(-2, f"tests do not reach the internet ({host})"))
        return real(url, desc, max_bytes)

    monkeypatch.setattr(_fetch, "_download_once", loopback_only)
    monkeypatch.setenv("CAPCYCLE_CACHE", str(tmp_path_factory.mktemp("cache")))
    yield


# Property tests run in every CI run with the default profile; the thorough run
# (`python -m pytest -m property --hypothesis-profile=thorough`) draws 10,000 cases each.
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "default", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "thorough", max_examples=10_000, deadline=None, suppress_health_check=list(HealthCheck)
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
