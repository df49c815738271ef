"""Where data files live: the folder layout, the lookup order and its errors.

Layout (the same for the cache, ``CAPCYCLE_DATA`` and any ``data_dir=``)::

    fred/<ID>.csv            FRED CSV as served by fredgraph.csv
    french/<dataset>.csv     the CSV inside Ken French's <dataset>_CSV.zip
    prices/<TICKER>.csv      daily prices (Yahoo-style)
    valuation/<name>.csv     monthly valuation tables (Shiller)
    calendar/<name>.csv      release calendars

Lookup order: the ``data_dir=`` argument, the ``CAPCYCLE_DATA`` folder, the user
cache (``CAPCYCLE_CACHE`` or ``platformdirs.user_cache_dir("capcycle")``), then the
network (FRED, Ken French; Yahoo prices with the ``yahoo`` extra) unless offline,
then the snapshot shipped in the package (FRED and Ken French only).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import platformdirs

__all__ = [
    "DataNotFoundError",
    "cache_dir",
    "candidates",
    "check_name",
    "in_folder",
    "is_offline",
]

_SAFE_NAME = re.compile(r"^[A-Za-z0-9^][A-Za-z0-9_.+^=-]*$")


class DataNotFoundError(FileNotFoundError):
    """A data file is in none of the places searched (and the network was not asked).

    The message lists every place looked at and how to provide the file.
    """


def cache_dir() -> Path:
    """The download cache: ``$CAPCYCLE_CACHE`` if set, else the platform user cache.

    Examples
    --------
    >>> import os
    >>> from capcycle.data import cache_dir
    >>> os.environ["CAPCYCLE_CACHE"] = "/tmp/capcycle-cache"
    >>> str(cache_dir())
    '/tmp/capcycle-cache'
    >>> del os.environ["CAPCYCLE_CACHE"]
    """
    env = os.environ.get("CAPCYCLE_CACHE")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_cache_dir("capcycle"))


def is_offline(offline: bool | None) -> bool:
    """``offline`` if given, else ``CAPCYCLE_OFFLINE`` in {1, true, yes, on}."""
    if offline is not None:
        return bool(offline)
    return os.environ.get("CAPCYCLE_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def check_name(name: str, what: str) -> str:
    """Refuse names that could leave their folder (``..``, separators, empty)."""
    if not isinstance(name, str):
        raise TypeError(f"{what} must be a str, got {type(name).__name__}")
    if not _SAFE_NAME.match(name) or ".." in name:
        raise ValueError(f"{what} {name!r} is not a valid name: use letters, digits and _ . - + ^ = only")
    return name


_VINTAGE = re.compile(r"^(?P<stem>.+)_(?P<vintage>\d{6})\.csv$", re.IGNORECASE)


def in_folder(root: Path, folder: str, filename: str) -> Path:
    """The file for ``folder/filename`` under ``root``.

    Names match case-insensitively (Ken French spells ``..._Daily``, copies ``..._daily``),
    and a copy dated by its vintage, ``<stem>_YYYYMM.csv`` (e.g.
    ``Portfolios_Formed_on_ME_daily_202505.csv``), counts as the file too: the newest
    dated copy wins, then the undated one (its vintage unknown). Without any match the
    plain path is returned (it does not exist).
    """
    plain = root / folder / filename
    stem = filename[: -len(".csv")].lower() if filename.lower().endswith(".csv") else None
    try:
        entries = [e for e in (root / folder).iterdir() if e.is_file()]
    except OSError:
        return plain
    dated: list[tuple[str, Path]] = []
    undated: Path | None = None
    for entry in entries:
        name = entry.name.lower()
        if name == filename.lower():
            undated = entry if entry.name == filename or undated is None else undated
            continue
        m = _VINTAGE.match(entry.name)
        if stem is not None and m and m.group("stem").lower() == stem:
            dated.append((m.group("vintage"), entry))
    if dated:
        return max(dated)[1]
    return undated if undated is not None else plain


def candidates(
    folder: str, filename: str, data_dir: str | os.PathLike[str] | None, *, use_cache: bool = True
) -> list[tuple[str, Path | None]]:
    """(label, path) for each place to look, in order; path None means "not set"."""
    places: list[tuple[str, Path | None]] = []
    if data_dir is not None:
        places.append(("data_dir argument", in_folder(Path(data_dir).expanduser(), folder, filename)))
    env = os.environ.get("CAPCYCLE_DATA")
    places.append(("CAPCYCLE_DATA", in_folder(Path(env).expanduser(), folder, filename) if env else None))
    if use_cache:
        places.append(("cache", cache_dir() / folder / filename))
    return places


def first_existing(places: list[tuple[str, Path | None]]) -> Path | None:
    for _, path in places:
        if path is not None and path.is_file():
            return path
    return None


def not_found(
    what: str,
    folder: str,
    filename: str,
    places: list[tuple[str, Path | None]],
    network: str,
    how: str,
    *,
    snapshot: str | None = None,
) -> DataNotFoundError:
    """One error naming every place looked at and how to provide the file."""
    lines = [f"{what} not found. Looked in:"]
    for label, path in places:
        lines.append(f"  - {label}: {path if path is not None else 'not set'}")
    lines.append(f"  - network: {network}")
    if snapshot is not None:
        lines.append(f"  - snapshot shipped with capcycle: {snapshot}")
    lines.append(
        f"To provide it: {how} and save it as {folder}/{filename} under a folder passed "
        "as data_dir= or named by the CAPCYCLE_DATA environment variable."
    )
    return DataNotFoundError("\n".join(lines))
