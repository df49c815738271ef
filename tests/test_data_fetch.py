"""Live loaders against a local HTTP server (127.0.0.1, random port; no internet)."""

from __future__ import annotations

import errno
import io
import os
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from capcycle import data
from capcycle.data import _fetch

DFF_CSV = b"observation_date,DFF\n2024-09-18,5.33\n2024-09-19,4.83\n2024-09-20,4.83\n"
FACTORS_CSV = (
    b"This file was created by CMPT_ME_BEME_RETS using the 202412 CRSP database.\r\n\r\n"
    b",Mkt-RF,SMB,HML,RF\r\n192607,    2.96,   -2.56,   -2.43,    0.22\r\n"
    b"192608,    2.64,   -1.17,    3.82,    0.25\r\n\r\n"
    b" Annual Factors: January-December \r\n,Mkt-RF,SMB,HML,RF\r\n"
    b"  1927,   29.47,   -2.04,   -3.35,    3.12\r\n\r\nCopyright 2024 Eugene F. Fama and Kenneth R. French\r\n"
)


def zipped(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in members.items():
            zf.writestr(name, body)
    return buf.getvalue()


Handler = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class Server:
    base: str
    routes: dict[str, Handler] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)


def send(body: bytes, status: int = 200, *, chunks: int = 1, pause: float = 0.0) -> Handler:
    def handle(h: BaseHTTPRequestHandler) -> None:
        h.send_response(status)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        step = max(1, len(body) // chunks)
        for i in range(0, len(body), step):
            h.wfile.write(body[i : i + step])
            h.wfile.flush()
            time.sleep(pause)

    return handle


def cut(body: bytes) -> Handler:
    """Announce the whole body, send half, close the connection."""

    def handle(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body[: len(body) // 2])
        h.wfile.flush()
        h.close_connection = True

    return handle


def stall(seconds: float) -> Handler:
    def handle(h: BaseHTTPRequestHandler) -> None:
        time.sleep(seconds)
        send(DFF_CSV)(h)

    return handle


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Server]:
    routes: dict[str, Handler] = {}
    hits: dict[str, int] = {}

    class H(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits[self.path] = hits.get(self.path, 0) + 1
            handler = routes.get(self.path)
            if handler is None:
                self.send_error(404)
                return
            try:
                handler(self)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    monkeypatch.setenv("CAPCYCLE_FRED_URL", base + "/fred?id=")
    monkeypatch.setenv("CAPCYCLE_FRENCH_URL", base + "/french/")
    monkeypatch.setenv("CAPCYCLE_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("CAPCYCLE_DATA", raising=False)
    monkeypatch.delenv("CAPCYCLE_OFFLINE", raising=False)
    monkeypatch.setattr(_fetch, "BACKOFF", 0.01)
    monkeypatch.setattr(_fetch, "TIMEOUT", 5.0)
    try:
        yield Server(base, routes, hits)
    finally:
        httpd.shutdown()
        httpd.server_close()


def cache_files(tmp_path: Path) -> list[str]:
    root = tmp_path / "cache"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


# ------------------------------------------------------------------ success and lookup


def test_fred_download_caches_then_serves_offline(server: Server, tmp_path: Path) -> None:
    server.routes["/fred?id=DFF"] = send(DFF_CSV, chunks=3)
    s = data.fred("DFF")
    assert s["2024-09-19"] == 4.83 and s.name == "DFF"
    assert (tmp_path / "cache" / "fred" / "DFF.csv").read_bytes() == DFF_CSV
    again = data.fred("DFF", offline=True)  # from the cache, no request
    assert again.equals(s) and server.hits["/fred?id=DFF"] == 1
    data.fred("DFF", refresh=True)
    assert server.hits["/fred?id=DFF"] == 2


def test_lookup_order(server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for folder, value in (("arg", "1.0"), ("env", "2.0"), ("cache", "3.0")):
        (tmp_path / folder / "fred").mkdir(parents=True)
        (tmp_path / folder / "fred" / "X.csv").write_text(f"date,value\n2024-01-02,{value}\n")
    monkeypatch.setenv("CAPCYCLE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("CAPCYCLE_DATA", str(tmp_path / "env"))
    assert data.fred("X", data_dir=tmp_path / "arg").iloc[0] == 1.0
    assert data.fred("X").iloc[0] == 2.0
    monkeypatch.delenv("CAPCYCLE_DATA")
    assert data.fred("X").iloc[0] == 3.0
    assert server.hits == {}


def test_offline_env_never_asks_the_network(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    server.routes["/fred?id=DFF"] = send(DFF_CSV)
    monkeypatch.setenv("CAPCYCLE_OFFLINE", "1")
    with pytest.raises(data.DataNotFoundError, match="offline"):
        data.fred("DFF")
    assert server.hits == {}
    with pytest.raises(ValueError, match="refresh=True needs the network"):
        data.fred("DFF", refresh=True)


def test_french_download_reads_member_by_name(server: Server, tmp_path: Path) -> None:
    server.routes["/french/F-F_Research_Data_Factors_CSV.zip"] = send(
        zipped({"README.txt": b"not this", "F-F_Research_Data_Factors.CSV": FACTORS_CSV})
    )
    ff = data.french("F-F_Research_Data_Factors")
    assert list(ff) == ["main", "Annual Factors: January-December"]
    assert ff["main"].loc["1926-07-31", "SMB"] == pytest.approx(-0.0256)
    assert (tmp_path / "cache" / "french" / "F-F_Research_Data_Factors.csv").read_bytes() == FACTORS_CSV
    assert data.french("F-F_Research_Data_Factors", offline=True)["main"].equals(ff["main"])


# ------------------------------------------------------------------ failures


def test_404_is_not_found_and_not_retried(server: Server, tmp_path: Path) -> None:
    with pytest.raises(data.DataNotFoundError, match="HTTP 404") as info:
        data.fred("NOPE")
    assert "fred/NOPE.csv" in str(info.value) and str(tmp_path / "cache") in str(info.value)
    assert server.hits["/fred?id=NOPE"] == 1


def test_server_error_is_retried(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter([send(b"busy", 503), send(DFF_CSV)])
    server.routes["/fred?id=DFF"] = lambda h: next(answers)(h)
    assert data.fred("DFF").iloc[0] == 5.33
    assert server.hits["/fred?id=DFF"] == 2


def test_timeout(server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_fetch, "TIMEOUT", 0.2)
    monkeypatch.setattr(_fetch, "RETRIES", 2)
    server.routes["/fred?id=DFF"] = stall(1.0)
    start = time.monotonic()
    with pytest.raises(data.DownloadError, match=r"after 2 attempt\(s\).*(timed out|TimeoutError)"):
        data.fred("DFF")
    assert time.monotonic() - start < 2.0
    assert server.hits["/fred?id=DFF"] == 2 and cache_files(tmp_path) == []


def test_cut_mid_body_leaves_no_file(server: Server, tmp_path: Path) -> None:
    server.routes["/fred?id=DFF"] = cut(DFF_CSV)
    with pytest.raises(data.DownloadError, match="connection closed after"):
        data.fred("DFF")
    assert server.hits["/fred?id=DFF"] == _fetch.RETRIES
    assert cache_files(tmp_path) == []


def test_html_error_page_is_not_cached(server: Server, tmp_path: Path) -> None:
    server.routes["/fred?id=DFF"] = send(b"<html><body>Service unavailable</body></html>")
    with pytest.raises(data.ParseError, match="not a FRED file"):
        data.fred("DFF")
    assert cache_files(tmp_path) == []


def test_corrupt_zip(server: Server, tmp_path: Path) -> None:
    good = zipped({"Bad.csv": FACTORS_CSV * 20})
    damaged = bytearray(good)
    damaged[60:80] = b"\x00" * 20  # inside the compressed data
    server.routes["/french/Bad_CSV.zip"] = send(bytes(damaged))
    server.routes["/french/Junk_CSV.zip"] = send(b"PK\x03\x04 this is not a zip archive")
    with pytest.raises(ValueError, match="(corrupt|not a valid) zip"):
        data.french("Bad")
    with pytest.raises(ValueError, match="not a valid zip archive"):
        data.french("Junk")
    assert cache_files(tmp_path) == []


@pytest.mark.parametrize("member", ["../Evil.csv", "/etc/Evil.csv", "a/../../Evil.csv", "C:/Evil.csv"])
def test_hostile_zip_member_paths(server: Server, tmp_path: Path, member: str) -> None:
    server.routes["/french/Evil_CSV.zip"] = send(zipped({member: FACTORS_CSV}))
    with pytest.raises(data.UnsafeArchiveError, match="absolute path or '..'"):
        data.french("Evil")
    assert cache_files(tmp_path) == [] and not (tmp_path / "Evil.csv").exists()


def test_zip_bomb_is_refused(server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_fetch, "MAX_UNZIPPED", 100_000)
    bomb = zipped({"Bomb.csv": b"0" * 2_000_000})
    assert len(bomb) < 10_000
    server.routes["/french/Bomb_CSV.zip"] = send(bomb)
    with pytest.raises(data.UnsafeArchiveError, match="expands to 2000000 bytes"):
        data.french("Bomb")
    assert cache_files(tmp_path) == []


def test_zip_size_is_checked_while_reading_not_only_declared() -> None:
    bomb = bytearray(zipped({"Bomb.csv": b"0" * 50_000}))
    # Lie in the central directory: declare 10 bytes uncompressed.
    at = bomb.rfind(b"PK\x01\x02")
    bomb[at + 24 : at + 28] = (10).to_bytes(4, "little")
    with pytest.raises((data.UnsafeArchiveError, ValueError)):
        _fetch.read_zip_member(bytes(bomb), "Bomb.csv", source="test", max_bytes=1000)


# ------------------------------------------------------------------ the cache itself


def test_threads_filling_the_cache_at_once(server: Server, tmp_path: Path) -> None:
    body = DFF_CSV + b"".join(b"2025-%02d-%02d,4.33\n" % (m, d) for m in range(1, 13) for d in range(1, 28))
    server.routes["/fred?id=DFF"] = send(body, chunks=5, pause=0.01)
    results: list[float] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            results.append(float(data.fred("DFF", refresh=True).iloc[-1]))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and results == [4.33] * 6
    assert (tmp_path / "cache" / "fred" / "DFF.csv").read_bytes() == body
    assert cache_files(tmp_path) == ["fred/DFF.csv"]  # no temporary file left


def test_two_processes_filling_the_cache_at_once(server: Server, tmp_path: Path) -> None:
    body = DFF_CSV * 1 + b"".join(b"2026-01-%02d,4.00\n" % d for d in range(1, 29))
    server.routes["/fred?id=DFF"] = send(body, chunks=4, pause=0.05)
    code = "import capcycle.data as d; print(d.fred('DFF', refresh=True).iloc[-1])"
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert [o[0].strip() for o in outs] == [b"4.0", b"4.0"]
    assert (tmp_path / "cache" / "fred" / "DFF.csv").read_bytes() == body
    assert cache_files(tmp_path) == ["fred/DFF.csv"]


def test_read_only_cache(server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server.routes["/fred?id=DFF"] = send(DFF_CSV)

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(_fetch.tempfile, "mkstemp", denied)
    with pytest.raises(data.CacheWriteError, match="not writable: set CAPCYCLE_CACHE") as info:
        data.fred("DFF")
    assert info.value.errno == errno.EACCES and isinstance(info.value, OSError)
    assert cache_files(tmp_path) == []


def test_full_disk_keeps_the_old_file(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.routes["/fred?id=DFF"] = send(DFF_CSV)
    data.fred("DFF")
    server.routes["/fred?id=DFF"] = send(DFF_CSV.replace(b"4.83", b"9.99"))

    def half_then_full(fd: int, payload: bytes) -> None:
        os.write(fd, payload[: len(payload) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(_fetch, "_write_all", half_then_full)
    with pytest.raises(data.CacheWriteError, match="is full: free some space"):
        data.fred("DFF", refresh=True)
    assert (tmp_path / "cache" / "fred" / "DFF.csv").read_bytes() == DFF_CSV
    assert cache_files(tmp_path) == ["fred/DFF.csv"]


def test_stale_temporary_files_are_removed(tmp_path: Path) -> None:
    stale = tmp_path / ".DFF.csv.abc.part"
    stale.write_bytes(b"half")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    fresh = tmp_path / ".DFF.csv.xyz.part"  # maybe another process writing now
    fresh.write_bytes(b"half")
    _fetch.write_atomic(tmp_path / "DFF.csv", DFF_CSV)
    assert not stale.exists() and fresh.exists()
    assert (tmp_path / "DFF.csv").read_bytes() == DFF_CSV


def test_progress_bar_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _fetch._progress_enabled() is False  # under pytest
    monkeypatch.setenv("CAPCYCLE_PROGRESS", "1")
    assert _fetch._progress_enabled() is True


def test_download_with_progress_bar_on(
    server: Server, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CAPCYCLE_PROGRESS", "1")
    monkeypatch.setattr(_fetch, "_CHUNK", 16)
    server.routes["/fred?id=DFF"] = send(DFF_CSV, chunks=4, pause=0.3)  # over tqdm's 1 s delay
    assert data.fred("DFF").iloc[-1] == 4.83
    assert "DFF.csv" in capsys.readouterr().err  # the bar was drawn
