"""Macro release days of July-August 2024, the ones marked on figure 2.

The research note explains the July 2024 small-cap rally by the macro releases of
the month (a soft June CPI on 11 July above all). The shared data folder has a
release calendar of low confidence and without ISM dates, so the few days figure 2
needs ship here, each checked against its publisher's own calendar:

- ISM Manufacturing PMI (first business day of the month) and ISM Services PMI
  (third business day): ISM Report On Business release schedule 2024
  (ismworld.org): 2024-07-01 and 2024-08-01 (Mon, Thu) for manufacturing,
  2024-07-03 (Wed, the day before the 4 July holiday) and 2024-08-05 (Mon) for
  services.
- CPI: BLS "Consumer Price Index release schedule 2024" (bls.gov/schedule/news_release/cpi.htm):
  June CPI on 2024-07-11, July CPI on 2024-08-14.
- FOMC: Federal Reserve meeting calendar 2024 (federalreserve.gov): statement on
  2024-07-31 (the meeting of 30-31 July).

Examples
--------
>>> from capcycle.calendar import releases
>>> releases("2024-07-01", "2024-07-31")["event"].tolist()
['ISM Manufacturing', 'ISM Services', 'CPI', 'FOMC']
"""

from __future__ import annotations

import pandas as pd

from capcycle._dates import to_timestamp

__all__ = ["RELEASES", "releases"]

_ROWS: list[tuple[str, str, str, str]] = [
    # date, event, short label for charts, publisher
    ("2024-07-01", "ISM Manufacturing", "ISM Mfg", "ISM Report On Business schedule 2024"),
    ("2024-07-03", "ISM Services", "ISM Svcs", "ISM Report On Business schedule 2024"),
    ("2024-07-11", "CPI", "CPI", "BLS CPI release schedule 2024"),
    ("2024-07-31", "FOMC", "FOMC", "Federal Reserve FOMC calendar 2024"),
    ("2024-08-01", "ISM Manufacturing", "ISM Mfg", "ISM Report On Business schedule 2024"),
    ("2024-08-05", "ISM Services", "ISM Svcs", "ISM Report On Business schedule 2024"),
    ("2024-08-14", "CPI", "CPI", "BLS CPI release schedule 2024"),
]


def _table() -> pd.DataFrame:
    frame = pd.DataFrame(_ROWS, columns=["date", "event", "label", "source"])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


#: The release days of July-August 2024 (columns ``date, event, label, source``).
RELEASES: pd.DataFrame = _table()


def releases(start: str | pd.Timestamp | None = None, end: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """The shipped release days between ``start`` and ``end`` (both included).

    Parameters
    ----------
    start, end : date-like, optional
        Bounds of the period; ``None`` leaves that side open.

    Returns
    -------
    pandas.DataFrame
        A new frame with columns ``date`` (Timestamp), ``event``, ``label`` (short,
        for charts) and ``source`` (the published calendar the date comes from).
    """
    frame = _table()
    keep = pd.Series(True, index=frame.index)
    if start is not None:
        keep &= frame["date"] >= to_timestamp(start, "start")
    if end is not None:
        keep &= frame["date"] <= to_timestamp(end, "end")
    return frame[keep].reset_index(drop=True)
