"""The snapshot shipped in the package: the last place the loaders look.

``snapshot/`` holds FRED and Ken French files trimmed to the series, tables and
columns the figures and notebooks use, gzip-compressed, in the same layout as a data
folder (``fred/<ID>.csv.gz``, ``french/<dataset>.csv.gz``), and ``manifest.json``
(for each file: source URL, first and last date, rows, sha256, terms). The files are
written by ``scripts/build_snapshot.py``, byte for byte the same from the same inputs.
"""

from __future__ import annotations

import gzip
import json
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["SNAPSHOT_DIR", "manifest", "snapshot_entry", "snapshot_text"]

#: Where the snapshot lives inside the installed package.
SNAPSHOT_DIR = Path(__file__).resolve().parent / "snapshot"


@cache
def _manifest() -> dict[str, Any]:
    path = SNAPSHOT_DIR / "manifest.json"
    if not path.is_file():
        return {"files": {}}
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return manifest


def manifest() -> dict[str, Any]:
    """The snapshot's manifest: ``{"files": {"fred/DGS2.csv": {...}, ...}, ...}``.

    Each entry gives ``source_url``, ``first``, ``last`` (the vintage: the last date
    in the file), ``rows``, ``sha256`` (of the ``.csv.gz`` file), ``tables`` and
    ``attribution``. A copy, so callers may change it.

    Examples
    --------
    >>> from capcycle.data import snapshot_manifest
    >>> entry = snapshot_manifest()["files"]["fred/DGS2.csv"]
    >>> entry["source_url"]
    'https://fred.stlouisfed.org/series/DGS2'
    """
    out: dict[str, Any] = json.loads(json.dumps(_manifest()))
    return out


def snapshot_entry(folder: str, filename: str) -> dict[str, Any] | None:
    """The manifest entry of ``folder/filename``, or None when the snapshot lacks it."""
    entry: dict[str, Any] | None = _manifest()["files"].get(f"{folder}/{filename}")
    return entry


def snapshot_text(folder: str, filename: str) -> bytes:
    """The decompressed bytes of ``folder/filename`` in the snapshot."""
    return gzip.decompress((SNAPSHOT_DIR / folder / f"{filename}.gz").read_bytes())
