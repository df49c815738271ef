"""The data snapshot shipped in the package: rebuilt byte for byte, its manifest true,
its numbers the shared files' numbers, and the loaders reach it last."""

from __future__ import annotations

import gzip
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from capcycle import data
from capcycle.data._snapshot import SNAPSHOT_DIR

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted(p.relative_to(SNAPSHOT_DIR) for p in SNAPSHOT_DIR.rglob("*") if p.is_file())


@pytest.fixture
def snapshot_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAPCYCLE_DATA", raising=False)
    monkeypatch.setenv("CAPCYCLE_OFFLINE", "1")


def test_rebuild_gives_the_same_bytes(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "snapshot"
    res = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "build_snapshot.py"),
            "--from",
            str(data_dir),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    rebuilt = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert rebuilt == SHIPPED
    for rel in SHIPPED:
        assert (out / rel).read_bytes() == (SNAPSHOT_DIR / rel).read_bytes(), rel


def test_manifest_describes_each_file(snapshot_only: None) -> None:
    manifest = json.loads((SNAPSHOT_DIR / "manifest.json").read_text())
    files = manifest["files"]
    assert sorted(f"{name}.gz" for name in files) == sorted(
        str(p) for p in SHIPPED if p.name != "manifest.json"
    )
    for name, entry in files.items():
        packed = (SNAPSHOT_DIR / f"{name}.gz").read_bytes()
        assert hashlib.sha256(packed).hexdigest() == entry["sha256"], name
        assert hashlib.sha256(gzip.decompress(packed)).hexdigest() == entry["csv_sha256"], name
        assert entry["source_url"].startswith("https://") and entry["attribution"], name
        folder, stem = name[: -len(".csv")].split("/")
        loaded = data.fred(stem, offline=True) if folder == "fred" else data.french(stem, offline=True)
        frames = [loaded] if folder == "fred" else list(loaded.values())
        assert sum(len(f) for f in frames) == entry["rows"], name
        last = max(f.index[-1] for f in frames)
        assert f"{last:%Y-%m-%d}".startswith(entry["last"]), name
    assert (
        sum(p.stat().st_size for p in SNAPSHOT_DIR.rglob("*") if p.is_file()) < 700_000
    )  # the wheel stays small


def _plain_fred(path: Path) -> pd.Series:
    frame = pd.read_csv(path, index_col=0, parse_dates=True)
    return pd.to_numeric(frame.iloc[:, 0], errors="coerce")


@pytest.mark.parametrize("series_id", ["DGS2", "DFEDTAR", "DFEDTARU"])
def test_fred_numbers_match_the_shared_files(series_id: str, data_dir: Path, snapshot_only: None) -> None:
    got = data.fred(series_id)
    assert "capcycle snapshot" in got.attrs["origin"]
    ref = _plain_fred(data_dir / "fred" / f"{series_id}.csv")
    assert got.index.equals(pd.DatetimeIndex(ref.index, name="date"))
    np.testing.assert_array_equal(got.to_numpy(), ref.to_numpy())


def _plain_french(path: Path, title: str | None, *, header_cell: str = "") -> pd.DataFrame:
    """A Ken French block read with plain pandas: the block after the line holding
    ``title`` (None: the first block), percent units, -99.99 kept as NaN."""
    lines = path.read_text().splitlines()
    start = 0
    if title is not None:
        start = next(
            i for i, line in enumerate(lines) if line.strip() == title or line.strip().startswith(title + " ")
        )
    while not lines[start].startswith("," if not header_cell else header_cell + ","):
        start += 1
    stop = start + 1
    while stop < len(lines) and lines[stop].split(",")[0].strip().isdigit():
        stop += 1
    block = pd.read_csv(path, skiprows=start, nrows=stop - start - 1, index_col=0)
    block.columns = [c.strip() for c in block.columns]
    stamps = block.index.astype(str).str.strip()
    if stamps.str.len()[0] == 8:
        block.index = pd.to_datetime(stamps, format="%Y%m%d")
    else:
        block.index = pd.to_datetime(stamps, format="%Y%m") + pd.offsets.MonthEnd(0)
    return block.replace(-99.99, np.nan)


