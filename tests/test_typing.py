"""`mypy --strict` sees the public API's real types (issue 12), and the native
module's stub matches the compiled module (mypy's stubtest)."""

from __future__ import annotations

import os
import re
import site
import subprocess
import sys
from pathlib import Path

import pytest

import capcycle

SCRIPTS = Path(__file__).parent / "typing"
#: Modules that pass `mypy --strict` themselves (their signatures are what users see).
TYPED_MODULES = ("capcycle.rolling", "capcycle.valuation", "capcycle._adapt")


def _mypy_env(*extra: Path) -> dict[str, str]:
    """Point mypy at the capcycle these tests import (a work tree, or site-packages)."""
    env = dict(os.environ)
    root = Path(capcycle.__file__).resolve().parent.parent
    installed = {Path(p).resolve() for p in site.getsitepackages()}
    paths = [*([] if root in installed else [root]), *extra]
    if paths:
        env["MYPYPATH"] = os.pathsep.join(str(p) for p in paths)
    return env


@pytest.fixture(scope="module")
def mypy_report(tmp_path_factory: pytest.TempPathFactory) -> str:
    cache = tmp_path_factory.mktemp("mypy_cache")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--follow-imports=silent",
            "--no-error-summary",
            "--cache-dir",
            str(cache),
            "-m",
            "uses_the_api",
            "-m",
            "wrong_return_type",
            *[arg for module in TYPED_MODULES for arg in ("-m", module)],
        ],
        env=_mypy_env(SCRIPTS),
        capture_output=True,
        text=True,
        cwd=cache,
    )
    assert run.returncode in (0, 1), run.stderr  # 1: type errors found (expected below)
    return run.stdout


def test_mypy_strict_accepts_the_api_used_as_documented(mypy_report: str) -> None:
    assert "uses_the_api.py" not in mypy_report, mypy_report


def test_the_api_modules_pass_mypy_strict(mypy_report: str) -> None:
    assert not re.search(r"capcycle[/\\]\w+\.py:\d+: error", mypy_report), mypy_report


def test_mypy_strict_catches_a_wrong_return_type(mypy_report: str) -> None:
    errors = [
        line.split("wrong_return_type.py:", 1)[1]
        for line in mypy_report.splitlines()
        if "wrong_return_type.py:" in line
    ]
    assert errors == [
        '10: error: Incompatible types in assignment (expression has type "Series[float]", '
        'variable has type "float")  [assignment]',
        '11: error: Incompatible types in assignment (expression has type "DataFrame", '
        'variable has type "Series[float]")  [assignment]',
    ], mypy_report


def test_native_stub_matches_the_module(tmp_path: Path) -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy.stubtest",
            "--mypy-config-file",
            str(tmp_path / "none.ini"),
            "capcycle._core",
        ],
        env=_mypy_env(),
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stdout + run.stderr
