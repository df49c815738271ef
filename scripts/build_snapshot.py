#!/usr/bin/env python3
"""Rebuild the data snapshot shipped in the package (python/capcycle/data/snapshot/).

    python scripts/build_snapshot.py                     # from $CAPCYCLE_DATA
    python scripts/build_snapshot.py --from ../shared/data
    python scripts/build_snapshot.py --network           # the newest FRED and Ken French files
    python scripts/build_snapshot.py --out /tmp/snap     # somewhere else

It reads each input (FRED series and Ken French files, through capcycle's parsers),
keeps the tables, columns and dates listed in ``SPEC``, writes them back in their
source's CSV layout (FRED ``observation_date,ID``; Ken French tables with their
titles, percent units, -99.99 for missing), gzip-compresses them with a fixed
timestamp and writes ``manifest.json``. The same inputs give the same bytes: the
test suite rebuilds the snapshot from ``CAPCYCLE_DATA`` and compares.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import math
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from capcycle.data import FRED_URL, _french_url
from capcycle.data._fetch import download, read_zip_member
from capcycle.data._layout import in_folder
from capcycle.data._parse import decode, parse_fred, parse_french

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "python" / "capcycle" / "data" / "snapshot"

FRED_TERMS = (
    "FRED, Federal Reserve Bank of St. Louis; {title}, source: Board of Governors of the "
    "Federal Reserve System (US). US government data in the public domain; cite the source."
)
FRENCH_TERMS = (
    "Kenneth R. French Data Library, "
    "https://mba.tuck.dartmouth.edu/pages/faculty/ken.french/data_library.html; "
    "Copyright Eugene F. Fama and Kenneth R. French; returns computed from CRSP data. "
    "Shared with attribution."
)


@dataclass(frozen=True)
class Fred:
    series_id: str
    title: str
    start: str | None = None


@dataclass(frozen=True)
class French:
    dataset: str
    daily: bool
    #: table key -> columns kept (None: all)
    tables: dict[str, tuple[str, ...] | None] = field(default_factory=dict)
    start: str | None = None


SIZE_SPLIT = ("Lo 30", "Med 40", "Hi 30")

#: What the figures and notebooks use, nothing more.
SPEC: tuple[Fred | French, ...] = (
    Fred("DGS2", "Market Yield on U.S. Treasury Securities at 2-Year Constant Maturity"),
    Fred("DFEDTAR", "Federal Funds Target Rate (DISCONTINUED)"),
    Fred("DFEDTARU", "Federal Funds Target Range - Upper Limit"),
    French("Portfolios_Formed_on_ME", False, {"Value Weight Returns -- Monthly": SIZE_SPLIT}),
    French(
        "Portfolios_Formed_on_ME_Daily", True, {"Value Weight Returns -- Daily": SIZE_SPLIT}, "1990-01-01"
    ),
    French("F-F_Research_Data_Factors_daily", True, {"main": ("Mkt-RF", "SMB", "RF")}, "1990-01-01"),
    French(
        "25_Portfolios_5x5",
        False,
        {
            "Value Weight Average of BE/ME": None,
            "Number of Firms in Portfolios": None,
            "Average Market Cap": None,
        },
        "1963-07-01",
    ),
    French(
        "25_Portfolios_ME_OP_5x5",
        False,
        {
            "Average Value Weighted Returns -- Monthly": None,
            "Number of Firms in Portfolios": None,
            "Average Market Cap": None,
            "Value Weight Average of OP": None,
        },
    ),
)


def number(x: float, *, missing: str) -> str:
    """Shortest text for a value read from at most 6 decimals (so it parses back to the
    same float): 2.96, 123, -0.0004; ``missing`` for NaN."""
    if math.isnan(x):
        return missing
    text = repr(float(round(x, 6)) + 0.0)  # + 0.0 turns -0.0 into 0.0
    return text[:-2] if text.endswith(".0") else text


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_input(folder: str, filename: str, url: str, source: Path | None) -> tuple[str, dict[str, str]]:
    """The text of one input and where it came from (a file under ``source`` or ``url``)."""
    if source is None:
        raw = download(url, desc=filename)
        if folder == "french":
            raw = read_zip_member(raw, filename, source=url)
        return decode(raw), {"url": url, "sha256": sha256(raw)}
    path = in_folder(source, folder, filename)
    if not path.is_file():
        raise SystemExit(f"build_snapshot: {folder}/{filename} not found under {source}")
    raw = path.read_bytes()
    return decode(raw), {"file": f"{folder}/{path.name}", "sha256": sha256(raw)}


def build_fred(item: Fred, source: Path | None) -> tuple[bytes, dict[str, object]]:
    text, origin = read_input("fred", f"{item.series_id}.csv", FRED_URL + item.series_id, source)
    series = parse_fred(text, origin.get("file", origin.get("url", "")), item.series_id)
    if item.start is not None:
        series = series.loc[pd.Timestamp(item.start) :]
    lines = [f"observation_date,{item.series_id}"]
    lines += [f"{d:%Y-%m-%d},{number(v, missing='')}" for d, v in series.items()]
    meta: dict[str, object] = {
        "source_url": f"https://fred.stlouisfed.org/series/{item.series_id}",
        "download_url": FRED_URL + item.series_id,
        "title": item.title,
        "first": f"{series.index[0]:%Y-%m-%d}",
        "last": f"{series.index[-1]:%Y-%m-%d}",
        "rows": len(series),
        "attribution": FRED_TERMS.format(title=item.title),
        "built_from": origin,
    }
    return ("\n".join(lines) + "\n").encode(), meta


def build_french(item: French, source: Path | None) -> tuple[bytes, dict[str, object]]:
    filename = f"{item.dataset}.csv"
    text, origin = read_input("french", filename, _french_url(item.dataset), source)
    tables = parse_french(text, origin.get("file", origin.get("url", "")), item.dataset)
    lines = [
        f"capcycle snapshot of the Kenneth R. French Data Library file {item.dataset}: "
        "the tables and columns capcycle uses, percent units, -99.99 = missing.",
        "",
    ]
    described: dict[str, object] = {}
    first, last = None, None
    for key, columns in item.tables.items():
        if key not in tables:
            raise SystemExit(f"build_snapshot: {item.dataset} has no table {key!r} (tables: {list(tables)})")
        frame = tables[key]
        if columns is not None:
            frame = frame.loc[:, list(columns)]
        if item.start is not None:
            frame = frame.loc[pd.Timestamp(item.start) :]
        scale = 100.0 if frame.attrs["units"] == "decimal" else 1.0
        if key != "main":
            lines.append(f"  {key}")
        lines.append("," + ",".join(frame.columns))
        stamp = "%Y%m%d" if item.daily else "%Y%m"
        for when, row in zip(frame.index, frame.to_numpy() * scale, strict=True):
            lines.append(f"{when:{stamp}}," + ",".join(number(v, missing="-99.99") for v in row))
        lines.append("")
        described[key] = {"columns": list(frame.columns), "rows": len(frame)}
        first = frame.index[0] if first is None else min(first, frame.index[0])
        last = frame.index[-1] if last is None else max(last, frame.index[-1])
    assert first is not None and last is not None
    day = "%Y-%m-%d" if item.daily else "%Y-%m"
    meta: dict[str, object] = {
        "source_url": "https://mba.tuck.dartmouth.edu/pages/faculty/ken.french/data_library.html",
        "download_url": _french_url(item.dataset),
        "first": f"{first:{day}}",
        "last": f"{last:{day}}",
        "rows": sum(t["rows"] for t in described.values()),  # type: ignore[index]
        "tables": described,
        "attribution": FRENCH_TERMS,
        "built_from": origin,
    }
    return "\n".join(lines).encode(), meta


def build(source: Path | None, out: Path) -> dict[str, dict[str, object]]:
    """Write every snapshot file and the manifest under ``out``; return the manifest's files."""
    files: dict[str, dict[str, object]] = {}
    for item in SPEC:
        if isinstance(item, Fred):
            name, (csv, meta) = f"fred/{item.series_id}.csv", build_fred(item, source)
        else:
            name, (csv, meta) = f"french/{item.dataset}.csv", build_french(item, source)
        packed = gzip.compress(csv, compresslevel=9, mtime=0)
        target = out / f"{name}.gz"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(packed)
        meta.update(sha256=sha256(packed), csv_sha256=sha256(csv), bytes=len(packed))
        files[name] = meta
    manifest: dict[str, Any] = {
        "about": (
            "Public data shipped with capcycle so that `capcycle reproduce` and the notebooks "
            "work offline; rebuilt by scripts/build_snapshot.py. The loaders look here last, "
            "after data_dir=, CAPCYCLE_DATA, the cache and the network."
        ),
        "files": files,
    }
    (out / "manifest.json").write_text(
        json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--from", dest="source", metavar="DIR", help="data folder (default: $CAPCYCLE_DATA)")
    where.add_argument("--network", action="store_true", help="download the newest FRED and Ken French files")
    parser.add_argument(
        "--out", metavar="DIR", default=str(DEFAULT_OUT), help=f"output folder (default {DEFAULT_OUT})"
    )
    args = parser.parse_args(argv)
    source: Path | None = None
    if not args.network:
        folder = args.source or os.environ.get("CAPCYCLE_DATA")
        if not folder:
            parser.error("give --from DIR, set CAPCYCLE_DATA, or pass --network")
        source = Path(folder)
    files = build(source, Path(args.out))
    for name, meta in files.items():
        print(f"{name}: {meta['first']} .. {meta['last']}, {meta['rows']} rows, {meta['bytes']} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
