"""Downloads and the cache: retries, progress, atomic writes, safe zip reading.

Guarantees (each has a test in ``tests/test_data_fetch.py``):

- A download is read whole into memory and checked (length, then the caller parses
  it) before anything is written; the cache file is then written to a unique
  temporary file in the same folder and renamed into place with ``os.replace``
  (atomic on POSIX and Windows). A download cut mid-body, a timeout, a full disk, a
  read-only cache or a killed process never leaves a partial ``<name>.csv``; two
  processes filling the cache at once each rename a complete file.
- Timeouts per socket operation (``TIMEOUT`` seconds), ``RETRIES`` attempts with
  exponential backoff from ``BACKOFF`` seconds on connection errors, timeouts,
  truncated bodies and HTTP 408/429/5xx. Other HTTP errors (404) are not retried.
- Zip members are read in memory, by name; a member named with ``..`` or an
  absolute path, or an archive that would expand past ``MAX_UNZIPPED`` bytes, is
  refused before any byte is extracted.
"""

from __future__ import annotations

import contextlib
import errno
import http.client
import io
import os
import socket
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import Any

__all__ = [
    "BACKOFF",
    "MAX_DOWNLOAD",
    "MAX_UNZIPPED",
    "RETRIES",
    "TIMEOUT",
    "CacheWriteError",
    "DownloadError",
    "UnsafeArchiveError",
    "download",
    "read_zip_member",
    "write_atomic",
]

#: Seconds allowed for connecting and for each read.
TIMEOUT: float = 30.0
#: Attempts per download (the first one included).
RETRIES: int = 3
#: Seconds before the second attempt; doubled each time after.
BACKOFF: float = 1.0
#: Largest download accepted, in bytes.
MAX_DOWNLOAD: int = 100 * 2**20
#: Largest total uncompressed size accepted for a zip archive, in bytes.
MAX_UNZIPPED: int = 200 * 2**20
_CHUNK = 64 * 1024
_STALE_SECONDS = 3600.0


class DownloadError(ConnectionError):
    """A download failed after its retries (network down, timeouts, server errors)."""


class CacheWriteError(OSError):
    """The cache could not be written (full disk, read-only folder); nothing was left."""


class UnsafeArchiveError(ValueError):
    """A zip archive is refused: a member path escapes its folder or it is too large."""


def _progress_enabled() -> bool:
    env = os.environ.get("CAPCYCLE_PROGRESS")
    if env is not None:
        return env.strip().lower() not in {"0", "false", "no", "off", ""}
    if "PYTEST_CURRENT_TEST" in os.environ:
        return False
    if "ipykernel" in sys.modules:
        return True
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _progress_bar(total: int | None, desc: str) -> Any:
    """A tqdm bar that only appears after one second (tqdm's ``delay``)."""
    enabled = _progress_enabled()
    cls = None
    if enabled and "ipykernel" in sys.modules:
        with contextlib.suppress(ImportError):
            import ipywidgets  # noqa: F401
            from tqdm.notebook import tqdm as cls
    if cls is None:
        from tqdm import tqdm as cls
    return cls(
        total=total,
        desc=desc,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        delay=1.0,
        disable=not enabled,
        leave=False,
    )


def _download_once(url: str, desc: str, max_bytes: int) -> bytes:
    from capcycle import __version__

    request = urllib.request.Request(url, headers={"User-Agent": f"capcycle/{__version__}"})
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        length_header = response.headers.get("Content-Length")
        length = int(length_header) if length_header and length_header.isdigit() else None
        if length is not None and length > max_bytes:
            raise DownloadError(f"{url}: {length} bytes is more than the {max_bytes} allowed")
        buffer = io.BytesIO()
        with _progress_bar(length, desc) as bar:
            while True:
                chunk = response.read(_CHUNK)
                if not chunk:
                    break
                buffer.write(chunk)
                bar.update(len(chunk))
                if buffer.tell() > max_bytes:
                    raise DownloadError(f"{url}: more than the {max_bytes} bytes allowed")
        data = buffer.getvalue()
    if length is not None and len(data) != length:
        raise http.client.IncompleteRead(data, length - len(data))
    return data


