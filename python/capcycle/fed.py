"""The Fed's easing cycles: known first cuts, and finding them in a policy-rate series.

``FIRST_CUTS`` lists the first cut of every Fed easing cycle since 1989 (decision
dates); :func:`first_cuts` finds first cuts in any policy-rate series (a cut after at
least ``min_gap`` without one) and :func:`cycles` tabulates each easing cycle.

FRED dating. FRED's ``DFEDTAR`` (target, 1982-09-27 .. 2008-12-15) dates each change
on the decision day (2001-01-03, 2007-09-18). ``DFEDTARU`` and ``DFEDTARL`` (bounds of
the target range, from 2008-12-16) date a change on the day it takes effect, which
since 2017 is the day *after* the FOMC decision: 2019-08-01 for the 2019-07-31 cut,
2024-09-19 for the 2024-09-18 cut, 2020-03-04 and 2020-03-16 for the emergency cuts
of March 3 and Sunday March 15, 2020 (2015-12-16 and 2016-12-14 are dated on the
decision day). :func:`target_rate` joins the two on decision days. :func:`first_cuts`
and :func:`cycles` move the changes of a series named ``DFEDTARU``/``DFEDTARL`` (as
``capcycle.data.fred`` and ``pd.read_csv`` name them) back to the decision by default
(``lag=None``); ``lag="fred"`` does the same for any series, a duration moves every
date back by it, ``lag="0D"`` keeps the dates as given.

Policy targets only. The effective rate (``DFF``, ``FEDFUNDS``) moves by a few basis
points most days around the target: every dip would count as a cut, so
:func:`first_cuts` and :func:`cycles` refuse a series with changes smaller than 1/16
percentage point (no FOMC target has moved by less since 1982) and point to
:func:`target_rate`. Smoothing the effective rate instead would date cuts by its
noise (month-end dips, the 2008-2015 floor below the target), not by the decisions.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["EMERGENCY_CUTS_2020", "FIRST_CUTS", "cycles", "first_cuts", "target_rate"]

#: From this date FRED's target-range series date a change on the day after the FOMC
#: decision (the day it takes effect); before it, on the decision day.
FRED_DAY_AFTER_SINCE = pd.Timestamp("2017-01-01")
#: FRED series dated like that (``first_cuts``/``cycles`` recognise them by name).
_FRED_RANGE_SERIES = ("DFEDTARU", "DFEDTARL")
#: No FOMC target change since 1982 was smaller (DFEDTAR's smallest steps are 1/16).
_MIN_POLICY_STEP = 0.0625
#: Differences below this are float noise, not changes (rates are in percent).
_NOISE = 1e-9

FIRST_CUTS: pd.DatetimeIndex = pd.DatetimeIndex(
    [
        # 9.75% -> 9.50%. Targets were not announced before February 1994, so the date
        # is when the Desk implemented the lower target. We take June 6, 1989: the
        # date of the change in FRED DFEDTAR, which before 1994 is Thornton's
        # reconstruction of the target ("A New Federal Funds Rate Target Series:
        # September 27, 1982 - December 31, 1993", St. Louis Fed WP 2005-032) from the
        # Desk's records. Some chronologies give June 5 (the day the easing was agreed);
        # June 6 is the first day the market could see the new target in the Desk's
        # operations, and it is the date `first_cuts` finds in the FRED data.
        "1989-06-06",
        # 6.00% -> 5.75%: FOMC statement of July 6, 1995 (federalreserve.gov press
        # release, 1995-07-06); DFEDTAR changes the same day.
        "1995-07-06",
        # 5.50% -> 5.25%: FOMC statement of September 29, 1998 (federalreserve.gov
        # press release, 1998-09-29); DFEDTAR changes the same day.
        "1998-09-29",
        # 6.50% -> 6.00%, an intermeeting cut: FOMC statement of January 3, 2001
        # (federalreserve.gov press release, 2001-01-03); DFEDTAR 2001-01-03 = 6.00.
        "2001-01-03",
        # 5.25% -> 4.75%: FOMC statement of September 18, 2007 (federalreserve.gov
        # press release, 2007-09-18); DFEDTAR 2007-09-18 = 4.75.
        "2007-09-18",
        # range 2.25-2.50% -> 2.00-2.25%: FOMC statement of July 31, 2019
        # (federalreserve.gov press release, 2019-07-31); DFEDTARU dates it 2019-08-01.
        # The emergency cuts of March 3 and 15, 2020 come four months after this
        # cycle's last cut (2019-10-30) with no hike in between: we treat them as part
        # of the 2019 cycle, not a new one, which is also what `first_cuts` with its
        # default min_gap="365D" finds. They are in `EMERGENCY_CUTS_2020` for a study
        # of their own.
        "2019-07-31",
        # range 5.25-5.50% -> 4.75-5.00%: FOMC statement of September 18, 2024
        # (federalreserve.gov press release, 2024-09-18); DFEDTARU dates it 2024-09-19.
        "2024-09-18",
    ],
    name="first_cut",
)

#: The emergency cuts of 2020 (FOMC statements of March 3 and Sunday March 15, 2020),
#: part of the 2019 easing cycle in ``FIRST_CUTS`` (see there).
EMERGENCY_CUTS_2020: pd.DatetimeIndex = pd.DatetimeIndex(["2020-03-03", "2020-03-15"], name="cut")


Lag = str | pd.Timedelta | None


def _rate_series(target_rate: Any) -> pd.Series:
    """Validate a policy-rate Series; return it as float64 with NaN dropped."""
    if not isinstance(target_rate, pd.Series):
        raise TypeError(
            f"target_rate: must be a pandas Series with a DatetimeIndex, got {type(target_rate).__name__}"
        )
    if not isinstance(target_rate.index, pd.DatetimeIndex):
        raise TypeError(
            "target_rate: the index must be a DatetimeIndex "
            f"(got {type(target_rate.index).__name__}); parse the dates first"
        )
    if (
        pd.api.types.is_bool_dtype(target_rate.dtype)
        or not (pd.api.types.is_numeric_dtype(target_rate.dtype))
        or pd.api.types.is_complex_dtype(target_rate.dtype)
    ):
        raise TypeError(f"target_rate: must be numeric, got dtype {target_rate.dtype}")
    if target_rate.index.hasnans:
        raise ValueError("target_rate: the index has missing dates (NaT)")
    if not target_rate.index.is_monotonic_increasing:
        raise ValueError("target_rate: the index must be sorted ascending; use .sort_index()")
    if not target_rate.index.is_unique:
        raise ValueError("target_rate: the index has duplicate dates")
    rate = target_rate.astype("float64").dropna()
    if np.isinf(rate.to_numpy()).any():
        raise ValueError(f"target_rate: has an infinite value at {rate.index[np.isinf(rate.to_numpy())][0]}")
    if len(rate) == 0:
        raise ValueError("target_rate: has no non-missing value")
    _check_policy_steps(rate)
    return rate


def _check_policy_steps(rate: pd.Series) -> None:
    """Refuse a market rate: its small daily moves are not decisions (module docstring)."""
    values = rate.to_numpy()
    size = np.abs(np.diff(values))
    changes = size > _NOISE
    small = changes & (size < _MIN_POLICY_STEP - _NOISE)
    if small.any():
        at = int(np.flatnonzero(small)[0])
        raise ValueError(
            f"target_rate: {int(small.sum())} of its {int(changes.sum())} changes are smaller than 1/16 "
            f"percentage point (first: {values[at]:g} -> {values[at + 1]:g} on {rate.index[at + 1]:%Y-%m-%d}). "
            "That is an effective rate (FRED DFF, FEDFUNDS), whose daily moves are not decisions, or a rate "
            "in decimals: first_cuts and cycles need the policy target in percent, e.g. fed.target_rate() "
            "(FRED DFEDTAR, then the upper bound DFEDTARU, on decision days)"
        )


def _duration(name: str, value: Any, *, allow_zero: bool) -> pd.Timedelta:
    try:
        out = pd.Timedelta(value)
    except (ValueError, TypeError) as err:
        raise ValueError(f"{name}: could not read {value!r} as a duration such as '365D' ({err})") from None
    if pd.isna(out) or (out < pd.Timedelta(0) if allow_zero else out <= pd.Timedelta(0)):
        raise ValueError(f"{name}: must be {'non-negative' if allow_zero else 'positive'}, got {value!r}")
    return out


def _fred_decision_dates(dates: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """FRED target-range dates (day the change takes effect) -> FOMC decision dates."""
    since = FRED_DAY_AFTER_SINCE if dates.tz is None else FRED_DAY_AFTER_SINCE.tz_localize(dates.tz)
    return dates.where(dates < since, dates - pd.Timedelta(days=1))


def _redate(dates: pd.DatetimeIndex, lag: Lag, name: Any) -> pd.DatetimeIndex:
    """The dates of the changes found, moved back to the decision per ``lag``."""
    if lag is None:
        lag = "fred" if name in _FRED_RANGE_SERIES else "0D"
    if isinstance(lag, str) and lag == "fred":
        return _fred_decision_dates(dates)
    return dates - _duration("lag", lag, allow_zero=True)


def target_rate(data_dir: str | os.PathLike[str] | None = None, *, offline: bool | None = None) -> pd.Series:
    r"""The Fed funds target in percent, daily, each change on its FOMC decision day.

    FRED ``DFEDTAR`` (the target, 1982-09-27 to 2008-12-15) followed by ``DFEDTARU``
    (the upper bound of the target range, from 2008-12-16; the lower bound is 0.25
    below), with ``DFEDTARU``'s changes since 2017 moved back from the day they took
    effect to the decision (2019-08-01 -> 2019-07-31; see the module docstring). So
    ``first_cuts(target_rate())`` gives the decision dates of ``FIRST_CUTS``, plus
    1984-09-20 (before ``FIRST_CUTS`` starts, in 1989).

    Parameters
    ----------
    data_dir : path, optional
        As in :func:`capcycle.data.fred`: a folder with ``fred/DFEDTAR.csv`` and
        ``fred/DFEDTARU.csv``, searched first; then ``CAPCYCLE_DATA``, the cache,
        the network.
    offline : bool, optional
        As in :func:`capcycle.data.fred`.

    Returns
    -------
    pandas.Series
        Named ``"target"``, DatetimeIndex named ``"date"`` (every calendar day from
        DFEDTAR's first to DFEDTARU's last); ``attrs["source"]`` says how it is made.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from capcycle import fed
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> (folder / "fred").mkdir()
    >>> _ = (folder / "fred" / "DFEDTAR.csv").write_text(
    ...     "observation_date,DFEDTAR\n2008-12-14,1.0\n2008-12-15,1.0\n")
    >>> _ = (folder / "fred" / "DFEDTARU.csv").write_text(
    ...     "observation_date,DFEDTARU\n2008-12-16,0.25\n2024-09-17,5.5\n2024-09-18,5.5\n2024-09-19,5.0\n")
    >>> rate = fed.target_rate(folder, offline=True)
    >>> rate["2024-09-17":].tolist()  # FRED's 2024-09-19 cut is the decision of 2024-09-18
    [5.5, 5.0, 5.0]
    """
    from capcycle import data

    old = data.fred("DFEDTAR", data_dir=data_dir, offline=offline).dropna()
    new = data.fred("DFEDTARU", data_dir=data_dir, offline=offline).dropna()
    if old.empty or new.empty:
        raise ValueError(f"data_dir: {'DFEDTAR' if old.empty else 'DFEDTARU'} has no value")
    moved = new.copy()
    moved.index = _fred_decision_dates(pd.DatetimeIndex(new.index))
    # The day before the first moved date now holds the moved value (same as FRED's
    # then: no decision falls on 2016-12-31); the last published day keeps its value.
    parts = [old[old.index < new.index[0]], moved[~moved.index.duplicated(keep="last")], new.iloc[-1:]]
    joined = pd.concat(parts)
    joined = joined[~joined.index.duplicated(keep="last")].sort_index()
    out = pd.Series(
        joined.to_numpy(dtype="float64"), index=pd.DatetimeIndex(joined.index, name="date"), name="target"
    )
    out.attrs["source"] = (
        "FRED DFEDTAR (to 2008-12-15) then DFEDTARU (upper bound of the target range, from 2008-12-16); "
        "DFEDTARU's changes since 2017 moved back one day, from the day they took effect to the FOMC decision"
    )
    return out


def _cut_groups(rate: pd.Series, gap: pd.Timedelta) -> list[list[int]]:
    """Positions (in ``rate``) of the cuts of each easing cycle whose start the data covers."""
    values = rate.to_numpy()
    dates = rate.index
    cut_rows = np.flatnonzero(np.diff(values) < -_NOISE) + 1
    groups: list[list[int]] = []
    previous: pd.Timestamp | None = None
    for row in cut_rows:
        date = dates[int(row)]
        if previous is None:
            # The data must cover min_gap before a cut to call it a first cut.
            starts = date - dates[0] >= gap
        else:
            starts = date - previous >= gap
        if starts:
            groups.append([int(row)])
        elif groups:
            groups[-1].append(int(row))
        previous = date
    return groups


def first_cuts(
    target_rate: pd.Series, *, min_gap: str | pd.Timedelta = "365D", lag: Lag = None
) -> pd.DatetimeIndex:
    """The first cut of each easing cycle in a policy-rate series.

    A first cut is a fall in the rate with no fall in the ``min_gap`` before it
    (hikes in between do not matter). A cut within ``min_gap`` of the start of the
    data is not reported: the data cannot tell whether it starts a cycle.

    Parameters
    ----------
    target_rate : pandas.Series
        The policy target in percent (e.g. :func:`target_rate`, FRED DFEDTAR, or
        DFEDTARU since 2008), indexed by date, sorted; missing values are dropped.
        Any sampling (daily, business-daily, by decision). An effective rate (DFF,
        FEDFUNDS) is refused: see the module docstring.
    min_gap : str or Timedelta, default "365D"
        How long without a cut before a cut starts a new cycle.
    lag : None, "fred", str or Timedelta, default None
        How the series dates a change relative to the decision; the dates found are
        moved back accordingly. ``None``: ``"fred"`` for a series named
        ``"DFEDTARU"`` or ``"DFEDTARL"`` (as ``capcycle.data.fred`` names them),
        else no move. ``"fred"``: FRED's target-range dating (changes since 2017
        are dated the day after the decision). A duration (``"1D"``): every date
        moves back by it. ``"0D"``: the dates as given.

    Returns
    -------
    pandas.DatetimeIndex
        Named ``"first_cut"``.

    Raises
    ------
    ValueError
        Changes smaller than 1/16 percentage point (an effective rate, or decimals),
        unsorted or duplicated dates, a bad ``min_gap``/``lag``.

    Examples
    --------
    >>> import pandas as pd
    >>> from capcycle import fed
    >>> rate = pd.Series([5.0, 5.0, 4.75, 4.5, 4.5, 4.75, 4.5],
    ...                  index=pd.to_datetime(["2000-01-01", "2001-06-01", "2001-07-01",
    ...                                        "2001-08-01", "2003-01-01", "2004-01-01",
    ...                                        "2005-03-01"]))
    >>> list(fed.first_cuts(rate).strftime("%Y-%m-%d"))
    ['2001-07-01', '2005-03-01']

    FRED's DFEDTARU dates the cut of 2019-07-31 on 2019-08-01; by its name it is
    moved back:

    >>> upper = pd.Series([2.5, 2.5, 2.25], name="DFEDTARU",
    ...                   index=pd.to_datetime(["2018-01-01", "2019-07-31", "2019-08-01"]))
    >>> list(fed.first_cuts(upper).strftime("%Y-%m-%d")), list(fed.first_cuts(upper, lag="0D").strftime("%Y-%m-%d"))
    (['2019-07-31'], ['2019-08-01'])
    """
    rate = _rate_series(target_rate)
    gap = _duration("min_gap", min_gap, allow_zero=False)
    rows = [group[0] for group in _cut_groups(rate, gap)]
    return pd.DatetimeIndex(
        _redate(pd.DatetimeIndex(rate.index[rows]), lag, target_rate.name), name="first_cut"
    )


def cycles(target_rate: pd.Series, *, min_gap: str | pd.Timedelta = "365D", lag: Lag = None) -> pd.DataFrame:
    """Each easing cycle of a policy-rate series: first and last cut, cuts, total change.

    A cycle starts at a first cut (see :func:`first_cuts`) and holds every later cut
    less than ``min_gap`` after the previous one.

    Parameters
    ----------
    target_rate : pandas.Series
        The policy target in percent, indexed by date (see :func:`first_cuts`; an
        effective rate is refused).
    min_gap, lag
        As in :func:`first_cuts`.

    Returns
    -------
    pandas.DataFrame
        One row per cycle (index ``cycle`` = 0, 1, ...), columns ``first_cut``,
        ``last_cut``, ``n_cuts``, ``change_bp`` (rate after the last cut minus rate
        before the first, in basis points: the sum of the cuts when no hike falls in
        between), ``rate_before`` and ``rate_after`` (percent).

    Examples
    --------
    >>> import pandas as pd
    >>> from capcycle import fed
    >>> rate = pd.Series([5.0, 5.0, 4.75, 4.5, 4.5],
    ...                  index=pd.to_datetime(["2000-01-01", "2001-06-01", "2001-07-01",
    ...                                        "2001-08-01", "2003-01-01"]))
    >>> fed.cycles(rate)[["first_cut", "last_cut", "n_cuts", "change_bp"]]
           first_cut   last_cut  n_cuts  change_bp
    cycle
    0     2001-07-01 2001-08-01       2      -50.0
    """
    rate = _rate_series(target_rate)
    gap = _duration("min_gap", min_gap, allow_zero=False)
    groups = _cut_groups(rate, gap)
    values = rate.to_numpy()
    first = [g[0] for g in groups]
    last = [g[-1] for g in groups]
    before = values[np.asarray(first, dtype=np.int64) - 1] if groups else np.array([], dtype=float)
    after = values[np.asarray(last, dtype=np.int64)] if groups else np.array([], dtype=float)
    return pd.DataFrame(
        {
            "first_cut": _redate(pd.DatetimeIndex(rate.index[first]), lag, target_rate.name),
            "last_cut": _redate(pd.DatetimeIndex(rate.index[last]), lag, target_rate.name),
            "n_cuts": np.array([len(g) for g in groups], dtype=np.int64),
            "change_bp": np.round((after - before) * 100.0, 6),
            "rate_before": before,
            "rate_after": after,
        },
        index=pd.RangeIndex(len(groups), name="cycle"),
    )
