"""One date parser for every date argument of capcycle (event dates, ``start``,
``end``, ``asof``): unambiguous dates in, a ``pd.Timestamp`` out, or an error that
names the argument.

Accepted: ISO 8601 strings (``"2019-07-31"``, ``"2019-07-31 14:00"``,
``"2019-07-31T14:00:00Z"``), ``pd.Timestamp``, ``datetime.date`` and
``datetime.datetime``, ``numpy.datetime64``. Refused, because pandas would guess:

- ``"03/07/2019"`` and ``"07.03.2019"``: day and month order is ambiguous (pandas
  reads 7 March, half of the world means 3 July);
- any other non-ISO text (``"July 31, 2019"``, ``"20190731"``) and partial dates
  (``"2019-07"``, ``"2019"``): as an ``end`` pandas' ``.loc[:"2019"]`` keeps the whole
  year but ``pd.Timestamp("2019")`` is 1 January;
- numbers: ``pd.Timestamp(20190731)`` is nanoseconds after 1970.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

__all__ = ["DateLike", "to_timestamp", "to_timestamps"]

#: What a single date argument may be.
DateLike = str | _dt.date | np.datetime64 | pd.Timestamp

_ISO = re.compile(
    r"\d{4}-\d{2}-\d{2}"  # date
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?"  # optional time
    r"(?:Z|[+-]\d{2}:?\d{2})?"  # optional UTC offset
)
_DAY_MONTH = re.compile(r"\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}")


def _from_text(text: str, name: str) -> pd.Timestamp:
    stripped = text.strip()
    if _ISO.fullmatch(stripped) is None:
        if _DAY_MONTH.fullmatch(stripped):
            why = "is ambiguous (day/month or month/day?)"
        else:
            why = "is not a full ISO date"
        raise ValueError(
            f"{name}: {text!r} {why}; write dates as ISO 'YYYY-MM-DD' (e.g. '2019-07-31') "
            "or pass a Timestamp or datetime.date"
        )
    try:
        return pd.Timestamp(stripped)
    except (ValueError, OverflowError) as err:
        raise ValueError(f"{name}: {text!r} is not a valid date ({err})") from None


def to_timestamp(value: DateLike, name: str) -> pd.Timestamp:
    """One date argument as a ``pd.Timestamp`` (time zone kept), refusing guesses.

    Parameters
    ----------
    value : str, Timestamp, datetime.date, datetime.datetime or numpy.datetime64
        Strings must be ISO 8601 (``"2019-07-31"``, optionally with a time and a UTC
        offset).
    name : str
        The argument's name, for the error message.

    Returns
    -------
    pandas.Timestamp

    Raises
    ------
    ValueError
        Ambiguous or non-ISO strings, partial dates, impossible dates, missing
        dates (``None``, ``NaT``).
    TypeError
        Numbers and other types.

    Examples
    --------
    >>> import datetime, numpy as np
    >>> from capcycle._dates import to_timestamp
    >>> to_timestamp("2019-07-31", "start")
    Timestamp('2019-07-31 00:00:00')
    >>> to_timestamp(datetime.date(2019, 7, 31), "start") == to_timestamp(np.datetime64("2019-07-31"), "end")
    True
    >>> to_timestamp("03/07/2019", "start")
    Traceback (most recent call last):
    ...
    ValueError: start: '03/07/2019' is ambiguous (day/month or month/day?); write dates as ISO 'YYYY-MM-DD' (e.g. '2019-07-31') or pass a Timestamp or datetime.date
    """
    if isinstance(value, str):
        return _from_text(value, name)
    if value is None or bool(pd.isna(value)):
        raise ValueError(f"{name}: got a missing date ({value!r}); pass a date")
    if isinstance(value, (pd.Timestamp, _dt.date, np.datetime64)):
        try:
            return pd.Timestamp(value)
        except (ValueError, OverflowError) as err:
            raise ValueError(f"{name}: {value!r} is out of range ({err})") from None
    raise TypeError(
        f"{name}: must be a date (an ISO string such as '2019-07-31', a Timestamp, "
        f"datetime.date or numpy.datetime64), got {type(value).__name__}"
    )


def to_timestamps(values: DateLike | Iterable[DateLike], name: str) -> pd.DatetimeIndex:
    """Several dates (or one) as a ``DatetimeIndex`` in the given order.

    A ``DatetimeIndex``, or a Series/Index/array of ``datetime64``, is taken as is;
    anything else is read element by element with :func:`to_timestamp` (so a list
    of strings, or a polars Series of dates, is held to the same rules).

    Parameters
    ----------
    values : date-like or iterable of date-likes
    name : str
        The argument's name, for error messages.

    Returns
    -------
    pandas.DatetimeIndex

    Raises
    ------
    ValueError
        An ambiguous, non-ISO or missing date (the message names the argument and
        the value), time zones that do not mix, no date at all.
    TypeError
        Numbers or other non-dates.

    Examples
    --------
    >>> from capcycle._dates import to_timestamps
    >>> list(to_timestamps(["2019-07-31", "2024-09-18"], "events").strftime("%Y-%m-%d"))
    ['2019-07-31', '2024-09-18']
    >>> to_timestamps(["2019-07-31", "07.03.2019"], "events")
    Traceback (most recent call last):
    ...
    ValueError: events: '07.03.2019' is ambiguous (day/month or month/day?); write dates as ISO 'YYYY-MM-DD' (e.g. '2019-07-31') or pass a Timestamp or datetime.date
    """
    if isinstance(values, (str, _dt.date, np.datetime64)):  # pd.Timestamp is a datetime.date
        values = [values]
    dtype = getattr(values, "dtype", None)
    if isinstance(values, (pd.Series, pd.Index, np.ndarray)) and (
        isinstance(dtype, pd.DatetimeTZDtype) or (isinstance(dtype, np.dtype) and dtype.kind == "M")
    ):
        out = pd.DatetimeIndex(np.asarray(values).ravel() if isinstance(values, np.ndarray) else values)
        if out.hasnans:
            raise ValueError(f"{name}: got a missing date (NaT); pass a date")
        return out
    if isinstance(values, (bytes, dict)) or not isinstance(values, Iterable):
        raise TypeError(
            f"{name}: must be dates (ISO strings, Timestamps, datetime.date, numpy.datetime64, "
            f"or a list/Index/Series of them), got {type(values).__name__}"
        )
    items = list(np.asarray(values, dtype=object).ravel()) if isinstance(values, np.ndarray) else list(values)
    stamps = [to_timestamp(v, name) for v in items]
    if not stamps:
        raise ValueError(f"{name}: no dates; pass at least one")
    try:
        return pd.DatetimeIndex(stamps)
    except (ValueError, TypeError) as err:
        raise ValueError(f"{name}: the dates do not share one time zone ({err})") from None