def download(url: str, *, desc: str = "", max_bytes: int | None = None) -> bytes:
    """The body of ``url``, complete, or an exception; retried ``RETRIES`` times.

    Raises ``urllib.error.HTTPError`` for a 4xx other than 408/429 (not retried) and
    :class:`DownloadError` when every attempt failed.
    """
    limit = MAX_DOWNLOAD if max_bytes is None else max_bytes
    attempts = max(1, RETRIES)
    failures: list[str] = []
    for attempt in range(attempts):
        if attempt:
            time.sleep(BACKOFF * 2 ** (attempt - 1))
        try:
            return _download_once(url, desc or url.rsplit("/", 1)[-1], limit)
        except urllib.error.HTTPError as exc:
            exc.close()  # its body holds the socket open
            if exc.code not in (408, 429) and exc.code < 500:
                raise
            failures.append(f"HTTP {exc.code} {exc.reason}")
        except http.client.IncompleteRead as exc:
            failures.append(f"connection closed after {len(exc.partial)} bytes, {exc.expected} missing")
        except (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException) as exc:
            if isinstance(exc, DownloadError):
                raise
            reason = getattr(exc, "reason", exc)
            failures.append(f"{type(exc).__name__}: {reason}")
            if isinstance(reason, socket.gaierror):
                break  # the host name does not resolve: no network here, retrying will not help
    raise DownloadError(
        f"could not download {url} after {len(failures)} attempt(s): {'; '.join(failures)}. "
        "Check the connection and try again, or work offline with files in a folder "
        "passed as data_dir= (or CAPCYCLE_DATA)."
    )


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _remove_stale(folder: Path, name: str) -> None:
    """Remove temporary files older than an hour left by killed processes."""
    now = time.time()
    for tmp in folder.glob(f".{name}.*.part"):
        with contextlib.suppress(OSError):
            if now - tmp.stat().st_mtime > _STALE_SECONDS:
                tmp.unlink()


def write_atomic(dest: Path, data: bytes) -> None:
    """Write ``data`` to ``dest`` through a temporary file and ``os.replace``.

    Readers see the old file or the complete new one, never a part. On failure the
    temporary file is removed and :class:`CacheWriteError` says what to do.
    """
    folder = dest.parent
    tmp: str | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _remove_stale(folder, dest.name)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{dest.name}.", suffix=".part")
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, dest)
        tmp = None
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            advice = (
                f"the disk holding {folder} is full: free some space, or set CAPCYCLE_CACHE "
                "to a folder on another disk"
            )
        elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            advice = (
                f"the cache folder {folder} is not writable: set CAPCYCLE_CACHE to a "
                "writable folder, or pass data_dir= with the file already in it"
            )
        else:
            advice = f"could not write {dest} ({exc}): set CAPCYCLE_CACHE to another folder"
        raise CacheWriteError(exc.errno or 0, f"{advice}; nothing was written to {dest}") from exc
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _unsafe_member(name: str) -> bool:
    posix = name.replace("\\", "/")
    return posix.startswith("/") or (len(posix) > 1 and posix[1] == ":") or ".." in PurePosixPath(posix).parts


def read_zip_member(data: bytes, member: str, *, source: str, max_bytes: int | None = None) -> bytes:
    """The bytes of the member named ``member`` (case-insensitive, in any folder).

    When no member has that name and the archive holds exactly one ``.csv``, that
    one is read. Raises :class:`UnsafeArchiveError` for ``..`` or absolute member
    paths and for archives expanding past ``max_bytes`` (default ``MAX_UNZIPPED``),
    and ``ValueError`` for a corrupt archive.
    """
    limit = MAX_UNZIPPED if max_bytes is None else max_bytes
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:
        raise ValueError(f"{source}: not a valid zip archive ({exc}); nothing was cached") from exc
    with archive:
        infos = archive.infolist()
        for info in infos:
            if _unsafe_member(info.filename):
                raise UnsafeArchiveError(
                    f"{source}: refused, member {info.filename!r} has an absolute path or '..'"
                )
        total = sum(info.file_size for info in infos)
        if total > limit:
            raise UnsafeArchiveError(
                f"{source}: refused, the archive expands to {total} bytes (limit {limit})"
            )
        wanted = member.lower()
        chosen = [i for i in infos if PurePosixPath(i.filename.replace("\\", "/")).name.lower() == wanted]
        if not chosen:
            csvs = [i for i in infos if i.filename.lower().endswith(".csv")]
            if len(csvs) != 1:
                names = ", ".join(i.filename for i in infos) or "none"
                raise ValueError(f"{source}: no member named {member!r} (members: {names})")
            chosen = csvs
        try:
            with archive.open(chosen[0]) as handle:
                out = handle.read(limit + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise ValueError(f"{source}: corrupt zip archive ({exc}); nothing was cached") from exc
        if len(out) > limit:
            raise UnsafeArchiveError(
                f"{source}: refused, member {chosen[0].filename!r} expands past {limit} bytes"
            )
        return out