FRENCH_CASES = [
    # dataset, table key, shared file, title in the shared file (None: first block), header cell, returns?
    (
        "Portfolios_Formed_on_ME",
        "Value Weight Returns -- Monthly",
        "Portfolios_Formed_on_ME.csv",
        None,
        "",
        True,
    ),
    (
        "Portfolios_Formed_on_ME_Daily",
        "Value Weight Returns -- Daily",
        "Portfolios_Formed_on_ME_daily_202505.csv",
        None,
        "Date",
        True,
    ),
    ("F-F_Research_Data_Factors_daily", "main", "F-F_Research_Data_Factors_daily.csv", None, "", True),
    (
        "25_Portfolios_5x5",
        "Value Weight Average of BE/ME",
        "25_Portfolios_5x5.csv",
        "Value Weight Average of BE/ME",
        "",
        False,
    ),
    (
        "25_Portfolios_5x5",
        "Number of Firms in Portfolios",
        "25_Portfolios_5x5.csv",
        "Number of Firms in Portfolios",
        "",
        False,
    ),
    ("25_Portfolios_5x5", "Average Market Cap", "25_Portfolios_5x5.csv", "Average Market Cap", "", False),
    (
        "25_Portfolios_ME_OP_5x5",
        "Average Value Weighted Returns -- Monthly",
        "25_Portfolios_ME_OP_5x5.csv",
        None,
        "",
        True,
    ),
    (
        "25_Portfolios_ME_OP_5x5",
        "Number of Firms in Portfolios",
        "25_Portfolios_ME_OP_5x5.csv",
        "Number of Firms in Portfolios",
        "",
        False,
    ),
    (
        "25_Portfolios_ME_OP_5x5",
        "Average Market Cap",
        "25_Portfolios_ME_OP_5x5.csv",
        "Average Market Cap",
        "",
        False,
    ),
    (
        "25_Portfolios_ME_OP_5x5",
        "Value Weight Average of OP",
        "25_Portfolios_ME_OP_5x5.csv",
        "Value Weight Average of OP",
        "",
        False,
    ),
]


@pytest.mark.parametrize("case", FRENCH_CASES, ids=[f"{c[0]}:{c[1]}" for c in FRENCH_CASES])
def test_french_numbers_match_the_shared_files(case: tuple, data_dir: Path, snapshot_only: None) -> None:
    dataset, key, filename, title, header_cell, returns = case
    got = data.french(dataset)[key]
    assert "capcycle snapshot" in got.attrs["origin"]
    ref = _plain_french(data_dir / "french" / filename, title, header_cell=header_cell)
    ref = ref.loc[got.index[0] :, list(got.columns)]  # the snapshot keeps a tail of the dates
    if returns:
        ref = ref / 100
    assert got.index.equals(pd.DatetimeIndex(ref.index, name="date")), key
    np.testing.assert_array_equal(got.to_numpy(), ref.to_numpy())


def test_snapshot_keeps_what_the_figures_use(snapshot_only: None) -> None:
    assert list(data.french("Portfolios_Formed_on_ME_Daily")["Value Weight Returns -- Daily"].columns) == [
        "Lo 30",
        "Med 40",
        "Hi 30",
    ]
    daily = data.french("Portfolios_Formed_on_ME_Daily")["Value Weight Returns -- Daily"]
    assert daily.index[0] <= pd.Timestamp("1990-01-02") and daily.index[-1] == pd.Timestamp("2025-05-30")
    # the note: small beat large by more than 4 points on 11 July 2024; SMB said +3.62 %
    assert daily.loc["2024-07-11", "Lo 30"] - daily.loc["2024-07-11", "Hi 30"] == pytest.approx(0.054)
    smb = data.french("F-F_Research_Data_Factors_daily")["main"]["SMB"]
    assert smb.loc["2024-07-11"] == pytest.approx(0.0362)
    bm = data.french("25_Portfolios_5x5")
    assert sorted(bm) == [
        "Average Market Cap",
        "Number of Firms in Portfolios",
        "Value Weight Average of BE/ME",
    ]
    assert all(t.shape[1] == 25 and t.index[0] == pd.Timestamp("1963-07-31") for t in bm.values())


def test_the_snapshot_comes_last(data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAPCYCLE_DATA", raising=False)
    monkeypatch.setenv("CAPCYCLE_OFFLINE", "1")
    assert data.fred("DGS2", data_dir=data_dir).attrs["origin"].startswith("data_dir argument")
    monkeypatch.setenv("CAPCYCLE_DATA", str(data_dir))
    assert data.fred("DGS2").attrs["origin"].startswith("CAPCYCLE_DATA")
    monkeypatch.delenv("CAPCYCLE_DATA")
    cache = tmp_path / "cache"
    (cache / "fred").mkdir(parents=True)
    (cache / "fred" / "DGS2.csv").write_text("observation_date,DGS2\n2024-07-11,4.51\n")
    monkeypatch.setenv("CAPCYCLE_CACHE", str(cache))
    assert data.fred("DGS2").attrs["origin"].startswith("cache")
    (cache / "fred" / "DGS2.csv").unlink()
    assert data.fred("DGS2").attrs["origin"].startswith("capcycle snapshot fred/DGS2.csv")
    # not in the snapshot either: the error lists every place, the snapshot too
    with pytest.raises(data.DataNotFoundError, match="snapshot shipped with capcycle: not in the snapshot"):
        data.fred("DFF")


def test_network_failure_falls_back_to_the_snapshot(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAPCYCLE_DATA", raising=False)
    monkeypatch.delenv("CAPCYCLE_OFFLINE", raising=False)
    asked: list[str] = []

    def down(url: str, **_: object) -> bytes:
        asked.append(url)
        raise data.DownloadError(f"could not download {url}")

    monkeypatch.setattr("capcycle.data.download", down)
    assert data.fred("DGS2").attrs["origin"].startswith("capcycle snapshot")
    assert asked == [data.FRED_URL + "DGS2"]
    with pytest.raises(data.DownloadError):  # a refresh must download
        data.fred("DGS2", refresh=True)
    with pytest.raises(data.DownloadError):  # not in the snapshot: the download error stands
        data.fred("DFF")
