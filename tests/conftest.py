"""Shared fixtures. `data_dir` is the real-data folder (`CAPCYCLE_DATA`, as in CI):
when CI=true a test that needs it and does not find it fails; elsewhere it skips."""

from __future__ import annotations

import os
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
