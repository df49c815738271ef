"""Strict parsers for the text files of the data layer.

Every parser takes the decoded text and a ``source`` label (a path or URL) used in
error messages, and raises :class:`ParseError` (a ``ValueError``) naming the source
and the 1-based line number of the first problem it finds. Nothing here touches the
file system or the network: ``_fetch`` brings bytes, ``capcycle.data`` decides where
they come from.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = [
    "ParseError",
    "decode",
    "parse_calendar",
    "parse_fred",
    "parse_french",
    "parse_prices",
    "parse_valuation",
]

#: Values that mean "missing" in FRED files (FRED writes ".", some copies leave it empty).
_FRED_MISSING = frozenset({"", "."})
#: Values that mean "missing" in price files (Yahoo writes "null" on bad rows).
_PRICE_MISSING = frozenset({"", ".", "null", "NaN", "nan", "NA", "N/A", "#N/A"})
#: Ken French's missing-value codes.
_FRENCH_MISSING = (-99.99, -999.0)

_DATE_NAMES = frozenset({"date", "observation_date", "datetime", "timestamp", "time", "dates"})
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class ParseError(ValueError):
    """A data file does not have the layout its parser expects.

    The message names the file and the 1-based line number, e.g.
    ``"fred/DFF.csv, line 12: 'x' is not a date (expected YYYY-MM-DD)"``.
    """

    def __init__(self, source: str, line: int | None, message: str) -> None:
        self.source = source
        self.line = line
        where = f"{source}, line {line}" if line is not None else source
        super().__init__(f"{where}: {message}")


def decode(raw: bytes) -> str:
    """Bytes to text: UTF-8 (a BOM is dropped), else Windows-1252 (Ken French's files)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _split_lines(text: str) -> list[str]:
    """CRLF, CR and LF all end a line; a missing final newline is fine."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _records(lines: Sequence[str], start: int = 0) -> list[tuple[int, list[str]]]:
    """(line number, stripped fields) for each line; quoted fields may hold commas."""
    out = []
    for i, fields in enumerate(csv.reader(lines[start:]), start=start + 1):
        out.append((i, [f.strip() for f in fields]))
    return out


def _is_blank(fields: Sequence[str]) -> bool:
    return all(f == "" for f in fields)


# ---------------------------------------------------------------- shared column helpers


def _iso_dates(values: Sequence[str], linenos: Sequence[int], source: str) -> pd.DatetimeIndex:
    """ISO dates (``YYYY-MM-DD``, optionally followed by a time as Yahoo's newer files)."""
    heads = [v[:10] if len(v) > 10 and v[10] in " T" else v for v in values]
    parsed = pd.to_datetime(pd.Index(heads, dtype=object), format="%Y-%m-%d", errors="coerce")
    bad = np.flatnonzero(pd.isna(parsed) | ~pd.Index(heads, dtype=object).str.match(_ISO_DATE))
    if bad.size:
        i = int(bad[0])
        raise ParseError(source, linenos[i], f"{values[i]!r} is not a date (expected YYYY-MM-DD)")
    return pd.DatetimeIndex(parsed, name="date")


def _numbers(
    values: Sequence[str], linenos: Sequence[int], source: str, missing: frozenset[str], what: str
) -> np.ndarray:
    arr = np.full(len(values), np.nan)
    for k, v in enumerate(values):
        if v in missing:
            continue
        try:
            arr[k] = float(v)
        except ValueError:
            raise ParseError(source, linenos[k], f"{v!r} is not a number in column {what!r}") from None
        if np.isinf(arr[k]):  # "inf", or "1e400" overflowing: never a price, rate or return
            raise ParseError(source, linenos[k], f"{v!r} is not a finite number in column {what!r}")
    return arr


def _check_order(index: pd.DatetimeIndex, linenos: Sequence[int], source: str) -> None:
    """Dates must be strictly increasing: a repeat or a step back is an error."""
    if len(index) < 2:
        return
    values = index.asi8
    step = np.diff(values)
    bad = np.flatnonzero(step <= 0)
    if bad.size:
        j = int(bad[0]) + 1
        kind = "duplicated" if step[j - 1] == 0 else "out of order (dates must increase)"
        raise ParseError(
            source, linenos[j], f"date {index[j].date()} is {kind}; previous row is {index[j - 1].date()}"
        )


def _rows(records: list[tuple[int, list[str]]], ncols: int, source: str) -> tuple[list[int], list[list[str]]]:
    """Data rows with exactly ``ncols`` fields (extra empty trailing fields are tolerated)."""
    linenos: list[int] = []
    rows: list[list[str]] = []
    for lineno, fields in records:
        if _is_blank(fields):
            continue
        if len(fields) > ncols and all(f == "" for f in fields[ncols:]):
            fields = fields[:ncols]
        if len(fields) != ncols:
            raise ParseError(
                source,
                lineno,
                f"expected {ncols} fields, found {len(fields)} (truncated or damaged file?)",
            )
        linenos.append(lineno)
        rows.append(fields)
    return linenos, rows


def _header(lines: list[str], source: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    if not lines or not lines[0].strip():
        raise ParseError(source, 1, "empty file (expected a header line)")
    records = _records(lines)
    header = records[0][1]
    while header and header[-1] == "" and len(header) > 1:
        header = header[:-1]
    return header, records[1:]


# ---------------------------------------------------------------- FRED


def parse_fred(text: str, source: str, series_id: str | None = None) -> pd.Series:
    """A FRED CSV (``observation_date,ID``, old ``DATE,ID`` or ``date,value``) to a Series.

    "." and empty values are NaN. The Series is named by the header's ID, or by
    ``series_id`` when the header says ``value``.
    """
    lines = _split_lines(text)
    header, records = _header(lines, source)
    if len(header) != 2 or header[0].lower() not in {"observation_date", "date"}:
        raise ParseError(
            source,
            1,
            f"not a FRED file: header {','.join(header)!r} "
            "(expected 'observation_date,<ID>' or 'date,value')",
        )
    name = header[1] if header[1].lower() != "value" else (series_id or header[1])
    linenos, rows = _rows(records, 2, source)
    if not rows:
        raise ParseError(source, len(lines), "no observations after the header (truncated file?)")
    index = _iso_dates([r[0] for r in rows], linenos, source)
    _check_order(index, linenos, source)
    values = _numbers([r[1] for r in rows], linenos, source, _FRED_MISSING, name)
    return pd.Series(values, index=index, name=name)


# ---------------------------------------------------------------- Ken French


#: Title of the first table in the original Ken French CSVs for datasets whose first
#: title line can be missing (removed with the preface by re-uploaders). A dataset
#: not listed here gets ``"main"`` for an untitled first table.
FRENCH_FIRST_TITLES: dict[str, str] = {
    "F-F_Research_Data_Factors": "main",
    "F-F_Research_Data_Factors_daily": "main",
    "F-F_Research_Data_Factors_weekly": "main",
    "Portfolios_Formed_on_ME": "Value Weight Returns -- Monthly",
    "Portfolios_Formed_on_ME_daily": "Value Weight Returns -- Daily",
    "Portfolios_Formed_on_ME_Daily": "Value Weight Returns -- Daily",
    "25_Portfolios_5x5": "Average Value Weighted Returns -- Monthly",
    "25_Portfolios_5x5_Daily": "Average Value Weighted Returns -- Daily",
    "25_Portfolios_ME_OP_5x5": "Average Value Weighted Returns -- Monthly",
    "6_Portfolios_2x3": "Average Value Weighted Returns -- Monthly",
    "6_Portfolios_2x3_daily": "Average Value Weighted Returns -- Daily",
}

_EXCEL_DECILE = re.compile(r"^(\d{1,2})-Dec$")
_RETURN_TITLE = re.compile(r"return|factor", re.IGNORECASE)


def _french_key(title_lines: list[str]) -> str:
    """Dict key for a table: its title line; for the multi-line BE/ME, OP and investment
    titles, the line naming the quantity, cut before "Calculated" (e.g.
    ``"Value Weight Average of BE/ME"``)."""
    lines = [t.strip() for t in title_lines if t.strip()]
    if len(lines) == 1:
        return lines[0]
    for line in lines:
        if not line.lower().startswith("for portfolios formed"):
            key = re.split(r"\s+Calculated\b", line, maxsplit=1)[0]
            return key.rstrip(" :")
    return " ".join(lines)


def _is_return_table(key: str) -> bool:
    return key == "main" or bool(_RETURN_TITLE.search(key))


def _french_dates(stamps: list[str], linenos: list[int], source: str) -> pd.DatetimeIndex:
    width = len(stamps[0])
    for s, ln in zip(stamps, linenos, strict=True):
        if len(s) != width or not s.isdigit():
            raise ParseError(source, ln, f"{s!r} is not a date like the table's first row {stamps[0]!r}")
    if width == 8:
        idx = pd.to_datetime(pd.Index(stamps, dtype=object), format="%Y%m%d", errors="coerce")
    elif width in (6, 4):
        ints = np.array([int(s) for s in stamps])
        year, month = (ints // 100, ints % 100) if width == 6 else (ints, np.full(ints.size, 12))
        bad = np.flatnonzero((month < 1) | (month > 12))
        if bad.size:
            i = int(bad[0])
            raise ParseError(source, linenos[i], f"{stamps[i]!r} is not a valid YYYYMM month")
        first = pd.to_datetime(
            pd.DataFrame({"year": year, "month": month, "day": np.ones(ints.size, dtype=int)})
        )
        idx = pd.DatetimeIndex(first) + pd.offsets.MonthEnd(0)
    else:
        raise ParseError(source, linenos[0], f"{stamps[0]!r} is not a YYYYMMDD, YYYYMM or YYYY date")
    bad = np.flatnonzero(pd.isna(idx))
    if bad.size:
        i = int(bad[0])
        raise ParseError(source, linenos[i], f"{stamps[i]!r} is not a valid YYYYMMDD date")
    return pd.DatetimeIndex(idx, name="date")


def _french_table(
    key: str,
    title: str,
    header: list[str],
    body: list[tuple[int, list[str]]],
    header_line: int,
    source: str,
) -> pd.DataFrame:
    columns = [_EXCEL_DECILE.sub(r"Dec \1", h) for h in header[1:]]
    if not body:
        raise ParseError(source, header_line, f"table {key!r} has a header but no rows (truncated file?)")
    linenos, rows = _rows(body, len(header), source)
    index = _french_dates([r[0] for r in rows], linenos, source)
    _check_order(index, linenos, source)
    values = np.empty((len(rows), len(columns)))
    for i, (ln, row) in enumerate(zip(linenos, rows, strict=True)):
        for j, cell in enumerate(row[1:]):
            try:
                values[i, j] = float(cell)
            except ValueError:
                if not cell:
                    msg = f"empty value in column {columns[j]!r} (truncated or damaged file?)"
                else:
                    msg = f"{cell!r} is not a number in column {columns[j]!r}"
                raise ParseError(source, ln, msg) from None
    values[np.isin(values, _FRENCH_MISSING)] = np.nan
    is_return = _is_return_table(key)
    if is_return:
        values /= 100.0
    frame = pd.DataFrame(values, index=index, columns=pd.Index(columns, dtype=object))
    frame.attrs.update(title=title, units="decimal" if is_return else "as published", source=source)
    return frame


def _is_french_header(first: str, raw: str) -> bool:
    """A table's header line: it starts with ``,``, or with ``Date,`` in copies re-saved
    through pandas or Excel (``Date,<= 0,Lo 30,...``)."""
    return (first == "" and raw.lstrip().startswith(",")) or (first.lower() == "date" and raw.count(",") >= 1)


def parse_french(text: str, source: str, dataset: str | None = None) -> dict[str, pd.DataFrame]:
    """Every table of a Ken French data-library CSV, keyed by title.

    Layout: an optional free-text preface, then tables one after another, each an
    optional title (one or more text lines), a header line starting with ``,`` (or
    ``Date,``) and rows ``date,v1,v2,...``; blank (or all-comma) lines separate
    tables; a copyright footer may follow. Dates YYYYMMDD (daily), YYYYMM (monthly, dated month-end) or
    YYYY (annual, dated 31 December). -99.99 and -999 become NaN. Return tables
    (title mentioning returns or factors, and the untitled first table) are divided by
    100; counts, sizes and ratios (number of firms, average size, BE/ME, OP,
    investment) keep their published units (``frame.attrs["units"]`` says which).

    Keys: the title line, stripped (``"Equal Weight Returns -- Monthly"``); a
    multi-line title gives the line that names the quantity, cut before "Calculated"
    (``"Value Weight Average of BE/ME"``); the full title is in
    ``frame.attrs["title"]``. An untitled first table gets
    ``FRENCH_FIRST_TITLES[dataset]`` (the title in Ken French's own file), else
    ``"main"``. A repeated key gets `` (2)``, `` (3)``...
    """
    lines = _split_lines(text)
    records = _records(lines)
    tables: dict[str, pd.DataFrame] = {}
    pending: list[str] = []  # text lines since the last blank line or table
    header: list[str] | None = None
    header_line = 0
    title = ""
    key = ""
    body: list[tuple[int, list[str]]] = []

    def close() -> None:
        nonlocal header, body
        if header is not None:
            name, n = key, 2
            while name in tables:
                name, n = f"{key} ({n})", n + 1
            tables[name] = _french_table(name, title, header, body, header_line, source)
        header, body = None, []

    for lineno, fields in records:
        raw = lines[lineno - 1]
        if _is_blank(fields):
            close()
            pending = []
            continue
        first = fields[0]
        if _is_french_header(first, raw):
            close()
            header, header_line = fields, lineno
            while len(header) > 1 and header[-1] == "":
                header = header[:-1]
            if not tables:
                # Before the first table only an indented run of lines is a title;
                # flush-left lines belong to the free-text preface.
                run: list[str] = []
                for t in reversed(pending):
                    if not t[:1].isspace():
                        break
                    run.insert(0, t)
                pending = run
            title = "\n".join(t.strip() for t in pending)
            if pending:
                key = _french_key(pending)
            else:
                key = FRENCH_FIRST_TITLES.get(dataset or "", "main") if not tables else "untitled"
            pending = []
        elif header is not None and first.isdigit():
            body.append((lineno, fields))
        elif header is not None and first[:1].isdigit():
            raise ParseError(source, lineno, f"{first!r} is not a YYYYMMDD, YYYYMM or YYYY date")
        else:
            close()
            pending.append(raw)
    close()
    if not tables:
        raise ParseError(source, None, "no Ken French table found (expected a header line starting with ',')")
    return tables


def looks_french(text: str) -> bool:
    """True when a header line starting with ``,`` is followed by a numeric-date row."""
    lines = _split_lines(text[:20000])
    for a, b in itertools.pairwise(lines):
        if _is_french_header(a.split(",", 1)[0].strip(), a) and b.split(",", 1)[0].strip().isdigit():
            return True
    return False


# ---------------------------------------------------------------- prices


_ADJ_NAMES = ("adj close", "adj_close", "adjclose", "adjusted_close", "adjusted close")


def parse_prices(text: str, source: str, name: str, *, validate: bool = True) -> pd.Series:
    """A daily price file to a float Series (see ``capcycle.data.read_prices``)."""
    lines = _split_lines(text)
    header, records = _header(lines, source)
    lower = [h.lower() for h in header]
    layout: str
    if lower[0] in _DATE_NAMES:
        col = next((lower.index(a) for a in _ADJ_NAMES if a in lower), None)
        if col is not None:
            layout = "yahoo"
        elif "close" in lower:
            col, layout = lower.index("close"), "close"
        elif len(header) == 2:
            col = 1
            layout = "fred" if lower[0] == "observation_date" or header[0] == "DATE" else "date,value"
        else:
            raise ParseError(
                source,
                1,
                f"cannot tell which column holds the price in {','.join(header)!r}: expected "
                "'Adj Close' or 'Close' (Yahoo), or exactly two columns date,value",
            )
    elif len(header) == 2 and _ISO_DATE.match(header[0][:10]):
        records = _records(lines)  # no header: the first line is data
        col, layout = 1, "date,value"
        header = ["date", name]
    else:
        raise ParseError(
            source,
            1,
            f"unrecognised price file layout, header {','.join(header)!r}: expected Yahoo "
            "(Date,Open,High,Low,Close,Adj Close,Volume), Date,Close, FRED "
            "(observation_date,ID) or a two-column date,value file",
        )
    if layout == "fred":
        name = header[1]
    linenos, rows = _rows(records, len(header), source)
    if not rows:
        raise ParseError(source, len(lines), "no rows after the header (truncated file?)")
    index = _iso_dates([r[0] for r in rows], linenos, source)
    values = _numbers([r[col] for r in rows], linenos, source, _PRICE_MISSING, header[col])
    if validate:
        _check_order(index, linenos, source)
        if layout != "fred":
            bad = np.flatnonzero(values <= 0)
            if bad.size:
                i = int(bad[0])
                raise ParseError(
                    source,
                    linenos[i],
                    f"non-positive price {values[i]!r} in column {header[col]!r} "
                    "(pass validate=False to load it anyway)",
                )
    out = pd.Series(values, index=index, name=name)
    out.attrs.update(source=source, column=header[col], layout=layout)
    return out


# ---------------------------------------------------------------- valuation and calendar

_SHILLER_DATE = re.compile(r"^(\d{4})\.(\d{1,2})$")


def _month_dates(values: list[str], linenos: list[int], source: str) -> pd.DatetimeIndex:
    """Shiller's YYYY.MM (where "2024.1" is October: the float 2024.10) or ISO dates."""
    if values and _ISO_DATE.match(values[0][:10]):
        return _iso_dates(values, linenos, source)
    years, months = [], []
    for v, ln in zip(values, linenos, strict=True):
        m = _SHILLER_DATE.match(v)
        month = int(m.group(2).ljust(2, "0")) if m else 0
        if not m or not 1 <= month <= 12:
            raise ParseError(source, ln, f"{v!r} is not a date (expected YYYY.MM or YYYY-MM-DD)")
        years.append(int(m.group(1)))
        months.append(month)
    first = pd.to_datetime(pd.DataFrame({"year": years, "month": months, "day": 1}))
    return pd.DatetimeIndex(pd.DatetimeIndex(first) + pd.offsets.MonthEnd(0), name="date")


def _valuation_number(cell: str) -> float:
    cell = cell.replace(",", "").strip()
    if cell in _PRICE_MISSING:
        return np.nan
    if cell.endswith("%"):
        return float(cell[:-1] + "e-2")  # "1.30%" -> 0.013 exactly, not 0.013000000000000001
    return float(cell)


def parse_valuation(text: str, source: str) -> pd.DataFrame:
    """A monthly valuation table (Shiller layout) to a DataFrame; see ``valuation()``."""
    lines = _split_lines(text)
    header, records = _header(lines, source)
    linenos, rows = _rows(records, len(header), source)
    if not rows:
        raise ParseError(source, len(lines), "no rows after the header (truncated file?)")
    index = _month_dates([r[0] for r in rows], linenos, source)
    _check_order(index, linenos, source)
    values = np.empty((len(rows), len(header) - 1))
    for i, (ln, row) in enumerate(zip(linenos, rows, strict=True)):
        for j, cell in enumerate(row[1:]):
            try:
                values[i, j] = _valuation_number(cell)
            except ValueError:
                raise ParseError(
                    source, ln, f"{cell!r} is not a number in column {header[j + 1]!r}"
                ) from None
    frame = pd.DataFrame(values, index=index, columns=pd.Index(header[1:], dtype=object))
    frame.attrs.update(source=source)
    return frame


def parse_calendar(text: str, source: str) -> pd.DataFrame:
    """A release calendar (``Date,Event,...``) to a DataFrame; see ``calendar()``."""
    lines = _split_lines(text)
    header, records = _header(lines, source)
    if header[0].lower() not in _DATE_NAMES:
        raise ParseError(source, 1, f"expected a first column 'Date', found {header[0]!r}")
    linenos, rows = _rows(records, len(header), source)
    if not rows:
        raise ParseError(source, len(lines), "no rows after the header (truncated file?)")
    dates = _iso_dates([r[0] for r in rows], linenos, source)
    step = np.diff(dates.asi8)
    bad = np.flatnonzero(step < 0)
    if bad.size:
        j = int(bad[0]) + 1
        raise ParseError(
            source, linenos[j], f"date {dates[j].date()} is out of order (dates must not decrease)"
        )
    frame = pd.DataFrame({h: [r[k] for r in rows] for k, h in enumerate(header) if k})
    frame.insert(0, header[0], dates)
    frame.attrs.update(source=source)
    return frame
